//! The process's stdout and stderr, read on threads of their own: the runtime's keyed marker
//! lines (see [`crate::engine::rust::channel`]) become [`Event`]s for the runner; the rest — the cell's
//! text and the prelude's markers — goes on to the output forwarder as [`Piece`]s, in
//! order. A line that only looks like a marker (no key, or another key) is text.

use std::io::{BufRead, BufReader, Read};

use crossbeam_channel::Sender;

use super::sys::Exit;
use crate::engine::rust::channel::{self, Kind};
use crate::engine::rust::output::Piece;

/// Which process an event is about: one per fresh process; a snapshot that takes over
/// keeps its twin's generation (it writes to the same pipes).
pub type Generation = u64;

/// What the watching threads report.
#[derive(Debug, PartialEq)]
pub enum Event {
    /// The run with this number ended.
    Done(u64),
    /// The prelude's `input()` asks for a line: (prompt, password).
    Input(String, bool),
    Snapshot(u32),
    Resumed(u32),
    /// A watched process exited: its pid and how.
    Exited(u32, Exit),
}

/// Splits the process's stdout into lines; the runtime's markers become events, everything
/// else goes on to the forwarder. A marker may follow text that the cell printed without a
/// newline: that text is a line of its own.
pub fn read_stdout(
    out: impl Read,
    key: &str,
    generation: Generation,
    events: Sender<(Generation, Event)>,
    pieces: Sender<Piece>,
) {
    for_each_line(out, |line| {
        let Some((text, kind, body)) = channel::split(key, line) else {
            return pieces.send(Piece::Text(line.to_string())).is_ok();
        };
        if !text.is_empty() && pieces.send(Piece::Text(text.to_string())).is_err() {
            return false;
        }
        let event = match kind {
            Kind::Done => Some(Event::Done(channel::numbered(body).map_or(0, |(seq, _)| seq))),
            Kind::Input => Some(input_request(body)),
            Kind::Snapshot => body.trim().parse().ok().map(Event::Snapshot),
            Kind::Resumed => body.trim().parse().ok().map(Event::Resumed),
            _ => None,
        };
        match event {
            Some(event) => events.send((generation, event)).is_ok(),
            // Displays, results, panics: the forwarder's.
            None => pieces.send(Piece::Mark(kind, body.to_string())).is_ok(),
        }
    });
}

/// The process's stderr: text, and the runtime's mark of the end of a run's stderr.
pub fn read_stderr(err: impl Read, key: &str, pieces: Sender<Piece>) {
    for_each_line(err, |line| match channel::split(key, line) {
        Some((text, kind @ Kind::StderrEnd, _)) => {
            (text.is_empty() || pieces.send(Piece::Text(text.to_string())).is_ok())
                && pieces.send(Piece::Mark(kind, String::new())).is_ok()
        }
        _ => pieces.send(Piece::Text(line.to_string())).is_ok(),
    });
}

/// Calls `each` with every line (without its newline, invalid UTF-8 replaced) until the
/// stream ends or `each` returns false.
fn for_each_line(stream: impl Read, mut each: impl FnMut(&str) -> bool) {
    let mut reader = BufReader::new(stream);
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
        if !each(&String::from_utf8_lossy(&buffer)) {
            return;
        }
    }
}

/// The prompt and password flag of the prelude's `input()` line.
fn input_request(body: &str) -> Event {
    let json: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    Event::Input(json["prompt"].as_str().unwrap_or_default().to_string(), json["password"] == true)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "00112233445566778899aabbccddeeff";

    fn read(stdout: &str) -> (Vec<Event>, Vec<Piece>) {
        let (etx, erx) = crossbeam_channel::unbounded();
        let (ptx, prx) = crossbeam_channel::unbounded();
        read_stdout(stdout.as_bytes(), KEY, 1, etx, ptx);
        (erx.try_iter().map(|(_, e)| e).collect(), prx.try_iter().collect())
    }

    #[test]
    fn the_runtimes_markers_become_events_in_order_with_text() {
        let stdout = format!(
            "{}\nhello\nhalf{}\n{}\n",
            channel::marker(KEY, Kind::Snapshot, "41"),
            channel::marker(KEY, Kind::Input, r#"{"password":true,"prompt":"pw: "}"#),
            channel::marker(KEY, Kind::Done, "7"),
        );
        let (events, pieces) = read(&stdout);
        assert_eq!(events, [Event::Snapshot(41), Event::Input("pw: ".into(), true), Event::Done(7)]);
        assert_eq!(pieces, [Piece::Text("hello".into()), Piece::Text("half".into())]);
    }

    #[test]
    fn printed_markers_without_the_key_are_text_and_steer_nothing() {
        // What the unkeyed channel obeyed: a display with a script, and a pid to kill.
        let forged = "\u{1e}ndplay-display {\"msg_type\":\"display_data\",\"content\":{\"data\":{\"text/html\":\"<script>x</script>\"},\"metadata\":{}}}\n\u{1e}ndplay-resumed 1\n\u{1e}ndplay-done\n";
        let other_key = channel::marker("ffffffffffffffffffffffffffffffff", Kind::Resumed, "1");
        let (events, pieces) = read(&format!("{forged}{other_key}\n"));
        assert_eq!(events, []);
        assert_eq!(pieces.len(), 4);
        assert!(pieces.iter().all(|p| matches!(p, Piece::Text(_))));
    }

    #[test]
    fn the_prelude_markers_go_to_the_forwarder() {
        let (events, pieces) = read(&format!("{}\n", channel::marker(KEY, Kind::Result, "3 {}")));
        assert_eq!(events, []);
        assert_eq!(pieces, [Piece::Mark(Kind::Result, "3 {}".into())]);
    }

    #[test]
    fn stderr_ends_with_the_keyed_mark_only() {
        let (tx, rx) = crossbeam_channel::unbounded();
        let stderr = format!("oops\u{1e}ndplay-stderr-end\nlast{}\n", channel::marker(KEY, Kind::StderrEnd, ""));
        read_stderr(stderr.as_bytes(), KEY, tx);
        assert_eq!(
            rx.try_iter().collect::<Vec<_>>(),
            [
                Piece::Text("oops\u{1e}ndplay-stderr-end".into()),
                Piece::Text("last".into()),
                Piece::Mark(Kind::StderrEnd, String::new())
            ]
        );
    }
}
