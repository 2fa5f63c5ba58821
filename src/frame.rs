//! The frame that [`plot`](crate::plot) and [`chart`](mod@crate::chart) draw in, defined
//! once: the picture's size, its margins and label areas, the font, the words a student
//! puts on it (title and axis labels), the grid's colour, the range an axis spans, and the
//! guard that turns a drawing error or a panic of plotters into a picture that says so.
//!
//! A plot and a chart often sit one below the other in a lesson; with one frame they line
//! up without a seam, and a change to the look is made here, for both.
//!
//! Plotters is built without its `ttf` feature (no system fonts on students' machines, and
//! no font files to ship): it *estimates* text sizes for layout and its SVG backend writes
//! real `<text>` elements, which the browser draws with its own fonts. So the label areas
//! are generous: they absorb the difference between the estimate and the real width.

use plotters::coord::Shift;
use plotters::prelude::*;

/// Width of a plot or a chart, in pixels.
pub const WIDTH: u32 = 640;
/// Height of a plot or a chart, in pixels.
pub const HEIGHT: u32 = 400;

/// The largest magnitude of a value on an axis: plotters computes tick positions from the
/// width of an axis's range, and a width that overflows to infinity never ends.
pub const MAX_RANGE: f64 = 1e300;

/// The space around the plotting area.
const MARGIN: u32 = 14;
/// The room below the plotting area, for the x tick labels and the x axis's description.
const X_LABEL_AREA: u32 = 40;
/// The room left of the plotting area, for the y tick labels and the y axis's description.
const Y_LABEL_AREA: u32 = 64;

/// The font family of every text plotters draws for us: the browser's (and the
/// rasteriser's, see [`crate::raster`]) own sans-serif.
pub(crate) const FONT: &str = "sans-serif";
const TITLE_SIZE: u32 = 18;

/// The light grid lines. Plotters writes them with this colour, by which
/// [`crate::svg::adopt`] recognises them and draws them in the page's text colour, faint.
pub(crate) const GRID: RGBColor = RGBColor(235, 235, 235);

/// [`GRID`] as plotters' SVG backend spells it in the document (`#EBEBEB`).
fn grid_in_svg() -> String {
    let (r, g, b) = GRID.rgb();
    format!("#{r:02X}{g:02X}{b:02X}")
}

/// What a picture is drawn on: the whole [`WIDTH`] × [`HEIGHT`] SVG.
pub(crate) type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Replaces control characters, which are not allowed in SVG text.
pub(crate) fn clean(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// The words a student puts on the frame: the title above it (`.title(..)`) and the
/// descriptions of the axes (`.labels(..)`), which take the place of the picture's own.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Words {
    title: Option<String>,
    x: Option<String>,
    y: Option<String>,
}

impl Words {
    /// With `title` above the frame.
    pub(crate) fn titled(self, title: &str) -> Self {
        Words { title: Some(clean(title)), ..self }
    }

    /// With `x` and `y` as the axes' descriptions.
    pub(crate) fn labelled(self, x: &str, y: &str) -> Self {
        Words { x: Some(clean(x)), y: Some(clean(y)), ..self }
    }

    /// The x axis's description: the student's, or else `default`.
    pub(crate) fn x_or(&self, default: &str) -> String {
        self.x.clone().unwrap_or_else(|| default.into())
    }

    /// The y axis's description: the student's, or else `default`.
    pub(crate) fn y_or(&self, default: &str) -> String {
        self.y.clone().unwrap_or_else(|| default.into())
    }

    /// A picture's one-line description: `what` it shows, after its title if it has one.
    pub(crate) fn summary(&self, what: String) -> String {
        match &self.title {
            Some(t) => format!("{t}: {what}"),
            None => what,
        }
    }
}

/// A chart builder on `area` with the frame's margins and label areas, and the title of
/// `words` above.
pub(crate) fn builder<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    words: &Words,
) -> ChartBuilder<'a, 'a, DB> {
    let mut builder = ChartBuilder::on(area);
    builder.margin(MARGIN).x_label_area_size(X_LABEL_AREA).y_label_area_size(Y_LABEL_AREA);
    if let Some(t) = &words.title {
        builder.caption(t, (FONT, TITLE_SIZE));
    }
    builder
}

