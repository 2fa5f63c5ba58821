//! The course's set-up, written once: what one lesson (or lesson part) builds step by step
//! and later parts use again.
//!
//! Lesson 4 used to open with some 200 lines copied from lessons 2 and 3 (the spirals, the
//! network, cross-entropy, the gradient checker, the drawing code) before its first idea.
//! A lesson that needs them now writes `use ndplay::course::*;` (or names the few it needs)
//! and starts. Every item here is the lessons' own code, unchanged, so a lesson that taught
//! it reads the same, and its numbers come out the same: lesson 2's `softmax` and
//! `Mlp::forward`, lesson 4a's backpropagation (`gradients`), parameter vectors
//! (`to_flat`, `with_flat`), `verdict` and `accuracy`, which parts 4b and 4c start from.
//! Nothing here is in the prelude a cell gets without asking: a student meets `spiral` or
//! `Mlp` where a lesson builds them, and the lessons that import them say where they came
//! from.

use ndarray::prelude::*;

use crate::chart::{chart, Chart};
use crate::picture::Svg;
use crate::random::Rng;

/// A layer: `x · w + b`, `(batch, m) · (m, n) + (n,) → (batch, n)` (lessons 1 and 2).
pub fn dense(x: &Array2<f64>, w: &Array2<f64>, b: &Array1<f64>) -> Array2<f64> {
    x.dot(w) + b
}

/// ReLU, element by element: `max(v, 0)` (lesson 2).
pub fn relu<D: Dimension>(z: &Array<f64, D>) -> Array<f64, D> {
    z.mapv(|v| v.max(0.0))
}

/// The index of each row's largest value: the predicted class (lesson 2).
pub fn predict(p: &Array2<f64>) -> Array1<usize> {
    p.map_axis(Axis(1), |row| {
        let mut best = 0;
        for j in 1..row.len() {
            if row[j] > row[best] {
                best = j;
            }
        }
        best
    })
}

/// `classes` spirals of `points_per_class` points each in the plane, with their labels
/// (lesson 2; CS231n's spiral data). The same `rng` seed gives the same points.
pub fn spiral(points_per_class: usize, classes: usize, rng: &mut Rng) -> (Array2<f64>, Array1<usize>) {
    let n = points_per_class * classes;
    let mut x = Array2::<f64>::zeros((n, 2));
    let mut labels = Array1::<usize>::zeros(n);
    for class in 0..classes {
        for i in 0..points_per_class {
            let radius = (i + 1) as f64 / points_per_class as f64;
            let start = class as f64 / classes as f64 * std::f64::consts::TAU;
            let angle = start + 4.0 * radius + 0.2 * rng.standard_normal();
            let row = class * points_per_class + i;
            x[[row, 0]] = radius * angle.cos();
            x[[row, 1]] = radius * angle.sin();
            labels[row] = class;
        }
    }
    (x, labels)
}

/// A `side × side` grid of points over `[-1.2, 1.2]²`, one row each, top row first
/// (lesson 2's picture of what a network predicts everywhere).
pub fn plane(side: usize) -> Array2<f64> {
    let ticks = Array1::<f64>::linspace(-1.2, 1.2, side);
    let mut grid = Array2::<f64>::zeros((side * side, 2));
    for i in 0..side {
        for j in 0..side {
            grid[[i * side + j, 0]] = ticks[j];
            grid[[i * side + j, 1]] = ticks[side - 1 - i];
        }
    }
    grid
}

/// The points of each of the three classes as a scatter series of its own (lesson 2).
pub fn by_class(points: &Array2<f64>, classes: &Array1<usize>, title: &str) -> Chart {
    let mut picture = chart().title(title).labels("feature 0", "feature 1");
    for class in 0..3 {
        let rows: Vec<usize> = (0..classes.len()).filter(|&i| classes[i] == class).collect();
        let these = points.select(Axis(0), &rows);
        picture = picture.scatter(&format!("class {class}"), &these.column(0), &these.column(1));
    }
    picture
}

