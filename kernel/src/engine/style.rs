//! The colours of what a student reads in an error, named once.
//!
//! Tracebacks are ANSI text: JupyterLab, Notebook and `jupyter console` all render SGR
//! sequences, and rustc's own terminal output uses these same ones, so a compile error
//! reads as it would in a terminal. Use them inside format strings, where they are
//! captured by name: `format!("{ERROR}ShapeError{RESET}: {message}")`.
//!
//! (`ndplay check` colours its own terminal report, and turns colour off for a pipe: that
//! is `notebook::Paint`, not this.)

/// Bold red: what failed (`error[E0308]`, `ShapeError`, `panicked`).
pub const ERROR: &str = "\x1b[1;31m";
/// Bold yellow: a warning, or a stop the student asked for (`Interrupted`).
pub const WARNING: &str = "\x1b[1;33m";
/// Bold blue: rustc's frame around a snippet (`-->`, `|`, line numbers).
pub const FRAME: &str = "\x1b[1;34m";
/// Bold cyan: a `help:` with a suggested edit.
pub const HELP: &str = "\x1b[1;36m";
/// Bold green: ndplay's own `hint:` for a NumPy user.
pub const HINT: &str = "\x1b[1;32m";
/// Bold: a message's text, and `help`/`note` after `=`.
pub const BOLD: &str = "\x1b[1m";
/// Green: what a suggested edit adds.
pub const ADDED: &str = "\x1b[32m";
/// Red: what a suggested edit removes.
pub const REMOVED: &str = "\x1b[31m";
/// Ends any of the above.
pub const RESET: &str = "\x1b[0m";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_styles_are_rustcs_sgr_codes() {
        // The bytes the lessons' stored outputs and the browser tier's screenshots hold.
        assert_eq!(format!("{ERROR}error{RESET}"), "\u{1b}[1;31merror\u{1b}[0m");
        assert_eq!(format!("{FRAME}|{RESET}"), "\u{1b}[1;34m|\u{1b}[0m");
    }
}
