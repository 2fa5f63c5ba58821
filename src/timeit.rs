//! `timeit(|| expr)`: IPython's `%timeit` for Rust cells.
//!
//! It calls the closure 1, 10, 100, … times until one batch takes at least
//! [`BATCH_AT_LEAST`], then times [`RUNS`] batches of that many loops and reports the mean
//! time per loop ± its standard deviation over the runs, in IPython's words:
//! `1.23 ms ± 45 µs per loop (mean ± std. dev. of 7 runs, 100 loops each)`. Every result
//! goes through [`std::hint::black_box`], so the compiler cannot drop the work it measures.
//!
//! **Read the numbers with the build in mind.** A cell is compiled with light optimisation
//! (`opt-level` 1, overflow checks on), which keeps its compile near a tenth of a second;
//! so is the prelude, whose common array instances the cells share; ndarray's own code and
//! its matrix kernels are fully optimised (`opt-level` 3). A loop written by hand in a cell
//! runs slower than the same loop in a release build, and so do the array operations the
//! prelude shares. Measured once on a 2-core machine, the sum of squares of 100 000 `f64`:
//! by index (`a[i] * a[i]`) 345 µs in a cell and 219 µs with the cell at `opt-level` 3; over
//! the slice 149 µs and 144 µs; `a.dot(&a)` 64 µs and 35 µs. The array operation wins in both
//! builds, and for a reason the build does not change: it keeps several running sums at
//! once, where a plain loop waits for each addition before the next (and `a[i]` checks its
//! index every time). Expect the ratio to move with the build and the machine, not to turn
//! around.
//!
//! `timeit_n(loops, runs, || expr)` is `%timeit -n loops -r runs`: no calibration, exactly
//! that many batches of that many loops. A lesson uses it so that Restart + Run All stays
//! quick: `timeit` always spends one to sixteen seconds (eight batches of 0.2 s or more), as
//! `%timeit` does in a NumPy notebook.
//!
//! ```no_run
//! use ndplay::prelude::*;
//! let a = Array1::<f64>::linspace(0.0, 1.0, 100_000);
//! timeit(|| a.sum());
//! timeit_n(100, 5, || a.sum());
//! ```

use std::time::{Duration, Instant};

use crate::display::{MimeBundle, Render};

/// How many batches are timed, as IPython's default `-r 7`.
pub const RUNS: usize = 7;
/// A batch grows tenfold until it takes at least this long, as IPython's autorange.
pub const BATCH_AT_LEAST: Duration = Duration::from_millis(200);
/// The most loops a batch is given (a closure that takes nanoseconds).
const MAX_LOOPS: u64 = 10_000_000_000;

/// What [`timeit`] measured. Shown as IPython's one line.
#[derive(Debug, Clone, PartialEq)]
pub struct Timing {
    /// Mean seconds per loop over the runs.
    pub mean: f64,
    /// Standard deviation (of the runs' seconds per loop).
    pub stdev: f64,
    /// Batches timed.
    pub runs: usize,
    /// Loops in each batch.
    pub loops: u64,
    /// Seconds per loop of each run.
    pub per_loop: Vec<f64>,
}

/// Times `f` as IPython's `%timeit` does; see the [module docs](self) for what the numbers
/// mean in a cell.
pub fn timeit<R>(mut f: impl FnMut() -> R) -> Timing {
    let mut loops = 1;
    while loops < MAX_LOOPS && batch(&mut f, loops) < BATCH_AT_LEAST {
        loops *= 10;
    }
    time_runs(f, loops, RUNS)
}

/// Times `f` as IPython's `%timeit -n loops -r runs`: `runs` batches of `loops` calls, with
/// no calibration first. Both must be at least 1, as IPython requires.
pub fn timeit_n<R>(loops: u64, runs: usize, f: impl FnMut() -> R) -> Timing {
    assert!(
        loops >= 1 && runs >= 1,
        "timeit_n(loops, runs, …) needs at least 1 loop and 1 run (got {loops} and {runs}), as `%timeit -n 1 -r 1`"
    );
    time_runs(f, loops, runs)
}

fn batch<R>(f: &mut impl FnMut() -> R, loops: u64) -> Duration {
    let start = Instant::now();
    for _ in 0..loops {
        std::hint::black_box(f());
    }
    start.elapsed()
}

fn time_runs<R>(mut f: impl FnMut() -> R, loops: u64, runs: usize) -> Timing {
    let per_loop: Vec<f64> = (0..runs).map(|_| batch(&mut f, loops).as_secs_f64() / loops as f64).collect();
    summarise(per_loop, loops)
}

