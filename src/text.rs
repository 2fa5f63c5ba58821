//! The NumPy-like `text/plain` repr of an array.
//!
//! ```text
//! array![[0.33333333, 0.66666667],
//!        [1.        , 1.33333333]]
//! ```
//!
//! It follows NumPy's `repr` closely, so students can compare both courses line by line:
//! columns aligned, floats in NumPy's `maxprec` style (see [`DType`]), arrays above
//! [`SUMMARY_THRESHOLD`] elements summarised with `...` keeping [`EDGE_ITEMS`] items at
//! both ends of every long axis, lines wrapped at [`LINE_WIDTH`] columns, and
//! `shape=(…)` / `dtype=…` added after the brackets when the data alone does not say
//! them. Where Rust differs it speaks Rust: the array opens with `array!` (the macro the
//! student typed), a 0-D array is `arr0(…)`, dtypes are Rust type names.

use ndarray::{ArrayBase, ArrayViewD, Data, Dimension, IxDyn};

use crate::dtype::DType;
/// Shapes are written as Python tuples everywhere; the function lived here first.
pub use crate::words::shape_tuple;

/// Arrays with more elements than this are summarised (NumPy's `threshold`).
pub const SUMMARY_THRESHOLD: usize = 1000;
/// Items kept at each end of a long axis when summarising (NumPy's `edgeitems`).
pub const EDGE_ITEMS: usize = 3;
/// Lines are wrapped at this many columns (NumPy's `linewidth`). As in NumPy, one column
/// is reserved for a closing bracket, so our lines break exactly where NumPy's do.
pub const LINE_WIDTH: usize = 75;
/// What stands for the elements left out of a summarised axis.
pub const ELLIPSIS: &str = "...";
/// Opens a non-empty array: the macro that builds it.
const PREFIX: &str = "array!";

/// Renders `a` NumPy-style; see the module docs.
pub fn array_text<A: DType, S: Data<Elem = A>, D: Dimension>(a: &ArrayBase<S, D>) -> String {
    let view = a.view().into_dyn();
    let shape = view.shape().to_vec();
    let summarise = view.len() > SUMMARY_THRESHOLD;
    let mut extras = Vec::new();
    if summarise || (view.is_empty() && shape.len() != 1) {
        extras.push(format!("shape={}", shape_tuple(&shape)));
    }
    if !A::IS_DEFAULT {
        extras.push(format!("dtype={}", A::NAME));
    }

    let body = if shape.is_empty() {
        let value = view.iter().next().expect("a 0-D array has one element");
        format!("arr0({})", A::format_column(&[value])[0])
    } else if view.is_empty() {
        format!("{PREFIX}[]")
    } else {
        let grid = ShownGrid::new(&view, summarise);
        let hanging = " ".repeat(PREFIX.len() + 1);
        format!("{PREFIX}{}", grid.recurse(0, 0, &hanging, LINE_WIDTH - 1))
    };
    with_extras(body, &extras)
}

/// Appends `, shape=…, dtype=…`, on a new indented line if the last line would get too
/// long (as NumPy does).
fn with_extras(body: String, extras: &[String]) -> String {
    if extras.is_empty() {
        return body;
    }
    let extra = extras.join(", ");
    let last_line = body.rsplit('\n').next().unwrap_or("").chars().count();
    if last_line + 2 + extra.len() + 1 > LINE_WIDTH {
        format!("{body},\n{}{extra}", " ".repeat(PREFIX.len()))
    } else {
        format!("{body}, {extra}")
    }
}

/// The elements that will be printed (all, or the edges of each long axis when
/// summarising), already formatted to one common width, in row-major order.
///
/// Shared with the HTML view, which summarises the same way.
pub(crate) struct ShownGrid {
    /// For each axis, the indices that are shown.
    pub(crate) indices: Vec<Vec<usize>>,
    /// For each axis, how many positions are shown.
    pub(crate) lens: Vec<usize>,
    /// For each axis, the shown position before which `...` goes, if any.
    pub(crate) gaps: Vec<Option<usize>>,
    /// Formatted cells, row-major over the shown positions.
    pub(crate) cells: Vec<String>,
}

impl ShownGrid {
    pub(crate) fn new<A: DType>(view: &ArrayViewD<'_, A>, summarise: bool) -> Self {
        let mut indices = Vec::new();
        let mut gaps = Vec::new();
        for &n in view.shape() {
            if summarise && n > 2 * EDGE_ITEMS {
                indices.push((0..EDGE_ITEMS).chain(n - EDGE_ITEMS..n).collect::<Vec<_>>());
                gaps.push(Some(EDGE_ITEMS));
            } else {
                indices.push((0..n).collect());
                gaps.push(None);
            }
        }
        let lens: Vec<usize> = indices.iter().map(Vec::len).collect();
        let total: usize = lens.iter().product();
        let mut values = Vec::with_capacity(total);
        let mut pos = vec![0usize; lens.len()];
        let mut index = vec![0usize; lens.len()];
        for _ in 0..total {
            for (axis, p) in pos.iter().enumerate() {
                index[axis] = indices[axis][*p];
            }
            values.push(&view[IxDyn(&index)]);
            // Odometer increment over the shown positions, last axis fastest.
            for axis in (0..pos.len()).rev() {
                pos[axis] += 1;
                if pos[axis] < lens[axis] {
                    break;
                }
                pos[axis] = 0;
            }
        }
        let cells = A::format_column(&values);
        ShownGrid { indices, lens, gaps, cells }
    }

