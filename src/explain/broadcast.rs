//! `explain_broadcast`: why two shapes do or do not broadcast, in words and as a picture.
//!
//! NumPy's broadcasting rule, which ndarray follows for arithmetic between references
//! (`&a + &b`): line the shapes up on the right; a missing leading axis counts as 1; on
//! every axis the lengths must be equal or one of them 1, and a 1 is *stretched* to the
//! other length by repeating the same element (stride 0: the copies are never made).

use ndarray::{ArrayBase, Dimension, RawData};

use crate::display::{MimeBundle, Render};
use crate::svg::{grid, Paint, SvgWriter, BAD, BAD_TINT, GOOD, GOOD_TINT, INK, MUTED, OUTLINE, STRETCH};
use crate::words::shape_tuple;

/// What happens on one axis of a broadcast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AxisVerdict {
    /// Both lengths are equal (a missing axis counts as 1, so `1 vs 1` is equal too).
    Equal,
    /// `a`'s length is 1 (or missing) and is stretched to `b`'s.
    StretchA,
    /// `b`'s length is 1 (or missing) and is stretched to `a`'s.
    StretchB,
    /// Different lengths, neither is 1: broadcasting fails here.
    Mismatch,
}

/// The explanation of broadcasting two shapes, made by [`explain_broadcast`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BroadcastExplanation {
    /// The left operand's shape.
    pub a: Vec<usize>,
    /// The right operand's shape.
    pub b: Vec<usize>,
    /// Per result axis (left to right): `(a's length or None if missing, b's likewise,
    /// verdict)`.
    pub axes: Vec<(Option<usize>, Option<usize>, AxisVerdict)>,
    /// The result shape, or `None` if some axis mismatches.
    pub result: Option<Vec<usize>>,
}

/// Explains how the shapes of `a` and `b` broadcast (as in `&a + &b`); never panics.
///
/// ```
/// use ndplay::prelude::*;
/// let e = explain_broadcast(&Array2::<f64>::zeros((2, 3)), &array![1.0, 2.0]);
/// assert_eq!(e.result, None);
/// assert!(e.summary().starts_with("operands could not be broadcast together with shapes (2, 3) (2,)"));
/// ```
pub fn explain_broadcast<S1, D1, S2, D2>(a: &ArrayBase<S1, D1>, b: &ArrayBase<S2, D2>) -> BroadcastExplanation
where
    S1: RawData,
    S2: RawData,
    D1: Dimension,
    D2: Dimension,
{
    BroadcastExplanation::of_shapes(a.shape(), b.shape())
}

impl BroadcastExplanation {
    /// The explanation for two shapes (no arrays needed).
    pub fn of_shapes(a: &[usize], b: &[usize]) -> Self {
        let n = a.len().max(b.len());
        let mut axes = Vec::with_capacity(n);
        for i in 0..n {
            let ai = (i + a.len()).checked_sub(n).map(|k| a[k]);
            let bi = (i + b.len()).checked_sub(n).map(|k| b[k]);
            let (x, y) = (ai.unwrap_or(1), bi.unwrap_or(1));
            let verdict = if x == y {
                AxisVerdict::Equal
            } else if x == 1 {
                AxisVerdict::StretchA
            } else if y == 1 {
                AxisVerdict::StretchB
            } else {
                AxisVerdict::Mismatch
            };
            axes.push((ai, bi, verdict));
        }
        let result = axes
            .iter()
            .map(|&(x, y, v)| match v {
                AxisVerdict::Mismatch => None,
                AxisVerdict::StretchA => Some(y.unwrap_or(1)),
                _ => Some(x.unwrap_or(1)),
            })
            .collect();
        BroadcastExplanation { a: a.to_vec(), b: b.to_vec(), axes, result }
    }

    /// Whether the shapes broadcast.
    pub fn ok(&self) -> bool {
        self.result.is_some()
    }

    /// The first axis (of the aligned shapes) that does not broadcast.
    pub fn first_mismatch(&self) -> Option<usize> {
        self.axes.iter().position(|a| a.2 == AxisVerdict::Mismatch)
    }

    /// NumPy's error text, for the failing case.
    pub fn numpy_error(&self) -> String {
        format!(
            "operands could not be broadcast together with shapes {} {}",
            shape_tuple(&self.a),
            shape_tuple(&self.b)
        )
    }

