//! Quick plots of arrays as SVG: [`line()`], [`line_xy()`], [`scatter()`], [`hist()`],
//! [`heatmap()`].
//!
//! Drawn with plotters' SVG backend, in the frame (size, margins, fonts, grid, axis
//! ranges) that [`chart`](mod@crate::chart) draws in too, defined once in `frame.rs`.
//!
//! Plots never panic: non-finite values are left out (and counted in the text summary),
//! degenerate ranges are widened, and drawing errors turn into a plot that says so. Sizes
//! are bounded: at most [`MAX_POINTS`] points and a [`MAX_HEATMAP_SIDE`]² grid are drawn
//! (larger inputs are sampled or pooled), so a plot stays under about 250 KB (plotters writes one
//! `<rect>` of ~90 bytes per heatmap cell, hence the small grid).

use ndarray::{Array2, ArrayBase, Data, Dimension, Ix1, Ix2};
use plotters::prelude::*;

use crate::display::{MimeBundle, Render};
use crate::dtype::DType;
use crate::frame::{self, Area, Clamp, Words, FONT, GRID};
pub use crate::frame::{HEIGHT, MAX_RANGE, WIDTH};

/// Most points drawn by a line or scatter plot; longer data is sampled evenly.
pub const MAX_POINTS: usize = 4000;
/// Most bins of a histogram.
pub const MAX_BINS: usize = 200;
/// Most cells drawn along each side of a heatmap; larger matrices are averaged in blocks.
pub const MAX_HEATMAP_SIDE: usize = 48;

const LINE_COLOUR: RGBColor = RGBColor(31, 119, 180);

/// What a [`Plot`] draws.
#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Line { points: Vec<(f64, f64)> },
    Scatter { points: Vec<(f64, f64)> },
    Hist { values: Vec<f64>, bins: usize },
    Heatmap { cells: Array2<f64>, rows: usize, cols: usize },
}

/// A plot, ready to display (`image/svg+xml` plus a `text/plain` summary).
///
/// Made by the functions of this module; `.title(..)` and `.labels(..)` add text.
#[derive(Debug, Clone, PartialEq)]
pub struct Plot {
    kind: Kind,
    words: Words,
    /// Non-finite values left out.
    skipped: usize,
    /// Values in the input (before sampling).
    total: usize,
}

fn values<A: DType, S: Data<Elem = A>, D: Dimension>(a: &ArrayBase<S, D>) -> Vec<Option<f64>> {
    a.iter().map(|v| v.to_f64().filter(|f| f.is_finite())).collect()
}

/// Keeps at most [`MAX_POINTS`] points, evenly spaced, always keeping the last one.
pub(crate) fn sample<T: Copy>(v: Vec<T>) -> Vec<T> {
    if v.len() <= MAX_POINTS {
        return v;
    }
    let step = v.len().div_ceil(MAX_POINTS);
    let last = *v.last().expect("non-empty");
    let mut out: Vec<T> = v.into_iter().step_by(step).collect();
    out.push(last);
    out
}

/// A line or scatter plot (`kind`) of the finite `points` among `total` input values,
/// sampled to at most [`MAX_POINTS`].
fn points_plot(kind: fn(Vec<(f64, f64)>) -> Kind, points: Vec<(f64, f64)>, total: usize) -> Plot {
    let skipped = total - points.len();
    Plot::new(kind(sample(points)), skipped, total)
}

/// `y` against `x` as `kind`: the pairs where both are finite. Pairs beyond the shorter
/// array are ignored.
fn xy_plot<A, B, S1, S2>(x: &ArrayBase<S1, Ix1>, y: &ArrayBase<S2, Ix1>, kind: fn(Vec<(f64, f64)>) -> Kind) -> Plot
where
    A: DType,
    B: DType,
    S1: Data<Elem = A>,
    S2: Data<Elem = B>,
{
    let (xs, ys) = (values(x), values(y));
    let points = xs.iter().zip(ys.iter()).filter_map(|(a, b)| Some(((*a)?, (*b)?))).collect();
    points_plot(kind, points, xs.len().max(ys.len()))
}

/// `y` against its index, as a line (NumPy/matplotlib's `plot(y)`).
pub fn line<A: DType, S: Data<Elem = A>>(y: &ArrayBase<S, Ix1>) -> Plot {
    let ys = values(y);
    let points = ys.iter().enumerate().filter_map(|(i, v)| Some((i as f64, (*v)?))).collect();
    points_plot(|points| Kind::Line { points }, points, ys.len())
}

