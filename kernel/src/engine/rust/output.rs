//! What the child process prints, turned into Jupyter outputs.
//!
//! The runner hands us the child's stdout and stderr as two channels of lines. Besides the
//! user's text, stdout carries two kinds of marker lines, both starting with the ASCII
//! record separator (U+001E), which no ordinary text contains:
//! - `\u{1e}ndplay-display {json}`: the prelude's display channel — one iopub
//!   `display_data`, `update_display_data`, `clear_output`, or a widget's `comm_open`,
//!   `comm_msg`, `comm_close`, whose content is the JSON's `content` and whose metadata its
//!   `metadata` (see the prelude's `display` and `widgets` modules for the writing side);
//!   an `input_request` line is the runner's, which answers it (see [`super::runner`]);
//! - `\u{1e}ndplay-panic-begin LOCATION` … `\u{1e}ndplay-panic-end`: the panic hook that
//!   the kernel installs in the child, so a panic becomes one `error` output instead of
//!   text on stderr.
//!
//! Lines are forwarded by one thread that reads both channels, so outputs reach IOPub in
//! the order the child wrote them (within each stream). Consecutive text lines are sent as
//! one `stream` message, which keeps a cell that prints 200 000 lines from sending 200 000
//! messages.

use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::{select, Receiver, Sender};
use jupyter_protocol::{ClearOutput, CommClose, CommMsg, CommOpen, DisplayData, Media, UpdateDisplayData};
use serde_json::Value;

use crate::core::engine::{Output, OutputSink};

/// The prefix of a display line. The prelude writes the same literal
/// (`ndplay::display::DISPLAY_PREFIX`); a test in each crate pins it.
pub const DISPLAY_PREFIX: &str = "\u{1e}ndplay-display ";
/// The panic report's first and last lines, and the line of a cell that could not take
/// its variables out of the store (the prelude's `ndplay::cell` writes them).
pub const PANIC_BEGIN: &str = "\u{1e}ndplay-panic-begin ";
pub const PANIC_END: &str = "\u{1e}ndplay-panic-end";
pub const UNLOADABLE: &str = "\u{1e}ndplay-unloadable ";

/// The last line of stderr of a cell that ran to its end (the runtime writes it).
pub const STDERR_END: &str = "\u{1e}ndplay-stderr-end";
/// How long the end of a cell waits for its stderr mark (it is normally already there).
const MARK_WAIT: Duration = Duration::from_secs(2);
/// Without a mark (after a crash), how long stderr must be quiet to count as done.
const QUIET_WAIT: Duration = Duration::from_millis(15);

/// Most text lines batched into one stream message.
const MAX_BATCH_LINES: usize = 1000;

/// Stream text one cell may send to the notebook; the rest is dropped with a notice, so
/// an accidental print in a loop cannot make the notebook unusable.
pub const MAX_STREAM_BYTES_PER_CELL: usize = 4 << 20;

/// The largest single display (one mime bundle) that is sent on; larger ones are refused
/// with a notice. Browsers choke on outputs of this size, and notebooks store them.
pub const MAX_DISPLAY_BYTES: usize = 16 << 20;

/// A panic reported by the child's panic hook.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PanicReport {
    /// `file:line:col` as the panic hook saw it.
    pub location: String,
    pub message: String,
}

/// One parsed stdout line.
#[derive(Debug)]
pub enum Line {
    Text(String),
    Output(Output),
    /// The cell's final value (a display line of type `execute_result`).
    Result(Media),
    /// Variables the cell could not take out of the store.
    Unloadable(Vec<String>),
    PanicBegin(String),
    PanicEnd,
    /// A marker line whose JSON did not parse; shown as text so nothing is lost.
    Malformed(String),
}

