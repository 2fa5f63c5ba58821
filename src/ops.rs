//! Array helpers NumPy students reach for and ndarray does not have: `dtype`, `astype`
//! (as [`ArrayExt::cast`], which reports what it lost), `//` (as
//! [`ArrayExt::floor_div`]) and `np.outer` (as [`outer`]).

use std::ops::Deref;

use ndarray::{Array, Array1, Array2, ArrayBase, Data, Dimension};

use crate::display::{MimeBundle, Render, MIME_HTML};
use crate::dtype::DType;
use crate::escape::escape_html;
use crate::words::{counts, shape_tuple};

/// The name of `a`'s element type, NumPy's `a.dtype`: `"f64"`, `"i32"`, `"String"`.
///
/// ```
/// use ndplay::prelude::*;
/// assert_eq!(dtype_of(&array![1, 2]), "i32");
/// assert_eq!(dtype_of(&array![1.0, 2.0]), "f64");
/// ```
pub fn dtype_of<A: DType, S: Data<Elem = A>, D: Dimension>(_a: &ArrayBase<S, D>) -> &'static str {
    A::NAME
}

/// The outer product of two 1-D arrays: `result[[i, j]] = a[i] * b[j]`, shape
/// `(a.len(), b.len())` (NumPy's `np.outer`; ndarray has none).
///
/// `a.dot(&b)` of two 1-D arrays is the *inner* product, a scalar — the surprise at the
/// start of the lesson. This is the other one.
///
/// ```
/// use ndplay::prelude::*;
/// let m = outer(&array![1, 2, 3], &array![10, 20]);
/// assert_eq!(m, array![[10, 20], [20, 40], [30, 60]]);
/// ```
pub fn outer<A, S1, S2>(a: &ArrayBase<S1, ndarray::Ix1>, b: &ArrayBase<S2, ndarray::Ix1>) -> Array2<A>
where
    A: Clone + std::ops::Mul<Output = A>,
    S1: Data<Elem = A>,
    S2: Data<Elem = A>,
{
    Array2::from_shape_fn((a.len(), b.len()), |(i, j)| a[i].clone() * b[j].clone())
}

/// Element types with NumPy's floor division (`//`): the quotient rounded toward
/// negative infinity.
///
/// Rust's `/` on integers **truncates toward zero**: `-7 / 2 == -3`, while NumPy's
/// `-7 // 2 == -4`. The two agree when both operands have the same sign. As in NumPy,
/// the remainder that goes with `//` has the sign of the divisor (Rust's `%` has the sign
/// of the dividend). Division of an integer by zero panics, as Rust's `/` does (NumPy
/// returns 0 with a warning); `MIN // -1` wraps, as in NumPy. For floats it is
/// `(a / b).floor()`.
pub trait FloorDiv: Copy {
    /// `self // rhs`.
    fn floor_div(self, rhs: Self) -> Self;
}

/// Floor division for every integer type. Rust's `/` rounds toward zero and `//` toward
/// negative infinity, so they differ by one when the division leaves a remainder and the
/// operands have opposite signs (which unsigned operands never have).
macro_rules! floor_div_int {
    ($($t:ty),*) => {$(
        impl FloorDiv for $t {
            fn floor_div(self, rhs: Self) -> Self {
                if rhs == 0 {
                    panic!("floor_div: integer division by zero ({self} // 0); NumPy would give 0 and a warning");
                }
                let q = self.wrapping_div(rhs);
                // The sign bit of `self ^ rhs` is set when the signs differ; widened to
                // i128, an unsigned type's value is never negative.
                let opposite_signs = ((self ^ rhs) as i128) < 0;
                if self.wrapping_rem(rhs) != 0 && opposite_signs { q - 1 } else { q }
            }
        }
    )*};
}
floor_div_int!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);
impl FloorDiv for f32 {
    fn floor_div(self, rhs: Self) -> Self {
        (self / rhs).floor()
    }
}
impl FloorDiv for f64 {
    fn floor_div(self, rhs: Self) -> Self {
        (self / rhs).floor()
    }
}

/// Extra methods on every ndarray array and view, in scope through the prelude.
pub trait ArrayExt<A, D: Dimension> {
    /// The element type's name (NumPy's `a.dtype`): `"f64"`, `"i32"`...
    fn dtype(&self) -> &'static str
    where
        A: DType;

