//! A compiler message about a cell as plain data: what the reports are written from.
//!
//! rustc writes its messages as JSON about the generated library; [`Diagnostic::from_rustc`]
//! is the one adapter from them, taking positions back to the cell. Every report that reads
//! a diagnostic can so be tested with values written by hand.

use serde_json::Value;

use crate::engine::rust::cell::codegen::{Origin, SourceMap};

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

/// A change rustc suggests to the cell: the text at `span` replaced by `replacement` (an
/// empty span inserts it).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

/// A `help:` of rustc's: its words, and the changes it suggests to the cell, all together
/// (rustc's "multipart" suggestions, such as `len(l)` → `l.len()`, are several edits).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Help {
    pub text: String,
    pub edits: Vec<Edit>,
}

impl From<&str> for Help {
    fn from(text: &str) -> Help {
        Help { text: text.to_string(), edits: Vec::new() }
    }
}

/// One compiler message about a cell, in positions of the code that was compiled.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Diagnostic {
    pub level: Level,
    /// rustc's error code, e.g. `E0308`.
    pub code: Option<String>,
    pub message: String,
    pub labels: Vec<Label>,
    /// rustc's `help:` lines, each possibly several lines long, with its suggestions.
    pub help: Vec<Help>,
    /// rustc's own `note:` lines that stand alone (no place in the code of their own).
    pub notes: Vec<String>,
    /// A note of the kernel's own for some errors.
    pub note: Option<String>,
}

/// rustc's notes that tell a student nothing about the cell: lint settings, where a long
/// type was written, the bounds deep inside a library.
const NOISE: &[&str] = &[
    "#[",
    "on by default",
    "the full name for the type",
    "consider using `--verbose`",
    "required by a bound",
    "required for `",
];

/// The compile-error messages of rustc that only summarise (they are left out).
const SUMMARIES: &[&str] = &["aborting due to", "For more information about", "Some errors have detailed explanations"];

impl Diagnostic {
    /// The adapter from rustc's JSON diagnostics for a generated cell library: positions
    /// are taken to the cell's compiled text through `map`, and spans elsewhere (the
    /// kernel's own lines, libraries) are left out. `None` for rustc's summary lines.
    pub fn from_rustc(json: &Value, map: &SourceMap) -> Option<Diagnostic> {
        let message = json["message"].as_str()?;
        if SUMMARIES.iter().any(|s| message.starts_with(s)) {
            return None;
        }
        let mut labels = cell_labels(json, map);
        if labels.is_empty() {
            // The error is reported in the kernel's code, but a note of it points at the
            // student's: show that place.
            if let Some(child) =
                json["children"].as_array().into_iter().flatten().find(|c| !cell_labels(c, map).is_empty())
            {
                labels = cell_labels(child, map);
            }
        }
        let code = json["code"]["code"].as_str().map(str::to_string);
        let help = json["children"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| c["level"] == "help")
            .filter_map(|c| help(c, map))
            .collect();
        resolve_elided_types(&mut labels, json);
        let notes = json["children"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| c["level"] == "note" && c["spans"].as_array().is_none_or(|s| s.is_empty()))
            .filter_map(|c| c["message"].as_str())
            .filter(|n| !NOISE.iter().any(|w| n.contains(w)))
            .map(str::to_string)
            .collect();
        let note = match code.as_deref() {
            Some("E0597") => Some(
                "a variable kept between cells cannot borrow from another value (unless that value is 'static)"
                    .to_string(),
            ),
            _ => None,
        };
        let diagnostic = Diagnostic {
            level: Level::parse(json["level"].as_str().unwrap_or("error")),
            code,
            message: message.to_string(),
            labels,
            help,
            notes,
            note,
        };
        Some(if message.contains(TRY_METHOD) { untriable(diagnostic) } else { diagnostic })
    }
}

/// A `help` child of a rustc diagnostic, with its suggested edits when they fall in the
/// cell. A suggestion for the kernel's own lines cannot be shown in place; its replacement
/// is then kept as text after the words, as rustc's `help:` without a snippet would read.
fn help(child: &Value, map: &SourceMap) -> Option<Help> {
    let mut text = child["message"].as_str()?.to_string();
    let mut edits = Vec::new();
    let mut elsewhere = Vec::new();
    for span in child["spans"].as_array().into_iter().flatten() {
        let Some(replacement) = span["suggested_replacement"].as_str() else { continue };
        match cell_span(span, map) {
            Some(span) => edits.push(Edit { span, replacement: replacement.to_string() }),
            None => elsewhere.push(replacement.trim_end().to_string()),
        }
    }
    if edits.is_empty() {
        match elsewhere.first().filter(|r| !r.is_empty()) {
            // A variable of an earlier cell is declared in the kernel's lines: a `mut` there
            // is nowhere the student can write it.
            Some(r) if r == "mut" => text.push_str(" (it was declared in an earlier cell)"),
            Some(replacement) => {
                text.push_str("\n\n");
                text.push_str(replacement);
            }
            None => {}
        }
    }
    Some(Help { text, edits })
}

