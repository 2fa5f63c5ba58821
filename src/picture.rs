//! How a picture travels: one mime bundle that reads well in every place a lesson is
//! opened.
//!
//! Measured in JupyterLab 4.6 (`../shared/DESIGN.md`, and the browser tier checks it):
//! `image/svg+xml` is drawn as an `<img>`, an isolated document that no page CSS reaches, so
//! it cannot follow a dark theme; an untrusted notebook (a lesson as shipped, before any
//! cell runs) shows no SVG at all, and its HTML is sanitised, which drops `<svg>` but keeps
//! `<img>` with a `data:` PNG. JupyterLab picks `text/html` before any image, trusted or
//! not. So a picture's bundle is:
//!
//! - `text/html`: the SVG inline, in the page's colours ([`crate::svg`]), and beside it a
//!   PNG twin in JupyterLab Light's colours. Which of the two shows is decided by what the
//!   sanitiser keeps: the outer `<div>` defines two custom properties, which the sanitiser
//!   drops (it vets every declaration, and knows none of them), and each half reads one:
//!   the SVG's wrapper has `display:none;display:var(--ndplay-live)`, the PNG
//!   `display:var(--ndplay-stored)`. Trusted, the SVG shows and the PNG is `none`;
//!   sanitised, the wrapper keeps only `display:none` (which also hides the text of the
//!   dropped `<svg>`, left loose by the sanitiser) and the PNG loses its `display` rule.
//! - `image/svg+xml`: the SVG in JupyterLab Light's colours, on its own background, for
//!   clients that show images but no HTML.
//! - `text/plain`: the words, for terminals, diffs and screen readers.

use crate::display::{MimeBundle, Render, MIME_HTML, MIME_SVG};
use crate::escape::escape_html;
use crate::raster;
use crate::svg::{literal, Theme};

/// An SVG picture, for instructors: shown like the prelude's own diagrams (see
/// [`crate::picture`]), inline in the page so that `currentColor` is the theme's text
/// colour, with a PNG twin (in JupyterLab Light's colours) for notebooks not trusted yet.
///
/// Draw text and lines in `currentColor`, and fills that read on light and dark pages
/// (translucent colours, `fill-opacity`), and leave the background empty. The SVG is part
/// of the page: an `id` in it (a marker, a gradient) must be unique on the page. The
/// `text/plain` fallback says it is a picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Svg(pub String);

impl Render for Svg {
    fn mime_bundle(&self) -> MimeBundle {
        bundle("[SVG image]", self.0.clone())
    }
}

/// Most characters of the `text/plain` words kept as the PNG's `alt` text.
pub const MAX_ALT_CHARS: usize = 300;

/// The bundle of a picture: `plain` words and the themed `svg` (see the module doc).
pub fn bundle(plain: impl Into<String>, svg: impl Into<String>) -> MimeBundle {
    let plain = plain.into();
    let svg = svg.into();
    let light = literal(&svg, &Theme::LIGHT);
    MimeBundle::new(plain.clone()).with(MIME_HTML, html(&svg, &light, &plain)).with(MIME_SVG, light)
}

thread_local! {
    /// Set while pictures are drawn for a live view only (see [`live_only`]).
    static LIVE_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with its pictures drawn for a live view only: without the PNG twin, which
/// only a stored notebook that is not trusted shows. An `interact`'s output area is such a
/// view: it exists only while the kernel runs, and its outputs are not among the cells'
/// stored outputs (JupyterLab's "save widget state" would store them, without the twin,
/// as widget state, which a notebook that is not trusted does not show anyway). Making the twin is about half of a chart's drawing (lesson 2's histograms:
/// 130 ms of a 267 ms move), which a slider pays on every move.
pub fn live_only<R>(f: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            LIVE_ONLY.with(|l| l.set(self.0));
        }
    }
    let _restore = Restore(LIVE_ONLY.with(|l| l.replace(true)));
    f()
}