    /// Converts every element to `T`, counting what was lost — the Rust counterpart of
    /// NumPy's `astype`, which loses silently.
    ///
    /// The values follow Rust's `as`: floats to integers truncate toward zero and
    /// saturate at the type's range (NaN becomes 0); integers to narrower integers wrap
    /// (as NumPy does); wide integers to floats round. The result derefs to the new
    /// array, displays as the array plus a report, and [`Cast::into_array`] unwraps it.
    ///
    /// ```
    /// use ndplay::prelude::*;
    /// let c = array![1.5, -2.0, 300.0, f64::NAN].cast::<u8>();
    /// assert_eq!(c.array, array![1u8, 0, 255, 0]);
    /// assert_eq!((c.truncated, c.overflowed, c.nan), (1, 2, 1));
    /// ```
    fn cast<T: CastFrom<A> + DType>(&self) -> Cast<T, D>
    where
        A: Copy;

    /// NumPy's `a // rhs` for a scalar `rhs`; see [`FloorDiv`] for how it differs from
    /// Rust's `/`.
    ///
    /// ```
    /// use ndplay::prelude::*;
    /// let a = array![[-7, 7], [6, -1]];
    /// assert_eq!(a.floor_div(2), array![[-4, 3], [3, -1]]);
    /// assert_eq!(&a / 2, array![[-3, 3], [3, 0]]); // Rust's `/` truncates
    /// ```
    fn floor_div(&self, rhs: A) -> Array<A, D>
    where
        A: FloorDiv;

    /// NumPy's `a // b` for two arrays, broadcasting `b` to `a`'s shape. Panics, naming
    /// both shapes, when `b` cannot be broadcast.
    fn floor_div_array<S2: Data<Elem = A>, E: Dimension>(&self, b: &ArrayBase<S2, E>) -> Array<A, D>
    where
        A: FloorDiv;
}

impl<A, S, D> ArrayExt<A, D> for ArrayBase<S, D>
where
    S: Data<Elem = A>,
    D: Dimension,
{
    fn dtype(&self) -> &'static str
    where
        A: DType,
    {
        A::NAME
    }

    fn cast<T: CastFrom<A> + DType>(&self) -> Cast<T, D>
    where
        A: Copy,
    {
        let mut counts = [0usize; 4];
        let array = self.mapv(|v| {
            let (out, loss) = T::cast_from(v);
            if let Some(loss) = loss {
                counts[loss as usize] += 1;
            }
            out
        });
        Cast {
            array,
            from: std::any::type_name::<A>(),
            truncated: counts[Loss::Truncated as usize],
            overflowed: counts[Loss::Overflowed as usize],
            rounded: counts[Loss::Rounded as usize],
            nan: counts[Loss::Nan as usize],
        }
    }

    fn floor_div(&self, rhs: A) -> Array<A, D>
    where
        A: FloorDiv,
    {
        self.mapv(|v| v.floor_div(rhs))
    }

    fn floor_div_array<S2: Data<Elem = A>, E: Dimension>(&self, b: &ArrayBase<S2, E>) -> Array<A, D>
    where
        A: FloorDiv,
    {
        let shape = self.raw_dim();
        let Some(bb) = b.broadcast(shape.clone()) else {
            panic!(
                "floor_div_array: operands could not be broadcast together with shapes {} {}",
                shape_tuple(self.shape()),
                shape_tuple(b.shape())
            );
        };
        let mut out = self.to_owned();
        out.zip_mut_with(&bb, |x, &y| *x = x.floor_div(y));
        out
    }
}

/// What a single conversion lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loss {
    /// A fractional part was dropped (float → integer), or a value other than 0/1 became
    /// `true` (number → bool).
    Truncated = 0,
    /// Out of the target's range: saturated (float → integer, to ±inf for f64 → f32) or
    /// wrapped (integer → integer).
    Overflowed = 1,
    /// The target type cannot hold the value exactly and the nearest one was taken
    /// (wide integer → float, f64 → f32).
    Rounded = 2,
    /// NaN has no integer or bool counterpart; it became 0 / `false`.
    Nan = 3,
}

/// A number as one of three exact carriers, so that any pair of element types converts
/// through one function per target type.
#[derive(Debug, Clone, Copy)]
pub enum Num {
    /// Every Rust integer fits in an `i128`.
    Int(i128),
    /// f32 converts to f64 exactly.
    Float(f64),
    /// A bool.
    Bool(bool),
}

/// Conversion of one element from `A`, reporting any [`Loss`]. Implemented for every
/// pair of number and bool element types.
pub trait CastFrom<A>: Sized {
    /// The converted value, and what was lost, if anything.
    fn cast_from(value: A) -> (Self, Option<Loss>);
}

/// Types that can enter a [`Num`] exactly.
pub trait ToNum: Copy {
    /// The exact carrier of `self`.
    fn to_num(self) -> Num;
}

