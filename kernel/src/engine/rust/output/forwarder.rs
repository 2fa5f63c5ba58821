//! The thread that forwards the child's output to the current cell's sink: it reads both
//! channels, so outputs reach IOPub in the order the child wrote them (within each
//! stream). Consecutive text lines are sent as one `stream` message, which keeps a cell
//! that prints 200 000 lines from sending 200 000 messages.

use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::{select, Receiver, Sender};
use jupyter_protocol::{CommMsg, Media};
use serde_json::Value;

use super::{evcxr_content, parse_mark, CellEnd, Crash, Line, PanicReport, Piece};
use crate::core::engine::{Output, OutputSink};
use crate::engine::rust::channel::Kind;

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

/// How many lines of an `evcxr_display()` are held back to be read as its blocks; past
/// that, the rest is shown as printed (a display that long is a loop, not a picture).
const MAX_EVCXR_LINES: usize = 100_000;

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
    pub fn start(stdout: Receiver<Piece>, stderr: Receiver<Piece>) -> Forwarder {
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
    /// ran to its end also marks the end of its stderr (`Kind::StderrEnd` of `src/channel.rs`;
    /// `marked`), and the thread waits for that mark; after a crash there is none, and it
    /// waits briefly for stderr to go quiet instead.
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
    /// Stream bytes sent for the current cell.
    sent: usize,
    truncated: bool,
    crash: Option<Crash>,
    result: Option<(u64, Media)>,
    unloadable: Vec<String>,
    load_failed: Option<String>,
    /// The current cell's stderr mark has been read.
    stderr_ended: bool,
    /// What the final value's `evcxr_display()` has printed so far, while it runs.
    evcxr: Option<Vec<String>>,
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
        self.write(name, line, true);
    }

    /// Stream text, `newline` added or not (text from a `Kind::Stderr` line is sent as the
    /// cell wrote it).
    fn write(&mut self, name: &'static str, text: &str, newline: bool) {
        self.sent += text.len() + usize::from(newline);
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
        p.text.push_str(text);
        if newline {
            p.text.push('\n');
        }
        p.lines += text.matches('\n').count() + usize::from(newline);
    }

    /// At the end of a cell: what an `evcxr_display()` that never ended (it panicked)
    /// printed is shown as printed.
    fn end_evcxr(&mut self) {
        for line in self.evcxr.take().unwrap_or_default() {
            self.text("stdout", &line);
        }
    }

    fn stdout_piece(&mut self, piece: Piece) {
        let (kind, body) = match piece {
            Piece::Text(text) => match &mut self.evcxr {
                Some(lines) if lines.len() < MAX_EVCXR_LINES => return lines.push(text),
                _ => return self.text("stdout", &text),
            },
            Piece::Mark(kind, body) => (kind, body),
        };
        if body.len() > MAX_DISPLAY_BYTES && matches!(kind, Kind::Display | Kind::Result) {
            self.notice(&format!(
                "a display of {:.1} MB was refused: the limit is {} MB. Show a summary or a slice instead.",
                body.len() as f64 / (1 << 20) as f64,
                MAX_DISPLAY_BYTES >> 20
            ));
            return;
        }
        match parse_mark(kind, &body) {
            Line::Malformed(t) => self.text("stdout", &t),
            Line::Output(output) => {
                self.flush();
                self.track_capture(&output);
                self.emit(output);
            }
            Line::Panic(report) => {
                self.flush();
                self.panic = Some(report);
            }
            Line::Result(seq, media) => self.result = Some((seq, media)),
            Line::Stderr(text) => self.write("stderr", &text, false),
            Line::EvcxrBegin => {
                self.end_evcxr();
                self.evcxr = Some(Vec::new());
            }
            Line::EvcxrEnd(seq) => {
                let (media, outside) = evcxr_content(&self.evcxr.take().unwrap_or_default());
                for line in outside {
                    self.text("stdout", &line);
                }
                match media {
                    Some(media) if serde_json::to_string(&media).map_or(0, |t| t.len()) > MAX_DISPLAY_BYTES => self
                        .notice(&format!(
                            "the value's evcxr_display() was refused: it is over the limit of {} MB.",
                            MAX_DISPLAY_BYTES >> 20
                        )),
                    Some(media) => self.result = Some((seq, media)),
                    None => {}
                }
            }
            Line::Unloadable(names) => self.unloadable = names,
            Line::LoadFailed(why) => self.load_failed = Some(why),
        }
    }

    fn stderr_piece(&mut self, piece: Piece) {
        match piece {
            Piece::Text(text) => self.text("stderr", &text),
            Piece::Mark(Kind::StderrEnd, _) => self.stderr_ended = true,
            // Only the end mark is read from stderr (`super::process::readers::read_stderr`).
            Piece::Mark(..) => {}
        }
    }
}

