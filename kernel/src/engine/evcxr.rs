//! The real engine: evcxr compiles each cell into a shared library and runs it in a child
//! process, with the ndplay prelude as a dependency and `use ndplay::prelude::*;` in scope.
//!
//! What this module adds to evcxr:
//! - setup: the prelude unpacked from the binary, a private build directory per kernel
//!   (two notebooks never share one), dependencies built optimised while cells build fast;
//! - a panic hook in the child, so a panic is one `error` output and not stderr text;
//! - our own display channel (see [`super::child_output`]) beside evcxr's final-value one;
//! - errors a student can read: compile errors drawn like rustc's, pointing into the cell;
//!   a crashed or interrupted child says what happened and which variables were lost.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;

use anyhow::{Context, Result};
use evcxr::{CommandContext, CompilationError, EvalContext, EvalOutputs};
use jupyter_protocol::{DisplayData, Media, MediaType, StreamContent};

use super::child_output::{Crash, Forwarder, PanicReport, PANIC_BEGIN, PANIC_END};
use super::diagnostics::{hint, shorten_types};
use super::prelude_source;
use crate::core::engine::{CellError, Completions, Engine, Interrupter, Outcome, OutputSink};

/// Dependencies (ndarray, plotters, the prelude) are compiled once and optimised, so array
/// code runs fast; cells are compiled without optimisation, so they compile fast. Cargo
/// merges `.cargo/config.toml` from every ancestor of the build directory, and evcxr's
/// generated manifest only sets the cells' own `[profile.dev]`.
const CARGO_CONFIG: &str = r#"# Written by ndplay: dependencies optimised, cells compiled fast.
[profile.dev.package."*"]
opt-level = 3
debug = false
"#;

/// Run in the child once it starts (and again after every restart): reports panics on
/// stdout, in order with the cell's other output, instead of stderr.
fn panic_hook_code() -> String {
    format!(
        r#"std::panic::set_hook(Box::new(|info| {{
    use std::io::Write;
    let payload = info.payload();
    let message = if let Some(s) = payload.downcast_ref::<&str>() {{ s.to_string() }}
        else if let Some(s) = payload.downcast_ref::<String>() {{ s.clone() }}
        else {{ String::from("Box<dyn Any>") }};
    let location = info.location().map(|l| format!("{{}}:{{}}:{{}}", l.file(), l.line(), l.column())).unwrap_or_default();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let _ = writeln!(out, "{begin}{{}}", location);
    let _ = writeln!(out, "{{}}", message);
    let _ = writeln!(out, "{end}");
    let _ = out.flush();
}}));"#,
        begin = PANIC_BEGIN.escape_default(),
        end = PANIC_END.escape_default(),
    )
}

/// The command that re-runs the cells whose variables were lost with the child process.
pub const RESTORE_COMMAND: &str = ":restore";

/// The cells that succeeded in the current child process, and those of the process that
/// was lost last (what `:restore` replays).
#[derive(Default)]
struct ReplayLog {
    current: Vec<String>,
    lost: Vec<String>,
}

impl ReplayLog {
    fn record(&mut self, code: &str) {
        self.current.push(code.to_string());
    }
    fn child_lost(&mut self) {
        // Cells restored earlier are part of `current` again, so nothing is replayed twice.
        self.lost = std::mem::take(&mut self.current);
    }
    fn take_lost(&mut self) -> Vec<String> {
        std::mem::take(&mut self.lost)
    }
}

fn first_line(code: &str) -> String {
    let line = code.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
    if line.chars().count() > 60 {
        format!("{}…", line.chars().take(60).collect::<String>())
    } else {
        line.to_string()
    }
}

/// Variables whose names start with this are the kernel's own; they are hidden from the
/// student (completions, lost-variable lists).
const HIDDEN_PREFIX: &str = "__ndplay";

/// See [`EvcxrEngine::start`]: makes rust-analyzer load ndarray's types.
const WARMUP_CELL: &str =
    "let __ndplay_warmup = array![[1.0, 2.0], [3.0, 4.0]];\nlet __ndplay_warmup_sum = __ndplay_warmup.sum();";

