//! Everything the engine needs on disk and in the environment before the first cell: the
//! cache directory (checked to be outside any Cargo workspace), the prelude unpacked from
//! the binary, the cargo configuration and manifest of the cell crate, a claimed build
//! slot with the pinned `Cargo.lock`, the directory FIFO, the toolchain's own rustc, and
//! the library path that lets cells find libstd.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::compiler::CRATE_NAME;
use super::prelude;
use super::shared::SharedCache;
use super::slot::BuildSlot;
use crate::engine::rust::process::limits::make_directory_fifo;

/// How everything is compiled (docs/performance.md has the measurements):
/// - ndarray and the other dependencies once, at opt-level 3: array code runs fast;
/// - the prelude at opt-level 1, which lets rustc *share* its generic instances with the
///   cells (rustc exports them only below opt-level 2), and it pre-instantiates the common
///   ones (`src/instances.rs`): a cell reuses `Array2<f64> + f64` instead of compiling it;
/// - each cell at opt-level 1 too: closures written in the cell run 3× faster than at 0,
///   for a few milliseconds of compiling. Overflow checks stay on (lesson 1 teaches them).
///
/// Cargo reads this from the build directory's ancestors, and it takes precedence over a
/// manifest's profile: the cell crate's own manifest only names the dependencies, and the
/// one evcxr writes for completion (`crate::engine::rust::completion::analysis`) sets every key below its own way,
/// which this overrides, so that both build the dependencies alike and share them.
fn cargo_config(shared: bool) -> String {
    // The unshared route is how cells were compiled before generics were shared, kept for
    // measuring it (`NDPLAY_SHARED_GENERICS=0`, the benchmark's): the prelude at 3 like every
    // dependency, without the instances, and cells at 0.
    let (why, cells, prelude) = if shared {
        ("", 1, "\n[profile.dev.package.ndplay]\nopt-level = 1\n")
    } else {
        (" (NDPLAY_SHARED_GENERICS=0): generics are not shared", 0, "")
    };
    format!(
        r#"# Written by ndplay at every start{why}: how cells and their dependencies are compiled.
[profile.dev]
opt-level = {cells}
debug = false
debug-assertions = true
overflow-checks = true
incremental = false
codegen-units = 16
panic = "unwind"
lto = false
rpath = false
strip = "debuginfo"

[profile.dev.package."*"]
opt-level = 3
debug = false
{prelude}"#
    )
}

/// Whether cells share the prelude's generic instances (the default; see [`cargo_config`]).
pub fn shared_generics() -> bool {
    !matches!(std::env::var("NDPLAY_SHARED_GENERICS").as_deref(), Ok("0") | Ok("false") | Ok("no"))
}

/// What [`prepare`] made ready.
pub struct Prepared {
    /// The claimed build directory, where every cell is compiled.
    pub slot: BuildSlot,
    /// The unpacked prelude crate, a path dependency of every cell.
    pub prelude: PathBuf,
    /// The toolchain's rustc (not the rustup proxy: it costs a process start per cell).
    pub rustc: PathBuf,
    /// The host target (`x86_64-unknown-linux-gnu`): builds name it, as evcxr's do, so that
    /// both put the dependencies in the same place.
    pub target: String,
    /// The administrator's read-only build of the dependencies, when there is one that fits
    /// this kernel: cells then link it instead of building their own (see `super::shared`).
    pub shared: Option<SharedCache>,
}

/// Prepares the cache and a build slot, and sets the environment the child reads. Must run
/// before any other thread of ours reads the environment.
pub fn prepare(progress: &dyn Fn(&str)) -> Result<Prepared> {
    // The slots hold the student's cells and the spare's socket: on a shared server no other
    // user may read or change them (`cache_root` makes sure, or fails).
    let cache = prelude::cache_root()?;
    refuse_cache_inside_a_workspace(&cache)?;
    crate::engine::rust::process::limits::check_memory_setting()?;
    // An unreadable shared cache is an error the student sees (the administrator has to act);
    // one made by another ndplay version only means building here, as without one.
    let shared = SharedCache::from_env().transpose()?.filter(|s| {
        let fits = s.fits_this_kernel();
        if !fits {
            progress(&format!(
                "the shared cache {} was made by another ndplay build (its prelude is {}, this kernel's \
                 prelude-{}); building in your own cache instead, which takes minutes. The administrator \
                 should run `ndplay install --sys-prefix --shared-cache {}` again.",
                s.root.display(),
                s.manifest.prelude.display(),
                super::prelude::HASH,
                s.root.display()
            ));
        }
        fits
    });
    let prelude = match &shared {
        Some(s) => s.manifest.prelude.clone(),
        None => prelude::unpack(&cache)?,
    };
    let sessions = cache.join("sessions");
    std::fs::create_dir_all(sessions.join(".cargo"))?;
    let config = cargo_config(shared_generics());
    std::fs::write(sessions.join(".cargo").join("config.toml"), &config)?;
    // Two builds are the same one when the prelude (its directory is named after its
    // sources), the lock and the settings are.
    let lock = {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        prelude::CARGO_LOCK.hash(&mut h);
        h.finish()
    };
    let key = format!("{}\nCargo.lock {lock:016x}\n{config}", prelude.display());
    let shared = shared.filter(|s| {
        let same = super::slot::warm_key(&s.manifest.slot).as_deref() == Some(key.as_str());
        if !same {
            progress(&format!("the shared cache {} was built with other settings; building here", s.root.display()));
        }
        same
    });
    let slot = BuildSlot::claim(&sessions, &key)?;
    progress(&format!("build directory {}", slot.dir.display()));
    // Pin every transitive dependency to the versions the prelude was tested with.
    std::fs::write(slot.dir.join("Cargo.lock"), prelude::CARGO_LOCK)?;
    let toolchain = match &shared {
        Some(s) => Toolchain { sysroot: s.manifest.sysroot.clone(), host: s.manifest.host.clone() },
        None => Toolchain::find()?,
    };
    let own_deps = deps_dir(&slot.dir, &toolchain.host);
    let deps = match &shared {
        // The student's own, after `:dep`, come second.
        Some(s) => vec![s.deps_dir(), own_deps],
        None => vec![own_deps],
    };
    add_to_library_path(&toolchain, deps);
    // The child listens here for directory changes (a spare adopted by a notebook
    // elsewhere, see crate::spare).
    make_directory_fifo(&slot.dir.join("child-cwd.fifo"))?;
    if let Some(s) = &shared {
        progress(&format!("dependencies from the shared cache {}", s.root.display()));
    }
    Ok(Prepared { slot, prelude, rustc: toolchain.sysroot.join("bin").join("rustc"), target: toolchain.host, shared })
}

