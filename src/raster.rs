//! SVG to PNG, for the pictures' PNG twins (see [`crate::picture`]).
//!
//! JupyterLab shows no SVG in a notebook that is not trusted yet (a lesson as shipped),
//! but it shows PNG images; so every picture also carries a PNG, made here with `resvg`
//! in the process that runs the cell. Text needs fonts, and the fonts come with the
//! prelude (DejaVu Sans and Sans Mono from the `dejavu` crate, regular and bold), never
//! from the machine: a PNG looks the same wherever it was made, and a machine without
//! fonts still gets text. Every generic family (`monospace`, `sans-serif`, `serif`, ...)
//! and every family we do not have falls back to one of these.

use std::sync::{Arc, OnceLock};

use resvg::tiny_skia;
use resvg::usvg::{self, fontdb};

/// The largest PNG made, in pixels per side: a bigger picture is scaled down to fit.
pub const MAX_PNG_SIDE: u32 = 2400;

/// Why a PNG could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RasterError {
    /// The SVG did not parse (usvg's message).
    Parse(String),
    /// The picture has no area.
    Empty,
    /// PNG encoding failed (the encoder's message).
    Encode(String),
}

impl std::fmt::Display for RasterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RasterError::Parse(e) => write!(f, "the SVG does not parse: {e}"),
            RasterError::Empty => write!(f, "the SVG has no area"),
            RasterError::Encode(e) => write!(f, "PNG encoding failed: {e}"),
        }
    }
}

/// The prelude's fonts, loaded once per process.
fn fonts() -> Arc<fontdb::Database> {
    static FONTS: OnceLock<Arc<fontdb::Database>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut db = fontdb::Database::new();
            for data in
                [dejavu::sans_mono::regular(), dejavu::sans_mono::bold(), dejavu::sans::regular(), dejavu::sans::bold()]
            {
                db.load_font_source(fontdb::Source::Binary(Arc::new(data)));
            }
            db.set_monospace_family("DejaVu Sans Mono");
            db.set_sans_serif_family("DejaVu Sans");
            // usvg ends every font-family list with `serif`: the fallback for any family
            // we do not have.
            db.set_serif_family("DejaVu Sans");
            db.set_cursive_family("DejaVu Sans");
            db.set_fantasy_family("DejaVu Sans");
            Arc::new(db)
        })
        .clone()
}

/// `svg` rendered as a PNG at its own size (one pixel per SVG pixel, at most
/// [`MAX_PNG_SIDE`] per side), on `background` (a CSS colour such as `#ffffff`).
///
/// Colours must be literal: resvg knows no page, so `var(…)` and the page's text colour
/// mean nothing here (see [`crate::svg::literal`]).
pub fn png(svg: &str, background: &str) -> Result<Vec<u8>, RasterError> {
    let options = usvg::Options { fontdb: fonts(), ..usvg::Options::default() };
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| RasterError::Parse(e.to_string()))?;
    let size = tree.size();
    let side = size.width().max(size.height());
    let scale = if side > MAX_PNG_SIDE as f32 { MAX_PNG_SIDE as f32 / side } else { 1.0 };
    let (w, h) = ((size.width() * scale).ceil() as u32, (size.height() * scale).ceil() as u32);
    let mut pixmap = tiny_skia::Pixmap::new(w, h).ok_or(RasterError::Empty)?;
    pixmap.fill(parse_colour(background).unwrap_or(tiny_skia::Color::WHITE));
    resvg::render(&tree, tiny_skia::Transform::from_scale(scale, scale), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|e| RasterError::Encode(e.to_string()))
}

/// One `<text>` as drawn: its words and bounding box, in pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct TextBox {
    /// The words.
    pub text: String,
    /// Left, top, right and bottom edge.
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
}

/// Where each text of `svg` is drawn with the prelude's fonts: the picture's width and
/// height, and a [`TextBox`] per `<text>`. For tests that keep text inside its panel.
pub fn text_boxes(svg: &str) -> Result<(f32, f32, Vec<TextBox>), RasterError> {
    fn walk(group: &usvg::Group, out: &mut Vec<TextBox>) {
        for node in group.children() {
            match node {
                usvg::Node::Group(g) => walk(g, out),
                usvg::Node::Text(t) => {
                    let b = t.abs_bounding_box();
                    let text = t.chunks().iter().map(|c| c.text()).collect();
                    out.push(TextBox { text, x0: b.left(), y0: b.top(), x1: b.right(), y1: b.bottom() });
                }
                _ => {}
            }
        }
    }
    let options = usvg::Options { fontdb: fonts(), ..usvg::Options::default() };
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| RasterError::Parse(e.to_string()))?;
    let mut boxes = Vec::new();
    walk(tree.root(), &mut boxes);
    Ok((tree.size().width(), tree.size().height(), boxes))
}

/// `#rrggbb` as a colour.
fn parse_colour(css: &str) -> Option<tiny_skia::Color> {
    let hex = css.strip_prefix('#').filter(|h| h.len() == 6)?;
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some(tiny_skia::Color::from_rgba8(byte(0)?, byte(2)?, byte(4)?, 255))
}

/// Standard base64 (RFC 4648, with padding), for `data:` URLs.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_test_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
        assert_eq!(base64(&[0xff, 0xfe, 0xfd]), "//79");
    }

    /// The bounding box of the dark pixels of a PNG made on white: where text was drawn.
    fn ink_box(png: &[u8]) -> Option<(u32, u32, u32, u32)> {
        let pixmap = tiny_skia::Pixmap::decode_png(png).unwrap();
        let mut bounds: Option<(u32, u32, u32, u32)> = None;
        for y in 0..pixmap.height() {
            for x in 0..pixmap.width() {
                let p = pixmap.pixel(x, y).unwrap();
                if p.red() < 128 {
                    bounds = Some(match bounds {
                        None => (x, y, x, y),
                        Some((a, b, c, d)) => (a.min(x), b.min(y), c.max(x), d.max(y)),
                    });
                }
            }
        }
        bounds
    }

    #[test]
    fn text_is_drawn_with_the_bundled_fonts_for_any_family() {
        for family in ["monospace", "sans-serif", "serif", "Some Font Nobody Has", "ui-monospace, Menlo, monospace"] {
            let svg = format!(
                r#"<svg xmlns="http://www.w3.org/2000/svg" width="120" height="30"><text x="5" y="20" font-size="14" font-family="{family}" font-weight="bold">Hello</text></svg>"#
            );
            let png = png(&svg, "#ffffff").unwrap();
            let (x0, y0, x1, y1) = ink_box(&png).unwrap_or_else(|| panic!("no text drawn for {family:?}"));
            assert!(x0 >= 5 && x1 > x0 + 25 && y0 > 2 && y1 <= 24, "{family}: {x0},{y0} .. {x1},{y1}");
        }
    }

    #[test]
    fn sizes_are_capped_and_errors_are_values() {
        let big = r#"<svg xmlns="http://www.w3.org/2000/svg" width="10000" height="100"></svg>"#;
        let pixmap = tiny_skia::Pixmap::decode_png(&png(big, "#000000").unwrap()).unwrap();
        assert_eq!((pixmap.width(), pixmap.height()), (MAX_PNG_SIDE, 24));
        assert!(matches!(png("<svg", "#ffffff"), Err(RasterError::Parse(_))));
        assert!(matches!(png("not svg at all", "#ffffff"), Err(RasterError::Parse(_))));
    }
}
