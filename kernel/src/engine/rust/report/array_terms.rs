//! Compiler messages in array terms, for the kernel to apply to a cell's compile errors.
//!
//! rustc spells ndarray types in full: `ArrayBase<OwnedRepr<f64>, Dim<[usize; 2]>>` is
//! what a student wrote as `Array2<f64>`. [`shorten_types`] rewrites them back to the
//! aliases, and [`hint`] adds one line for the errors beginners hit with arrays. Both
//! are pure functions on text, so the kernel can call them without compiling anything;
//! they live in the kernel because cells never need them.

/// Path prefixes rustc may print before ndarray and std type names.
const PATH_PREFIXES: &[&str] = &[
    // Cells see ndarray through the prelude's re-export, and rustc names it that way.
    "ndplay::prelude::ndarray::",
    "ndplay::prelude::",
    "ndarray::data_repr::",
    "ndarray::dimension::dim::",
    "ndarray::dimension::dynindeximpl::",
    "ndarray::dimension::",
    "ndarray::",
    "alloc::string::",
    "std::string::",
];

/// Rewrites full ndarray types to the aliases students write: `Array2<f64>`,
/// `ArrayView1<i32>`, `ArrayViewMut2<f64>`, `ArcArray1<u8>`, `ArrayD<f64>`,
/// `CowArray2<f64>`. Types it does not recognise are left alone.
///
/// ```
/// use ndplay_kernel::engine::rust::report::array_terms::shorten_types;
/// assert_eq!(
///     shorten_types("expected `ndarray::ArrayBase<ndarray::OwnedRepr<f64>, ndarray::Dim<[usize; 2]>>`"),
///     "expected `Array2<f64>`"
/// );
/// ```
pub fn shorten_types(message: &str) -> String {
    let mut s = message.to_string();
    for p in PATH_PREFIXES {
        s = s.replace(p, "");
    }
    // Replace the last `ArrayBase<` first: its arguments cannot contain another one, so
    // nested types (an array of arrays, `Vec<ArrayBase<..>>`) shorten inside out.
    let mut search_end = s.len();
    while let Some(start) = s[..search_end].rfind("ArrayBase<") {
        let args_start = start + "ArrayBase<".len();
        let Some(args_end) = matching_angle(&s, args_start) else { break };
        if let Some(short) = short_array(&s[args_start..args_end]) {
            s.replace_range(start..=args_end, &short);
        }
        search_end = start;
    }
    s
}