/// The `text/html` of a picture: `svg` inline for trusted views, the PNG of `light` for
/// sanitised ones; `plain` is the PNG's `alt` text, and what a sanitised view shows when
/// no PNG could be made.
pub fn html(svg: &str, light: &str, plain: &str) -> String {
    let alt: String = plain.chars().take(MAX_ALT_CHARS).collect();
    let alt = escape_html(&alt);
    let png =
        if LIVE_ONLY.with(|l| l.get()) { Err(None) } else { raster::png(light, Theme::LIGHT.background).map_err(Some) };
    let stored = match png {
        Ok(png) => format!(
            "<img style=\"display:var(--ndplay-stored)\" alt=\"{alt}\" src=\"data:image/png;base64,{}\">",
            raster::base64(&png)
        ),
        Err(Some(e)) => format!(
            "<pre style=\"display:var(--ndplay-stored)\">{alt}\n({})</pre>",
            escape_html(&format!("no picture: {e}"))
        ),
        Err(None) => format!("<pre style=\"display:var(--ndplay-stored)\">{alt}</pre>"),
    };
    format!(
        "<div style=\"--ndplay-live:block;--ndplay-stored:none\">\
         <div style=\"display:none;display:var(--ndplay-live)\">{svg}</div>{stored}</div>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_svg_of_ones_own_is_a_picture_like_the_prelude_s() {
        assert_eq!(Svg("<svg/>".into()).mime_bundle().get(MIME_SVG), Some("<svg color=\"#212121\"/>"));
    }

    const SVG: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"20\" height=\"10\"><rect width=\"5\" height=\"5\" style=\"fill:var(--jp-error-color1, #d32f2f)\"/></svg>";

    #[test]
    fn a_live_only_picture_has_no_png_twin_and_the_flag_is_undone() {
        let live = live_only(|| html(SVG, SVG, "words"));
        assert!(live.contains("<svg") && !live.contains("data:image/png"), "{live}");
        assert!(live.contains(">words</pre>"), "{live}");
        let caught = std::panic::catch_unwind(|| live_only(|| panic!("in a closure")));
        assert!(caught.is_err());
        assert!(html(SVG, SVG, "words").contains("data:image/png;base64,"), "the twin is back after the panic");
    }

    #[test]
    fn the_html_holds_the_live_svg_and_a_png_for_sanitised_views() {
        let b = bundle("a <red> square", SVG);
        assert_eq!(b.plain(), "a <red> square");
        let html = b.get(MIME_HTML).unwrap();
        assert!(html.starts_with("<div style=\"--ndplay-live:block;--ndplay-stored:none\"><div style=\"display:none;display:var(--ndplay-live)\"><svg"), "{html}");
        // The inline SVG keeps the theme variable (with its literal twin in front of it).
        assert!(html.contains("fill:#d32f2f;fill:var(--jp-error-color1, #d32f2f)"), "{html}");
        assert!(html.contains("</svg></div><img style=\"display:var(--ndplay-stored)\" alt=\"a &lt;red&gt; square\" src=\"data:image/png;base64,iVBORw0KGgo"), "{html}");
        // The image/svg+xml copy has literal colours only.
        let svg = b.get(MIME_SVG).unwrap();
        assert!(!svg.contains("var("), "{svg}");
        assert!(
            svg.contains("fill:#d32f2f")
                && svg.starts_with(
                    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"20\" height=\"10\" color=\"#212121\">"
                ),
            "{svg}"
        );
    }

    #[test]
    fn an_svg_that_cannot_be_drawn_leaves_its_words() {
        let html = html("<svg", "<svg", "just words");
        assert!(html.ends_with("<pre style=\"display:var(--ndplay-stored)\">just words\n(no picture: the SVG does not parse: SVG data parsing failed cause the document does not have a root node)</pre></div>"), "{html}");
    }
}
