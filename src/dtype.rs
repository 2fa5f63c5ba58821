//! Element types: their names, their "default-ness", and how a column of them is printed.
//!
//! NumPy calls the element type of an array its *dtype*. In Rust it is the type parameter
//! `A` of `Array<A, D>`; [`DType`] gives it a name (`f64`, `i32`, `String`, ...) and the
//! formatting rules that need to look at many values at once (NumPy picks one float
//! precision and one width for a whole array so that columns line up).
//!
//! **Default dtypes.** The text repr names the dtype only when it is not the default,
//! as NumPy does. Our defaults are the types a student gets without writing a type:
//! `f64` (Rust's float literal fallback, and NumPy's `float64`), `i32` (Rust's integer
//! literal fallback: `array![1, 2]` is `Array1<i32>`), and `bool`. Everything else
//! (`i64`, `f32`, `u8`, `String`, ...) is named, so a student who wrote `array![1i64]`
//! or cast to `f32` sees it.

use std::fmt::{Display, LowerExp};

/// Numbers NumPy would print in fixed notation stay fixed below this magnitude.
pub const FLOAT_EXP_ABOVE: f64 = 1e8;
/// Nonzero magnitudes below this switch the whole array to scientific notation.
pub const FLOAT_EXP_BELOW: f64 = 1e-4;
/// A ratio of largest to smallest nonzero magnitude above this also switches to
/// scientific notation (NumPy's rule), so small values are not printed as `0.`.
pub const FLOAT_EXP_RATIO: f64 = 1e3;
/// The most digits after the decimal point a float is printed with (NumPy's default
/// `precision=8`).
pub const FLOAT_MAX_PRECISION: usize = 8;
/// Strings longer than this (in characters) are cut and end with `…` in the text and
/// HTML views, so one huge element cannot flood the notebook.
pub const MAX_STR_CHARS: usize = 40;

/// Whether a value is finite, for the health badge (non-float types are always finite).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finiteness {
    /// An ordinary value.
    Finite,
    /// Not a number.
    Nan,
    /// Positive infinity.
    PosInf,
    /// Negative infinity.
    NegInf,
}

/// The broad family of an element type; decides alignment and which helpers apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `bool`.
    Bool,
    /// Signed integers `i8`…`i64`, `isize`.
    Int,
    /// Unsigned integers `u8`…`u64`, `usize`.
    UInt,
    /// `f32`, `f64`.
    Float,
    /// `String`.
    Str,
}

/// An element type ndplay can display: bool, i8…i64, isize, u8…u64, usize, f32, f64,
/// String.
///
/// Implemented by ndplay for those types only; the methods are what the renderers need.
pub trait DType: Clone + 'static {
    /// The Rust name of the type, used as the dtype: `"f64"`, `"i32"`, `"String"`.
    const NAME: &'static str;
    /// The family of the type.
    const KIND: Kind;
    /// Whether the text repr leaves the dtype out (see the module docs).
    const IS_DEFAULT: bool;

    /// Finite, NaN or infinite.
    fn finiteness(&self) -> Finiteness {
        Finiteness::Finite
    }

    /// `finiteness() == Finite`, as one comparison the compiler can vectorise: the health
    /// check of a large array scans every element with this first.
    fn is_finite_value(&self) -> bool {
        true
    }

    /// The value as `f64` for plots and colour scales, if it is a number (bools are 0/1).
    fn to_f64(&self) -> Option<f64>;

    /// Formats a column of values so they can be printed aligned: every returned string
    /// has the same width in characters. The choice of notation and precision looks at
    /// all values (that is how NumPy keeps `1.  , 2.5 ` aligned).
    fn format_column(values: &[&Self]) -> Vec<String>;
}

/// Pads every string to the widest one, on the left (`right = true`) or right.
fn pad_all(strings: Vec<String>, right_align: bool) -> Vec<String> {
    let width = strings.iter().map(|s| s.chars().count()).max().unwrap_or(0);
    strings
        .into_iter()
        .map(|s| {
            let pad = " ".repeat(width - s.chars().count());
            if right_align {
                pad + &s
            } else {
                s + &pad
            }
        })
        .collect()
}

macro_rules! int_dtype {
    ($($t:ty => $kind:ident, $default:expr;)*) => {$(
        impl DType for $t {
            const NAME: &'static str = stringify!($t);
            const KIND: Kind = Kind::$kind;
            const IS_DEFAULT: bool = $default;
            fn to_f64(&self) -> Option<f64> {
                Some(*self as f64)
            }
            fn format_column(values: &[&Self]) -> Vec<String> {
                pad_all(values.iter().map(|v| v.to_string()).collect(), true)
            }
        }
    )*};
}