    /// NumPy's `_formatArray` recursion: one bracketed level per axis; the innermost axis
    /// is laid out in wrapped lines, outer axes stack their children separated by as many
    /// newlines as there are axes left. `hanging` is the indent of continuation lines.
    fn recurse(&self, axis: usize, offset: usize, hanging: &str, width: usize) -> String {
        if axis == self.lens.len() {
            return self.cells[offset].clone();
        }
        let axes_left = self.lens.len() - axis;
        let next_hanging = format!("{hanging} ");
        let next_width = width.saturating_sub(1);
        let stride: usize = self.lens[axis + 1..].iter().product();
        let n = self.lens[axis];
        let mut s = String::new();
        if axes_left == 1 {
            let elem_width = width.saturating_sub(1);
            let mut line = hanging.to_string();
            for i in 0..n {
                if self.gaps[axis] == Some(i) {
                    extend_line(&mut s, &mut line, ELLIPSIS, elem_width, hanging);
                    line.push_str(", ");
                }
                let word = self.recurse(axis + 1, offset + i * stride, &next_hanging, next_width);
                extend_line(&mut s, &mut line, &word, elem_width, hanging);
                if i + 1 < n {
                    line.push_str(", ");
                }
            }
            s.push_str(&line);
        } else {
            let line_sep = format!(",{}", "\n".repeat(axes_left - 1));
            for i in 0..n {
                if self.gaps[axis] == Some(i) {
                    s.push_str(hanging);
                    s.push_str(ELLIPSIS);
                    s.push_str(&line_sep);
                }
                s.push_str(hanging);
                s.push_str(&self.recurse(axis + 1, offset + i * stride, &next_hanging, next_width));
                if i + 1 < n {
                    s.push_str(&line_sep);
                }
            }
        }
        format!("[{}]", &s[hanging.len()..])
    }
}

/// Adds `word` to `line`, first moving `line` into `s` and starting a new one if the word
/// would pass `width` (unless the line is still empty: a word too long for any line
/// still has to go somewhere).
fn extend_line(s: &mut String, line: &mut String, word: &str, width: usize, hanging: &str) {
    let line_len = line.chars().count();
    let needs_wrap = line_len + word.chars().count() > width && line_len > hanging.len();
    if needs_wrap {
        s.push_str(line.trim_end());
        s.push('\n');
        line.clear();
        line.push_str(hanging);
    }
    line.push_str(word);
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::prelude::*;

    #[test]
    fn small_arrays() {
        assert_eq!(array_text(&array![1, 2, 3]), "array![1, 2, 3]");
        assert_eq!(array_text(&array![[1.0, 2.5], [3.0, 4.0]]), "array![[1. , 2.5],\n       [3. , 4. ]]");
        assert_eq!(
            array_text(&(array![[1.0, 2.0], [3.0, 4.0]] / 3.0)),
            "array![[0.33333333, 0.66666667],\n       [1.        , 1.33333333]]"
        );
        assert_eq!(array_text(&array![[0i64, 0], [1, 1]]), "array![[0, 0],\n       [1, 1]], dtype=i64");
        assert_eq!(array_text(&array![true, false]), "array![ True, False]");
        assert_eq!(array_text(&array!["a".to_string(), "bc".to_string()]), "array![\"a\" , \"bc\"], dtype=String");
    }

    #[test]
    fn zero_d_and_empty() {
        assert_eq!(array_text(&arr0(5.0)), "arr0(5.)");
        assert_eq!(array_text(&arr0(5u8)), "arr0(5), dtype=u8");
        assert_eq!(array_text(&Array1::<f64>::zeros(0)), "array![]");
        assert_eq!(array_text(&Array2::<f32>::zeros((0, 3))), "array![], shape=(0, 3), dtype=f32");
    }

    #[test]
    fn three_d_has_blank_lines_between_blocks() {
        let a = Array::from_iter(0..8).into_shape_with_order((2, 2, 2)).unwrap();
        assert_eq!(array_text(&a), "array![[[0, 1],\n        [2, 3]],\n\n       [[4, 5],\n        [6, 7]]]");
    }

    #[test]
    fn long_rows_wrap_where_numpy_wraps() {
        let a = Array::from_iter(0..30);
        assert_eq!(
            array_text(&a),
            "array![ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16,\n       17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29]"
        );
    }

    #[test]
    fn summarised_like_numpy() {
        let a = Array::from_iter(0..2000);
        assert_eq!(array_text(&a), "array![   0,    1,    2, ..., 1997, 1998, 1999], shape=(2000,)");
        let m = Array::from_iter(0..1_000_000i64).into_shape_with_order((1000, 1000)).unwrap();
        assert_eq!(
            array_text(&m),
            "array![[     0,      1,      2, ...,    997,    998,    999],
       [  1000,   1001,   1002, ...,   1997,   1998,   1999],
       [  2000,   2001,   2002, ...,   2997,   2998,   2999],
       ...,
       [997000, 997001, 997002, ..., 997997, 997998, 997999],
       [998000, 998001, 998002, ..., 998997, 998998, 998999],
       [999000, 999001, 999002, ..., 999997, 999998, 999999]],
      shape=(1000, 1000), dtype=i64"
        );
    }

    #[test]
    fn views_and_dyn() {
        let a = array![[1, 2, 3], [4, 5, 6]];
        assert_eq!(array_text(&a.t()), "array![[1, 4],\n       [2, 5],\n       [3, 6]]");
        assert_eq!(array_text(&a.slice(s![.., 1]).into_dyn()), "array![2, 5]");
        assert_eq!(shape_tuple(&[]), "()");
        assert_eq!(shape_tuple(&[3]), "(3,)");
    }
}