/// Lesson 2's network: a dense layer of ReLU units, then a dense layer of class scores.
#[derive(Clone, Debug)]
pub struct Mlp {
    /// First layer's weights, `(inputs, hidden)`.
    pub w1: Array2<f64>,
    /// First layer's biases, `(hidden,)`.
    pub b1: Array1<f64>,
    /// Second layer's weights, `(hidden, outputs)`.
    pub w2: Array2<f64>,
    /// Second layer's biases, `(outputs,)`.
    pub b2: Array1<f64>,
}

impl Mlp {
    /// He-initialised weights (`√(2/fan_in)` before ReLU, `√(1/fan_in)` after), zero biases.
    pub fn new(inputs: usize, hidden: usize, outputs: usize, rng: &mut Rng) -> Mlp {
        Mlp {
            w1: rng.normal((inputs, hidden), 0.0, (2.0 / inputs as f64).sqrt()),
            b1: Array1::zeros(hidden),
            w2: rng.normal((hidden, outputs), 0.0, (1.0 / hidden as f64).sqrt()),
            b2: Array1::zeros(outputs),
        }
    }

    /// The class scores, `(batch, outputs)`.
    pub fn logits(&self, x: &Array2<f64>) -> Array2<f64> {
        dense(&relu(&dense(x, &self.w1, &self.b1)), &self.w2, &self.b2)
    }

    /// The class probabilities, `(batch, outputs)`: [`softmax`] of the scores (lesson 2).
    pub fn forward(&self, x: &Array2<f64>) -> Array2<f64> {
        softmax(&self.logits(x))
    }
}

/// Softmax row by row, as lesson 2 writes it: `e^z` over each row's sum. Naive on purpose:
/// a score above about 709 overflows `exp` to `inf` (lesson 3 shows the NaN that follows,
/// and fixes it with [`log_softmax`]).
pub fn softmax(z: &Array2<f64>) -> Array2<f64> {
    let e = z.mapv(f64::exp);
    let sums = e.sum_axis(Axis(1)).insert_axis(Axis(1));
    &e / &sums
}

/// `ln softmax(z)` row by row, with the row's maximum subtracted first, so that no `exp`
/// overflows (lesson 3's log-sum-exp trick).
pub fn log_softmax(z: &Array2<f64>) -> Array2<f64> {
    let m = z.map_axis(Axis(1), |row| row.fold(f64::NEG_INFINITY, |a, &v| a.max(v))).insert_axis(Axis(1));
    let shifted = z - &m;
    let log_sum = shifted.mapv(f64::exp).sum_axis(Axis(1)).mapv(f64::ln).insert_axis(Axis(1));
    &shifted - &log_sum
}

/// The mean cross-entropy of the scores `z` against the true classes (lesson 3).
pub fn cross_entropy(z: &Array2<f64>, labels: &Array1<usize>) -> f64 {
    let log_p = log_softmax(z);
    let n = labels.len();
    -(0..n).map(|i| log_p[[i, labels[i]]]).sum::<f64>() / n as f64
}

/// The gradient of [`cross_entropy`] with respect to `z`: `(softmax(z) − onehot) / n`.
pub fn cross_entropy_grad(z: &Array2<f64>, labels: &Array1<usize>) -> Array2<f64> {
    let n = labels.len();
    let mut g = log_softmax(z).mapv(f64::exp);
    for i in 0..n {
        g[[i, labels[i]]] -= 1.0;
    }
    g / n as f64
}

/// The gradient of `f` at `at` by central differences, one element at a time (lesson 3's
/// check of every gradient written by hand).
pub fn numeric_grad<D: Dimension>(f: impl Fn(&Array<f64, D>) -> f64, at: &Array<f64, D>, eps: f64) -> Array<f64, D> {
    let mut grad = Array::zeros(at.raw_dim());
    let mut nudged = at.as_standard_layout().to_owned();
    for (i, slope) in grad.iter_mut().enumerate() {
        let original = nudged.as_slice().expect("standard layout")[i];
        nudged.as_slice_mut().expect("standard layout")[i] = original + eps;
        let up = f(&nudged);
        nudged.as_slice_mut().expect("standard layout")[i] = original - eps;
        let down = f(&nudged);
        nudged.as_slice_mut().expect("standard layout")[i] = original;
        *slope = (up - down) / (2.0 * eps);
    }
    grad
}