/// The sysroot and host target of the toolchain a kernel would use here (`RUSTC`, else
/// `rustc` on PATH): what `ndplay install --shared-cache` records.
pub fn toolchain() -> Result<(PathBuf, String)> {
    let t = Toolchain::find()?;
    Ok((t.sysroot, t.host))
}

/// Where a slot's compiled dependencies are.
pub(in crate::engine::rust) fn deps_dir(slot: &Path, host: &str) -> PathBuf {
    slot.join("target").join(host).join("debug").join("deps")
}

/// Writes the cell crate's manifest (the prelude and `extra` dependencies, each a
/// `name = spec` line of TOML) and a first source that compiles.
pub fn write_manifest(dir: &Path, prelude: &Path, extra: &[(String, String)]) -> Result<()> {
    let mut deps = format!("ndplay = {}\n", prelude_dependency(prelude));
    for (name, spec) in extra {
        deps.push_str(&format!("{name} = {spec}\n"));
    }
    let manifest = format!(
        "# Written by ndplay: the crate every cell is compiled as.\n[package]\nname = \"{CRATE_NAME}\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\n\
         [lib]\ncrate-type = [\"cdylib\"]\npath = \"src/lib.rs\"\n\n[dependencies]\n{deps}"
    );
    std::fs::write(dir.join("Cargo.toml"), manifest)?;
    std::fs::create_dir_all(dir.join("src"))?;
    std::fs::write(dir.join("src").join("lib.rs"), "use ndplay::prelude::*;\n")?;
    Ok(())
}

/// The prelude as a dependency, in TOML: for the cell crate and for evcxr's crate (see
/// `crate::engine::rust::completion::analysis`) alike, so that both builds are the same one and share it.
pub fn prelude_dependency(prelude: &Path) -> String {
    let features = if shared_generics() { ", features = [\"instances\"]" } else { "" };
    format!("{{ path = {:?}{features} }}", prelude.display().to_string())
}

/// Where the toolchain lives and what it builds for.
struct Toolchain {
    sysroot: PathBuf,
    host: String,
}

impl Toolchain {
    fn find() -> Result<Toolchain> {
        let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
        let output = |args: &[&str]| -> Result<String> {
            let out = std::process::Command::new(&rustc)
                .args(args)
                .output()
                .with_context(|| format!("running {} (is Rust installed, and on PATH?)", rustc.to_string_lossy()))?;
            anyhow::ensure!(
                out.status.success(),
                "`rustc {}` failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            );
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        };
        let sysroot = PathBuf::from(output(&["--print", "sysroot"])?.trim());
        let version = output(&["-vV"])?;
        let host = version
            .lines()
            .find_map(|l| l.strip_prefix("host: "))
            .context("rustc -vV named no host")?
            .trim()
            .to_string();
        Ok(Toolchain { sysroot, host })
    }
}

/// Lets the child find Rust's `libstd-*.so` and the prelude's library.
///
/// Cells are shared libraries linked against the toolchain's `libstd` (dynamic linking),
/// found through a RUNPATH that rustc writes relative to the library's directory. evcxr
/// compiles each cell into `target/…/deps/` and the kernel loads it from `cells/`, another
/// directory, so a relative path would not hold (and under a home directory `dlopen` fails
/// with "libstd-….so: cannot open shared object file"). The loader searches
/// `LD_LIBRARY_PATH` before RUNPATH, and the child inherits our environment.
///
/// The prelude is a shared library too (built into the slot's `deps`, or the shared
/// cache's), found the same way.
fn add_to_library_path(toolchain: &Toolchain, deps: Vec<PathBuf>) {
    let lib = toolchain.sysroot.join("lib").join("rustlib").join(&toolchain.host).join("lib");
    let mut paths = vec![lib];
    paths.extend(deps);
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
    fn the_two_routes_differ_only_in_opt_levels_and_the_prelude_section() {
        let shared = cargo_config(true);
        let unshared = cargo_config(false);
        assert!(shared.starts_with("# Written by ndplay at every start: how cells"));
        assert!(shared.contains("[profile.dev]\nopt-level = 1\n"));
        assert!(shared.ends_with("\n[profile.dev.package.ndplay]\nopt-level = 1\n"), "{shared}");
        assert!(unshared.contains("[profile.dev]\nopt-level = 0\n"));
        assert!(!unshared.contains("package.ndplay"));
        for key in ["overflow-checks = true", "panic = \"unwind\"", "[profile.dev.package.\"*\"]\nopt-level = 3"] {
            assert!(shared.contains(key) && unshared.contains(key), "{key}");
        }
    }

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
