//! The health of an array's values: all finite, some NaN, or some infinite.
//!
//! The badge says only what the values show: *finite* or *not finite*, and then how many
//! NaN and infinities. It never names a state of lesson 1's lifecycle that the values
//! cannot prove: a fresh `linspace` (*Initialized*) and a layer holding 4e115 are as
//! finite as a trained model (*Converged*). What it can tell apart is the two ways out:
//! a NaN (0/0, inf − inf: the *Error* state, red) and an infinity with no NaN (overflow, a
//! loss that exploded: the *Diverged* state, orange). NaN wins over infinity because it is
//! the harder one to recover from: once there, it spreads through every operation.

use ndarray::{ArrayBase, Data, Dimension};

use crate::display::{MimeBundle, Render, MIME_HTML};
use crate::dtype::{DType, Finiteness};
use crate::escape::escape_html;
use crate::words::counts;

/// The verdict on an array's values; see the module docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthState {
    /// Every value is finite (which is not to say converged: a fresh array is finite too).
    Finite,
    /// At least one NaN: lesson 1's *Error* state.
    Nan,
    /// At least one ±infinity and no NaN: lesson 1's *Diverged* state.
    Infinite,
}

/// Counts of non-finite values in an array, made by [`health`]. Displays as a badge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Health {
    /// Number of elements looked at.
    pub len: usize,
    /// Number of NaNs.
    pub nan: usize,
    /// Number of `+inf`.
    pub pos_inf: usize,
    /// Number of `-inf`.
    pub neg_inf: usize,
}

/// Checks every value of `a` for NaN and infinity.
///
/// ```
/// use ndplay::prelude::*;
/// let h = health(&array![1.0, f64::NAN, f64::INFINITY]);
/// assert_eq!(h.summary(), "✗ Not finite: 1 NaN, 1 +inf of 3 values");
/// ```
pub fn health<A: DType, S: Data<Elem = A>, D: Dimension>(a: &ArrayBase<S, D>) -> Health {
    let mut h = Health { len: a.len(), nan: 0, pos_inf: 0, neg_inf: 0 };
    if A::KIND == crate::dtype::Kind::Float {
        // Most arrays are all finite: one fast pass over contiguous memory settles that
        // (a 1000×1000 array in well under a millisecond) before anything is counted.
        if let Some(values) = a.as_slice_memory_order() {
            if values.iter().all(DType::is_finite_value) {
                return h;
            }
        }
        for v in a.iter() {
            match v.finiteness() {
                Finiteness::Finite => {}
                Finiteness::Nan => h.nan += 1,
                Finiteness::PosInf => h.pos_inf += 1,
                Finiteness::NegInf => h.neg_inf += 1,
            }
        }
    }
    h
}

impl Health {
    /// Finite, NaN (at least one) or infinite (at least one, and no NaN).
    pub fn state(&self) -> HealthState {
        if self.nan > 0 {
            HealthState::Nan
        } else if self.pos_inf + self.neg_inf > 0 {
            HealthState::Infinite
        } else {
            HealthState::Finite
        }
    }

    /// Whether every value is finite.
    pub fn is_finite(&self) -> bool {
        self.state() == HealthState::Finite
    }

    /// One line: `✓ Finite: all 6 values`, `✗ Not finite: 2 NaN of 6 values`,
    /// `✗ Not finite: 1 -inf of 6 values`.
    pub fn summary(&self) -> String {
        let values = if self.len == 1 { "value" } else { "values" };
        match self.state() {
            HealthState::Finite if self.len == 0 => "✓ Finite: no values".to_string(),
            HealthState::Finite if self.len == 1 => "✓ Finite: 1 value".to_string(),
            HealthState::Finite => format!("✓ Finite: all {} values", self.len),
            _ => {
                let found = counts(&[(self.nan, "NaN"), (self.pos_inf, "+inf"), (self.neg_inf, "-inf")]);
                format!("✗ Not finite: {found} of {} {values}", self.len)
            }
        }
    }

    /// The badge as an inline-styled HTML `<span>`: green (finite), red (NaN) or orange
    /// (inf), from JupyterLab's theme colours with fallbacks.
    pub fn badge_html(&self) -> String {
        let background = match self.state() {
            HealthState::Finite => "var(--jp-success-color1, #388e3c)",
            HealthState::Nan => "var(--jp-error-color1, #d32f2f)",
            HealthState::Infinite => "var(--jp-warn-color1, #f57c00)",
        };
        format!(
            "<span style=\"background:{background};color:var(--jp-ui-inverse-font-color0, #fff);\
             border-radius:3px;padding:1px 6px;white-space:nowrap\">{}</span>",
            escape_html(&self.summary())
        )
    }
}

impl Render for Health {
    fn mime_bundle(&self) -> MimeBundle {
        MimeBundle::new(self.summary()).with(MIME_HTML, self.badge_html())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::prelude::*;

    #[test]
    fn verdicts() {
        assert_eq!(health(&array![1.0, 2.0]).summary(), "✓ Finite: all 2 values");
        assert_eq!(health(&arr0(4e115)).summary(), "✓ Finite: 1 value");
        assert_eq!(health(&array![1, 2, 3]).state(), HealthState::Finite);
        let both = health(&array![f64::INFINITY, -f64::INFINITY]);
        assert_eq!(
            (both.state(), both.summary().as_str()),
            (HealthState::Infinite, "✗ Not finite: 1 +inf, 1 -inf of 2 values")
        );
        let nan = health(&array![f32::NAN, f32::INFINITY]);
        assert_eq!(
            (nan.state(), nan.summary().as_str()),
            (HealthState::Nan, "✗ Not finite: 1 NaN, 1 +inf of 2 values")
        );
        assert_eq!(health(&Array1::<f64>::zeros(0)).summary(), "✓ Finite: no values");
    }

    #[test]
    fn badge_snapshot() {
        assert_eq!(
            health(&array![0.0, f64::NAN]).badge_html(),
            "<span style=\"background:var(--jp-error-color1, #d32f2f);color:var(--jp-ui-inverse-font-color0, #fff);\
             border-radius:3px;padding:1px 6px;white-space:nowrap\">✗ Not finite: 1 NaN of 2 values</span>"
        );
    }
}
