//! What the child process prints, and what each line means.
//!
//! The runner hands us the child's stdout and stderr as two channels of [`Piece`]s: text,
//! and the prelude's keyed marker lines ([`super::channel`]; a line without the process's
//! key is text, whatever it looks like), already told apart by the reading threads
//! (`super::process::readers`):
//! - `display`: one iopub `display_data`, `update_display_data`, `clear_output`, or a
//!   widget's `comm_open`, `comm_msg`, `comm_close`, whose content is the JSON's `content`
//!   and whose metadata its `metadata` (see the prelude's `display` and `widgets` modules
//!   for the writing side);
//! - `result`: the cell's final value, with the number of the run that showed it;
//! - `panic`: the panic hook's report, so a panic becomes one `error` output instead of
//!   text on stderr;
//! - `unloadable`, `load-failed`: the cell could not start (see [`CellEnd`]).
//!
//! This file says what a line means ([`parse_mark`], [`evcxr_content`], [`Crash`]);
//! `forwarder` is the thread that sends the lines on, in order ([`Forwarder`]).

mod forwarder;

pub use forwarder::Forwarder;

use jupyter_protocol::{ClearOutput, CommClose, CommMsg, CommOpen, DisplayData, Media, UpdateDisplayData};
use serde_json::Value;

use super::channel::{self, Kind};
use crate::core::engine::Output;

/// One line of the child's stdout or stderr, as the reading thread told it apart.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    /// What the cell printed (or anything without the process's key).
    Text(String),
    /// A keyed marker line of the prelude or the runtime: its kind and body.
    Mark(Kind, String),
}

/// A panic reported by the child's panic hook.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PanicReport {
    /// `file:line:col` as the panic hook saw it.
    pub location: String,
    pub message: String,
}

/// One parsed marker line of stdout.
#[derive(Debug)]
pub enum Line {
    Output(Output),
    /// The cell's final value, and the number of the run that showed it.
    Result(u64, Media),
    /// Variables the cell could not take out of the store.
    Unloadable(Vec<String>),
    Panic(PanicReport),
    /// The run could not start: why.
    LoadFailed(String),
    /// Text the cell wrote with `eprint!`, `eprintln!` or `dbg!`, in its place among stdout.
    Stderr(String),
    /// The final value's `evcxr_display()` starts printing.
    EvcxrBegin,
    /// The final value's `evcxr_display()` ended, in the run with this number.
    EvcxrEnd(u64),
    /// A marker whose body did not parse (a bug of the kernel's, never the student's); shown
    /// as text so nothing is lost.
    Malformed(String),
}

/// What a marker line of the prelude or the runtime says.
pub fn parse_mark(kind: Kind, body: &str) -> Line {
    let parsed = match kind {
        Kind::Display => parse_display(body),
        Kind::Result => channel::numbered(body).and_then(|(seq, json)| {
            let value: Value = serde_json::from_str(json).ok()?;
            Some(Line::Result(seq, serde_json::from_value::<Media>(value.get("data")?.clone()).ok()?))
        }),
        Kind::Panic => serde_json::from_str::<Value>(body).ok().map(|v| {
            Line::Panic(PanicReport {
                location: v["location"].as_str().unwrap_or_default().to_string(),
                message: v["message"].as_str().unwrap_or_default().to_string(),
            })
        }),
        Kind::Unloadable => {
            Some(Line::Unloadable(body.split(' ').filter(|n| !n.is_empty()).map(str::to_string).collect()))
        }
        Kind::LoadFailed => Some(Line::LoadFailed(body.to_string())),
        Kind::Stderr => serde_json::from_str::<String>(body).ok().map(Line::Stderr),
        Kind::EvcxrBegin => Some(Line::EvcxrBegin),
        Kind::EvcxrEnd => channel::numbered(body).map(|(seq, _)| Line::EvcxrEnd(seq)),
        // The runner's (see `super::process::readers`); never handed to the forwarder.
        Kind::Done | Kind::Input | Kind::Snapshot | Kind::Resumed | Kind::StderrEnd => None,
    };
    parsed.unwrap_or_else(|| Line::Malformed(format!("[ndplay: a {} line that did not parse] {body}", kind.word())))
}

