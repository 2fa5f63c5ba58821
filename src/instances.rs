//! Generic code that cells use all the time, instantiated once here so that cells reuse it.
//!
//! A cell that writes `&a * 2.0 + 1.0` for an `Array1<f64>` needs ndarray's `Mul` and `Add`
//! for that type, monomorphised. rustc shares generic instances across crates when both the
//! crate that has the instance and the crate that needs it are built below opt-level 2:
//! the kernel builds this prelude at opt-level 1 and cells at opt-level 1 (see the kernel's
//! `engine/rust/build/setup.rs`). But an instance is only there to share if something in the
//! prelude made it: that is this module. Each function below is non-generic and public, so
//! the prelude compiles it (and everything generic it calls) once; a cell that needs the
//! same instance links to it instead of compiling it again. Measured: the 20 benchmark
//! cells compile in about half the time, and the shared instances run at nearly the speed
//! of opt-level 3 (docs/performance.md).
//!
//! Nothing calls these functions. What belongs here is what cells instantiate most —
//! displaying arrays, arithmetic with arrays and scalars, reductions, the variable store's
//! `take`/`put` — for the element types and dimensions lessons use. A cell's own closures
//! (`mapv(|v| …)`) cannot be shared: each closure is a type of its own.

#![allow(missing_docs)]

use ndarray::prelude::*;
use ndarray::{OwnedRepr, ViewRepr};

use crate::cell::Store;
use crate::display::{MimeBundle, Render};

