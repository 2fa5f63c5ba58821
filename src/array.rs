//! [`Render`] for every ndarray array and view: the glue between an array and its two
//! renderers, [`crate::text`] and [`crate::html`].
//!
//! One blanket impl covers owned arrays, views, `ArcArray` and `CowArray` of every
//! dimension (`Ix0`…`Ix6`, `IxDyn`) whose element is a [`DType`]. Through the blanket
//! [`EvcxrDisplay`](crate::display::EvcxrDisplay) impl, that is what makes an array the
//! last expression of a cell show as text and HTML.

use ndarray::{ArrayBase, Data, Dimension};

use crate::display::{MimeBundle, Render, MIME_HTML};
use crate::dtype::DType;

/// The facts about an array lived here before they got [`crate::facts`]; these paths
/// keep working.
pub use crate::facts::{layout_of, type_name_of, Layout};

impl<A, S, D> Render for ArrayBase<S, D>
where
    A: DType,
    S: Data<Elem = A>,
    D: Dimension,
{
    fn mime_bundle(&self) -> MimeBundle {
        MimeBundle::new(crate::text::array_text(self)).with(MIME_HTML, crate::html::array_html(self))
    }
}
