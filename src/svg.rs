//! A tiny SVG writer and the shape diagram.
//!
//! Our diagrams are boxes, lines and text, so a few methods that append escaped
//! elements to a `String` are all we need (no dependency, exact-string snapshots). Every
//! SVG has an opaque rounded background: notebook themes may be dark, and an SVG is shown
//! on whatever background is there. Sizes are capped so no shape can make a huge image:
//! long axes are drawn at a log-scaled length with a few cells and their length written.

use ndarray::{ArrayBase, Dimension, RawData};

use crate::display::{MimeBundle, Render, MIME_SVG};
use crate::escape::escape_html;
use crate::words::shape_tuple;

/// Side of one drawn cell, in pixels.
pub const CELL: f64 = 20.0;
/// Axes up to this length are drawn cell by cell; longer ones are drawn compressed.
pub const MAX_DRAWN_CELLS: usize = 12;
/// The longest an axis is ever drawn, in pixels.
pub const MAX_AXIS_PX: f64 = 300.0;
/// Layers of a 3-D stack drawn at most (the rest are implied by the label).
pub const MAX_LAYERS: usize = 8;
/// The widest an SVG of ours gets, in pixels.
pub const MAX_SVG_WIDTH: f64 = 1200.0;

/// Cell fill (a mid blue readable on the white background).
pub const FILL: &str = "#9ecae1";
/// Cell and outline stroke.
pub const STROKE: &str = "#2b5d8a";
/// Ordinary text.
pub const INK: &str = "#222";
/// Secondary text.
pub const MUTED: &str = "#666";
/// "Fine" marks.
pub const GOOD: &str = "#2e7d32";
/// "Stretched" marks.
pub const STRETCH: &str = "#1565c0";
/// Errors.
pub const BAD: &str = "#c62828";

const FONT: &str = "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace";

/// An SVG document being written: elements are appended, and the canvas grows to fit.
#[derive(Debug, Default, Clone)]
pub struct SvgWriter {
    body: String,
    width: f64,
    height: f64,
}

impl SvgWriter {
    /// An empty document.
    pub fn new() -> Self {
        Self::default()
    }

    fn grow(&mut self, x: f64, y: f64) {
        self.width = self.width.max(x);
        self.height = self.height.max(y);
    }

    // Positional arguments read like the SVG attributes they become; a builder per
    // element would double the size of every diagram's code.
    #[allow(clippy::too_many_arguments)]
    /// A rectangle; `extra` is raw attributes (`stroke-dasharray="3 2"`), trusted.
    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: &str, stroke: &str, extra: &str) {
        self.grow(x + w, y + h);
        self.body.push_str(&format!(
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" fill=\"{fill}\" stroke=\"{stroke}\" {extra}/>"
        ));
    }

    /// A straight line.
    pub fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, stroke: &str, extra: &str) {
        self.grow(x1.max(x2), y1.max(y2));
        self.body.push_str(&format!(
            "<line x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" stroke=\"{stroke}\" {extra}/>"
        ));
    }

    /// A closed polygon through `points`.
    pub fn polygon(&mut self, points: &[(f64, f64)], fill: &str, stroke: &str) {
        for &(x, y) in points {
            self.grow(x, y);
        }
        let pts: Vec<String> = points.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
        self.body.push_str(&format!("<polygon points=\"{}\" fill=\"{fill}\" stroke=\"{stroke}\"/>", pts.join(" ")));
    }

    #[allow(clippy::too_many_arguments)]
    /// Text at `(x, y)` (baseline); `anchor` is `start`, `middle` or `end`. The text is
    /// escaped. `extra` is raw attributes (e.g. a rotation), trusted.
    pub fn text(&mut self, x: f64, y: f64, text: &str, size: f64, fill: &str, anchor: &str, extra: &str) {
        let w = text_width(text, size);
        let right = match anchor {
            "middle" => x + w / 2.0,
            "end" => x,
            _ => x + w,
        };
        self.grow(right, y + size * 0.3);
        self.body.push_str(&format!(
            "<text x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"{size}\" fill=\"{fill}\" text-anchor=\"{anchor}\" {extra}>{}</text>",
            escape_html(text)
        ));
    }

    /// The finished document: a background, then the elements, with `margin` pixels
    /// around them. Width is capped at [`MAX_SVG_WIDTH`] by scaling the view box.
    pub fn finish(self, margin: f64) -> String {
        let w = self.width + margin;
        let h = self.height + margin;
        let scale = if w > MAX_SVG_WIDTH { MAX_SVG_WIDTH / w } else { 1.0 };
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{:.0}\" height=\"{:.0}\" viewBox=\"0 0 {w:.0} {h:.0}\" font-family=\"{FONT}\">\
             <rect x=\"0\" y=\"0\" width=\"{w:.0}\" height=\"{h:.0}\" rx=\"6\" fill=\"#ffffff\" stroke=\"#dddddd\"/>{}</svg>",
            w * scale,
            h * scale,
            self.body
        )
    }
}

