//! Several series on one pair of axes, with a legend: [`chart()`].
//!
//! [`plot`](crate::plot) draws one array; a lesson often needs to compare: three
//! activation functions, the loss curves of three optimizers or of five learning rates,
//! the histograms of a layer's activations at several depths. Those comparisons are the
//! point of the picture only when the series share their axes, so this is one chart with
//! named series, each in its own colour, and a legend:
//!
//! ```
//! use ndplay::prelude::*;
//! let x = Array1::linspace(-4.0, 4.0, 81);
//! let c = chart()
//!     .line_xy("tanh", &x, &x.mapv(f64::tanh))
//!     .line_xy("ReLU", &x, &x.mapv(|v| v.max(0.0)))
//!     .title("activations")
//!     .labels("input", "output");
//! assert_eq!(c.summary(), "activations: 2 series — tanh: line of 81 points; ReLU: line of 81 points");
//! ```
//!
//! Loss curves span orders of magnitude, and the activations of a deep network shrink or
//! grow geometrically, so either axis can be logarithmic (`log_y()`, `log_x()`). Like
//! [`plot`](crate::plot), a chart never panics: values it cannot draw (NaN, ±inf, and on
//! a log axis zero and negatives) are left out of their series and counted in the text
//! summary, and a line breaks where they were instead of jumping over them. Sizes are
//! bounded: at most [`MAX_SERIES`] series, each sampled to at most
//! [`MAX_POINTS`](crate::plot::MAX_POINTS) points, and [`MAX_BINS`](crate::plot::MAX_BINS)
//! histogram bins.
//!
//! The frame (size, margins, fonts, axis ranges; text, axes and grid in the page's text
//! colour, no background of its own, see [`crate::svg::adopt`]) is the one
//! [`plot`](crate::plot) draws in, defined once in `frame.rs`, so a chart sits beside a
//! plot without a seam and follows a light or dark theme the same way. It travels as
//! every picture does ([`crate::picture`]).

use ndarray::{ArrayBase, Data, Dimension, Ix1};
use plotters::prelude::*;

use crate::display::{MimeBundle, Render};
use crate::dtype::DType;
use crate::frame::{self, clean, Clamp, Words, MAX_RANGE};
use crate::plot::{sample, MAX_BINS};

mod draw;

/// Most series a chart draws; more are counted in the summary but not drawn (the legend
/// and the palette would no longer tell them apart).
pub const MAX_SERIES: usize = 10;

/// Histogram bins when [`Chart::bins`] was not called.
pub const DEFAULT_BINS: usize = 30;

/// The series colours, in order: matplotlib's default cycle ("tab10"), which NumPy users
/// know, and whose first colour is the one of [`plot`](crate::plot).
const PALETTE: [RGBColor; MAX_SERIES] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// The legend's box: plotters draws it white (the only white of a chart), and it is given
/// the page's background instead — JupyterLab's `--jp-layout-color0`, so that it hides
/// the data behind it in a light theme and a dark one; white where no page is (the PNG
/// twin and `image/svg+xml` take the fallback).
const LEGEND_FILL: &str = "fill=\"#FFFFFF\"";
const LEGEND_PAGE_FILL: &str = "style=\"fill:var(--jp-layout-color0, #ffffff)\"";

/// What one series draws.
#[derive(Debug, Clone, PartialEq)]
enum Kind {
    /// Points joined in order; `indexed` when x is the position in the array.
    Line { points: Vec<(f64, f64)>, indexed: bool },
    /// Points as dots.
    Scatter { points: Vec<(f64, f64)> },
    /// Values binned on the x axis, drawn as an outline; all histograms of a chart share
    /// their bins.
    Hist { values: Vec<f64> },
}

#[derive(Debug, Clone, PartialEq)]
struct Series {
    label: String,
    kind: Kind,
}

