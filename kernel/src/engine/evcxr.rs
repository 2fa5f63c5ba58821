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
use jupyter_protocol::{Media, MediaType};

use super::child_output::{Forwarder, PanicReport, PANIC_BEGIN, PANIC_END};
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

pub struct EvcxrEngine {
    ctx: CommandContext,
    forwarder: Forwarder,
    interrupter: Arc<ChildKiller>,
    session_dir: PathBuf,
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
        let prelude = prelude_source::unpack(&cache)?;
        let sessions = cache.join("sessions");
        std::fs::create_dir_all(sessions.join(".cargo"))?;
        std::fs::write(sessions.join(".cargo").join("config.toml"), CARGO_CONFIG)?;
        remove_stale_sessions(&sessions);
        let session_dir = sessions.join(format!("{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&session_dir);
        std::fs::create_dir_all(&session_dir)?;
        // Pin every transitive dependency to the versions the prelude was tested with.
        std::fs::write(session_dir.join("Cargo.lock"), prelude_source::CARGO_LOCK)?;

        // evcxr reads its build directory from this variable when creating the context;
        // set before any other thread of ours could read the environment.
        std::env::set_var("EVCXR_TMPDIR", &session_dir);
        progress("starting the Rust evaluator");
        let (eval_ctx, outputs) = EvalContext::new().map_err(|e| anyhow::anyhow!("{e}"))?;
        let forwarder = Forwarder::start(outputs.stdout, outputs.stderr);
        let mut ctx = CommandContext::with_eval_context(eval_ctx);
        let interrupter = Arc::new(ChildKiller::default());

        let setup = [
            ":opt 0".to_string(),
            // Compiled dependency artefacts are kept across kernels (in evcxr's cache
            // directory), so only the first kernel after an install pays for them.
            ":cache 2048".to_string(),
            format!(":dep ndplay = {{ path = {:?} }}", prelude.display().to_string()),
        ];
        for command in setup {
            progress(&command);
            ctx.execute(&command).map_err(|e| anyhow::anyhow!("`{command}` failed: {e}"))?;
        }
        let mut engine = EvcxrEngine { ctx, forwarder, interrupter, session_dir };
        progress("loading the prelude (use ndplay::prelude::*)");
        engine.run_setup_cell(true)?;
        Ok(engine)
    }

    /// Brings the prelude into scope and installs the panic hook. The `use` is remembered by
    /// evcxr across child restarts; the hook lives in the child and must be set again.
    fn run_setup_cell(&mut self, with_use: bool) -> Result<()> {
        let code = if with_use {
            format!("use ndplay::prelude::*;\n{}", panic_hook_code())
        } else {
            panic_hook_code()
        };
        self.ctx.execute(&code).map_err(|e| anyhow::anyhow!("loading the prelude failed: {e}"))?;
        self.record_pid();
        Ok(())
    }

    fn record_pid(&self) {
        let pid = self.ctx.process_handle().lock().map(|c| c.id()).unwrap_or(0);
        self.interrupter.pid.store(pid, Ordering::SeqCst);
    }

    fn variable_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.ctx.variables_and_types().map(|(n, _)| n.to_string()).collect();
        names.sort();
        names
    }
}

