//! The channel from the process that runs cells to the kernel: the whole line format, in
//! one file that both crates compile (the kernel includes this file by path), so neither
//! side can drift from the other.
//!
//! The process that runs cells writes everything on its stdout and stderr: what the cell
//! prints, and the marker lines of the prelude (displays, the final value, a panic) and of
//! the runtime (a cell's end, a snapshot). A marker line is
//!
//! ```text
//! U+001E KEY SP KIND [SP BODY] LF
//! ```
//!
//! - `KEY` is 32 hex digits the kernel draws at random for each process it starts and
//!   hands over on the command pipe (never in the environment or on the command line, which
//!   other programs can read). Text a cell prints cannot carry it: a line that merely
//!   *looks* like a marker (a printed file, a classmate's string) is shown as text, never
//!   obeyed. (Code in the cell could dig the key out of its own memory and steer its own
//!   kernel; that is a student attacking themselves, with nothing gained.)
//! - `KIND` is one of [`Kind`]'s words; `BODY` is the rest of the line (JSON where it is
//!   structured: serde_json's compact form escapes newlines, so it stays one line).
//! - The final value and the end of a run carry the run's sequence number ([`Kind::Result`]:
//!   `SEQ SP JSON`; [`Kind::Done`]: `SEQ`). The kernel numbers every run; a result or an end
//!   whose number is not the run's is an internal error the student sees, never a silent
//!   wrong output.
//!
//! The other direction, the kernel's answer to `input()` on the cell's standard input, is
//! one line starting with [`ANSWER_OK`] or [`ANSWER_REFUSED`]; what arrives there comes
//! from the kernel alone, so it needs no key.

/// The first character of every marker line (ASCII record separator).
pub const MARK: char = '\u{1e}';

/// The kernel's answer line when the student typed something: this, then the text.
pub const ANSWER_OK: &str = "\u{1e}ok ";
/// The kernel's answer line when no one can answer: this, then why.
pub const ANSWER_REFUSED: &str = "\u{1e}refused ";

/// How many hex digits a key has (128 bits).
pub const KEY_LEN: usize = 32;

/// What a marker line says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Prelude: one iopub message, `{"msg_type", "content"[, "metadata"]}` (display_data,
    /// update_display_data, clear_output, comm_open, comm_msg, comm_close).
    Display,
    /// Prelude: the cell's final value, `SEQ {"data": …, "metadata": …}`.
    Result,
    /// Prelude: a panic, `{"location": "file:line:col", "message": …}`.
    Panic,
    /// Prelude: variables the cell could not take out of the store, names separated by spaces.
    Unloadable,
    /// Prelude: `input()` asks for a line, `{"prompt": …, "password": bool}`.
    Input,
    /// Runtime: the run numbered `SEQ` ended; everything it wrote to stdout came before.
    Done,
    /// Runtime: the pid of the snapshot taken before a run.
    Snapshot,
    /// Runtime: a snapshot took over; its pid.
    Resumed,
    /// Runtime, on stderr: everything the run wrote to stderr came before.
    StderrEnd,
    /// Runtime: the run could not start (its library would not load); why.
    LoadFailed,
    /// Prelude: text the cell wrote to stderr with `eprint!`, `eprintln!` or `dbg!`, as a
    /// JSON string. It travels on stdout so that it keeps its place among what the cell
    /// printed: two pipes read by two threads cannot tell which was written first.
    Stderr,
    /// Prelude: the final value's own `evcxr_display()` starts printing; what it prints up
    /// to [`Kind::EvcxrEnd`] is read as evcxr's `EVCXR_BEGIN_CONTENT` blocks.
    EvcxrBegin,
    /// Prelude: the final value's `evcxr_display()` ended, `SEQ`: its blocks are the
    /// result of that run.
    EvcxrEnd,
}

impl Kind {
    const ALL: [Kind; 13] = [
        Kind::Display,
        Kind::Result,
        Kind::Panic,
        Kind::Unloadable,
        Kind::Input,
        Kind::Done,
        Kind::Snapshot,
        Kind::Resumed,
        Kind::StderrEnd,
        Kind::LoadFailed,
        Kind::Stderr,
        Kind::EvcxrBegin,
        Kind::EvcxrEnd,
    ];

    /// The word on the wire.
    pub fn word(self) -> &'static str {
        match self {
            Kind::Display => "display",
            Kind::Result => "result",
            Kind::Panic => "panic",
            Kind::Unloadable => "unloadable",
            Kind::Input => "input",
            Kind::Done => "done",
            Kind::Snapshot => "snapshot",
            Kind::Resumed => "resumed",
            Kind::StderrEnd => "stderr-end",
            Kind::LoadFailed => "load-failed",
            Kind::Stderr => "stderr",
            Kind::EvcxrBegin => "evcxr-begin",
            Kind::EvcxrEnd => "evcxr-end",
        }
    }

    fn from_word(word: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.word() == word)
    }
}

