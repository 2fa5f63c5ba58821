//! Compiling a cell: cargo once, then rustc directly for every cell.
//!
//! A cell is the only crate that changes from one cell to the next; its dependencies (the
//! prelude, ndarray, anything added with `:dep`) are built once. Cargo is asked to build
//! the cell crate only when they change (the engine's start, `:dep`), with this same binary
//! as `RUSTC_WRAPPER`: the wrapper ([`record_rustc`]) writes down the rustc command line
//! cargo runs for the cell crate. Every cell is then that command replayed directly, which
//! skips cargo's own ~90 ms a cell (fingerprinting the dependency graph; measured in
//! docs/performance.md). Incremental compilation is dropped from the replayed command:
//! every cell is a different function, so it only costs time.
//!
//! The next cell's rustc is started as soon as a compile ends ([`Compiler::prestart`]):
//! it loads the compiler (15–25 ms) while the cell runs and the student types, then
//! waits to read the cell's source from its standard input. Its `src/lib.rs` is a
//! symbolic link to `/proc/self/fd/0` in a directory of its own, so its messages and the
//! cells' panics still name `src/lib.rs`, and if the kernel dies, the pipe closes and
//! the waiting rustc ends (it compiles an empty crate) instead of waiting forever.

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::cell_cache::{CellCache, Hit};
use crate::engine::rust::process::limits::ChildKiller;

/// The cell crate's name; also what the recorder looks for in cargo's rustc calls.
pub const CRATE_NAME: &str = "cell";

/// Set for cargo's `RUSTC_WRAPPER` run: where the wrapper writes the cell crate's command.
pub const RECORD_VAR: &str = "NDPLAY_RECORD_RUSTC";

/// How many cell libraries this kernel process has built, over every [`Compiler`] it made:
/// each is named by this count, never reused. The loader in the process that runs cells
/// keeps every library it opened, by path: a name used again (a compiler made anew after
/// `:dep` counting from 1 again) handed back an older cell's code, and a cell showed
/// another cell's value. The runtime also refuses a library it has loaded before.
static BUILT: AtomicU64 = AtomicU64::new(0);

/// The rustc command line cargo ran for the cell crate, as the wrapper saw it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Recorded {
    args: Vec<String>,
    /// The `CARGO_*` variables cargo set for rustc (`env!("CARGO_PKG_NAME")` in a cell).
    env: Vec<(String, String)>,
}

/// `RUSTC_WRAPPER` role: `ndplay <rustc> <args…>` with [`RECORD_VAR`] set. Records the
/// command if it builds the cell crate, then runs rustc as asked. Never returns.
pub fn record_rustc(record: &Path) -> ! {
    let mut argv = std::env::args_os().skip(1);
    let Some(rustc) = argv.next() else {
        eprintln!("ndplay: used as RUSTC_WRAPPER without a compiler to run");
        std::process::exit(2);
    };
    let args: Vec<String> = argv.map(|a| a.to_string_lossy().into_owned()).collect();
    if args.windows(2).any(|w| w[0] == "--crate-name" && w[1] == CRATE_NAME) {
        // Not cargo's jobserver: its descriptors exist only in this run.
        let env = std::env::vars()
            .filter(|(k, _)| k.starts_with("CARGO_PKG") || k == "CARGO_CRATE_NAME" || k == "CARGO_MANIFEST_DIR")
            .collect();
        let recorded = Recorded { args: args.clone(), env };
        if let Err(e) = std::fs::write(record, serde_json::to_vec(&recorded).unwrap_or_default()) {
            eprintln!("ndplay: could not record the cell's rustc command in {}: {e}", record.display());
            std::process::exit(2);
        }
    }
    let status = Command::new(rustc).args(&args).status();
    std::process::exit(match status {
        Ok(s) => s.code().unwrap_or(1),
        Err(e) => {
            eprintln!("ndplay: could not run rustc: {e}");
            1
        }
    })
}

/// A compiled cell, ready to load.
pub struct Library {
    pub path: PathBuf,
    /// Warnings rustc gave (the engine reads its type probes from them).
    pub warnings: Vec<Value>,
    /// Whether it came from the cell cache instead of rustc.
    pub cached: bool,
}

