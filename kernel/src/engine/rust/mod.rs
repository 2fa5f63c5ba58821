//! The real engine: each cell is compiled by rustc into a shared library that links the
//! ndplay prelude, and run in a child process that keeps the session's variables.
//!
//! This directory is the only home of that child process and of everything around it:
//! - [`setup`]: the prelude unpacked from the binary ([`prelude`]), a private build
//!   directory per kernel ([`slot`]), how cells and dependencies are compiled;
//! - [`compiler`]: cargo once for the dependencies, rustc directly for every cell;
//!   [`cell_cache`]: what rustc made of a cell before, loaded instead of compiled again;
//! - [`codegen`]: a cell as the source of a library, with a map back to the cell; what the
//!   session keeps between cells is in [`state`]; which variables a cell takes, keeps and
//!   probes, and how that changes after rustc disagreed, in [`plan`];
//! - [`runner`] (the kernel's side) and [`runtime`] (inside the child): the process that
//!   runs cells, and its snapshot from before each cell; [`child`]: its limits and signals;
//!   [`host`]: all the runner asks of the system, behind a trait its unit tests script;
//!   [`process`]: waiting for it, reaping it, and what `/proc` says of it; [`events`]: its stdout
//!   read into events and text; [`channel`]: the line format it speaks (the prelude's file
//!   `src/channel.rs`, compiled here too, so both sides share one definition);
//! - [`output`]: the child's stdout and stderr turned into outputs;
//! - [`interaction`]: widget events from the browser, and input from the student;
//! - [`report`]: errors a student can read, from plain [`diagnostic`]s, in [`array_terms`],
//!   with the mistakes of a student from NumPy said in [`mistakes`];
//! - [`shape`]: shape-mismatch panics explained with a picture, and the other panics of
//!   array code (a reshape, an index, an empty `mean()`) by what they are;
//! - [`restore`]: `:restore`, which replays the cells whose variables were lost;
//! - [`commands`]: the other `:` commands;
//! - [`analysis`]: completion and inspection, from the [`completion_index`] built at
//!   install, else through evcxr's rust-analyzer in a process of its own ([`analysis_server`]).
//!
//! This file holds the engine itself: starting it, and running a cell from its text to its
//! outcome, compiling again (with the [`plan`] changed) when the kernel's own code around the cell was wrong
//! about a variable (it moved, it borrows, its type cannot be written).

pub mod analysis;
pub mod analysis_server;
pub mod array_terms;
pub mod cell_cache;
#[path = "../../../../src/channel.rs"]
pub mod channel;
pub mod child;
pub mod codegen;
pub mod commands;
pub mod compiler;
pub mod completion_index;
pub mod diagnostic;
pub mod events;
pub mod host;
pub mod interaction;
pub mod mistakes;
pub mod output;
pub mod plan;
pub mod prelude;
pub mod process;
pub mod report;
pub mod restore;
pub mod rewrite;
pub mod runner;
pub mod runtime;
pub mod setup;
pub mod shape;
pub mod shared;
pub mod slot;
pub mod state;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use jupyter_protocol::{DisplayData, Media};

use crate::core::engine::{
    CellError, CommEvent, Completions, Discard, Engine, Interrupter, NoAnswer, Outcome, Output, OutputSink,
};
use crate::syntax::cell::{parts, Parts};
use analysis::Analysis;
use child::ChildKiller;
use codegen::{CellSource, Plan, PutBack, SourceMap, SHOW_AFTER, SHOW_BEFORE};
use compiler::{Compiler, Failure};
use diagnostic::Diagnostic;
use output::{CellEnd, Forwarder};
use plan::{fix_plan, nameable, probed_types, Fix};
use report::{child_died, compile_error, panic_error, shape_error};
use restore::{ReplayLog, RESTORE_COMMAND};
use rewrite::CellText;
use runner::{RunEnd, Runner};
use shape::{is_shape_panic, ASK_EXPLAIN_BROADCAST};
use slot::BuildSlot;
use state::{KeptItem, State, Variable};

/// Variables whose names start with this are the kernel's own; they are hidden from the
/// student (completions, lost-variable lists).
const HIDDEN_PREFIX: &str = "__ndplay";

/// Most compiles of one cell: the first, and retries after the kernel's own code around it
/// was wrong about a variable.
const MAX_COMPILES: usize = 5;

/// Compiled at start, so that the first cell a student runs finds the compiler, the
/// prelude and the child process warm.
const WARMUP_CELL: &str = "let __ndplay_warmup = array![[1.0, 2.0], [3.0, 4.0]];\n__ndplay_warmup.sum()";

/// Whether each cell's timing goes to the kernel's log (`NDPLAY_TIMING=1`).
fn timing_wanted() -> bool {
    matches!(std::env::var("NDPLAY_TIMING").as_deref(), Ok("1") | Ok("true") | Ok("yes"))
}

