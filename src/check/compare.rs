//! The comparison behind `check`: what an answer is made of ([`Checkable`]), the rules
//! that decide whether it matches (see the module docs of [`crate::check`]), and the
//! verdict they give ([`Check`]), as data. How a verdict reads is `badge.rs`'s job.

use ndarray::{ArrayBase, Data, Dimension};

use crate::dtype::DType;
use crate::ops::{Cast, Num, ToNum};

/// Relative tolerance for float comparisons (`np.allclose`'s default `rtol`).
pub const RTOL: f64 = 1e-5;
/// Absolute tolerance for float comparisons (`np.allclose`'s default `atol`).
pub const ATOL: f64 = 1e-8;
/// At most this many differing values are listed; the rest are counted.
pub const MAX_SHOWN: usize = 5;

/// Something `check` can compare: an array or view of a numeric or bool [`DType`], a
/// [`Cast`] result, or a single number or bool (a 0-D value).
pub trait Checkable {
    /// The Rust type as a student would write it: `Array2<f64>`, `i32`.
    fn type_name(&self) -> String;
    /// The element type's name: `f64`, `i32`.
    fn dtype_name(&self) -> &'static str;
    /// The shape; empty for a single number.
    fn shape_vec(&self) -> Vec<usize>;
    /// The values in logical (row-major) order, each with its display text.
    fn values(&self) -> Vec<(Num, String)>;
}

/// One value as an exact [`Num`] and as the text the array views show for it.
fn entry<A: DType + ToNum>(v: &A) -> (Num, String) {
    let text = A::format_column(&[v]).remove(0).trim().to_string();
    (v.to_num(), text)
}

impl<A, S, D> Checkable for ArrayBase<S, D>
where
    A: DType + ToNum,
    S: Data<Elem = A>,
    D: Dimension,
{
    fn type_name(&self) -> String {
        crate::facts::type_name_of(self)
    }
    fn dtype_name(&self) -> &'static str {
        A::NAME
    }
    fn shape_vec(&self) -> Vec<usize> {
        self.shape().to_vec()
    }
    fn values(&self) -> Vec<(Num, String)> {
        self.iter().map(entry).collect()
    }
}

impl<T: DType + ToNum, D: Dimension> Checkable for Cast<T, D> {
    fn type_name(&self) -> String {
        crate::facts::type_name_of(&self.array)
    }
    fn dtype_name(&self) -> &'static str {
        T::NAME
    }
    fn shape_vec(&self) -> Vec<usize> {
        self.array.shape().to_vec()
    }
    fn values(&self) -> Vec<(Num, String)> {
        self.array.values()
    }
}

impl<T: Checkable + ?Sized> Checkable for &T {
    fn type_name(&self) -> String {
        (**self).type_name()
    }
    fn dtype_name(&self) -> &'static str {
        (**self).dtype_name()
    }
    fn shape_vec(&self) -> Vec<usize> {
        (**self).shape_vec()
    }
    fn values(&self) -> Vec<(Num, String)> {
        (**self).values()
    }
}

macro_rules! scalar_checkable {
    ($($t:ty),*) => {$(
        impl Checkable for $t {
            fn type_name(&self) -> String {
                <$t as DType>::NAME.to_string()
            }
            fn dtype_name(&self) -> &'static str {
                <$t as DType>::NAME
            }
            fn shape_vec(&self) -> Vec<usize> {
                Vec::new()
            }
            fn values(&self) -> Vec<(Num, String)> {
                vec![entry(self)]
            }
        }
    )*};
}
scalar_checkable!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize, f32, f64, bool);

/// One value that differs, made by [`check`].
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// Its index, e.g. `[1, 2]`; empty for a single number.
    pub index: Vec<usize>,
    /// The answer's value, as displayed.
    pub yours: String,
    /// The expected value, as displayed.
    pub expected: String,
    /// `|yours − expected|` when both are numbers and the difference is finite.
    pub difference: Option<f64>,
}

/// The verdict of [`check`]; displays as a pass/fail badge with the differences.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// The answer's type, e.g. `Array2<f64>`.
    pub answer_type: String,
    /// The expected value's type.
    pub expected_type: String,
    /// The answer's dtype.
    pub answer_dtype: &'static str,
    /// The expected dtype.
    pub expected_dtype: &'static str,
    /// The answer's shape.
    pub answer_shape: Vec<usize>,
    /// The expected shape.
    pub expected_shape: Vec<usize>,
    /// Number of values compared (0 when the shapes differ).
    pub compared: usize,
    /// Number of values that differ.
    pub differing: usize,
    /// The first [`MAX_SHOWN`] values that differ.
    pub shown: Vec<Mismatch>,
    /// The largest finite `|yours − expected|` among the differing values.
    pub largest_difference: Option<f64>,
    /// The panic message, when the answer was computed by [`check_fn`] and panicked.
    pub panicked: Option<String>,
}