/// Why a cell did not compile.
pub enum Failure {
    /// rustc's error diagnostics (its JSON objects), in order.
    Errors(Vec<Value>),
    /// The compile was interrupted.
    Interrupted,
    /// rustc failed without saying why in JSON (a crash of the compiler, a missing linker):
    /// its words.
    Other(String),
}

/// Compiles cells of one build directory.
pub struct Compiler {
    dir: PathBuf,
    rustc: PathBuf,
    pub target: String,
    recorded: Recorded,
    cells: PathBuf,
    killer: Arc<ChildKiller>,
    /// Where a started-ahead rustc runs: `src/lib.rs` there is its standard input.
    prestart_dir: Option<PathBuf>,
    /// The next cell's rustc, started ahead and waiting for its source.
    prestarted: Option<Child>,
    /// Cells compiled before, by this compiler or one that is the same.
    cache: CellCache,
}

impl Compiler {
    /// Builds the cell crate in `dir` once with cargo (whose `Cargo.toml` names the
    /// dependencies) and keeps the rustc command it ran for it.
    pub fn prepare(dir: &Path, rustc: &Path, target: &str, killer: Arc<ChildKiller>) -> Result<Compiler> {
        let record = dir.join("rustc-command.json");
        let _ = std::fs::remove_file(&record);
        let exe = std::env::current_exe().context("locating the ndplay binary")?;
        let cargo = cargo_path(rustc);
        let output = Command::new(&cargo)
            .args(["build", "--lib", "--message-format=json-render-diagnostics", "--target", target])
            .current_dir(dir)
            .env("RUSTC", rustc)
            .env("RUSTC_WRAPPER", &exe)
            .env(RECORD_VAR, &record)
            .env("CARGO_TARGET_DIR", dir.join("target"))
            // Cells link libstd dynamically (one libstd for the process, whatever the cell).
            // The flag goes to every crate, so the dependencies are built with the flags that
            // evcxr's build for completion uses too (see `crate::engine::rust::completion::analysis`), and stay fresh.
            .env("RUSTFLAGS", "-Cprefer-dynamic")
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("running {} build", cargo.display()))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let tail: Vec<&str> = stderr.lines().rev().take(30).collect::<Vec<_>>().into_iter().rev().collect();
            bail!("building the cells' dependencies failed:\n{}", tail.join("\n"));
        }
        let text = std::fs::read(&record).with_context(|| {
            format!("cargo built without compiling the cell crate (no {}); is its source missing?", record.display())
        })?;
        let mut recorded: Recorded = serde_json::from_slice(&text).context("reading the recorded rustc command")?;
        recorded.args = replayable(&recorded.args);
        Compiler::with_recorded(dir, rustc, target, recorded, killer, None)
    }

    /// Compiles cells in `dir` with the command cargo ran for the cell crate in `shared`, a
    /// slot of the administrator's read-only shared cache (`super::shared`): the output goes
    /// to `dir`, the dependencies are linked from where they were built. No cargo runs.
    pub fn from_shared(
        dir: &Path,
        shared: &Path,
        shared_root: &Path,
        rustc: &Path,
        target: &str,
        killer: Arc<ChildKiller>,
    ) -> Result<Compiler> {
        let path = shared.join(super::shared::RECORDED);
        let text = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let recorded: Recorded =
            serde_json::from_slice(&text).with_context(|| format!("reading {}", path.display()))?;
        let (args, env) = super::shared::relocate(&recorded.args, &recorded.env, dir, target);
        let out_dir = dir.join("target").join(target).join("debug").join("deps");
        std::fs::create_dir_all(&out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
        Compiler::with_recorded(
            dir,
            rustc,
            target,
            Recorded { args: replayable(&args), env },
            killer,
            Some(shared_root),
        )
    }

    fn with_recorded(
        dir: &Path,
        rustc: &Path,
        target: &str,
        mut recorded: Recorded,
        killer: Arc<ChildKiller>,
        shared_root: Option<&Path>,
    ) -> Result<Compiler> {
        // After cargo's (and the shared cache's), so that they win.
        recorded.args.extend(CELL_FLAGS.iter().map(|f| f.to_string()));
        recorded.args.extend(extra_flags());
        let cache = if with_cargo() {
            CellCache::disabled("cells compiled through cargo")
        } else {
            let own = super::prelude::cache_root().ok();
            CellCache::new(own.as_deref(), shared_root, rustc, &recorded.args, &recorded.env)
        };
        let cells = dir.join("cells");
        let _ = std::fs::remove_dir_all(&cells);
        std::fs::create_dir_all(&cells)?;
        let mut compiler = Compiler {
            dir: dir.to_path_buf(),
            rustc: rustc.to_path_buf(),
            target: target.to_string(),
            recorded,
            cells,
            killer,
            prestart_dir: prestart_dir(dir),
            prestarted: None,
            cache,
        };
        compiler.prestart();
        Ok(compiler)
    }

    /// The replayed rustc command, run in `cwd` (where `src/lib.rs` is read).
    ///
    /// In a process group of its own: a frontend that interrupts by signalling the kernel's
    /// process group (jupyter_client's `interrupt_mode: signal`, a terminal's Ctrl-C) must not
    /// reach it. rustc answers SIGINT by failing whatever it evaluates next ("compilation was
    /// interrupted", E0080) and exiting 100 ms later, so the rustc waiting for the next cell
    /// would fail that cell; a compile in progress is ended by the kernel itself
    /// (`Killer::watch`), which is how an interrupt reaches it.
    fn rustc_command(&self, cwd: &Path) -> Command {
        let mut c = Command::new(&self.rustc);
        c.process_group(0);
        c.args(&self.recorded.args)
            .envs(self.recorded.env.iter().map(|(k, v)| (k, v)))
            .current_dir(cwd)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        c
    }

    /// Starts the next cell's rustc, which waits for its source on its standard input.
    /// Not from a thread with a lowered priority (a spare's start): the child would keep
    /// it, and compile a student's cell at nice 10; the first cell then starts its own.
    fn prestart(&mut self) {
        self.discard_prestarted();
        let Some(dir) = &self.prestart_dir else { return };
        if with_cargo() || thread_is_niced() {
            return;
        }
        self.prestarted = self.rustc_command(dir).stdin(Stdio::piped()).spawn().ok();
    }

    /// Ends the waiting rustc, if there is one.
    fn discard_prestarted(&mut self) {
        if let Some(child) = self.prestarted.take() {
            end(child);
        }
    }

    /// The started-ahead rustc, given `source`; `None` if there is none or it ended.
    fn feed_prestarted(&mut self, source: &str) -> Option<Child> {
        let mut child = self.prestarted.take()?;
        let alive = matches!(child.try_wait(), Ok(None));
        // Dropping its standard input closes it: rustc reads to the end, then compiles.
        let fed = alive && child.stdin.take().is_some_and(|mut stdin| stdin.write_all(source.as_bytes()).is_ok());
        if fed {
            return Some(child);
        }
        end(child);
        None
    }

    /// Compiles `source` as the cell crate's `src/lib.rs`, or takes what rustc made of it
    /// before from the cell cache.
    pub fn compile(&mut self, source: &str) -> std::result::Result<Library, Failure> {
        // A new name for every cell: the loader keeps every library it has opened, by path.
        let path = self.cells.join(format!("cell-{}.so", BUILT.fetch_add(1, Ordering::Relaxed) + 1));
        match self.cache.lookup(source, &path) {
            Some(Hit::Library { warnings }) => return Ok(Library { path, warnings, cached: true }),
            Some(Hit::Errors(errors)) => return Err(Failure::Errors(errors)),
            None => {}
        }
        let compiled = self.compile_with_rustc(source, path);
        match &compiled {
            Ok(library) => self.cache.store_library(source, &library.path, &library.warnings),
            Err(Failure::Errors(errors)) => self.cache.store_errors(source, errors),
            Err(_) => {}
        }
        compiled
    }

    fn compile_with_rustc(&mut self, source: &str, path: PathBuf) -> std::result::Result<Library, Failure> {
        let lib = self.dir.join("src").join("lib.rs");
        if let Err(e) = std::fs::write(&lib, source) {
            return Err(Failure::Other(format!("writing {}: {e}", lib.display())));
        }
        let through_cargo = with_cargo();
        let child = if through_cargo {
            // The route this module replaces, kept for measuring it (the benchmark's).
            // Cargo wraps rustc's messages in its own, on stdout.
            Command::new(cargo_path(&self.rustc))
                .args(["rustc", "--lib", "--message-format=json", "--target", &self.target, "--", "--verbose"])
                .args(CELL_FLAGS)
                .env("RUSTC", &self.rustc)
                .env("CARGO_TARGET_DIR", self.dir.join("target"))
                .env("RUSTFLAGS", "-Cprefer-dynamic")
                .current_dir(&self.dir)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
        } else if let Some(child) = self.feed_prestarted(source) {
            Ok(child)
        } else {
            // rustc writes its messages on stderr.
            self.rustc_command(&self.dir).stdin(Stdio::null()).spawn()
        };
        let child = match child {
            Ok(c) => c,
            Err(e) => return Err(Failure::Other(format!("running {}: {e}", self.rustc.display()))),
        };
        let watch = self.killer.watch(child.id());
        let output = child.wait_with_output();
        let interrupted = watch.finish();
        // The next cell's compiler loads while this one runs.
        self.prestart();
        let output = match output {
            Ok(o) => o,
            Err(e) => return Err(Failure::Other(format!("waiting for rustc: {e}"))),
        };
        if interrupted {
            return Err(Failure::Interrupted);
        }
        let mut errors = Vec::new();
        let mut warnings = Vec::new();
        let mut artifact = None;
        let mut other = String::new();
        let messages = if through_cargo { &output.stdout } else { &output.stderr };
        for line in String::from_utf8_lossy(messages).lines() {
            let parsed = serde_json::from_str::<Value>(line).map(|v| match v["reason"].as_str() {
                Some("compiler-message") => v["message"].clone(),
                Some("compiler-artifact") if v["target"]["name"] == CRATE_NAME => serde_json::json!({
                    "$message_type": "artifact",
                    "emit": "link",
                    "artifact": v["filenames"].as_array().and_then(|f| f.iter().find(|n| n.as_str().is_some_and(|n| n.ends_with(".so")))).cloned(),
                }),
                _ => v,
            });
            match parsed {
                Ok(v) if v["$message_type"] == "artifact" && v["emit"] == "link" => {
                    artifact = v["artifact"].as_str().map(PathBuf::from)
                }
                Ok(v) if v["$message_type"] == "diagnostic" => match v["level"].as_str() {
                    Some("error") => errors.push(v),
                    _ => warnings.push(v),
                },
                Ok(_) => {}
                Err(_) => {
                    other.push_str(line);
                    other.push('\n');
                }
            }
        }
        if !output.status.success() {
            return Err(if errors.is_empty() { Failure::Other(other) } else { Failure::Errors(errors) });
        }
        let Some(artifact) = artifact else {
            return Err(Failure::Other(format!("rustc said nothing of the library it built.\n{other}")));
        };
        if let Err(e) = std::fs::rename(&artifact, &path) {
            return Err(Failure::Other(format!("moving {} to {}: {e}", artifact.display(), path.display())));
        }
        Ok(Library { path, warnings, cached: false })
    }
}