/// Whether cells get a snapshot (`NDPLAY_SNAPSHOTS=0` turns them off, e.g. to measure them).
fn snapshots_wanted() -> bool {
    !matches!(std::env::var("NDPLAY_SNAPSHOTS").as_deref(), Ok("0") | Ok("false") | Ok("no"))
}

pub struct RustEngine {
    state: State,
    compiler: Compiler,
    runner: Runner,
    forwarder: Forwarder,
    killer: Arc<ChildKiller>,
    slot: BuildSlot,
    prelude: PathBuf,
    rustc: PathBuf,
    /// Dependencies added with `:dep`: (name, TOML spec).
    deps: Vec<(String, String)>,
    replay: ReplayLog,
    /// Set when the process that runs cells died with no snapshot to take over.
    lost_variables: bool,
    analysis: Analysis,
    /// Why the last cell was stopped for reading standard input no one could answer.
    refused_reason: Option<NoAnswer>,
}

/// What one compile of a cell needs to know of the cell.
struct Prepared {
    typed: String,
    parts: Parts,
    text: CellText,
}

impl RustEngine {
    /// Starts the engine: the build directory, the dependencies (built once, from cache
    /// after `ndplay install`), the process that runs cells, and a first cell.
    pub fn start(progress: &dyn Fn(&str)) -> Result<RustEngine> {
        let setup::Prepared { slot, prelude, rustc, target, shared } = setup::prepare(progress)?;
        setup::write_manifest(&slot.dir, &prelude, &[])?;
        let killer = Arc::new(ChildKiller::default());
        let compiler = if let Some(shared) = &shared {
            // Built once for every user: no cargo, the recorded command replayed (`shared`).
            Compiler::from_shared(&slot.dir, &shared.manifest.slot, &shared.root, &rustc, &target, killer.clone())?
        } else {
            progress("building the cell crate's dependencies (cached after the first time)");
            let compiler = Compiler::prepare(&slot.dir, &rustc, &target, killer.clone())?;
            slot.mark_warm();
            compiler
        };
        let (stdout_tx, stdout_rx) = crossbeam_channel::unbounded();
        let (stderr_tx, stderr_rx) = crossbeam_channel::unbounded();
        let forwarder = Forwarder::start(stdout_rx, stderr_rx);
        let exe = std::env::current_exe().context("locating the ndplay binary")?;
        progress("starting the process that runs cells");
        let runner = Runner::start(&exe, snapshots_wanted(), killer.clone(), stdout_tx, stderr_tx)?;
        let mut engine = RustEngine {
            state: State::default(),
            compiler,
            runner,
            forwarder,
            killer,
            slot,
            prelude,
            rustc,
            deps: Vec::new(),
            replay: ReplayLog::default(),
            lost_variables: false,
            analysis: Analysis::default(),
            refused_reason: None,
        };
        engine.analysis = Analysis::new(engine.slot.dir.join("analysis"), engine.prelude.clone());
        progress("compiling a first cell");
        if let Outcome::Error(e) = engine.execute_cell(WARMUP_CELL, Arc::new(Discard)) {
            anyhow::bail!("the first cell failed: {}\n{}", e.evalue, e.traceback.join("\n"));
        }
        engine.state.remove_variable("__ndplay_warmup");
        Ok(engine)
    }

    /// Moves the kernel and the child that runs cells into `dir`: a spare engine was
    /// started elsewhere, and cells must read files beside the notebook that adopted it.
    pub fn change_directory(&mut self, dir: &Path) -> Result<()> {
        std::env::set_current_dir(dir).with_context(|| format!("entering {}", dir.display()))?;
        // Children started from now on inherit the directory; the running one is told
        // through its FIFO, and the move is checked in /proc before a cell can run.
        let dir = std::fs::canonicalize(dir)?;
        if child::tell_directory(self.killer.pid(), &dir) {
            return Ok(());
        }
        // The child did not follow (no FIFO reader): a hidden cell moves it.
        let code = format!("std::env::set_current_dir({:?}).unwrap();", dir.display().to_string());
        match self.execute_cell(&code, Arc::new(Discard)) {
            Outcome::Ok { .. } => Ok(()),
            Outcome::Error(e) => anyhow::bail!("moving the cells' process to {}: {}", dir.display(), e.evalue),
        }
    }

    /// The build directory this engine compiles in (what `ndplay install --shared-cache`
    /// publishes).
    pub fn slot_dir(&self) -> &Path {
        &self.slot.dir
    }

    /// The unpacked prelude crate this engine's cells depend on.
    pub fn prelude_dir(&self) -> &Path {
        &self.prelude
    }

    /// Builds the completion index with rust-analyzer's process (see [`Analysis::warm`]).
    pub fn warm_analysis(&mut self, timeout: std::time::Duration) -> bool {
        self.analysis.warm(timeout)
    }

    /// The student's variables, sorted (the kernel's own are hidden).
    fn variable_names(&self) -> Vec<String> {
        self.state.variable_names().into_iter().filter(|n| !n.starts_with(HIDDEN_PREFIX)).collect()
    }