/// A wrapper whose inherent `evcxr_display` shows any `Debug` value as text. See
/// [`retry_ambiguous_numeric`] for why it exists.
const DEBUG_WRAPPER: &str = "pub struct __NdplayDebug<T>(pub T);
impl<T: std::fmt::Debug> __NdplayDebug<T> {
    pub fn evcxr_display(&self) {
        println!(\"EVCXR_BEGIN_CONTENT text/plain\\n{:?}\\nEVCXR_END_CONTENT\", self.0);
    }
}";

pub struct EvcxrEngine {
    ctx: CommandContext,
    forwarder: Forwarder,
    interrupter: Arc<ChildKiller>,
    slot: BuildSlot,
    replay: ReplayLog,
}

/// Interrupting evcxr means killing its child process: there is no way to stop a running
/// cell inside it. The pid is read from a shared atomic so the control thread never waits
/// for a lock held by the engine thread.
#[derive(Default)]
struct ChildKiller {
    pid: AtomicU32,
    interrupted: AtomicBool,
}

impl Interrupter for ChildKiller {
    fn interrupt(&self) {
        self.interrupted.store(true, Ordering::SeqCst);
        self.kill();
    }
    fn shutdown(&self) {
        self.kill();
    }
}

impl ChildKiller {
    fn kill(&self) {
        let pid = self.pid.load(Ordering::SeqCst);
        if pid != 0 {
            // SAFETY: kill(2) has no memory-safety preconditions. The pid is our own child,
            // which evcxr reaps only when it restarts it, so it cannot have been reused.
            unsafe {
                libc::kill(pid as libc::pid_t, libc::SIGKILL);
            }
        }
    }
}

impl EvcxrEngine {
    /// Starts evcxr with the prelude loaded. This compiles (from cache after `ndplay
    /// install`), so it runs on the engine thread while the kernel already answers.
    pub fn start(progress: &dyn Fn(&str)) -> Result<EvcxrEngine> {
        let cache = prelude_source::cache_root();
        std::fs::create_dir_all(&cache).with_context(|| format!("creating {}", cache.display()))?;
        refuse_cache_inside_a_workspace(&cache)?;
        let prelude = prelude_source::unpack(&cache)?;
        let sessions = cache.join("sessions");
        std::fs::create_dir_all(sessions.join(".cargo"))?;
        std::fs::write(sessions.join(".cargo").join("config.toml"), CARGO_CONFIG)?;
        let slot = BuildSlot::claim(&sessions)?;
        progress(&format!("build directory {}", slot.dir.display()));
        let session_dir = slot.dir.clone();
        // Pin every transitive dependency to the versions the prelude was tested with.
        std::fs::write(session_dir.join("Cargo.lock"), prelude_source::CARGO_LOCK)?;

        // evcxr reads its build directory from this variable when creating the context;
        // set before any other thread of ours could read the environment.
        std::env::set_var("EVCXR_TMPDIR", &session_dir);
        add_std_to_library_path();
        // The child listens here for directory changes (a spare adopted by a notebook
        // elsewhere, see crate::spare); it inherits the variable.
        let fifo = session_dir.join("child-cwd.fifo");
        make_fifo(&fifo)?;
        std::env::set_var(crate::spare::CWD_FIFO_VAR, &fifo);
        progress("starting the Rust evaluator");
        let (eval_ctx, outputs) = EvalContext::new().map_err(|e| anyhow::anyhow!("{e}"))?;
        let forwarder = Forwarder::start(outputs.stdout, outputs.stderr);
        let mut ctx = CommandContext::with_eval_context(eval_ctx);
        let interrupter = Arc::new(ChildKiller::default());

        let setup = [":opt 0".to_string(), format!(":dep ndplay = {{ path = {:?} }}", prelude.display().to_string())];
        for command in setup {
            progress(&command);
            ctx.execute(&command).map_err(|e| anyhow::anyhow!("`{command}` failed: {e}"))?;
        }
        let mut engine = EvcxrEngine { ctx, forwarder, interrupter, slot, replay: ReplayLog::default() };
        progress("loading the prelude (use ndplay::prelude::*)");
        engine.run_setup_cell(true)?;
        engine.slot.mark_warm();
        // rust-analyzer, which evcxr asks for the type of every new variable, spends
        // seconds the first time it infers a type involving ndarray. Pay that now, while
        // the student is still reading the notebook, instead of in their first cell.
        progress("warming up type inference");
        if let Err(e) = engine.ctx.execute(WARMUP_CELL) {
            progress(&format!("warm-up cell failed (cells will still work): {e}"));
        }
        Ok(engine)
    }

    /// Brings the prelude into scope and installs the panic hook. The `use` is remembered by
    /// evcxr across child restarts; the hook lives in the child and must be set again.
    fn run_setup_cell(&mut self, with_use: bool) -> Result<()> {
        let code = if with_use {
            format!("use ndplay::prelude::*;\n{DEBUG_WRAPPER}\n{}", panic_hook_code())
        } else {
            panic_hook_code()
        };
        self.ctx.execute(&code).map_err(|e| anyhow::anyhow!("loading the prelude failed: {e}"))?;
        self.record_pid();
        Ok(())
    }

    /// Moves the kernel and the child that runs cells into `dir`: a spare engine was
    /// started elsewhere, and cells must read files beside the notebook that adopted it.
    pub fn change_directory(&mut self, dir: &Path) -> Result<()> {
        std::env::set_current_dir(dir).with_context(|| format!("entering {}", dir.display()))?;
        // Children that evcxr starts from now on inherit the directory; the running one is
        // told through its FIFO, and the move is checked in /proc before a cell can run.
        let dir = std::fs::canonicalize(dir)?;
        let pid = self.interrupter.pid.load(Ordering::SeqCst);
        let told = std::env::var_os(crate::spare::CWD_FIFO_VAR).is_some_and(|fifo| {
            use std::os::unix::fs::OpenOptionsExt;
            std::fs::OpenOptions::new()
                .write(true)
                .custom_flags(libc::O_NONBLOCK)
                .open(fifo)
                .and_then(|mut f| std::io::Write::write_all(&mut f, format!("{}\n", dir.display()).as_bytes()))
                .is_ok()
        });
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
        while told && std::time::Instant::now() < deadline {
            if std::fs::read_link(format!("/proc/{pid}/cwd")).is_ok_and(|cwd| cwd == dir) {
                return Ok(());
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        // The child did not follow (no FIFO reader): a hidden cell moves it, at the cost of
        // one compile.
        let code = format!("std::env::set_current_dir({:?}).unwrap();", dir.display().to_string());
        self.ctx.execute(&code).map_err(|e| anyhow::anyhow!("moving the cells' process to {}: {e}", dir.display()))?;
        Ok(())
    }

    fn record_pid(&self) {
        let pid = self.ctx.process_handle().lock().map(|c| c.id()).unwrap_or(0);
        self.interrupter.pid.store(pid, Ordering::SeqCst);
    }

    fn variable_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .ctx
            .variables_and_types()
            .map(|(n, _)| n.to_string())
            .filter(|n| !n.starts_with(HIDDEN_PREFIX))
            .collect();
        names.sort();
        names
    }
}

fn make_fifo(path: &Path) -> Result<()> {
    use std::os::unix::fs::FileTypeExt;
    if std::fs::metadata(path).is_ok_and(|m| m.file_type().is_fifo()) {
        return Ok(());
    }
    let _ = std::fs::remove_file(path);
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes())?;
    // SAFETY: `c` is a valid NUL-terminated path for the duration of the call.
    if unsafe { libc::mkfifo(c.as_ptr(), 0o600) } != 0 {
        return Err(std::io::Error::last_os_error()).with_context(|| format!("creating {}", path.display()));
    }
    Ok(())
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

/// A build directory that one kernel at a time owns, kept across kernels.
///
/// Compiling ndarray and the prelude takes minutes; a build directory that outlives the
/// kernel keeps them compiled. Cargo's freshness checks record absolute paths, so the
/// directory must keep its path: kernels claim numbered slots (`slot-0`, `slot-1`, …)
/// with an exclusive `flock`, released by the OS even if the kernel is killed. Two
/// notebooks open at once get two slots and never build into the same directory. A new
/// slot is seeded with a copy of a warm one's `target`, whose recorded paths still point
/// at files that exist, so cargo finds the dependencies fresh.
struct BuildSlot {
    dir: PathBuf,
    _lock: std::fs::File,
}

/// How many kernels may run at once for one user.
const MAX_SLOTS: usize = 64;
const WARM_MARKER: &str = ".warm";

impl BuildSlot {
    fn claim(sessions: &Path) -> Result<BuildSlot> {
        for n in 0..MAX_SLOTS {
            let lock_path = sessions.join(format!("slot-{n}.lock"));
            let file = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&lock_path)
                .with_context(|| format!("opening {}", lock_path.display()))?;
            // SAFETY: flock on a file descriptor we own; no memory is shared.
            let locked = unsafe {
                use std::os::fd::AsRawFd;
                libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) == 0
            };
            if !locked {
                continue;
            }
            let dir = sessions.join(format!("slot-{n}"));
            std::fs::create_dir_all(&dir)?;
            if !dir.join(WARM_MARKER).exists() {
                seed_from_warm_slot(sessions, &dir);
            }
            return Ok(BuildSlot { dir, _lock: file });
        }
        anyhow::bail!("{MAX_SLOTS} ndplay kernels are already running; shut one down first")
    }

