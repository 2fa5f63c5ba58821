//! Explaining a shape mismatch that panicked.
//!
//! ndarray's panic for `&a + &b` with shapes that do not broadcast says only
//! "incompatible shapes". Variables from earlier cells survive a panic, so the operands of
//! the cell's arithmetic can be evaluated again: each `x op y` of the cell (in order) is
//! given to the prelude's `explain_broadcast` in a probe cell, and the first pair that
//! does not broadcast is the one that failed.

use jupyter_protocol::{Media, MediaType};

use super::RustEngine;
use crate::syntax::cell::arithmetic_operands;

/// Most operand pairs tried when explaining a shape error (each try compiles a cell).
const MAX_SHAPE_PROBES: usize = 4;

/// What the report says when no probe found the pair that failed.
pub const ASK_EXPLAIN_BROADCAST: &str = "Two arrays in an arithmetic operation have shapes that do not broadcast. \
     To see why, ask: explain_broadcast(&x, &y)";

/// Whether a panic message is ndarray's (or the prelude's) shape mismatch.
pub fn is_shape_panic(message: &str) -> bool {
    message.contains("IncompatibleShape") || message.contains("could not broadcast")
}

impl RustEngine {
    /// The explanation's text and its picture for the first pair of `code`'s operands that
    /// does not broadcast, if a probe finds one.
    pub(super) fn explain_shape_panic(&mut self, code: &str) -> Option<(String, Media)> {
        for (lhs, rhs) in arithmetic_operands(code).into_iter().take(MAX_SHAPE_PROBES) {
            let Some(media) = self.run_hidden(&format!("explain_broadcast(&({lhs}), &({rhs}))")) else { continue };
            let text = media
                .content
                .iter()
                .find_map(|m| if let MediaType::Plain(t) = m { Some(t.clone()) } else { None })
                .unwrap_or_default();
            if text.starts_with("operands could not be broadcast") {
                return Some((text, media));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_shape_panics() {
        assert!(is_shape_panic(
            "called `Result::unwrap()` on an `Err` value: ShapeError/IncompatibleShape: incompatible shapes"
        ));
        assert!(!is_shape_panic("index out of bounds"));
    }
}
