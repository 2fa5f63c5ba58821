//! How a [`Check`] verdict reads: the one-line summary, the hint for a shape mismatch or a
//! panic, and the listed differences, as text and as the HTML badge of the lessons.

use crate::display::{MimeBundle, Render, MIME_HTML};
use crate::dtype::DType;
use crate::escape::escape_html;
use crate::words::shape_tuple;

use super::compare::Check;

fn format_index(index: &[usize]) -> String {
    if index.is_empty() {
        "the value".to_string()
    } else {
        format!("[{}]", index.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", "))
    }
}

/// A difference for prose: whole numbers without NumPy's trailing dot (`1`, not `1.`).
fn format_number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        f64::format_column(&[&x]).remove(0).trim().to_string()
    }
}

fn describe_shape(shape: &[usize]) -> String {
    if shape.is_empty() {
        "a single number".to_string()
    } else {
        format!("shape {}", shape_tuple(shape))
    }
}

impl Check {
    /// The reasons for failing, in the order a student should fix them.
    fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if let Some(message) = &self.panicked {
            problems.push(format!("your code panicked: {message}"));
            return problems;
        }
        if !self.shape_ok() {
            problems.push(format!(
                "{}, expected {}",
                describe_shape(&self.answer_shape),
                describe_shape(&self.expected_shape)
            ));
        }
        if !self.dtype_ok() {
            problems.push(format!("dtype {}, expected {}", self.answer_dtype, self.expected_dtype));
        }
        if self.differing > 0 {
            let mut line = if self.compared == 1 {
                "the value differs".to_string()
            } else {
                format!("{} of {} values differ", self.differing, self.compared)
            };
            if let Some(d) = self.largest_difference {
                line.push_str(&format!(" (largest difference {})", format_number(d)));
            }
            problems.push(line);
        }
        problems
    }

    /// A hint for a shape mismatch, when one is cheap to give.
    pub(super) fn shape_hint(&self) -> Option<String> {
        if let Some(message) = &self.panicked {
            return if message.contains("IncompatibleShape") || message.contains("broadcast") {
                Some("two operands could not be broadcast together; `explain_broadcast(&a, &b)` shows why".to_string())
            } else if message.contains("overflow") {
                Some("an integer got too big for its type; cast to a wider type (i64, f64) first".to_string())
            } else {
                None
            };
        }
        if self.shape_ok() {
            return None;
        }
        let (a, e) = (&self.answer_shape, &self.expected_shape);
        if a.is_empty() && e.len() == 2 {
            return Some("a single number where a matrix was expected: `dot` of two 1-D arrays is their inner product; `outer(&a, &b)` is the matrix".to_string());
        }
        let count = |s: &[usize]| s.iter().product::<usize>();
        if count(a) != count(e) {
            return None;
        }
        let mut reversed = a.clone();
        reversed.reverse();
        if a.len() == 2 && &reversed == e {
            return Some("the same values transposed? `.t()` swaps the axes".to_string());
        }
        Some(format!(
            "same number of values ({}), different shape: `.insert_axis(Axis(k))` adds a length-1 axis, `.into_shape_with_order(…)` reshapes",
            count(e)
        ))
    }

    /// One line: `✓ Correct: Array2<f64>, shape (2, 3), all 6 values match` or
    /// `✗ Not yet: ` followed by every problem.
    pub fn summary(&self) -> String {
        if self.passed() {
            let what = match self.compared {
                1 => "the value matches".to_string(),
                n => format!("all {n} values match"),
            };
            if self.answer_shape.is_empty() {
                format!("✓ Correct: {}, {what}", self.answer_type)
            } else {
                format!("✓ Correct: {}, {}, {what}", self.answer_type, describe_shape(&self.answer_shape))
            }
        } else {
            format!("✗ Not yet: {}", self.problems().join("; "))
        }
    }

    /// The lines under the summary: the hint and the listed differences.
    fn detail_lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if let Some(hint) = self.shape_hint() {
            lines.push(format!("hint: {hint}"));
        }
        for m in &self.shown {
            let diff = m.difference.map(|d| format!(" (off by {})", format_number(d))).unwrap_or_default();
            lines.push(format!("at {}: yours {}, expected {}{diff}", format_index(&m.index), m.yours, m.expected));
        }
        if self.differing > self.shown.len() {
            lines.push(format!("… and {} more", self.differing - self.shown.len()));
        }
        lines
    }

    /// The plain-text form: the summary, then one indented line per detail.
    pub fn text(&self) -> String {
        let mut out = self.summary();
        for line in self.detail_lines() {
            out.push_str("\n  ");
            out.push_str(&line);
        }
        out
    }

    /// The HTML form: a green or red badge, then the hint and a table of differences,
    /// inline-styled (JupyterLab keeps inline styles in untrusted notebooks).
    pub fn html(&self) -> String {
        let background =
            if self.passed() { "var(--jp-success-color1, #388e3c)" } else { "var(--jp-error-color1, #d32f2f)" };
        let mut html = format!(
            "<div class=\"ndplay-check\"><span style=\"background:{background};\
             color:var(--jp-ui-inverse-font-color0, #fff);border-radius:3px;padding:2px 8px;\
             font-weight:bold\">{}</span>",
            escape_html(&self.summary())
        );
        if let Some(hint) = self.shape_hint() {
            html.push_str(&format!("<div style=\"margin-top:4px\">hint: {}</div>", escape_html(&hint)));
        }
        if !self.shown.is_empty() {
            let cell = "style=\"padding:1px 8px;text-align:right;font-family:var(--jp-code-font-family, monospace)\"";
            html.push_str("<table style=\"margin-top:4px;border-collapse:collapse\"><tr>");
            for head in ["index", "yours", "expected", "difference"] {
                html.push_str(&format!("<th {cell}>{head}</th>"));
            }
            html.push_str("</tr>");
            for m in &self.shown {
                let diff = m.difference.map(format_number).unwrap_or_else(|| "—".to_string());
                html.push_str(&format!(
                    "<tr><td {cell}>{}</td><td {cell}>{}</td><td {cell}>{}</td><td {cell}>{}</td></tr>",
                    escape_html(&format_index(&m.index)),
                    escape_html(&m.yours),
                    escape_html(&m.expected),
                    escape_html(&diff)
                ));
            }
            html.push_str("</table>");
            if self.differing > self.shown.len() {
                html.push_str(&format!("<div>… and {} more</div>", self.differing - self.shown.len()));
            }
        }
        html.push_str("</div>");
        html
    }
}

impl Render for Check {
    fn mime_bundle(&self) -> MimeBundle {
        MimeBundle::new(self.text()).with(MIME_HTML, self.html())
    }
}