/// Types that can be built from a [`Num`], reporting any loss.
pub trait FromNum: Sized {
    /// The nearest `Self`, and what was lost.
    fn from_num(n: Num) -> (Self, Option<Loss>);
}

impl<A: ToNum, T: FromNum> CastFrom<A> for T {
    fn cast_from(value: A) -> (Self, Option<Loss>) {
        T::from_num(value.to_num())
    }
}

/// What a float lost on its way to an integer type, given the integer it became (as
/// `f64`): Rust's `as` truncates toward zero, saturates at the type's range and makes NaN 0.
fn float_to_int_loss(f: f64, out: f64) -> Option<Loss> {
    if f.is_nan() {
        Some(Loss::Nan)
    } else if f.trunc() != out {
        Some(Loss::Overflowed)
    } else if f.fract() != 0.0 {
        Some(Loss::Truncated)
    } else {
        None
    }
}

/// What a float lost on its way to a float type, given the float it became (as `f64`):
/// out of range it becomes ±inf, otherwise the nearest value is taken.
fn float_to_float_loss(f: f64, out: f64) -> Option<Loss> {
    if f.is_finite() && out.is_infinite() {
        Some(Loss::Overflowed)
    } else if f.is_finite() && out != f {
        Some(Loss::Rounded)
    } else {
        None
    }
}

/// [`ToNum`] and [`FromNum`] for number types carried as `Num::$carrier` (converted to
/// `$wide`). Integer and float targets differ in two rules, the arguments: what an
/// integer lost when it does not survive the trip (`$int_loss`: integers wrap, like
/// NumPy's astype; floats round), and what a float lost (`$float_loss`).
macro_rules! num_type {
    ($carrier:ident as $wide:ty, $int_loss:ident, $float_loss:ident: $($t:ty),*) => {$(
        impl ToNum for $t {
            fn to_num(self) -> Num { Num::$carrier(self as $wide) }
        }
        impl FromNum for $t {
            fn from_num(n: Num) -> (Self, Option<Loss>) {
                match n {
                    Num::Int(v) => {
                        let out = v as $t;
                        (out, (out as i128 != v).then_some(Loss::$int_loss))
                    }
                    Num::Float(f) => {
                        let out = f as $t;
                        (out, $float_loss(f, out as f64))
                    }
                    Num::Bool(b) => (<$t>::from(b), None),
                }
            }
        }
    )*};
}
num_type!(Int as i128, Overflowed, float_to_int_loss: i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);
num_type!(Float as f64, Rounded, float_to_float_loss: f32, f64);

impl ToNum for bool {
    fn to_num(self) -> Num {
        Num::Bool(self)
    }
}

impl FromNum for bool {
    fn from_num(n: Num) -> (Self, Option<Loss>) {
        // NumPy: anything nonzero is True (NaN too).
        match n {
            Num::Int(v) => (v != 0, (v != 0 && v != 1).then_some(Loss::Truncated)),
            Num::Float(f) if f.is_nan() => (true, Some(Loss::Nan)),
            Num::Float(f) => (f != 0.0, (f != 0.0 && f != 1.0).then_some(Loss::Truncated)),
            Num::Bool(b) => (b, None),
        }
    }
}

/// The result of [`ArrayExt::cast`]: the converted array and counts of what was lost.
///
/// Derefs to the array, so `c.sum()` or `&*c + 1` work; [`Cast::into_array`] takes it
/// out. As a cell's last expression it shows the loss report above the array.
#[derive(Debug, Clone, PartialEq)]
pub struct Cast<T, D: Dimension> {
    /// The converted array.
    pub array: Array<T, D>,
    /// The source element type's name.
    pub from: &'static str,
    /// Values whose fractional part was dropped (or numbers other than 0/1 made `true`).
    pub truncated: usize,
    /// Values outside the target's range (saturated or wrapped).
    pub overflowed: usize,
    /// Values rounded to the nearest representable one.
    pub rounded: usize,
    /// NaNs, which became 0 (or `true` for bool).
    pub nan: usize,
}

impl<T, D: Dimension> Cast<T, D> {
    /// The converted array.
    pub fn into_array(self) -> Array<T, D> {
        self.array
    }

    /// Whether every value converted exactly.
    pub fn is_lossless(&self) -> bool {
        self.truncated + self.overflowed + self.rounded + self.nan == 0
    }
}