    /// How to fix a failure, if we can see one: when the shorter shape matches axes of
    /// the longer one further left, new trailing axes of length 1 line it up.
    pub fn fix_hint(&self) -> Option<String> {
        if self.ok() {
            return None;
        }
        let (long, short, name) =
            if self.a.len() >= self.b.len() { (&self.a, &self.b, "b") } else { (&self.b, &self.a, "a") };
        let k = short.len();
        if k == 0 {
            return None;
        }
        // Try every alignment of `short` against `long` that ends before the right edge.
        for end in (k..long.len()).rev() {
            let start = end - k;
            let fits = (0..k).all(|i| short[i] == long[start + i] || short[i] == 1);
            if fits {
                let trailing = long.len() - end;
                let mut new_shape = short.clone();
                new_shape.extend(std::iter::repeat_n(1, trailing));
                let mut slice = vec![".."; k];
                slice.extend(std::iter::repeat_n("NewAxis", trailing));
                let into = if new_shape.len() == 1 { format!("{}", new_shape[0]) } else { shape_tuple(&new_shape) };
                return Some(format!(
                    "give {name} {trailing} trailing axis of length 1 so that it lines up with axes {start}..{end} of the other operand: \
                     `{name}.slice(s![{}])` (or `{name}.insert_axis(Axis({k}))`, or `{name}.into_shape_with_order({into})`) has shape {}",
                    slice.join(", "),
                    shape_tuple(&new_shape),
                )
                .replace("1 trailing axis", "one trailing axis"));
            }
        }
        Some(
            "no way to line these shapes up by adding axes: check which axis you meant, or reshape one operand \
             (`into_shape_with_order`) or transpose it (`.t()`, `permuted_axes`)"
                .to_string(),
        )
    }

