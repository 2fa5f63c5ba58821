//! A tiny SVG writer, the colours of our pictures, and the drawing helpers the diagrams
//! share (grids, wrapped text; the shape diagram itself is [`crate::diagram`]).
//!
//! Our diagrams are boxes, lines and text, so a few methods that append escaped
//! elements to a `String` are all we need (no dependency, exact-string snapshots). Sizes are
//! capped so no shape can make a huge image: long axes are drawn at a log-scaled length with
//! a few cells and their length written.
//!
//! **Colours follow the notebook's theme.** A picture is shown as inline SVG inside
//! `text/html` (see [`crate::picture`]), where it sees the page's CSS: so text and outlines
//! are `currentColor` (the page's text colour, fainter through an opacity), and the few
//! colours that carry a meaning are custom properties (`--ndplay-blue`, `--ndplay-good`,
//! `--ndplay-bad`, ...) that the `<svg>` element defines from JupyterLab's theme variables,
//! with JupyterLab Light's values as fallbacks for pages without them. The panel has no
//! background of its own: the page's shows through, light or dark. [`literal`] resolves all
//! of that for one [`Theme`], for the copies seen outside the page (the PNG twin, the
//! `image/svg+xml` copy, the gallery), which need real colours and a background.

use crate::escape::escape_html;

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
/// The width of one character of text, in em, that layout assumes. Pictures are laid out
/// before any font is known; monospace fonts advance 0.6 em (DejaVu Sans Mono, which the
/// PNG twin uses, 0.602), and the rest is slack so that no line reaches the panel's edge.
pub const CHAR_EM: f64 = 0.62;

/// A colour of the theme, by what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hue {
    /// The page's text colour (`currentColor`).
    Ink,
    /// Arrays: cells, grid lines, stretched axes (`--jp-brand-color1`).
    Blue,
    /// Success, a result that works (`--jp-success-color1`).
    Good,
    /// Errors, mismatches (`--jp-error-color1`).
    Bad,
    /// The panel's outline (`--jp-border-color2`).
    Border,
    /// The panel's background: none on the page, the theme's background elsewhere.
    Panel,
}

/// Every hue but `Ink`, with its custom property, the JupyterLab variable it follows and the
/// fallback used where that variable is not defined (JupyterLab Light's value).
const PROPERTIES: [(Hue, &str, &str, &str); 5] = [
    (Hue::Blue, "--ndplay-blue", "--jp-brand-color1", "#1976d2"),
    (Hue::Good, "--ndplay-good", "--jp-success-color1", "#388e3c"),
    (Hue::Bad, "--ndplay-bad", "--jp-error-color1", "#d32f2f"),
    (Hue::Border, "--ndplay-border", "--jp-border-color2", "#e0e0e0"),
    (Hue::Panel, "--ndplay-panel", "", "transparent"),
];

/// The colours of one theme, for [`literal`]: what the page would have given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    /// Text (`currentColor`).
    pub ink: &'static str,
    /// Behind the picture: what a PNG is filled with first.
    pub background: &'static str,
    /// Blue, good, bad, border and panel, in the order of [`Hue`].
    pub hues: [&'static str; 5],
}

impl Theme {
    /// JupyterLab Light's colours: the PNG twin and the `image/svg+xml` copy.
    pub const LIGHT: Theme =
        Theme { ink: "#212121", background: "#ffffff", hues: ["#1976d2", "#388e3c", "#d32f2f", "#e0e0e0", "#ffffff"] };
    /// JupyterLab Dark's colours: the gallery's dark column.
    pub const DARK: Theme =
        Theme { ink: "#ffffff", background: "#111111", hues: ["#2196f3", "#4caf50", "#f44336", "#424242", "#111111"] };

    /// The theme's value of one of our custom properties, or of a JupyterLab variable that
    /// it knows: those our hues follow, and `--jp-layout-color0`, the page's background (a
    /// chart's legend box). JupyterLab Light's values are the fallbacks our own pictures
    /// carry, so a light copy is the same either way; a dark copy gets Dark's colours
    /// instead of Light's fallbacks (a white legend box under white text, before).
    fn value(&self, property: &str) -> Option<&'static str> {
        if property == "--jp-layout-color0" {
            return Some(self.background);
        }
        PROPERTIES.iter().position(|p| p.1 == property || (!p.2.is_empty() && p.2 == property)).map(|i| self.hues[i])
    }
}

/// How a shape is filled or stroked: a [`Hue`] at an opacity, or nothing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Paint {
    hue: Option<Hue>,
    opacity: f64,
}

