//! What the kernel inserts into a cell before evcxr compiles it, and how compiler
//! positions are taken back to the text the student typed.
//!
//! Two rewrites exist, each for a quirk of evcxr's display of the final value (see
//! [`bind_moving_tail`] and [`retry_ambiguous_numeric`]). Every insertion is recorded in a
//! [`CellText`], so an error never shows `let __ndplay_last = ` or points at the wrong
//! column.

use super::diagnostic::{Diagnostic, Level};
use crate::syntax::cell::{final_expression, tail_expression};

/// A wrapper whose inherent `evcxr_display` shows any `Debug` value as text. Defined once
/// per session, next to the prelude's `use`; see [`retry_ambiguous_numeric`].
pub const DEBUG_WRAPPER: &str = "pub struct __NdplayDebug<T>(pub T);
impl<T: std::fmt::Debug> __NdplayDebug<T> {
    pub fn evcxr_display(&self) {
        println!(\"EVCXR_BEGIN_CONTENT text/plain\\n{:?}\\nEVCXR_END_CONTENT\", self.0);
    }
}";

/// evcxr shows a cell's final value by calling `(value).evcxr_display()`, falling back to
/// `{:?}` when no such method exists. The prelude defines that method for arrays, so one
/// *does* exist, and for a value of a not-yet-inferred numeric type (`let z = 1; z`) rustc
/// then stops with E0689 ("can't call method `evcxr_display` on ambiguous numeric type
/// `{integer}`") instead of defaulting to `i32`. evcxr hides that error (it is in code it
/// generated) and shows only rustc's "help" line. When a cell fails with no error of its
/// own, only such notes, its final expression is wrapped in `__NdplayDebug(..)`, whose
/// inherent method takes any `Debug` value, letting the number default as usual; the cell
/// is compiled once more.
pub fn retry_ambiguous_numeric(code: &str, errors: &[Diagnostic]) -> Option<Edits> {
    let only_notes = !errors.is_empty() && errors.iter().all(|e| e.level != Level::Error);
    let e0689 = errors.iter().any(|e| e.code.as_deref() == Some("E0689") && e.message.contains("evcxr_display"));
    if !(only_notes || e0689) {
        return None;
    }
    let (start, end) = final_expression(code)?;
    Some(vec![(start, "__NdplayDebug(".into()), (end, ")".into())])
}

/// The name a moving final expression is bound to (see [`bind_moving_tail`]).
const LAST_VALUE: &str = "__ndplay_last";

/// Methods that take `self` by value: called on a variable, they move it.
const CONSUMING_METHODS: &[&str] = &["reversed_axes", "permuted_axes", "insert_axis", "remove_axis", "mapv_into"];

/// evcxr shows a final expression by wrapping it in `(expr).evcxr_display()`. When the
/// expression moves a variable (`Array1::from(v)`, `c.into_shape_with_order(..)`,
/// `a + &b`), evcxr's bookkeeping for that variable fails to compile, and its repair also
/// switches the display to `{:?}`: the student sees ndarray's debug dump instead of the
/// array. Binding the value first (`let __ndplay_last = expr; __ndplay_last`) keeps the
/// move out of the display wrapper. Only done when the expression visibly moves a plain
/// name, since a binding must be storable (no borrowed views).
pub fn bind_moving_tail(code: &str) -> Option<Edits> {
    use ra_ap_syntax::ast::{self, BinaryOp};
    use ra_ap_syntax::AstNode;
    let (tail, start, end) = tail_expression(code)?;
    let is_name = |e: Option<ast::Expr>| matches!(e, Some(ast::Expr::PathExpr(p)) if p.path().is_some_and(|p| p.qualifier().is_none()));
    let moves = tail.syntax().descendants().any(|node| {
        if let Some(args) = ast::ArgList::cast(node.clone()) {
            return args.args().any(|a| is_name(Some(a)));
        }
        if let Some(call) = ast::MethodCallExpr::cast(node.clone()) {
            let name = call.name_ref().map(|n| n.text().to_string()).unwrap_or_default();
            return (name.starts_with("into_") || CONSUMING_METHODS.contains(&name.as_str()))
                && is_name(call.receiver());
        }
        if let Some(bin) = ast::BinExpr::cast(node) {
            return matches!(bin.op_kind(), Some(BinaryOp::ArithOp(_))) && (is_name(bin.lhs()) || is_name(bin.rhs()));
        }
        false
    });
    moves.then(|| vec![(start, format!("let {LAST_VALUE} = ")), (end, format!(";\n{LAST_VALUE}"))])
}

/// Text the kernel inserts into a cell before compiling it: (byte offset, text), in
/// ascending order of offset.
pub type Edits = Vec<(usize, String)>;

/// A cell as it is compiled: the student's text plus the kernel's insertions (see
/// [`bind_moving_tail`] and [`retry_ambiguous_numeric`]). The compiler reports positions
/// in `code`; [`CellText::typed_position`] takes them back to what the student typed, so an
/// error never shows `let __ndplay_last = ` or points at the wrong column.
pub struct CellText {
    pub code: String,
    /// Every insertion so far, as (offset in the text it was made in, length), oldest first.
    insertions: Vec<(usize, usize)>,
}

impl CellText {
    pub fn new(typed: &str) -> CellText {
        CellText { code: typed.to_string(), insertions: Vec::new() }
    }