pub fn parse_line(line: &str) -> Line {
    if let Some(json) = line.strip_prefix(DISPLAY_PREFIX) {
        return match parse_display(json) {
            Some(parsed) => parsed,
            None => Line::Malformed(line.to_string()),
        };
    }
    if let Some(names) = line.strip_prefix(UNLOADABLE) {
        return Line::Unloadable(names.split(' ').filter(|n| !n.is_empty()).map(str::to_string).collect());
    }
    if let Some(location) = line.strip_prefix(PANIC_BEGIN) {
        return Line::PanicBegin(location.to_string());
    }
    if line == PANIC_END {
        return Line::PanicEnd;
    }
    Line::Text(line.to_string())
}

fn parse_display(json: &str) -> Option<Line> {
    let value: Value = serde_json::from_str(json).ok()?;
    let content = value.get("content")?.clone();
    Some(Line::Output(match value.get("msg_type")?.as_str()? {
        "execute_result" => {
            return Some(Line::Result(serde_json::from_value::<Media>(content.get("data")?.clone()).ok()?))
        }
        "display_data" => Output::Display(serde_json::from_value::<DisplayData>(content).ok()?),
        "update_display_data" => Output::Update(serde_json::from_value::<UpdateDisplayData>(content).ok()?),
        "clear_output" => Output::Clear(serde_json::from_value::<ClearOutput>(content).ok()?),
        // The prelude's widgets (its `widgets::registry`).
        "comm_open" => Output::CommOpen(
            serde_json::from_value::<CommOpen>(content).ok()?,
            value.get("metadata").cloned().unwrap_or_else(|| serde_json::json!({})),
        ),
        "comm_msg" => Output::CommMsg(serde_json::from_value::<CommMsg>(content).ok()?),
        "comm_close" => Output::CommClose(serde_json::from_value::<CommClose>(content).ok()?),
        _ => return None,
    }))
}

/// What the forwarder saw of one cell, reported at its end.
#[derive(Debug, Default)]
pub struct CellEnd {
    pub panic: Option<PanicReport>,
    /// The cell's final value, if it showed one.
    pub result: Option<Media>,
    /// Variables the cell could not take out of the store (it did not run).
    pub unloadable: Vec<String>,
    /// What the child said about its own death on stderr, if anything.
    pub crash: Option<Crash>,
}

/// Causes of death that the child announces on stderr before it aborts: the signal alone
/// (SIGABRT for all three) cannot tell them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crash {
    /// "memory allocation of N bytes failed" (Rust's allocation error handler).
    OutOfMemory,
    /// "Segmentation fault." (the runtime's SIGSEGV handler).
    Segfault,
    /// "thread '…' has overflowed its stack" (Rust's guard-page handler).
    StackOverflow,
}

impl Crash {
    fn from_stderr(line: &str) -> Option<Crash> {
        if line.starts_with("memory allocation of") && line.ends_with("failed") {
            Some(Crash::OutOfMemory)
        } else if line.trim() == "Segmentation fault." {
            Some(Crash::Segfault)
        } else if line.contains("has overflowed its stack") {
            Some(Crash::StackOverflow)
        } else {
            None
        }
    }
}

/// Requests to the forwarder thread.
enum Control {
    /// Start sending to this sink (a new cell started); answered once done.
    Attach(Arc<dyn OutputSink>, Sender<()>),
    /// Flush everything read so far, then answer; the cell has finished.
    Fence(bool, Sender<CellEnd>),
}

/// Owns the thread that forwards the child's output to the current cell's sink.
pub struct Forwarder {
    control: Sender<Control>,
}

impl Forwarder {
    pub fn start(stdout: Receiver<String>, stderr: Receiver<String>) -> Forwarder {
        let (control, control_rx) = crossbeam_channel::unbounded();
        std::thread::Builder::new()
            .name("ndplay-child-output".into())
            .spawn(move || forward(stdout, stderr, control_rx))
            .expect("spawning the output thread");
        Forwarder { control }
    }