/// Several named series on shared axes, ready to display (a picture bundle, see
/// [`crate::picture`], with a `text/plain` summary). Made by [`chart()`]; every method returns the chart, so calls
/// chain.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    series: Vec<Series>,
    words: Words,
    log_x: bool,
    log_y: bool,
    bins: usize,
}

/// An empty chart; add series with [`Chart::line`], [`Chart::line_xy`],
/// [`Chart::scatter`] and [`Chart::hist`].
pub fn chart() -> Chart {
    Chart { series: Vec::new(), words: Words::default(), log_x: false, log_y: false, bins: DEFAULT_BINS }
}

/// Every value as `f64`, NaN for values that are not numbers.
fn floats<A: DType, S: Data<Elem = A>, D: Dimension>(a: &ArrayBase<S, D>) -> Vec<f64> {
    a.iter().map(|v| v.to_f64().unwrap_or(f64::NAN)).collect()
}

/// A value's position on an axis: itself, or its base-10 logarithm on a log axis.
/// `None` for what the axis cannot show.
fn on_axis(v: f64, log: bool) -> Option<f64> {
    if !v.is_finite() {
        None
    } else if log {
        (v > 0.0).then(|| v.log10())
    } else {
        Some(v.clamp(-MAX_RANGE, MAX_RANGE))
    }
}

/// A tick label on a log axis, where the tick sits at `10^t`: powers of ten written out
/// between 0.001 and 10000 and as `1e-5` beyond, other values in 3 significant digits.
fn log_tick(t: f64) -> String {
    let k = t.round();
    if (t - k).abs() < 1e-9 {
        if (-3.0..=4.0).contains(&k) {
            format!("{}", 10f64.powi(k as i32))
        } else {
            format!("1e{}", k as i32)
        }
    } else {
        // Three significant digits, as the tick sits between powers of ten.
        let v = 10f64.powf(t);
        if v.abs() >= 1e5 || v.abs() < 1e-3 {
            format!("{v:.2e}")
        } else {
            let decimals = (2 - t.floor() as i32).max(0) as usize;
            format!("{v:.decimals$}")
        }
    }
}

/// A tick label on a linear axis that spans `span`: the decimals that ticks about a tenth
/// of the span apart need (plotters picks ticks 1, 2 or 5 × 10ᵏ apart), no `-0`, and
/// scientific notation for very large or very small values.
fn linear_tick(v: f64, span: f64) -> String {
    if v.abs() < span * 1e-9 {
        return "0".to_string();
    }
    if v.abs() >= 1e6 || span < 1e-4 {
        return format!("{v:.2e}");
    }
    let decimals = (-(span / 10.0).log10().floor()).clamp(0.0, 6.0) as usize;
    format!("{v:.decimals$}")
}

/// What one series becomes on the chart's axes.
struct Drawn {
    /// Runs of consecutive drawable points (a line breaks between runs), in axis
    /// positions. A histogram is one run: its outline.
    runs: Vec<Vec<(f64, f64)>>,
    /// Values that could not be drawn.
    skipped: usize,
    /// Values in the series.
    total: usize,
}

impl Chart {
    fn push(mut self, label: &str, kind: Kind) -> Self {
        self.series.push(Series { label: clean(label), kind });
        self
    }

    /// `y` against its index, as a line (matplotlib's `plt.plot(y, label=…)`).
    pub fn line<A: DType, S: Data<Elem = A>>(self, label: &str, y: &ArrayBase<S, Ix1>) -> Self {
        let points = floats(y).into_iter().enumerate().map(|(i, v)| (i as f64, v)).collect();
        self.push(label, Kind::Line { points, indexed: true })
    }

    /// `y` against `x`, as a line. Pairs beyond the shorter array are ignored.
    pub fn line_xy<A: DType, B: DType, S1: Data<Elem = A>, S2: Data<Elem = B>>(
        self,
        label: &str,
        x: &ArrayBase<S1, Ix1>,
        y: &ArrayBase<S2, Ix1>,
    ) -> Self {
        let points = floats(x).into_iter().zip(floats(y)).collect();
        self.push(label, Kind::Line { points, indexed: false })
    }