    /// The explanation in words: one line per axis, the result or the error and a fix.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        if self.ok() {
            out.push_str(&format!(
                "shapes {} and {} broadcast to {}\n",
                shape_tuple(&self.a),
                shape_tuple(&self.b),
                shape_tuple(self.result.as_deref().unwrap_or(&[]))
            ));
        } else {
            out.push_str(&self.numpy_error());
            out.push('\n');
        }
        let show = |v: Option<usize>| v.map(|n| n.to_string()).unwrap_or_else(|| "(1)".to_string());
        for (i, &(x, y, v)) in self.axes.iter().enumerate() {
            let what = match v {
                AxisVerdict::Equal => "equal".to_string(),
                AxisVerdict::StretchA => format!("a stretched to {} (stride 0, no copy)", y.unwrap_or(1)),
                AxisVerdict::StretchB => format!("b stretched to {} (stride 0, no copy)", x.unwrap_or(1)),
                AxisVerdict::Mismatch => "MISMATCH: neither is 1".to_string(),
            };
            out.push_str(&format!("  axis {i}: {:>4} vs {:<4} {what}\n", show(x), show(y)));
        }
        if self.axes.iter().any(|a| a.0.is_none() || a.1.is_none()) {
            out.push_str("  (1) = missing leading axis, counts as 1\n");
        }
        if let Some(hint) = self.fix_hint() {
            out.push_str(&format!("fix: {hint}\n"));
        }
        out.pop();
        out
    }

    /// The SVG: the aligned shapes as a table of lengths with per-axis verdicts, then a
    /// picture of the last two axes: each operand, its ghost (virtual) cells where it is
    /// stretched, and the result.
    pub fn to_svg(&self) -> String {
        let mut svg = SvgWriter::new();
        let n = self.axes.len();
        let box_w = 56.0;
        let left = 90.0;
        let title = if self.ok() { "Broadcasting" } else { "Broadcasting fails" };
        svg.text(
            12.0,
            18.0,
            &format!("{title}: {} with {}", shape_tuple(&self.a), shape_tuple(&self.b)),
            13.0,
            INK,
            "start",
            "font-weight=\"bold\"",
        );
        let y0 = 34.0;
        for i in 0..n {
            svg.text(left + box_w * i as f64 + box_w / 2.0, y0 + 10.0, &format!("axis {i}"), 10.0, MUTED, "middle", "");
        }
        let rows: [(&str, Vec<Option<usize>>); 2] =
            [("a", self.axes.iter().map(|a| a.0).collect()), ("b", self.axes.iter().map(|a| a.1).collect())];
        for (r, (name, lens)) in rows.iter().enumerate() {
            let y = y0 + 18.0 + r as f64 * 30.0;
            svg.text(left - 10.0, y + 16.0, name, 12.0, INK, "end", "");
            for (i, len) in lens.iter().enumerate() {
                let x = left + box_w * i as f64;
                let verdict = self.axes[i].2;
                let stretched =
                    (r == 0 && verdict == AxisVerdict::StretchA) || (r == 1 && verdict == AxisVerdict::StretchB);
                let (stroke, colour) = match verdict {
                    AxisVerdict::Mismatch => (BAD, BAD),
                    _ if stretched => (STRETCH, STRETCH),
                    _ => (OUTLINE, INK),
                };
                let extra = if len.is_none() { "stroke-dasharray=\"3 2\"" } else { "" };
                svg.rect(x + 3.0, y, box_w - 6.0, 24.0, Paint::NONE, stroke, extra);
                // A stretched axis grows to the other operand's length on that axis.
                let other = if r == 0 { self.axes[i].1 } else { self.axes[i].0 }.unwrap_or(1);
                let label = match (len, stretched) {
                    (None, true) => format!("(1)→{other}"),
                    (None, false) => "(1)".to_string(),
                    (Some(1), true) => format!("1→{other}"),
                    (Some(v), _) => v.to_string(),
                };
                svg.text(x + box_w / 2.0, y + 16.0, &label, 11.0, colour, "middle", "");
            }
        }
        let y = y0 + 18.0 + 60.0;
        svg.text(left - 10.0, y + 16.0, "result", 12.0, INK, "end", "");
        for (i, &(x, yv, v)) in self.axes.iter().enumerate() {
            let bx = left + box_w * i as f64;
            let (text, colour) = match v {
                AxisVerdict::Mismatch => (format!("{}≠{}", x.unwrap_or(1), yv.unwrap_or(1)), BAD),
                AxisVerdict::StretchA => (yv.unwrap_or(1).to_string(), GOOD),
                _ => (x.unwrap_or(1).to_string(), GOOD),
            };
            let extra = if v == AxisVerdict::Mismatch { "stroke-width=\"2\"" } else { "" };
            svg.rect(
                bx + 3.0,
                y,
                box_w - 6.0,
                24.0,
                if v == AxisVerdict::Mismatch { BAD_TINT } else { GOOD_TINT },
                colour,
                extra,
            );
            svg.text(bx + box_w / 2.0, y + 16.0, &text, 11.0, colour, "middle", "font-weight=\"bold\"");
        }
        let mut y = y + 48.0;
        // The picture: last two axes of each operand, padded with 1s.
        let last2 = |s: &[usize]| -> (usize, usize) {
            match s.len() {
                0 => (1, 1),
                1 => (1, s[0]),
                k => (s[k - 2], s[k - 1]),
            }
        };
        let (ar, ac) = last2(&self.a);
        let (br, bc) = last2(&self.b);
        let (rr, rc) = match &self.result {
            Some(r) => last2(r),
            None => (ar.max(br), ac.max(bc)),
        };
        let mut x = 20.0;
        let mut tallest: f64 = 0.0;
        let items: [(&str, &[usize], usize, usize); 2] = [("a", &self.a, ar, ac), ("b", &self.b, br, bc)];
        for (name, shape, r, c) in items {
            svg.text(x, y + 10.0, &operand_label(name, shape), 10.0, MUTED, "start", "");
            let gy = y + 18.0;
            let (w, h) = if self.ok() {
                // Ghost grid of the result size first, then the real cells over it.
                let (gw, gh) = grid(&mut svg, x, gy, rr, rc, true);
                let (w, h) = grid(&mut svg, x, gy, r, c, false);
                (gw.max(w), gh.max(h))
            } else {
                grid(&mut svg, x, gy, r, c, false)
            };
            tallest = tallest.max(h + 18.0);
            x += w.max(110.0) + 30.0;
        }
        if self.ok() {
            svg.text(x - 18.0, y + 18.0 + 14.0, "=", 16.0, MUTED, "middle", "");
            svg.text(x, y + 10.0, "result", 10.0, MUTED, "start", "");
            let (_, h) = grid(&mut svg, x, y + 18.0, rr, rc, false);
            tallest = tallest.max(h + 18.0);
        }
        y += tallest + 22.0;
        if self.ok() {
            svg.text(
                12.0,
                y,
                &format!("result shape {}", shape_tuple(self.result.as_deref().unwrap_or(&[]))),
                12.0,
                GOOD,
                "start",
                "font-weight=\"bold\"",
            );
            if self.axes.iter().any(|a| matches!(a.2, AxisVerdict::StretchA | AxisVerdict::StretchB)) {
                y += 16.0;
                svg.text(
                    12.0,
                    y,
                    "dashed cells are virtual: stride 0 repeats the same element, nothing is copied",
                    10.0,
                    MUTED,
                    "start",
                    "",
                );
            }
        } else {
            svg.text(12.0, y, &self.numpy_error(), 11.0, BAD, "start", "font-weight=\"bold\"");
            if let Some(i) = self.first_mismatch() {
                y += 16.0;
                let (x, yv, _) = self.axes[i];
                svg.text(
                    12.0,
                    y,
                    &format!("axis {i}: {} vs {} (neither is 1)", x.unwrap_or(1), yv.unwrap_or(1)),
                    11.0,
                    BAD,
                    "start",
                    "",
                );
            }
            if let Some(hint) = self.fix_hint() {
                // As wide as the rest of the picture, and wide enough to read.
                let width = svg.width().max(MIN_TEXT_WIDTH) - 12.0;
                svg.paragraph(12.0, y + 15.0, width, &format!("fix: {hint}"), 10.0, INK, 15.0);
            }
        }
        svg.finish(12.0)
    }
}

