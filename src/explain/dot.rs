//! `explain_dot`: the shape algebra of `a.dot(&b)`, in words and as a picture.

use ndarray::{ArrayBase, Dimension, RawData};

use crate::display::{MimeBundle, Render};
use crate::svg::{grid, SvgWriter, BAD, GOOD, INK, MUTED};
use crate::words::shape_tuple;

/// The explanation of `a.dot(&b)`'s shapes, made by [`explain_dot`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DotExplanation {
    /// The left operand's shape.
    pub a: Vec<usize>,
    /// The right operand's shape.
    pub b: Vec<usize>,
    /// The result's shape (`[]` for the scalar of 1-D·1-D), or why there is none.
    pub result: Result<Vec<usize>, String>,
}

/// Explains the shape algebra of `a.dot(&b)`; never panics.
///
/// 1-D·1-D is the inner product (a scalar: the lesson's "32, not a matrix" surprise),
/// 2-D·1-D and 1-D·2-D give 1-D, 2-D·2-D is the matrix product; the inner dimensions
/// (last axis of `a`, first axis of `b`) must match, and the result keeps the others.
///
/// ```
/// use ndplay::prelude::*;
/// let e = explain_dot(&Array2::<f64>::zeros((2, 3)), &Array2::<f64>::zeros((3, 4)));
/// assert_eq!(e.result, Ok(vec![2, 4]));
/// ```
pub fn explain_dot<S1, D1, S2, D2>(a: &ArrayBase<S1, D1>, b: &ArrayBase<S2, D2>) -> DotExplanation
where
    S1: RawData,
    S2: RawData,
    D1: Dimension,
    D2: Dimension,
{
    DotExplanation::of_shapes(a.shape(), b.shape())
}

impl DotExplanation {
    /// The explanation for two shapes.
    pub fn of_shapes(a: &[usize], b: &[usize]) -> Self {
        let result = match (a.len(), b.len()) {
            (1 | 2, 1 | 2) => {
                let inner_a = a[a.len() - 1];
                let inner_b = b[0];
                if inner_a != inner_b {
                    Err(format!(
                        "inner dimensions differ: {} (last axis of a) vs {} (first axis of b)",
                        inner_a, inner_b
                    ))
                } else {
                    let mut r = a[..a.len() - 1].to_vec();
                    r.extend_from_slice(&b[1..]);
                    Ok(r)
                }
            }
            _ => Err(format!(
                "ndarray's dot takes 1-D and 2-D arrays only (got {}-D and {}-D); for stacks of matrices loop over the leading axis",
                a.len(),
                b.len()
            )),
        };
        DotExplanation { a: a.to_vec(), b: b.to_vec(), result }
    }

    /// The explanation in words.
    pub fn summary(&self) -> String {
        let head = format!("{} · {}", shape_tuple(&self.a), shape_tuple(&self.b));
        match &self.result {
            Ok(r) if r.is_empty() => format!(
                "{head} → scalar: 1-D · 1-D is the inner product (sum of a[i] * b[i]), not a matrix; for the outer product use outer(&a, &b)"
            ),
            Ok(r) => format!(
                "{head} → {}: inner dimensions {} = {} match and disappear; the result keeps the outer ones",
                shape_tuple(r),
                self.a[self.a.len() - 1],
                self.b[0]
            ),
            Err(e) => format!("{head}: cannot multiply: {e}"),
        }
    }