fn remove_stale_sessions(sessions: &Path) {
    let Ok(entries) = std::fs::read_dir(sessions) else { return };
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else { continue };
        // SAFETY: signal 0 only checks whether the process exists.
        let alive = unsafe { libc::kill(pid, 0) } == 0;
        if !alive {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

impl Drop for EvcxrEngine {
    fn drop(&mut self) {
        self.interrupter.kill();
        let _ = std::fs::remove_dir_all(&self.session_dir);
    }
}

impl Engine for EvcxrEngine {
    fn execute(&mut self, code: &str, sink: Arc<dyn OutputSink>) -> Outcome {
        self.interrupter.interrupted.store(false, Ordering::SeqCst);
        let before = self.variable_names();
        self.forwarder.attach(sink);
        let result = self.ctx.execute(code);
        let panic = self.forwarder.fence();
        let outcome = match result {
            Ok(outputs) => match panic {
                Some(p) => Outcome::Error(panic_error(&p)),
                None => Outcome::Ok { result: final_value(outputs) },
            },
            Err(evcxr::Error::CompilationErrors(errors)) => Outcome::Error(compile_error(code, &errors)),
            Err(evcxr::Error::SubprocessTerminated(how)) => {
                let interrupted = self.interrupter.interrupted.swap(false, Ordering::SeqCst);
                // evcxr has already started a fresh child; give it our panic hook again.
                let restored = self.run_setup_cell(false);
                let mut error = child_died(&how, interrupted, &before);
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

    fn complete(&mut self, code: &str, cursor: usize) -> Completions {
        match self.ctx.completions(code, cursor) {
            Ok(c) => {
                let mut matches: Vec<String> = Vec::new();
                for item in c.completions {
                    if !matches.contains(&item.code) {
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
        let var_type = self
            .ctx
            .variables_and_types()
            .find(|(name, _)| *name == word)
            .map(|(name, ty)| format!("{name}: {ty}"));
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

impl EvcxrEngine {
    /// When rust-analyzer cannot answer, complete at least session variables and items.
    fn complete_from_names(&self, code: &str, cursor: usize) -> Completions {
        let start = identifier_start(code, cursor);
        let prefix = &code[start..cursor];
        let mut matches: Vec<String> = self
            .ctx
            .variables_and_types()
            .map(|(n, _)| n.to_string())
            .chain(self.ctx.defined_item_names().map(str::to_string))
            .filter(|n| n.starts_with(prefix))
            .collect();
        matches.sort();
        matches.dedup();
        Completions { matches, start, end: cursor }
    }
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

fn panic_error(p: &PanicReport) -> CellError {
    let first = p.message.lines().next().unwrap_or("").to_string();
    let mut traceback = vec![format!("\x1b[1;31mthread panicked\x1b[0m at {}:", p.location)];
    traceback.extend(p.message.lines().map(str::to_string));
    traceback.push(String::new());
    traceback.push("Variables defined in earlier cells are kept; those made in this cell were dropped.".into());
    CellError { ename: "panic".into(), evalue: first, traceback }
}

fn child_died(how: &str, interrupted: bool, lost: &[String]) -> CellError {
    let lost_line = if lost.is_empty() {
        "No variables were lost.".to_string()
    } else {
        format!("Variables lost: {}. Run the cells that define them again.", lost.join(", "))
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
    let cause = explain_termination(how);
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

/// A rustc-style report of the cell's compile errors, pointing into the user's own code.
pub fn compile_error(code: &str, errors: &[CompilationError]) -> CellError {
    let lines: Vec<&str> = code.lines().collect();
    let mut traceback = Vec::new();
    for error in errors.iter().filter(|e| e.level() == "error").chain(errors.iter().filter(|e| e.level() != "error")) {
        let level = error.level();
        let colour = if level == "error" { "1;31" } else { "1;33" };
        let head = match error.code() {
            Some(c) => format!("\x1b[{colour}m{level}[{c}]\x1b[0m\x1b[1m: {}\x1b[0m", error.message()),
            None => format!("\x1b[{colour}m{level}\x1b[0m\x1b[1m: {}\x1b[0m", error.message()),
        };
        traceback.push(head);
        for spanned in error.spanned_messages() {
            let Some(span) = spanned.span else { continue };
            let line_no = span.start_line;
            let gutter = line_no.to_string().len();
            let pad = " ".repeat(gutter);
            traceback.push(format!("{pad}\x1b[1;34m-->\x1b[0m cell:{}:{}", line_no, span.start_column));
            traceback.push(format!("{pad} \x1b[1;34m|\x1b[0m"));
            if let Some(src) = lines.get(line_no - 1) {
                traceback.push(format!("\x1b[1;34m{line_no} |\x1b[0m {src}"));
                let start = span.start_column.saturating_sub(1);
                let end = if span.end_line == span.start_line {
                    span.end_column.saturating_sub(1).max(start + 1)
                } else {
                    src.chars().count().max(start + 1)
                };
                let marker = if spanned.is_primary { "^" } else { "-" };
                traceback.push(format!(
                    "{pad} \x1b[1;34m|\x1b[0m {}\x1b[{colour}m{} {}\x1b[0m",
                    " ".repeat(start),
                    marker.repeat(end - start),
                    spanned.label
                ));
            }
        }
        for help in error.help() {
            traceback.push(format!("  \x1b[1;34m=\x1b[0m \x1b[1mhelp\x1b[0m: {help}"));
        }
        if let Some(hint) = error.evcxr_extra_hint() {
            traceback.push(format!("  \x1b[1;34m=\x1b[0m \x1b[1mnote\x1b[0m: {hint}"));
        }
        traceback.push(String::new());
    }
    let first = errors.iter().find(|e| e.level() == "error").or(errors.first());
    CellError {
        ename: first.and_then(|e| e.code()).unwrap_or("CompileError").to_string(),
        evalue: first.map(|e| e.message()).unwrap_or_else(|| "the cell did not compile".into()),
        traceback,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn termination_is_explained() {
        assert!(explain_termination("Child process terminated with status: signal: 11 (SIGSEGV)").contains("segmentation"));
        assert!(explain_termination("Child process terminated with status: signal: 6 (SIGABRT) (core dumped)").contains("abort"));
        assert!(explain_termination("Child process terminated with status: exit status: 3").contains("exit(3)"));
    }

    #[test]
    fn lost_variables_are_named() {
        let e = child_died("signal: 9 (SIGKILL)", true, &["a".into(), "b".into()]);
        assert_eq!(e.ename, "Interrupted");
        assert!(e.traceback.iter().any(|l| l.contains("Variables lost: a, b")));
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