/// The mean cross-entropy of `net`'s scores on `(x, labels)` (lesson 4).
pub fn loss_of(net: &Mlp, x: &Array2<f64>, labels: &Array1<usize>) -> f64 {
    cross_entropy(&net.logits(x), labels)
}

/// The gradient of [`loss_of`] with respect to each of `net`'s four arrays, by
/// backpropagation, returned as an `Mlp` whose arrays have the parameters' shapes (lesson 4).
pub fn gradients(net: &Mlp, x: &Array2<f64>, labels: &Array1<usize>) -> Mlp {
    // forward, keeping what the backward pass needs
    let z1 = dense(x, &net.w1, &net.b1);
    let h = relu(&z1);
    let z2 = dense(&h, &net.w2, &net.b2);
    // backward
    let g2 = cross_entropy_grad(&z2, labels); // (batch, 3)
    let gh = g2.dot(&net.w2.t()); // (batch, 16)
    let g1 = &gh * &z1.mapv(|v| if v > 0.0 { 1.0 } else { 0.0 }); // (batch, 16)
    Mlp {
        w1: x.t().dot(&g1),       // (2, 16)
        b1: g1.sum_axis(Axis(0)), // (16,)
        w2: h.t().dot(&g2),       // (16, 3)
        b2: g2.sum_axis(Axis(0)), // (3,)
    }
}

/// All of `net`'s parameters in one vector: W1 row by row, then b1, W2, b2 (lesson 4).
pub fn to_flat(net: &Mlp) -> Array1<f64> {
    net.w1.iter().chain(net.b1.iter()).chain(net.w2.iter()).chain(net.b2.iter()).cloned().collect()
}

/// A network with the shapes of `like` and the numbers of `flat`, [`to_flat`]'s inverse
/// (lesson 4).
pub fn with_flat(like: &Mlp, flat: &Array1<f64>) -> Mlp {
    let mut at = 0;
    let mut take = |count: usize| {
        let part = flat.slice(s![at..at + count]).to_owned();
        at += count;
        part
    };
    Mlp {
        w1: take(like.w1.len()).into_shape_with_order(like.w1.raw_dim()).expect("as many numbers as W1"),
        b1: take(like.b1.len()),
        w2: take(like.w2.len()).into_shape_with_order(like.w2.raw_dim()).expect("as many numbers as W2"),
        b2: take(like.b2.len()),
    }
}

/// The state a training run ended in, judged from its loss curve alone: "✓ Converged",
/// "~ Oscillating", "✗ Diverged" or "✗ Error" with the numbers that decided it (lesson 4).
pub fn verdict(losses: &Array1<f64>) -> String {
    let (first, last) = (losses[0], losses[losses.len() - 1]);
    if let Some(step) = losses.iter().position(|l| l.is_nan()) {
        return format!("✗ Error: the loss became NaN at step {step}");
    }
    if let Some(step) = losses.iter().position(|l| l.is_infinite()) {
        return format!("✗ Diverged: the loss reached inf at step {step}");
    }
    if last > 1.5 * first {
        return format!("✗ Diverged: the loss grew from {first:.3} to {last:.3e}");
    }
    // How often the loss went up in the second half of the run.
    let late = losses.slice(s![losses.len() / 2..]);
    let ups = (1..late.len()).filter(|&i| late[i] > late[i - 1]).count();
    if ups * 10 > late.len() {
        return format!("~ Oscillating: {first:.3} → {last:.3}, up on {ups} of the last {} steps", late.len());
    }
    if last > 0.9 * first {
        return format!("~ Oscillating: {first:.3} → {last:.3}, the loss is not going down");
    }
    format!("✓ Converged: {first:.3} → {last:.3e}")
}

/// The fraction of points whose predicted class is their label (lesson 4).
pub fn accuracy(logits: &Array2<f64>, labels: &Array1<usize>) -> f64 {
    let correct = predict(logits).iter().zip(labels.iter()).filter(|(a, b)| a == b).count();
    correct as f64 / labels.len() as f64
}

