//! A cell's compile errors drawn like rustc's: pointing into the cell as typed, in array
//! terms, with rustc's suggestions on the student's own line and a hint for the mistakes
//! beginners make.

use super::array_terms::{hint, shorten_types};
use super::diagnostic::{Diagnostic, Help, Level};
use super::mistakes::{self, Mistake, Place};
use crate::core::engine::{CellError, ErrorKind};
use crate::engine::rust::cell::rewrite::CellText;
use crate::engine::rust::cell::state::Absent;
use crate::engine::rust::restore::RESTORE_COMMAND;
use crate::engine::style::{ADDED, BOLD, ERROR, FRAME, HELP, HINT, REMOVED, RESET, WARNING};

/// Most lines of a list rustc gives in a `help:` (the types that implement a trait) that a
/// report keeps when no hint explains the error; rustc itself, without `--verbose`, keeps 8.
const MAX_LISTED: usize = 4;

/// A rustc-style report of the cell's compile errors, pointing into the user's own code
/// (`typed`, from which `cell` was made), with ndarray's long types written as students
/// write them (`Array2<f64>`), rustc's suggestions shown on the student's own line, and a
/// hint for the mistakes beginners make with arrays.
///
/// When one mistake explained by a hint also caused errors after it (NumPy's `s.sum(axis=0)`
/// is both an unknown `axis` and a wrong count of arguments), those are left out and
/// counted, so that the report leads with the mistake.
///
/// `absent` says why a name the session made is not a variable (a failed cell made it, or
/// it was lost), for rustc's "cannot find value".
pub fn compile_error(
    typed: &str,
    cell: &CellText,
    errors: &[Diagnostic],
    absent: &dyn Fn(&str) -> Option<Absent>,
) -> CellError {
    let lines: Vec<&str> = typed.lines().collect();
    let mut traceback = Vec::new();
    let is_error = |e: &&Diagnostic| e.level == Level::Error;
    // The errors a hint explains lead: they are the mistake, the others often its echoes.
    let hinted = |e: &&Diagnostic| hint_of(typed, cell, e, absent).is_some();
    let errors_first = errors
        .iter()
        .filter(|e| is_error(e) && hinted(e))
        .chain(errors.iter().filter(|e| is_error(e) && !hinted(e)))
        .chain(errors.iter().filter(|e| !is_error(e)));
    // The typed spans a hint has explained: a later error that points into one of them
    // stems from the same mistake.
    let mut explained: Vec<(usize, usize, usize)> = Vec::new();
    let mut left_out = 0;
    for error in errors_first {
        let spans: Vec<(usize, usize, usize)> = error
            .labels
            .iter()
            .filter_map(|l| l.span)
            .map(|s| {
                let (line, start) = cell.typed_position(typed, s.start.0, s.start.1);
                let (end_line, end) = cell.typed_position(typed, s.end.0, s.end.1);
                (line, start, if end_line == line { end } else { usize::MAX })
            })
            .collect();
        let overlaps = |&(l, s, e): &(usize, usize, usize)| {
            explained.iter().any(|&(el, es, ee)| el == l && s < ee.max(es + 1) && es < e.max(s + 1))
        };
        if error.level == Level::Error && spans.iter().any(overlaps) {
            left_out += 1;
            continue;
        }
        let level = error.level.as_str();
        let colour = if error.level == Level::Error { ERROR } else { WARNING };
        let message = shorten_types(&error.message);
        let head = match &error.code {
            Some(c) => format!("{colour}{level}[{c}]{RESET}{BOLD}: {message}{RESET}"),
            None => format!("{colour}{level}{RESET}{BOLD}: {message}{RESET}"),
        };
        traceback.push(head);
        for (label, &(line_no, start_column, end)) in error.labels.iter().filter(|l| l.span.is_some()).zip(&spans) {
            let text = shorten_types(&label.text);
            let pad = " ".repeat(line_no.to_string().len());
            traceback.push(format!("{pad}{FRAME}-->{RESET} cell:{}:{}", line_no, start_column));
            traceback.push(format!("{pad} {FRAME}|{RESET}"));
            if let Some(src) = lines.get(line_no - 1) {
                traceback.push(format!("{FRAME}{line_no} |{RESET} {src}"));
                let start = start_column.saturating_sub(1);
                let end = if end != usize::MAX {
                    end.saturating_sub(1).max(start + 1)
                } else {
                    src.chars().count().max(start + 1)
                };
                let marker = if label.primary { "^" } else { "-" };
                let text = if text.is_empty() { String::new() } else { format!(" {text}") };
                traceback.push(format!(
                    "{pad} {FRAME}|{RESET} {}{colour}{}{}{RESET}",
                    " ".repeat(start),
                    marker.repeat(end - start),
                    text
                ));
            }
        }
        let hint = hint_of(typed, cell, error, absent);
        for help in &error.help {
            let text = shorten_types(&help.text);
            if let Some(shown) = suggestion(typed, cell, help) {
                traceback.push(format!("{HELP}help{RESET}: {text}"));
                traceback.extend(shown);
                continue;
            }
            let mut lines = text.lines();
            let first = lines.next().unwrap_or("");
            let rest: Vec<&str> = lines.filter(|l| !l.trim().is_empty()).map(str::trim).collect();
            let listing = first.starts_with("the following other types implement trait");
            if listing && hint.is_some() {
                // The hint says what to do instead; the list of every `Div` there is does not.
                continue;
            }
            traceback.push(format!("  {FRAME}={RESET} {BOLD}help{RESET}: {first}"));
            let keep = if listing && rest.len() > MAX_LISTED + 1 { MAX_LISTED } else { rest.len() };
            traceback.extend(rest[..keep].iter().map(|l| format!("          {l}")));
            if keep < rest.len() {
                traceback.push(format!("          and {} others", rest.len() - keep));
            }
        }
        if let Some(hint) = &hint {
            let mut hint_lines = hint.lines();
            traceback.push(format!("  {FRAME}={RESET} {HINT}hint{RESET}: {}", hint_lines.next().unwrap_or("")));
            traceback.extend(hint_lines.map(|l| format!("          {l}")));
            if let Some(&(line, start, end)) = spans.first() {
                // `np.where(…)`, `f(axis=0)` and `h.astype(f32)` are one mistake to the end of the line.
                let whole_line =
                    hint.starts_with("NumPy's") || hint.starts_with("Rust has no") || hint.contains("there is no `np`");
                explained.push((line, start, if whole_line { usize::MAX } else { end }));
            }
        }
        for note in error.notes.iter().chain(&error.note) {
            let note = shorten_types(note);
            if hint.is_some() && note.starts_with("the following trait bounds were not satisfied") {
                continue;
            }
            let mut note_lines = note.lines();
            traceback.push(format!("  {FRAME}={RESET} {BOLD}note{RESET}: {}", note_lines.next().unwrap_or("")));
            traceback.extend(note_lines.map(|l| format!("          {}", l.trim())));
        }
        traceback.push(String::new());
    }
    if left_out > 0 {
        let errors = if left_out == 1 { "error" } else { "errors" };
        traceback.push(format!("({left_out} more {errors} from the same mistake not shown)"));
    }
    let first = errors.iter().find(is_error).or(errors.first());
    CellError::new(
        ErrorKind::Compile,
        first.and_then(|e| e.code.clone()).unwrap_or_else(|| "CompileError".into()),
        first.map(|e| shorten_types(&e.message)).unwrap_or_else(|| "the cell did not compile".into()),
        traceback,
    )
}

