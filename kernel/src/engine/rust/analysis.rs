//! Completion and inspection, through evcxr's rust-analyzer — the one part of the loop
//! that is still evcxr's.
//!
//! rust-analyzer is by far the largest user of the kernel's memory (docs/performance.md),
//! and only a student who presses Tab or Shift-Tab needs it. So it starts on the first such
//! request, on a thread of its own; until it is ready, completion offers the session's
//! variables and items by name. evcxr knows nothing of the session (cells run in the
//! kernel's own loop), so each request is a small source of its own: the prelude, the
//! kept items, one `let x: T = unimplemented!();` per variable (with the type the kernel
//! knows), then the student's text, with the cursor moved by that prefix.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender};
use std::time::Duration;

use jupyter_protocol::{Media, MediaType};

use super::state::State;
use crate::core::engine::Completions;
use crate::syntax::cell::ItemKind;
use crate::syntax::cell::{identifier_end, identifier_start};

/// How long a request waits for rust-analyzer before the kernel answers without it.
const WAIT: Duration = Duration::from_secs(3);
/// How long the first request waits: it starts rust-analyzer, which loads the standard
/// library and the dependencies first (seconds).
const FIRST_WAIT: Duration = Duration::from_secs(20);

enum Request {
    Complete { source: String, cursor: usize, reply: Sender<Option<Completions>> },
    Hover { source: String, cursor: usize, reply: Sender<Option<(String, String)>> },
}

/// The analysis thread, started on the first request.
#[derive(Default)]
pub struct Analysis {
    requests: Option<Sender<Request>>,
    /// The crate directory evcxr analyses in (set by the engine before the first request).
    dir: Option<PathBuf>,
    /// The prelude crate, a dependency of the analysed crate.
    prelude: Option<PathBuf>,
}

impl Analysis {
    pub fn new(dir: PathBuf, prelude: PathBuf) -> Analysis {
        Analysis { requests: None, dir: Some(dir), prelude: Some(prelude) }
    }

    /// Sends a request; returns how long to wait for its answer (none: no analysis here).
    fn send(&mut self, request: Request) -> Option<Duration> {
        let mut wait = WAIT;
        if self.requests.is_none() {
            wait = FIRST_WAIT;
            let (dir, prelude) = (self.dir.clone()?, self.prelude.clone()?);
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::Builder::new().name("ndplay-analysis".into()).spawn(move || serve(&dir, &prelude, rx)).ok()?;
            self.requests = Some(tx);
        }
        self.requests.as_ref()?.send(request).ok()?;
        Some(wait)
    }

    /// Starts rust-analyzer and waits (up to `timeout`) until it answers: `ndplay install`
    /// does it once, so that the dependencies of its crate are built before a student asks.
    pub fn warm(&mut self, timeout: Duration) -> bool {
        let (tx, rx) = std::sync::mpsc::channel();
        if self
            .send(Request::Complete { source: "let __ndplay_w = 1u8;\n__ndplay_w.".into(), cursor: 27, reply: tx })
            .is_none()
        {
            return false;
        }
        matches!(rx.recv_timeout(timeout), Ok(Some(_)))
    }

    /// Completions at `cursor`: the commands, at a `:` that starts a line of the cell's
    /// commands; else from rust-analyzer when it is ready, else from `names`.
    pub fn complete(&mut self, state: &State, code: &str, cursor: usize, names: &[String]) -> Completions {
        if let Some(c) = commands(code, cursor) {
            return c;
        }
        let (prefix, source) = synthetic(state, code);
        let (tx, rx) = std::sync::mpsc::channel();
        if let Some(wait) = self.send(Request::Complete { source, cursor: cursor + prefix, reply: tx }) {
            if let Ok(Some(mut c)) = rx.recv_timeout(wait) {
                c.start = c.start.saturating_sub(prefix).min(cursor);
                c.end = c.end.saturating_sub(prefix).max(c.start);
                let (matches, kinds) = c.matches.into_iter().zip(c.kinds).filter(|(m, _)| !is_internal(m)).unzip();
                (c.matches, c.kinds) = (matches, kinds);
                if !c.matches.is_empty() {
                    return c;
                }
            }
        }
        let mut c = from_names(code, cursor, names);
        c.kinds = c
            .matches
            .iter()
            .map(|m| match (state.variable(m), state.items().find(|i| i.key == *m)) {
                (Some(_), _) => "instance",
                (None, Some(i)) if i.kind == ItemKind::Type => "class",
                (None, Some(i)) if i.kind == ItemKind::Macro => "macro",
                _ => "",
            })
            .map(str::to_string)
            .collect();
        c
    }

