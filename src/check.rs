//! `check(&answer, &expected)`: the exercise checker of the lessons.
//!
//! An exercise cell computes an answer; the cell after it calls
//! `check(&answer, &expected)`. The result displays as a green **✓ Correct** badge, or a
//! red **✗ Not yet** badge that says *what* differs — the shape, the dtype, or which
//! values (with the student's value, the expected one and their difference) — instead of
//! an `assert_eq!` panic dump.
//!
//! The rules, NumPy's where NumPy has one:
//!
//! - **Shape** must be equal (no broadcasting: an answer of shape `(3,)` for an expected
//!   `(3, 1)` is wrong, and the badge says so, with a hint when the element count agrees).
//! - **dtype** must be equal: the lesson treats the element type as a contract, so an
//!   `i32` answer to an `f64` exercise fails even where the values happen to agree.
//! - **Values**: integers and bools exactly; as soon as a float is involved, as
//!   `np.allclose` does: `|yours − expected| ≤ ATOL + RTOL·|expected|` ([`ATOL`], [`RTOL`]),
//!   with NaN equal to NaN (`equal_nan=True`) and infinities equal only to themselves.
//!
//! Answers and expected values may be arrays or views of any dimension, or plain numbers
//! (`check(&a.dot(&b), &32)`): anything [`Checkable`]. When the student's code may panic
//! (a shape error, an overflow), [`check_fn`] takes the answer as a closure
//! (`check_fn(|| center(&x), &expected)`) and reports the panic as a failed check.
//!
//! Like every renderer of the prelude, comparing and rendering are pure; the badge is
//! shown by the display machinery (as a cell's last expression, or with `display`).
//!
//! The comparison and its verdict are in `check/compare.rs`, the words and the badge in
//! `check/badge.rs`; everything public is here.

mod badge;
mod compare;

pub use compare::{check, check_fn, Check, Checkable, Mismatch, ATOL, MAX_SHOWN, RTOL};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::ArrayExt;
    use ndarray::prelude::*;

    #[test]
    fn pass_with_float_tolerance() {
        let c = check(&array![[0.1 + 0.2, 1.0]], &array![[0.3, 1.0]]);
        assert!(c.passed());
        assert_eq!(c.text(), "✓ Correct: Array2<f64>, shape (1, 2), all 2 values match");
        assert!(c.html().contains("#388e3c"));
    }

    #[test]
    fn values_differ_lists_them() {
        let c = check(&array![1.0, 2.0, 3.5], &array![1.0, 2.5, 3.0]);
        assert!(!c.passed());
        assert_eq!(
            c.text(),
            "✗ Not yet: 2 of 3 values differ (largest difference 0.5)\n  \
             at [1]: yours 2., expected 2.5 (off by 0.5)\n  \
             at [2]: yours 3.5, expected 3. (off by 0.5)"
        );
        assert!(c.html().contains(
            "<td style=\"padding:1px 8px;text-align:right;font-family:var(--jp-code-font-family, monospace)\">[2]</td>"
        ));
        assert!(c.html().contains("#d32f2f"));
    }

    #[test]
    fn shape_mismatch_with_hints() {
        let c = check(&array![1.0, 2.0, 3.0], &array![[1.0], [2.0], [3.0]]);
        assert_eq!(c.compared, 0);
        assert_eq!(
            c.text(),
            "✗ Not yet: shape (3,), expected shape (3, 1)\n  hint: same number of values (3), different shape: \
             `.insert_axis(Axis(k))` adds a length-1 axis, `.into_shape_with_order(…)` reshapes"
        );
        let t = check(&Array2::<f64>::zeros((2, 3)), &Array2::<f64>::zeros((3, 2)));
        assert!(t.text().contains("`.t()` swaps the axes"));
        let dot = check(&32, &array![[4, 5, 6], [8, 10, 12], [12, 15, 18]]);
        assert!(dot.text().starts_with("✗ Not yet: a single number, expected shape (3, 3)\n  hint: a single number"));
        assert!(check(&array![1, 2], &array![1, 2, 3]).shape_hint().is_none());
    }

    #[test]
    fn dtype_is_a_contract() {
        let c = check(&array![[0, 0], [1, 1]], &array![[0.0, 0.0], [1.0, 1.0]]);
        assert!(!c.passed());
        assert_eq!(c.differing, 0);
        assert_eq!(c.text(), "✗ Not yet: dtype i32, expected f64");
        let truncated = check(&(array![[1, 2], [3, 4]] / 3), &(array![[1.0, 2.0], [3.0, 4.0]] / 3.0));
        assert_eq!(truncated.differing, 3);
        assert!(truncated.text().contains("at [0, 0]: yours 0, expected 0.33333333 (off by 0.33333333)"));
    }

    #[test]
    fn nan_inf_ints_and_scalars() {
        assert!(check(&array![f64::NAN, f64::INFINITY], &array![f64::NAN, f64::INFINITY]).passed());
        let c = check(&array![f64::NAN, 1.0], &array![0.0, f64::INFINITY]);
        assert_eq!(c.differing, 2);
        assert_eq!(c.largest_difference, None);
        assert!(c.text().contains("at [0]: yours nan, expected 0.\n"));
        assert!(!check(&array![100_000_001i64], &array![100_000_000i64]).passed());
        assert!(check(&32, &32).passed());
        assert_eq!(check(&32, &32).text(), "✓ Correct: i32, the value matches");
        assert_eq!(
            check(&31, &32).text(),
            "✗ Not yet: the value differs (largest difference 1)\n  at the value: yours 31, expected 32 (off by 1)"
        );
        assert!(check(&array![true, false].view(), &array![true, false]).passed());
        assert!(check(&array![1.5, 2.5].cast::<i32>(), &array![1, 2]).passed());
    }

    #[test]
    fn long_lists_are_cut() {
        let c = check(&Array2::<i32>::zeros((3, 4)), &Array2::<i32>::ones((3, 4)));
        assert_eq!(c.differing, 12);
        assert_eq!(c.shown.len(), MAX_SHOWN);
        assert_eq!(c.shown[4].index, vec![1, 0]);
        assert!(c.text().ends_with("… and 7 more"));
    }

    #[test]
    fn check_fn_turns_panics_into_failures() {
        let m = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
        let means = m.mean_axis(Axis(1)).unwrap();
        let c = check_fn(|| &m - &means, &array![[-1.0, 0.0, 1.0], [-1.0, 0.0, 1.0]]);
        assert!(!c.passed());
        assert_eq!(
            c.text(),
            "✗ Not yet: your code panicked: called `Result::unwrap()` on an `Err` value: \
             ShapeError/IncompatibleShape: incompatible shapes\n  \
             hint: two operands could not be broadcast together; `explain_broadcast(&a, &b)` shows why"
        );
        let fixed = check_fn(|| &m - &means.clone().insert_axis(Axis(1)), &array![[-1.0, 0.0, 1.0], [-1.0, 0.0, 1.0]]);
        assert!(fixed.passed(), "{}", fixed.text());
        let custom = check_fn(|| -> Array1<i32> { panic!("boom {}", 1) }, &array![1]);
        assert_eq!(custom.summary(), "✗ Not yet: your code panicked: boom 1");
        // The previous hook is back: a later panic is reported as usual (not checkable
        // here beyond not crashing).
        assert!(std::panic::catch_unwind(|| panic!("x")).is_err());
    }

    #[test]
    fn html_escapes() {
        let c = check(&array![1.0], &array![[1.0]]);
        assert!(c.html().contains("…"));
        assert!(!c.html().contains("<script"));
        assert!(c.html().starts_with("<div class=\"ndplay-check\">"));
    }
}