/// Estimated width of monospace text: the SVG is laid out before any font is known, so
/// we assume the usual 0.6 em advance.
pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * 0.6
}

/// Greedy word wrap at `width` characters: SVG text does not wrap by itself, so long
/// lines of a diagram are cut here, one `<text>` per line.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
}

/// How long an axis of `n` elements is drawn, and how many cells are drawn on it.
/// Short axes get [`CELL`] pixels per element; long ones grow with log10 of the length
/// up to [`MAX_AXIS_PX`], so a 1000-long axis is visibly longer than a 20-long one but
/// never huge.
pub fn axis_px(n: usize) -> (f64, usize) {
    if n == 0 {
        (CELL * 0.4, 0)
    } else if n <= MAX_DRAWN_CELLS {
        (CELL * n as f64, n)
    } else {
        let extra = 60.0 * (n as f64 / MAX_DRAWN_CELLS as f64).log10();
        ((CELL * MAX_DRAWN_CELLS as f64 + extra).min(MAX_AXIS_PX), MAX_DRAWN_CELLS)
    }
}

/// Draws a `rows × cols` grid with its top-left corner at `(x, y)`; returns its size.
/// `ghost` draws it dashed and pale: cells that exist only virtually.
pub fn grid(svg: &mut SvgWriter, x: f64, y: f64, rows: usize, cols: usize, ghost: bool) -> (f64, f64) {
    let (w, nc) = axis_px(cols);
    let (h, nr) = axis_px(rows);
    let (fill, extra) = if ghost { ("#e3eef7", "stroke-dasharray=\"3 2\"") } else { (FILL, "") };
    svg.rect(x, y, w, h, fill, STROKE, extra);
    for i in 1..nc {
        let gx = x + w * i as f64 / nc as f64;
        svg.line(gx, y, gx, y + h, STROKE, extra);
    }
    for j in 1..nr {
        let gy = y + h * j as f64 / nr as f64;
        svg.line(x, gy, x + w, gy, STROKE, extra);
    }
    (w, h)
}

/// The shape of an array drawn as cells, returned by [`shape_diagram`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeDiagram {
    /// The shape drawn.
    pub shape: Vec<usize>,
}

/// Draws the shape of `a`: a row of cells (1-D), a grid (2-D), an oblique stack (3-D),
/// or groups of those side by side (N-D, the leading axes first: each cell of the left
/// group holds one whole right group). Axes are labelled with their index and length.
///
/// ```
/// use ndplay::prelude::*;
/// let d = shape_diagram(&Array3::<f64>::zeros((2, 3, 4)));
/// assert!(d.to_svg().starts_with("<svg"));
/// ```
pub fn shape_diagram<S: RawData, D: Dimension>(a: &ArrayBase<S, D>) -> ShapeDiagram {
    ShapeDiagram { shape: a.shape().to_vec() }
}

impl ShapeDiagram {
    /// The diagram of any shape (no array needed).
    pub fn of_shape(shape: &[usize]) -> Self {
        ShapeDiagram { shape: shape.to_vec() }
    }

    /// The SVG document.
    pub fn to_svg(&self) -> String {
        let mut svg = SvgWriter::new();
        let top = 16.0;
        svg.text(12.0, top, &format!("shape {}", shape_tuple(&self.shape)), 13.0, INK, "start", "font-weight=\"bold\"");
        // Room above the drawing for rotated axis labels that are longer than the grid.
        let y0 = top + 40.0;
        if self.shape.is_empty() {
            svg.rect(30.0, y0, CELL, CELL, FILL, STROKE, "");
            svg.text(30.0 + CELL + 8.0, y0 + 14.0, "0-D: a single value", 11.0, MUTED, "start", "");
            return svg.finish(12.0);
        }
        // Groups of at most three axes, taken from the right so the last group is the
        // innermost (fastest-varying) part.
        let n = self.shape.len();
        let mut groups = Vec::new();
        let mut end = n;
        while end > 0 {
            let start = end.saturating_sub(3);
            groups.push(start..end);
            end = start;
        }
        groups.reverse();
        let mut x = 30.0;
        for (k, g) in groups.iter().enumerate() {
            if k > 0 {
                svg.text(x + 4.0, y0 + 30.0, "×", 18.0, MUTED, "start", "");
                x += 30.0;
            }
            let (w, _) = draw_group(&mut svg, x, y0, &self.shape[g.clone()], g.start);
            x += w + 20.0;
        }
        svg.finish(12.0)
    }

    /// One line of text: `shape (2, 3, 4): 24 elements; axis 0 has 2, axis 1 has 3, ...`.
    pub fn summary(&self) -> String {
        let len: usize = self.shape.iter().product();
        let axes: Vec<String> = self.shape.iter().enumerate().map(|(i, n)| format!("axis {i} has {n}")).collect();
        if axes.is_empty() {
            format!("shape (): a 0-D array, {len} element")
        } else {
            format!("shape {}: {len} elements; {}", shape_tuple(&self.shape), axes.join(", "))
        }
    }
}