/// What every array of every element type is used for.
macro_rules! any_element {
    ($m:ident, $t:ty) => {
        pub mod $m {
            use super::*;
            type T = $t;
            pub fn render0(a: &Array0<T>) -> MimeBundle {
                a.mime_bundle()
            }
            pub fn render1(a: &Array1<T>) -> MimeBundle {
                a.mime_bundle()
            }
            pub fn render2(a: &Array2<T>) -> MimeBundle {
                a.mime_bundle()
            }
            pub fn render3(a: &Array3<T>) -> MimeBundle {
                a.mime_bundle()
            }
            pub fn render_dyn(a: &ArrayD<T>) -> MimeBundle {
                a.mime_bundle()
            }
            pub fn render_view1(a: &ArrayView1<T>) -> MimeBundle {
                a.mime_bundle()
            }
            pub fn render_view2(a: &ArrayView2<T>) -> MimeBundle {
                a.mime_bundle()
            }
            pub fn show1(a: &Array1<T>) {
                crate::cell::show_rendered(a)
            }
            pub fn show2(a: &Array2<T>) {
                crate::cell::show_rendered(a)
            }
            pub fn show3(a: &Array3<T>) {
                crate::cell::show_rendered(a)
            }
            pub fn show_view1(a: &ArrayView1<T>) {
                crate::cell::show_rendered(a)
            }
            pub fn show_view2(a: &ArrayView2<T>) {
                crate::cell::show_rendered(a)
            }
            pub fn take1(s: &mut Store) -> Array1<T> {
                s.take("")
            }
            pub fn take2(s: &mut Store) -> Array2<T> {
                s.take("")
            }
            pub fn take3(s: &mut Store) -> Array3<T> {
                s.take("")
            }
            pub fn put1(s: &mut Store, a: Array1<T>) {
                s.put("", a)
            }
            pub fn put2(s: &mut Store, a: Array2<T>) {
                s.put("", a)
            }
            pub fn put3(s: &mut Store, a: Array3<T>) {
                s.put("", a)
            }
            pub fn type_ids() -> [std::any::TypeId; 3] {
                use std::any::TypeId;
                [TypeId::of::<Array1<T>>(), TypeId::of::<Array2<T>>(), TypeId::of::<Array3<T>>()]
            }
            pub fn clone1(a: &Array1<T>) -> Array1<T> {
                a.clone()
            }
            pub fn clone2(a: &Array2<T>) -> Array2<T> {
                a.clone()
            }
            pub fn to_owned_view1(a: &ArrayView1<T>) -> Array1<T> {
                a.to_owned()
            }
            pub fn to_owned_view2(a: &ArrayView2<T>) -> Array2<T> {
                a.to_owned()
            }
            pub fn to_owned2(a: &Array2<T>) -> Array2<T> {
                a.to_owned()
            }
            pub fn view2(a: &Array2<T>) -> ArrayView2<'_, T> {
                a.view()
            }
            pub fn t2(a: &Array2<T>) -> ArrayView2<'_, T> {
                a.t()
            }
            pub fn slice1(a: &Array1<T>) -> ArrayView1<'_, T> {
                a.slice(s![1..3])
            }
            pub fn slice2(a: &Array2<T>) -> ArrayView2<'_, T> {
                a.slice(s![.., 1..3])
            }
            pub fn slice2_rows(a: &Array2<T>) -> ArrayView2<'_, T> {
                a.slice(s![1.., ..])
            }
            pub fn column(a: &Array2<T>) -> ArrayView1<'_, T> {
                a.column(1)
            }
            pub fn row(a: &Array2<T>) -> ArrayView1<'_, T> {
                a.row(1)
            }
            pub fn from_vec(v: Vec<T>) -> Array1<T> {
                Array1::from(v)
            }
            pub fn from_rows2(v: Vec<[T; 2]>) -> Array2<T> {
                Array2::from(v)
            }
            pub fn from_rows3(v: Vec<[T; 3]>) -> Array2<T> {
                Array2::from(v)
            }
            pub fn from_rows4(v: Vec<[T; 4]>) -> Array2<T> {
                Array2::from(v)
            }
            pub fn from_shape_vec2(v: Vec<T>) -> Array2<T> {
                Array2::from_shape_vec((2, 3), v).unwrap()
            }
            pub fn into_shape2(a: Array1<T>) -> Array2<T> {
                a.into_shape_with_order((3, 4)).unwrap()
            }
            pub fn into_dyn2(a: Array2<T>) -> ArrayD<T> {
                a.into_dyn()
            }
            pub fn insert_axis1(a: Array1<T>) -> Array2<T> {
                a.insert_axis(Axis(1))
            }
            pub fn insert_axis2(a: Array2<T>) -> Array3<T> {
                a.insert_axis(Axis(0))
            }
            pub fn index1(a: &Array1<T>) -> &T {
                &a[0]
            }
            pub fn index2(a: &Array2<T>) -> &T {
                &a[[0, 0]]
            }
            pub fn shape2(a: &Array2<T>) -> Vec<usize> {
                a.shape().to_vec()
            }
            pub fn iter_collect2(a: &Array2<T>) -> Vec<T> {
                a.iter().cloned().collect()
            }
            pub fn drop1(a: Array1<T>) {
                drop(a)
            }
            pub fn drop2(a: Array2<T>) {
                drop(a)
            }
            pub fn drop3(a: Array3<T>) {
                drop(a)
            }
            pub fn health1(a: &Array1<T>) -> crate::health::Health {
                crate::health::health(a)
            }
            pub fn health2(a: &Array2<T>) -> crate::health::Health {
                crate::health::health(a)
            }
            pub fn diagram1(a: &Array1<T>) -> crate::diagram::ShapeDiagram {
                crate::diagram::shape_diagram(a)
            }
            pub fn diagram2(a: &Array2<T>) -> crate::diagram::ShapeDiagram {
                crate::diagram::shape_diagram(a)
            }
            pub fn explain_broadcast22(a: &Array2<T>, b: &Array2<T>) -> crate::explain::BroadcastExplanation {
                crate::explain::explain_broadcast(a, b)
            }
            pub fn explain_broadcast21(a: &Array2<T>, b: &Array1<T>) -> crate::explain::BroadcastExplanation {
                crate::explain::explain_broadcast(a, b)
            }
            pub fn explain_dot22(a: &Array2<T>, b: &Array2<T>) -> crate::explain::DotExplanation {
                crate::explain::explain_dot(a, b)
            }
            pub fn explain_dot11(a: &Array1<T>, b: &Array1<T>) -> crate::explain::DotExplanation {
                crate::explain::explain_dot(a, b)
            }
        }
    };
}