/// The hint for one error, as [`compile_error`] finds it (to order errors by it).
fn hint_of(
    typed: &str,
    cell: &CellText,
    error: &Diagnostic,
    absent: &dyn Fn(&str) -> Option<Absent>,
) -> Option<String> {
    if let Some(hint) = absent_hint(error, absent) {
        return Some(hint);
    }
    let lines: Vec<&str> = typed.lines().collect();
    let message = shorten_types(&error.message);
    let mut all_text = message.clone();
    let mut primary = None;
    for label in &error.labels {
        all_text.push('\n');
        all_text.push_str(&shorten_types(&label.text));
        let Some(span) = label.span.filter(|_| label.primary && primary.is_none()) else { continue };
        let (line, start) = cell.typed_position(typed, span.start.0, span.start.1);
        let (end_line, end) = cell.typed_position(typed, span.end.0, span.end.1);
        if let Some(src) = lines.get(line - 1) {
            let start = start.saturating_sub(1);
            let end = if end_line == line { end.saturating_sub(1).max(start + 1) } else { src.chars().count() };
            primary = Some(Place { line: src, start, end });
        }
    }
    for help in &error.help {
        all_text.push('\n');
        all_text.push_str(&shorten_types(&help.text));
    }
    mistakes::hint(&Mistake { message: &message, all: &all_text, code: error.code.as_deref(), at: primary })
        .or_else(|| hint(&all_text).map(str::to_string))
}