    /// `y` against `x`, as dots. Pairs beyond the shorter array are ignored.
    pub fn scatter<A: DType, B: DType, S1: Data<Elem = A>, S2: Data<Elem = B>>(
        self,
        label: &str,
        x: &ArrayBase<S1, Ix1>,
        y: &ArrayBase<S2, Ix1>,
    ) -> Self {
        let points = floats(x).into_iter().zip(floats(y)).collect();
        self.push(label, Kind::Scatter { points })
    }

    /// A histogram of all values of `values` (any dimension), drawn as an outline over
    /// a light fill so that several histograms stay readable on top of each other. All
    /// histograms of a chart share the same bins (see [`Chart::bins`]), spread over the
    /// range of all of their values.
    pub fn hist<A: DType, S: Data<Elem = A>, D: Dimension>(self, label: &str, values: &ArrayBase<S, D>) -> Self {
        self.push(label, Kind::Hist { values: floats(values) })
    }

    /// The number of histogram bins (default [`DEFAULT_BINS`], clamped to
    /// 1..=[`MAX_BINS`]). On a log x axis the bins are equal in width on that axis.
    pub fn bins(mut self, bins: usize) -> Self {
        self.bins = bins.clamp(1, MAX_BINS);
        self
    }

    /// A logarithmic x axis (only positive x values are drawn).
    pub fn log_x(mut self) -> Self {
        self.log_x = true;
        self
    }

    /// A logarithmic y axis (only positive y values are drawn), for curves that span
    /// orders of magnitude, such as losses.
    pub fn log_y(mut self) -> Self {
        self.log_y = true;
        self
    }

    /// Sets the title shown above the chart.
    pub fn title(self, title: &str) -> Self {
        Chart { words: self.words.titled(title), ..self }
    }

    /// Sets the axis labels.
    pub fn labels(self, x: &str, y: &str) -> Self {
        Chart { words: self.words.labelled(x, y), ..self }
    }

    /// The series that are drawn: the first [`MAX_SERIES`].
    fn shown(&self) -> &[Series] {
        &self.series[..self.series.len().min(MAX_SERIES)]
    }

    /// The shared histogram bins: `(first edge, bin width)` in x axis positions, or
    /// `None` when the chart has no drawable histogram values.
    fn bin_edges(&self) -> Option<(f64, f64)> {
        let positions = self.shown().iter().flat_map(|s| match &s.kind {
            Kind::Hist { values } => values.iter().filter_map(|&v| on_axis(v, self.log_x)).collect(),
            _ => Vec::new(),
        });
        let (lo, hi) = positions.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
        if !lo.is_finite() {
            return None;
        }
        let (lo, hi) = if hi - lo <= f64::EPSILON * hi.abs().max(1.0) { (lo - 0.5, hi + 0.5) } else { (lo, hi) };
        Some((lo, (hi - lo) / self.bins as f64))
    }

    /// One series on this chart's axes.
    fn drawn(&self, s: &Series, bins: Option<(f64, f64)>) -> Drawn {
        match &s.kind {
            Kind::Line { points, .. } | Kind::Scatter { points } => {
                let points = sample(points.clone());
                let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
                let mut skipped = 0;
                for &(x, y) in &points {
                    match (on_axis(x, self.log_x), on_axis(y, self.log_y)) {
                        (Some(px), Some(py)) => runs.last_mut().expect("one run at least").push((px, py)),
                        _ => {
                            skipped += 1;
                            if !runs.last().expect("one run at least").is_empty() {
                                runs.push(Vec::new());
                            }
                        }
                    }
                }
                runs.retain(|r| !r.is_empty());
                Drawn { runs, skipped, total: points.len() }
            }
            Kind::Hist { values } => {
                let positions: Vec<f64> = values.iter().filter_map(|&v| on_axis(v, self.log_x)).collect();
                let skipped = values.len() - positions.len();
                let Some((lo, width)) = bins else {
                    return Drawn { runs: Vec::new(), skipped, total: values.len() };
                };
                let mut counts = vec![0usize; self.bins];
                for p in &positions {
                    let i = (((p - lo) / width) as usize).min(self.bins - 1);
                    counts[i] += 1;
                }
                // The outline of the bars; on a log y axis an empty bin sits on the floor
                // of the axis, which `draw` passes down as the smallest count, 1 → 10⁰.
                let height = |c: usize| if self.log_y { (c.max(1) as f64).log10() } else { c as f64 };
                let floor = height(0);
                let mut outline = vec![(lo, floor)];
                for (i, &c) in counts.iter().enumerate() {
                    let x = lo + width * i as f64;
                    outline.push((x, height(c)));
                    outline.push((x + width, height(c)));
                }
                outline.push((lo + width * self.bins as f64, floor));
                Drawn { runs: vec![outline], skipped, total: values.len() }
            }
        }
    }