/// Arithmetic and reductions, for numbers.
macro_rules! number {
    ($m:ident, $t:ty) => {
        pub mod $m {
            use super::*;
            type T = $t;
            pub fn add_rr1(a: &Array1<T>, b: &Array1<T>) -> Array1<T> {
                a + b
            }
            pub fn sub_rr1(a: &Array1<T>, b: &Array1<T>) -> Array1<T> {
                a - b
            }
            pub fn mul_rr1(a: &Array1<T>, b: &Array1<T>) -> Array1<T> {
                a * b
            }
            pub fn div_rr1(a: &Array1<T>, b: &Array1<T>) -> Array1<T> {
                a / b
            }
            pub fn add_rr2(a: &Array2<T>, b: &Array2<T>) -> Array2<T> {
                a + b
            }
            pub fn sub_rr2(a: &Array2<T>, b: &Array2<T>) -> Array2<T> {
                a - b
            }
            pub fn mul_rr2(a: &Array2<T>, b: &Array2<T>) -> Array2<T> {
                a * b
            }
            pub fn div_rr2(a: &Array2<T>, b: &Array2<T>) -> Array2<T> {
                a / b
            }
            pub fn add_rr21(a: &Array2<T>, b: &Array1<T>) -> Array2<T> {
                a + b
            }
            pub fn sub_rr21(a: &Array2<T>, b: &Array1<T>) -> Array2<T> {
                a - b
            }
            pub fn mul_rr21(a: &Array2<T>, b: &Array1<T>) -> Array2<T> {
                a * b
            }
            pub fn div_rr21(a: &Array2<T>, b: &Array1<T>) -> Array2<T> {
                a / b
            }
            pub fn add_oo2(a: Array2<T>, b: Array2<T>) -> Array2<T> {
                a + b
            }
            pub fn add_or1(a: Array1<T>, b: &Array1<T>) -> Array1<T> {
                a + b
            }
            pub fn add_or2(a: Array2<T>, b: &Array2<T>) -> Array2<T> {
                a + b
            }
            pub fn add_or21(a: Array2<T>, b: &Array1<T>) -> Array2<T> {
                a + b
            }
            pub fn sub_or1(a: Array1<T>, b: &Array1<T>) -> Array1<T> {
                a - b
            }
            pub fn sub_or2(a: Array2<T>, b: &Array2<T>) -> Array2<T> {
                a - b
            }
            pub fn div_or2(a: Array2<T>, b: &Array2<T>) -> Array2<T> {
                a / b
            }
            pub fn add_rs1(a: &Array1<T>, s: T) -> Array1<T> {
                a + s
            }
            pub fn sub_rs1(a: &Array1<T>, s: T) -> Array1<T> {
                a - s
            }
            pub fn mul_rs1(a: &Array1<T>, s: T) -> Array1<T> {
                a * s
            }
            pub fn div_rs1(a: &Array1<T>, s: T) -> Array1<T> {
                a / s
            }
            pub fn add_os1(a: Array1<T>, s: T) -> Array1<T> {
                a + s
            }
            pub fn mul_os1(a: Array1<T>, s: T) -> Array1<T> {
                a * s
            }
            pub fn div_os1(a: Array1<T>, s: T) -> Array1<T> {
                a / s
            }
            pub fn add_rs2(a: &Array2<T>, s: T) -> Array2<T> {
                a + s
            }
            pub fn sub_rs2(a: &Array2<T>, s: T) -> Array2<T> {
                a - s
            }
            pub fn mul_rs2(a: &Array2<T>, s: T) -> Array2<T> {
                a * s
            }
            pub fn div_rs2(a: &Array2<T>, s: T) -> Array2<T> {
                a / s
            }
            pub fn add_os2(a: Array2<T>, s: T) -> Array2<T> {
                a + s
            }
            pub fn sub_os2(a: Array2<T>, s: T) -> Array2<T> {
                a - s
            }
            pub fn mul_os2(a: Array2<T>, s: T) -> Array2<T> {
                a * s
            }
            pub fn div_os2(a: Array2<T>, s: T) -> Array2<T> {
                a / s
            }
            pub fn add_view2(a: &ArrayView2<T>, b: &ArrayView2<T>) -> Array2<T> {
                a + b
            }
            pub fn sum1(a: &Array1<T>) -> T {
                a.sum()
            }
            pub fn sum2(a: &Array2<T>) -> T {
                a.sum()
            }
            pub fn sum_view1(a: &ArrayView1<T>) -> T {
                a.sum()
            }
            pub fn sum_axis2(a: &Array2<T>, axis: usize) -> Array1<T> {
                a.sum_axis(Axis(axis))
            }
            pub fn sum_axis3(a: &Array3<T>, axis: usize) -> Array2<T> {
                a.sum_axis(Axis(axis))
            }
            pub fn mean1(a: &Array1<T>) -> Option<T> {
                a.mean()
            }
            pub fn mean2(a: &Array2<T>) -> Option<T> {
                a.mean()
            }
            pub fn mean_axis2(a: &Array2<T>, axis: usize) -> Option<Array1<T>> {
                a.mean_axis(Axis(axis))
            }
            pub fn product1(a: &Array1<T>) -> T {
                a.product()
            }
            pub fn mapv1(a: &Array1<T>, f: fn(T) -> T) -> Array1<T> {
                a.mapv(f)
            }
            pub fn mapv2(a: &Array2<T>, f: fn(T) -> T) -> Array2<T> {
                a.mapv(f)
            }
            pub fn mapv_into2(a: Array2<T>, f: fn(T) -> T) -> Array2<T> {
                a.mapv_into(f)
            }
            pub fn dot11(a: &Array1<T>, b: &Array1<T>) -> T {
                a.dot(b)
            }
            pub fn dot22(a: &Array2<T>, b: &Array2<T>) -> Array2<T> {
                a.dot(b)
            }
            pub fn dot21(a: &Array2<T>, b: &Array1<T>) -> Array1<T> {
                a.dot(b)
            }
            pub fn dot2v(a: &Array2<T>, b: &ArrayView2<T>) -> Array2<T> {
                a.dot(b)
            }
            pub fn zeros1(n: usize) -> Array1<T> {
                Array1::zeros(n)
            }
            pub fn zeros2(n: usize, m: usize) -> Array2<T> {
                Array2::zeros((n, m))
            }
            pub fn zeros3(n: usize, m: usize, k: usize) -> Array3<T> {
                Array3::zeros((n, m, k))
            }
            pub fn ones1(n: usize) -> Array1<T> {
                Array1::ones(n)
            }
            pub fn ones2(n: usize, m: usize) -> Array2<T> {
                Array2::ones((n, m))
            }
            pub fn outer1(a: &Array1<T>, b: &Array1<T>) -> Array2<T> {
                crate::ops::outer(a, b)
            }
            pub fn fold_max(a: &Array2<T>, f: fn(T, T) -> T, init: T) -> T {
                a.iter().cloned().fold(init, f)
            }
        }
    };
}

