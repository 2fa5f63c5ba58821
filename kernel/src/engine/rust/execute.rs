//! Running one cell from its text to its outcome: plan, compile (again, with the plan
//! changed, when the kernel's own lines around the cell were wrong about a variable: it
//! moved, it borrows, its type cannot be written), run, and commit what it defined.

use std::sync::Arc;

use jupyter_protocol::{DisplayData, Media};

use super::build::compiler::Failure;
use super::cell::codegen::{CellSource, Plan, PutBack, SourceMap, SHOW_AFTER, SHOW_BEFORE};
use super::cell::plan::{fix_plan, nameable, probed_types, Fix};
use super::cell::rewrite::CellText;
use super::cell::state::{Absent, KeptItem, Variable};
use super::cell::{codegen, plan, rewrite};
use super::output::CellEnd;
use super::process::kernel_side::RunEnd;
use super::report::diagnostic::Diagnostic;
use super::report::shape::{broadcast_advice, is_shape_panic};
use super::report::{child_died, compile_error, panic_error, shape_error};
use crate::core::engine::{CellError, Discard, NoAnswer, Outcome, Output, OutputSink};
use crate::syntax::cell::parts;

use super::{interaction, report, Prepared, RustEngine, HIDDEN_PREFIX, MAX_COMPILES};

/// Whether each cell's timing goes to the kernel's log (`NDPLAY_TIMING=1`).
fn timing_wanted() -> bool {
    matches!(std::env::var("NDPLAY_TIMING").as_deref(), Ok("1") | Ok("true") | Ok("yes"))
}

impl RustEngine {
    /// Compiles and runs one cell, and commits what it defined if it succeeded; when it
    /// failed, notes the names it bound as not kept, for a later cell that uses one.
    pub(super) fn execute_cell(&mut self, code: &str, sink: Arc<dyn OutputSink>) -> Outcome {
        let cell = prepare(code);
        let before = self.variable_names();
        let outcome = self.compile_and_run(&cell, &before, sink);
        // A cell that worked said what became of its names at its commit. Of a failed
        // one's, a name that was a variable before the cell is kept or, if the cell took it
        // or the process died, already noted.
        if let Outcome::Error(_) = &outcome {
            for binding in &cell.parts.bindings {
                if !binding.name.starts_with(HIDDEN_PREFIX) && !before.contains(&binding.name) {
                    self.state.note_failed(&binding.name);
                }
            }
        }
        outcome
    }