    fn mark_warm(&self) {
        let _ = std::fs::write(self.dir.join(WARM_MARKER), b"");
    }
}

fn seed_from_warm_slot(sessions: &Path, dir: &Path) {
    let Ok(entries) = std::fs::read_dir(sessions) else { return };
    for entry in entries.flatten() {
        let source = entry.path();
        if source != dir && source.join(WARM_MARKER).exists() && source.join("target").is_dir() {
            let _ = std::fs::remove_dir_all(dir.join("target"));
            let copied = std::process::Command::new("cp")
                .arg("-a")
                .arg(source.join("target"))
                .arg(dir.join("target"))
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            if copied {
                return;
            }
        }
    }
}

impl Drop for EvcxrEngine {
    fn drop(&mut self) {
        self.interrupter.kill();
    }
}

impl Engine for EvcxrEngine {
    fn execute(&mut self, code: &str, sink: Arc<dyn OutputSink>) -> Outcome {
        if code.trim() == RESTORE_COMMAND {
            return self.restore(sink);
        }
        let outcome = self.execute_cell(code, sink);
        match &outcome {
            Outcome::Ok { .. } => self.replay.record(code),
            Outcome::Error(e) if e.ename == "Interrupted" || e.ename == "ProcessDied" => self.replay.child_lost(),
            Outcome::Error(_) => {}
        }
        outcome
    }
    fn complete(&mut self, code: &str, cursor: usize) -> Completions {
        match self.ctx.completions(code, cursor) {
            Ok(c) => {
                let mut matches: Vec<String> = Vec::new();
                for item in c.completions {
                    if !matches.contains(&item.code) && !item.code.starts_with(HIDDEN_PREFIX) {
                        matches.push(item.code);
                    }
                }
                Completions { matches, start: c.start_offset, end: c.end_offset }
            }
            Err(_) => self.complete_from_names(code, cursor),
        }
    }

    fn inspect(&mut self, code: &str, cursor: usize) -> Option<Media> {
        let end = identifier_end(code, cursor);
        let start = identifier_start(code, cursor);
        let word = &code[start..end];
        // A session variable: show its type first, then what rust-analyzer knows of it.
        let var_type =
            self.ctx.variables_and_types().find(|(name, _)| *name == word).map(|(name, ty)| format!("{name}: {ty}"));
        let hover = self.ctx.hover_at(code, end).ok().filter(|(plain, _)| !plain.trim().is_empty());
        if var_type.is_none() && hover.is_none() {
            return None;
        }
        let mut plain = var_type.clone().unwrap_or_default();
        let mut html = var_type.map(|t| format!("<pre>{}</pre>", html_escape(&t))).unwrap_or_default();
        if let Some((p, h)) = hover {
            if !plain.is_empty() {
                plain.push_str("\n\n");
            }
            plain.push_str(&p);
            html.push_str(&h);
        }
        Some(Media::new(vec![MediaType::Plain(plain), MediaType::Html(html)]))
    }

    fn interrupter(&self) -> Arc<dyn Interrupter> {
        self.interrupter.clone()
    }

    fn shutdown(&mut self) {
        self.interrupter.kill();
    }
}

/// Most operand pairs tried when explaining a shape error (each try compiles a cell).
const MAX_SHAPE_PROBES: usize = 4;

/// Swallows the output of the kernel's own probe cells.
struct Discard;
impl OutputSink for Discard {
    fn emit(&self, _: crate::core::engine::Output) {}
}