/// What only floating point arrays do.
macro_rules! float {
    ($m:ident, $t:ty) => {
        pub mod $m {
            use super::*;
            type T = $t;
            pub fn linspace(a: T, b: T, n: usize) -> Array1<T> {
                Array1::linspace(a, b, n)
            }
            pub fn std_axis2(a: &Array2<T>, axis: usize) -> Array1<T> {
                a.std_axis(Axis(axis), 0.0)
            }
            pub fn sqrt1(a: &Array1<T>) -> Array1<T> {
                a.mapv(<T>::sqrt)
            }
            pub fn sqrt2(a: &Array2<T>) -> Array2<T> {
                a.mapv(<T>::sqrt)
            }
            pub fn exp2(a: &Array2<T>) -> Array2<T> {
                a.mapv(<T>::exp)
            }
            pub fn max_fold(a: &Array2<T>) -> T {
                a.iter().cloned().fold(<T>::NEG_INFINITY, <T>::max)
            }
        }
    };
}

any_element!(any_f64, f64);
any_element!(any_f32, f32);
any_element!(any_i32, i32);
any_element!(any_i64, i64);
any_element!(any_usize, usize);
any_element!(any_u8, u8);
any_element!(any_bool, bool);
number!(number_f64, f64);
number!(number_f32, f32);
number!(number_i32, i32);
number!(number_i64, i64);
float!(float_f64, f64);
float!(float_f32, f32);

