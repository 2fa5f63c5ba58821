//! What the kernel inserts into a cell before compiling it (the code that shows its final
//! value), and how compiler positions are taken back to the text the student typed. Every
//! insertion is recorded in a [`CellText`], so an error never shows the kernel's code or
//! points at the wrong column.

use crate::syntax::cell::Parts;

/// Text the kernel inserts into a cell before compiling it: (byte offset, text), in
/// ascending order of offset.
pub type Edits = Vec<(usize, String)>;

/// What the kernel inserts into a cell: around its final expression, what shows it; around
/// the expression of each `?` of its own code, what turns an error or a `None` into the
/// cell's failure, with the line of the `?` (the code is run in a closure that returns a
/// `Result`, see [`super::codegen`]). `show` is the (prefix, suffix) of the final
/// expression.
pub fn cell_edits(parts: &Parts, show: (&str, &str)) -> Edits {
    let mut edits: Edits = Vec::new();
    if let Some((start, end)) = parts.tail {
        edits.push((start, show.0.to_string()));
        edits.push((end, show.1.to_string()));
    }
    for t in &parts.tries {
        edits.push((t.start, TRY_BEFORE.to_string()));
        edits.push((t.end, format!("{TRY_AFTER}({})", t.line)));
    }
    // A stable sort keeps, at one offset, the order above: the final expression's prefix
    // before a `?`'s, an outer `?`'s before an inner one's (tries come outermost first). Two
    // suffixes never share an offset: a `?` stands after each.
    edits.sort_by_key(|(at, _)| *at);
    edits
}

/// What the expression of a `?` is wrapped in: `__ndplay_try(expr).__ndplay_at(line)?`.
pub const TRY_BEFORE: &str = "__ndplay_try(";
pub const TRY_AFTER: &str = ").__ndplay_at";

/// A cell as it is compiled: the student's text plus the kernel's insertions. The compiler
/// reports positions in `code`; [`CellText::typed_position`] takes them back to what the
/// student typed.
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
    fn each_top_level_question_mark_is_wrapped_with_its_line() {
        let typed = "let x: i32 = \"5\".parse()?;\nv.get(x)?.first()?";
        let edits = cell_edits(&crate::syntax::cell::parts(typed), ("S(", ")"));
        let cell = CellText::new(typed).insert(&edits);
        assert_eq!(
            cell.code,
            "let x: i32 = __ndplay_try(\"5\".parse()).__ndplay_at(1)?;\nS(__ndplay_try(__ndplay_try(v.get(x)).__ndplay_at(2)?.first()).__ndplay_at(2)?)"
        );
        // `x` in `v.get(x)` is at line 2, column 7 as typed.
        let at = cell.code.lines().nth(1).unwrap().find("(x)").unwrap() + 2;
        assert_eq!(cell.typed_position(typed, 2, at), (2, 7));
    }

    #[test]
    fn compiler_positions_map_back_to_the_typed_cell() {
        let typed = "let b = 2;\nkeep + b";
        let cell = CellText::new(typed).insert(&vec![(11, "show(&(".into()), (19, "))".into())]);
        assert_eq!(cell.code, "let b = 2;\nshow(&(keep + b))");
        let cell = cell.insert(&vec![(18, "wrap(".into()), (26, ")".into())]);
        assert_eq!(cell.code, "let b = 2;\nshow(&(wrap(keep + b)))");
        let back = |line, column| cell.typed_position(typed, line, column);
        assert_eq!(back(2, 13), (2, 1)); // `keep`
        assert_eq!(back(2, 20), (2, 8)); // `b`
        assert_eq!(back(2, 3), (2, 1)); // inside `show(&(`
        assert_eq!(back(1, 5), (1, 5)); // before any insertion
        assert_eq!(back(2, 24), (2, 9)); // the closing insertion: the end of the tail
    }
}