/// Whether `key` has the form of a key (so an empty or short one never matches a line).
pub fn valid_key(key: &str) -> bool {
    key.len() == KEY_LEN && key.bytes().all(|b| b.is_ascii_hexdigit())
}

/// One marker line, without its newline. `body` must not contain a newline.
pub fn marker(key: &str, kind: Kind, body: &str) -> String {
    let mut line = String::with_capacity(KEY_LEN + body.len() + 16);
    line.push(MARK);
    line.push_str(key);
    line.push(' ');
    line.push_str(kind.word());
    if !body.is_empty() {
        line.push(' ');
        line.push_str(body);
    }
    line
}

/// Finds a marker with this key in one line (without its newline): the text before it (a
/// cell may print without a newline just before a display), its kind, and its body. `None`
/// when the line holds no such marker: then all of it is text, whatever it looks like.
pub fn split<'a>(key: &str, line: &'a str) -> Option<(&'a str, Kind, &'a str)> {
    if !valid_key(key) {
        return None;
    }
    let mut from = 0;
    while let Some(i) = line[from..].find(MARK) {
        let at = from + i;
        let after = &line[at + MARK.len_utf8()..];
        if let Some(rest) = after.strip_prefix(key).and_then(|r| r.strip_prefix(' ')) {
            let (word, body) = rest.split_once(' ').unwrap_or((rest, ""));
            if let Some(kind) = Kind::from_word(word) {
                return Some((&line[..at], kind, body));
            }
        }
        from = at + MARK.len_utf8();
    }
    None
}

/// A numbered body (a result's, an end's): the run's number, then `rest` if any. Read back
/// by [`numbered`].
pub fn numbered_body(seq: u64, rest: &str) -> String {
    if rest.is_empty() {
        seq.to_string()
    } else {
        format!("{seq} {rest}")
    }
}

/// A result's or an end's body: its sequence number and the rest.
pub fn numbered(body: &str) -> Option<(u64, &str)> {
    let (seq, rest) = body.split_once(' ').unwrap_or((body, ""));
    Some((seq.parse().ok()?, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn a_marker_is_found_with_its_key_and_read_back() {
        let line = marker(KEY, Kind::Result, "7 {\"data\":{}}");
        assert_eq!(line, "\u{1e}0123456789abcdef0123456789abcdef result 7 {\"data\":{}}");
        assert_eq!(split(KEY, &line), Some(("", Kind::Result, "7 {\"data\":{}}")));
        assert_eq!(numbered("7 {\"data\":{}}"), Some((7, "{\"data\":{}}")));
        assert_eq!(numbered_body(7, "{\"data\":{}}"), "7 {\"data\":{}}");
        assert_eq!(numbered(&numbered_body(3, "")), Some((3, "")));
        assert_eq!(split(KEY, &marker(KEY, Kind::Done, "3")), Some(("", Kind::Done, "3")));
        assert_eq!(split(KEY, &marker(KEY, Kind::StderrEnd, "")), Some(("", Kind::StderrEnd, "")));
    }

    #[test]
    fn text_printed_without_a_newline_comes_before_the_marker() {
        let line = format!("50%{}", marker(KEY, Kind::Display, "{}"));
        assert_eq!(split(KEY, &line), Some(("50%", Kind::Display, "{}")));
    }

    #[test]
    fn a_line_without_the_key_is_text_whatever_it_looks_like() {
        // The markers of the old unkeyed format, another key, an empty key, a bare mark.
        for line in [
            "\u{1e}ndplay-display {\"msg_type\":\"display_data\"}",
            "\u{1e}ndplay-resumed 1",
            "\u{1e}fedcba9876543210fedcba9876543210 display {}",
            "\u{1e} display {}",
            "\u{1e}",
            "plain text",
        ] {
            assert_eq!(split(KEY, line), None, "{line:?}");
        }
        // A key prefix is not the key; an unknown kind is not a marker.
        assert_eq!(split(KEY, &format!("\u{1e}{} display {{}}", &KEY[..31])), None);
        assert_eq!(split(KEY, &format!("\u{1e}{KEY} kill 1")), None);
        // No key at all matches nothing, not even a line made with it.
        assert_eq!(split("", &marker("", Kind::Done, "1")), None);
    }

    #[test]
    fn a_forged_mark_before_the_real_one_is_text() {
        let line = format!("\u{1e}ndplay-display x{}", marker(KEY, Kind::Done, "1"));
        assert_eq!(split(KEY, &line), Some(("\u{1e}ndplay-display x", Kind::Done, "1")));
    }

    #[test]
    fn every_kind_has_its_own_word() {
        for kind in Kind::ALL {
            assert_eq!(Kind::from_word(kind.word()), Some(kind));
        }
    }
}