    /// One line describing the chart (the `text/plain` fallback): each series with what
    /// it draws, and what was left out.
    pub fn summary(&self) -> String {
        let bins = self.bin_edges();
        let parts: Vec<String> = self
            .shown()
            .iter()
            .map(|s| {
                let d = self.drawn(s, bins);
                let drawn = d.total - d.skipped;
                let what = match s.kind {
                    Kind::Line { .. } => format!("line of {drawn} points"),
                    Kind::Scatter { .. } => format!("scatter of {drawn} points"),
                    Kind::Hist { .. } => format!("histogram of {drawn} values in {} bins", self.bins),
                };
                let mut part = format!("{}: {what}", s.label);
                if d.skipped > 0 {
                    let why = if self.log_x || self.log_y { "NaN/inf or ≤ 0 on a log axis" } else { "NaN/inf" };
                    part.push_str(&format!(" ({} of {} values were {why} and left out)", d.skipped, d.total));
                }
                part
            })
            .collect();
        let n = self.series.len();
        let mut out = match n {
            0 => "empty chart".to_string(),
            1 => format!("1 series — {}", parts.join("; ")),
            _ => format!("{n} series — {}", parts.join("; ")),
        };
        if n > MAX_SERIES {
            out.push_str(&format!(" (and {} more series, not drawn: at most {MAX_SERIES})", n - MAX_SERIES));
        }
        self.words.summary(out)
    }

    /// The SVG document, in the theme's colours (text, axes and grid in the page's text
    /// colour, as [`plot`](crate::plot)'s). Never panics; a drawing error gives an SVG with
    /// the message.
    pub fn to_svg(&self) -> String {
        frame::svg("chart", |root| self.draw(root), |svg| svg.replace(LEGEND_FILL, LEGEND_PAGE_FILL))
    }

    /// The default axis labels: what the series are made of.
    fn default_labels(&self) -> (&'static str, &'static str) {
        let shown = self.shown();
        if !shown.is_empty() && shown.iter().all(|s| matches!(s.kind, Kind::Hist { .. })) {
            ("value", "count")
        } else if !shown.is_empty() && shown.iter().all(|s| matches!(s.kind, Kind::Line { indexed: true, .. })) {
            ("index", "y")
        } else {
            ("x", "y")
        }
    }
}

impl Render for Chart {
    fn mime_bundle(&self) -> MimeBundle {
        crate::picture::bundle(self.summary(), self.to_svg())
    }
}

#[cfg(test)]
mod tests {
    use super::draw::{emptiest_corner, Corner};
    use super::*;
    use ndarray::prelude::*;

    #[test]
    fn series_are_summarised_in_order() {
        let x = Array1::linspace(0.0, 1.0, 11);
        let c = chart().line_xy("a", &x, &x).scatter("b", &x, &x.mapv(|v| v * v)).title("two").labels("x", "y");
        assert_eq!(c.summary(), "two: 2 series — a: line of 11 points; b: scatter of 11 points");
        let svg = c.to_svg();
        assert!(svg.starts_with("<svg"), "{svg}");
        // plotters writes each text on a line of its own.
        assert!(svg.contains("\na\n") && svg.contains("\nb\n"), "the legend names both series");
        assert_eq!(chart().summary(), "empty chart");
        assert!(chart().to_svg().starts_with("<svg"));
    }