/// A CSV file of numbers with one header line: the column names and the values
/// (lesson 1). Panics with a message when the file is missing or a field is no number.
pub fn read_csv(path: &str) -> (Vec<String>, Array2<f64>) {
    let text = std::fs::read_to_string(path).expect("the CSV file should be next to the notebook");
    let mut lines = text.lines();
    let names: Vec<String> = lines.next().unwrap_or_default().split(',').map(String::from).collect();
    let values: Vec<f64> = lines
        .flat_map(|line| line.split(','))
        .map(|field| field.trim().parse::<f64>().expect("every field should be a number"))
        .collect();
    let shape = (values.len() / names.len(), names.len());
    (names, Array2::from_shape_vec(shape, values).expect("every row should have a field per column"))
}

/// Boxes at `(x, y)` with a title, a subtitle and a colour, and labelled arrows between
/// them (`(from, to, label)`): lesson 1's drawing function, for its architecture and its
/// lifecycle state machine (part 1c draws the state machine with it). Lines and text are
/// in `currentColor` and boxes translucent, so it reads on light and dark themes alike.
pub fn diagram(nodes: &[(f64, f64, &str, &str, &str)], edges: &[(usize, usize, &str)]) -> Svg {
    let (w, h) = (150.0, 46.0);
    // Text in SVG is XML: `<`, `>` and `&` must be escaped.
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let width = nodes.iter().map(|n| n.0).fold(0.0, f64::max) + w + 20.0;
    let height = nodes.iter().map(|n| n.1).fold(0.0, f64::max) + h + 20.0;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif">"#
    );
    let centre = |i: usize| (nodes[i].0 + 10.0 + w / 2.0, nodes[i].1 + 10.0 + h / 2.0);
    // Where the line from the centre of `to` towards `from` leaves the box of `to`.
    let border = |from: (f64, f64), to: (f64, f64)| {
        let (dx, dy) = (from.0 - to.0, from.1 - to.1);
        let t = f64::min((w / 2.0) / dx.abs().max(1e-9), (h / 2.0) / dy.abs().max(1e-9));
        (to.0 + dx * t, to.1 + dy * t)
    };
    for &(a, b, label) in edges {
        let (p, q) = (border(centre(b), centre(a)), border(centre(a), centre(b)));
        // The arrowhead: a triangle with its tip at q, pointing from p to q.
        let len = ((q.0 - p.0).powi(2) + (q.1 - p.1).powi(2)).sqrt().max(1e-9);
        let (ux, uy) = ((q.0 - p.0) / len, (q.1 - p.1) / len);
        let (bx, by) = (q.0 - 8.0 * ux, q.1 - 8.0 * uy);
        svg += &format!(
            r#"<line x1="{:.1}" y1="{:.1}" x2="{bx:.1}" y2="{by:.1}" stroke="currentColor" stroke-opacity="0.7" stroke-width="1.5"/>"#,
            p.0, p.1
        );
        svg += &format!(
            r#"<polygon points="{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}" fill="currentColor" fill-opacity="0.7"/>"#,
            q.0,
            q.1,
            bx - 4.0 * uy,
            by + 4.0 * ux,
            bx + 4.0 * uy,
            by - 4.0 * ux
        );
        // Labels sit above a mostly horizontal arrow, to the right of a mostly vertical one.
        let (mx, my) = ((p.0 + q.0) / 2.0, (p.1 + q.1) / 2.0);
        let (lx, ly, anchor) = if (q.1 - p.1).abs() > (q.0 - p.0).abs() {
            (mx + 6.0, my + 3.0, "start")
        } else {
            (mx, my - 5.0, "middle")
        };
        svg += &format!(
            r#"<text x="{lx:.1}" y="{ly:.1}" font-size="10" fill="currentColor" fill-opacity="0.8" text-anchor="{anchor}">{}</text>"#,
            esc(label)
        );
    }
    for &(x, y, title, sub, colour) in nodes {
        svg += &format!(
            r#"<rect x="{}" y="{}" width="{w}" height="{h}" rx="6" fill="{colour}" fill-opacity="0.22" stroke="{colour}"/>
<text x="{}" y="{}" font-size="13" font-weight="bold" text-anchor="middle" fill="currentColor">{title}</text>
<text x="{}" y="{}" font-size="10" text-anchor="middle" fill="currentColor" fill-opacity="0.8">{sub}</text>"#,
            x + 10.0,
            y + 10.0,
            x + 10.0 + w / 2.0,
            y + 29.0,
            x + 10.0 + w / 2.0,
            y + 46.0,
            title = esc(title),
            sub = esc(sub)
        );
    }
    svg += "</svg>";
    Svg(svg)
}