/// `y` against `x`, as a line. Pairs beyond the shorter array are ignored.
pub fn line_xy<A: DType, B: DType, S1: Data<Elem = A>, S2: Data<Elem = B>>(
    x: &ArrayBase<S1, Ix1>,
    y: &ArrayBase<S2, Ix1>,
) -> Plot {
    xy_plot(x, y, |points| Kind::Line { points })
}

/// `y` against `x`, as dots. Pairs beyond the shorter array are ignored.
pub fn scatter<A: DType, B: DType, S1: Data<Elem = A>, S2: Data<Elem = B>>(
    x: &ArrayBase<S1, Ix1>,
    y: &ArrayBase<S2, Ix1>,
) -> Plot {
    xy_plot(x, y, |points| Kind::Scatter { points })
}

/// A histogram of all values of `v` (any dimension) in `bins` equal-width bins
/// (clamped to 1..=[`MAX_BINS`]).
pub fn hist<A: DType, S: Data<Elem = A>, D: Dimension>(v: &ArrayBase<S, D>, bins: usize) -> Plot {
    let vs = values(v);
    let total = vs.len();
    let values: Vec<f64> = vs.into_iter().flatten().collect();
    let skipped = total - values.len();
    Plot::new(Kind::Hist { values, bins: bins.clamp(1, MAX_BINS) }, skipped, total)
}

/// A matrix as coloured cells (row 0 at the top, as it prints), with a colour scale.
/// Matrices larger than [`MAX_HEATMAP_SIDE`] on a side are averaged in blocks.
pub fn heatmap<A: DType, S: Data<Elem = A>>(m: &ArrayBase<S, Ix2>) -> Plot {
    let (rows, cols) = m.dim();
    let total = m.len();
    let skipped = m.iter().filter(|v| !v.to_f64().is_some_and(f64::is_finite)).count();
    let br = rows.div_ceil(MAX_HEATMAP_SIDE).max(1);
    let bc = cols.div_ceil(MAX_HEATMAP_SIDE).max(1);
    let cells = Array2::from_shape_fn((rows.div_ceil(br), cols.div_ceil(bc)), |(i, j)| {
        let mut sum = 0.0;
        let mut n = 0usize;
        for r in i * br..((i + 1) * br).min(rows) {
            for c in j * bc..((j + 1) * bc).min(cols) {
                if let Some(v) = m[[r, c]].to_f64().filter(|f| f.is_finite()) {
                    sum += v;
                    n += 1;
                }
            }
        }
        if n == 0 {
            f64::NAN
        } else {
            sum / n as f64
        }
    });
    Plot::new(Kind::Heatmap { cells, rows, cols }, skipped, total)
}

/// A viridis-like colour for `t` in `[0, 1]` (a few stops, linearly interpolated):
/// perceptually ordered and readable for colour-blind students.
pub fn colour(t: f64) -> RGBColor {
    const STOPS: [(u8, u8, u8); 5] = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)];
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let x = t * (STOPS.len() - 1) as f64;
    let i = (x.floor() as usize).min(STOPS.len() - 2);
    let f = x - i as f64;
    let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

impl Plot {
    fn new(kind: Kind, skipped: usize, total: usize) -> Self {
        Plot { kind, words: Words::default(), skipped, total }
    }

    /// Sets the title shown above the plot.
    pub fn title(self, title: &str) -> Self {
        Plot { words: self.words.titled(title), ..self }
    }

    /// Sets the axis labels.
    pub fn labels(self, x: &str, y: &str) -> Self {
        Plot { words: self.words.labelled(x, y), ..self }
    }

    /// One line describing the plot (the `text/plain` fallback).
    pub fn summary(&self) -> String {
        let what = match &self.kind {
            Kind::Line { points } => format!("line plot of {} points", points.len()),
            Kind::Scatter { points } => format!("scatter plot of {} points", points.len()),
            Kind::Hist { values, bins } => format!("histogram of {} values in {bins} bins", values.len()),
            Kind::Heatmap { rows, cols, .. } => format!("heatmap of a {rows}×{cols} matrix"),
        };
        let mut out = self.words.summary(what);
        if self.skipped > 0 {
            out.push_str(&format!(" ({} of {} values were NaN/inf and left out)", self.skipped, self.total));
        }
        out
    }

