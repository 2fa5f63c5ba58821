//! A compiler message about a cell as plain data: what the reports are written from.
//!
//! evcxr hands over its own `CompilationError`; [`Diagnostic::from_evcxr`] is the one
//! adapter from it, so every report that reads a diagnostic can be tested with values
//! written by hand, and a compiler driven another way needs only another adapter.

/// How serious a compiler message is, as rustc's JSON says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Level {
    #[default]
    Error,
    Warning,
    Note,
    Help,
    /// Any other level rustc reports (e.g. `failure-note`), kept as written.
    Other(String),
}

impl Level {
    pub fn parse(text: &str) -> Level {
        match text {
            "error" => Level::Error,
            "warning" => Level::Warning,
            "note" => Level::Note,
            "help" => Level::Help,
            other => Level::Other(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "note",
            Level::Help => "help",
            Level::Other(s) => s,
        }
    }
}

/// A place in the compiled cell: 1-based line and character column, start and end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub start: (usize, usize),
    pub end: (usize, usize),
}

/// A label under a span (`^^^ expected i32`), primary (`^`) or secondary (`-`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Label {
    pub span: Option<Span>,
    pub text: String,
    pub primary: bool,
}

/// One compiler message about a cell, in positions of the code that was compiled.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Diagnostic {
    pub level: Level,
    /// rustc's error code, e.g. `E0308`.
    pub code: Option<String>,
    pub message: String,
    pub labels: Vec<Label>,
    /// rustc's `help:` lines, each possibly several lines long.
    pub help: Vec<String>,
    /// A note of evcxr's own for some errors.
    pub note: Option<String>,
}

impl Diagnostic {
    /// The one adapter from evcxr's compile errors.
    pub fn from_evcxr(e: &evcxr::CompilationError) -> Diagnostic {
        Diagnostic {
            level: Level::parse(e.level()),
            code: e.code().map(str::to_string),
            message: e.message(),
            labels: e
                .spanned_messages()
                .iter()
                .map(|m| Label {
                    span: m
                        .span
                        .map(|s| Span { start: (s.start_line, s.start_column), end: (s.end_line, s.end_column) }),
                    text: m.label.clone(),
                    primary: m.is_primary,
                })
                .collect(),
            help: e.help(),
            note: e.evcxr_extra_hint().map(str::to_string),
        }
    }
}