    /// Sends all later output to `sink`. Returns once the forwarder has switched, so no
    /// line of the new cell can reach the previous cell's sink.
    pub fn attach(&self, sink: Arc<dyn OutputSink>) {
        let (tx, rx) = crossbeam_channel::bounded(1);
        if self.control.send(Control::Attach(sink, tx)).is_ok() {
            let _ = rx.recv_timeout(Duration::from_secs(5));
        }
    }

    /// Waits until every line the child wrote so far has been sent to the sink, and returns
    /// what the cell reported (a panic, running out of memory).
    ///
    /// The runner reports a cell's end only after every stdout line before it, but the last
    /// lines may still be in this thread's hands; so we ask the thread itself. A cell that
    /// ran to its end also marks the end of its stderr ([`STDERR_END`]; `marked`), and the
    /// thread waits for that mark; after a crash there is none, and it waits briefly for
    /// stderr to go quiet instead.
    pub fn fence(&self, marked: bool) -> CellEnd {
        let (tx, rx) = crossbeam_channel::bounded(1);
        if self.control.send(Control::Fence(marked, tx)).is_err() {
            return CellEnd::default();
        }
        rx.recv_timeout(Duration::from_secs(5)).unwrap_or_default()
    }
}

/// Accumulates text for one stream until something else must go out.
struct Pending {
    name: &'static str,
    text: String,
    lines: usize,
}

#[derive(Default)]
struct State {
    sink: Option<Arc<dyn OutputSink>>,
    pending: Option<Pending>,
    panic: Option<PanicReport>,
    in_panic: bool,
    /// Stream bytes sent for the current cell.
    sent: usize,
    truncated: bool,
    crash: Option<Crash>,
    result: Option<Media>,
    unloadable: Vec<String>,
    /// The current cell's stderr mark has been read.
    stderr_ended: bool,
    /// Output widgets whose `msg_id` the child set and has not cleared (see
    /// [`State::track_capture`]).
    captures: std::collections::BTreeSet<String>,
}

impl State {
    fn flush(&mut self) {
        if let Some(p) = self.pending.take() {
            if let Some(sink) = &self.sink {
                sink.emit(if p.name == "stdout" { Output::stdout(&p.text) } else { Output::stderr(&p.text) });
            }
        }
    }

    fn emit(&self, output: Output) {
        if let Some(sink) = &self.sink {
            sink.emit(output);
        }
    }

    /// Notes an Output widget's `msg_id` going out: while it is set, JupyterLab hands every
    /// message of that request to the Output widget, the request's `idle` too, which a
    /// slider waits for before it sends its next move. The prelude clears it before a move
    /// ends; a move that does not end (interrupted, crashed) cannot, and its slider would be
    /// stuck for good. [`State::release_captures`] clears what is left at the fence.
    fn track_capture(&mut self, output: &Output) {
        let Output::CommMsg(m) = output else { return };
        if m.data.get("method").and_then(Value::as_str) != Some("update") {
            return;
        }
        match m.data.get("state").and_then(|s| s.get("msg_id")).and_then(Value::as_str) {
            Some("") => {
                self.captures.remove(&m.comm_id.0);
            }
            Some(_) => {
                self.captures.insert(m.comm_id.0.clone());
            }
            None => {}
        }
    }

    /// At the end of a cell or a move, before its idle: every Output widget still capturing
    /// is told to stop, as the prelude would have.
    fn release_captures(&mut self) {
        for comm_id in std::mem::take(&mut self.captures) {
            let mut data = serde_json::Map::new();
            data.insert("method".into(), "update".into());
            data.insert("state".into(), serde_json::json!({ "msg_id": "" }));
            data.insert("buffer_paths".into(), serde_json::json!([]));
            self.emit(Output::CommMsg(CommMsg { comm_id: jupyter_protocol::CommId(comm_id), data }));
        }
    }

    fn notice(&mut self, text: &str) {
        self.flush();
        self.emit(Output::stderr(&format!("[ndplay] {text}\n")));
    }