/// The recorded command, made fit for replaying: no incremental compilation (each cell is
/// a different function: there is nothing to reuse, only a dependency graph to save), only
/// the shared library emitted, and `--verbose`, without which rustc shortens long types in
/// its messages (the type probes must read them whole).
fn replayable(args: &[String]) -> Vec<String> {
    let mut out = vec!["--verbose".to_string()];
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if a == "-C" && args.get(i + 1).is_some_and(|n| n.starts_with("incremental=")) {
            i += 2;
            continue;
        }
        if a.starts_with("-Cincremental=") {
            i += 1;
            continue;
        }
        if let Some(emit) = a.strip_prefix("--emit=") {
            if emit.split(',').any(|e| e == "link") {
                out.push("--emit=link".to_string());
                i += 1;
                continue;
            }
        }
        out.push(a.clone());
        i += 1;
    }
    out
}

/// Flags for the cell crate alone (its dependencies keep cargo's profile).
///
/// `-C lto=off`: at opt-level 1 with 16 codegen units, rustc runs a "thin local" LTO pass
/// over a crate's own units; for a cell (a few dozen functions) that pass was a fifth of
/// rustc's time. Without it, measured in real kernels (`NDPLAY_CELL_RUSTFLAGS`, idle
/// machine, 2026-12-01): the generic-heavy cell 0.32 → 0.28 s, the matmul cell 0.31 →
/// 0.26 s, the 20 bench cells' median 0.20 → 0.16 s, and the cells' own run time unchanged
/// (33 ms for the generic-heavy one). One codegen unit instead was slower (0.36 s).
const CELL_FLAGS: &[&str] = &["-C", "lto=off"];

