//! The real engine: evcxr compiles each cell into a shared library and runs it in a child
//! process, with the ndplay prelude as a dependency and `use ndplay::prelude::*;` in scope.
//!
//! This directory is the only home of that child process and of everything the kernel adds
//! to evcxr:
//! - [`setup`]: the prelude unpacked from the binary ([`prelude`]), a private build
//!   directory per kernel ([`slot`]), dependencies built optimised while cells build fast;
//! - [`child`]: the child process from both sides (memory cap, SIGINT, working-directory
//!   FIFO, the kill switch for interrupts, the panic hook);
//! - [`output`]: the child's stdout and stderr turned into outputs, with our own display
//!   channel beside evcxr's final-value one;
//! - [`rewrite`]: what the kernel inserts into a cell, and positions taken back to the
//!   text the student typed;
//! - [`report`]: errors a student can read, from plain [`diagnostic`]s, with types in
//!   [`array_terms`];
//! - [`shape`]: shape-mismatch panics explained with a picture;
//! - [`restore`]: `:restore`, which replays the cells whose variables were lost.
//!
//! This file holds the engine itself: starting it, and the [`Engine`] methods.

pub mod array_terms;
pub mod child;
pub mod diagnostic;
pub mod output;
pub mod prelude;
pub mod report;
pub mod restore;
pub mod rewrite;
pub mod setup;
pub mod shape;
pub mod slot;

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use evcxr::{CommandContext, EvalContext, EvalOutputs};
use jupyter_protocol::{DisplayData, Media, MediaType};

use crate::core::engine::{CellError, Completions, Engine, ErrorKind, Interrupter, Outcome, Output, OutputSink};
use crate::syntax::cell::{identifier_end, identifier_start};
use child::{panic_hook_code, ChildKiller};
use diagnostic::Diagnostic;
use output::Forwarder;
use report::{child_died, compile_error, panic_error, shape_error};
use restore::{ReplayLog, RESTORE_COMMAND};
use rewrite::{bind_moving_tail, retry_ambiguous_numeric, CellText, DEBUG_WRAPPER};
use shape::{is_shape_panic, ASK_EXPLAIN_BROADCAST};
use slot::BuildSlot;

/// Variables whose names start with this are the kernel's own; they are hidden from the
/// student (completions, lost-variable lists).
const HIDDEN_PREFIX: &str = "__ndplay";

/// See [`EvcxrEngine::start`]: makes rust-analyzer load ndarray's types.
const WARMUP_CELL: &str =
    "let __ndplay_warmup = array![[1.0, 2.0], [3.0, 4.0]];\nlet __ndplay_warmup_sum = __ndplay_warmup.sum();";

pub struct EvcxrEngine {
    ctx: CommandContext,
    forwarder: Forwarder,
    interrupter: Arc<ChildKiller>,
    slot: BuildSlot,
    replay: ReplayLog,
}

impl EvcxrEngine {
    /// Starts evcxr with the prelude loaded. This compiles (from cache after `ndplay
    /// install`), so it runs on the engine thread while the kernel already answers.
    pub fn start(progress: &dyn Fn(&str)) -> Result<EvcxrEngine> {
        let setup::Prepared { slot, prelude } = setup::prepare(progress)?;
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
        if child::tell_directory(self.interrupter.pid(), &dir) {
            return Ok(());
        }
        // The child did not follow (no FIFO reader): a hidden cell moves it, at the cost of
        // one compile.
        let code = format!("std::env::set_current_dir({:?}).unwrap();", dir.display().to_string());
        self.ctx.execute(&code).map_err(|e| anyhow::anyhow!("moving the cells' process to {}: {e}", dir.display()))?;
        Ok(())
    }

    fn record_pid(&self) {
        let pid = self.ctx.process_handle().lock().map(|c| c.id()).unwrap_or(0);
        self.interrupter.set_pid(pid);
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
            Outcome::Error(e) if e.kind.lost_the_process() => self.replay.child_lost(),
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

impl EvcxrEngine {
    fn execute_cell(&mut self, code: &str, sink: Arc<dyn OutputSink>) -> Outcome {
        self.interrupter.clear_interrupt();
        let before = self.variable_names();
        self.forwarder.attach(sink.clone());
        let typed = code;
        let mut cell = CellText::new(typed);
        if let Some(edits) = bind_moving_tail(typed) {
            cell = cell.insert(&edits);
        }
        let mut result = self.ctx.execute(&cell.code);
        if let Err(evcxr::Error::CompilationErrors(errors)) = &result {
            let errors: Vec<Diagnostic> = errors.iter().map(Diagnostic::from_evcxr).collect();
            if let Some(edits) = retry_ambiguous_numeric(&cell.code, &errors) {
                cell = cell.insert(&edits);
                result = self.ctx.execute(&cell.code);
            }
        }
        let end = self.forwarder.fence();
        let outcome = match result {
            Ok(outputs) => match end.panic {
                Some(p) if is_shape_panic(&p.message) => {
                    let explained = self.explain_shape_panic(&cell.code);
                    self.forwarder.attach(sink.clone());
                    match explained {
                        Some((summary, picture)) => {
                            sink.emit(Output::Display(DisplayData::new(picture)));
                            Outcome::Error(shape_error(&p, &summary))
                        }
                        None => Outcome::Error(panic_error(&p, Some(ASK_EXPLAIN_BROADCAST))),
                    }
                }
                Some(p) => Outcome::Error(panic_error(&p, None)),
                None => Outcome::Ok { result: final_value(outputs) },
            },
            Err(evcxr::Error::CompilationErrors(errors)) => {
                let errors: Vec<Diagnostic> = errors.iter().map(Diagnostic::from_evcxr).collect();
                Outcome::Error(compile_error(typed, &cell, &errors))
            }
            Err(evcxr::Error::SubprocessTerminated(how)) => {
                let interrupted = self.interrupter.take_interrupt();
                // evcxr has already started a fresh child; give it our panic hook again.
                let restored = self.run_setup_cell(false);
                let mut error = child_died(&how, interrupted, end.crash, &before);
                if let Err(e) = restored {
                    error.traceback.push(format!("(and restarting the Rust process failed: {e})"));
                }
                Outcome::Error(error)
            }
            Err(evcxr::Error::TypeRedefinedVariablesLost(vars)) => Outcome::Error(CellError::new(
                ErrorKind::VariablesLost,
                "VariablesLost",
                format!("redefining a type dropped the variables that used it: {}", vars.join(", ")),
                vec![format!(
                    "A type was redefined, so these variables (of the old type) were dropped: {}. Run the cells that create them again.",
                    vars.join(", ")
                )],
            )),
            Err(e) => Outcome::Error(CellError::new(
                ErrorKind::Other,
                "Error",
                e.to_string(),
                e.to_string().lines().map(str::to_string).collect(),
            )),
        };
        self.record_pid();
        outcome
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