/// The narrowest the fix's paragraph is wrapped to, in pixels (~90 characters).
const MIN_TEXT_WIDTH: f64 = 570.0;

/// The label over an operand's picture, which shows its last two axes: the shape itself
/// when it has at most two, and which axes are drawn when it has more.
fn operand_label(name: &str, shape: &[usize]) -> String {
    match shape.len() {
        0 => format!("{name}: a single value"),
        1 | 2 => format!("{name} {}", shape_tuple(shape)),
        n => format!("{name}: axes {}..{n} of {}", n - 2, shape_tuple(shape)),
    }
}

impl Render for BroadcastExplanation {
    fn mime_bundle(&self) -> MimeBundle {
        crate::picture::bundle(self.summary(), self.to_svg())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcast_ok_text() {
        let e = BroadcastExplanation::of_shapes(&[2, 3], &[3]);
        assert_eq!(
            e.summary(),
            "shapes (2, 3) and (3,) broadcast to (2, 3)\n  axis 0:    2 vs (1)  b stretched to 2 (stride 0, no copy)\n  axis 1:    3 vs 3    equal\n  (1) = missing leading axis, counts as 1"
        );
    }

    #[test]
    fn broadcast_failure_text_says_what_numpy_says_and_a_fix() {
        let e = BroadcastExplanation::of_shapes(&[2, 3], &[2]);
        assert_eq!(e.first_mismatch(), Some(1));
        assert_eq!(
            e.summary(),
            "operands could not be broadcast together with shapes (2, 3) (2,)\n  axis 0:    2 vs (1)  b stretched to 2 (stride 0, no copy)\n  axis 1:    3 vs 2    MISMATCH: neither is 1\n  (1) = missing leading axis, counts as 1\nfix: give b one trailing axis of length 1 so that it lines up with axes 0..1 of the other operand: `b.slice(s![.., NewAxis])` (or `b.insert_axis(Axis(1))`, or `b.into_shape_with_order((2, 1))`) has shape (2, 1)"
        );
        let e = BroadcastExplanation::of_shapes(&[3], &[4, 5]);
        assert!(e.fix_hint().unwrap().starts_with("no way"));
    }

    #[test]
    fn operands_are_labelled_for_what_they_are() {
        assert_eq!(operand_label("a", &[]), "a: a single value");
        assert_eq!(operand_label("a", &[2]), "a (2,)");
        assert_eq!(operand_label("b", &[2, 3]), "b (2, 3)");
        assert_eq!(operand_label("a", &[4, 2, 3]), "a: axes 1..3 of (4, 2, 3)");
        let svg = BroadcastExplanation::of_shapes(&[3], &[2]).to_svg();
        assert!(svg.contains(">a (3,)</text>") && svg.contains(">b (2,)</text>") && !svg.contains("last 2 axes"));
    }

    #[test]
    fn broadcast_edge_cases_never_panic() {
        for (a, b) in
            [(vec![], vec![]), (vec![0], vec![3]), (vec![0], vec![1]), (vec![1, 0], vec![5, 1]), (vec![], vec![2, 3])]
        {
            let e = BroadcastExplanation::of_shapes(&a, &b);
            let _ = (e.summary(), e.to_svg());
        }
        assert_eq!(BroadcastExplanation::of_shapes(&[0], &[1]).result, Some(vec![0]));
        assert_eq!(BroadcastExplanation::of_shapes(&[0], &[3]).result, None);
    }
}