    /// The SVG document, in the theme's colours (text and axes in the page's text colour,
    /// see [`crate::svg`]). Never panics; a drawing error gives an SVG with the message.
    pub fn to_svg(&self) -> String {
        frame::svg("plot", |root| self.draw(root), |svg| svg)
    }

    fn draw(&self, root: &Area) -> Result<(), String> {
        let err = |e: &dyn std::fmt::Display| e.to_string();
        let mut builder = frame::builder(root, &self.words);
        match &self.kind {
            Kind::Line { points } | Kind::Scatter { points } => {
                let (x0, x1) = frame::range(points.iter().map(|p| p.0), Clamp::Values);
                let (y0, y1) = frame::range(points.iter().map(|p| p.1), Clamp::Values);
                let mut chart = builder.build_cartesian_2d(x0..x1, y0..y1).map_err(|e| err(&e))?;
                let mut mesh = chart.configure_mesh();
                mesh.light_line_style(GRID);
                mesh.x_desc(self.words.x_or(if matches!(self.kind, Kind::Line { .. }) { "index" } else { "x" }));
                mesh.y_desc(self.words.y_or("y"));
                mesh.draw().map_err(|e| err(&e))?;
                if let Kind::Line { .. } = self.kind {
                    chart
                        .draw_series(LineSeries::new(points.iter().copied(), LINE_COLOUR.stroke_width(2)))
                        .map_err(|e| err(&e))?;
                } else {
                    chart
                        .draw_series(points.iter().map(|&p| Circle::new(p, 3, LINE_COLOUR.mix(0.7).filled())))
                        .map_err(|e| err(&e))?;
                }
            }
            Kind::Hist { values, bins } => {
                let (lo, hi) = frame::range(values.iter().copied(), Clamp::Values);
                let width = (hi - lo) / *bins as f64;
                let mut counts = vec![0usize; *bins];
                for v in values {
                    let i = (((v - lo) / width) as usize).min(bins - 1);
                    counts[i] += 1;
                }
                let top = counts.iter().copied().max().unwrap_or(0).max(1) as f64 * 1.05;
                let mut chart = builder.build_cartesian_2d(lo..hi, 0.0..top).map_err(|e| err(&e))?;
                let mut mesh = chart.configure_mesh();
                mesh.light_line_style(GRID);
                mesh.x_desc(self.words.x_or("value"));
                mesh.y_desc(self.words.y_or("count"));
                // Counts are whole numbers; plotters would print `50.0`.
                let whole = |v: &f64| format!("{v:.0}");
                mesh.y_label_formatter(&whole);
                mesh.draw().map_err(|e| err(&e))?;
                chart
                    .draw_series(counts.iter().enumerate().map(|(i, &c)| {
                        let x = lo + width * i as f64;
                        Rectangle::new([(x, 0.0), (x + width, c as f64)], LINE_COLOUR.mix(0.8).filled())
                    }))
                    .map_err(|e| err(&e))?;
            }
            Kind::Heatmap { cells, rows, cols } => {
                let (r, c) = cells.dim();
                let (lo, hi) = {
                    let finite = cells.iter().copied().filter(|v| v.is_finite());
                    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
                    if lo.is_finite() {
                        (lo, hi)
                    } else {
                        (0.0, 0.0)
                    }
                };
                let (main, bar) = root.split_horizontally(WIDTH - 90);
                let mut builder = frame::builder(&main, &self.words);
                // y runs downwards so row 0 is at the top, as the array prints.
                let mut chart =
                    builder.build_cartesian_2d(0.0..*cols as f64, (*rows as f64)..0.0).map_err(|e| err(&e))?;
                let mut mesh = chart.configure_mesh();
                mesh.disable_mesh();
                mesh.x_desc(self.words.x_or("column (axis 1)"));
                mesh.y_desc(self.words.y_or("row (axis 0)"));
                // Row and column numbers are whole numbers.
                let whole = |v: &f64| format!("{v:.0}");
                mesh.x_label_formatter(&whole);
                mesh.y_label_formatter(&whole);
                mesh.draw().map_err(|e| err(&e))?;
                let (cw, ch) = (*cols as f64 / c as f64, *rows as f64 / r as f64);
                let span = if hi > lo { hi - lo } else { 1.0 };
                chart
                    .draw_series(cells.indexed_iter().map(|((i, j), &v)| {
                        let fill = if v.is_finite() { colour((v - lo) / span) } else { RGBColor(200, 200, 200) };
                        Rectangle::new(
                            [(j as f64 * cw, i as f64 * ch), ((j + 1) as f64 * cw, (i + 1) as f64 * ch)],
                            fill.filled(),
                        )
                    }))
                    .map_err(|e| err(&e))?;
                // The colour scale: a column of swatches from low (bottom) to high (top).
                let steps = 40;
                let (bw, bh) = (16, HEIGHT as i32 - 100);
                for k in 0..steps {
                    let t = 1.0 - k as f64 / (steps - 1) as f64;
                    let y = 40 + bh * k / steps;
                    bar.draw(&Rectangle::new([(10, y), (10 + bw, y + bh / steps + 1)], colour(t).filled()))
                        .map_err(|e| err(&e))?;
                }
                let style = (FONT, 12).into_font().color(&BLACK);
                bar.draw(&Text::new(short_num(hi), (30, 44), style.clone())).map_err(|e| err(&e))?;
                bar.draw(&Text::new(short_num(lo), (30, 40 + bh - 4), style)).map_err(|e| err(&e))?;
            }
        }
        Ok(())
    }
}