    fn text(&mut self, name: &'static str, line: &str) {
        if name == "stderr" {
            if let Some(crash) = Crash::from_stderr(line) {
                self.crash.get_or_insert(crash);
            }
        }
        self.sent += line.len() + 1;
        if self.sent > MAX_STREAM_BYTES_PER_CELL {
            if !self.truncated {
                self.truncated = true;
                self.notice(&format!(
                    "output truncated: this cell printed more than {} MB; the rest is not shown (the cell keeps running)",
                    MAX_STREAM_BYTES_PER_CELL >> 20
                ));
            }
            return;
        }
        if matches!(&self.pending, Some(p) if p.name != name || p.lines >= MAX_BATCH_LINES) {
            self.flush();
        }
        let p = self.pending.get_or_insert(Pending { name, text: String::new(), lines: 0 });
        p.text.push_str(line);
        p.text.push('\n');
        p.lines += 1;
    }

    fn stdout_line(&mut self, line: String) {
        if self.in_panic {
            if line == PANIC_END {
                self.in_panic = false;
            } else if let Some(p) = &mut self.panic {
                if !p.message.is_empty() {
                    p.message.push('\n');
                }
                p.message.push_str(&line);
            }
            return;
        }
        if line.len() > MAX_DISPLAY_BYTES && line.starts_with(DISPLAY_PREFIX) {
            self.notice(&format!(
                "a display of {:.1} MB was refused: the limit is {} MB. Show a summary or a slice instead.",
                line.len() as f64 / (1 << 20) as f64,
                MAX_DISPLAY_BYTES >> 20
            ));
            return;
        }
        match parse_line(&line) {
            Line::Text(t) | Line::Malformed(t) => self.text("stdout", &t),
            Line::Output(output) => {
                self.flush();
                self.track_capture(&output);
                self.emit(output);
            }
            Line::PanicBegin(location) => {
                self.flush();
                self.in_panic = true;
                self.panic = Some(PanicReport { location, message: String::new() });
            }
            Line::PanicEnd => {}
            Line::Result(media) => self.result = Some(media),
            Line::Unloadable(names) => self.unloadable = names,
        }
    }
}