impl Paint {
    /// No paint (`none`).
    pub const NONE: Paint = Paint { hue: None, opacity: 1.0 };

    /// `hue` at `opacity` (0 to 1).
    pub const fn of(hue: Hue, opacity: f64) -> Paint {
        Paint { hue: Some(hue), opacity }
    }

    /// The CSS declarations for `property` (`fill` or `stroke`).
    fn css(self, property: &str) -> String {
        let colour = match self.hue {
            None => return format!("{property}:none"),
            Some(Hue::Ink) => "currentColor".to_string(),
            Some(hue) => {
                let name = PROPERTIES.iter().find(|p| p.0 == hue).map_or("", |p| p.1);
                format!("var({name})")
            }
        };
        if self.opacity < 1.0 {
            format!("{property}:{colour};{property}-opacity:{}", self.opacity)
        } else {
            format!("{property}:{colour}")
        }
    }
}

/// Ordinary text.
pub const INK: Paint = Paint::of(Hue::Ink, 1.0);
/// Secondary text.
pub const MUTED: Paint = Paint::of(Hue::Ink, 0.62);
/// Outlines of boxes that are neither good nor bad.
pub const OUTLINE: Paint = Paint::of(Hue::Ink, 0.45);
/// Cell fill.
pub const FILL: Paint = Paint::of(Hue::Blue, 0.35);
/// The faces of a 3-D stack behind its front.
pub const SHADE: Paint = Paint::of(Hue::Blue, 0.18);
/// Cells that exist only virtually (broadcasting's stride 0).
pub const GHOST: Paint = Paint::of(Hue::Blue, 0.1);
/// Cell and grid lines.
pub const STROKE: Paint = Paint::of(Hue::Blue, 1.0);
/// "Stretched" marks.
pub const STRETCH: Paint = Paint::of(Hue::Blue, 1.0);
/// "Fine" marks.
pub const GOOD: Paint = Paint::of(Hue::Good, 1.0);
/// Behind a fine result.
pub const GOOD_TINT: Paint = Paint::of(Hue::Good, 0.12);
/// Errors.
pub const BAD: Paint = Paint::of(Hue::Bad, 1.0);
/// Behind an error.
pub const BAD_TINT: Paint = Paint::of(Hue::Bad, 0.12);

/// The `style` of our `<svg>` element: the custom properties of [`Hue`], each from its
/// JupyterLab variable with a fallback.
fn root_style() -> String {
    let defs: Vec<String> = PROPERTIES
        .iter()
        .map(
            |(_, name, jp, fallback)| {
                if jp.is_empty() {
                    format!("{name}:{fallback}")
                } else {
                    format!("{name}:var({jp}, {fallback})")
                }
            },
        )
        .collect();
    defs.join(";")
}

/// The SVG with every theme-dependent colour made literal for `theme`: `var(--ndplay-…)`
/// becomes the theme's colour, any other `var(--name, fallback)` its fallback, and the root
/// element gets `color` (what `currentColor` means) instead of our custom properties.
///
/// For pictures seen outside the page (a PNG, an `<img>`, a file), where no page CSS
/// reaches. Works on any SVG, also an instructor's own.
pub fn literal(svg: &str, theme: &Theme) -> String {
    resolve_vars(&with_root_colour(&without_root_properties(svg), theme.ink), theme)
}

/// The SVG without the `style` of its root element when that style only defines custom
/// properties (ours, whether or not [`crate::display::style_fallbacks`] has doubled them).
fn without_root_properties(svg: &str) -> String {
    let Some(at) = svg.find("<svg") else { return svg.to_string() };
    let tag_end = svg[at..].find('>').map_or(svg.len(), |e| at + e);
    let Some(style) = svg[at..tag_end].find(" style=\"").map(|s| at + s) else { return svg.to_string() };
    let value_start = style + " style=\"".len();
    let Some(value_end) = svg[value_start..tag_end].find('"').map(|e| value_start + e) else { return svg.to_string() };
    if !svg[value_start..value_end].split(';').all(|d| d.trim().starts_with("--")) {
        return svg.to_string();
    }
    format!("{}{}", &svg[..style], &svg[value_end + 1..])
}