/// The index of the `>` that closes the `<` just before `from`.
fn matching_angle(s: &str, from: usize) -> Option<usize> {
    let mut depth = 1usize;
    for (i, c) in s[from..].char_indices() {
        match c {
            '<' | '[' | '(' => depth += 1,
            ']' | ')' => depth -= 1,
            '>' => {
                depth -= 1;
                if depth == 0 {
                    return Some(from + i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Splits at top-level commas.
fn split_args(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut last = 0;
    for (i, c) in s.char_indices() {
        match c {
            '<' | '[' | '(' => depth += 1,
            '>' | ']' | ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(s[last..i].trim());
                last = i + 1;
            }
            _ => {}
        }
    }
    parts.push(s[last..].trim());
    parts
}

/// `OwnedRepr<f64>, Dim<[usize; 2]>` → `Array2<f64>`. ndarray 0.17 adds the element type
/// as a third parameter (`ArrayBase<OwnedRepr<f64>, Dim<[usize; 2]>, f64>`); it repeats
/// what the storage says and is dropped.
fn short_array(args: &str) -> Option<String> {
    let parts = split_args(args);
    let (storage, dim) = match parts.as_slice() {
        [storage, dim] | [storage, dim, _] => (storage, dim),
        _ => return None,
    };
    let dim = if let Some(rest) = dim.strip_prefix("Dim<[usize; ") {
        rest.strip_suffix("]>")?.to_string()
    } else if *dim == "Dim<IxDynImpl>" || *dim == "IxDyn" {
        "D".to_string()
    } else {
        return None;
    };
    let inner = |prefix: &str| storage.strip_prefix(prefix).and_then(|r| r.strip_suffix('>'));
    let (base, elem) = if let Some(t) = inner("OwnedRepr<") {
        ("Array", t.to_string())
    } else if let Some(t) = inner("OwnedArcRepr<") {
        ("ArcArray", t.to_string())
    } else if let Some(t) = inner("ViewRepr<") {
        // `&'a mut T`, `&mut T`, `&'a T`, `&T`.
        let t = t.strip_prefix('&')?;
        let t = match t.strip_prefix('\'') {
            Some(r) => r.split_once(' ')?.1,
            None => t,
        };
        match t.strip_prefix("mut ") {
            Some(t) => ("ArrayViewMut", t.to_string()),
            None => ("ArrayView", t.to_string()),
        }
    } else if let Some(t) = inner("CowRepr<") {
        let t = split_args(t).last()?.to_string();
        ("CowArray", t)
    } else {
        return None;
    };
    Some(format!("{base}{dim}<{elem}>"))
}

/// One line of advice for the compile errors beginners hit with arrays, if `message`
/// (a rustc error, shortened or not) looks like one.
pub fn hint(message: &str) -> Option<&'static str> {
    let m = shorten_types(message);
    let has_float = m.contains("<f64>")
        || m.contains("<f32>")
        || m.contains("`f64`")
        || m.contains("`f32`")
        || m.contains("{float}");
    let has_int =
        ["<i32>", "<i64>", "<u8>", "<usize>", "`i32`", "`i64`", "`usize`", "{integer}"].iter().any(|t| m.contains(t));
    if m.contains("value moved") || m.contains("use of moved value") || m.contains("borrow of moved value") {
        return Some(
            "an array moves when it is assigned (`let c = a;`), passed by value, or used in `a + b`; borrow it instead (`&a`, `&a + &b`) or copy it with `.clone()`",
        );
    }
    if (m.contains("cannot add")
        || m.contains("cannot subtract")
        || m.contains("cannot multiply")
        || m.contains("cannot divide")
        || m.contains("mismatched types"))
        && has_float
        && has_int
    {
        return Some(
            "arrays of different element types do not mix: write float literals as `1.0`, or convert with `a.mapv(|x| x as f64)` / `a.cast::<f64>()`",
        );
    }
    if (m.contains("cannot add")
        || m.contains("cannot subtract")
        || m.contains("cannot multiply")
        || m.contains("cannot divide"))
        && m.contains('&')
    {
        return Some("arithmetic between two arrays works on references: `&a + &b` (or `a + &b`, which consumes `a`)");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortens_every_storage() {
        assert_eq!(shorten_types("ArrayBase<OwnedRepr<f64>, Dim<[usize; 2]>>"), "Array2<f64>");
        assert_eq!(shorten_types("ArrayBase<ViewRepr<&'a i32>, Dim<[usize; 1]>>"), "ArrayView1<i32>");
        assert_eq!(shorten_types("ArrayBase<ViewRepr<&mut f32>, Dim<[usize; 3]>>"), "ArrayViewMut3<f32>");
        assert_eq!(shorten_types("ArrayBase<OwnedArcRepr<u8>, Dim<IxDynImpl>>"), "ArcArrayD<u8>");
        assert_eq!(shorten_types("ArrayBase<CowRepr<'_, f64>, Dim<[usize; 2]>>"), "CowArray2<f64>");
        assert_eq!(
            shorten_types(
                "Vec<ndarray::ArrayBase<ndarray::OwnedRepr<alloc::string::String>, ndarray::Dim<[usize; 1]>>>"
            ),
            "Vec<Array1<String>>"
        );
        assert_eq!(shorten_types("ArrayBase<S, D>"), "ArrayBase<S, D>");
        assert_eq!(shorten_types("ArrayBase<OwnedRepr<f64>"), "ArrayBase<OwnedRepr<f64>");
    }

    #[test]
    fn hints() {
        let mixed =
            "cannot add `&ArrayBase<OwnedRepr<i32>, Dim<[usize; 1]>>` to `&ArrayBase<OwnedRepr<f64>, Dim<[usize; 1]>>`";
        assert!(hint(mixed).unwrap().starts_with("arrays of different element types"));
        let by_value =
            "cannot add `ArrayBase<OwnedRepr<f64>, Dim<[usize; 1]>>` to `&ArrayBase<OwnedRepr<f64>, Dim<[usize; 1]>>`";
        assert!(hint(by_value).unwrap().starts_with("arithmetic between two arrays works on references"));
        assert!(hint("borrow of moved value: `a`").unwrap().contains("&a + &b"));
        let prelude_path = "cannot add `ndplay::prelude::ArrayBase<OwnedRepr<{float}>, ndplay::prelude::Dim<[usize; 1]>, {float}>` to `ndplay::prelude::ArrayBase<OwnedRepr<{integer}>, ndplay::prelude::Dim<[usize; 1]>, {integer}>`";
        assert_eq!(shorten_types(prelude_path), "cannot add `Array1<{float}>` to `Array1<{integer}>`");
        assert!(hint(prelude_path).unwrap().starts_with("arrays of different element types"));
        assert_eq!(hint("expected `;`"), None);
    }
}