impl EvcxrEngine {
    fn execute_cell(&mut self, code: &str, sink: Arc<dyn OutputSink>) -> Outcome {
        self.interrupter.interrupted.store(false, Ordering::SeqCst);
        let before = self.variable_names();
        self.forwarder.attach(sink.clone());
        let typed = code;
        let mut cell = CellText::new(typed);
        if let Some(edits) = bind_moving_tail(typed) {
            cell = cell.insert(&edits);
        }
        let mut result = self.ctx.execute(&cell.code);
        if let Some(edits) = retry_ambiguous_numeric(&cell.code, &result) {
            cell = cell.insert(&edits);
            result = self.ctx.execute(&cell.code);
        }
        let code = cell.code.as_str();
        let end = self.forwarder.fence();
        let panic = end.panic;
        let outcome = match result {
            Ok(outputs) => match panic {
                Some(p) if is_shape_panic(&p.message) => {
                    let explained = self.explain_shape_panic(code);
                    self.forwarder.attach(sink.clone());
                    match explained {
                        Some((summary, picture)) => {
                            sink.emit(DisplayData::new(picture).into());
                            Outcome::Error(shape_error(&p, &summary))
                        }
                        None => {
                            let mut error = panic_error(&p);
                            error.traceback.insert(
                                error.traceback.len() - 1,
                                "Two arrays in an arithmetic operation have shapes that do not broadcast. \
                                 To see why, ask: explain_broadcast(&x, &y)"
                                    .into(),
                            );
                            Outcome::Error(error)
                        }
                    }
                }
                Some(p) => Outcome::Error(panic_error(&p)),
                None => Outcome::Ok { result: final_value(outputs) },
            },
            Err(evcxr::Error::CompilationErrors(errors)) => Outcome::Error(compile_error(typed, &cell, &errors)),
            Err(evcxr::Error::SubprocessTerminated(how)) => {
                let interrupted = self.interrupter.interrupted.swap(false, Ordering::SeqCst);
                // evcxr has already started a fresh child; give it our panic hook again.
                let restored = self.run_setup_cell(false);
                let mut error = child_died(&how, interrupted, end.crash, &before);
                if let Err(e) = restored {
                    error.traceback.push(format!("(and restarting the Rust process failed: {e})"));
                }
                Outcome::Error(error)
            }
            Err(evcxr::Error::TypeRedefinedVariablesLost(vars)) => Outcome::Error(CellError {
                ename: "VariablesLost".into(),
                evalue: format!("redefining a type dropped the variables that used it: {}", vars.join(", ")),
                traceback: vec![format!(
                    "A type was redefined, so these variables (of the old type) were dropped: {}. Run the cells that create them again.",
                    vars.join(", ")
                )],
            }),
            Err(e) => Outcome::Error(CellError {
                ename: "Error".into(),
                evalue: e.to_string(),
                traceback: e.to_string().lines().map(str::to_string).collect(),
            }),
        };
        self.record_pid();
        outcome
    }

    /// `:restore`: runs again, in order, the cells that succeeded in the process that was
    /// lost, so their variables exist again. Their output is shown as they run.
    fn restore(&mut self, sink: Arc<dyn OutputSink>) -> Outcome {
        let cells = self.replay.take_lost();
        if cells.is_empty() {
            sink.emit(
                StreamContent::stdout("Nothing to restore: no variables were lost since the last restart.\n").into(),
            );
            return Outcome::Ok { result: None };
        }
        let total = cells.len();
        for (i, cell) in cells.iter().enumerate() {
            sink.emit(StreamContent::stdout(&format!("[restore {}/{total}] {}\n", i + 1, first_line(cell))).into());
            if let Outcome::Error(mut e) = self.execute_cell(cell, sink.clone()) {
                e.traceback.insert(0, format!("Restoring stopped at cell {}/{total}, which failed this time:", i + 1));
                return Outcome::Error(e);
            }
            self.replay.record(cell);
        }
        let vars = self.variable_names().join(", ");
        sink.emit(StreamContent::stdout(&format!("Restored {total} cells. Variables now: {vars}\n")).into());
        Outcome::Ok { result: None }
    }

    /// ndarray's panic for `&a + &b` with shapes that do not broadcast says only
    /// "incompatible shapes". Variables from earlier cells survive a panic, so the
    /// operands of the cell's arithmetic can be evaluated again: each `x op y` of the cell
    /// (in order) is given to the prelude's `explain_broadcast` in a probe cell, and the
    /// first pair that does not broadcast is the one that failed. Returns the explanation's
    /// text and its picture.
    fn explain_shape_panic(&mut self, code: &str) -> Option<(String, Media)> {
        self.forwarder.attach(Arc::new(Discard));
        for (lhs, rhs) in arithmetic_operands(code).into_iter().take(MAX_SHAPE_PROBES) {
            let probe = format!("explain_broadcast(&({lhs}), &({rhs}))");
            let Ok(outputs) = self.ctx.execute(&probe) else { continue };
            self.forwarder.fence();
            let text = outputs.content_by_mime_type.get("text/plain").cloned().unwrap_or_default();
            if text.starts_with("operands could not be broadcast") {
                return final_value(outputs).map(|media| (text, media));
            }
        }
        None
    }

    /// When rust-analyzer cannot answer, complete at least session variables and items.
    fn complete_from_names(&self, code: &str, cursor: usize) -> Completions {
        let start = identifier_start(code, cursor);
        let prefix = &code[start..cursor];
        let mut matches: Vec<String> = self
            .ctx
            .variables_and_types()
            .map(|(n, _)| n.to_string())
            .chain(self.ctx.defined_item_names().map(str::to_string))
            .filter(|n| n.starts_with(prefix) && !n.starts_with(HIDDEN_PREFIX))
            .collect();
        matches.sort();
        matches.dedup();
        Completions { matches, start, end: cursor }
    }
}

