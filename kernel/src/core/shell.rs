//! The shell side of the kernel: one method per shell request type, each the same shape
//! (typed request in, messages out through the [`Outbox`]). They are methods of [`Shell`]
//! because they share the engine, the execution count and the history.
//!
//! This is also the one place where a cell's [`Outcome`] becomes Jupyter messages
//! (`execute_result` or `error`, then `execute_reply`): the kernel and `ndplay check`
//! both run cells through a [`Shell`], the latter with an in-process outbox.

use std::collections::HashMap;
use std::sync::Arc;

use jupyter_protocol::{
    CommClose, CommInfoReply, CompleteReply, CompleteRequest, ErrorOutput, ExecuteInput, ExecuteReply, ExecuteRequest,
    ExecuteResult, ExecutionCount, ExpressionResult, HistoryEntry as WireHistoryEntry, HistoryReply, InputRequest,
    InspectReply, InspectRequest, IsCompleteReply, IsCompleteRequest, JupyterMessage, JupyterMessageContent, Media,
    MediaType, ReplyError, ReplyStatus,
};
use serde_json::Value;

use super::comms::{Comms, CONTROL_TARGET};
use super::engine::{CellError, CommEvent, Discard, Engine, NoAnswer, Outcome, Output, OutputSink};
use super::history::{History, HistoryEntry};
use super::replies::{kernel_info, malformed_reply, KernelInfo};
use crate::log;
use crate::syntax::is_complete::{is_complete, Completeness};
use crate::wire::{Outbox, Route};

/// The engine, once it has started.
pub enum EngineSlot {
    Starting(std::sync::mpsc::Receiver<Box<dyn Engine>>),
    Ready(Box<dyn Engine>),
}

impl EngineSlot {
    /// The engine, waiting for it to finish starting if need be.
    pub fn get(&mut self) -> &mut dyn Engine {
        if let EngineSlot::Starting(rx) = self {
            let engine = rx.recv().expect("the engine start thread always sends an engine");
            *self = EngineSlot::Ready(engine);
        }
        match self {
            EngineSlot::Ready(engine) => engine.as_mut(),
            EngineSlot::Starting(_) => unreachable!(),
        }
    }
}

/// Shell-side state: the engine and the bookkeeping that survives across requests.
pub struct Shell {
    engine: EngineSlot,
    outbox: Outbox,
    info: Arc<KernelInfo>,
    execution_count: usize,
    history: History,
    comms: Arc<Comms>,
    /// Replies from the stdin channel (`input_reply`), when the kernel has one.
    stdin: Option<Stdin>,
}

/// The stdin channel's incoming messages.
pub type Stdin = Arc<std::sync::Mutex<tokio::sync::mpsc::Receiver<JupyterMessage>>>;

/// Sends a running cell's outputs to IOPub as children of its request, keeps the table of
/// open comms up to date, and asks for input on the stdin channel when the request allows.
struct IopubSink {
    outbox: Outbox,
    parent: JupyterMessage,
    comms: Arc<Comms>,
    stdin: Option<Stdin>,
}

impl OutputSink for IopubSink {
    fn emit(&self, output: Output) {
        let mut metadata = None;
        match &output {
            Output::CommOpen(open, meta) => {
                self.comms.opened(&open.comm_id.0, &open.target_name, false);
                metadata = Some(meta.clone());
            }
            Output::CommClose(close) => self.comms.closed(&close.comm_id.0),
            _ => {}
        }
        let mut message = JupyterMessage::new(output, Some(&self.parent));
        if let Some(metadata) = metadata {
            message.metadata = metadata;
        }
        self.outbox.send(Route::IoPub, message);
    }

    fn input(&self, prompt: &str, password: bool, cancelled: &dyn Fn() -> bool) -> Result<String, NoAnswer> {
        let allowed = match &self.parent.content {
            JupyterMessageContent::ExecuteRequest(r) => r.allow_stdin,
            _ => false,
        };
        let Some(stdin) = self.stdin.as_ref().filter(|_| allowed) else { return Err(NoAnswer::NotAllowed) };
        let mut replies = stdin.lock().unwrap_or_else(|p| p.into_inner());
        // Replies to an earlier request (one that was interrupted) are not for this one.
        while replies.try_recv().is_ok() {}
        let request = InputRequest { prompt: prompt.to_string(), password };
        self.outbox.send(Route::Stdin, JupyterMessage::new(request, Some(&self.parent)));
        loop {
            if cancelled() {
                return Err(NoAnswer::Interrupted);
            }
            match replies.try_recv() {
                Ok(m) => {
                    if let JupyterMessageContent::InputReply(reply) = m.content {
                        return Ok(reply.value);
                    }
                }
                Err(tokio::sync::mpsc::error::TryRecvError::Empty) => {
                    std::thread::sleep(std::time::Duration::from_millis(10))
                }
                Err(tokio::sync::mpsc::error::TryRecvError::Disconnected) => return Err(NoAnswer::StdinClosed),
            }
        }
    }
}

