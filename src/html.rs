//! The `text/html` view of an array: what it is, how it sits in memory, whether its
//! values are healthy, and the values themselves as tables.
//!
//! The output must survive JupyterLab's sanitizer on untrusted notebooks, which drops
//! `<style>`, `<script>` and `<svg>` but keeps inline `style` attributes: so inline styles
//! only, and colours from JupyterLab's `--jp-*` CSS variables (with fallbacks for other
//! frontends) so light and dark themes both read well. Table cells carry no style of their
//! own except where they must (NaN/inf highlight, left-aligned strings): JupyterLab
//! already styles `<table>` in outputs, and bare cells keep a 1000-element array small.
//! Values are summarised exactly like the text repr ([`crate::text`]); 2-D blocks of
//! N-D arrays are capped at [`HTML_MAX_BLOCKS`].

use ndarray::{ArrayBase, Data, Dimension};

use crate::dtype::{DType, Kind};
use crate::escape::escape_html;
use crate::facts::{layout_of, type_name_of, Layout};
use crate::health::health;
use crate::text::{ShownGrid, SUMMARY_THRESHOLD};
use crate::words::{shape_tuple, tuple};

/// The most 2-D tables an N-D array is shown as; beyond it the first and last halves
/// are kept and the rest counted.
pub const HTML_MAX_BLOCKS: usize = 12;

/// Secondary text (labels, index headers, notes).
const DIM: &str = "color:var(--jp-ui-font-color2, #757575)";
/// Index header cells.
const IDX: &str = "color:var(--jp-ui-font-color2, #757575);font-weight:normal";
/// Cells holding NaN or ±inf.
const BAD: &str = "color:var(--jp-error-color1, #d32f2f);font-weight:bold";
/// Tables.
const TABLE: &str = "border-collapse:collapse;margin:2px 0 6px 0";

/// Renders `a` as an inline-styled HTML fragment; see the module docs.
pub fn array_html<A: DType, S: Data<Elem = A>, D: Dimension>(a: &ArrayBase<S, D>) -> String {
    let mut out = String::new();
    out.push_str(
        "<div style=\"font-family:var(--jp-code-font-family, monospace);\
         font-size:var(--jp-code-font-size, 13px);line-height:1.5\">",
    );
    out.push_str(&header(a));
    out.push_str(&values(a));
    out.push_str("</div>");
    out
}

/// Two lines: type, shape, dtype and health badge; then size, layout and strides.
fn header<A: DType, S: Data<Elem = A>, D: Dimension>(a: &ArrayBase<S, D>) -> String {
    let shape = a.shape();
    let size = std::mem::size_of::<A>();
    let layout = layout_of(a);
    let strides = a.strides();
    let byte_strides: Vec<isize> = strides.iter().map(|s| s * size as isize).collect();
    let strides_text = format!("strides {} elements = {} bytes", tuple(strides), tuple(&byte_strides));
    let mut layout_text = layout.name().to_string();
    if layout == Layout::Broadcast {
        let zero: Vec<String> = shape
            .iter()
            .zip(strides)
            .enumerate()
            .filter(|(_, (&n, &s))| n > 1 && s == 0)
            .map(|(i, _)| i.to_string())
            .collect();
        layout_text.push_str(&format!(" (stride 0 on axis {}: repeated, never copied)", zero.join(", ")));
    }
    let storage = std::any::type_name::<S>();
    let mut bytes = format!("{} bytes", human_bytes(a.len() * size));
    if A::KIND == Kind::Str {
        bytes.push_str(" + text on the heap");
    }
    if storage.contains("ViewRepr") {
        bytes.push_str(" · a view: borrows its data");
    }
    let count = if a.len() == 1 { "element" } else { "elements" };
    format!(
        "<div><b>{}</b> <span style=\"{DIM}\">shape</span> <b>{}</b> \
         <span style=\"{DIM}\">dtype</span> <b>{}</b> {}</div>\
         <div style=\"{DIM}\">{} {count} · {} · {} · {}</div>",
        escape_html(&type_name_of(a)),
        shape_tuple(shape),
        A::NAME,
        // Only floats can be NaN or infinite; a badge on integers would always be green.
        if A::KIND == Kind::Float { health(a).badge_html() } else { String::new() },
        a.len(),
        bytes,
        layout_text,
        strides_text,
    )
}

/// `48`, `7.6 Ki`, `7.6 Mi`: binary units, as memory is counted.
fn human_bytes(n: usize) -> String {
    const UNITS: [&str; 4] = ["Ki", "Mi", "Gi", "Ti"];
    if n < 1024 {
        return n.to_string();
    }
    let mut v = n as f64;
    let mut unit = "";
    for u in UNITS {
        if v < 1024.0 {
            break;
        }
        v /= 1024.0;
        unit = u;
    }
    format!("{v:.1} {unit}")
}