    #[test]
    fn a_chart_follows_the_theme_like_every_picture() {
        let c = chart().line("loss", &array![3.0, 2.0, 1.0]).scatter("points", &array![0.0, 1.0], &array![1.0, 2.0]);
        let svg = c.to_svg();
        // No background and no black of its own: text and axes are the page's text colour.
        assert!(!svg.contains("#FFFFFF") && !svg.contains("#000000"), "{svg}");
        // The legend's box has the page's colour, white where there is no page.
        assert_eq!(svg.matches(LEGEND_PAGE_FILL).count(), 1, "{svg}");
        let light = crate::svg::literal(&svg, &crate::svg::Theme::LIGHT);
        assert!(light.contains("fill:#ffffff") && !light.contains("var("), "{light}");
        assert!(svg.contains("currentColor") && svg.contains("stroke-opacity=\"0.14\""), "{svg}");
        let bundle = c.mime_bundle();
        assert_eq!(bundle.plain(), c.summary());
        let html = bundle.get(crate::display::MIME_HTML).expect("a picture has text/html");
        assert!(html.contains("<svg") && html.contains("data:image/png;base64,"), "inline SVG and a PNG twin");
        assert!(bundle.get(crate::display::MIME_SVG).is_some_and(|s| !s.contains("var(")), "literal colours");
    }

    #[test]
    fn lines_break_at_values_they_cannot_draw() {
        let c = chart().line("loss", &array![4.0, 2.0, f64::NAN, 1.0, 0.5, f64::INFINITY]);
        assert_eq!(c.summary(), "1 series — loss: line of 4 points (2 of 6 values were NaN/inf and left out)");
        let d = c.drawn(&c.series[0], None);
        assert_eq!(d.runs, vec![vec![(0.0, 4.0), (1.0, 2.0)], vec![(3.0, 1.0), (4.0, 0.5)]]);
    }

    #[test]
    fn log_axes_leave_out_zero_and_negatives_and_draw_exponents() {
        let c = chart().line("loss", &array![100.0, 10.0, 0.0, -1.0, 0.01]).log_y();
        assert_eq!(
            c.summary(),
            "1 series — loss: line of 3 points (2 of 5 values were NaN/inf or ≤ 0 on a log axis and left out)"
        );
        let d = c.drawn(&c.series[0], None);
        assert_eq!(d.runs, vec![vec![(0.0, 2.0), (1.0, 1.0)], vec![(4.0, -2.0)]]);
        let svg = c.to_svg();
        assert!(svg.contains("\n100\n") && svg.contains("\n0.01\n"), "ticks at powers of ten: {svg}");
    }

    #[test]
    fn log_ticks_read_as_numbers() {
        assert_eq!(log_tick(0.0), "1");
        assert_eq!(log_tick(-3.0), "0.001");
        assert_eq!(log_tick(4.0), "10000");
        assert_eq!(log_tick(-5.0), "1e-5");
        assert_eq!(log_tick(12.0), "1e12");
        assert_eq!(log_tick(0.5), "3.16");
        assert_eq!(log_tick(2.5), "316");
        assert_eq!(log_tick(-0.5), "0.316");
        assert_eq!(log_tick(-7.5), "3.16e-8");
    }

    #[test]
    fn linear_ticks_have_the_decimals_their_spacing_needs() {
        assert_eq!(linear_tick(2500.0, 2600.0), "2500");
        assert_eq!(linear_tick(-1.5, 3.8), "-1.5");
        assert_eq!(linear_tick(-1e-17, 3.8), "0");
        assert_eq!(linear_tick(0.25, 0.11), "0.25");
        assert_eq!(linear_tick(4.0, 20.0), "4");
        assert_eq!(linear_tick(2e6, 5e6), "2.00e6");
        assert_eq!(linear_tick(3e-5, 5e-5), "3.00e-5");
    }