/// A foreign SVG (plotters') made one of ours: its root element gets the theme's custom
/// properties and a panel behind everything else, and pure black (what plotters draws text
/// and axes with) becomes the page's text colour. `faint` is the colour of the light grid
/// lines, which become that text colour at a low opacity. The root must have no `style`.
pub fn adopt(svg: &str, faint: &str) -> String {
    let Some(at) = svg.find("<svg") else { return svg.to_string() };
    let Some(tag_end) = svg[at..].find('>').map(|e| at + e) else { return svg.to_string() };
    let body = svg[tag_end + 1..]
        .trim_end()
        .replace("fill=\"#000000\"", "fill=\"currentColor\"")
        .replace("stroke=\"#000000\"", "stroke=\"currentColor\"")
        .replace(&format!("stroke=\"{faint}\""), "stroke=\"currentColor\" stroke-opacity=\"0.14\"");
    format!(
        "{} style=\"{}\"><rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" style=\"{}\"/>{body}",
        &svg[..tag_end].trim_end_matches('/'),
        root_style(),
        Paint::of(Hue::Panel, 1.0).css("fill"),
    )
}

/// Adds `color="ink"` to the root `<svg` tag unless it has a colour already.
fn with_root_colour(svg: &str, ink: &str) -> String {
    let Some(at) = svg.find("<svg") else { return svg.to_string() };
    let tag_end = svg[at..].find('>').map_or(svg.len(), |e| at + e);
    if svg[at..tag_end].contains(" color=") {
        return svg.to_string();
    }
    let insert_at = if svg[..tag_end].ends_with('/') { tag_end - 1 } else { tag_end };
    format!("{} color=\"{ink}\"{}", &svg[..insert_at], &svg[insert_at..])
}

/// Replaces `var(--name)` and `var(--name, fallback)`: ours by the theme's colour, others by
/// their fallback (left as they are without one).
fn resolve_vars(text: &str, theme: &Theme) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("var(--") {
        out.push_str(&rest[..at]);
        let inner_start = at + 4;
        // The matching parenthesis: fallbacks may hold parentheses themselves (`rgba(…)`).
        let mut depth = 1;
        let mut end = None;
        for (i, c) in rest[inner_start..].char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(inner_start + i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(end) = end else {
            out.push_str(&rest[at..]);
            return out;
        };
        let inner = &rest[inner_start..end];
        let (name, fallback) = match inner.split_once(',') {
            Some((n, f)) => (n.trim(), Some(f.trim())),
            None => (inner.trim(), None),
        };
        match theme.value(name).or(fallback) {
            Some(value) => out.push_str(value),
            None => out.push_str(&rest[at..=end]),
        }
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

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

    /// How wide the drawing is so far (without the margin), for text wrapped to fit it.
    pub fn width(&self) -> f64 {
        self.width
    }

    // Positional arguments read like the SVG attributes they become; a builder per
    // element would double the size of every diagram's code.
    #[allow(clippy::too_many_arguments)]
    /// A rectangle; `extra` is raw attributes (`stroke-dasharray="3 2"`), trusted.
    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: Paint, stroke: Paint, extra: &str) {
        self.grow(x + w, y + h);
        self.body.push_str(&format!(
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" style=\"{};{}\" {extra}/>",
            fill.css("fill"),
            stroke.css("stroke")
        ));
    }

    /// A straight line.
    pub fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, stroke: Paint, extra: &str) {
        self.grow(x1.max(x2), y1.max(y2));
        self.body.push_str(&format!(
            "<line x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" style=\"{}\" {extra}/>",
            stroke.css("stroke")
        ));
    }

    /// A closed polygon through `points`.
    pub fn polygon(&mut self, points: &[(f64, f64)], fill: Paint, stroke: Paint) {
        for &(x, y) in points {
            self.grow(x, y);
        }
        let pts: Vec<String> = points.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
        self.body.push_str(&format!(
            "<polygon points=\"{}\" style=\"{};{}\"/>",
            pts.join(" "),
            fill.css("fill"),
            stroke.css("stroke")
        ));
    }

    #[allow(clippy::too_many_arguments)]
    /// Text at `(x, y)` (baseline); `anchor` is `start`, `middle` or `end`. The text is
    /// escaped. `extra` is raw attributes (e.g. a rotation), trusted.
    pub fn text(&mut self, x: f64, y: f64, text: &str, size: f64, fill: Paint, anchor: &str, extra: &str) {
        let w = text_width(text, size);
        let right = match anchor {
            "middle" => x + w / 2.0,
            "end" => x,
            _ => x + w,
        };
        self.grow(right, y + size * 0.3);
        self.body.push_str(&format!(
            "<text x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"{size}\" style=\"{}\" text-anchor=\"{anchor}\" {extra}>{}</text>",
            fill.css("fill"),
            escape_html(text)
        ));
    }

    /// Lines of `text` at `size`, wrapped to fit `width` pixels, one below the other from
    /// baseline `y` (`step` apart); returns the baseline of the last line.
    #[allow(clippy::too_many_arguments)]
    pub fn paragraph(&mut self, x: f64, y: f64, width: f64, text: &str, size: f64, fill: Paint, step: f64) -> f64 {
        let columns = (width / (size * CHAR_EM)).floor().max(20.0) as usize;
        let mut baseline = y - step;
        for line in wrap(text, columns) {
            baseline += step;
            self.text(x, baseline, &line, size, fill, "start", "");
        }
        baseline
    }

    /// The finished document: the panel, then the elements, with `margin` pixels around
    /// them. Width is capped at [`MAX_SVG_WIDTH`] by scaling the view box. The `<svg>`
    /// element defines the theme's custom properties (see the module doc).
    pub fn finish(self, margin: f64) -> String {
        let w = self.width + margin;
        let h = self.height + margin;
        let scale = if w > MAX_SVG_WIDTH { MAX_SVG_WIDTH / w } else { 1.0 };
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{:.0}\" height=\"{:.0}\" viewBox=\"0 0 {w:.0} {h:.0}\" font-family=\"{FONT}\" style=\"{}\">\
             <rect x=\"0.5\" y=\"0.5\" width=\"{:.0}\" height=\"{:.0}\" rx=\"6\" style=\"{};{}\"/>{}</svg>",
            w * scale,
            h * scale,
            root_style(),
            w - 1.0,
            h - 1.0,
            Paint::of(Hue::Panel, 1.0).css("fill"),
            Paint::of(Hue::Border, 1.0).css("stroke"),
            self.body
        )
    }
}

