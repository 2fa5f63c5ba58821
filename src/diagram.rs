//! The shape diagram: an array's shape drawn as cells ([`shape_diagram`]), with its axes
//! labelled. The SVG writer, colours and grids it draws with are in [`crate::svg`].

use ndarray::{ArrayBase, Dimension, RawData};

use crate::display::{MimeBundle, Render};
use crate::svg::*;
use crate::words::shape_tuple;

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
            // An oblique stack: the front layer as a grid, and the layers behind it as the
            // top and right faces of a box, with a line where each layer starts. Only faces
            // are drawn, never a layer behind a translucent one, so it reads on any
            // background.
            let layers = (*d).clamp(1, MAX_LAYERS);
            let step = if layers > 1 { (60.0 / (layers - 1) as f64).min(12.0) } else { 0.0 };
            let depth = step * (layers - 1) as f64;
            let (w, _) = axis_px(*c);
            let (h, _) = axis_px(*r);
            let fx = x + 16.0;
            let fy = y + depth + 4.0;
            if depth > 0.0 {
                svg.polygon(
                    &[(fx, fy), (fx + depth, fy - depth), (fx + w + depth, fy - depth), (fx + w, fy)],
                    SHADE,
                    STROKE,
                );
                svg.polygon(
                    &[(fx + w, fy), (fx + w + depth, fy - depth), (fx + w + depth, fy + h - depth), (fx + w, fy + h)],
                    SHADE,
                    STROKE,
                );
                for l in 1..layers - 1 {
                    let off = step * l as f64;
                    svg.line(fx + off, fy - off, fx + w + off, fy - off, STROKE, "");
                    svg.line(fx + w + off, fy - off, fx + w + off, fy + h - off, STROKE, "");
                }
            }
            if *d == 0 {
                svg.rect(fx, fy, w, h, Paint::NONE, STROKE, "stroke-dasharray=\"3 2\"");
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
        crate::picture::bundle(self.summary(), self.to_svg())
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
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"105\" height=\"107\" viewBox=\"0 0 105 107\" font-family=\"ui-monospace, SFMono-Regular, Menlo, Consolas, monospace\" \
style=\"--ndplay-blue:var(--jp-brand-color1, #1976d2);--ndplay-good:var(--jp-success-color1, #388e3c);--ndplay-bad:var(--jp-error-color1, #d32f2f);--ndplay-border:var(--jp-border-color2, #e0e0e0);--ndplay-panel:transparent\">\
<rect x=\"0.5\" y=\"0.5\" width=\"104\" height=\"106\" rx=\"6\" style=\"fill:var(--ndplay-panel);stroke:var(--ndplay-border)\"/>\
<text x=\"12.0\" y=\"16.0\" font-size=\"13\" style=\"fill:currentColor\" text-anchor=\"start\" font-weight=\"bold\">shape (2,)</text>\
<rect x=\"30.0\" y=\"56.0\" width=\"40.0\" height=\"20.0\" style=\"fill:var(--ndplay-blue);fill-opacity:0.35;stroke:var(--ndplay-blue)\" />\
<line x1=\"50.0\" y1=\"56.0\" x2=\"50.0\" y2=\"76.0\" style=\"stroke:var(--ndplay-blue)\" />\
<text x=\"50.0\" y=\"92.0\" font-size=\"11\" style=\"fill:currentColor\" text-anchor=\"middle\" >axis 0: 2</text></svg>"
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