/// The SVG document of what `draw` draws on the frame's area, in the theme's colours (text,
/// axes and grid in the page's text colour, see [`crate::svg::adopt`]), passed through
/// `finish`. Never panics: a drawing error, or a panic inside plotters, gives an SVG that
/// says it could not draw the `what` (`"plot"`, `"chart"`), and why.
pub(crate) fn svg(
    what: &str,
    draw: impl FnOnce(&Area) -> Result<(), String>,
    finish: impl FnOnce(String) -> String,
) -> String {
    let mut buf = String::new();
    // Quietly: the cell's panic hook would report a panic as the cell's error (with a
    // hint about the student's integers, for an overflow inside plotters), where the
    // picture says it instead and the cell goes on.
    let result = crate::cell::catch_quietly(|| {
        // No background: the page's shows through (`crate::svg::adopt` adds the panel).
        let root = SVGBackend::with_string(&mut buf, (WIDTH, HEIGHT)).into_drawing_area();
        draw(&root)?;
        root.present().map_err(|e| e.to_string())
    });
    match result {
        Ok(Ok(())) => finish(crate::svg::adopt(&buf, &grid_in_svg())),
        Ok(Err(e)) => error_svg(what, &e),
        Err(message) => error_svg(what, &format!("the plotting library failed ({message})")),
    }
}

/// An SVG that shows a message instead of the `what`.
fn error_svg(what: &str, message: &str) -> String {
    let mut svg = crate::svg::SvgWriter::new();
    svg.text(12.0, 24.0, &format!("could not draw the {what}: {message}"), 12.0, crate::svg::BAD, "start", "");
    svg.finish(12.0)
}

/// Where [`range`] keeps an axis within ±[`MAX_RANGE`].
///
/// Plotters computes tick positions from the width of the range, and a width that
/// overflows to infinity never ends; both ways keep it finite. They differ only at the
/// limit, for values that reach ±`MAX_RANGE` (say `[f64::MAX, -f64::MAX]`): a plot's axis
/// then runs to ±1.1e300, on which plotters panics (the plot says it could not draw), and
/// a chart's to ±1e300, which it draws. `plot` and `chart` were written apart, each with
/// its own way; this module only gathered them, and every picture stays as it was, so
/// both are kept. Giving `plot` the chart's way would draw those plots: a change of
/// behaviour, for a change of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Clamp {
    /// Each value is clamped, and the 5 % padding may reach past the limit (`plot`).
    Values,
    /// The values are taken as they are (a chart clamps them itself, when it puts them on
    /// its axes), and the padded ends are clamped (`chart`). Being within the limit, they
    /// never trip the overflow checks of [`range`], which the chart's own range had not.
    Ends,
}

/// A `[lo, hi]` range that plotters can draw: the values' range padded by 5 %, widened
/// when empty or a single value, bounded by ±[`MAX_RANGE`] as `clamp` says.
pub(crate) fn range(vals: impl Iterator<Item = f64>, clamp: Clamp) -> (f64, f64) {
    let (lo, hi) = vals
        .map(|v| if clamp == Clamp::Values { v.clamp(-MAX_RANGE, MAX_RANGE) } else { v })
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if !lo.is_finite() || !hi.is_finite() {
        (0.0, 1.0)
    } else if hi - lo <= f64::EPSILON * hi.abs().max(1.0) || !(hi - lo).is_finite() {
        let pad = if lo == 0.0 { 0.5 } else { lo.abs() * 0.1 };
        if !(lo - pad).is_finite() || !(hi + pad).is_finite() {
            (lo.min(-1.0), hi.max(1.0))
        } else {
            (lo - pad, hi + pad)
        }
    } else {
        let pad = (hi - lo) * 0.05;
        let (lo, hi) = if (lo - pad).is_finite() && (hi + pad).is_finite() { (lo - pad, hi + pad) } else { (lo, hi) };
        match clamp {
            Clamp::Values => (lo, hi),
            Clamp::Ends => (lo.max(-MAX_RANGE), hi.min(MAX_RANGE)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grid_is_spelled_as_plotters_writes_it() {
        assert_eq!(grid_in_svg(), "#EBEBEB");
    }

    #[test]
    fn ranges_are_padded_widened_and_bounded() {
        for clamp in [Clamp::Values, Clamp::Ends] {
            assert_eq!(range([].into_iter(), clamp), (0.0, 1.0));
            assert_eq!(range([0.0].into_iter(), clamp), (-0.5, 0.5));
            assert_eq!(range([10.0, 10.0].into_iter(), clamp), (9.0, 11.0));
            assert_eq!(range([0.0, 100.0].into_iter(), clamp), (-5.0, 105.0));
        }
        // The two ways differ only at the limit.
        let huge = [f64::MAX, -f64::MAX];
        let (lo, hi) = range(huge.into_iter(), Clamp::Values);
        assert!(lo < -MAX_RANGE && hi > MAX_RANGE && hi.is_finite(), "{lo} {hi}");
        let near = [-MAX_RANGE, MAX_RANGE];
        assert_eq!(range(near.into_iter(), Clamp::Ends), (-MAX_RANGE, MAX_RANGE));
    }
}