    fn compile_and_run(&mut self, cell: &Prepared, before: &[String], sink: Arc<dyn OutputSink>) -> Outcome {
        let started = std::time::Instant::now();
        self.killer.clear_interrupt();
        let mut notes = Vec::new();
        let mut plan = plan::first_plan(&mut self.state, cell, &mut notes);
        let mut compiled = None;
        let mut compiles = 0;
        for _ in 0..MAX_COMPILES {
            compiles += 1;
            let generated = codegen::generate(
                &self.state,
                &CellSource {
                    typed: &cell.typed,
                    items: &cell.parts.items,
                    code: &cell.text.code,
                    fallible: !cell.parts.tries.is_empty() || cell.parts.tries_in_macros,
                },
                &plan,
            );
            match self.compiler.compile(&generated.source) {
                Ok(library) => {
                    compiled = Some((library, generated.map));
                    break;
                }
                Err(Failure::Interrupted) => return Outcome::Error(report::interrupted_while_compiling()),
                Err(Failure::Other(text)) => return Outcome::Error(report::compiler_failed(&text)),
                Err(Failure::Errors(errors)) => {
                    // A stored variable's type named by its last segment only: write its path.
                    let unresolved = plan::unresolved_types(&errors, &generated.map);
                    let mut qualified = false;
                    for (name, path) in &unresolved {
                        qualified |= self.state.qualify_type(name, path);
                    }
                    if qualified {
                        continue;
                    }
                    match fix_plan(&mut plan, &errors, &generated.map) {
                        Fix::Retry(note) => notes.extend(note),
                        Fix::Report => return Outcome::Error(self.report_errors(cell, &errors, &generated.map)),
                    }
                }
            }
        }
        let Some((library, map)) = compiled else {
            return Outcome::Error(report::compiler_failed(
                "the kernel could not write code around this cell that compiles",
            ));
        };
        let types = probed_types(&library.warnings, &map);
        let compiled_at = started.elapsed();
        self.forwarder.attach(sink.clone());
        let mut ask = interaction::asker(sink.clone(), self.killer.clone());
        let ran = self.runner.run(&library.path, codegen::ENTRY, &mut ask);
        let ran_at = started.elapsed();
        let end = self.forwarder.fence(matches!(ran, Ok(RunEnd::Done)));
        if timing_wanted() {
            crate::log!(
                "cell timing: {compiles} compile(s){} {:.0} ms, run {:.0} ms, output {:.0} ms",
                if library.cached { " (cached)" } else { "" },
                compiled_at.as_secs_f64() * 1e3,
                (ran_at - compiled_at).as_secs_f64() * 1e3,
                (started.elapsed() - ran_at).as_secs_f64() * 1e3
            );
        }
        let outcome = match ran {
            Err(e) => {
                crate::log!("the cell has no end to report: {e}");
                Outcome::Error(report::internal_error(&e.to_string()))
            }
            Ok(RunEnd::Died { resumed: true, .. }) if self.runner_refused_stdin() => {
                let reason = self.refused_reason.take().unwrap_or(NoAnswer::NotAllowed);
                Outcome::Error(interaction::stdin_refused(reason))
            }
            Ok(RunEnd::Died { exit, resumed }) => {
                let interrupted = self.killer.take_interrupt();
                if !resumed {
                    self.lose_variables();
                }
                let undone: Vec<String> = before
                    .iter()
                    .filter(|v| {
                        let p = &cell.parts;
                        p.assigned.contains(v) || p.changed.contains(v) || p.bindings.iter().any(|b| &b.name == *v)
                    })
                    .cloned()
                    .collect();
                let how = exit.to_string();
                Outcome::Error(child_died(&report::Death {
                    how: &how,
                    interrupted,
                    crash: end.crash,
                    variables: before,
                    resumed,
                    undone: if resumed { &undone[..] } else { &[] },
                }))
            }
            Ok(RunEnd::DiedBefore { exit }) => {
                self.lose_variables();
                Outcome::Error(report::died_between_cells(&exit.to_string(), before))
            }
            Ok(RunEnd::Done) => self.finish(cell, &plan, types, end, &sink, notes),
        };
        outcome
    }

    /// After a cell ran to its end: its panic or its result, and the state it leaves.
    fn finish(
        &mut self,
        cell: &Prepared,
        plan: &Plan,
        types: Vec<(String, String)>,
        end: CellEnd,
        sink: &Arc<dyn OutputSink>,
        notes: Vec<String>,
    ) -> Outcome {
        if let Some(why) = end.load_failed {
            return Outcome::Error(report::internal_error(&format!("the cell's library could not be run: {why}")));
        }
        // The value shown must be this cell's: a result of another run is never passed off
        // as it (the process that runs cells numbers each result with its run).
        let seq = self.runner.seq();
        let result = match end.result {
            Some((shown, _)) if shown != seq => {
                crate::log!("a result of run {shown} arrived for run {seq}");
                return Outcome::Error(report::internal_error(&format!(
                    "the value that came back belongs to run {shown}, not to this cell (run {seq})"
                )));
            }
            result => result.map(|(_, media)| media),
        };
        if !end.unloadable.is_empty() {
            for name in &end.unloadable {
                self.state.remove_variable(name);
            }
            return Outcome::Error(report::unloadable(&end.unloadable));
        }
        // Variables the cell's code took by value are in the store only if it ran to its
        // end; moved ones are gone either way. A later cell that names one is told why it
        // is gone, and a failed cell's report says which it took.
        let failed = end.panic.is_some();
        let mut taken = Vec::new();
        for (name, put) in &plan.loads {
            if *put == PutBack::Never || (*put == PutBack::Inside && failed) {
                self.state.remove_variable(name);
                if !name.starts_with(HIDDEN_PREFIX) {
                    // One the cell binds anew and keeps is a variable again at its commit.
                    self.state.note_gone(name, if failed { Absent::TakenByFailedCell } else { Absent::Moved });
                    taken.push(name.clone());
                }
            }
        }
        if let Some(p) = end.panic {
            if let Some(advice) = self.panic_advice(&cell.text.code, &p.message) {
                return Outcome::Error(panic_error(&p, Some(&advice), &taken));
            }
            if is_shape_panic(&p.message) {
                let explained = self.explain_shape_panic(&cell.text.code);
                return match explained {
                    Some((summary, picture)) => {
                        sink.emit(Output::Display(DisplayData::new(picture)));
                        Outcome::Error(shape_error(&summary, &taken))
                    }
                    None => {
                        let made_here: Vec<String> = cell.parts.bindings.iter().map(|b| b.name.clone()).collect();
                        Outcome::Error(panic_error(&p, Some(&broadcast_advice(&cell.text.code, &made_here)), &taken))
                    }
                };
            }
            return Outcome::Error(panic_error(&p, None, &taken));
        }
        self.commit(cell, plan, types, sink, notes);
        Outcome::Ok { result }
    }