/// The values: a bare value for 0-D, one table for 1-D and 2-D, labelled tables for N-D.
fn values<A: DType, S: Data<Elem = A>, D: Dimension>(a: &ArrayBase<S, D>) -> String {
    let view = a.view().into_dyn();
    let ndim = view.ndim();
    if view.is_empty() {
        return format!("<div style=\"{DIM}\">(no elements)</div>");
    }
    let summarised = view.len() > SUMMARY_THRESHOLD;
    let grid = ShownGrid::new(&view, summarised);
    let is_bad: Vec<bool> = {
        // Recompute finiteness from the formatted text: `nan`/`inf` are the only cells
        // that can contain those letters for numeric dtypes.
        grid.cells.iter().map(|c| A::KIND == Kind::Float && (c.contains("nan") || c.contains("inf"))).collect()
    };
    let mut out = String::new();
    if summarised {
        out.push_str(&format!(
            "<div style=\"{DIM}\">summarised: first and last {} of each long axis</div>",
            crate::text::EDGE_ITEMS
        ));
    }
    match ndim {
        0 => out.push_str(&format!("<div><b>{}</b></div>", cell_text(&grid.cells[0]))),
        1 => out.push_str(&table(&grid, &is_bad, 0, None, A::KIND)),
        _ => {
            // Every combination of shown leading indices is one 2-D block.
            let lead = ndim - 2;
            let block_size = grid.lens[lead] * grid.lens[lead + 1];
            let blocks: usize = grid.lens[..lead].iter().product();
            let keep: Vec<usize> = if blocks > HTML_MAX_BLOCKS {
                let half = HTML_MAX_BLOCKS / 2;
                (0..half).chain(blocks - half..blocks).collect()
            } else {
                (0..blocks).collect()
            };
            for (k, &b) in keep.iter().enumerate() {
                if k > 0 && keep[k - 1] + 1 != b {
                    out.push_str(&format!(
                        "<div style=\"{DIM}\">⋮ {} more 2-D blocks not shown</div>",
                        b - keep[k - 1] - 1
                    ));
                }
                let label = (lead > 0).then(|| block_label(&grid, b, lead));
                let gap_before = lead > 0 && block_gap_before(&grid, b, lead);
                if gap_before {
                    out.push_str(&format!("<div style=\"{DIM}\">⋮</div>"));
                }
                out.push_str(&table(&grid, &is_bad, b * block_size, label.as_deref(), A::KIND));
            }
        }
    }
    out
}

/// The index label of block number `b` (row-major over the shown leading positions),
/// e.g. `[1, 0, :, :]`.
fn block_label(grid: &ShownGrid, b: usize, lead: usize) -> String {
    let mut rest = b;
    let mut idx = vec![0; lead];
    for axis in (0..lead).rev() {
        idx[axis] = grid.indices[axis][rest % grid.lens[axis]];
        rest /= grid.lens[axis];
    }
    let mut parts: Vec<String> = idx.iter().map(|i| i.to_string()).collect();
    parts.push(":".into());
    parts.push(":".into());
    format!("[{}]", parts.join(", "))
}

/// Whether summarising skipped blocks right before block `b`: some leading axis is at
/// its gap position while every faster axis is at its first position.
fn block_gap_before(grid: &ShownGrid, b: usize, lead: usize) -> bool {
    let mut rest = b;
    for axis in (0..lead).rev() {
        let p = rest % grid.lens[axis];
        rest /= grid.lens[axis];
        if grid.gaps[axis] == Some(p) {
            return true;
        }
        if p != 0 {
            return false;
        }
    }
    false
}

/// One table of the innermost one (1-D) or two axes, starting at cell `offset`.
fn table(grid: &ShownGrid, is_bad: &[bool], offset: usize, label: Option<&str>, kind: Kind) -> String {
    let ndim = grid.lens.len();
    let (rows, row_axis) = if ndim == 1 { (1, None) } else { (grid.lens[ndim - 2], Some(ndim - 2)) };
    let col_axis = ndim - 1;
    let cols = grid.lens[col_axis];
    let td = if kind == Kind::Str { "<td style=\"text-align:left\">" } else { "<td>" };
    let mut out = String::new();
    if let Some(label) = label {
        out.push_str(&format!("<div style=\"{DIM}\">{}</div>", escape_html(label)));
    }
    out.push_str(&format!("<table style=\"{TABLE}\"><tr><th></th>"));
    for c in 0..cols {
        if grid.gaps[col_axis] == Some(c) {
            out.push_str(&format!("<th style=\"{IDX}\">⋯</th>"));
        }
        out.push_str(&format!("<th style=\"{IDX}\">{}</th>", grid.indices[col_axis][c]));
    }
    out.push_str("</tr>");
    for r in 0..rows {
        if let Some(axis) = row_axis {
            if grid.gaps[axis] == Some(r) {
                out.push_str(&format!("<tr><th style=\"{IDX}\">⋮</th>"));
                for c in 0..cols {
                    if grid.gaps[col_axis] == Some(c) {
                        out.push_str("<td></td>");
                    }
                    out.push_str(&format!("<td style=\"{DIM}\">⋮</td>"));
                }
                out.push_str("</tr>");
            }
        }
        let row_label = match row_axis {
            Some(axis) => grid.indices[axis][r].to_string(),
            None => String::new(),
        };
        out.push_str(&format!("<tr><th style=\"{IDX}\">{row_label}</th>"));
        for c in 0..cols {
            if grid.gaps[col_axis] == Some(c) {
                out.push_str(&format!("<td style=\"{DIM}\">⋯</td>"));
            }
            let i = offset + r * cols + c;
            if is_bad[i] {
                out.push_str(&format!("<td style=\"{BAD}\">{}</td>", cell_text(&grid.cells[i])));
            } else {
                out.push_str(td);
                out.push_str(&cell_text(&grid.cells[i]));
                out.push_str("</td>");
            }
        }
        out.push_str("</tr>");
    }
    out.push_str("</table>");
    out
}

