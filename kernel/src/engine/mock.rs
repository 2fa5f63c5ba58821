//! A scripted engine for protocol tests: it understands a few line commands and compiles
//! nothing, so the protocol core can be tested in milliseconds.
//!
//! Each line of a cell is one command:
//! - `print TEXT` / `eprint TEXT`: a line on stdout / stderr;
//! - `display TEXT`: a `display_data` with `text/plain`;
//! - `clear`: a `clear_output`;
//! - `sleep MS`: waits, but stops early (as `Interrupted`) when interrupted;
//! - `fail TEXT`: the cell fails with ename `MockError`;
//! - `panic TEXT`: the cell fails with ename `panic`;
//! - `widget ID`: opens a comm `ID` of target `jupyter.widget`, as a widget does;
//! - `restart`: the process behind the code "starts afresh" (its comms are gone);
//! - `input PROMPT`: asks for a line; the result is `typed: LINE`.
//!
//! A message to a comm (`comm_msg`) displays `ID got DATA`, or fails as a panic when its
//! data has `"method": "panic"`.
//!
//! A last line that is none of these is the cell's result, as `text/plain`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jupyter_protocol::{ClearOutput, CommOpen, DisplayData, Media, MediaType};

use crate::core::engine::{
    CellError, CommEvent, Completions, Engine, ErrorKind, Interrupter, Outcome, Output, OutputSink,
};

#[derive(Default)]
pub struct MockEngine {
    interrupted: Arc<Flag>,
    generation: u64,
}

#[derive(Default)]
struct Flag(AtomicBool);

impl Interrupter for Flag {
    fn interrupt(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

fn text(t: &str) -> Media {
    Media::new(vec![MediaType::Plain(t.to_string())])
}

fn error(kind: ErrorKind, ename: &str, evalue: &str) -> Outcome {
    Outcome::Error(CellError::new(kind, ename, evalue, vec![format!("{ename}: {evalue}")]))
}

impl Engine for MockEngine {
    fn execute(&mut self, code: &str, sink: Arc<dyn OutputSink>) -> Outcome {
        self.interrupted.0.store(false, Ordering::SeqCst);
        let mut result = None;
        for line in code.lines() {
            let (cmd, arg) = line.split_once(' ').unwrap_or((line, ""));
            result = None;
            match cmd {
                "print" => sink.emit(Output::stdout(&format!("{arg}\n"))),
                "eprint" => sink.emit(Output::stderr(&format!("{arg}\n"))),
                "display" => sink.emit(Output::Display(DisplayData::new(text(arg)))),
                "clear" => sink.emit(Output::Clear(ClearOutput { wait: false })),
                "sleep" => {
                    let until = Instant::now() + Duration::from_millis(arg.parse().unwrap_or(0));
                    while Instant::now() < until {
                        if self.interrupted.0.load(Ordering::SeqCst) {
                            return error(ErrorKind::Interrupted, "Interrupted", "the cell was interrupted");
                        }
                        std::thread::sleep(Duration::from_millis(5));
                    }
                }
                "fail" => return error(ErrorKind::Other, "MockError", arg),
                "panic" => return error(ErrorKind::Panic, "panic", arg),
                "widget" => {
                    let open = CommOpen {
                        comm_id: arg.to_string().into(),
                        target_name: "jupyter.widget".into(),
                        ..Default::default()
                    };
                    sink.emit(Output::CommOpen(open, serde_json::json!({ "version": "2.1.0" })));
                }
                "restart" => self.generation += 1,
                "input" => match sink.input(arg, false, &|| false) {
                    Ok(line) => result = Some(text(&format!("typed: {line}"))),
                    Err(why) => return error(ErrorKind::Other, "StdinError", &why.to_string()),
                },
                "" => {}
                _ => result = Some(text(line)),
            }
        }
        Outcome::Ok { result }
    }

    fn complete(&mut self, code: &str, cursor: usize) -> Completions {
        let start = code[..cursor].rfind(|c: char| !c.is_alphanumeric() && c != '_').map_or(0, |i| i + 1);
        let prefix = &code[start..cursor];
        let matches = ["print", "eprint", "display", "clear", "sleep", "fail", "panic"]
            .iter()
            .filter(|w| w.starts_with(prefix))
            .map(|w| w.to_string())
            .collect();
        Completions { matches, start, end: cursor, kinds: Vec::new() }
    }

    fn inspect(&mut self, code: &str, _cursor: usize) -> Option<Media> {
        code.contains("print").then(|| text("print TEXT: a line on stdout"))
    }

    fn interrupter(&self) -> Arc<dyn Interrupter> {
        self.interrupted.clone()
    }

    fn comm(
        &mut self,
        comm_id: &str,
        event: CommEvent<'_>,
        _route: &str,
        sink: Arc<dyn OutputSink>,
    ) -> Option<Outcome> {
        let CommEvent::Msg(data) = event else { return Some(Outcome::Ok { result: None }) };
        if data.get("method").and_then(|m| m.as_str()) == Some("panic") {
            return Some(error(ErrorKind::Panic, "panic", "the widget's closure panicked"));
        }
        let got = serde_json::Value::Object(data.clone());
        sink.emit(Output::Display(DisplayData::new(text(&format!("{comm_id} got {got}")))));
        Some(Outcome::Ok { result: None })
    }

    fn generation(&self) -> u64 {
        self.generation
    }
}