/// A number in at most ~4 significant digits for the colour scale.
fn short_num(v: f64) -> String {
    if v != 0.0 && (v.abs() >= 1e5 || v.abs() < 1e-3) {
        format!("{v:.2e}")
    } else {
        let s = format!("{v:.3}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        s.to_string()
    }
}

impl Render for Plot {
    fn mime_bundle(&self) -> MimeBundle {
        crate::picture::bundle(self.summary(), self.to_svg())
    }
}

/// Shapes a 1-D array needs to be for the xy plots; re-exported for callers who have an
/// N-D array and want to plot its flattened values.
pub fn flat<A: Clone, S: Data<Elem = A>, D: Dimension>(a: &ArrayBase<S, D>) -> ndarray::Array1<A> {
    a.iter().cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::prelude::*;

    #[test]
    fn plots_render_and_summarise() {
        let x = Array1::linspace(0.0, 6.0, 50);
        let y = x.mapv(f64::sin);
        let p = line_xy(&x, &y).title("sin <x>").labels("x", "sin(x)");
        let svg = p.to_svg();
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("sin &lt;x&gt;"));
        assert!(svg.contains("<text"), "tick labels are drawn without fonts");
        assert_eq!(p.summary(), "sin <x>: line plot of 50 points");
        assert_eq!(
            line(&array![1.0, f64::NAN, 3.0]).summary(),
            "line plot of 2 points (1 of 3 values were NaN/inf and left out)"
        );
        assert_eq!(hist(&array![[1, 2], [2, 3]], 3).summary(), "histogram of 4 values in 3 bins");
        assert!(heatmap(&array![[1.0, 2.0], [3.0, 4.0]]).to_svg().contains("<rect"));
    }

    #[test]
    fn degenerate_inputs_do_not_panic() {
        let empty = Array1::<f64>::zeros(0);
        for p in [
            line(&empty),
            line(&array![5.0]),
            line(&array![f64::NAN, f64::INFINITY]),
            line(&array![f64::MAX, -f64::MAX]),
            scatter(&empty, &array![1.0]),
            hist(&empty, 0),
            hist(&array![1.0, 1.0], 10_000),
            heatmap(&Array2::<f64>::zeros((0, 3))),
            heatmap(&Array2::<f64>::from_elem((3, 3), f64::NAN)),
            heatmap(&array![["a".to_string()]]),
        ] {
            let svg = p.to_svg();
            assert!(svg.starts_with("<svg"), "{}", p.summary());
        }
    }

    #[test]
    fn sizes_are_bounded() {
        let big = Array1::from_iter((0..1_000_000).map(|i| (i as f64).sin()));
        assert!(line(&big).to_svg().len() < 400_000);
        let m = Array2::from_shape_fn((1000, 1000), |(i, j)| (i + j) as f64);
        let svg = heatmap(&m).to_svg();
        assert!(svg.len() < 250_000, "{}", svg.len());
        assert_eq!(heatmap(&m).summary(), "heatmap of a 1000×1000 matrix");
    }
}
