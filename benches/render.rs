//! Rendering speed of the prelude: what a student waits for after their cell ran.
//! Goal (issue 3): a 1000×1000 f64 array to HTML in under 5 ms.
//!
//! `cargo bench -p ndplay --bench render`

use criterion::{criterion_group, criterion_main, Criterion};
use ndplay::html::array_html;
use ndplay::prelude::*;
use ndplay::text::array_text;
use std::hint::black_box;

fn arrays(c: &mut Criterion) {
    let big = Array2::<f64>::from_shape_fn((1000, 1000), |(i, j)| (i * 1000 + j) as f64 / 7.0);
    c.bench_function("1000x1000 f64 to text/html", |b| b.iter(|| array_html(black_box(&big))));
    c.bench_function("1000x1000 f64 to text/plain", |b| b.iter(|| array_text(black_box(&big))));
    let small = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
    c.bench_function("2x3 f64 to text/html", |b| b.iter(|| array_html(black_box(&small))));
}

fn diagrams(c: &mut Criterion) {
    let a = Array3::<f64>::zeros((4, 3, 5));
    let b = Array2::<f64>::zeros((3, 1));
    c.bench_function("explain_broadcast (4,3,5) with (3,1) to SVG", |bench| {
        bench.iter(|| explain_broadcast(black_box(&a), black_box(&b)).to_svg())
    });
    let bad = Array1::<f64>::zeros(2);
    c.bench_function("explain_broadcast failure to SVG", |bench| {
        bench.iter(|| explain_broadcast(black_box(&a), black_box(&bad)).to_svg())
    });
}

criterion_group!(benches, arrays, diagrams);
criterion_main!(benches);
