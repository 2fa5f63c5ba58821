//! The facts about an array that ndarray does not name and the renderers state: its Rust
//! type as a student writes it (`ArrayView2<f64>`) and how its elements sit in memory
//! (NumPy's `flags`).
//!
//! A module of their own, so that the renderers that state them (the HTML view, the
//! exercise checker) depend on these facts only, and not on [`crate::array`], the
//! [`Render`](crate::display::Render) glue that depends on the renderers.

use ndarray::{ArrayBase, Data, Dimension};

use crate::dtype::DType;

/// How an array's elements sit in memory, as NumPy's `flags` would describe it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Row-major and packed (NumPy's default, `C_CONTIGUOUS`).
    CContiguous,
    /// Column-major and packed (`F_CONTIGUOUS`), e.g. the transpose of a C array.
    FContiguous,
    /// Packed in neither order, e.g. a slice with a step or a column of a matrix.
    Strided,
    /// Some axis longer than 1 has stride 0: one stored element is seen many times
    /// (what broadcasting makes; the copies are never allocated).
    Broadcast,
}

impl Layout {
    /// A short human name: `C-contiguous`, `F-contiguous`, `strided`, `broadcast view`.
    pub fn name(self) -> &'static str {
        match self {
            Layout::CContiguous => "C-contiguous",
            Layout::FContiguous => "F-contiguous",
            Layout::Strided => "strided",
            Layout::Broadcast => "broadcast view",
        }
    }
}

/// The layout of `a` (see [`Layout`]). An array that is both C- and F-contiguous (1-D, or
/// with at most one axis longer than 1) is reported as C-contiguous.
pub fn layout_of<S: Data, D: Dimension>(a: &ArrayBase<S, D>) -> Layout {
    let shape = a.shape();
    let strides = a.strides();
    if shape.iter().zip(strides).any(|(&n, &s)| n > 1 && s == 0) {
        Layout::Broadcast
    } else if a.is_standard_layout() {
        Layout::CContiguous
    } else if a.t().is_standard_layout() {
        Layout::FContiguous
    } else {
        Layout::Strided
    }
}

/// The Rust type of an array as a student would write it: `Array2<f64>`,
/// `ArrayView1<i32>`, `ArrayD<f32>`, `ArcArray2<u8>`, `CowArray2<f64>`.
pub fn type_name_of<A: DType, S: Data<Elem = A>, D: Dimension>(_a: &ArrayBase<S, D>) -> String {
    // The storage type's name is the only way to tell an owned array from a view here.
    // `type_name` is not guaranteed stable, so an unknown name falls back to `ArrayBase`.
    let storage = std::any::type_name::<S>();
    let base = if storage.contains("OwnedArcRepr") {
        "ArcArray"
    } else if storage.contains("OwnedRepr") {
        "Array"
    } else if storage.contains("ViewRepr<&mut") {
        "ArrayViewMut"
    } else if storage.contains("ViewRepr<&") {
        "ArrayView"
    } else if storage.contains("CowRepr") {
        "CowArray"
    } else {
        "ArrayBase"
    };
    let dim = match D::NDIM {
        Some(n) => n.to_string(),
        None => "D".to_string(),
    };
    format!("{base}{dim}<{}>", A::NAME)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::prelude::*;

    #[test]
    fn type_names() {
        let a = array![[1.0, 2.0]];
        assert_eq!(type_name_of(&a), "Array2<f64>");
        assert_eq!(type_name_of(&a.view()), "ArrayView2<f64>");
        assert_eq!(type_name_of(&a.row(0)), "ArrayView1<f64>");
        assert_eq!(type_name_of(&a.clone().into_dyn()), "ArrayD<f64>");
        assert_eq!(type_name_of(&a.to_shared()), "ArcArray2<f64>");
        let mut b = array![1u8];
        assert_eq!(type_name_of(&b.view_mut()), "ArrayViewMut1<u8>");
        assert_eq!(type_name_of(&CowArray::from(a.view())), "CowArray2<f64>");
    }

    #[test]
    fn layouts() {
        let a = Array2::<f64>::zeros((2, 3));
        assert_eq!(layout_of(&a), Layout::CContiguous);
        assert_eq!(layout_of(&a.t()), Layout::FContiguous);
        assert_eq!(layout_of(&a.slice(s![.., ..;2])), Layout::Strided);
        assert_eq!(layout_of(&array![1.0, 2.0].broadcast((3, 2)).unwrap()), Layout::Broadcast);
    }
}
