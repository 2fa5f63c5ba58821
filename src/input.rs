//! `input(prompt)` and `password(prompt)`: a line typed by the student, through Jupyter's
//! stdin channel (the box that appears under the cell).
//!
//! The cell asks the kernel with a marker line of kind `input` ([`crate::channel`]); the
//! kernel sends Jupyter's `input_request` to the notebook and writes the answer to this
//! process's standard input as one line: [`ANSWER_OK`] and the text, or [`ANSWER_REFUSED`]
//! and why there is no answer (nbval, nbclient and `ndplay check` run notebooks with no one
//! to type: their requests say `allow_stdin: false`). Plain `std::io::stdin()` in a cell is
//! served too (the kernel sees the cell waiting on its standard input), or stopped at once
//! when no one can answer.

use std::io::BufRead;

use serde_json::json;

use crate::channel::Kind;
use crate::channel::{ANSWER_OK, ANSWER_REFUSED};
use crate::display::emit;

/// Asks the student for a line of text, showing `prompt`; the text without its newline.
///
/// ```no_run
/// use ndplay::prelude::*;
/// let name = input("Your name: ");
/// println!("Hello, {name}!");
/// ```
///
/// Panics, saying why, when the notebook is run where no one can answer (nbval, nbclient,
/// `ndplay check`).
#[track_caller]
pub fn input(prompt: &str) -> String {
    ask(prompt, false)
}

/// Like [`input`], but the notebook hides what is typed.
#[track_caller]
pub fn password(prompt: &str) -> String {
    ask(prompt, true)
}

/// `track_caller`: a refusal is reported at the student's line, not in this file.
#[track_caller]
fn ask(prompt: &str, password: bool) -> String {
    emit(Kind::Input, &json!({ "prompt": prompt, "password": password }).to_string());
    let mut line = String::new();
    match std::io::stdin().lock().read_line(&mut line) {
        Ok(0) | Err(_) => panic!("input: no answer came (this program's standard input is closed)"),
        Ok(_) => {}
    }
    match parse_answer(&line) {
        Ok(text) => text,
        Err(reason) => panic!("{reason}"),
    }
}

/// The kernel's answer line: the text typed, or why there is none. A line without a marker
/// is taken as typed text.
pub fn parse_answer(line: &str) -> Result<String, String> {
    let line = line.strip_suffix('\n').unwrap_or(line);
    if let Some(text) = line.strip_prefix(ANSWER_OK) {
        Ok(text.to_string())
    } else if let Some(reason) = line.strip_prefix(ANSWER_REFUSED) {
        Err(reason.to_string())
    } else {
        Ok(line.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_parsed() {
        assert_eq!(parse_answer("\u{1e}ok hello world\n"), Ok("hello world".to_string()));
        assert_eq!(parse_answer("\u{1e}refused no stdin\n"), Err("no stdin".to_string()));
        assert_eq!(parse_answer("plain\n"), Ok("plain".to_string()));
    }
}