/// Compares an exercise's answer with the expected value; see the module docs for the
/// rules. Use it as a cell's last expression to show the badge, or call
/// [`Check::passed`].
///
/// ```
/// use ndplay::prelude::*;
/// let ok = check(&array![[0.6, 0.8]], &array![[3.0 / 5.0, 4.0 / 5.0]]);
/// assert!(ok.passed());
/// assert_eq!(ok.summary(), "✓ Correct: Array2<f64>, shape (1, 2), all 2 values match");
/// let wrong = check(&(array![[1, 2], [3, 4]] / 3), &(array![[1.0, 2.0], [3.0, 4.0]] / 3.0));
/// assert!(!wrong.passed());
/// assert_eq!(wrong.summary(), "✗ Not yet: dtype i32, expected f64; 3 of 4 values differ (largest difference 0.66666667)");
/// ```
pub fn check<X: Checkable + ?Sized, Y: Checkable + ?Sized>(answer: &X, expected: &Y) -> Check {
    let answer_shape = answer.shape_vec();
    let expected_shape = expected.shape_vec();
    let mut result = Check {
        answer_type: answer.type_name(),
        expected_type: expected.type_name(),
        answer_dtype: answer.dtype_name(),
        expected_dtype: expected.dtype_name(),
        answer_shape,
        expected_shape,
        compared: 0,
        differing: 0,
        shown: Vec::new(),
        largest_difference: None,
        panicked: None,
    };
    if result.answer_shape != result.expected_shape {
        return result;
    }
    let shape = result.expected_shape.clone();
    let yours = answer.values();
    let wanted = expected.values();
    result.compared = wanted.len();
    for (flat, ((y, y_text), (e, e_text))) in yours.into_iter().zip(wanted).enumerate() {
        if values_match(y, e) {
            continue;
        }
        result.differing += 1;
        let difference = match (as_f64(y), as_f64(e)) {
            (a, b) if (a - b).is_finite() => Some((a - b).abs()),
            _ => None,
        };
        if let Some(d) = difference {
            result.largest_difference = Some(result.largest_difference.map_or(d, |m: f64| m.max(d)));
        }
        if result.shown.len() < MAX_SHOWN {
            result.shown.push(Mismatch { index: unravel(flat, &shape), yours: y_text, expected: e_text, difference });
        }
    }
    result
}

/// Like [`check`], but computes the answer itself, so that an answer that *panics* (a
/// shape error, an overflow, an `unwrap` on `None`) fails the check with its message
/// instead of stopping the cell with a panic dump.
///
/// ```
/// use ndplay::prelude::*;
/// let scores = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
/// let means = scores.mean_axis(Axis(1)).unwrap(); // shape (2,): does not fit (2, 3)
/// let c = check_fn(|| &scores - &means, &array![[-1.0, 0.0, 1.0], [-1.0, 0.0, 1.0]]);
/// assert!(!c.passed());
/// assert!(c.summary().starts_with("✗ Not yet: your code panicked: "));
/// ```
pub fn check_fn<X: Checkable, Y: Checkable + ?Sized>(answer: impl FnOnce() -> X, expected: &Y) -> Check {
    // The cell's panic hook would report the panic as a failed cell: the verdict says it.
    match crate::cell::catch_quietly(answer) {
        Ok(value) => check(&value, expected),
        Err(message) => Check {
            answer_type: "(panicked)".to_string(),
            expected_type: expected.type_name(),
            answer_dtype: "",
            expected_dtype: expected.dtype_name(),
            answer_shape: expected.shape_vec(),
            expected_shape: expected.shape_vec(),
            compared: 0,
            differing: 0,
            shown: Vec::new(),
            largest_difference: None,
            panicked: Some(message),
        },
    }
}

fn as_f64(n: Num) -> f64 {
    match n {
        Num::Int(i) => i as f64,
        Num::Float(f) => f,
        Num::Bool(b) => f64::from(u8::from(b)),
    }
}

/// Integers and bools exactly; with a float involved, `np.allclose(equal_nan=True)`.
fn values_match(yours: Num, expected: Num) -> bool {
    match (yours, expected) {
        (Num::Int(a), Num::Int(b)) => a == b,
        (Num::Bool(a), Num::Bool(b)) => a == b,
        (Num::Float(_), _) | (_, Num::Float(_)) => {
            let (a, b) = (as_f64(yours), as_f64(expected));
            if a.is_nan() || b.is_nan() {
                a.is_nan() && b.is_nan()
            } else if a.is_infinite() || b.is_infinite() {
                a == b
            } else {
                (a - b).abs() <= ATOL + RTOL * b.abs()
            }
        }
        _ => as_f64(yours) == as_f64(expected),
    }
}

/// The row-major index of the `flat`-th element of an array of `shape`.
fn unravel(mut flat: usize, shape: &[usize]) -> Vec<usize> {
    let mut index = vec![0; shape.len()];
    for (i, &n) in shape.iter().enumerate().rev() {
        if n > 0 {
            index[i] = flat % n;
            flat /= n;
        }
    }
    index
}

impl Check {
    /// Whether the answer has the expected shape, dtype and values.
    pub fn passed(&self) -> bool {
        self.panicked.is_none() && self.shape_ok() && self.dtype_ok() && self.differing == 0
    }

    pub(super) fn shape_ok(&self) -> bool {
        self.answer_shape == self.expected_shape
    }

    pub(super) fn dtype_ok(&self) -> bool {
        self.answer_dtype == self.expected_dtype
    }
}