fn parse_display(json: &str) -> Option<Line> {
    let value: Value = serde_json::from_str(json).ok()?;
    let content = value.get("content")?.clone();
    Some(Line::Output(match value.get("msg_type")?.as_str()? {
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

/// What an `evcxr_display()` printed, read as evcxr reads it: each block from a line
/// `EVCXR_BEGIN_CONTENT <mime>` to a line `EVCXR_END_CONTENT` is the value in that mime
/// type (JSON types parsed as JSON); the lines outside blocks are plain output. `None` when
/// no block parsed into a bundle.
pub fn evcxr_content(lines: &[String]) -> (Option<Media>, Vec<String>) {
    let mut data = serde_json::Map::new();
    let mut outside = Vec::new();
    let mut open: Option<(String, Vec<&str>)> = None;
    for line in lines {
        match &mut open {
            None => match line.strip_prefix("EVCXR_BEGIN_CONTENT") {
                Some(mime) if mime.starts_with(' ') && !mime.trim().is_empty() => {
                    open = Some((mime.trim().to_string(), Vec::new()));
                }
                _ => outside.push(line.clone()),
            },
            Some((mime, content)) => {
                // Content may end on the end mark's own line (`print!("…EVCXR_END_CONTENT")`).
                if let Some(last) = line.trim_end().strip_suffix("EVCXR_END_CONTENT") {
                    if !last.is_empty() {
                        content.push(last);
                    }
                    let text = content.join("\n");
                    let value = match mime.ends_with("json") {
                        true => serde_json::from_str(&text).unwrap_or(Value::String(text)),
                        false => Value::String(text),
                    };
                    data.insert(std::mem::take(mime), value);
                    open = None;
                } else {
                    content.push(line);
                }
            }
        }
    }
    // A block never closed: its lines were output after all.
    if let Some((mime, content)) = open {
        outside.push(format!("EVCXR_BEGIN_CONTENT {mime}"));
        outside.extend(content.into_iter().map(str::to_string));
    }
    let media = (!data.is_empty()).then(|| serde_json::from_value::<Media>(Value::Object(data)).ok()).flatten();
    (media, outside)
}

/// What the forwarder saw of one cell, reported at its end.
#[derive(Debug, Default)]
pub struct CellEnd {
    pub panic: Option<PanicReport>,
    /// The cell's final value, if it showed one, with the number of the run that showed it
    /// (the engine takes it only if that is the cell's).
    pub result: Option<(u64, Media)>,
    /// Variables the cell could not take out of the store (it did not run).
    pub unloadable: Vec<String>,
    /// Why the cell's library could not be run (it did not run).
    pub load_failed: Option<String>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_display_lines() {
        let line = r#"{"msg_type":"display_data","content":{"data":{"text/plain":"hi"},"metadata":{},"transient":{"display_id":"d1"}}}"#;
        match parse_mark(Kind::Display, line) {
            Line::Output(Output::Display(d)) => {
                assert_eq!(d.transient.unwrap().display_id.as_deref(), Some("d1"));
            }
            other => panic!("{other:?}"),
        }
        let clear = r#"{"msg_type":"clear_output","content":{"wait":true}}"#;
        assert!(matches!(parse_mark(Kind::Display, clear), Line::Output(Output::Clear(ClearOutput { wait: true }))));
        assert!(matches!(parse_mark(Kind::Display, "{not json"), Line::Malformed(_)));
        // A result carries its run's number.
        match parse_mark(Kind::Result, r#"12 {"data":{"text/plain":"3"},"metadata":{}}"#) {
            Line::Result(12, media) => assert_eq!(serde_json::to_value(media).unwrap()["text/plain"], "3"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(parse_mark(Kind::Result, r#"{"data":{}}"#), Line::Malformed(_)));
    }

    #[test]
    fn evcxr_blocks_are_read_as_evcxr_reads_them() {
        let lines = |t: &str| t.lines().map(str::to_string).collect::<Vec<_>>();
        let (media, outside) = evcxr_content(&lines(
            "before\nEVCXR_BEGIN_CONTENT text/plain\ntwo\nlines\nEVCXR_END_CONTENT\nEVCXR_BEGIN_CONTENT application/json\n{\"a\": 1}EVCXR_END_CONTENT\nafter",
        ));
        assert_eq!(
            serde_json::to_value(media.unwrap()).unwrap(),
            serde_json::json!({ "text/plain": "two\nlines", "application/json": { "a": 1 } })
        );
        assert_eq!(outside, ["before", "after"]);
        // Not closed: printed as it was. No mime: not a block.
        let (media, outside) = evcxr_content(&lines("EVCXR_BEGIN_CONTENT\nEVCXR_BEGIN_CONTENT text/html\n<b>"));
        assert!(media.is_none());
        assert_eq!(outside, ["EVCXR_BEGIN_CONTENT", "EVCXR_BEGIN_CONTENT text/html", "<b>"]);
    }
}
