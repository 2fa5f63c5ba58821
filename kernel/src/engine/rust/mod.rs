//! The real engine: each cell is compiled by rustc into a shared library that links the
//! ndplay prelude, and run in a child process that keeps the session's variables.
//!
//! This directory is the only home of that child process and of everything around it, in
//! six folders and the engine's own files:
//! - [`build`]: the prelude, the build directories, the compiler, the compiled-cell cache;
//! - [`cell`]: a cell between its text and the compiler (what the kernel writes around it,
//!   and what the session keeps between cells);
//! - [`process`]: the process that runs cells, its snapshot from before each cell, from the
//!   kernel's side and from its own; [`channel`]: the line format it speaks (the prelude's
//!   file `src/channel.rs`, compiled here too, so both sides share one definition);
//! - [`output`]: the process's stdout and stderr turned into outputs;
//! - [`report`]: errors a student can read, with the mistakes of a student from NumPy;
//! - [`completion`]: Tab and Shift+Tab, from the index built at install, else through
//!   rust-analyzer in a process of its own;
//! - [`interaction`]: widget events from the browser, and input from the student;
//! - [`restore`]: `:restore`, which replays the cells whose variables were lost;
//! - [`commands`]: the other `:` commands.
//!
//! This file holds the engine itself: its state, starting it, and the `Engine` trait's
//! answers; `execute.rs` runs a cell from its text to its outcome.

pub mod build;
pub mod cell;
#[path = "../../../../src/channel.rs"]
pub mod channel;
pub mod commands;
pub mod completion;
mod execute;
pub mod interaction;
pub mod output;
pub mod process;
pub mod report;
pub mod restore;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use jupyter_protocol::Media;

use crate::core::engine::{CommEvent, Completions, Discard, Engine, Interrupter, NoAnswer, Outcome, OutputSink};
use crate::syntax::cell::Parts;
use build::compiler::Compiler;
use build::setup;
use build::slot::BuildSlot;
use cell::rewrite::CellText;
use cell::state::State;
use completion::analysis::Analysis;
use output::Forwarder;
use process::kernel_side::Runner;
use process::limits::{self, ChildKiller};
use restore::{ReplayLog, RESTORE_COMMAND};

/// Variables whose names start with this are the kernel's own; they are hidden from the
/// student (completions, lost-variable lists).
const HIDDEN_PREFIX: &str = "__ndplay";

/// Most compiles of one cell: the first, and retries after the kernel's own code around it
/// was wrong about a variable.
const MAX_COMPILES: usize = 5;

/// Compiled at start, so that the first cell a student runs finds the compiler, the
/// prelude and the child process warm.
const WARMUP_CELL: &str = "let __ndplay_warmup = array![[1.0, 2.0], [3.0, 4.0]];\n__ndplay_warmup.sum()";

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
        if limits::tell_directory(self.killer.pid(), &dir) {
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