int_dtype! {
    i8 => Int, false; i16 => Int, false; i32 => Int, true; i64 => Int, false;
    isize => Int, false;
    u8 => UInt, false; u16 => UInt, false; u32 => UInt, false; u64 => UInt, false;
    usize => UInt, false;
}

impl DType for bool {
    const NAME: &'static str = "bool";
    const KIND: Kind = Kind::Bool;
    const IS_DEFAULT: bool = true;
    fn to_f64(&self) -> Option<f64> {
        Some(if *self { 1.0 } else { 0.0 })
    }
    fn format_column(values: &[&Self]) -> Vec<String> {
        // NumPy's spelling, so `[ True, False]` reads the same in both courses.
        pad_all(values.iter().map(|v| if **v { "True" } else { "False" }.to_string()).collect(), true)
    }
}

impl DType for String {
    const NAME: &'static str = "String";
    const KIND: Kind = Kind::Str;
    const IS_DEFAULT: bool = false;
    fn to_f64(&self) -> Option<f64> {
        None
    }
    fn format_column(values: &[&Self]) -> Vec<String> {
        pad_all(values.iter().map(|v| quote_str(v)).collect(), false)
    }
}

/// A string as a Rust literal (`"a\nb"`: escapes keep it on one line), cut to
/// [`MAX_STR_CHARS`].
pub fn quote_str(s: &str) -> String {
    if s.chars().count() > MAX_STR_CHARS {
        let cut: String = s.chars().take(MAX_STR_CHARS).collect();
        let quoted = format!("{cut:?}");
        format!("{}…\"", &quoted[..quoted.len() - 1])
    } else {
        format!("{s:?}")
    }
}

macro_rules! float_dtype {
    ($($t:ty => $default:expr;)*) => {$(
        impl DType for $t {
            const NAME: &'static str = stringify!($t);
            const KIND: Kind = Kind::Float;
            const IS_DEFAULT: bool = $default;
            fn finiteness(&self) -> Finiteness {
                if self.is_nan() {
                    Finiteness::Nan
                } else if self.is_infinite() {
                    if *self > 0.0 { Finiteness::PosInf } else { Finiteness::NegInf }
                } else {
                    Finiteness::Finite
                }
            }
            fn is_finite_value(&self) -> bool {
                self.is_finite()
            }
            fn to_f64(&self) -> Option<f64> {
                Some(*self as f64)
            }
            fn format_column(values: &[&Self]) -> Vec<String> {
                // One notation for the whole column (NumPy's rule); each value then
                // gets its own digits (see `FloatParts::of`).
                let abs: Vec<f64> = values
                    .iter()
                    .filter(|v| v.is_finite() && ***v != 0.0)
                    .map(|v| (**v as f64).abs())
                    .collect();
                let max = abs.iter().cloned().fold(0.0, f64::max);
                let min = abs.iter().cloned().fold(f64::INFINITY, f64::min);
                let exp = !abs.is_empty()
                    && (max >= FLOAT_EXP_ABOVE || min < FLOAT_EXP_BELOW || max / min > FLOAT_EXP_RATIO);
                let parts: Vec<FloatParts> = values
                    .iter()
                    .map(|v| {
                        if v.is_nan() {
                            FloatParts::Special("nan")
                        } else if v.is_infinite() {
                            FloatParts::Special(if **v > 0.0 { "inf" } else { "-inf" })
                        } else {
                            FloatParts::of(**v, exp)
                        }
                    })
                    .collect();
                format_float_parts(parts, exp)
            }
        }
    )*};
}

float_dtype! { f32 => false; f64 => true; }

/// The digits after the decimal point, in fixed (`2.25`) or scientific (`2.25e-5`)
/// notation.
fn frac_digits(s: &str) -> usize {
    let mantissa = s.split(['e', 'E']).next().unwrap_or("");
    mantissa.split_once('.').map(|(_, f)| f.len()).unwrap_or(0)
}