fn forward(stdout: Receiver<Piece>, stderr: Receiver<Piece>, control: Receiver<Control>) {
    let mut state = State::default();
    loop {
        // Batching: only flush text when the channels run dry, so bursts become one message.
        let idle = Duration::from_millis(20);
        select! {
            recv(stdout) -> piece => match piece {
                Ok(piece) => state.stdout_piece(piece),
                Err(_) => { state.flush(); return; }
            },
            recv(stderr) -> piece => match piece {
                // The end mark: the cell's stderr is complete; its fence may not have been
                // asked for yet.
                Ok(piece) => state.stderr_piece(piece),
                Err(_) => { state.flush(); return; }
            },
            recv(control) -> request => match request {
                Ok(Control::Attach(sink, done)) => {
                    state.flush();
                    state.sink = Some(sink);
                    state.panic = None;
                    state.sent = 0;
                    state.truncated = false;
                    state.crash = None;
                    state.result = None;
                    state.unloadable.clear();
                    state.load_failed = None;
                    state.stderr_ended = false;
                    state.evcxr = None;
                    let _ = done.send(());
                }
                Ok(Control::Fence(marked, reply)) => {
                    // Everything the cell wrote to stdout is already queued (the runner saw its
                    // end marker). Its stderr may still be in the pipe: up to its own mark, or
                    // (no mark after a crash) until it has been quiet a moment.
                    while let Ok(piece) = stdout.try_recv() {
                        state.stdout_piece(piece);
                    }
                    let deadline = std::time::Instant::now() + MARK_WAIT;
                    while !state.stderr_ended {
                        let piece = if marked { stderr.recv_deadline(deadline) } else { stderr.recv_timeout(QUIET_WAIT) };
                        match piece {
                            Ok(piece) => state.stderr_piece(piece),
                            Err(_) => break,
                        }
                    }
                    while let Ok(piece) = stdout.try_recv() {
                        state.stdout_piece(piece);
                    }
                    state.stderr_ended = false;
                    state.end_evcxr();
                    state.flush();
                    state.release_captures();
                    let _ = reply.send(CellEnd {
                        panic: state.panic.take(),
                        result: state.result.take(),
                        unloadable: std::mem::take(&mut state.unloadable),
                        load_failed: state.load_failed.take(),
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

    fn display(json: &str) -> Piece {
        Piece::Mark(Kind::Display, json.to_string())
    }

    #[test]
    fn forwards_in_order_batches_text_and_reports_panics() {
        let (out_tx, out_rx) = crossbeam_channel::unbounded();
        let (err_tx, err_rx) = crossbeam_channel::unbounded();
        let f = Forwarder::start(out_rx, err_rx);
        let sink = Arc::new(Collect(Mutex::new(Vec::new())));
        f.attach(sink.clone());
        let text = |t: &str| Piece::Text(t.to_string());
        out_tx.send(text("a")).unwrap();
        out_tx.send(text("b")).unwrap();
        out_tx.send(display(r#"{"msg_type":"clear_output","content":{"wait":false}}"#)).unwrap();
        out_tx.send(text("c")).unwrap();
        let report = r#"{"location":"src/lib.rs:3:5","message":"index out of bounds\nsecond line"}"#;
        out_tx.send(Piece::Mark(Kind::Panic, report.into())).unwrap();
        err_tx.send(text("warning")).unwrap();
        err_tx.send(Piece::Mark(Kind::StderrEnd, String::new())).unwrap();
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
    fn stderr_sent_on_stdout_keeps_its_place_and_an_evcxr_display_becomes_the_result() {
        let (out_tx, out_rx) = crossbeam_channel::unbounded();
        let (_err_tx, err_rx) = crossbeam_channel::unbounded();
        let f = Forwarder::start(out_rx, err_rx);
        let sink = Arc::new(Collect(Mutex::new(Vec::new())));
        f.attach(sink.clone());
        let text = |t: &str| Piece::Text(t.to_string());
        out_tx.send(text("A")).unwrap();
        out_tx.send(Piece::Mark(Kind::Stderr, r#""B\n""#.into())).unwrap();
        out_tx.send(Piece::Mark(Kind::Stderr, r#""no newline""#.into())).unwrap();
        out_tx.send(text("C")).unwrap();
        out_tx.send(Piece::Mark(Kind::EvcxrBegin, String::new())).unwrap();
        for line in ["said", "EVCXR_BEGIN_CONTENT text/html", "<b>x</b>", "EVCXR_END_CONTENT"] {
            out_tx.send(text(line)).unwrap();
        }
        out_tx.send(Piece::Mark(Kind::EvcxrEnd, "9".into())).unwrap();
        let end = f.fence(false);
        let (seq, media) = end.result.expect("the evcxr_display is the result");
        assert_eq!(seq, 9);
        assert_eq!(serde_json::to_value(&media).unwrap(), serde_json::json!({ "text/html": "<b>x</b>" }));
        let got: Vec<(String, String)> = sink
            .0
            .lock()
            .unwrap()
            .iter()
            .map(json)
            .map(|v| {
                (v["content"]["name"].as_str().unwrap().to_string(), v["content"]["text"].as_str().unwrap().to_string())
            })
            .collect();
        let want = [("stdout", "A\n"), ("stderr", "B\nno newline"), ("stdout", "C\nsaid\n")];
        assert_eq!(got, want.map(|(n, t)| (n.to_string(), t.to_string())));
    }

    #[test]
    fn an_output_widget_left_capturing_is_released_at_the_fence() {
        let (out_tx, out_rx) = crossbeam_channel::unbounded();
        let (_err_tx, err_rx) = crossbeam_channel::unbounded();
        let f = Forwarder::start(out_rx, err_rx);
        let sink = Arc::new(Collect(Mutex::new(Vec::new())));
        let update = |comm: &str, msg_id: &str| {
            display(&format!(
                r#"{{"msg_type":"comm_msg","content":{{"comm_id":"{comm}","data":{{"method":"update","state":{{"msg_id":"{msg_id}"}},"buffer_paths":[]}}}}}}"#
            ))
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
            out_tx.send(Piece::Text(line.clone())).unwrap();
        }
        let huge = format!(
            r#"{{"msg_type":"display_data","content":{{"data":{{"text/plain":"{}"}},"metadata":{{}}}}}}"#,
            "y".repeat(MAX_DISPLAY_BYTES)
        );
        out_tx.send(display(&huge)).unwrap();
        err_tx.send(Piece::Text("memory allocation of 800000000000 bytes failed".into())).unwrap();
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