fn forward(stdout: Receiver<String>, stderr: Receiver<String>, control: Receiver<Control>) {
    let mut state = State::default();
    loop {
        // Batching: only flush text when the channels run dry, so bursts become one message.
        let idle = Duration::from_millis(20);
        select! {
            recv(stdout) -> line => match line {
                Ok(line) => state.stdout_line(line),
                Err(_) => { state.flush(); return; }
            },
            recv(stderr) -> line => match line {
                // The cell's stderr is complete; its fence may not have been asked for yet.
                Ok(line) if line == STDERR_END => state.stderr_ended = true,
                Ok(line) => state.text("stderr", &line),
                Err(_) => { state.flush(); return; }
            },
            recv(control) -> request => match request {
                Ok(Control::Attach(sink, done)) => {
                    state.flush();
                    state.sink = Some(sink);
                    state.panic = None;
                    state.in_panic = false;
                    state.sent = 0;
                    state.truncated = false;
                    state.crash = None;
                    state.result = None;
                    state.unloadable.clear();
                    state.stderr_ended = false;
                    let _ = done.send(());
                }
                Ok(Control::Fence(marked, reply)) => {
                    // Everything the cell wrote to stdout is already queued (the runner saw its
                    // end marker). Its stderr may still be in the pipe: up to its own mark, or
                    // (no mark after a crash) until it has been quiet a moment.
                    while let Ok(line) = stdout.try_recv() {
                        state.stdout_line(line);
                    }
                    let deadline = std::time::Instant::now() + MARK_WAIT;
                    while !state.stderr_ended {
                        let line = if marked { stderr.recv_deadline(deadline) } else { stderr.recv_timeout(QUIET_WAIT) };
                        match line {
                            Ok(line) if line == STDERR_END => break,
                            Ok(line) => state.text("stderr", &line),
                            Err(_) => break,
                        }
                    }
                    while let Ok(line) = stdout.try_recv() {
                        state.stdout_line(line);
                    }
                    state.stderr_ended = false;
                    state.flush();
                    state.release_captures();
                    let _ = reply.send(CellEnd {
                        panic: state.panic.take(),
                        result: state.result.take(),
                        unloadable: std::mem::take(&mut state.unloadable),
                        crash: state.crash.take(),
                    });
                }
                Err(_) => return,
            },
            default(idle) => state.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    use jupyter_protocol::JupyterMessageContent;

    struct Collect(Mutex<Vec<Output>>);
    impl OutputSink for Collect {
        fn emit(&self, output: Output) {
            self.0.lock().unwrap().push(output);
        }
    }

    fn json(c: &Output) -> Value {
        let c = JupyterMessageContent::from(c.clone());
        serde_json::json!({"type": c.message_type(), "content": serde_json::to_value(c).unwrap()})
    }

    #[test]
    fn prefix_is_pinned() {
        // The prelude writes this exact literal; changing it breaks every installed kernel.
        assert_eq!(DISPLAY_PREFIX, "\u{1e}ndplay-display ");
    }

    #[test]
    fn parses_display_lines() {
        let line = format!(
            r#"{DISPLAY_PREFIX}{{"msg_type":"display_data","content":{{"data":{{"text/plain":"hi"}},"metadata":{{}},"transient":{{"display_id":"d1"}}}}}}"#
        );
        match parse_line(&line) {
            Line::Output(Output::Display(d)) => {
                assert_eq!(d.transient.unwrap().display_id.as_deref(), Some("d1"));
            }
            other => panic!("{other:?}"),
        }
        let clear = format!(r#"{DISPLAY_PREFIX}{{"msg_type":"clear_output","content":{{"wait":true}}}}"#);
        assert!(matches!(parse_line(&clear), Line::Output(Output::Clear(ClearOutput { wait: true }))));
        assert!(matches!(parse_line(&format!("{DISPLAY_PREFIX}{{not json")), Line::Malformed(_)));
        assert!(matches!(parse_line("plain"), Line::Text(t) if t == "plain"));
    }

    #[test]
    fn forwards_in_order_batches_text_and_reports_panics() {
        let (out_tx, out_rx) = crossbeam_channel::unbounded();
        let (err_tx, err_rx) = crossbeam_channel::unbounded();
        let f = Forwarder::start(out_rx, err_rx);
        let sink = Arc::new(Collect(Mutex::new(Vec::new())));
        f.attach(sink.clone());
        out_tx.send("a".into()).unwrap();
        out_tx.send("b".into()).unwrap();
        out_tx.send(format!(r#"{DISPLAY_PREFIX}{{"msg_type":"clear_output","content":{{"wait":false}}}}"#)).unwrap();
        out_tx.send("c".into()).unwrap();
        out_tx.send(format!("{PANIC_BEGIN}src/lib.rs:3:5")).unwrap();
        out_tx.send("index out of bounds".into()).unwrap();
        out_tx.send("second line".into()).unwrap();
        out_tx.send(PANIC_END.into()).unwrap();
        err_tx.send("warning".into()).unwrap();
        err_tx.send(STDERR_END.into()).unwrap();
        let panic = f.fence(true).panic.expect("a panic was reported");
        assert_eq!(panic.location, "src/lib.rs:3:5");
        assert_eq!(panic.message, "index out of bounds\nsecond line");
        let got: Vec<Value> = sink.0.lock().unwrap().iter().map(json).collect();
        // Within stdout the order is kept; stderr is another stream and may come anywhere.
        let (stderr, stdout): (Vec<&Value>, Vec<&Value>) = got.iter().partition(|v| v["content"]["name"] == "stderr");
        assert_eq!(stdout[0]["content"]["text"], "a\nb\n");
        assert_eq!(stdout[1]["type"], "clear_output");
        assert_eq!(stdout[2]["content"]["text"], "c\n");
        assert_eq!(stdout.len(), 3);
        assert_eq!(stderr.len(), 1);
        assert_eq!(stderr[0]["content"]["text"], "warning\n");
        // The next cell starts clean.
        f.attach(sink.clone());
        let end = f.fence(false);
        assert!(end.panic.is_none() && end.crash.is_none() && end.result.is_none() && end.unloadable.is_empty());
    }

    #[test]
    fn an_output_widget_left_capturing_is_released_at_the_fence() {
        let (out_tx, out_rx) = crossbeam_channel::unbounded();
        let (_err_tx, err_rx) = crossbeam_channel::unbounded();
        let f = Forwarder::start(out_rx, err_rx);
        let sink = Arc::new(Collect(Mutex::new(Vec::new())));
        let update = |comm: &str, msg_id: &str| {
            format!(
                r#"{DISPLAY_PREFIX}{{"msg_type":"comm_msg","content":{{"comm_id":"{comm}","data":{{"method":"update","state":{{"msg_id":"{msg_id}"}},"buffer_paths":[]}}}}}}"#
            )
        };
        // A move that sets and clears its capture: nothing is added.
        f.attach(sink.clone());
        out_tx.send(update("out-a", "m1")).unwrap();
        out_tx.send(update("out-a", "")).unwrap();
        f.fence(false);
        assert_eq!(sink.0.lock().unwrap().len(), 2);
        // A move that dies while its Output widget captures: the fence releases it, once.
        sink.0.lock().unwrap().clear();
        f.attach(sink.clone());
        out_tx.send(update("out-b", "m2")).unwrap();
        f.fence(false);
        let got: Vec<Value> = sink.0.lock().unwrap().iter().map(json).collect();
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[1]["type"], "comm_msg");
        assert_eq!(got[1]["content"]["comm_id"], "out-b");
        assert_eq!(got[1]["content"]["data"]["state"]["msg_id"], "");
        f.attach(sink.clone());
        f.fence(false);
        assert_eq!(sink.0.lock().unwrap().len(), 2, "released only once");
    }

    #[test]
    fn floods_are_truncated_and_huge_displays_refused() {
        let (out_tx, out_rx) = crossbeam_channel::unbounded();
        let (err_tx, err_rx) = crossbeam_channel::unbounded();
        let f = Forwarder::start(out_rx, err_rx);
        let sink = Arc::new(Collect(Mutex::new(Vec::new())));
        f.attach(sink.clone());
        let line = "x".repeat(1023);
        for _ in 0..(MAX_STREAM_BYTES_PER_CELL / 1024 + 100) {
            out_tx.send(line.clone()).unwrap();
        }
        let huge = format!(
            r#"{DISPLAY_PREFIX}{{"msg_type":"display_data","content":{{"data":{{"text/plain":"{}"}},"metadata":{{}}}}}}"#,
            "y".repeat(MAX_DISPLAY_BYTES)
        );
        out_tx.send(huge).unwrap();
        err_tx.send("memory allocation of 800000000000 bytes failed".into()).unwrap();
        let end = f.fence(false);
        assert_eq!(end.crash, Some(Crash::OutOfMemory));
        let got: Vec<Value> = sink.0.lock().unwrap().iter().map(json).collect();
        let stdout: usize = got
            .iter()
            .filter(|v| v["content"]["name"] == "stdout")
            .map(|v| v["content"]["text"].as_str().unwrap().len())
            .sum();
        assert!(stdout <= MAX_STREAM_BYTES_PER_CELL, "{stdout}");
        let notices: Vec<&str> =
            got.iter().filter_map(|v| v["content"]["text"].as_str()).filter(|t| t.starts_with("[ndplay]")).collect();
        assert_eq!(notices.len(), 2, "{notices:?}");
        assert!(notices[0].contains("output truncated"));
        assert!(notices[1].contains("a display of 16.0 MB was refused"));
        assert!(!got.iter().any(|v| v["type"] == "display_data"));
    }
}