/// The course pipeline as boxes in a row (a title and a subtitle each) joined by labelled
/// arrows (a label's second line, after a `\n`, goes under its arrow); the boxes in
/// `highlight` are yellow, and `back` draws one more arrow underneath, from box `from` to
/// `to`. Lines and text are in `currentColor` and boxes translucent, so it reads on light
/// and dark themes alike (lessons 2–4 open with it).
pub fn flow(steps: &[(&str, &str)], arrows: &[&str], highlight: &[usize], back: Option<(usize, usize, &str)>) -> Svg {
    let (w, h, top) = (132.0, 50.0, 12.0);
    // The gap between boxes fits the longest label line (about 6.5 px a character).
    let longest = arrows.iter().flat_map(|a| a.split('\n')).map(|l| l.chars().count()).max().unwrap_or(0);
    let gap = f64::max(64.0, 6.5 * longest as f64 + 12.0);
    let esc = crate::escape::escape_html;
    let left = |i: usize| 10.0 + i as f64 * (w + gap);
    let width = left(steps.len()) - gap + 10.0;
    let height = top + h + if back.is_some() { 52.0 } else { 14.0 };
    // An arrowhead: a triangle with its tip at (x, y), pointing right (dx = 1) or up (dy = -1).
    let head = |x: f64, y: f64, dx: f64, dy: f64| {
        format!(
            r#"<polygon points="{x:.1},{y:.1} {:.1},{:.1} {:.1},{:.1}" fill="currentColor" fill-opacity="0.7"/>"#,
            x - 8.0 * dx - 4.0 * dy,
            y - 8.0 * dy + 4.0 * dx,
            x - 8.0 * dx + 4.0 * dy,
            y - 8.0 * dy - 4.0 * dx
        )
    };
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif">"#
    );
    for (i, (title, sub)) in steps.iter().enumerate() {
        let colour = if highlight.contains(&i) { "#f9a825" } else { "#1976d2" };
        let (x, mid) = (left(i), left(i) + w / 2.0);
        svg += &format!(
            r#"<rect x="{x}" y="{top}" width="{w}" height="{h}" rx="6" fill="{colour}" fill-opacity="0.22" stroke="{colour}"/>
<text x="{mid}" y="{}" font-size="13" font-weight="bold" text-anchor="middle" fill="currentColor">{}</text>
<text x="{mid}" y="{}" font-size="11" text-anchor="middle" fill="currentColor" fill-opacity="0.8">{}</text>"#,
            top + 21.0,
            esc(title),
            top + 39.0,
            esc(sub)
        );
    }
    for (i, label) in arrows.iter().enumerate() {
        let (x1, x2, y) = (left(i) + w, left(i + 1), top + h / 2.0);
        svg += &format!(
            r#"<line x1="{x1}" y1="{y}" x2="{}" y2="{y}" stroke="currentColor" stroke-opacity="0.7" stroke-width="1.5"/>"#,
            x2 - 8.0
        );
        svg += &head(x2, y, 1.0, 0.0);
        for (k, part) in label.split('\n').enumerate() {
            let y_text = if k == 0 { y - 7.0 } else { y + 16.0 };
            svg += &format!(
                r#"<text x="{}" y="{y_text}" font-size="11" text-anchor="middle" fill="currentColor" fill-opacity="0.8">{}</text>"#,
                (x1 + x2) / 2.0,
                esc(part)
            );
        }
    }
    if let Some((from, to, label)) = back {
        let (x1, x2, y0, y1) = (left(from) + w / 2.0, left(to) + w / 2.0, top + h, top + h + 26.0);
        svg += &format!(
            r#"<path d="M{x1},{y0} L{x1},{y1} L{x2},{y1} L{x2},{}" fill="none" stroke="currentColor" stroke-opacity="0.7" stroke-width="1.5"/>"#,
            y0 + 8.0
        );
        svg += &head(x2, y0, 0.0, -1.0);
        svg += &format!(
            r#"<text x="{}" y="{}" font-size="11" text-anchor="middle" fill="currentColor" fill-opacity="0.8">{}</text>"#,
            (x1 + x2) / 2.0,
            y1 + 15.0,
            esc(label)
        );
    }
    svg += "</svg>";
    Svg(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagram_draws_each_box_and_arrow_in_current_color() {
        let svg =
            diagram(&[(0.0, 0.0, "A & B", "one", "#43a047"), (200.0, 0.0, "C", "two", "#1e88e5")], &[(0, 1, "a < b")])
                .0;
        assert_eq!(svg.matches("<rect").count(), 2);
        assert_eq!(svg.matches("<polygon").count(), 1);
        assert!(svg.contains("A &amp; B") && svg.contains("a &lt; b"), "{svg}");
        assert!(svg.contains(r#"stroke="currentColor""#));
    }

    #[test]
    fn flat_parameters_round_trip_and_verdicts_name_the_state() {
        let net = Mlp::new(2, 4, 3, &mut Rng::new(10));
        let back = with_flat(&net, &to_flat(&net));
        assert_eq!(
            (back.w1, back.b1, back.w2, back.b2),
            (net.w1.clone(), net.b1.clone(), net.w2.clone(), net.b2.clone())
        );
        assert!(verdict(&array![1.0, 0.5, 0.1]).starts_with("✓ Converged"));
        assert!(verdict(&array![1.0, f64::INFINITY]).starts_with("✗ Diverged"));
        assert!(verdict(&array![1.0, f64::NAN]).starts_with("✗ Error"));
        assert_eq!(accuracy(&array![[1.0, 0.0], [0.0, 1.0]], &array![0, 0]), 0.5);
        let (x, labels) = spiral(5, 3, &mut Rng::new(7));
        let g = gradients(&net, &x, &labels);
        let numeric = numeric_grad(|b| loss_of(&Mlp { b1: b.clone(), ..net.clone() }, &x, &labels), &net.b1, 1e-5);
        assert!((&g.b1 - &numeric).iter().all(|d| d.abs() < 1e-7), "{} vs {numeric}", g.b1);
    }

    #[test]
    fn forward_gives_probabilities_that_sum_to_one_per_row() {
        let (x, _) = spiral(5, 3, &mut Rng::new(7));
        let p = Mlp::new(2, 4, 3, &mut Rng::new(10)).forward(&x);
        assert_eq!(p.dim(), (15, 3));
        assert!(p.sum_axis(Axis(1)).iter().all(|s| (s - 1.0).abs() < 1e-12), "{p}");
    }

    #[test]
    fn backprop_of_the_network_matches_finite_differences() {
        let (x, labels) = spiral(10, 3, &mut Rng::new(7));
        let net = Mlp::new(2, 4, 3, &mut Rng::new(10));
        // The output layer's bias: its gradient is the column sums of ∂L/∂z2.
        let analytic = cross_entropy_grad(&net.logits(&x), &labels).sum_axis(Axis(0));
        let numeric =
            numeric_grad(|b| cross_entropy(&Mlp { b2: b.clone(), ..net.clone() }.logits(&x), &labels), &net.b2, 1e-5);
        assert!((&analytic - &numeric).iter().all(|d| d.abs() < 1e-7), "{analytic} vs {numeric}");
    }

    #[test]
    fn log_softmax_survives_scores_that_overflow_exp() {
        let z = array![[710.0, 0.0, 0.0], [-800.0, 0.0, 0.0]];
        let loss = log_softmax(&z).column(0).mapv(|v| -v);
        assert_eq!(loss[0], 0.0);
        assert!((loss[1] - (800.0 + 2f64.ln())).abs() < 1e-9, "{loss}");
    }

    #[test]
    fn flow_escapes_its_labels() {
        let Svg(svg) = flow(&[("a<b", "x & y"), ("c", "d")], &["→"], &[0], Some((1, 0, "back")));
        assert!(svg.contains("a&lt;b") && svg.contains("x &amp; y") && !svg.contains("a<b"));
    }
}