/// rustc elides what two types share in a label (`expected `&ArrayBase<OwnedRepr<f64>, ...,
/// f64>`, found `ArrayBase<..., ..., {float}>``), which no shortening can read back; its
/// note `expected reference `…` found struct `…`` has them whole, and replaces such a label.
fn resolve_elided_types(labels: &mut [Label], json: &Value) {
    let whole = json["children"].as_array().into_iter().flatten().find_map(|c| {
        let note = c["message"].as_str()?;
        if c["level"] != "note" || !note.starts_with("expected ") || !note.contains("found ") {
            return None;
        }
        let quoted: Vec<&str> = note.split('`').skip(1).step_by(2).collect();
        match quoted.as_slice() {
            [expected, found] => Some(format!("expected `{expected}`, found `{found}`")),
            _ => None,
        }
    });
    let Some(whole) = whole else { return };
    for label in labels.iter_mut().filter(|l| l.text.starts_with("expected ") && l.text.contains("...")) {
        label.text = whole.clone();
    }
}

/// The method the kernel wraps each top-level `?`'s value in (see `crate::engine::rust::cell::codegen`).
const TRY_METHOD: &str = "__ndplay_at";

/// rustc's error about the kernel's wrapper of a `?` (E0599 on `__ndplay_at`, naming the
/// kernel's own types), said in the student's terms: what a `?` at a cell's top level
/// takes, and rustc's `derive(Debug)` advice when it gave it.
fn untriable(d: Diagnostic) -> Diagnostic {
    let labels = d
        .labels
        .into_iter()
        .map(|l| Label { text: if l.primary { "this `?` cannot report its error".into() } else { l.text }, ..l })
        .collect();
    Diagnostic {
        code: None,
        message: "a `?` at a cell's top level needs an `Option`, or a `Result` whose error type has `Display` or `Debug`"
            .into(),
        labels,
        help: d.help.into_iter().filter(|h| h.text.contains("derive(Debug)")).collect(),
        note: Some("the cell ends with the error the `?` meets, shown by `Display` (else `Debug`); derive `Debug` for the error type, or turn it into one that has it with `.map_err(…)`".into()),
        ..d
    }
}

/// The file rustc compiles a cell library from (its spans name it so).
const CELL_FILE: &str = "src/lib.rs";

/// The place in the cell library's own source a span stands for. A span inside a macro's
/// expansion (`format!` is written in the standard library; `dbg!` and `eprintln!` in the
/// library's own header, outside the cell's lines) is followed back through its
/// `expansion` chain to the macro call the library's source makes; a span that never
/// reaches it (a library's own code) is `None`. A span with no file named is taken as the
/// library's (hand-written diagnostics in tests).
fn source_span<'a>(span: &'a Value, map: &SourceMap) -> Option<&'a Value> {
    let mut span = span;
    let in_cell = |s: &Value| {
        s["line_start"].as_u64().is_some_and(|l| matches!(map.origin(l as usize), Some((Origin::Cell { .. }, _))))
    };
    // The chain is finite in rustc's output; the bound only guards against a cycle.
    for _ in 0..64 {
        match span["file_name"].as_str() {
            None => return Some(span),
            Some(CELL_FILE) if in_cell(span) || span["expansion"].is_null() => return Some(span),
            Some(_) => span = &span["expansion"]["span"],
        }
        if span.is_null() {
            return None;
        }
    }
    None
}

/// Where a rustc span is in the cell's compiled text, if it is in the cell's own lines.
fn cell_span(written: &Value, map: &SourceMap) -> Option<Span> {
    let span = source_span(written, map)?;
    let (start_line, end_line) = (span["line_start"].as_u64()?, span["line_end"].as_u64()?);
    let (Some((Origin::Cell { .. }, Some(start))), Some((Origin::Cell { .. }, Some(end)))) =
        (map.origin(start_line as usize), map.origin(end_line as usize))
    else {
        return None;
    };
    let column = |key: &str| span[key].as_u64().unwrap_or(1) as usize;
    Some(Span { start: (start, column("column_start")), end: (end, column("column_end")) })
}

/// The spans of a rustc diagnostic that fall in the cell's own lines, as labels.
fn cell_labels(json: &Value, map: &SourceMap) -> Vec<Label> {
    let mut labels = Vec::new();
    for written in json["spans"].as_array().into_iter().flatten() {
        let Some(span) = cell_span(written, map) else { continue };
        // The label and whether it is primary are the written span's: the call site of a
        // macro carries neither.
        labels.push(Label {
            span: Some(span),
            text: written["label"].as_str().unwrap_or("").to_string(),
            primary: written["is_primary"].as_bool().unwrap_or(false),
        });
    }
    labels
}

