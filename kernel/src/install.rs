//! `ndplay install` / `uninstall`: the kernelspec, where `jupyter kernelspec install`
//! would put it, and a warm build cache so the first cell of every session is fast.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde_json::json;

use crate::engine::rust::build::shared::{not_world_readable, publish, Manifest, SharedCache, SHARED_VAR};

const LOGO_SVG: &[u8] = include_bytes!("../assets/logo.svg");
const LOGO_32: &[u8] = include_bytes!("../assets/logo-32x32.png");
const LOGO_64: &[u8] = include_bytes!("../assets/logo-64x64.png");

/// Where a kernelspec goes, as `jupyter kernelspec install` decides it.
#[derive(Debug, Clone)]
pub enum Location {
    /// The user's Jupyter data directory (`jupyter --data-dir`).
    User,
    /// The running Python environment's `share/jupyter` (`sys.prefix`).
    SysPrefix,
    /// `PREFIX/share/jupyter`.
    Prefix(PathBuf),
}

impl Location {
    /// The `kernels` directory for this location.
    pub fn kernels_dir(&self) -> Result<PathBuf> {
        Ok(match self {
            Location::User => user_data_dir()?.join("kernels"),
            Location::SysPrefix => sys_prefix()?.join("share").join("jupyter").join("kernels"),
            Location::Prefix(p) => p.join("share").join("jupyter").join("kernels"),
        })
    }
}

/// jupyter_core's rule: `JUPYTER_DATA_DIR` if set, else `$XDG_DATA_HOME/jupyter`, else
/// `~/.local/share/jupyter` (on Linux).
fn user_data_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("JUPYTER_DATA_DIR") {
        return Ok(PathBuf::from(dir));
    }
    if cfg!(target_os = "macos") {
        return Ok(dirs::home_dir().context("no home directory")?.join("Library/Jupyter"));
    }
    if let Some(xdg) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(xdg).join("jupyter"));
    }
    Ok(dirs::home_dir().context("no home directory")?.join(".local/share/jupyter"))
}

/// The active Python environment: `VIRTUAL_ENV` or `CONDA_PREFIX`, else `python3`'s own.
fn sys_prefix() -> Result<PathBuf> {
    for var in ["VIRTUAL_ENV", "CONDA_PREFIX"] {
        if let Some(v) = std::env::var_os(var).filter(|v| !v.is_empty()) {
            return Ok(PathBuf::from(v));
        }
    }
    let out = std::process::Command::new("python3")
        .args(["-c", "import sys; print(sys.prefix)"])
        .output()
        .context("--sys-prefix needs python3 on PATH (or an active virtual environment)")?;
    if !out.status.success() {
        bail!("python3 could not tell its sys.prefix");
    }
    Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

/// The contents of kernel.json for a kernel run by `exe`; with a shared cache, every
/// kernel Jupyter starts from it is told where that is.
pub fn kernel_json(exe: &Path, display_name: &str, shared_cache: Option<&Path>) -> serde_json::Value {
    let mut spec = json!({
        "argv": [exe.to_string_lossy(), "kernel", "--connection-file", "{connection_file}"],
        "display_name": display_name,
        "language": "rust",
        "interrupt_mode": "message",
        "metadata": { "debugger": false },
    });
    if let Some(dir) = shared_cache {
        spec["env"] = json!({ SHARED_VAR: dir.to_string_lossy() });
    }
    spec
}

/// Writes the kernelspec directory; returns it.
pub fn write_kernelspec(
    location: &Location,
    name: &str,
    display_name: &str,
    exe: &Path,
    shared_cache: Option<&Path>,
) -> Result<PathBuf> {
    validate_name(name)?;
    let dir = location.kernels_dir()?.join(name);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let spec = serde_json::to_string_pretty(&kernel_json(exe, display_name, shared_cache))?;
    std::fs::write(dir.join("kernel.json"), spec)?;
    std::fs::write(dir.join("logo-svg.svg"), LOGO_SVG)?;
    std::fs::write(dir.join("logo-32x32.png"), LOGO_32)?;
    std::fs::write(dir.join("logo-64x64.png"), LOGO_64)?;
    Ok(dir)
}

pub fn remove_kernelspec(location: &Location, name: &str) -> Result<PathBuf> {
    validate_name(name)?;
    let dir = location.kernels_dir()?.join(name);
    if !dir.join("kernel.json").exists() {
        bail!("no kernelspec named {name:?} at {}", dir.display());
    }
    std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
    Ok(dir)
}

/// Jupyter's rule for kernel names: ASCII letters, digits, `.`, `_`, `-`.
fn validate_name(name: &str) -> Result<()> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) {
        bail!("{name:?} is not a valid kernel name (use letters, digits, '.', '_' or '-')");
    }
    Ok(())
}

