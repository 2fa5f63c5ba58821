//! The one interface between the protocol core and whatever evaluates code.
//!
//! An engine never touches a socket or a message header: it runs code and reports what
//! happened as plain data, from a closed set of kinds. The core owns every protocol
//! invariant (busy/idle, parents, execution counts, history, aborting). That is what lets
//! the protocol be tested against [`crate::engine::mock::MockEngine`] without a compiler.

use std::sync::Arc;

use jupyter_protocol::{
    ClearOutput, CommClose, CommMsg, CommOpen, DisplayData, JupyterMessageContent, Media, StreamContent,
    UpdateDisplayData,
};
use serde_json::{Map, Value};

/// What a cell sends while it runs, in the order it happened. These kinds are all an
/// engine may publish; the core turns each into the IOPub message of the same name.
#[derive(Debug, Clone)]
pub enum Output {
    /// Text on stdout or stderr (`stream`).
    Stream(StreamContent),
    /// A rich output shown now (`display_data`), possibly with a display id.
    Display(DisplayData),
    /// A new version of an earlier output with the same display id (`update_display_data`).
    Update(UpdateDisplayData),
    /// Clear the cell's output, now or when the next output arrives (`clear_output`).
    Clear(ClearOutput),
    /// A comm the code opened (a widget's model), with the message's metadata (ipywidgets
    /// puts its protocol version there).
    CommOpen(CommOpen, Value),
    /// A message on a comm the code opened (a widget's new state).
    CommMsg(CommMsg),
    /// The code closed one of its comms.
    CommClose(CommClose),
}

impl Output {
    pub fn stdout(text: &str) -> Output {
        Output::Stream(StreamContent::stdout(text))
    }

    pub fn stderr(text: &str) -> Output {
        Output::Stream(StreamContent::stderr(text))
    }
}

impl From<Output> for JupyterMessageContent {
    fn from(output: Output) -> Self {
        match output {
            Output::Stream(s) => s.into(),
            Output::Display(d) => d.into(),
            Output::Update(u) => u.into(),
            Output::Clear(c) => c.into(),
            Output::CommOpen(c, _) => c.into(),
            Output::CommMsg(c) => c.into(),
            Output::CommClose(c) => c.into(),
        }
    }
}

/// Where an engine sends a running cell's outputs.
pub trait OutputSink: Send + Sync {
    fn emit(&self, output: Output);

    /// Asks the person at the notebook for a line of text (Jupyter's stdin channel), and
    /// waits for it; gives up when `cancelled` says so (an interrupt).
    fn input(&self, _prompt: &str, _password: bool, _cancelled: &dyn Fn() -> bool) -> Result<String, NoAnswer> {
        Err(NoAnswer::NotAllowed)
    }
}

/// Why a request for input got no answer. What the student reads is its `Display`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoAnswer {
    /// The client takes no input (`allow_stdin` is false): nbval, nbclient, `ndplay check`.
    NotAllowed,
    /// The cell was interrupted while it waited for the answer.
    Interrupted,
    /// The notebook's stdin channel closed while the cell waited.
    StdinClosed,
    /// A widget's closure asked: there is no cell below it to type into.
    InWidget,
}

impl std::fmt::Display for NoAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            NoAnswer::NotAllowed => {
                "this cell asks for input, but the client that runs it does not take input \
(allow_stdin is false: nbval, nbclient and `ndplay check` run notebooks with no one to type). \
Give the value in the code instead, e.g. `let answer = \"42\";`."
            }
            NoAnswer::Interrupted => "interrupted while waiting for input",
            NoAnswer::StdinClosed => "the notebook's stdin channel closed",
            NoAnswer::InWidget => {
                "input() cannot be used in a widget's closure: there is no cell below it to type into. \
Ask before the widgets are made, in the cell itself."
            }
        })
    }
}

/// A message from the frontend to a comm the code opened.
#[derive(Debug, Clone, Copy)]
pub enum CommEvent<'a> {
    /// `comm_msg`: its `data`.
    Msg(&'a Map<String, Value>),
    /// `comm_close`.
    Close,
}

/// A sink that drops everything: for the kernel's own hidden cells and for user
/// expressions, which must not print into the notebook.
pub struct Discard;

impl OutputSink for Discard {
    fn emit(&self, _: Output) {}
}

/// Why a cell failed, for code that must act on it (`:restore`, the core). Callers match
/// this, never the `ename` text, which is for the student.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The cell did not compile (`ename` is rustc's code, e.g. `E0308`).
    Compile,
    /// The cell panicked; variables of earlier cells are kept.
    Panic,
    /// The cell panicked on arrays whose shapes do not broadcast; the report explains it.
    Shape,
    /// The process running cells died (a crash, an abort, `exit`): its variables are gone.
    Crashed,
    /// The cell was interrupted, which restarts the process running cells.
    Interrupted,
    /// Redefining a type dropped the variables of the old type.
    VariablesLost,
    /// The evaluator could not start, so no cell can run.
    EngineUnavailable,
    /// Anything else the evaluator reported.
    Other,
}

impl ErrorKind {
    /// Whether this failure took the process running cells, and its variables, with it.
    pub fn lost_the_process(self) -> bool {
        matches!(self, ErrorKind::Crashed | ErrorKind::Interrupted)
    }
}

/// A failed cell: the user's compile error, panic or crash, as Jupyter shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct CellError {
    pub kind: ErrorKind,
    /// A short name for the student: a rustc error code (`E0308`), `panic`, `Interrupted`…
    pub ename: String,
    /// One line that says what happened.
    pub evalue: String,
    /// The full report, one entry per line (ANSI colours allowed).
    pub traceback: Vec<String>,
}

impl CellError {
    pub fn new(kind: ErrorKind, ename: impl Into<String>, evalue: impl Into<String>, traceback: Vec<String>) -> Self {
        CellError { kind, ename: ename.into(), evalue: evalue.into(), traceback }
    }
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
    /// What each match is (`function`, `class`, `instance`, `command`…; empty when not
    /// known), in the order of `matches`, for the reply's `_jupyter_types_experimental`.
    /// Empty when the engine knows none.
    pub kinds: Vec<String>,
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

    /// Hands a frontend's message on a comm the code opened (a move of a slider) to the
    /// code that opened it. Runs like a short cell: what it shows goes to `sink`, and
    /// `route` is the id of the frontend's message (an Output widget files outputs under
    /// it). `None` when there is nothing to hand it to.
    fn comm(
        &mut self,
        _comm_id: &str,
        _event: CommEvent<'_>,
        _route: &str,
        _sink: Arc<dyn OutputSink>,
    ) -> Option<Outcome> {
        None
    }

    /// Counts fresh starts of whatever runs the code: when it changes, every comm the code
    /// had opened is gone with it.
    fn generation(&self) -> u64 {
        0
    }
}