    #[test]
    fn histograms_share_their_bins() {
        let c = chart().bins(4).hist("wide", &array![0.0, 1.0, 2.0, 3.0, 4.0]).hist("narrow", &array![[2.0, 2.0]]);
        assert_eq!(
            c.summary(),
            "2 series — wide: histogram of 5 values in 4 bins; narrow: histogram of 2 values in 4 bins"
        );
        assert_eq!(c.bin_edges(), Some((0.0, 1.0)));
        let narrow = c.drawn(&c.series[1], c.bin_edges());
        // Both values fall in bin 2, [2, 3).
        let heights: Vec<f64> = narrow.runs[0].iter().skip(1).step_by(2).map(|p| p.1).collect();
        assert_eq!(heights, vec![0.0, 0.0, 2.0, 0.0, 0.0]);
        assert!(c.to_svg().contains("<polygon"), "histograms are filled");
    }

    #[test]
    fn the_legend_avoids_the_data() {
        let rising = chart().line("up", &Array1::linspace(0.0, 1.0, 50));
        let bins = rising.bin_edges();
        let d: Vec<Drawn> = rising.series.iter().map(|s| rising.drawn(s, bins)).collect();
        assert_eq!(emptiest_corner(&d, (0.0, 49.0), (0.0, 1.0)), Corner::UpperLeft);
        let falling = chart().line("down", &Array1::linspace(1.0, 0.0, 50));
        let d: Vec<Drawn> = falling.series.iter().map(|s| falling.drawn(s, None)).collect();
        assert_eq!(emptiest_corner(&d, (0.0, 49.0), (0.0, 1.0)), Corner::UpperRight);
        // Two tall spikes at the sides (a saturated tanh): the top middle is free.
        let spikes = chart().bins(10).hist("saturated", &array![0.0, 0.0, 0.0, 0.0, 0.5, 1.0, 1.0, 1.0, 1.0]);
        let d: Vec<Drawn> = spikes.series.iter().map(|s| spikes.drawn(s, spikes.bin_edges())).collect();
        assert_eq!(emptiest_corner(&d, (-0.05, 1.05), (0.0, 4.2)), Corner::UpperMiddle);
    }

    #[test]
    fn degenerate_inputs_do_not_panic() {
        let empty = Array1::<f64>::zeros(0);
        for c in [
            chart().line("empty", &empty),
            chart().line("one", &array![5.0]).log_y(),
            chart().line("nan", &array![f64::NAN, f64::INFINITY]),
            chart().line("huge", &array![f64::MAX, -f64::MAX]),
            chart().line("tiny and huge", &array![1e-300, 1e300]).log_y(),
            chart().scatter("mismatched", &empty, &array![1.0]),
            chart().hist("empty", &empty).bins(0),
            chart().hist("same", &array![1.0, 1.0]).bins(10_000),
            chart().hist("strings", &array!["a".to_string()]),
            chart().hist("log", &array![0.0, 1.0, 10.0]).log_x().log_y(),
        ] {
            let svg = c.to_svg();
            assert!(svg.starts_with("<svg"), "{}", c.summary());
        }
    }

    #[test]
    fn sizes_are_bounded() {
        let big = Array1::from_iter((0..1_000_000).map(|i| (i as f64 * 1e-3).sin()));
        let mut c = chart();
        for k in 0..MAX_SERIES + 2 {
            c = c.line(&format!("s{k}"), &big);
        }
        assert!(c.summary().ends_with("(and 2 more series, not drawn: at most 10)"), "{}", c.summary());
        let svg = c.to_svg();
        assert!(svg.len() < 2_000_000, "{}", svg.len());
        assert!(svg.contains("\ns9\n") && !svg.contains("\ns10\n"), "the 11th series is not drawn");
    }
}