/// Casts between the element types lessons mix, and values cells end with most.
pub mod mixed {
    use super::*;
    pub fn int_to_float2(a: &Array2<i32>, f: fn(i32) -> f64) -> Array2<f64> {
        a.mapv(f)
    }
    pub fn cast_i32_f64(a: &Array2<i32>) -> crate::ops::Cast<f64, Ix2> {
        crate::ops::ArrayExt::cast::<f64>(a)
    }
    pub fn cast_f64_f32(a: &Array2<f64>) -> crate::ops::Cast<f32, Ix2> {
        crate::ops::ArrayExt::cast::<f32>(a)
    }
    pub fn range_i32(n: i32) -> Array1<i32> {
        Array::from_iter(0..n)
    }
    pub fn range_i32_2(n: i32) -> Array2<i32> {
        Array::from_iter(0..n).into_shape_with_order((3, 4)).unwrap()
    }
    pub fn show_f64(v: &f64) {
        crate::cell::show_rendered(v)
    }
    pub fn show_i32(v: &i32) {
        crate::cell::show_rendered(v)
    }
    pub fn show_usize(v: &usize) {
        crate::cell::show_rendered(v)
    }
    pub fn show_bool(v: &bool) {
        crate::cell::show_rendered(v)
    }
    pub fn show_vec_usize(v: &Vec<usize>) {
        crate::cell::show_rendered(v)
    }
    pub fn show_vec_f64(v: &Vec<f64>) {
        crate::cell::show_rendered(v)
    }
    pub fn show_str(v: &&str) {
        crate::cell::show_rendered(v)
    }
    pub fn show_string(v: &String) {
        crate::cell::show_rendered(v)
    }
    pub fn show_debug_tuple(v: &(usize, usize)) {
        crate::cell::show_rendered(v)
    }
    pub fn take_f64(s: &mut Store) -> f64 {
        s.take("")
    }
    pub fn take_i32(s: &mut Store) -> i32 {
        s.take("")
    }
    pub fn take_usize(s: &mut Store) -> usize {
        s.take("")
    }
    pub fn take_vec_f64(s: &mut Store) -> Vec<f64> {
        s.take("")
    }
    pub fn take_view1(s: &mut Store) -> ArrayBase<OwnedRepr<f64>, Ix1> {
        s.take("")
    }
    pub fn put_f64(s: &mut Store, v: f64) {
        s.put("", v)
    }
    pub fn put_i32(s: &mut Store, v: i32) {
        s.put("", v)
    }
    pub fn put_usize(s: &mut Store, v: usize) {
        s.put("", v)
    }
    pub fn put_vec_f64(s: &mut Store, v: Vec<f64>) {
        s.put("", v)
    }
    pub fn put_vec_usize(s: &mut Store, v: Vec<usize>) {
        s.put("", v)
    }
    pub fn render_view_of_view(a: &ArrayBase<ViewRepr<&f64>, Ix2>) -> MimeBundle {
        a.mime_bundle()
    }
}
