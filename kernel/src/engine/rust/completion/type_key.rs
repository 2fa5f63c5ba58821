//! A type as one key, however rustc or a cell wrote it (`ArrayBase<OwnedRepr<f64>,
//! Dim<[usize; 2]>>` and `Array2<f64>` alike), so that a variable's type finds its members
//! in the completion index.

/// A type as one key, however rustc or a cell wrote it: paths, lifetimes and spaces
/// removed, and ndarray's `ArrayBase<OwnedRepr<f64>, Dim<[usize; 2]>>` (how rustc names the
/// type of `array![[1.0]]`) written as the alias a cell writes, `Array2<f64>`.
pub fn canonical(ty: &str) -> String {
    let mut out = String::with_capacity(ty.len());
    let mut chars = ty.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            // A lifetime, and the comma and space after it.
            while chars.peek().is_some_and(|c| c.is_alphanumeric() || *c == '_') {
                chars.next();
            }
            while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
                chars.next();
            }
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    let out = strip_paths(&out);
    array_alias(&out).unwrap_or(out)
}

/// `a::b::C<d::E>` → `C<E>`.
fn strip_paths(ty: &str) -> String {
    let mut out = String::with_capacity(ty.len());
    let mut word = String::new();
    let mut rest = ty;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("::") {
            word.clear();
            rest = &rest[2..];
            continue;
        }
        rest = &rest[c.len_utf8()..];
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            out.push_str(&word);
            word.clear();
            out.push(c);
        }
    }
    out.push_str(&word);
    out
}

/// `ArrayBase<S, D>` or `Array<A, D>` (no spaces, no paths) as its alias.
fn array_alias(ty: &str) -> Option<String> {
    let (head, inner) = ty.split_once('<')?;
    let args = split_top(inner.strip_suffix('>')?);
    let dim = |d: &str| -> Option<String> {
        if let Some(n) = d.strip_prefix("Dim<[usize;").and_then(|d| d.strip_suffix("]>")) {
            return Some(n.to_string());
        }
        match d {
            "Dim<IxDynImpl>" | "IxDyn" => Some("D".into()),
            _ => d.strip_prefix("Ix").filter(|n| n.parse::<u8>().is_ok()).map(str::to_string),
        }
    };
    match (head, args.as_slice()) {
        // ndarray 0.17's third parameter is the element type again, its default.
        ("ArrayBase", [storage, d] | [storage, d, _]) => {
            let (kind, inner) = storage.split_once('<')?;
            let elem = inner.strip_suffix('>')?;
            let (alias, elem) = match kind {
                "OwnedRepr" => ("Array", elem),
                "ViewRepr" => match elem.strip_prefix("&mut") {
                    Some(e) => ("ArrayViewMut", e),
                    None => ("ArrayView", elem.strip_prefix('&')?),
                },
                _ => return None,
            };
            Some(format!("{alias}{}<{elem}>", dim(d)?))
        }
        ("Array" | "ArrayView" | "ArrayViewMut", [elem, d]) => Some(format!("{head}{}<{elem}>", dim(d)?)),
        _ => None,
    }
}

/// Splits at the commas outside brackets.
fn split_top(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in s.char_indices() {
        match c {
            '<' | '[' | '(' => depth += 1,
            '>' | ']' | ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rustcs_names_and_a_cells_aliases_are_one_key() {
        for (ty, key) in [
            ("ArrayBase<OwnedRepr<f64>, Dim<[usize; 1]>>", "Array1<f64>"),
            ("ndarray::ArrayBase<ndarray::OwnedRepr<f64>, ndarray::Dim<[usize; 2]>>", "Array2<f64>"),
            ("ArrayBase<OwnedRepr<f64>, Dim<[usize; 2]>, f64>", "Array2<f64>"),
            ("ArrayBase<OwnedRepr<i32>, Dim<IxDynImpl>>", "ArrayD<i32>"),
            ("ArrayBase<ViewRepr<&'a f64>, Dim<[usize; 1]>>", "ArrayView1<f64>"),
            ("ArrayBase<ViewRepr<&mut f64>, Ix2>", "ArrayViewMut2<f64>"),
            ("Array<f64, Ix3>", "Array3<f64>"),
            ("ArrayView1<'static, f64>", "ArrayView1<f64>"),
            ("Array2<f64>", "Array2<f64>"),
            ("std::vec::Vec<f64>", "Vec<f64>"),
            ("&'static str", "&str"),
            ("alloc::string::String", "String"),
            ("f64", "f64"),
        ] {
            assert_eq!(canonical(ty), key, "{ty}");
        }
    }
}