/// A formatted cell without its alignment padding, escaped.
fn cell_text(cell: &str) -> String {
    escape_html(cell.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::prelude::*;

    #[test]
    fn snapshot_2x2() {
        let html = array_html(&array![[1.0, f64::NAN], [3.5, 4.0]]);
        let expected = concat!(
            "<div style=\"font-family:var(--jp-code-font-family, monospace);font-size:var(--jp-code-font-size, 13px);line-height:1.5\">",
            "<div><b>Array2&lt;f64&gt;</b> <span style=\"color:var(--jp-ui-font-color2, #757575)\">shape</span> <b>(2, 2)</b> ",
            "<span style=\"color:var(--jp-ui-font-color2, #757575)\">dtype</span> <b>f64</b> ",
            "<span style=\"background:var(--jp-error-color1, #d32f2f);color:var(--jp-ui-inverse-font-color0, #fff);border-radius:3px;padding:1px 6px;white-space:nowrap\">✗ Not finite: 1 NaN of 4 values</span></div>",
            "<div style=\"color:var(--jp-ui-font-color2, #757575)\">4 elements · 32 bytes · C-contiguous · strides (2, 1) elements = (16, 8) bytes</div>",
            "<table style=\"border-collapse:collapse;margin:2px 0 6px 0\"><tr><th></th>",
            "<th style=\"color:var(--jp-ui-font-color2, #757575);font-weight:normal\">0</th>",
            "<th style=\"color:var(--jp-ui-font-color2, #757575);font-weight:normal\">1</th></tr>",
            "<tr><th style=\"color:var(--jp-ui-font-color2, #757575);font-weight:normal\">0</th><td>1.</td>",
            "<td style=\"color:var(--jp-error-color1, #d32f2f);font-weight:bold\">nan</td></tr>",
            "<tr><th style=\"color:var(--jp-ui-font-color2, #757575);font-weight:normal\">1</th><td>3.5</td><td>4.</td></tr>",
            "</table></div>"
        );
        assert_eq!(html, expected);
    }

    #[test]
    fn big_array_is_small_html() {
        let a = Array2::<f64>::from_shape_fn((1000, 1000), |(i, j)| (i * j) as f64 / 7.0);
        let html = array_html(&a);
        assert!(html.len() < 50_000, "{} bytes", html.len());
        assert!(html.contains("summarised"));
        assert!(html.contains("<th style=\"color:var(--jp-ui-font-color2, #757575);font-weight:normal\">999</th>"));
    }

    #[test]
    fn strings_are_escaped() {
        let a = array!["<script>alert(1)</script>".to_string(), "]]>".to_string()];
        let html = array_html(&a);
        assert!(!html.contains("<script>"));
        assert!(html.contains("&quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;"));
        assert!(html.contains("]]&gt;"));
    }

    #[test]
    fn broadcast_and_nd() {
        let b = array![1.0, 2.0];
        let v = b.broadcast((3, 2)).unwrap();
        let html = array_html(&v);
        assert!(html.contains("broadcast view (stride 0 on axis 0: repeated, never copied)"), "{html}");
        assert!(html.contains("ArrayView2&lt;f64&gt;"));
        let c = Array3::<i64>::zeros((2, 2, 2));
        let html = array_html(&c);
        assert!(html.contains("[0, :, :]") && html.contains("[1, :, :]"));
        let big = Array3::<u8>::zeros((20, 20, 20));
        let html = array_html(&big);
        assert_eq!(html.matches("<table").count(), 6);
        assert!(html.contains("[17, :, :]"));
        let many = Array5::<u8>::zeros((4, 4, 4, 2, 2));
        let html = array_html(&many);
        assert_eq!(html.matches("<table").count(), HTML_MAX_BLOCKS);
        assert!(html.contains("⋮ 52 more 2-D blocks not shown"), "{html}");
        assert_eq!(human_bytes(8_000_000), "7.6 Mi");
    }
}