impl Shell {
    pub fn new(engine: EngineSlot, outbox: Outbox, info: Arc<KernelInfo>) -> Self {
        Shell { engine, outbox, info, execution_count: 0, history: History::new(), comms: Arc::default(), stdin: None }
    }

    /// Input requests go out on the stdin channel, and their replies come from `stdin`.
    pub fn with_stdin(mut self, stdin: Stdin) -> Self {
        self.stdin = Some(stdin);
        self
    }

    fn sink(&self, request: &JupyterMessage) -> Arc<IopubSink> {
        Arc::new(IopubSink {
            outbox: self.outbox.clone(),
            parent: request.clone(),
            comms: self.comms.clone(),
            stdin: self.stdin.clone(),
        })
    }

    fn reply(&self, request: &JupyterMessage, content: impl Into<JupyterMessageContent>) {
        self.outbox.send(Route::Shell, JupyterMessage::new(content, Some(request)));
    }

    fn publish(&self, request: &JupyterMessage, content: impl Into<JupyterMessageContent>) {
        self.outbox.send(Route::IoPub, JupyterMessage::new(content, Some(request)));
    }

    /// Handles one shell request. `take_queue` is called by a failing execute with
    /// `stop_on_error`, right before its reply is sent, to set aside the requests queued
    /// behind it for aborting.
    pub fn handle_shell(&mut self, request: &JupyterMessage, take_queue: &mut dyn FnMut()) {
        use JupyterMessageContent as C;
        match &request.content {
            C::ExecuteRequest(r) => self.execute(request, r, take_queue),
            C::KernelInfoRequest(_) => self.reply(request, kernel_info(&self.info)),
            C::CompleteRequest(r) => self.complete(request, r),
            C::InspectRequest(r) => self.inspect(request, r),
            C::IsCompleteRequest(r) => self.is_complete(request, r),
            C::CommInfoRequest(r) => {
                let comms = self.comms.info(r.target_name.as_deref());
                self.reply(request, CommInfoReply { comms, ..Default::default() })
            }
            C::CommOpen(open) if open.target_name == CONTROL_TARGET => {
                // Answered by the widgets themselves: its `request_states` goes to the engine
                // (one without widgets never answers, and the frontend gives up waiting). The
                // engine is not asked here: it may still be starting, and this must not wait.
                self.comms.opened(&open.comm_id.0, CONTROL_TARGET, true);
            }
            C::CommOpen(open) => {
                // No other comm target exists in this kernel. The spec asks for an immediate
                // comm_close so the frontend does not keep a dangling comm.
                log!("no comm target {:?}; closing the comm", open.target_name);
                self.publish(request, CommClose { comm_id: open.comm_id.clone(), data: Default::default() });
            }
            C::CommMsg(m) => self.comm(request, &m.comm_id.0, CommEvent::Msg(&m.data)),
            C::CommClose(c) => {
                // The frontend's own comm (the control comm) is nothing to the code.
                if self.comms.is_codes(&c.comm_id.0) {
                    self.comm(request, &c.comm_id.0, CommEvent::Close);
                }
                self.comms.closed(&c.comm_id.0);
            }
            C::UnknownMessage(m) if m.msg_type == "history_request" => self.history(request, &m.content),
            C::HistoryRequest(_) => {
                // Parsed leniently from the raw content below: the typed form demands
                // fields (`n`, `unique`) that clients may omit.
                let raw = serde_json::to_value(&request.content).unwrap_or(Value::Null);
                self.history(request, &raw)
            }
            C::UnknownMessage(m) => match malformed_reply(request, m) {
                Some(reply) => self.outbox.send(Route::Shell, reply),
                None => log!("unknown message type {:?}; not answered", m.msg_type),
            },
            other => log!("ignoring {} on shell", other.message_type()),
        }
    }