/// Draws one group of up to three axes with labels; returns (width, height) used.
fn draw_group(svg: &mut SvgWriter, x: f64, y: f64, dims: &[usize], first_axis: usize) -> (f64, f64) {
    let label = |i: usize, n: usize| format!("axis {}: {}", first_axis + i, n);
    match dims {
        [c] => {
            let (w, h) = grid(svg, x, y, 1, *c, false);
            svg.text(x + w / 2.0, y + h + 16.0, &label(0, *c), 11.0, INK, "middle", "");
            (w.max(text_width(&label(0, *c), 11.0)), h + 20.0)
        }
        [r, c] => {
            let (w, h) = grid(svg, x + 16.0, y + 4.0, *r, *c, false);
            svg.text(x + 16.0 + w / 2.0, y + h + 20.0, &label(1, *c), 11.0, INK, "middle", "");
            let (lx, ly) = (x + 10.0, y + 4.0 + h / 2.0);
            svg.text(lx, ly, &label(0, *r), 11.0, INK, "middle", &format!("transform=\"rotate(-90 {lx:.1} {ly:.1})\""));
            ((w + 16.0).max(text_width(&label(1, *c), 11.0)), h + 24.0)
        }
        [d, r, c] => {
            // Oblique stack: back layers offset up and to the right, front face last.
            let layers = (*d).clamp(1, MAX_LAYERS);
            let step = if layers > 1 { (60.0 / (layers - 1) as f64).min(12.0) } else { 0.0 };
            let depth = step * (layers - 1) as f64;
            let (w, _) = axis_px(*c);
            let (h, _) = axis_px(*r);
            let fx = x + 16.0;
            let fy = y + depth + 4.0;
            for l in (1..layers).rev() {
                let off = step * l as f64;
                svg.rect(fx + off, fy - off, w, h, FILL, STROKE, "fill-opacity=\"0.6\"");
            }
            if *d == 0 {
                svg.rect(fx, fy, w, h, "none", STROKE, "stroke-dasharray=\"3 2\"");
            } else {
                grid(svg, fx, fy, *r, *c, false);
            }
            svg.text(fx + w / 2.0, fy + h + 16.0, &label(2, *c), 11.0, INK, "middle", "");
            let (lx, ly) = (x + 10.0, fy + h / 2.0);
            svg.text(lx, ly, &label(1, *r), 11.0, INK, "middle", &format!("transform=\"rotate(-90 {lx:.1} {ly:.1})\""));
            // The depth label sits past the back layer's top-right corner, clear of it.
            svg.text(fx + w + depth + 6.0, fy - depth + 12.0, &label(0, *d), 11.0, INK, "start", "");
            (16.0 + w + depth + 10.0 + text_width(&label(0, *d), 11.0), h + depth + 24.0)
        }
        _ => (0.0, 0.0),
    }
}

impl Render for ShapeDiagram {
    fn mime_bundle(&self) -> MimeBundle {
        MimeBundle::new(self.summary()).with(MIME_SVG, self.to_svg())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries() {
        assert_eq!(ShapeDiagram::of_shape(&[2, 3]).summary(), "shape (2, 3): 6 elements; axis 0 has 2, axis 1 has 3");
        assert_eq!(ShapeDiagram::of_shape(&[]).summary(), "shape (): a 0-D array, 1 element");
    }

    #[test]
    fn svg_snapshot_1d() {
        assert_eq!(
            ShapeDiagram::of_shape(&[2]).to_svg(),
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"102\" height=\"107\" viewBox=\"0 0 102 107\" font-family=\"ui-monospace, SFMono-Regular, Menlo, Consolas, monospace\">\
<rect x=\"0\" y=\"0\" width=\"102\" height=\"107\" rx=\"6\" fill=\"#ffffff\" stroke=\"#dddddd\"/>\
<text x=\"12.0\" y=\"16.0\" font-size=\"13\" fill=\"#222\" text-anchor=\"start\" font-weight=\"bold\">shape (2,)</text>\
<rect x=\"30.0\" y=\"56.0\" width=\"40.0\" height=\"20.0\" fill=\"#9ecae1\" stroke=\"#2b5d8a\" />\
<line x1=\"50.0\" y1=\"56.0\" x2=\"50.0\" y2=\"76.0\" stroke=\"#2b5d8a\" />\
<text x=\"50.0\" y=\"92.0\" font-size=\"11\" fill=\"#222\" text-anchor=\"middle\" >axis 0: 2</text></svg>"
        );
    }

    #[test]
    fn sizes_are_capped() {
        for shape in [vec![1_000_000], vec![1000, 1000], vec![100, 100, 100], vec![7, 7, 7, 7, 7, 7], vec![0, 3, 0]] {
            let svg = ShapeDiagram::of_shape(&shape).to_svg();
            assert!(svg.len() < 20_000, "{shape:?}: {} bytes", svg.len());
            let width: f64 = svg.split("width=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
            assert!(width <= MAX_SVG_WIDTH);
        }
        assert_eq!(axis_px(1_000_000).0, MAX_AXIS_PX);
    }
}
