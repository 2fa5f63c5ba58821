//! Random numbers that come out the same every run: [`Rng`], NumPy's
//! `np.random.default_rng(seed)` for lessons.
//!
//! Lessons need random numbers (initial weights, noisy data sets, shuffled mini-batches),
//! and their stored outputs are compared with a fresh run, so the numbers must be the same
//! on every machine and every run. A seeded generator gives exactly that. ndarray has no
//! generator of its own (ndarray-rand and rand would be two more dependencies that every
//! cell links, whose streams change between their versions), so this module is one: a
//! SplitMix64 stream (Steele, Lea and Flood, 2014), small enough to read, with uniform
//! and normal draws and arrays of them.
//!
//! The stream is part of the lessons' stored outputs: **changing any formula here changes
//! every lesson's numbers**. The tests pin the first values.

use ndarray::{Array, Dimension, ShapeBuilder};

/// A seeded random number generator: the same seed gives the same numbers, always.
///
/// NumPy's `rng = np.random.default_rng(0)` is `let mut rng = Rng::new(0);` (the `mut`
/// because every draw moves the generator on).
///
/// | NumPy | ndplay |
/// |---|---|
/// | `rng.random()` | `rng.random()` — uniform in `[0, 1)` |
/// | `rng.standard_normal()` | `rng.standard_normal()` |
/// | `rng.normal(0.0, 0.1, size=(2, 3))` | `rng.normal((2, 3), 0.0, 0.1)` |
/// | `rng.uniform(-1, 1, size=5)` | `rng.uniform(5, -1.0, 1.0)` |
/// | `rng.permutation(5)` | `rng.permutation(5)` |
///
/// The numbers are not NumPy's (another algorithm), and not for cryptography.
///
/// ```
/// use ndplay::prelude::*;
/// let mut rng = Rng::new(0);
/// let w = rng.normal((2, 3), 0.0, 1.0);
/// assert_eq!(w.shape(), &[2, 3]);
/// assert_eq!(w, Rng::new(0).normal((2, 3), 0.0, 1.0)); // same seed, same numbers
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rng {
    state: u64,
}

/// SplitMix64's increment: the golden ratio as a 64-bit fraction.
const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

impl Rng {
    /// A generator whose stream is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        Rng { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        // SplitMix64: a Weyl sequence, then a bijective mix of its bits.
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A float uniform in `[0, 1)` (NumPy's `rng.random()`): the top 53 bits, so every
    /// value is a multiple of 2⁻⁵³.
    pub fn random(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A float from the standard normal distribution (mean 0, standard deviation 1), by
    /// the Box–Muller transform of two uniform draws.
    pub fn standard_normal(&mut self) -> f64 {
        // 1 - u is in (0, 1], so its logarithm is finite.
        let u1 = 1.0 - self.random();
        let u2 = self.random();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// A whole number uniform in `0..n` (`n > 0`), without the bias of `next_u64() % n`.
    pub fn below(&mut self, n: usize) -> usize {
        assert!(n > 0, "Rng::below(0): there is no number in 0..0");
        let n = n as u64;
        // Reject the top part of the range that does not divide evenly by n.
        let limit = u64::MAX - u64::MAX % n;
        loop {
            let v = self.next_u64();
            if v < limit {
                return (v % n) as usize;
            }
        }
    }

    /// An array of the given shape (`5`, `(2, 3)`, …) of normal draws with mean `mean` and
    /// standard deviation `std` (NumPy's `rng.normal(mean, std, size=shape)`). Elements
    /// are drawn in row-major order.
    pub fn normal<Sh, D>(&mut self, shape: Sh, mean: f64, std: f64) -> Array<f64, D>
    where
        Sh: ShapeBuilder<Dim = D>,
        D: Dimension,
    {
        Array::from_shape_simple_fn(shape, || mean + std * self.standard_normal())
    }

    /// An array of the given shape of floats uniform in `[low, high)` (NumPy's
    /// `rng.uniform(low, high, size=shape)`). Elements are drawn in row-major order.
    pub fn uniform<Sh, D>(&mut self, shape: Sh, low: f64, high: f64) -> Array<f64, D>
    where
        Sh: ShapeBuilder<Dim = D>,
        D: Dimension,
    {
        Array::from_shape_simple_fn(shape, || low + (high - low) * self.random())
    }

    /// The numbers `0..n` in a random order (NumPy's `rng.permutation(n)`), for shuffling
    /// the rows of a data set: `x.select(Axis(0), &order)`.
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut order: Vec<usize> = (0..n).collect();
        // Fisher–Yates: each position takes a random one of the elements not yet placed.
        for i in (1..n).rev() {
            let j = self.below(i + 1);
            order.swap(i, j);
        }
        order
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::prelude::*;

    #[test]
    fn the_stream_is_pinned() {
        // SplitMix64's published first outputs for seed 0; the lessons' stored outputs
        // depend on these.
        let mut rng = Rng::new(0);
        assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        assert_eq!(rng.next_u64(), 0x06C4_5D18_8009_454F);
    }

    #[test]
    fn same_seed_same_numbers_other_seed_other_numbers() {
        let a = Rng::new(7).normal((3, 4), 0.0, 1.0);
        assert_eq!(a, Rng::new(7).normal((3, 4), 0.0, 1.0));
        assert_ne!(a, Rng::new(8).normal((3, 4), 0.0, 1.0));
    }

    #[test]
    fn uniform_draws_stay_in_range() {
        let mut rng = Rng::new(1);
        for _ in 0..10_000 {
            let u = rng.random();
            assert!((0.0..1.0).contains(&u), "{u}");
        }
        let a = rng.uniform((100, 10), -2.0, 3.0);
        assert!(a.iter().all(|v| (-2.0..3.0).contains(v)));
        assert!((a.mean().unwrap() - 0.5).abs() < 0.15, "{}", a.mean().unwrap());
    }

    #[test]
    fn normal_draws_have_the_asked_mean_and_spread() {
        let a = Rng::new(2).normal(20_000, 3.0, 0.5);
        assert_eq!(a.dim(), 20_000);
        assert!((a.mean().unwrap() - 3.0).abs() < 0.02, "{}", a.mean().unwrap());
        assert!((a.std(0.0) - 0.5).abs() < 0.02, "{}", a.std(0.0));
        assert!(a.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn arrays_are_filled_in_row_major_order() {
        let a = Rng::new(3).normal((2, 2), 0.0, 1.0);
        let mut rng = Rng::new(3);
        let flat: Vec<f64> = (0..4).map(|_| rng.standard_normal()).collect();
        assert_eq!(a, Array2::from_shape_vec((2, 2), flat).unwrap());
    }

    #[test]
    fn permutations_hold_every_index_once() {
        let mut rng = Rng::new(4);
        let mut p = rng.permutation(50);
        assert_ne!(p, (0..50).collect::<Vec<_>>(), "shuffled");
        p.sort_unstable();
        assert_eq!(p, (0..50).collect::<Vec<_>>());
        assert_eq!(rng.permutation(0), Vec::<usize>::new());
        assert_eq!(rng.permutation(1), vec![0]);
    }

    #[test]
    fn below_covers_its_range_and_nothing_else() {
        let mut rng = Rng::new(5);
        let mut seen = [0usize; 3];
        for _ in 0..3000 {
            seen[rng.below(3)] += 1;
        }
        assert!(seen.iter().all(|&c| c > 900), "{seen:?}");
    }
}