    /// Keeps what a cell that ran well defined: its items, and its new variables with their
    /// types.
    fn commit(
        &mut self,
        cell: &Prepared,
        plan: &Plan,
        types: Vec<(String, String)>,
        sink: &Arc<dyn OutputSink>,
        mut notes: Vec<String>,
    ) {
        for name in &plan.forget {
            self.state.remove_variable(name);
        }
        for item in &cell.parts.items {
            let before = &cell.typed[..item.start];
            let column = before.rsplit('\n').next().unwrap_or("").chars().count();
            let text = format!("{}{}", " ".repeat(column), &cell.typed[item.start..item.end]);
            self.state.keep_item(KeptItem { kind: item.kind, key: item.key.clone(), text });
        }
        for binding in &cell.parts.bindings {
            // Bound again by a cell that worked: kept (a variable), moved by the cell itself
            // (noted here), or not kept for a reason its own note gives.
            self.state.forget_absent(&binding.name);
            if !plan.stores.contains(&binding.name) {
                if plan.moved.contains(&binding.name) && !binding.name.starts_with(HIDDEN_PREFIX) {
                    self.state.note_gone(&binding.name, Absent::Moved);
                }
                continue;
            }
            let ty =
                binding.ty.clone().or_else(|| types.iter().find(|(n, _)| *n == binding.name).map(|(_, t)| t.clone()));
            match ty {
                Some(ty) if nameable(&ty) => {
                    self.state.set_variable(&binding.name, Variable { ty, mutable: binding.mutable });
                }
                Some(ty) => {
                    // Stored already, but no later cell could name its type to take it out.
                    self.state.remove_variable(&binding.name);
                    self.pending_forget(&binding.name);
                    if !binding.name.starts_with(HIDDEN_PREFIX) {
                        notes.push(report::not_kept_unnameable(&binding.name, &ty));
                    }
                }
                None => {
                    self.state.remove_variable(&binding.name);
                    self.pending_forget(&binding.name);
                }
            }
        }
        for note in notes {
            sink.emit(Output::stderr(&format!("{note}\n")));
        }
    }

    /// Makes the next cell drop a value from the store.
    fn pending_forget(&mut self, name: &str) {
        self.state.forget_later(name);
    }

    /// A report of the student's own compile errors (those in the cell, or in an item of an
    /// earlier cell), pointing into the cell as typed.
    fn report_errors(&self, cell: &Prepared, errors: &[serde_json::Value], map: &SourceMap) -> CellError {
        let diagnostics: Vec<Diagnostic> = errors.iter().filter_map(|e| Diagnostic::from_rustc(e, map)).collect();
        compile_error(&cell.typed, &cell.text, &diagnostics, &|name| self.state.absent(name))
    }

    /// Runs a cell of the kernel's own, whose output is not shown and whose variables are
    /// not kept; its final value.
    pub(super) fn run_hidden(&mut self, code: &str) -> Option<Media> {
        let saved = self.state.clone();
        let outcome = self.execute_cell(code, Arc::new(Discard));
        self.state = saved;
        match outcome {
            Outcome::Ok { result } => result,
            Outcome::Error(_) => None,
        }
    }
}

/// A cell's parts, and its text as compiled: items blanked out (they are compiled at the
/// crate's top level), the final expression wrapped in what shows it.
fn prepare(code: &str) -> Prepared {
    let parts = parts(code);
    let mut blanked = code.to_string();
    for item in &parts.items {
        // A space per byte keeps every later offset where it was.
        let spaces: String = code[item.start..item.end].bytes().map(|b| if b == b'\n' { '\n' } else { ' ' }).collect();
        blanked.replace_range(item.start..item.end, &spaces);
    }
    let text = CellText::new(&blanked).insert(&rewrite::cell_edits(&parts, (SHOW_BEFORE, SHOW_AFTER)));
    Prepared { typed: code.to_string(), parts, text }
}
