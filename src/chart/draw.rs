//! Drawing a [`Chart`] with plotters: the axes (linear or log), the series, and the legend
//! in the corner where it covers the fewest points.

use super::*;
use crate::frame::{Area, FONT, GRID};

impl Chart {
    pub(super) fn draw(&self, root: &Area) -> Result<(), String> {
        let err = |e: &dyn std::fmt::Display| e.to_string();
        let bins = self.bin_edges();
        let drawn: Vec<Drawn> = self.shown().iter().map(|s| self.drawn(s, bins)).collect();
        let all = || drawn.iter().flat_map(|d| d.runs.iter().flatten());
        let (x0, x1) = frame::range(all().map(|p| p.0), Clamp::Ends);
        let (y0, y1) = if self.shown().iter().any(|s| matches!(s.kind, Kind::Hist { .. })) {
            // Bars stand on the axis: a histogram's y range starts at its floor.
            let (lo, hi) = frame::range(all().map(|p| p.1), Clamp::Ends);
            let floor = if self.log_y { 0.0 } else { 0.0f64.min(lo) };
            (floor, hi)
        } else {
            frame::range(all().map(|p| p.1), Clamp::Ends)
        };

        let mut builder = frame::builder(root, &self.words);
        let mut chart = builder.build_cartesian_2d(x0..x1, y0..y1).map_err(|e| err(&e))?;
        let (default_x, default_y) = self.default_labels();
        // Tick labels: plotters' own print `2500.0` for counts and `-0.0` for a tick a
        // rounding error below zero; ours give as many decimals as the tick spacing needs.
        let x_tick = |t: &f64| if self.log_x { log_tick(*t) } else { linear_tick(*t, x1 - x0) };
        let y_tick = |t: &f64| if self.log_y { log_tick(*t) } else { linear_tick(*t, y1 - y0) };
        let mut mesh = chart.configure_mesh();
        mesh.light_line_style(GRID);
        mesh.x_desc(self.words.x_or(default_x));
        mesh.y_desc(self.words.y_or(default_y));
        mesh.x_label_formatter(&x_tick);
        mesh.y_label_formatter(&y_tick);
        // On a log axis, as many labels as whole decades (plotters then puts them at powers
        // of ten, not at 10^0.5 = 3.162…), at least 3 and at most plotters' usual 10.
        let decades = |span: f64| ((span.floor() as usize) + 1).clamp(3, 10);
        if self.log_x {
            mesh.x_labels(decades(x1 - x0));
        }
        if self.log_y {
            mesh.y_labels(decades(y1 - y0));
        }
        mesh.draw().map_err(|e| err(&e))?;

        for (i, (s, d)) in self.shown().iter().zip(&drawn).enumerate() {
            let colour = PALETTE[i % PALETTE.len()];
            let anno = match s.kind {
                Kind::Line { .. } => chart
                    .draw_series(d.runs.iter().map(|run| PathElement::new(run.clone(), colour.stroke_width(2))))
                    .map_err(|e| err(&e))?,
                Kind::Scatter { .. } => {
                    let anno = chart
                        .draw_series(d.runs.iter().flatten().map(|&p| Circle::new(p, 3, colour.mix(0.75).filled())))
                        .map_err(|e| err(&e))?;
                    anno.label(s.label.clone()).legend(move |(x, y)| Circle::new((x + 10, y), 4, colour.filled()));
                    continue;
                }
                Kind::Hist { .. } => {
                    chart
                        .draw_series(d.runs.iter().map(|run| Polygon::new(run.clone(), colour.mix(0.15).filled())))
                        .map_err(|e| err(&e))?;
                    chart
                        .draw_series(d.runs.iter().map(|run| PathElement::new(run.clone(), colour.stroke_width(2))))
                        .map_err(|e| err(&e))?
                }
            };
            anno.label(s.label.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(3)));
        }
        if !self.series.is_empty() {
            let corner = emptiest_corner(&drawn, (x0, x1), (y0, y1));
            chart
                .configure_series_labels()
                .position(corner.position())
                // Drawn white, then given the page's colour (LEGEND_PAGE_FILL): a white box
                // would glare on a dark page, and none would leave the names over the data.
                .background_style(WHITE.mix(0.85))
                .border_style(RGBColor(200, 200, 200))
                .label_font((FONT, 13))
                .draw()
                .map_err(|e| err(&e))?;
        }
        Ok(())
    }
}