/// evcxr shows a cell's final value by calling `(value).evcxr_display()`, falling back to
/// `{:?}` when no such method exists. The prelude defines that method for arrays, so one
/// *does* exist, and for a value of a not-yet-inferred numeric type (`let z = 1; z`) rustc
/// then stops with E0689 ("can't call method `evcxr_display` on ambiguous numeric type
/// `{integer}`") instead of defaulting to `i32`. evcxr hides that error (it is in code it
/// generated) and shows only rustc's "help" line. When a cell fails with no error of its
/// own, only such notes, its final expression is wrapped in `__NdplayDebug(..)`, whose
/// inherent method takes any `Debug` value, letting the number default as usual; the cell
/// is compiled once more.
fn retry_ambiguous_numeric(code: &str, result: &Result<EvalOutputs, evcxr::Error>) -> Option<Edits> {
    let Err(evcxr::Error::CompilationErrors(errors)) = result else { return None };
    let only_notes = !errors.is_empty() && errors.iter().all(|e| e.level() != "error");
    let e0689 = errors.iter().any(|e| e.code() == Some("E0689") && e.message().contains("evcxr_display"));
    if !(only_notes || e0689) {
        return None;
    }
    let (start, end) = final_expression(code)?;
    Some(vec![(start, "__NdplayDebug(".into()), (end, ")".into())])
}

/// The name a moving final expression is bound to (see [`bind_moving_tail`]).
const LAST_VALUE: &str = "__ndplay_last";

/// Methods that take `self` by value: called on a variable, they move it.
const CONSUMING_METHODS: &[&str] = &["reversed_axes", "permuted_axes", "insert_axis", "remove_axis", "mapv_into"];

/// evcxr shows a final expression by wrapping it in `(expr).evcxr_display()`. When the
/// expression moves a variable (`Array1::from(v)`, `c.into_shape_with_order(..)`,
/// `a + &b`), evcxr's bookkeeping for that variable fails to compile, and its repair also
/// switches the display to `{:?}`: the student sees ndarray's debug dump instead of the
/// array. Binding the value first (`let __ndplay_last = expr; __ndplay_last`) keeps the
/// move out of the display wrapper. Only done when the expression visibly moves a plain
/// name, since a binding must be storable (no borrowed views).
fn bind_moving_tail(code: &str) -> Option<Edits> {
    use ra_ap_syntax::ast::{self, BinaryOp};
    use ra_ap_syntax::AstNode;
    let (tail, start, end) = tail_expression(code)?;
    let is_name = |e: Option<ast::Expr>| matches!(e, Some(ast::Expr::PathExpr(p)) if p.path().is_some_and(|p| p.qualifier().is_none()));
    let moves = tail.syntax().descendants().any(|node| {
        if let Some(args) = ast::ArgList::cast(node.clone()) {
            return args.args().any(|a| is_name(Some(a)));
        }
        if let Some(call) = ast::MethodCallExpr::cast(node.clone()) {
            let name = call.name_ref().map(|n| n.text().to_string()).unwrap_or_default();
            return (name.starts_with("into_") || CONSUMING_METHODS.contains(&name.as_str()))
                && is_name(call.receiver());
        }
        if let Some(bin) = ast::BinExpr::cast(node) {
            return matches!(bin.op_kind(), Some(BinaryOp::ArithOp(_))) && (is_name(bin.lhs()) || is_name(bin.rhs()));
        }
        false
    });
    moves.then(|| vec![(start, format!("let {LAST_VALUE} = ")), (end, format!(";\n{LAST_VALUE}"))])
}

/// Text the kernel inserts into a cell before compiling it: (byte offset, text), in
/// ascending order of offset.
type Edits = Vec<(usize, String)>;

/// A cell as it is compiled: the student's text plus the kernel's insertions (see
/// [`bind_moving_tail`] and [`retry_ambiguous_numeric`]). The compiler reports positions
/// in `code`; [`CellText::typed_offset`] takes them back to what the student typed, so an
/// error never shows `let __ndplay_last = ` or points at the wrong column.
struct CellText {
    code: String,
    /// Every insertion so far, as (offset in the text it was made in, length), oldest first.
    insertions: Vec<(usize, usize)>,
}

impl CellText {
    fn new(typed: &str) -> CellText {
        CellText { code: typed.to_string(), insertions: Vec::new() }
    }

    fn insert(mut self, edits: &Edits) -> CellText {
        // Apply from the back so that earlier offsets stay valid; record them in the
        // coordinates of the text each insertion was made in (front first).
        let mut shift = 0;
        let mut recorded = Vec::new();
        for (at, text) in edits {
            recorded.push((at + shift, text.len()));
            shift += text.len();
        }
        for (at, text) in edits.iter().rev() {
            self.code.insert_str(*at, text);
        }
        self.insertions.extend(recorded);
        self
    }

    /// Where a byte offset of `code` was in the typed text. A position inside inserted
    /// text maps to where the insertion was made.
    fn typed_offset(&self, mut offset: usize) -> usize {
        for &(at, len) in self.insertions.iter().rev() {
            if offset >= at + len {
                offset -= len;
            } else if offset > at {
                offset = at;
            }
        }
        offset
    }
}

/// The byte offset of a 1-based line and character column; the end of the text if past it.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    let rest = &text[line_start.min(text.len())..];
    let within = rest.char_indices().nth(column.saturating_sub(1)).map_or(rest.len(), |(i, _)| i);
    (line_start + within).min(text.len())
}