    pub fn insert(mut self, edits: &Edits) -> CellText {
        // Apply from the back so that earlier offsets stay valid; record them in the
        // coordinates of the text each insertion was made in (front first).
        let mut shift = 0;
        let mut recorded = Vec::new();
        for (at, text) in edits {
            recorded.push((at + shift, text.len()));
            shift += text.len();
        }
        for (at, text) in edits.iter().rev() {
            self.code.insert_str(*at, text);
        }
        self.insertions.extend(recorded);
        self
    }

    /// Where a byte offset of `code` was in the typed text. A position inside inserted
    /// text maps to where the insertion was made.
    fn typed_offset(&self, mut offset: usize) -> usize {
        for &(at, len) in self.insertions.iter().rev() {
            if offset >= at + len {
                offset -= len;
            } else if offset > at {
                offset = at;
            }
        }
        offset
    }

    /// Where a 1-based (line, character column) of `code` was in `typed`, the text the
    /// cell was made from.
    pub fn typed_position(&self, typed: &str, line: usize, column: usize) -> (usize, usize) {
        position_of(typed, self.typed_offset(offset_of(&self.code, line, column)))
    }
}

/// The byte offset of a 1-based line and character column; the end of the text if past it.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    let rest = &text[line_start.min(text.len())..];
    let within = rest.char_indices().nth(column.saturating_sub(1)).map_or(rest.len(), |(i, _)| i);
    (line_start + within).min(text.len())
}

/// The 1-based line and character column of a byte offset.
fn position_of(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moving_tails_are_bound_first() {
        let code = "let v = vec![1.0];\nArray1::from_vec(v)";
        assert_eq!(
            CellText::new(code).insert(&bind_moving_tail(code).unwrap()).code,
            "let v = vec![1.0];\nlet __ndplay_last = Array1::from_vec(v);\n__ndplay_last"
        );
        assert!(bind_moving_tail("c.into_shape_with_order((2, 1)).unwrap()").is_some());
        assert!(bind_moving_tail("a + &b").is_some());
        // Borrowing tails are left to evcxr: they may not be storable.
        assert_eq!(bind_moving_tail("&a + &b"), None);
        assert_eq!(bind_moving_tail("a.view()"), None);
        assert_eq!(bind_moving_tail("a.dot(&b)"), None);
        assert_eq!(bind_moving_tail("a"), None);
        assert_eq!(bind_moving_tail("let x = f(v);"), None);
    }

    #[test]
    fn compiler_positions_map_back_to_the_typed_cell() {
        let typed = "let b = 2;\nkeep + b";
        let tail = bind_moving_tail("keep + b").map(|e| e.into_iter().map(|(at, t)| (at + 11, t)).collect()).unwrap();
        let cell = CellText::new(typed).insert(&tail);
        let cell = cell.insert(&vec![(31, "__NdplayDebug(".into()), (39, ")".into())]);
        assert_eq!(cell.code, "let b = 2;\nlet __ndplay_last = __NdplayDebug(keep + b);\n__ndplay_last");
        let back = |line, column| cell.typed_position(typed, line, column);
        assert_eq!(back(2, 35), (2, 1)); // `keep`
        assert_eq!(back(2, 42), (2, 8)); // `b`
        assert_eq!(back(2, 5), (2, 1)); // inside `let __ndplay_last = `
        assert_eq!(back(1, 5), (1, 5)); // before any insertion
        assert_eq!(back(3, 1), (2, 9)); // the added `__ndplay_last` line: the end of the tail
    }

    fn diagnostic(level: Level, code: Option<&str>, message: &str) -> Diagnostic {
        Diagnostic { level, code: code.map(Into::into), message: message.into(), ..Diagnostic::default() }
    }

    #[test]
    fn ambiguous_numbers_are_retried_through_the_debug_wrapper() {
        let e0689 = [diagnostic(
            Level::Error,
            Some("E0689"),
            "can't call method `evcxr_display` on ambiguous numeric type `{integer}`",
        )];
        let edits = retry_ambiguous_numeric("let z = 1; z", &e0689).unwrap();
        assert_eq!(CellText::new("let z = 1; z").insert(&edits).code, "let z = 1; __NdplayDebug(z)");
        let only_notes = [diagnostic(Level::Help, None, "you must specify a concrete type")];
        assert!(retry_ambiguous_numeric("let z = 1; z", &only_notes).is_some());
        // A real error of the student's is reported, not retried.
        let real = [diagnostic(Level::Error, Some("E0308"), "mismatched types")];
        assert_eq!(retry_ambiguous_numeric("let z: i32 = \"x\"; z", &real), None);
        assert_eq!(retry_ambiguous_numeric("let z = 1;", &e0689), None);
    }
}
