//! Embeds the prelude crate's sources (the workspace root package) in the kernel binary, so
//! that an installed kernel keeps working after the source checkout is moved or deleted.
//! The kernel unpacks them into a cache directory and builds them as a path dependency of
//! every cell.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let kernel_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = kernel_dir.parent().unwrap().to_path_buf();
    println!("cargo:rerun-if-changed={}", root.join("src").display());
    println!("cargo:rerun-if-changed={}", root.join("Cargo.toml").display());
    println!("cargo:rerun-if-changed={}", root.join("Cargo.lock").display());

    let mut files = Vec::new();
    collect(&root.join("src"), &root, &mut files);
    files.sort();

    let mut out = String::from("/// The prelude's files: (path relative to the crate root, contents).\npub const FILES: &[(&str, &[u8])] = &[\n");
    let mut hash: u64 = 0xcbf29ce484222325;
    let mut add = |rel: &str, bytes: &[u8], out: &mut String, expr: String| {
        for b in rel.as_bytes().iter().chain(bytes) {
            hash = (hash ^ *b as u64).wrapping_mul(0x100000001b3);
        }
        writeln!(out, "    ({rel:?}, {expr}),").unwrap();
    };
    let manifest = standalone_manifest(&std::fs::read_to_string(root.join("Cargo.toml")).unwrap());
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    std::fs::write(out_dir.join("prelude-Cargo.toml"), &manifest).unwrap();
    add(
        "Cargo.toml",
        manifest.as_bytes(),
        &mut out,
        "include_bytes!(concat!(env!(\"OUT_DIR\"), \"/prelude-Cargo.toml\"))".into(),
    );
    for (rel, path) in &files {
        let bytes = std::fs::read(path).unwrap();
        add(rel, &bytes, &mut out, format!("include_bytes!({:?})", path.display().to_string()));
    }
    out.push_str("];\n");
    writeln!(out, "/// A hash of the files above: the cache directory they unpack to is named by it.\npub const HASH: &str = \"{hash:016x}\";").unwrap();
    // The workspace lock pins every transitive dependency of the prelude; cells use it too.
    writeln!(out, "pub const CARGO_LOCK: &str = include_str!({:?});", root.join("Cargo.lock").display().to_string())
        .unwrap();
    std::fs::write(out_dir.join("prelude_files.rs"), out).unwrap();
}

fn collect(dir: &Path, root: &Path, files: &mut Vec<(String, PathBuf)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, root, files);
        } else {
            let rel = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
            files.push((rel, path));
        }
    }
}

/// The root manifest also declares the workspace, dev-dependencies and profiles; as a
/// standalone dependency only the package, its features and dependencies make sense.
///
/// For cells the prelude is a `dylib`: one shared library that every cell links (with
/// ndarray and the rest inside it), so that each cell's library holds only the cell's own
/// code (~30 KB instead of ~300 KB: a 300-cell session grows by 15 MB, not 55 MB), and the
/// prelude's statics exist once per process (display ids, widgets), not once per cell.
fn standalone_manifest(text: &str) -> String {
    let keep = ["[package]", "[dependencies]", "[features]"];
    let mut out = String::new();
    let mut keeping = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            keeping = keep.contains(&trimmed);
        }
        if keeping {
            out.push_str(line);
            out.push('\n');
        }
    }
    out.push_str("\n[lib]\ncrate-type = [\"dylib\"]\n");
    out
}