    /// What a name at `cursor` is: a session variable's type, then rust-analyzer's hover.
    pub fn inspect(&mut self, state: &State, code: &str, cursor: usize) -> Option<Media> {
        let end = identifier_end(code, cursor);
        let start = identifier_start(code, cursor);
        let word = &code[start..end];
        let var_type = state.variable(word).map(|v| format!("{word}: {}", super::array_terms::shorten_types(&v.ty)));
        let (prefix, source) = synthetic(state, code);
        let (tx, rx) = std::sync::mpsc::channel();
        let hover = match self.send(Request::Hover { source, cursor: end + prefix, reply: tx }) {
            Some(wait) => rx
                .recv_timeout(wait)
                .ok()
                .flatten()
                .filter(|(plain, _)| !plain.trim().is_empty() && plain != "No documentation found"),
            None => None,
        };
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
}

/// Names of the kernel's and evcxr's own code, which rust-analyzer sees in the source it
/// is given (evcxr wraps it in functions of its own) and a student must never be offered.
fn is_internal(name: &str) -> bool {
    let bare = name.trim_start_matches(|c: char| !c.is_alphanumeric() && c != '_');
    ["evcxr_", "Evcxr", "EVCXR", "__ndplay", "__Ndplay", super::codegen::ENTRY].iter().any(|p| bare.starts_with(p))
}

/// The commands that start with the word at `cursor`, when it is a `:` word at the start
/// of a line among the cell's leading command lines (blank lines and commands above it).
fn commands(code: &str, cursor: usize) -> Option<Completions> {
    let line_start = code[..cursor].rfind('\n').map_or(0, |i| i + 1);
    let word = code[line_start..cursor].trim_start();
    let rest = word.strip_prefix(':')?;
    if !rest.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let above_are_commands = code[..line_start].lines().all(|l| l.trim().is_empty() || l.trim().starts_with(':'));
    if !above_are_commands {
        return None;
    }
    let matches: Vec<String> =
        super::commands::COMMANDS.iter().filter(|c| c.starts_with(word)).map(|c| c.to_string()).collect();
    let kinds = vec!["command".to_string(); matches.len()];
    Some(Completions { matches, start: cursor - word.len(), end: identifier_end(code, cursor), kinds })
}

/// The source rust-analyzer is asked about, and the length of what precedes the student's
/// text in it.
fn synthetic(state: &State, code: &str) -> (usize, String) {
    let mut source = String::from("use ndplay::prelude::*;\nuse ndplay::cell::names::*;\n");
    for item in state.items() {
        source.push_str(item.text.trim());
        source.push('\n');
    }
    for (name, v) in state.variables() {
        let m = if v.mutable { "mut " } else { "" };
        source.push_str(&format!("let {m}{name}: {} = unimplemented!();\n", v.ty));
    }
    let prefix = source.len();
    source.push_str(code);
    (prefix, source)
}

/// Completion without rust-analyzer: the session's variables and items, and those the text
/// itself defines, that start with the word before the cursor.
fn from_names(code: &str, cursor: usize, names: &[String]) -> Completions {
    let start = identifier_start(code, cursor);
    let prefix = &code[start..cursor];
    let parts = crate::syntax::cell::parts(code);
    let own = parts.bindings.into_iter().map(|b| b.name).chain(parts.items.into_iter().map(|i| i.key));
    let mut matches: Vec<String> =
        names.iter().cloned().chain(own).filter(|n| n.starts_with(prefix) && n.as_str() != prefix).collect();
    matches.sort();
    matches.dedup();
    Completions { matches, start, end: cursor, kinds: Vec::new() }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The analysis thread: evcxr's context in `dir`, with the prelude as a dependency.
fn serve(dir: &std::path::Path, prelude: &std::path::Path, requests: Receiver<Request>) {
    let ctx = start_evcxr(dir, prelude);
    if let Err(e) = &ctx {
        crate::log::log(&format!("completion and inspection work by name only: rust-analyzer did not start: {e:#}"));
    }
    for request in requests {
        match (request, &ctx) {
            (Request::Complete { source, cursor, reply }, Ok(ctx)) => {
                let mut ctx = ctx.lock().unwrap_or_else(|e| e.into_inner());
                let found = ctx.completions(&source, cursor).ok().map(|c| {
                    let mut matches: Vec<String> = Vec::new();
                    let mut kinds = Vec::new();
                    for item in c.completions {
                        if !matches.contains(&item.code) {
                            matches.push(item.code);
                            kinds.push(item.kind.to_string());
                        }
                    }
                    Completions { matches, start: c.start_offset, end: c.end_offset, kinds }
                });
                let _ = reply.send(found);
            }
            (Request::Hover { source, cursor, reply }, Ok(ctx)) => {
                let mut ctx = ctx.lock().unwrap_or_else(|e| e.into_inner());
                let _ = reply.send(ctx.hover_at(&source, cursor).ok());
            }
            (Request::Complete { reply, .. }, Err(_)) => drop(reply.send(None)),
            (Request::Hover { reply, .. }, Err(_)) => drop(reply.send(None)),
        }
    }
}

fn start_evcxr(
    dir: &std::path::Path,
    prelude: &std::path::Path,
) -> anyhow::Result<std::sync::Mutex<evcxr::CommandContext>> {
    std::fs::create_dir_all(dir)?;
    // evcxr builds in `<dir>/target`: not the cells' target directory, because its cargo
    // resolves the lock file anew for its own crate (so versions of unpinned dependencies
    // may differ), and two builds of the prelude into one target directory would overwrite
    // each other's `libndplay.so`. One target directory beside the slots serves the
    // analysis of every slot: its first build compiles the dependencies once (`ndplay
    // install` does it, see `Analysis::warm`), and later kernels find them built.
    let shared = dir.parent().and_then(|slot| slot.parent()).map(|sessions| sessions.join("analysis-target"));
    let target = dir.join("target");
    if let Some(shared) = shared {
        std::fs::create_dir_all(&shared)?;
        if std::fs::symlink_metadata(&target).is_err() {
            std::os::unix::fs::symlink(&shared, &target)?;
        }
    }
    std::fs::write(dir.join("Cargo.lock"), super::prelude::CARGO_LOCK)?;
    // evcxr's context takes its crate directory from this variable; it reads it only now.
    std::env::set_var("EVCXR_TMPDIR", dir);
    let (eval, outputs) = evcxr::EvalContext::new().map_err(|e| anyhow::anyhow!("{e}"))?;
    // Its child process prints nothing anyone reads; drain it so it never blocks.
    std::thread::spawn(move || while outputs.stdout.recv().is_ok() {});
    let mut ctx = evcxr::CommandContext::with_eval_context(eval);
    ctx.execute(&format!(":dep ndplay = {}", super::setup::prelude_dependency(prelude)))
        .map_err(|e| anyhow::anyhow!("adding the prelude: {e}"))?;
    // The first question makes rust-analyzer load the crate graph.
    let _ = ctx.completions("let __ndplay_a = array![1.0];\n__ndplay_a.", 41);
    Ok(std::sync::Mutex::new(ctx))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rust::state::Variable;

    #[test]
    fn the_synthetic_source_declares_the_variables() {
        let mut state = State::default();
        state.set_variable("a", Variable { ty: "Vec<f64>".into(), mutable: true });
        let (prefix, source) = synthetic(&state, "a.");
        assert!(source.contains("let mut a: Vec<f64> = unimplemented!();\n"));
        assert_eq!(&source[prefix..], "a.");
    }

    #[test]
    fn commands_complete_at_a_colon_that_starts_a_command_line() {
        let c = commands(":v", 2).unwrap();
        assert_eq!(
            (c.matches, c.start, c.end, c.kinds),
            (vec![":vars".to_string()], 0, 2, vec!["command".to_string()])
        );
        assert_eq!(commands(":dep a = \"1\"\n:", 14).unwrap().matches.len(), super::super::commands::COMMANDS.len());
        assert!(commands("let x = 1;\n:v", 13).is_none(), "below Rust code, `:` is Rust's");
        assert!(commands("a::b", 2).is_none());
        assert!(commands("let t = :v", 10).is_none());
    }

    #[test]
    fn the_kernels_own_names_are_internal() {
        for name in
            ["evcxr_analysis_wrapper()", "evcxr_variable_store", "EvcxrUserCodeError", "__ndplay_try(…)", "ndplay_cell"]
        {
            assert!(is_internal(name), "{name}");
        }
        assert!(!is_internal("evaluate") && !is_internal("ndplay") && !is_internal("array!"));
    }

    #[test]
    fn names_complete_without_rust_analyzer() {
        let c = from_names("let x = wei", 11, &["weights".into(), "bias".into(), "weight_decay".into()]);
        assert_eq!((c.matches, c.start, c.end), (vec!["weight_decay".to_string(), "weights".to_string()], 8, 11));
        let code = "let ndplay_test_value = 1;\nndplay_test_va";
        assert_eq!(from_names(code, code.len(), &[]).matches, ["ndplay_test_value"]);
    }
}
