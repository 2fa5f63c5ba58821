//! What a cell does: `use ndplay::prelude::*;` and then `(expr).evcxr_display()` on the
//! last expression. These tests only need the calls to *compile* for every element type
//! and dimension the contract promises; the rendering itself is tested in the modules.

use ndplay::prelude::*;

macro_rules! displays {
    ($($t:ty),*) => {$(
        {
            let a: Array2<$t> = Array2::default((2, 2));
            a.evcxr_display();
            a.view().evcxr_display();
            a.t().evcxr_display();
            a.clone().into_dyn().evcxr_display();
            a.to_shared().evcxr_display();
            arr0(<$t>::default()).evcxr_display();
            Array6::<$t>::default((1, 1, 1, 1, 1, 2)).evcxr_display();
            (&a).evcxr_display();
            assert!(a.mime_bundle().get("text/html").is_some());
        }
    )*};
}

#[test]
fn every_dtype_and_dimension_resolves_evcxr_display() {
    displays!(bool, i8, i16, i32, i64, isize, u8, u16, u32, u64, usize, f32, f64, String);
    Array3::<f64>::zeros((2, 2, 2)).evcxr_display();
    Array4::<f64>::zeros((2, 2, 2, 2)).evcxr_display();
    Array5::<f64>::zeros((2, 2, 2, 2, 2)).evcxr_display();
    let mut m = array![1.0, 2.0];
    m.view_mut().evcxr_display();
    CowArray::from(m.view()).evcxr_display();
    Html("<b>x</b>".into()).evcxr_display();
    Svg("<svg/>".into()).evcxr_display();
    Markdown("*x*".into()).evcxr_display();
}