    fn execute(&mut self, request: &JupyterMessage, r: &ExecuteRequest, take_queue: &mut dyn FnMut()) {
        let store_history = r.store_history && !r.silent;
        if store_history {
            self.execution_count += 1;
        }
        let count = ExecutionCount::new(self.execution_count);
        if !r.silent {
            self.publish(request, ExecuteInput { code: r.code.clone(), execution_count: count });
        }
        if store_history {
            self.history.record(count.value() as u32, &r.code);
        }
        let sink = self.sink(request);
        let generation = self.engine.get().generation();
        let outcome = self.engine.get().execute(&r.code, sink.clone());
        self.close_lost_comms(request, &*sink, generation);
        match outcome {
            Outcome::Ok { result } => {
                if let Some(data) = result {
                    if store_history {
                        if let Some(text) = plain_text(&data) {
                            self.history.set_output(count.value() as u32, &text);
                        }
                    }
                    if !r.silent {
                        // The schema wants an object here; jupyter-protocol would send null.
                        let result =
                            ExecuteResult { transient: Some(Default::default()), ..ExecuteResult::new(count, data) };
                        self.publish(request, result);
                    }
                }
                let user_expressions = self.user_expressions(r);
                self.reply(
                    request,
                    ExecuteReply {
                        status: ReplyStatus::Ok,
                        execution_count: count,
                        user_expressions: Some(user_expressions),
                        ..Default::default()
                    },
                );
            }
            Outcome::Error(error) => {
                if error.kind.lost_the_process() {
                    // Worth a line in the server's log: on a shared server, crashes and
                    // interrupts are what an administrator asks about.
                    log!("cell {count}: the process running cells was lost ({:?})", error.kind);
                }
                self.publish(request, error_output(&error));
                if r.stop_on_error {
                    take_queue();
                }
                self.reply(
                    request,
                    ExecuteReply {
                        status: ReplyStatus::Error,
                        execution_count: count,
                        user_expressions: Some(HashMap::new()),
                        error: Some(Box::new(reply_error(&error))),
                        ..Default::default()
                    },
                );
            }
        }
    }

    /// Each user expression is evaluated as its own silent cell after the main one.
    fn user_expressions(&mut self, r: &ExecuteRequest) -> HashMap<String, ExpressionResult> {
        let mut results = HashMap::new();
        for (name, expr) in r.user_expressions.iter().flatten() {
            let result = match self.engine.get().execute(expr, Arc::new(Discard)) {
                Outcome::Ok { result } => ExpressionResult::Ok {
                    data: result.unwrap_or_else(|| Media::new(vec![MediaType::Plain("()".into())])),
                    metadata: Default::default(),
                },
                Outcome::Error(e) => {
                    ExpressionResult::Error { ename: e.ename, evalue: e.evalue, traceback: e.traceback }
                }
            };
            results.insert(name.clone(), result);
        }
        results
    }

    /// A frontend's message on an open comm: handed to the code that opened it, like a short
    /// cell whose outputs are children of the message (an Output widget shows them). A
    /// failure is published as an `error` there too.
    fn comm(&mut self, request: &JupyterMessage, comm_id: &str, event: CommEvent<'_>) {
        if !self.comms.is_open(comm_id) {
            log!("{} for a comm that is not open ({comm_id}); ignored", request.header.msg_type);
            return;
        }
        let sink = self.sink(request);
        let generation = self.engine.get().generation();
        let outcome = self.engine.get().comm(comm_id, event, &request.header.msg_id, sink.clone());
        if let Some(Outcome::Error(error)) = outcome {
            self.publish(request, error_output(&error));
        }
        self.close_lost_comms(request, &*sink, generation);
    }

    /// When the process that runs code started afresh during a request (its generation
    /// was `before`), the comms its code had opened are gone: close them in the frontend,
    /// and say so once.
    fn close_lost_comms(&mut self, request: &JupyterMessage, sink: &dyn OutputSink, before: u64) {
        if self.engine.get().generation() == before {
            return;
        }
        let lost = self.comms.take_code_comms();
        if lost.is_empty() {
            return;
        }
        for id in &lost {
            self.publish(request, CommClose { comm_id: id.clone().into(), data: Default::default() });
        }
        sink.emit(Output::stderr(&format!(
            "[ndplay] the widgets of earlier cells were closed ({} models): the process that runs cells started \
             afresh, and their values and callbacks went with it. Run their cells again to get them back.\n",
            lost.len()
        )));
    }

