//! The gallery as snapshots: one example of every display, compared byte for byte with
//! its reviewed rendering in `docs/gallery/` (look at those files rendered when they
//! change). Set `NDPLAY_WRITE_GALLERY=1` to (re)write the gallery instead of comparing.
//!
//! The assertions also check what every SVG must be: self-contained (no scripts, no
//! external references) and small.

use std::path::PathBuf;

use ndplay::prelude::*;

fn gallery_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/gallery")
}

/// Writes the file when rewriting the gallery; otherwise compares it with the stored one.
fn snapshot(file: &str, rendered: &str) {
    let path = gallery_dir().join(file);
    if std::env::var_os("NDPLAY_WRITE_GALLERY").is_some() {
        std::fs::write(&path, rendered).unwrap();
        return;
    }
    let stored = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        stored == rendered,
        "{file} renders differently from docs/gallery/{file}. If the change is intended, run \
         `NDPLAY_WRITE_GALLERY=1 cargo test -p ndplay --test prelude_gallery` and review the files."
    );
}

fn save(name: &str, value: &impl Render) {
    let bundle = value.mime_bundle();
    if let Some(svg) = bundle.get("image/svg+xml") {
        assert!(svg.starts_with("<svg") && svg.contains("xmlns=\"http://www.w3.org/2000/svg\""), "{name}");
        assert!(!svg.contains("<script") && !svg.contains("href"), "{name}");
        assert!(svg.len() < 200_000, "{name}: {} bytes", svg.len());
        snapshot(&format!("{name}.svg"), svg);
    }
    if let Some(html) = bundle.get("text/html") {
        assert!(!html.contains("<script") && !html.contains("<style") && !html.contains("<svg"), "{name}");
        snapshot(&format!("{name}.html"), html);
    }
    snapshot(&format!("{name}.txt"), bundle.plain());
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
}