/// The 1-based line and character column of a byte offset.
fn position_of(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

/// What a cell is wrapped in to parse it: evcxr also treats a cell as a function body.
const CELL_PREFIX: &str = "fn __cell() {\n";

/// Parses a cell as the body of a function. Offsets in the tree are `CELL_PREFIX.len()`
/// bytes after the cell's own.
fn parse_cell(code: &str) -> Option<ra_ap_syntax::ast::Fn> {
    use ra_ap_syntax::ast::{self, HasModuleItem};
    let wrapped = format!("{CELL_PREFIX}{code}\n}}");
    let file = ra_ap_syntax::SourceFile::parse(&wrapped, ra_ap_syntax::Edition::Edition2021).tree();
    match file.items().next()? {
        ast::Item::Fn(f) => Some(f),
        _ => None,
    }
}

/// A cell's final expression (the one whose value is shown) and its byte range in `code`.
fn tail_expression(code: &str) -> Option<(ra_ap_syntax::ast::Expr, usize, usize)> {
    use ra_ap_syntax::AstNode;
    let tail = parse_cell(code)?.body()?.stmt_list()?.tail_expr()?;
    let range = tail.syntax().text_range();
    let start = usize::from(range.start()).checked_sub(CELL_PREFIX.len())?;
    let end = usize::from(range.end()).checked_sub(CELL_PREFIX.len())?;
    (end <= code.len() && start < end).then_some((tail, start, end))
}

/// The byte range of a cell's final expression, if any.
fn final_expression(code: &str) -> Option<(usize, usize)> {
    tail_expression(code).map(|(_, start, end)| (start, end))
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn identifier_start(code: &str, cursor: usize) -> usize {
    code[..cursor].rfind(|c: char| !is_ident(c)).map_or(0, |i| i + code[i..].chars().next().unwrap().len_utf8())
}

fn identifier_end(code: &str, cursor: usize) -> usize {
    code[cursor..].find(|c: char| !is_ident(c)).map_or(code.len(), |i| cursor + i)
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// evcxr's per-cell mime bundle (from `evcxr_display`, or `{:?}` of the final value).
fn final_value(outputs: EvalOutputs) -> Option<Media> {
    let mut content = outputs.content_by_mime_type;
    if content.is_empty() {
        return None;
    }
    let mut media = Vec::new();
    // text/plain first: it is the fallback every frontend understands.
    if let Some(text) = content.remove("text/plain") {
        media.push(MediaType::Plain(text));
    }
    let mut rest: Vec<(String, String)> = content.into_iter().collect();
    rest.sort();
    for (mime, value) in rest {
        let item = serde_json::from_value::<Media>(serde_json::json!({ mime.clone(): value }))
            .ok()
            .and_then(|m| m.content.into_iter().next());
        if let Some(item) = item {
            media.push(item);
        }
    }
    Some(Media::new(media))
}

/// Where a panic happened, in words that do not depend on this machine.
///
/// Panics in the cell itself are reported by evcxr's generated crate (`src/lib.rs`), whose
/// line numbers mean nothing to the student. Library locations are absolute paths into
/// the toolchain or cargo's registry; those are cut to the crate and file, so notebooks
/// that store the error do not record the machine they ran on.
fn friendly_location(location: &str) -> String {
    if location.is_empty() || location.starts_with("src/lib.rs") {
        return "in this cell".into();
    }
    if let Some(i) = location.find("/library/") {
        return format!("in the Rust standard library ({})", &location[i + "/library/".len()..]);
    }
    if location.contains("/rustlib/") || location.contains("/.rustup/") || location.starts_with("/rustc/") {
        let file = location.rsplit_once("/src/").map_or(location, |(_, f)| f);
        return format!("in the Rust standard library ({file})");
    }
    if let Some(i) = location.find("/registry/src/") {
        // …/registry/src/index.crates.io-<hash>/ndarray-0.17.2/src/lib.rs:10:5
        let rest = &location[i + "/registry/src/".len()..];
        let rest = rest.split_once('/').map_or(rest, |(_, r)| r);
        return format!("in {rest}");
    }
    if location.contains("/prelude-") {
        let file = location.rsplit_once("/prelude-").and_then(|(_, r)| r.split_once('/')).map_or(location, |(_, f)| f);
        return format!("in the ndplay prelude ({file})");
    }
    format!("at {location}")
}

fn is_shape_panic(message: &str) -> bool {
    message.contains("IncompatibleShape") || message.contains("could not broadcast")
}

/// `(lhs, rhs)` of every `+ - * /` in the cell, in source order, without leading `&`s
/// (the probe borrows them itself).
fn arithmetic_operands(code: &str) -> Vec<(String, String)> {
    use ra_ap_syntax::ast::{self, ArithOp, BinaryOp};
    use ra_ap_syntax::AstNode;
    let Some(f) = parse_cell(code) else { return Vec::new() };
    let strip = |e: ast::Expr| e.syntax().text().to_string().trim().trim_start_matches('&').trim().to_string();
    f.syntax()
        .descendants()
        .filter_map(ast::BinExpr::cast)
        .filter(|b| {
            matches!(b.op_kind(), Some(BinaryOp::ArithOp(ArithOp::Add | ArithOp::Sub | ArithOp::Mul | ArithOp::Div)))
        })
        .filter_map(|b| Some((strip(b.lhs()?), strip(b.rhs()?))))
        .collect()
}

fn shape_error(p: &PanicReport, summary: &str) -> CellError {
    let first = summary.lines().next().unwrap_or("").to_string();
    let mut traceback = vec![format!("\x1b[1;31mShapeError\x1b[0m: {first}")];
    traceback.extend(summary.lines().skip(1).map(str::to_string));
    traceback.push(String::new());
    traceback.push(format!("(ndarray said: {})", p.message.lines().next().unwrap_or("")));
    traceback.push("Variables defined in earlier cells are kept; those made in this cell were dropped.".into());
    CellError { ename: "ShapeError".into(), evalue: first, traceback }
}

fn panic_error(p: &PanicReport) -> CellError {
    let first = p.message.lines().next().unwrap_or("").to_string();
    let place = friendly_location(&p.location);
    let mut traceback = vec![format!("\x1b[1;31mpanicked\x1b[0m {place}:")];
    traceback.extend(p.message.lines().map(str::to_string));
    traceback.push(String::new());
    traceback.push("Variables defined in earlier cells are kept; those made in this cell were dropped.".into());
    CellError { ename: "panic".into(), evalue: first, traceback }
}

fn child_died(how: &str, interrupted: bool, crash: Option<Crash>, lost: &[String]) -> CellError {
    let lost_line = if lost.is_empty() {
        "No variables were lost.".to_string()
    } else {
        format!(
            "Variables lost: {}. Run `{RESTORE_COMMAND}` to run again the cells that made them (or run those cells yourself).",
            lost.join(", ")
        )
    };
    if interrupted {
        return CellError {
            ename: "Interrupted".into(),
            evalue: "the cell was interrupted, which restarts the Rust process".into(),
            traceback: vec![
                "\x1b[1;33mInterrupted.\x1b[0m The cell was stopped by restarting the process that runs cells.".into(),
                lost_line,
            ],
        };
    }
    let cause = match crash {
        Some(Crash::OutOfMemory) => format!(
            "it ran out of memory: an allocation failed (cells may use about {}% of this machine's memory; \
             set NDPLAY_CHILD_MEMORY before starting Jupyter to change that)",
            super::limits::DEFAULT_MEMORY_PERCENT
        ),
        Some(Crash::Segfault) => {
            "a segmentation fault: the cell touched memory it does not own (usually through `unsafe` code)".into()
        }
        Some(Crash::StackOverflow) => {
            "a stack overflow: too deep a recursion (or too large a value on the stack)".into()
        }
        None => explain_termination(how),
    };
    CellError {
        ename: "ProcessDied".into(),
        evalue: format!("the process running the cell died: {cause}"),
        traceback: vec![
            format!("\x1b[1;31mThe process running your cell died\x1b[0m: {cause}."),
            format!("(evcxr reported: {})", how.trim()),
            lost_line,
            "The kernel is still running: the next cell starts a fresh process.".into(),
        ],
    }
}

/// Turns an exit status into words a student can act on.
fn explain_termination(how: &str) -> String {
    let h = how.to_ascii_lowercase();
    if h.contains("sigsegv") || h.contains("signal: 11") {
        "a segmentation fault (an invalid memory access, e.g. in `unsafe` code, or a stack overflow)".into()
    } else if h.contains("sigabrt") || h.contains("signal: 6") {
        "it aborted (std::process::abort(), a stack overflow, or an allocation that failed)".into()
    } else if h.contains("sigkill") || h.contains("signal: 9") {
        "it was killed (often: it ran out of memory)".into()
    } else if let Some(code) = h.split("exit status: ").nth(1).map(|s| s.trim().trim_end_matches(')').to_string()) {
        format!("it called std::process::exit({code}) or otherwise exited with status {code}")
    } else {
        how.trim().to_string()
    }
}

/// A rustc-style report of the cell's compile errors, pointing into the user's own code,
/// with ndarray's long types written as students write them (`Array2<f64>`) and a hint for
/// the mistakes beginners make with arrays.
fn compile_error(typed: &str, cell: &CellText, errors: &[CompilationError]) -> CellError {
    let lines: Vec<&str> = typed.lines().collect();
    let to_typed =
        |line: usize, column: usize| position_of(typed, cell.typed_offset(offset_of(&cell.code, line, column)));
    let mut traceback = Vec::new();
    let errors_first =
        errors.iter().filter(|e| e.level() == "error").chain(errors.iter().filter(|e| e.level() != "error"));
    for error in errors_first {
        let level = error.level();
        let colour = if level == "error" { "1;31" } else { "1;33" };
        let message = shorten_types(&error.message());
        let head = match error.code() {
            Some(c) => format!("\x1b[{colour}m{level}[{c}]\x1b[0m\x1b[1m: {message}\x1b[0m"),
            None => format!("\x1b[{colour}m{level}\x1b[0m\x1b[1m: {message}\x1b[0m"),
        };
        traceback.push(head);
        let mut all_text = message.clone();
        for spanned in error.spanned_messages() {
            let Some(span) = spanned.span else { continue };
            let label = shorten_types(&spanned.label);
            all_text.push('\n');
            all_text.push_str(&label);
            let (line_no, start_column) = to_typed(span.start_line, span.start_column);
            let (end_line, end_column) = to_typed(span.end_line, span.end_column);
            let pad = " ".repeat(line_no.to_string().len());
            traceback.push(format!("{pad}\x1b[1;34m-->\x1b[0m cell:{}:{}", line_no, start_column));
            traceback.push(format!("{pad} \x1b[1;34m|\x1b[0m"));
            if let Some(src) = lines.get(line_no - 1) {
                traceback.push(format!("\x1b[1;34m{line_no} |\x1b[0m {src}"));
                let start = start_column.saturating_sub(1);
                let end = if end_line == line_no {
                    end_column.saturating_sub(1).max(start + 1)
                } else {
                    src.chars().count().max(start + 1)
                };
                let marker = if spanned.is_primary { "^" } else { "-" };
                traceback.push(format!(
                    "{pad} \x1b[1;34m|\x1b[0m {}\x1b[{colour}m{} {}\x1b[0m",
                    " ".repeat(start),
                    marker.repeat(end - start),
                    label
                ));
            }
        }
        for help in error.help() {
            let help = shorten_types(&help);
            let mut lines = help.lines();
            traceback.push(format!("  \x1b[1;34m=\x1b[0m \x1b[1mhelp\x1b[0m: {}", lines.next().unwrap_or("")));
            traceback.extend(lines.filter(|l| !l.trim().is_empty()).map(|l| format!("          {}", l.trim())));
        }
        if let Some(hint) = hint(&all_text) {
            traceback.push(format!("  \x1b[1;34m=\x1b[0m \x1b[1;32mhint\x1b[0m: {hint}"));
        }
        if let Some(note) = error.evcxr_extra_hint() {
            traceback.push(format!("  \x1b[1;34m=\x1b[0m \x1b[1mnote\x1b[0m: {note}"));
        }
        traceback.push(String::new());
    }
    let first = errors.iter().find(|e| e.level() == "error").or(errors.first());
    CellError {
        ename: first.and_then(|e| e.code()).unwrap_or("CompileError").to_string(),
        evalue: first.map(|e| shorten_types(&e.message())).unwrap_or_else(|| "the cell did not compile".into()),
        traceback,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn termination_is_explained() {
        assert!(
            explain_termination("Child process terminated with status: signal: 11 (SIGSEGV)").contains("segmentation")
        );
        assert!(explain_termination("Child process terminated with status: signal: 6 (SIGABRT) (core dumped)")
            .contains("abort"));
        assert!(explain_termination("Child process terminated with status: exit status: 3").contains("exit(3)"));
    }

    #[test]
    fn lost_variables_are_named() {
        let e = child_died("signal: 9 (SIGKILL)", true, None, &["a".into(), "b".into()]);
        assert_eq!(e.ename, "Interrupted");
        assert!(e.traceback.iter().any(|l| l.contains("Variables lost: a, b")));
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

    #[test]
    fn moving_tails_are_bound_first() {
        let code = "let v = vec![1.0];\nArray1::from_vec(v)";
        assert_eq!(
            CellText::new(code).insert(&bind_moving_tail(code).unwrap()).code,
            "let v = vec![1.0];\nlet __ndplay_last = Array1::from_vec(v);\n__ndplay_last"
        );
        assert!(bind_moving_tail("c.into_shape_with_order((2, 1)).unwrap()").is_some());
        assert!(bind_moving_tail("a + &b").is_some());
        // Borrowing tails are left to evcxr: they may not be storable.
        assert_eq!(bind_moving_tail("&a + &b"), None);
        assert_eq!(bind_moving_tail("a.view()"), None);
        assert_eq!(bind_moving_tail("a.dot(&b)"), None);
        assert_eq!(bind_moving_tail("a"), None);
        assert_eq!(bind_moving_tail("let x = f(v);"), None);
    }

    #[test]
    fn compiler_positions_map_back_to_the_typed_cell() {
        let typed = "let b = 2;\nkeep + b";
        let tail = bind_moving_tail("keep + b").map(|e| e.into_iter().map(|(at, t)| (at + 11, t)).collect()).unwrap();
        let cell = CellText::new(typed).insert(&tail);
        let cell = cell.insert(&vec![(31, "__NdplayDebug(".into()), (39, ")".into())]);
        assert_eq!(cell.code, "let b = 2;\nlet __ndplay_last = __NdplayDebug(keep + b);\n__ndplay_last");
        let back = |line, column| position_of(typed, cell.typed_offset(offset_of(&cell.code, line, column)));
        assert_eq!(back(2, 35), (2, 1)); // `keep`
        assert_eq!(back(2, 42), (2, 8)); // `b`
        assert_eq!(back(2, 5), (2, 1)); // inside `let __ndplay_last = `
        assert_eq!(back(1, 5), (1, 5)); // before any insertion
        assert_eq!(back(3, 1), (2, 9)); // the added `__ndplay_last` line: the end of the tail
    }

    #[test]
    fn panic_locations_do_not_name_this_machine() {
        assert_eq!(friendly_location("src/lib.rs:110:1"), "in this cell");
        assert_eq!(
            friendly_location("/root/.rustup/toolchains/1.95.0-x86_64-unknown-linux-gnu/lib/rustlib/src/rust/library/core/src/ops/function.rs:79:5"),
            "in the Rust standard library (core/src/ops/function.rs:79:5)"
        );
        assert_eq!(
            friendly_location(
                "/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/ndarray-0.17.2/src/impl_ops.rs:10:5"
            ),
            "in ndarray-0.17.2/src/impl_ops.rs:10:5"
        );
        assert_eq!(
            friendly_location("/home/x/.cache/ndplay/prelude-abc/src/ops.rs:3:1"),
            "in the ndplay prelude (src/ops.rs:3:1)"
        );
    }

    #[test]
    fn finds_arithmetic_operands_in_order() {
        let ops = arithmetic_operands("let c = &a + &b;\nlet d = c * 2.0 - x.t();");
        assert_eq!(
            ops,
            vec![
                ("a".to_string(), "b".to_string()),
                ("c * 2.0".to_string(), "x.t()".to_string()),
                ("c".to_string(), "2.0".to_string()),
            ]
        );
        assert!(is_shape_panic(
            "called `Result::unwrap()` on an `Err` value: ShapeError/IncompatibleShape: incompatible shapes"
        ));
    }

    #[test]
    fn finds_the_final_expression() {
        let code = "let é = 1;\nlet z = 2;\nz + é";
        let (s, e) = final_expression(code).unwrap();
        assert_eq!(&code[s..e], "z + é");
        assert_eq!(final_expression("let z = 1;"), None);
        assert_eq!(final_expression("fn f() {}\n f()").map(|(s, e)| &"fn f() {}\n f()"[s..e]), Some("f()"));
        assert_eq!(final_expression("}}} broken {"), None);
    }

    #[test]
    fn identifier_bounds() {
        let s = "let x = arr.len";
        assert_eq!(&s[identifier_start(s, s.len())..], "len");
        assert_eq!(identifier_end("abc def", 1), 3);
    }

    #[test]
    fn panic_hook_code_escapes_markers() {
        let code = panic_hook_code();
        assert!(code.contains("\\u{1e}ndplay-panic-begin "));
        assert!(code.contains("\\u{1e}ndplay-panic-end"));
    }
}
