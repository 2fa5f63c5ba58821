//! The gallery as snapshots: one example of every display, compared byte for byte with
//! its reviewed rendering in `docs/gallery/` (look at those files rendered when they
//! change). Set `NDPLAY_WRITE_GALLERY=1` to (re)write the gallery instead of comparing.
//!
//! A picture is kept as its SVG (as it is drawn inline, in the theme's colours) and as two
//! PNGs made by the prelude's own rasteriser, with JupyterLab Light's and Dark's colours:
//! the light one is exactly the PNG twin an untrusted notebook shows. The assertions also
//! check what every picture must be: self-contained (no scripts, no external references)
//! and small.

use std::path::PathBuf;

use ndplay::prelude::*;
use ndplay::raster;
use ndplay::svg::{literal, Theme};

fn gallery_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/gallery")
}

/// Writes the file when rewriting the gallery; otherwise compares it with the stored one.
fn snapshot(file: &str, rendered: &[u8]) {
    let path = gallery_dir().join(file);
    if std::env::var_os("NDPLAY_WRITE_GALLERY").is_some() {
        std::fs::write(&path, rendered).unwrap();
        return;
    }
    let stored = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        stored == rendered,
        "{file} renders differently from docs/gallery/{file}. If the change is intended, run \
         `NDPLAY_WRITE_GALLERY=1 cargo test -p ndplay --test prelude_gallery` and review the files."
    );
}

/// The most bytes a picture's PNG twin may have: every picture of a lesson is stored twice
/// (SVG and PNG), and lesson 1 must stay under 2 MB.
const MAX_PNG_BYTES: usize = 60_000;

/// The inline SVG of a picture's `text/html` (see `ndplay::picture`).
fn inline_svg(html: &str) -> &str {
    let start = html.find("<svg").expect("an inline <svg>");
    let end = html.rfind("</svg>").expect("the end of the inline <svg>") + "</svg>".len();
    &html[start..end]
}

/// `svg` with each `style` declaration that repeats the one before it left out. The inline
/// SVG's styles carry a literal fallback before each `var(…, fallback)` (see
/// `ndplay::display::style_fallbacks`); made literal, the two are the same declaration.
fn without_repeats(svg: &str) -> String {
    let mut parts = svg.split("style=\"");
    let mut out = parts.next().unwrap_or_default().to_string();
    for part in parts {
        let (value, rest) = part.split_once('"').expect("a closed style attribute");
        let mut kept: Vec<&str> = Vec::new();
        for declaration in value.split(';') {
            if kept.last() != Some(&declaration) {
                kept.push(declaration);
            }
        }
        out.push_str(&format!("style=\"{}\"{rest}", kept.join(";")));
    }
    out
}

fn save(name: &str, value: &impl Render) {
    let bundle = value.mime_bundle();
    if let Some(svg) = bundle.get("image/svg+xml") {
        let html = bundle.get("text/html").unwrap_or_else(|| panic!("{name}: a picture without text/html"));
        let themed = inline_svg(html);
        for svg in [svg, themed] {
            assert!(svg.starts_with("<svg") && svg.contains("xmlns=\"http://www.w3.org/2000/svg\""), "{name}");
            assert!(!svg.contains("<script") && !svg.contains("href"), "{name}");
            assert!(svg.len() < 200_000, "{name}: {} bytes", svg.len());
        }
        let copy = without_repeats(&literal(themed, &Theme::LIGHT));
        if svg != copy {
            let at = svg.bytes().zip(copy.bytes()).take_while(|(a, b)| a == b).count();
            panic!(
                "{name}: image/svg+xml is not the light copy of the inline SVG: {:?} vs {:?}",
                &svg[at.saturating_sub(300)..(at + 80).min(svg.len())],
                &copy[at.saturating_sub(300)..(at + 80).min(copy.len())]
            );
        }
        snapshot(&format!("{name}.svg"), themed.as_bytes());
        let light = raster::png(svg, Theme::LIGHT.background).unwrap();
        let dark = raster::png(&literal(themed, &Theme::DARK), Theme::DARK.background).unwrap();
        assert!(light.len() < MAX_PNG_BYTES, "{name}: the PNG twin has {} bytes", light.len());
        assert!(
            html.contains(&format!("src=\"data:image/png;base64,{}\"", raster::base64(&light))),
            "{name}: the PNG twin in text/html is the light PNG"
        );
        snapshot(&format!("{name}.light.png"), &light);
        snapshot(&format!("{name}.dark.png"), &dark);
    } else if let Some(html) = bundle.get("text/html") {
        assert!(!html.contains("<script") && !html.contains("<style") && !html.contains("<svg"), "{name}");
        snapshot(&format!("{name}.html"), html.as_bytes());
    }
    snapshot(&format!("{name}.txt"), bundle.plain().as_bytes());
}