    /// Compiles the cell crate's dependencies again (after `:dep`).
    fn rebuild_dependencies(&mut self) -> Result<()> {
        setup::write_manifest(&self.slot.dir, &self.prelude, &self.deps)?;
        let target = self.compiler.target.clone();
        self.compiler = Compiler::prepare(&self.slot.dir, &self.rustc, &target, self.killer.clone())?;
        Ok(())
    }
}

impl Drop for RustEngine {
    fn drop(&mut self) {
        self.runner.shutdown();
    }
}

impl Engine for RustEngine {
    fn execute(&mut self, code: &str, sink: Arc<dyn OutputSink>) -> Outcome {
        if code.trim() == RESTORE_COMMAND {
            return self.restore(sink);
        }
        let code = match self.command(code, sink.clone()) {
            commands::Parsed::Done(outcome) => return outcome,
            commands::Parsed::Code(code) => code,
        };
        let outcome = self.execute_cell(&code, sink);
        match &outcome {
            Outcome::Ok { .. } => self.replay.record(&code),
            Outcome::Error(_) if std::mem::take(&mut self.lost_variables) => self.replay.child_lost(),
            Outcome::Error(_) => {}
        }
        outcome
    }

    fn complete(&mut self, code: &str, cursor: usize) -> Completions {
        let names: Vec<String> =
            self.variable_names().into_iter().chain(self.state.item_names().map(str::to_string)).collect();
        self.analysis.complete(&self.state, code, cursor, &names)
    }

    fn inspect(&mut self, code: &str, cursor: usize) -> Option<Media> {
        self.analysis.inspect(&self.state, code, cursor)
    }

    fn interrupter(&self) -> Arc<dyn Interrupter> {
        self.killer.clone()
    }

    fn shutdown(&mut self) {
        self.runner.shutdown();
    }

    fn comm(&mut self, comm_id: &str, event: CommEvent<'_>, route: &str, sink: Arc<dyn OutputSink>) -> Option<Outcome> {
        let outcome = self.widget_event(comm_id, event, route, sink);
        if std::mem::take(&mut self.lost_variables) {
            self.replay.child_lost();
        }
        Some(outcome)
    }

    fn generation(&self) -> u64 {
        self.runner.generation()
    }
}

impl RustEngine {
    /// Whether the runner stopped the last cell for reading standard input (its reason is
    /// then in `refused_reason`).
    fn runner_refused_stdin(&mut self) -> bool {
        self.refused_reason = self.runner.take_refused();
        self.refused_reason.is_some()
    }

    /// The process that runs cells started afresh: every variable is gone.
    fn lose_variables(&mut self) {
        self.state.clear_variables();
        self.lost_variables = true;
    }
}

impl RustEngine {
    /// Compiles and runs one cell, and commits what it defined if it succeeded.
    fn execute_cell(&mut self, code: &str, sink: Arc<dyn OutputSink>) -> Outcome {
        let started = std::time::Instant::now();
        self.killer.clear_interrupt();
        let cell = prepare(code);
        let before = self.variable_names();
        let mut notes = Vec::new();
        let mut plan = self.plan(&cell, &mut notes);
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
                        Fix::Report => return Outcome::Error(self.report_errors(&cell, &errors, &generated.map)),
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
                    variables: &before,
                    resumed,
                    undone: if resumed { &undone[..] } else { &[] },
                }))
            }
            Ok(RunEnd::DiedBefore { exit }) => {
                self.lose_variables();
                Outcome::Error(report::died_between_cells(&exit.to_string(), &before))
            }
            Ok(RunEnd::Done) => self.finish(&cell, &plan, types, end, &sink, notes),
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
        // end; moved ones are gone either way.
        for (name, put) in &plan.loads {
            if *put == PutBack::Never || (*put == PutBack::Inside && end.panic.is_some()) {
                self.state.remove_variable(name);
            }
        }
        if let Some(p) = end.panic {
            if let Some(advice) = self.panic_advice(&cell.text.code, &p.message) {
                return Outcome::Error(panic_error(&p, Some(&advice)));
            }
            if is_shape_panic(&p.message) {
                let explained = self.explain_shape_panic(&cell.text.code);
                return match explained {
                    Some((summary, picture)) => {
                        sink.emit(Output::Display(DisplayData::new(picture)));
                        Outcome::Error(shape_error(&summary))
                    }
                    None => Outcome::Error(panic_error(&p, Some(ASK_EXPLAIN_BROADCAST))),
                };
            }
            return Outcome::Error(panic_error(&p, None));
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
            if !plan.stores.contains(&binding.name) {
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
        compile_error(&cell.typed, &cell.text, &diagnostics)
    }

    /// Runs a cell of the kernel's own, whose output is not shown and whose variables are
    /// not kept; its final value.
    fn run_hidden(&mut self, code: &str) -> Option<Media> {
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