impl<T: DType, D: Dimension> Cast<T, D> {
    /// One line: `cast i32 → f64: lossless (2 values)` or `cast f64 → u8: 1 truncated,
    /// 2 overflowed, 1 NaN (of 4 values)`.
    pub fn report(&self) -> String {
        let head = format!("cast {} → {}", self.from, T::NAME);
        if self.is_lossless() {
            return format!("{head}: lossless ({} values)", self.array.len());
        }
        let lost = counts(&[
            (self.truncated, "truncated"),
            (self.overflowed, "overflowed"),
            (self.rounded, "rounded"),
            (self.nan, "NaN"),
        ]);
        format!("{head}: {lost} (of {} values)", self.array.len())
    }
}

impl<T, D: Dimension> Deref for Cast<T, D> {
    type Target = Array<T, D>;
    fn deref(&self) -> &Array<T, D> {
        &self.array
    }
}

impl<T: DType, D: Dimension> Render for Cast<T, D> {
    fn mime_bundle(&self) -> MimeBundle {
        let inner = self.array.mime_bundle();
        let colour =
            if self.is_lossless() { "var(--jp-success-color1, #388e3c)" } else { "var(--jp-warn-color1, #f57c00)" };
        let html = format!(
            "<div style=\"font-family:var(--jp-code-font-family, monospace);color:{colour};font-weight:bold\">{}</div>{}",
            escape_html(&self.report()),
            inner.get(MIME_HTML).unwrap_or("")
        );
        MimeBundle::new(format!("{}\n{}", self.report(), inner.plain())).with(MIME_HTML, html)
    }
}

/// A convenience for lessons: `linspace`-style 1-D arrays are in ndarray already
/// (`Array1::linspace`); this is NumPy's `arange` for floats, `[start, stop)` by `step`.
pub fn arange(start: f64, stop: f64, step: f64) -> Array1<f64> {
    Array1::range(start, stop, step)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::prelude::*;

    #[test]
    fn floor_div_matches_numpy() {
        assert_eq!((-7i32).floor_div(2), -4);
        assert_eq!(7i32.floor_div(-2), -4);
        assert_eq!((-7i32).floor_div(-2), 3);
        assert_eq!(6i32.floor_div(3), 2);
        assert_eq!(i8::MIN.floor_div(-1), i8::MIN);
        // Unsigned operands whose top bit is set are still positive.
        assert_eq!(7u8.floor_div(2), 3);
        assert_eq!(u64::MAX.floor_div(1 << 63), 1);
        assert_eq!(200u8.floor_div(129), 1);
        assert_eq!((-7.0f64).floor_div(2.0), -4.0);
        let a = array![[1, 2], [3, 4]];
        assert_eq!(a.floor_div(3), array![[0, 0], [1, 1]]);
        assert_eq!(a.floor_div_array(&array![-2, 3]), array![[-1, 0], [-2, 1]]);
    }

    #[test]
    #[should_panic(expected = "operands could not be broadcast together with shapes (2, 2) (3,)")]
    fn floor_div_array_names_shapes() {
        array![[1, 2], [3, 4]].floor_div_array(&array![1, 2, 3]);
    }

    #[test]
    fn casts_report_losses() {
        let c = array![1.5, -2.0, 1e10, f64::NAN].cast::<i32>();
        assert_eq!(c.array, array![1, -2, i32::MAX, 0]);
        assert_eq!(c.report(), "cast f64 → i32: 1 truncated, 1 overflowed, 1 NaN (of 4 values)");
        assert_eq!(array![300i32, -1].cast::<u8>().array, array![44u8, 255]);
        assert_eq!(array![300i32, -1].cast::<u8>().overflowed, 2);
        assert_eq!(array![1i64 << 53, (1 << 53) + 1].cast::<f64>().rounded, 1);
        assert_eq!(array![0.1f64].cast::<f32>().rounded, 1);
        assert_eq!(array![1e300f64].cast::<f32>().overflowed, 1);
        assert_eq!(array![true, false].cast::<f64>().array, array![1.0, 0.0]);
        assert_eq!(array![2, 0].cast::<bool>().truncated, 1);
        assert!(array![1, 2].cast::<f64>().is_lossless());
        assert_eq!(array![1, 2].cast::<f64>().report(), "cast i32 → f64: lossless (2 values)");
    }

    #[test]
    fn outer_and_dtype() {
        assert_eq!(outer(&array![1.0, 2.0], &array![3.0]), array![[3.0], [6.0]]);
        assert_eq!(array![1u8].dtype(), "u8");
        assert_eq!(dtype_of(&array![1.0f32].view()), "f32");
        assert_eq!(arange(0.0, 1.0, 0.5), array![0.0, 0.5]);
    }
}