    fn complete(&mut self, request: &JupyterMessage, r: &CompleteRequest) {
        let cursor = char_to_byte(&r.code, r.cursor_pos);
        let found = self.engine.get().complete(&r.code, cursor);
        let cursor_start = byte_to_char(&r.code, found.start.min(cursor));
        let cursor_end = byte_to_char(&r.code, found.end.max(found.start).min(r.code.len()));
        // As ipykernel does: each match with its span and kind, which JupyterLab shows
        // beside it.
        let mut metadata = serde_json::Map::new();
        if found.kinds.len() == found.matches.len() && !found.matches.is_empty() {
            let types = found
                .matches
                .iter()
                .zip(&found.kinds)
                .map(|(text, kind)| {
                    serde_json::json!({"start": cursor_start, "end": cursor_end, "text": text, "type": kind})
                })
                .collect();
            metadata.insert("_jupyter_types_experimental".into(), serde_json::Value::Array(types));
        }
        self.reply(
            request,
            CompleteReply {
                matches: found.matches,
                cursor_start,
                cursor_end,
                metadata,
                status: ReplyStatus::Ok,
                error: None,
            },
        );
    }

    fn inspect(&mut self, request: &JupyterMessage, r: &InspectRequest) {
        let cursor = char_to_byte(&r.code, r.cursor_pos);
        let found = self.engine.get().inspect(&r.code, cursor);
        self.reply(
            request,
            InspectReply { found: found.is_some(), data: found.unwrap_or_default(), ..Default::default() },
        );
    }

    fn is_complete(&mut self, request: &JupyterMessage, r: &IsCompleteRequest) {
        let reply = match is_complete(&r.code) {
            Completeness::Complete => IsCompleteReply::complete(),
            Completeness::Incomplete { indent } => IsCompleteReply::incomplete(indent),
            Completeness::Invalid => IsCompleteReply::invalid(),
        };
        self.reply(request, reply);
    }

    fn history(&mut self, request: &JupyterMessage, raw: &Value) {
        let get_bool = |k: &str| raw.get(k).and_then(Value::as_bool).unwrap_or(false);
        let get_int = |k: &str| raw.get(k).and_then(Value::as_i64);
        let output = get_bool("output");
        let entries: Vec<HistoryEntry> = match raw.get("hist_access_type").and_then(Value::as_str) {
            Some("tail") => self.history.tail(get_int("n").unwrap_or(10).max(0) as usize, output, get_bool("unique")),
            Some("range") => self.history.range(
                get_int("session").unwrap_or(0),
                get_int("start").unwrap_or(0),
                get_int("stop").unwrap_or(0),
                output,
            ),
            Some("search") => self.history.search(
                raw.get("pattern").and_then(Value::as_str).unwrap_or("*"),
                get_int("n").filter(|n| *n > 0).map(|n| n as usize),
                output,
                get_bool("unique"),
            ),
            other => {
                log!("history_request with unknown hist_access_type {other:?}");
                Vec::new()
            }
        };
        let history = entries
            .into_iter()
            .map(|e| match (output, e.output) {
                (true, out) => WireHistoryEntry::InputOutput(
                    e.session as usize,
                    e.line as usize,
                    (e.input, out.unwrap_or_default()),
                ),
                (false, _) => WireHistoryEntry::Input(e.session as usize, e.line as usize, e.input),
            })
            .collect();
        self.reply(request, HistoryReply::new(history));
    }
}

fn error_output(e: &CellError) -> ErrorOutput {
    ErrorOutput { ename: e.ename.clone(), evalue: e.evalue.clone(), traceback: e.traceback.clone() }
}

fn reply_error(e: &CellError) -> ReplyError {
    ReplyError { ename: e.ename.clone(), evalue: e.evalue.clone(), traceback: e.traceback.clone() }
}

fn plain_text(media: &Media) -> Option<String> {
    media.content.iter().find_map(|m| match m {
        MediaType::Plain(t) => Some(t.clone()),
        _ => None,
    })
}

/// Jupyter counts cursor positions in Unicode code points (protocol 5.2+); Rust strings
/// are indexed by bytes.
pub fn char_to_byte(text: &str, chars: usize) -> usize {
    text.char_indices().nth(chars).map_or(text.len(), |(i, _)| i)
}

pub fn byte_to_char(text: &str, byte: usize) -> usize {
    let byte = byte.min(text.len());
    text.char_indices().take_while(|(i, _)| *i < byte).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_conversions_handle_multibyte_text() {
        let s = "let é = 1; é";
        assert_eq!(char_to_byte(s, 5), 6);
        assert_eq!(byte_to_char(s, 6), 5);
        assert_eq!(char_to_byte(s, 100), s.len());
        assert_eq!(byte_to_char(s, 100), s.chars().count());
    }
}
