//! The `text/html` view of an array (filled in by the next commit).

use ndarray::{ArrayBase, Data, Dimension};

use crate::dtype::DType;

/// Renders `a` as an HTML fragment.
pub fn array_html<A: DType, S: Data<Elem = A>, D: Dimension>(a: &ArrayBase<S, D>) -> String {
    crate::display::pre_html(&crate::text::array_text(a))
}