/// Builds the prelude and its dependencies once, the way a kernel will, so that the first
/// cell of every later session finds them in the cache.
pub fn warm_cache() -> Result<()> {
    let started = std::time::Instant::now();
    let step = |s: &str| eprintln!("  [{:>5.1}s] {s}", started.elapsed().as_secs_f64());
    eprintln!("Warming the build cache (the first time compiles ndarray and the prelude: a few minutes)…");
    let mut engine = crate::engine::rust::RustEngine::start(&step)?;
    step("evaluating a first array");
    run_first_array(&mut engine)?;
    warm_completion_index(&mut engine, &step);
    step("done");
    Ok(())
}

/// Builds the completion index beside the prelude, or says why not and what to do.
fn warm_completion_index(engine: &mut crate::engine::rust::RustEngine, step: &dyn Fn(&str)) {
    if crate::engine::rust::completion::analysis_server::binary().is_none() {
        step(
            "no completion index yet: `ndplay-analysis` is not built beside this binary. Tab offers \
             names until then; build it (cargo build --release -p ndplay-analysis) and install again \
             (scripts/lab.sh does both)",
        );
        return;
    }
    step("building the completion index (rust-analyzer's crate: a few minutes the first time)");
    if !engine.warm_analysis(std::time::Duration::from_secs(15 * 60)) {
        step("no completion index: rust-analyzer will answer every Tab, slowly");
    }
}

/// Builds the shared cache of a multi-user server in `root` (see
/// `crate::engine::rust::build::shared`): the prelude and its dependencies compiled once, the
/// toolchain recorded, everything made readable by all and writable by its owner only.
/// Refuses a toolchain or binary other users cannot reach, which every kernel needs.
/// Must run before any thread reads the environment (it sets `NDPLAY_CACHE_DIR`).
pub fn build_shared_cache(root: &Path, exe: &Path) -> Result<()> {
    if !root.is_absolute() {
        bail!("--shared-cache needs an absolute directory, not {}", root.display());
    }
    let (sysroot, host) = crate::engine::rust::build::setup::toolchain()?;
    let mut needed =
        vec![(sysroot.join("bin").join("rustc"), "the Rust compiler"), (exe.to_path_buf(), "the ndplay binary")];
    // Completion's helper, when there is one: a student's Tab starts it.
    if let Some(helper) = crate::engine::rust::completion::analysis_server::binary() {
        needed.push((helper, "the ndplay-analysis binary"));
    }
    for (path, what) in needed {
        if let Some(why) = not_world_readable(&path) {
            bail!(
                "{what} {} cannot be used by other users ({why}). Every student's kernel runs it: \
                 install it where all users can read it (for Rust, e.g. RUSTUP_HOME=/opt/rustup, or \
                 set RUSTC to the rustc of such a toolchain), then install again.",
                path.display()
            );
        }
    }
    std::fs::create_dir_all(root).with_context(|| format!("creating {}", root.display()))?;
    std::env::set_var("NDPLAY_CACHE_DIR", root);
    std::env::remove_var(SHARED_VAR);
    let started = std::time::Instant::now();
    let step = |s: &str| eprintln!("  [{:>5.1}s] {s}", started.elapsed().as_secs_f64());
    eprintln!(
        "Building the shared cache in {} (the first time compiles ndarray and the prelude: minutes)…",
        root.display()
    );
    let (slot, prelude) = {
        let mut engine = crate::engine::rust::RustEngine::start(&step)?;
        run_first_array(&mut engine)?;
        // Beside the prelude, where every user's kernel looks for it (read-only).
        warm_completion_index(&mut engine, &step);
        (engine.slot_dir().to_path_buf(), engine.prelude_dir().to_path_buf())
    };
    let manifest = Manifest { sysroot, host, slot, prelude, version: env!("CARGO_PKG_VERSION").into() };
    SharedCache::write_manifest(root, &manifest)?;
    publish(root)?;
    // What a student's kernel will check, checked now.
    SharedCache::open(root)?;
    if let Some(why) = not_world_readable(&root.join("shared.json")) {
        bail!("the shared cache is not readable by other users: {why}; make it so (chmod a+rX)");
    }
    step("done: every user's kernel links these dependencies, read-only");
    Ok(())
}