/// A place for the legend: a corner of the plotting area, or the middle of its top or
/// bottom edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Corner {
    UpperRight,
    UpperLeft,
    UpperMiddle,
    LowerRight,
    LowerLeft,
    LowerMiddle,
}

impl Corner {
    /// In the order ties are broken.
    const ALL: [Corner; 6] = [
        Corner::UpperRight,
        Corner::UpperLeft,
        Corner::UpperMiddle,
        Corner::LowerRight,
        Corner::LowerLeft,
        Corner::LowerMiddle,
    ];

    fn position(self) -> SeriesLabelPosition {
        match self {
            Corner::UpperRight => SeriesLabelPosition::UpperRight,
            Corner::UpperLeft => SeriesLabelPosition::UpperLeft,
            Corner::UpperMiddle => SeriesLabelPosition::UpperMiddle,
            Corner::LowerRight => SeriesLabelPosition::LowerRight,
            Corner::LowerLeft => SeriesLabelPosition::LowerLeft,
            Corner::LowerMiddle => SeriesLabelPosition::LowerMiddle,
        }
    }

    /// Whether a point at `(u, v)` (0..1 across and up the plotting area) is in the box
    /// of a third of each side that the legend takes here.
    fn covers(self, u: f64, v: f64) -> bool {
        let (left, right, middle) = (u < 1.0 / 3.0, u > 2.0 / 3.0, (1.0 / 3.0..=2.0 / 3.0).contains(&u));
        let (top, bottom) = (v > 2.0 / 3.0, v < 1.0 / 3.0);
        match self {
            Corner::UpperRight => right && top,
            Corner::UpperLeft => left && top,
            Corner::UpperMiddle => middle && top,
            Corner::LowerRight => right && bottom,
            Corner::LowerLeft => left && bottom,
            Corner::LowerMiddle => middle && bottom,
        }
    }
}

/// Where the legend hides the least of the drawing: the place whose box the fewest drawn
/// points fall into. Lines are sampled along their length (a spike of a histogram is one
/// long segment with two points), so a line that crosses a box counts as much as the
/// ink it puts there. Ties go to the first of [`Corner::ALL`].
pub(super) fn emptiest_corner(drawn: &[Drawn], (x0, x1): (f64, f64), (y0, y1): (f64, f64)) -> Corner {
    let mut counts = [0usize; 6];
    let mut count = |(u, v): (f64, f64)| {
        for (k, corner) in Corner::ALL.iter().enumerate() {
            if corner.covers(u, v) {
                counts[k] += 1;
            }
        }
    };
    // One sample every STEP of the plotting area's size.
    const STEP: f64 = 0.01;
    let unit = |p: (f64, f64)| ((p.0 - x0) / (x1 - x0), (p.1 - y0) / (y1 - y0));
    for run in drawn.iter().flat_map(|d| &d.runs) {
        for (i, &p) in run.iter().enumerate() {
            let a = unit(p);
            count(a);
            if let Some(&q) = run.get(i + 1) {
                let b = unit(q);
                let length = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
                let steps = ((length / STEP).ceil() as usize).min(200);
                for s in 1..steps {
                    let t = s as f64 / steps as f64;
                    count((a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t));
                }
            }
        }
    }
    let best = (0..Corner::ALL.len()).min_by_key(|&k| counts[k]).expect("six places");
    Corner::ALL[best]
}