/// A float split for alignment: integer part (with sign), fraction digits (trailing
/// zeros removed), and exponent for scientific notation.
enum FloatParts {
    Num { int: String, frac: String, exp: Option<i32> },
    Special(&'static str),
}

impl FloatParts {
    /// The parts of a finite `v`, in scientific notation if `exp`. Each value is described
    /// by its own shortest round-trip digits (Rust's `{}`/`{:e}` for its very type, so an
    /// f32 0.1 prints as 0.1, not 0.100000001), capped at [`FLOAT_MAX_PRECISION`] digits.
    fn of<F: Display + LowerExp>(v: F, exp: bool) -> Self {
        let shortest = if exp { format!("{v:e}") } else { format!("{v}") };
        let text = if frac_digits(&shortest) <= FLOAT_MAX_PRECISION {
            shortest
        } else if exp {
            format!("{:.*e}", FLOAT_MAX_PRECISION, v)
        } else {
            format!("{:.*}", FLOAT_MAX_PRECISION, v)
        };
        let (mantissa, exp) = match text.split_once('e') {
            Some((mantissa, exp)) => (mantissa, Some(exp.parse().unwrap_or(0))),
            None => (text.as_str(), None),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        FloatParts::Num { int: int.to_string(), frac: frac.trim_end_matches('0').to_string(), exp }
    }
}

/// NumPy's `maxprec` layout. Fixed notation: integer parts right-aligned, fractions
/// left-aligned and padded with spaces (`1.  `, `2.5 `, `3.25`). Scientific notation:
/// one mantissa precision for all, zero-filled, and exponents of equal width
/// (`1.0e-05`, `1.5e+00`). `nan`/`inf` are right-aligned in the full width.
fn format_float_parts(parts: Vec<FloatParts>, exp: bool) -> Vec<String> {
    let mut int_w = 0;
    let mut frac_w = 0;
    let mut exp_w = 2;
    for p in &parts {
        if let FloatParts::Num { int, frac, exp } = p {
            int_w = int_w.max(int.len());
            frac_w = frac_w.max(frac.len());
            if let Some(e) = exp {
                exp_w = exp_w.max(e.unsigned_abs().to_string().len());
            }
        }
    }
    let strings: Vec<String> = parts
        .into_iter()
        .map(|p| match p {
            FloatParts::Special(s) => s.to_string(),
            FloatParts::Num { int, frac, exp: None } => {
                format!("{int:>int_w$}.{frac:<frac_w$}")
            }
            FloatParts::Num { int, frac, exp: Some(e) } => {
                let sign = if e < 0 { '-' } else { '+' };
                let digits = e.unsigned_abs();
                format!("{int:>int_w$}.{frac:0<frac_w$}e{sign}{digits:0>exp_w$}")
            }
        })
        .collect();
    let _ = exp;
    pad_all(strings, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col<T: DType>(v: &[T]) -> Vec<String> {
        T::format_column(&v.iter().collect::<Vec<_>>())
    }

    #[test]
    fn floats_like_numpy_maxprec() {
        assert_eq!(col(&[1.0, 2.5, 3.25]), ["1.  ", "2.5 ", "3.25"]);
        assert_eq!(col(&[1.0, 2.0]), ["1.", "2."]);
        assert_eq!(
            col(&[1.0 / 3.0, 2.0 / 3.0, 1.0, 4.0 / 3.0]),
            ["0.33333333", "0.66666667", "1.        ", "1.33333333"]
        );
        assert_eq!(col(&[-1.5, 10.0]), ["-1.5", "10. "]);
        assert_eq!(col(&[1.25, f64::NAN, f64::NEG_INFINITY]), ["1.25", " nan", "-inf"]);
        assert_eq!(col(&[0.1f32, 0.3f32]), ["0.1", "0.3"]);
    }

    #[test]
    fn floats_switch_to_scientific_like_numpy() {
        assert_eq!(col(&[1.0, 1e4]), ["1.e+00", "1.e+04"]);
        assert_eq!(col(&[1e-5, 1.5]), ["1.0e-05", "1.5e+00"]);
        assert_eq!(col(&[1e300, -2.0]), [" 1.e+300", "-2.e+000"]);
        assert_eq!(col(&[1.0, 1000.0]), ["   1.", "1000."]);
    }

    #[test]
    fn ints_bools_strings() {
        assert_eq!(col(&[1, 100, -5]), ["  1", "100", " -5"]);
        assert_eq!(col(&[true, false]), [" True", "False"]);
        assert_eq!(col(&["a".to_string(), "b\"c".to_string()]), ["\"a\"   ", "\"b\\\"c\""]);
        assert_eq!(quote_str(&"x".repeat(50)), format!("\"{}…\"", "x".repeat(40)));
    }
}
