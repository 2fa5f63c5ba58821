//! The one interface between the protocol core and whatever evaluates code.
//!
//! An engine never touches a socket or a message header: it runs code and reports what
//! happened as plain data. The core owns every protocol invariant (busy/idle, parents,
//! execution counts, history, aborting). That is what lets the protocol be tested against
//! [`crate::engine::mock::MockEngine`] without a compiler.

use std::sync::Arc;

use jupyter_protocol::{JupyterMessageContent, Media};

/// What a cell sends while it runs, in the order it happened: stream text, displays,
/// display updates and clears. Always one of `StreamContent`, `DisplayData`,
/// `UpdateDisplayData` or `ClearOutput`.
pub type Output = JupyterMessageContent;

/// Where an engine sends a running cell's outputs.
pub trait OutputSink: Send + Sync {
    fn emit(&self, output: Output);
}

/// A failed cell: the user's compile error, panic or crash, as Jupyter shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct CellError {
    /// A short name: a rustc error code (`E0308`), `panic`, `Interrupted`, `KernelCrash`…
    pub ename: String,
    /// One line that says what happened.
    pub evalue: String,
    /// The full report, one entry per line (ANSI colours allowed).
    pub traceback: Vec<String>,
}

/// How a cell ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// It ran; `result` is the mime bundle of its final expression, if it had one.
    Ok {
        result: Option<Media>,
    },
    Error(CellError),
}

/// Completion candidates, with the span of the cell (in bytes) that they replace.
#[derive(Debug, Clone, Default)]
pub struct Completions {
    pub matches: Vec<String>,
    pub start: usize,
    pub end: usize,
}

/// Stops the running cell. Called from the control channel, while the engine is busy on
/// its own thread, so it must only touch shared, thread-safe state.
pub trait Interrupter: Send + Sync {
    fn interrupt(&self);
    /// Stops everything for good (the kernel is shutting down): child processes included.
    fn shutdown(&self) {}
}

/// Evaluates code. All methods but [`Engine::interrupter`] run on the engine's own thread,
/// one at a time.
pub trait Engine: Send {
    /// Runs one cell, sending its outputs to `sink` as they happen. All outputs of the cell
    /// must have been emitted when this returns. (The sink is shared because output may be
    /// forwarded from another thread.)
    fn execute(&mut self, code: &str, sink: Arc<dyn OutputSink>) -> Outcome;

    /// Completions at `cursor` (a byte offset into `code`).
    fn complete(&mut self, code: &str, cursor: usize) -> Completions;

    /// Documentation for the name at `cursor` (a byte offset), if any.
    fn inspect(&mut self, code: &str, cursor: usize) -> Option<Media>;

    /// A handle that interrupts whatever this engine is running.
    fn interrupter(&self) -> Arc<dyn Interrupter>;

    /// Stops any child processes; called once on shutdown.
    fn shutdown(&mut self) {}
}