/// Runs `notebooks` as a student's kernel on the shared cache at `root` would, keeping what
/// rustc makes of each cell in the shared cache's own cell cache, read-only for students:
/// a class then compiles a lesson once, here, instead of once per student. The cells run as
/// the user who installs (the administrator), so only the instructor's own notebooks
/// belong here. Each runs in a fresh `ndplay run` process, with its own private scratch
/// cache for the session, deleted after.
pub fn precompile(root: &Path, exe: &Path, notebooks: &[PathBuf]) -> Result<()> {
    use crate::engine::rust::build::cell_cache::{CELLS_DIR, DIR_VAR};
    let cells = root.join(CELLS_DIR);
    std::fs::create_dir_all(&cells).with_context(|| format!("creating {}", cells.display()))?;
    let scratch = root.join(".precompile-session");
    let _ = std::fs::remove_dir_all(&scratch);
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&scratch)
            .with_context(|| format!("creating {}", scratch.display()))?;
    }
    let count = || std::fs::read_dir(&cells).map(|d| d.count()).unwrap_or(0);
    let before = count();
    for notebook in notebooks {
        let notebook = std::path::absolute(notebook)?;
        if !notebook.is_file() {
            bail!("--notebooks: {} is not a file", notebook.display());
        }
        eprintln!("  compiling the cells of {}", notebook.display());
        // The executed notebook is not wanted: written into the scratch cache, deleted after.
        let executed = scratch.join("executed.ipynb");
        let status = std::process::Command::new(exe)
            .args(["run", "--allow-errors", "-o"])
            .arg(&executed)
            .arg(&notebook)
            .current_dir(notebook.parent().unwrap_or(Path::new("/")))
            .env(SHARED_VAR, root)
            .env(DIR_VAR, &cells)
            .env("NDPLAY_CACHE_DIR", &scratch)
            .env("NDPLAY_SPARE", "0")
            .status()
            .context("running `ndplay run`")?;
        if !status.success() {
            let _ = std::fs::remove_dir_all(&scratch);
            bail!("running {} failed ({status}); its cells are not all in the shared cache", notebook.display());
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    publish(root)?;
    let after = count();
    eprintln!("  {after} compiled cells kept in {} ({} new)", cells.display(), after.saturating_sub(before));
    Ok(())
}

fn run_first_array(engine: &mut crate::engine::rust::RustEngine) -> Result<()> {
    use crate::core::engine::{Discard, Engine, Outcome};
    match engine.execute("let a = array![1.0, 2.0, 3.0]; a", std::sync::Arc::new(Discard)) {
        Outcome::Ok { .. } => Ok(()),
        Outcome::Error(e) => bail!("the warm-up cell failed: {}\n{}", e.evalue, e.traceback.join("\n")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_json_runs_this_binary_with_message_interrupts() {
        let v = kernel_json(Path::new("/opt/ndplay"), "Rust (ndplay)", None);
        assert_eq!(v["argv"][0], "/opt/ndplay");
        assert_eq!(v["argv"][3], "{connection_file}");
        assert_eq!(v["interrupt_mode"], "message");
        assert_eq!(v["language"], "rust");
        assert!(v.get("env").is_none());
    }

    #[test]
    fn a_shared_install_tells_every_kernel_where_the_cache_is() {
        let v = kernel_json(Path::new("/opt/ndplay"), "Rust (ndplay)", Some(Path::new("/var/cache/ndplay")));
        assert_eq!(v["env"]["NDPLAY_SHARED_CACHE"], "/var/cache/ndplay");
    }

    #[test]
    fn a_relative_shared_cache_is_refused() {
        let err = build_shared_cache(Path::new("cache"), Path::new("/bin/sh")).unwrap_err().to_string();
        assert!(err.contains("absolute"), "{err}");
    }

    #[test]
    fn prefix_install_and_uninstall() {
        let prefix = std::env::temp_dir().join(format!("ndplay-install-{}", std::process::id()));
        let loc = Location::Prefix(prefix.clone());
        let dir = write_kernelspec(&loc, "ndplay", "Rust (ndplay)", Path::new("/x/ndplay"), None).unwrap();
        assert_eq!(dir, prefix.join("share/jupyter/kernels/ndplay"));
        for f in ["kernel.json", "logo-32x32.png", "logo-64x64.png", "logo-svg.svg"] {
            assert!(dir.join(f).exists(), "{f}");
        }
        assert!(write_kernelspec(&loc, "bad name!", "x", Path::new("/x"), None).is_err());
        remove_kernelspec(&loc, "ndplay").unwrap();
        assert!(!dir.exists());
        assert!(remove_kernelspec(&loc, "ndplay").is_err());
        std::fs::remove_dir_all(&prefix).unwrap();
    }
}