/// `NDPLAY_CELL_RUSTFLAGS`: flags added to every cell's rustc command (split at spaces),
/// after cargo's, so that they win: for measuring a flag in real cells (`-C lto=off`)
/// without rebuilding the dependencies, which `RUSTFLAGS` would.
fn extra_flags() -> Vec<String> {
    std::env::var("NDPLAY_CELL_RUSTFLAGS").unwrap_or_default().split_whitespace().map(String::from).collect()
}

/// Kills a rustc that will not be used, and reaps it.
fn end(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

impl Drop for Compiler {
    fn drop(&mut self) {
        self.discard_prestarted();
    }
}

/// Makes the directory a started-ahead rustc runs in (see the module's notes): `None`
/// when it cannot be made, or `NDPLAY_PRESTART_RUSTC=0` (for measuring what it saves);
/// every compile then starts its own rustc.
fn prestart_dir(dir: &Path) -> Option<PathBuf> {
    if matches!(std::env::var("NDPLAY_PRESTART_RUSTC").as_deref(), Ok("0") | Ok("false") | Ok("no")) {
        return None;
    }
    let stdin = Path::new("/proc/self/fd/0");
    if !stdin.exists() {
        return None;
    }
    let prestart = dir.join("prestart");
    let link = prestart.join("src").join("lib.rs");
    std::fs::create_dir_all(link.parent()?).ok()?;
    if std::fs::read_link(&link).ok().as_deref() != Some(stdin) {
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(stdin, &link).ok()?;
    }
    Some(prestart)
}

/// Whether this thread runs at a lower priority than the process's main thread (a
/// spare's start; see `crate::spare`). A kernel started with `nice` as a whole is not.
fn thread_is_niced() -> bool {
    // SAFETY: getpriority, gettid and getpid have no memory-safety preconditions. On
    // Linux, PRIO_PROCESS names one thread: the main thread by the process id.
    unsafe {
        libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t)
            > libc::getpriority(libc::PRIO_PROCESS, libc::getpid() as libc::id_t)
    }
}

/// Whether cells are compiled through cargo, as before (`NDPLAY_COMPILE_WITH_CARGO=1`: only
/// for measuring what calling rustc directly saves).
fn with_cargo() -> bool {
    matches!(std::env::var("NDPLAY_COMPILE_WITH_CARGO").as_deref(), Ok("1") | Ok("true") | Ok("yes"))
}

/// The toolchain's own cargo, beside its rustc (not the rustup proxy on PATH, which costs
/// a process start per call and may pick another toolchain).
fn cargo_path(rustc: &Path) -> PathBuf {
    let beside = rustc.with_file_name("cargo");
    if beside.exists() {
        beside
    } else {
        PathBuf::from("cargo")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_replayed_command_is_not_incremental_and_emits_only_the_library() {
        let args: Vec<String> = [
            "--crate-name",
            "cell",
            "--emit=dep-info,link",
            "-C",
            "incremental=/x/inc",
            "-C",
            "codegen-units=16",
            "-Cincremental=/y",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(replayable(&args), ["--verbose", "--crate-name", "cell", "--emit=link", "-C", "codegen-units=16"]);
    }
}
