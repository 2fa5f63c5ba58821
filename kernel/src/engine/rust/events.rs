//! The process's stdout, read on a thread of its own: the runtime's marker lines (see
//! [`super::runtime`]) become [`Event`]s for the runner, everything else is the cell's text
//! and display lines, which go on to the output forwarder in order.

use std::io::{BufRead, BufReader, Read};

use crossbeam_channel::Sender;

use super::process::Exit;
use super::runtime::{DONE, RESUMED, SNAPSHOT};

/// The display-channel line of the prelude's `input()`: the runner's, not the forwarder's.
const INPUT_LINE: &str = "\u{1e}ndplay-display {\"msg_type\":\"input_request\",";
/// Which process an event is about: one per fresh process; a snapshot that takes over
/// keeps its twin's generation (it writes to the same pipes).
pub type Generation = u64;

/// What the watching threads report.
#[derive(Debug)]
pub enum Event {
    Done,
    /// The prelude's `input()` asks for a line: (prompt, password).
    Input(String, bool),
    Snapshot(u32),
    Resumed(u32),
    /// A watched process exited: its pid and how.
    Exited(u32, Exit),
}

/// Splits the process's stdout into lines; marker lines of the runtime become events,
/// everything else goes on to the forwarder. A marker may follow text that the cell
/// printed without a newline: that text is a line of its own.
pub fn read_stdout(out: impl Read, generation: Generation, events: Sender<(Generation, Event)>, lines: Sender<String>) {
    let mut reader = BufReader::new(out);
    let mut buffer = Vec::new();
    loop {
        buffer.clear();
        match reader.read_until(b'\n', &mut buffer) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        if buffer.last() == Some(&b'\n') {
            buffer.pop();
        }
        let line = String::from_utf8_lossy(&buffer).into_owned();
        let (text, marker) = match line.find('\u{1e}') {
            Some(0) => (None, Some(line.as_str())),
            Some(i) => (Some(&line[..i]), Some(&line[i..])),
            None => (Some(line.as_str()), None),
        };
        if let Some(text) = text {
            if lines.send(text.to_string()).is_err() {
                return;
            }
        }
        let Some(marker) = marker else { continue };
        let event = if marker == DONE {
            Some(Event::Done)
        } else if marker.starts_with(INPUT_LINE) {
            input_request(marker)
        } else if let Some(pid) = marker.strip_prefix(SNAPSHOT) {
            pid.trim().parse().ok().map(Event::Snapshot)
        } else if let Some(pid) = marker.strip_prefix(RESUMED) {
            pid.trim().parse().ok().map(Event::Resumed)
        } else {
            None
        };
        let sent = match event {
            Some(event) => events.send((generation, event)).is_ok(),
            // Display and panic lines are the forwarder's.
            None => lines.send(marker.to_string()).is_ok(),
        };
        if !sent {
            return;
        }
    }
}

/// The prompt and password flag of the prelude's `input()` line.
fn input_request(line: &str) -> Option<Event> {
    let json: serde_json::Value = serde_json::from_str(line.strip_prefix("\u{1e}ndplay-display ")?).ok()?;
    let content = &json["content"];
    Some(Event::Input(content["prompt"].as_str().unwrap_or_default().to_string(), content["password"] == true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_input_request_line_becomes_an_input_event() {
        assert_eq!(input_request("\u{1e}ndplay-display {\"msg_type\":\"input_request\",\"content\":{\"password\":true,\"prompt\":\"pw: \"}}").map(|e| format!("{e:?}")), Some("Input(\"pw: \", true)".to_string()));
    }
}