/// Where a rustc diagnostic is: the origin of its primary span, and those of its other
/// spans and its notes' spans. The engine reads from them whose doing the error is.
pub fn origins(json: &Value, map: &SourceMap) -> (Option<Origin>, Vec<Origin>) {
    let origin = |span: &Value| {
        let line = source_span(span, map)?["line_start"].as_u64()? as usize;
        map.origin(line).map(|(o, _)| o.clone())
    };
    let spans: Vec<&Value> = json["spans"].as_array().into_iter().flatten().collect();
    let primary = spans.iter().find(|s| s["is_primary"].as_bool().unwrap_or(false)).and_then(|s| origin(s));
    let mut secondary: Vec<Origin> = Vec::new();
    let children =
        json["children"].as_array().into_iter().flatten().flat_map(|c| c["spans"].as_array().into_iter().flatten());
    for span in spans.iter().copied().filter(|s| !s["is_primary"].as_bool().unwrap_or(false)).chain(children) {
        if let Some(o) = origin(span) {
            if !secondary.contains(&o) {
                secondary.push(o);
            }
        }
    }
    (primary, secondary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rust::cell::codegen::{generate, CellSource, Plan};
    use crate::engine::rust::cell::state::State;

    #[test]
    fn a_question_mark_on_a_value_it_cannot_report_is_said_without_the_kernels_names() {
        let code = "let x = nd()?;";
        let cell = CellSource { typed: code, items: &[], code, fallible: true };
        let g = generate(&State::default(), &cell, &Plan::default());
        let line = g.source.lines().position(|l| l.contains("nd()?")).unwrap() + 1;
        let error = serde_json::json!({
            "message": "the method `__ndplay_at` exists for struct `__NdplayTry<Result<u8, NoDbg>>`, but its trait bounds were not satisfied",
            "code": {"code": "E0599"}, "level": "error",
            "spans": [{"file_name": "src/lib.rs", "line_start": line, "line_end": line, "column_start": 13,
                "column_end": 14, "is_primary": true, "label": "method cannot be called on `__NdplayTry<…>`"}],
            "children": [
                {"level": "help", "message": "consider annotating `NoDbg` with `#[derive(Debug)]`", "spans": []},
                {"level": "help", "message": "items from traits can only be used if the trait is implemented and in scope", "spans": []}
            ]
        });
        let d = Diagnostic::from_rustc(&error, &g.map).unwrap();
        let text = format!("{} {:?} {:?} {:?}", d.message, d.labels, d.help, d.note);
        assert!(!text.contains("__ndplay") && !text.contains("__Ndplay"), "{text}");
        assert_eq!(d.code, None);
        assert_eq!(d.labels[0].text, "this `?` cannot report its error");
        assert_eq!(d.help, [Help::from("consider annotating `NoDbg` with `#[derive(Debug)]`")]);
    }

    #[test]
    fn an_error_inside_a_macro_expansion_points_at_the_macro_call_in_the_cell() {
        let code = "let mut s = String::new(); s.push_str(format!(\"\"));";
        let cell = CellSource { typed: code, items: &[], code, fallible: false };
        let g = generate(&State::default(), &cell, &Plan::default());
        let line = g.source.lines().position(|l| l.contains("push_str")).unwrap() + 1;
        // As rustc writes it: the primary span is in the standard library's `format!`,
        // with the call in the cell library as its expansion.
        let error = serde_json::json!({
            "message": "mismatched types",
            "code": {"code": "E0308"},
            "level": "error",
            "spans": [{
                "file_name": "/rustc/abc/library/alloc/src/macros.rs",
                "line_start": 114, "line_end": 114, "column_start": 13, "column_end": 74,
                "is_primary": true, "label": "expected `&str`, found `String`",
                "expansion": {"span": {
                    "file_name": "src/lib.rs", "line_start": line, "line_end": line,
                    "column_start": 39, "column_end": 50, "is_primary": false, "label": null,
                    "expansion": null
                }, "macro_decl_name": "format!"}
            }],
            "children": []
        });
        let d = Diagnostic::from_rustc(&error, &g.map).unwrap();
        assert_eq!(d.labels.len(), 1, "{d:?}");
        let label = &d.labels[0];
        assert_eq!(label.span, Some(Span { start: (1, 39), end: (1, 50) }));
        assert!(label.primary);
        assert_eq!(label.text, "expected `&str`, found `String`");
        assert!(matches!(origins(&error, &g.map).0, Some(Origin::Cell { .. })));
        // A span in a library with no expansion into the cell is nowhere in the cell.
        let elsewhere = serde_json::json!({"message": "m", "spans": [{
            "file_name": "/rustc/abc/library/core/src/fmt.rs", "line_start": line, "line_end": line,
            "is_primary": true, "expansion": null}], "children": []});
        assert!(Diagnostic::from_rustc(&elsewhere, &g.map).unwrap().labels.is_empty());
        assert_eq!(origins(&elsewhere, &g.map).0, None);
    }
}
