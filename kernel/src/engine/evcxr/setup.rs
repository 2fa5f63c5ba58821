//! Everything the evaluator needs on disk and in the environment before evcxr starts:
//! the cache directory (checked to be outside any Cargo workspace), the prelude unpacked
//! from the binary, the shared cargo configuration, a claimed build slot with the pinned
//! `Cargo.lock`, the directory FIFO, and the library path that lets cells find libstd.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::child::make_directory_fifo;
use super::prelude;
use super::slot::BuildSlot;

/// Dependencies (ndarray, plotters, the prelude) are compiled once and optimised, so array
/// code runs fast; cells are compiled without optimisation, so they compile fast. Cargo
/// merges `.cargo/config.toml` from every ancestor of the build directory, and evcxr's
/// generated manifest only sets the cells' own `[profile.dev]`.
const CARGO_CONFIG: &str = r#"# Written by ndplay: dependencies optimised, cells compiled fast.
[profile.dev.package."*"]
opt-level = 3
debug = false
"#;

/// What [`prepare`] made ready.
pub struct Prepared {
    /// The claimed build directory; evcxr builds every cell there.
    pub slot: BuildSlot,
    /// The unpacked prelude crate, a path dependency of every cell.
    pub prelude: PathBuf,
}

/// Prepares the cache and a build slot, and sets the environment evcxr and its child read.
/// Must run before any other thread of ours reads the environment.
pub fn prepare(progress: &dyn Fn(&str)) -> Result<Prepared> {
    let cache = prelude::cache_root();
    std::fs::create_dir_all(&cache).with_context(|| format!("creating {}", cache.display()))?;
    refuse_cache_inside_a_workspace(&cache)?;
    let prelude = prelude::unpack(&cache)?;
    let sessions = cache.join("sessions");
    std::fs::create_dir_all(sessions.join(".cargo"))?;
    std::fs::write(sessions.join(".cargo").join("config.toml"), CARGO_CONFIG)?;
    let slot = BuildSlot::claim(&sessions)?;
    progress(&format!("build directory {}", slot.dir.display()));
    // Pin every transitive dependency to the versions the prelude was tested with.
    std::fs::write(slot.dir.join("Cargo.lock"), prelude::CARGO_LOCK)?;
    // evcxr reads its build directory from this variable when creating the context.
    std::env::set_var("EVCXR_TMPDIR", &slot.dir);
    add_std_to_library_path();
    // The child listens here for directory changes (a spare adopted by a notebook
    // elsewhere, see crate::spare).
    make_directory_fifo(&slot.dir.join("child-cwd.fifo"))?;
    Ok(Prepared { slot, prelude })
}

/// Lets the child find Rust's `libstd-*.so` whatever the build directory's depth.
///
/// Cells are shared libraries linked against the toolchain's `libstd` (dynamic linking),
/// found through a RUNPATH that rustc writes relative to the library's directory. evcxr
/// builds each cell in `…/debug/deps/` and then loads a copy from `…/debug/`, one level
/// up, so the relative path is one `..` short. Under `/tmp` the extra `..` is swallowed
/// at `/`, but under a home directory (`~/.cache/ndplay`, the default) `dlopen` fails with
/// "libstd-….so: cannot open shared object file". The loader searches
/// `LD_LIBRARY_PATH` before RUNPATH, and the child inherits our environment.
fn add_std_to_library_path() {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = |args: &[&str]| {
        std::process::Command::new(&rustc)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .and_then(|o| String::from_utf8(o.stdout).ok())
    };
    let (Some(sysroot), Some(version)) = (output(&["--print", "sysroot"]), output(&["-vV"])) else { return };
    let Some(host) = version.lines().find_map(|l| l.strip_prefix("host: ")) else { return };
    let lib = PathBuf::from(sysroot.trim()).join("lib").join("rustlib").join(host.trim()).join("lib");
    let mut paths = vec![lib];
    if let Some(existing) = std::env::var_os("LD_LIBRARY_PATH") {
        paths.extend(std::env::split_paths(&existing));
    }
    if let Ok(joined) = std::env::join_paths(paths) {
        std::env::set_var("LD_LIBRARY_PATH", joined);
    }
}

/// Cargo looks for a workspace in every ancestor of a crate; a cell crate under some
/// project's workspace fails to build with "current package believes it's in a workspace
/// when it's not". Say so plainly instead.
fn refuse_cache_inside_a_workspace(cache: &Path) -> Result<()> {
    let cache = std::fs::canonicalize(cache).unwrap_or_else(|_| cache.to_path_buf());
    for dir in cache.ancestors().skip(1) {
        let manifest = dir.join("Cargo.toml");
        if std::fs::read_to_string(&manifest).is_ok_and(|t| t.lines().any(|l| l.trim() == "[workspace]")) {
            anyhow::bail!(
                "the ndplay cache {} is inside the Cargo workspace of {}, so cargo would treat \
                 every cell as part of that project. Set NDPLAY_CACHE_DIR to a directory \
                 outside any Cargo project (the default is ~/.cache/ndplay).",
                cache.display(),
                manifest.display()
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cache_inside_a_workspace_is_refused() {
        let root = std::env::temp_dir().join(format!("ndplay-ws-{}", std::process::id()));
        std::fs::create_dir_all(root.join("target/cache")).unwrap();
        std::fs::write(root.join("Cargo.toml"), "[workspace]\nmembers = []\n").unwrap();
        let err = refuse_cache_inside_a_workspace(&root.join("target/cache")).unwrap_err().to_string();
        assert!(err.contains("NDPLAY_CACHE_DIR"), "{err}");
        std::fs::remove_file(root.join("Cargo.toml")).unwrap();
        assert!(refuse_cache_inside_a_workspace(&root.join("target/cache")).is_ok());
        std::fs::remove_dir_all(&root).unwrap();
    }
}