    /// The SVG: `a` and `b` as boxes with the inner dimensions marked, `=`, the result.
    pub fn to_svg(&self) -> String {
        let mut svg = SvgWriter::new();
        svg.text(
            12.0,
            18.0,
            &format!("dot: {}", self.summary().split(':').next().unwrap_or("")),
            13.0,
            INK,
            "start",
            "font-weight=\"bold\"",
        );
        let ok = self.result.is_ok();
        let inner_colour = if ok { GOOD } else { BAD };
        let as2 = |s: &[usize], row: bool| -> (usize, usize) {
            match s.len() {
                0 => (1, 1),
                1 if row => (1, s[0]),
                1 => (s[0], 1),
                _ => (s[s.len() - 2], s[s.len() - 1]),
            }
        };
        let (ar, ac) = as2(&self.a, true);
        let (br, bc) = as2(&self.b, false);
        let y = 50.0;
        let mut x = 40.0;
        // a: its last axis (columns) is the inner one.
        let (w, h) = grid(&mut svg, x, y, ar, ac, false);
        svg.line(x, y + h + 4.0, x + w, y + h + 4.0, inner_colour, "stroke-width=\"3\"");
        svg.text(x + w / 2.0, y + h + 18.0, &format!("inner {}", ac), 10.0, inner_colour, "middle", "");
        svg.text(x + w / 2.0, y - 8.0, &format!("a {}", shape_tuple(&self.a)), 11.0, INK, "middle", "");
        x += w + 30.0;
        svg.text(x - 15.0, y + h.min(40.0) / 2.0 + 5.0, "·", 20.0, MUTED, "middle", "");
        let (w2, h2) = grid(&mut svg, x, y, br, bc, false);
        svg.line(x - 4.0, y, x - 4.0, y + h2, inner_colour, "stroke-width=\"3\"");
        svg.text(x + w2 / 2.0, y + h2 + 18.0, &format!("inner {}", br), 10.0, inner_colour, "middle", "");
        svg.text(x + w2 / 2.0, y - 8.0, &format!("b {}", shape_tuple(&self.b)), 11.0, INK, "middle", "");
        x += w2 + 34.0;
        let bottom = y + h.max(h2) + 34.0;
        match &self.result {
            Ok(r) => {
                svg.text(x - 17.0, y + h.min(40.0) / 2.0 + 5.0, "=", 16.0, MUTED, "middle", "");
                let (rr, rc) = match r.len() {
                    0 => (1, 1),
                    1 if self.a.len() == 1 => (1, r[0]),
                    1 => (r[0], 1),
                    _ => (r[0], r[1]),
                };
                let (w3, _) = grid(&mut svg, x, y, rr, rc, false);
                let label = if r.is_empty() { "scalar".to_string() } else { shape_tuple(r) };
                svg.text(x + w3 / 2.0, y - 8.0, &label, 11.0, GOOD, "middle", "font-weight=\"bold\"");
                let width = svg.width().max(MIN_TEXT_WIDTH) - 12.0;
                svg.paragraph(12.0, bottom, width, &self.summary(), 10.0, INK, 15.0);
            }
            Err(e) => {
                svg.text(x, y + 16.0, "✗", 20.0, BAD, "start", "");
                let width = svg.width().max(MIN_TEXT_WIDTH) - 12.0;
                svg.paragraph(12.0, bottom, width, e, 10.0, BAD, 15.0);
            }
        }
        svg.finish(12.0)
    }
}

/// The narrowest the words under the picture are wrapped to, in pixels (~100 characters).
const MIN_TEXT_WIDTH: f64 = 630.0;

impl Render for DotExplanation {
    fn mime_bundle(&self) -> MimeBundle {
        crate::picture::bundle(self.summary(), self.to_svg())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_algebra() {
        assert_eq!(DotExplanation::of_shapes(&[3], &[3]).result, Ok(vec![]));
        assert_eq!(DotExplanation::of_shapes(&[2, 3], &[3]).result, Ok(vec![2]));
        assert_eq!(DotExplanation::of_shapes(&[3], &[3, 4]).result, Ok(vec![4]));
        assert_eq!(
            DotExplanation::of_shapes(&[2, 3], &[2, 3]).summary(),
            "(2, 3) · (2, 3): cannot multiply: inner dimensions differ: 3 (last axis of a) vs 2 (first axis of b)"
        );
        assert!(DotExplanation::of_shapes(&[2, 2, 2], &[2]).result.is_err());
        assert!(DotExplanation::of_shapes(&[], &[]).to_svg().contains("1-D and 2-D"));
    }
}