/// Mean and (population) standard deviation of the runs, as IPython computes them.
pub fn summarise(per_loop: Vec<f64>, loops: u64) -> Timing {
    let n = per_loop.len().max(1) as f64;
    let mean = per_loop.iter().sum::<f64>() / n;
    let stdev = (per_loop.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
    Timing { mean, stdev, runs: per_loop.len(), loops, per_loop }
}

impl std::fmt::Display for Timing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plural =
            |n: u64, word: &str| if n == 1 { format!("{n} {word}") } else { format!("{} {word}s", thousands(n)) };
        write!(
            f,
            "{} ± {} per loop (mean ± std. dev. of {}, {} each)",
            format_time(self.mean),
            format_time(self.stdev),
            plural(self.runs as u64, "run"),
            plural(self.loops, "loop")
        )
    }
}

impl Render for Timing {
    fn mime_bundle(&self) -> MimeBundle {
        MimeBundle::new(self.to_string())
    }
}

/// Seconds in the unit that gives 1 to 999 of it, with three significant digits, as
/// IPython's `_format_time` (`%.3g`): `1.23 ms`, `45 µs`, `800 ns`.
pub fn format_time(seconds: f64) -> String {
    if seconds >= 60.0 {
        let minutes = (seconds / 60.0).floor();
        return format!("{minutes:.0}min {:.0}s", seconds - minutes * 60.0);
    }
    const UNITS: [(&str, f64); 4] = [("s", 1.0), ("ms", 1e3), ("µs", 1e6), ("ns", 1e9)];
    // IPython: order = min(-(floor(log10(t)) // 3), 3), with Python's floor division.
    let order = if seconds > 0.0 { (-(seconds.log10().floor() as i64).div_euclid(3)).clamp(0, 3) as usize } else { 3 };
    let (unit, scale) = UNITS[order];
    format!("{} {unit}", three_significant(seconds * scale))
}

/// `%.3g` for numbers below 1000: three significant digits, trailing zeros dropped.
fn three_significant(x: f64) -> String {
    if x == 0.0 {
        return "0".to_string();
    }
    let digits_before = x.abs().log10().floor() as i32 + 1;
    let decimals = (3 - digits_before).max(0) as usize;
    let text = format!("{x:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// `1000000` → `1,000,000`, as Python's `{:,}`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_ipython_writes_them() {
        assert_eq!(format_time(1.23e-3), "1.23 ms");
        assert_eq!(format_time(45e-6), "45 µs");
        assert_eq!(format_time(800e-9), "800 ns");
        assert_eq!(format_time(2.5), "2.5 s");
        assert_eq!(format_time(0.2), "200 ms");
        assert_eq!(format_time(12.3456e-6), "12.3 µs");
        assert_eq!(format_time(0.0), "0 ns");
        assert_eq!(format_time(75.0), "1min 15s");
    }

    #[test]
    fn the_line_is_ipythons() {
        let t = Timing { mean: 1.23e-3, stdev: 45e-6, runs: 7, loops: 100, per_loop: vec![] };
        assert_eq!(t.to_string(), "1.23 ms ± 45 µs per loop (mean ± std. dev. of 7 runs, 100 loops each)");
        let t = Timing { mean: 0.5, stdev: 0.01, runs: 7, loops: 1, per_loop: vec![] };
        assert_eq!(t.to_string(), "500 ms ± 10 ms per loop (mean ± std. dev. of 7 runs, 1 loop each)");
        assert_eq!(thousands(10_000_000), "10,000,000");
    }

    #[test]
    fn the_mean_and_deviation_are_over_the_runs() {
        let t = summarise(vec![1.0, 2.0, 3.0], 10);
        assert_eq!(t.mean, 2.0);
        assert!((t.stdev - (2.0f64 / 3.0).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn a_quick_closure_gets_many_loops() {
        let mut calls = 0u64;
        let t = timeit(|| {
            calls += 1;
            calls
        });
        assert!(t.loops >= 1000, "{t:?}");
        assert_eq!(t.runs, RUNS);
    }

    #[test]
    fn timeit_n_calls_exactly_loops_times_runs() {
        let mut calls = 0u64;
        let t = timeit_n(100, 3, || calls += 1);
        assert_eq!(calls, 300);
        assert_eq!((t.loops, t.runs, t.per_loop.len()), (100, 3, 3));
        assert!(t.to_string().ends_with("per loop (mean ± std. dev. of 3 runs, 100 loops each)"), "{t}");
    }

    #[test]
    #[should_panic(expected = "at least 1 loop and 1 run (got 0 and 7)")]
    fn timeit_n_refuses_zero_loops() {
        timeit_n(0, 7, || ());
    }
}