#[test]
fn gallery() {
    let a = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
    save("array_2x3", &(&a / 3.0));
    save("array_nan", &array![[1.0, f64::NAN], [f64::INFINITY, 4.0]]);
    save("array_3d", &Array::from_iter(0..24i64).into_shape_with_order((2, 3, 4)).unwrap());
    save("array_big", &Array2::<f64>::from_shape_fn((1000, 1000), |(i, j)| (i as f64 - j as f64) / 7.0));
    save("shape_1d", &shape_diagram(&array![1, 2, 3, 4, 5]));
    save("shape_2d", &shape_diagram(&a));
    save("shape_3d", &shape_diagram(&Array3::<f64>::zeros((4, 3, 5))));
    save("shape_5d", &shape_diagram(&ArrayD::<f64>::zeros(IxDyn(&[2, 3, 4, 5, 1000]))));
    save("broadcast_ok", &explain_broadcast(&a, &array![10.0, 20.0, 30.0]));
    save("broadcast_column", &explain_broadcast(&array![[1.0], [2.0]], &array![10.0, 20.0, 30.0]));
    save("broadcast_fail", &explain_broadcast(&a, &array![1.0, 2.0]));
    save("dot_ok", &explain_dot(&a, &Array2::<f64>::zeros((3, 4))));
    save("dot_vectors", &explain_dot(&array![1, 2, 3], &array![4, 5, 6]));
    save("dot_fail", &explain_dot(&a, &a));
    save("health", &health(&array![1.0, f64::NAN, 3.0]));
    save("cast", &array![1.7, -2.5, 300.0].cast::<u8>());
    let x = Array1::linspace(0.0, 2.0 * std::f64::consts::PI, 100);
    save("plot_line", &plot::line_xy(&x, &x.mapv(f64::sin)).title("sin(x)").labels("x", "sin(x)"));
    // A fixed linear congruential generator: deterministic "random" data for the pictures.
    let mut state: u64 = 42;
    let mut uniform = move || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    let noise = Array1::from_iter((0..500).map(|_| uniform() + uniform()));
    save("plot_hist", &plot::hist(&noise, 20).title("sum of two uniforms"));
    save("plot_scatter", &plot::scatter(&noise.slice(s![..250]), &noise.slice(s![250..])));
    save("plot_heatmap", &plot::heatmap(&outer(&x.mapv(f64::sin), &x.mapv(f64::cos))).title("outer(sin, cos)"));
    // Charts: several series on one pair of axes, with a legend (lesson 4's comparisons).
    let t = Array1::linspace(-4.0, 4.0, 81);
    save(
        "chart_lines",
        &chart()
            .line_xy("tanh", &t, &t.mapv(f64::tanh))
            .line_xy("ReLU", &t, &t.mapv(|v| v.max(0.0)))
            .line_xy("sigmoid", &t, &t.mapv(|v| 1.0 / (1.0 + (-v).exp())))
            .title("activations")
            .labels("input", "output"),
    );
    // Loss curves over orders of magnitude; one diverges to NaN, which breaks its line
    // and is counted in the summary.
    let steps = Array1::from_iter(0..100).mapv(|s| s as f64);
    let mut diverged = steps.mapv(|s| 2.0 * 1.08f64.powf(s));
    diverged.slice_mut(s![60..]).fill(f64::NAN);
    save(
        "chart_log_loss",
        &chart()
            .line("SGD, lr 0.01", &steps.mapv(|s| 2.0 * 0.97f64.powf(s) + 0.05))
            .line("momentum", &steps.mapv(|s| 2.0 * 0.9f64.powf(s) + 0.01))
            .line("lr too large", &diverged)
            .log_y()
            .title("loss per step")
            .labels("step", "loss"),
    );
    let deep = noise.mapv(|v| v * 0.3);
    save("chart_hist", &chart().hist("layer 1", &noise).hist("layer 5", &deep).bins(25).title("activations by depth"));
}

/// Every line of text in a picture ends inside its panel, drawn with the PNG twin's fonts
/// (the fix-it line of a failed broadcast used to run past the edge).
#[test]
fn text_stays_inside_the_panel() {
    use ndplay::raster::text_boxes;
    let a = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
    let pictures: Vec<(&str, String)> = vec![
        ("broadcast_fail", explain_broadcast(&a, &array![1.0, 2.0]).to_svg()),
        ("broadcast_no_fix", BroadcastExplanation::of_shapes(&[3], &[4, 5]).to_svg()),
        ("broadcast_long", BroadcastExplanation::of_shapes(&[7, 1, 6, 1, 5000], &[8, 1, 4, 1]).to_svg()),
        ("broadcast_ok", explain_broadcast(&a, &array![1.0, 2.0, 3.0]).to_svg()),
        ("dot_fail", explain_dot(&a, &a).to_svg()),
        ("dot_3d", DotExplanation::of_shapes(&[2, 3, 4], &[4]).to_svg()),
        ("dot_vectors", explain_dot(&array![1, 2, 3], &array![4, 5, 6]).to_svg()),
        ("shape_5d", ShapeDiagram::of_shape(&[2, 3, 4, 5, 1000]).to_svg()),
        ("shape_3d", ShapeDiagram::of_shape(&[100, 3, 1_000_000]).to_svg()),
    ];
    for (name, svg) in pictures {
        let (width, height, texts) = text_boxes(&literal(&svg, &Theme::LIGHT)).unwrap();
        assert!(!texts.is_empty(), "{name}: no text");
        for ndplay::raster::TextBox { text, x0, y0, x1, y1 } in texts {
            assert!(
                x0 >= 1.0 && y0 >= 1.0 && x1 <= width - 1.0 && y1 <= height - 1.0,
                "{name}: {text:?} spans {x0:.1},{y0:.1} .. {x1:.1},{y1:.1} in a {width}×{height} panel"
            );
        }
    }
}