/// Estimated width of monospace text: the SVG is laid out before any font is known, so
/// we assume [`CHAR_EM`] per character.
pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * CHAR_EM
}

/// Greedy word wrap at `width` characters: SVG text does not wrap by itself, so long
/// lines of a diagram are cut here, one `<text>` per line. A word longer than `width` is
/// cut too, so that no line is longer.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        while word.len() > width {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            lines.push(word.drain(..width).collect());
        }
        let word: String = word.into_iter().collect();
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
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
    let (fill, extra) = if ghost { (GHOST, "stroke-dasharray=\"3 2\"") } else { (FILL, "") };
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagram::ShapeDiagram;

    #[test]
    fn literal_colours_for_a_theme() {
        let svg = ShapeDiagram::of_shape(&[2]).to_svg();
        let light = literal(&svg, &Theme::LIGHT);
        assert!(!light.contains("var(") && !light.contains("--ndplay"), "{light}");
        assert!(light
            .contains("font-family=\"ui-monospace, SFMono-Regular, Menlo, Consolas, monospace\" color=\"#212121\">"));
        assert!(light.contains("style=\"fill:#ffffff;stroke:#e0e0e0\""), "{light}");
        assert!(light.contains("style=\"fill:#1976d2;fill-opacity:0.35;stroke:#1976d2\""), "{light}");
        let dark = literal(&svg, &Theme::DARK);
        assert!(dark.contains("color=\"#ffffff\"") && dark.contains("fill:#111111;stroke:#424242"), "{dark}");
        // JupyterLab's own variables that a theme knows take its colours; Light's are the
        // fallbacks our pictures carry, so the light copy does not change.
        let legend =
            "<svg><rect style=\"fill:var(--jp-layout-color0, #ffffff);stroke:var(--jp-brand-color1, #1976d2)\"/></svg>";
        assert!(literal(legend, &Theme::LIGHT).contains("style=\"fill:#ffffff;stroke:#1976d2\""));
        assert!(literal(legend, &Theme::DARK).contains("style=\"fill:#111111;stroke:#2196f3\""));
        // Someone else's SVG: the root gets a colour, unknown variables their fallbacks.
        assert_eq!(
            literal("<svg><rect style=\"fill:var(--jp-x, rgba(1, 2, 3, 0.5));stroke:var(--y)\"/></svg>", &Theme::LIGHT),
            "<svg color=\"#212121\"><rect style=\"fill:rgba(1, 2, 3, 0.5);stroke:var(--y)\"/></svg>"
        );
        assert_eq!(literal("<svg color=\"red\"/>", &Theme::DARK), "<svg color=\"red\"/>");
    }

    #[test]
    fn wrap_never_makes_a_line_longer_than_asked() {
        assert_eq!(wrap("aa bb cc", 5), ["aa bb", "cc"]);
        assert_eq!(wrap("abcdefgh ij", 3), ["abc", "def", "gh", "ij"]);
        assert_eq!(wrap("", 3), [""]);
    }
}