/// rustc cannot find a variable that a cell of the session made: why it is not there.
fn absent_hint(error: &Diagnostic, absent: &dyn Fn(&str) -> Option<Absent>) -> Option<String> {
    let name = error.message.strip_prefix("cannot find value `")?.split('`').next()?;
    Some(match absent(name)? {
        Absent::CellFailed => format!(
            "`{name}` was made in a cell that stopped with an error, and a cell that fails keeps none of the variables it makes: run that cell again once it works"
        ),
        Absent::Lost => format!(
            "`{name}` was lost when the process running cells stopped: `{RESTORE_COMMAND}` runs again the cells that made it"
        ),
        Absent::TakenByFailedCell => format!(
            "`{name}` was taken by value by a cell that then stopped with an error, so it went with that cell: make it again (to keep it next time, borrow it, `&{name}`, or pass `{name}.clone()`)"
        ),
        Absent::Moved => format!(
            "`{name}` was moved (taken by value) by an earlier cell, so it is gone, as after any move in Rust: make it again (to keep it, borrow it, `&{name}`, or pass `{name}.clone()`)"
        ),
    })
}

/// The byte offset of a 1-based line and character column of `text`.
fn byte_offset(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    let rest = &text[line_start.min(text.len())..];
    let within = rest.char_indices().nth(column.saturating_sub(1)).map_or(rest.len(), |(i, _)| i);
    (line_start + within).min(text.len())
}

/// A rustc suggestion as rustc shows it: the student's line with the change in place, `+`
/// under what an insertion adds; a change that removes or replaces text as the line before
/// (`-`) and after (`+`). `None` when the help suggests nothing in the cell.
fn suggestion(typed: &str, cell: &CellText, help: &Help) -> Option<Vec<String>> {
    if help.edits.is_empty() {
        return None;
    }
    let mut edits: Vec<(usize, usize, &str)> = help
        .edits
        .iter()
        .map(|e| {
            let (l, c) = cell.typed_position(typed, e.span.start.0, e.span.start.1);
            let (el, ec) = cell.typed_position(typed, e.span.end.0, e.span.end.1);
            (byte_offset(typed, l, c), byte_offset(typed, el, ec), e.replacement.as_str())
        })
        .collect();
    edits.sort_by_key(|e| (e.0, e.1));
    if edits.windows(2).any(|w| w[1].0 < w[0].1) {
        return None;
    }
    let mut changed = String::new();
    let mut last = 0;
    for &(start, end, replacement) in &edits {
        changed.push_str(&typed[last..start]);
        changed.push_str(replacement);
        last = end;
    }
    changed.push_str(&typed[last..]);
    let line_of = |offset: usize| typed[..offset].matches('\n').count() + 1;
    let first_line = line_of(edits[0].0);
    let last_line = line_of(edits.iter().map(|e| e.1).max().unwrap_or(0));
    let added_lines: isize = edits
        .iter()
        .map(|&(s, e, r)| r.matches('\n').count() as isize - typed[s..e].matches('\n').count() as isize)
        .sum();
    let old: Vec<&str> = typed.lines().skip(first_line - 1).take(last_line - first_line + 1).collect();
    let new: Vec<&str> = changed
        .lines()
        .skip(first_line - 1)
        .take((last_line - first_line + 1).saturating_add_signed(added_lines))
        .collect();
    let width = (first_line + new.len().max(old.len())).to_string().len();
    let pad = " ".repeat(width);
    let bar = format!("{pad} {FRAME}|{RESET}");
    let mut out = vec![bar.clone()];
    let inserts_only = edits.iter().all(|&(s, e, r)| s == e && !r.contains('\n')) && first_line == last_line;
    if inserts_only {
        let line_start = typed[..edits[0].0].rfind('\n').map_or(0, |i| i + 1);
        let mut marks = String::new();
        let mut shift = 0;
        for &(start, _, replacement) in &edits {
            let column = typed[line_start..start].chars().count() + shift;
            let lead = replacement.chars().take_while(|c| c.is_whitespace()).count();
            let shown = replacement.trim().chars().count().max(1);
            let at = column + lead;
            if marks.chars().count() < at {
                marks.push_str(&" ".repeat(at - marks.chars().count()));
            }
            marks.push_str(&"+".repeat(shown));
            shift += replacement.chars().count();
        }
        out.push(format!("{FRAME}{first_line:<width$} |{RESET} {}", new.first().copied().unwrap_or("")));
        out.push(format!("{bar} {ADDED}{marks}{RESET}"));
    } else {
        for (i, l) in old.iter().enumerate() {
            out.push(format!("{FRAME}{:<width$}{RESET} {REMOVED}- {l}{RESET}", first_line + i));
        }
        for (i, l) in new.iter().enumerate() {
            out.push(format!("{FRAME}{:<width$}{RESET} {ADDED}+ {l}{RESET}", first_line + i));
        }
        out.push(bar);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rust::report::diagnostic::{Label, Span};
    use crate::engine::rust::report::tests::plain;

    /// No name of the session is absent.
    fn none(_: &str) -> Option<Absent> {
        None
    }

    /// A variable a failed cell made, or one lost with the process: rustc's "cannot find
    /// value" says why it is not there. Other names get rustc's words alone.
    #[test]
    fn a_missing_variable_the_session_made_is_explained() {
        let typed = "a + b + c";
        let error = |name: &str, column| Diagnostic {
            level: Level::Error,
            code: Some("E0425".into()),
            message: format!("cannot find value `{name}` in this scope"),
            labels: vec![Label {
                span: Some(Span { start: (1, column), end: (1, column + 1) }),
                text: "not found in this scope".into(),
                primary: true,
            }],
            ..Diagnostic::default()
        };
        let absent = |name: &str| match name {
            "a" => Some(Absent::CellFailed),
            "b" => Some(Absent::Lost),
            _ => None,
        };
        let e = compile_error(typed, &CellText::new(typed), &[error("a", 1), error("b", 5), error("c", 9)], &absent);
        let text = plain(&e.traceback).join("\n");
        assert!(
            text.contains("= hint: `a` was made in a cell that stopped with an error, and a cell that fails keeps none of the variables it makes: run that cell again once it works"),
            "{text}"
        );
        assert!(
            text.contains("= hint: `b` was lost when the process running cells stopped: `:restore` runs again the cells that made it"),
            "{text}"
        );
        assert_eq!(text.matches("hint").count(), 2, "{text}");
    }

    /// Lesson 1's `&m / 3.0` (an integer array divided by a float), as rustc reports it
    /// for the compiled cell: the stored output of that lesson cell, line for line.
    #[test]
    fn a_compile_error_report_is_exact() {
        let error = Diagnostic {
            level: Level::Error,
            code: Some("E0277".into()),
            message: "cannot divide `i32` by `{float}`".into(),
            labels: vec![Label {
                span: Some(Span { start: (1, 4), end: (1, 5) }),
                text: "no implementation for `i32 / {float}`".into(),
                primary: true,
            }],
            help: vec![
                "the trait `Div<{float}>` is not implemented for `i32`".into(),
                "the following other types implement trait `Div<Rhs>`:\n  `&i32` implements `Div<i32>`\n  and 3 others"
                    .into(),
            ],
            notes: vec![],
            note: None,
        };
        let e = compile_error("&m / 3.0", &CellText::new("&m / 3.0"), &[error], &none);
        assert_eq!(
            (e.kind, e.ename.as_str(), e.evalue.as_str()),
            (ErrorKind::Compile, "E0277", "cannot divide `i32` by `{float}`")
        );
        assert_eq!(
            e.traceback,
            [
                "\u{1b}[1;31merror[E0277]\u{1b}[0m\u{1b}[1m: cannot divide `i32` by `{float}`\u{1b}[0m",
                " \u{1b}[1;34m-->\u{1b}[0m cell:1:4",
                "  \u{1b}[1;34m|\u{1b}[0m",
                "\u{1b}[1;34m1 |\u{1b}[0m &m / 3.0",
                "  \u{1b}[1;34m|\u{1b}[0m    \u{1b}[1;31m^ no implementation for `i32 / {float}`\u{1b}[0m",
                "  \u{1b}[1;34m=\u{1b}[0m \u{1b}[1mhelp\u{1b}[0m: the trait `Div<{float}>` is not implemented for `i32`",
                "  \u{1b}[1;34m=\u{1b}[0m \u{1b}[1;32mhint\u{1b}[0m: `m` holds integers and `3.0` is a float: write `m`'s numbers as floats (`1.0`), or `m.mapv(|x| x as f64) / 3.0`",
                "",
            ]
        );
    }

    /// rustc's suggestions are shown as rustc shows them: on the student's own line, an
    /// insertion marked with `+`, a replacement as the line before and after.
    #[test]
    fn suggestions_are_shown_in_place_on_the_students_line() {
        use crate::engine::rust::report::diagnostic::Edit;
        let at = |line, column, len| Span { start: (line, column), end: (line, column + len) };
        let typed = "let mm = array![1.0];\nmm += 1.0;";
        let error = Diagnostic {
            code: Some("E0596".into()),
            message: "cannot borrow `mm` as mutable, as it is not declared as mutable".into(),
            labels: vec![Label { span: Some(at(2, 1, 2)), text: "cannot borrow as mutable".into(), primary: true }],
            help: vec![Help {
                text: "consider changing this to be mutable".into(),
                edits: vec![Edit { span: at(1, 5, 0), replacement: "mut ".into() }],
            }],
            ..Diagnostic::default()
        };
        assert_eq!(
            plain(&compile_error(typed, &CellText::new(typed), &[error], &none).traceback),
            [
                "error[E0596]: cannot borrow `mm` as mutable, as it is not declared as mutable",
                " --> cell:2:1",
                "  |",
                "2 | mm += 1.0;",
                "  | ^^ cannot borrow as mutable",
                "help: consider changing this to be mutable",
                "  |",
                "1 | let mut mm = array![1.0];",
                "  |     +++",
                "",
            ]
        );
        // rustc's multipart suggestion for `len(l)`: `len(` removed, `)` made `.len()`.
        let typed = "len(l)";
        let error = Diagnostic {
            code: Some("E0425".into()),
            message: "cannot find function `len` in this scope".into(),
            labels: vec![Label { span: Some(at(1, 1, 3)), text: "not found in this scope".into(), primary: true }],
            help: vec![Help {
                text: "use the `.` operator to call the method `len` on `&Vec<{integer}>`".into(),
                edits: vec![
                    Edit { span: at(1, 1, 4), replacement: String::new() },
                    Edit { span: at(1, 6, 1), replacement: ".len()".into() },
                ],
            }],
            ..Diagnostic::default()
        };
        assert_eq!(
            plain(&compile_error(typed, &CellText::new(typed), &[error], &none).traceback),
            [
                "error[E0425]: cannot find function `len` in this scope",
                " --> cell:1:1",
                "  |",
                "1 | len(l)",
                "  | ^^^ not found in this scope",
                "help: use the `.` operator to call the method `len` on `&Vec<{integer}>`",
                "  |",
                "1 - len(l)",
                "1 + l.len()",
                "  |",
                "  = hint: Python's `len(l)` is the method `l.len()` in Rust",
                "",
            ]
        );
    }

    /// A list of every type that implements a trait is cut to a few lines, and left out
    /// when a hint says what to do instead.
    #[test]
    fn trait_impl_lists_are_cut() {
        let list: String = (0..30).map(|i| format!("\n  `T{i}` implements `Div`")).collect();
        let error = |message: &str| Diagnostic {
            code: Some("E0277".into()),
            message: message.into(),
            labels: vec![Label { span: Some(Span { start: (1, 3), end: (1, 4) }), text: String::new(), primary: true }],
            help: vec![Help::from(format!("the following other types implement trait `Div<Rhs>`:{list}").as_str())],
            ..Diagnostic::default()
        };
        let typed = "a / b";
        let unexplained =
            plain(&compile_error(typed, &CellText::new(typed), &[error("cannot divide `S` by `R`")], &none).traceback);
        assert_eq!(
            unexplained[5..],
            [
                "  = help: the following other types implement trait `Div<Rhs>`:",
                "          `T0` implements `Div`",
                "          `T1` implements `Div`",
                "          `T2` implements `Div`",
                "          `T3` implements `Div`",
                "          and 26 others",
                "",
            ]
        );
        let explained = plain(
            &compile_error(typed, &CellText::new(typed), &[error("cannot divide `{integer}` by `{float}`")], &none)
                .traceback,
        );
        assert!(!explained.iter().any(|l| l.contains("implements")), "{explained:?}");
        assert!(
            explained.iter().any(|l| l.starts_with("  = hint: `a` is an integer and `b` a float")),
            "{explained:?}"
        );
    }

    /// Errors come first, warnings after; positions inside the kernel's insertions point
    /// at the student's text; array types are written as students write them.
    #[test]
    fn compile_errors_point_into_the_typed_cell_in_array_terms() {
        let typed = "let k = 1;\nmissing_name + moved_b";
        let cell =
            CellText::new(typed).insert(&vec![(11, "let __ndplay_last = ".into()), (33, ";\n__ndplay_last".into())]);
        let at = |line, column, len| Some(Span { start: (line, column), end: (line, column + len) });
        let warning = Diagnostic {
            level: Level::Warning,
            message: "unused variable: `k`".into(),
            labels: vec![Label { span: at(1, 5, 1), text: "help: prefix it with an underscore".into(), primary: true }],
            ..Diagnostic::default()
        };
        let error = Diagnostic {
            level: Level::Error,
            code: Some("E0425".into()),
            message: "cannot find value `missing_name` in this scope".into(),
            labels: vec![Label { span: at(2, 21, 12), text: "not found in this scope".into(), primary: true }],
            note: Some("a note of the kernel's".into()),
            ..Diagnostic::default()
        };
        let e = compile_error(typed, &cell, &[warning, error], &none);
        assert_eq!(e.ename, "E0425");
        assert_eq!(
            plain(&e.traceback),
            [
                "error[E0425]: cannot find value `missing_name` in this scope",
                " --> cell:2:1",
                "  |",
                "2 | missing_name + moved_b",
                "  | ^^^^^^^^^^^^ not found in this scope",
                "  = note: a note of the kernel's",
                "",
                "warning: unused variable: `k`",
                " --> cell:1:5",
                "  |",
                "1 | let k = 1;",
                "  |     ^ help: prefix it with an underscore",
                "",
            ]
        );
        let typed = "let x: Array2<f64> = f();";
        let mismatch = Diagnostic {
            message: "expected `ArrayBase<OwnedRepr<f64>, Dim<[usize; 2]>>`, found `()`".into(),
            ..Diagnostic::default()
        };
        let e = compile_error(typed, &CellText::new(typed), &[mismatch], &none);
        assert_eq!((e.ename.as_str(), e.evalue.as_str()), ("CompileError", "expected `Array2<f64>`, found `()`"));
    }
}
