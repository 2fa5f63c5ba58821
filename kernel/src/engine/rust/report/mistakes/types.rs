//! Mistakes of types: an index that is not a `usize` (or one index for two axes), floats
//! that have no order, the `Option` of `mean()`, a reference for a value, numbers of two
//! types, overflow, and arithmetic between a `Vec`, integers and floats.

use super::text::{operands, receiver, trailing_name};
use super::{Mistake, Place};

/// A negative index, which NumPy counts from the end.
pub(super) fn negative_index(at: &Place) -> Option<String> {
    let r = trailing_name(at.before().trim_end().trim_end_matches('['), "a");
    Some(format!("indices are `usize`, never negative: NumPy's `{r}[-1]` is `{r}[{r}.len() - 1]` (or `{r}.last()`)"))
}

/// One index into a 2-D array, or an index of the wrong integer type.
pub(super) fn array_index(m: &Mistake, at: &Place) -> Option<String> {
    let marked = at.marked();
    let message = m.message;
    let quoted = m.quoted();
    let r = trailing_name(at.before().trim_end().trim_end_matches('['), "a");
    let axes = message.split("Dim<[usize; ").nth(1).and_then(|s| s.split(']').next()).unwrap_or("2");
    if (message.contains("`{integer}: NdIndex") || message.contains("`usize: NdIndex")) && axes != "1" {
        return Some(format!(
            "`{r}` has {axes} axes, so one index is not enough: `{r}[[{marked}, j]]` for an element, `{r}.row({marked})` for a row"
        ));
    }
    let ty = quoted.first().and_then(|q| q.split(':').next()).unwrap_or("i32");
    Some(format!(
        "indices are `usize` in Rust, and `{marked}` is an `{ty}`: write `{r}[{marked} as usize]` (or make `{marked}` a `usize`)"
    ))
}

/// An index of the wrong integer type into a slice or a `Vec`.
pub(super) fn list_index(m: &Mistake, at: &Place) -> Option<String> {
    let marked = at.marked();
    let quoted = m.quoted();
    let ty = quoted.get(1).copied().unwrap_or("i32");
    let r = trailing_name(at.before().trim_end().trim_end_matches('['), "v");
    Some(format!(
        "indices are `usize` in Rust, and `{marked}` is an `{ty}`: write `{r}[{marked} as usize]` (or make `{marked}` a `usize`)"
    ))
}

/// Floats have no total order.
pub(super) fn float_order(at: &Place) -> Option<String> {
    let marked = at.marked();
    let r = receiver(&at.before());
    let fix = match marked.as_str() {
        "sort" | "sort_unstable" => format!("`{r}.sort_by(f64::total_cmp)`"),
        "min" => format!("`{r}.iter().copied().fold(f64::INFINITY, f64::min)`"),
        _ => format!("`{r}.iter().copied().fold(f64::NEG_INFINITY, f64::max)`"),
    };
    Some(format!(
        "floats have no total order (NaN is neither bigger nor smaller), so `{marked}` is not defined for them: {fix}"
    ))
}

/// `mean()` is an Option.
pub(super) fn mean_option(at: &Place) -> Option<String> {
    if let Some(i) = at.line.find(".mean()") {
        let r = receiver(&at.line[..i]);
        return Some(format!(
            "`{r}.mean()` is `None` for an empty array, so it returns an `Option`: write `{r}.mean().unwrap()`"
        ));
    }
    None
}

/// A reference where a value is wanted, or the other way round, or a number of another type.
pub(super) fn mismatched(m: &Mistake, at: &Place) -> Option<String> {
    let marked = at.marked();
    let expected_found = m.all.lines().find_map(|l| {
        let q: Vec<&str> = l.split('`').skip(1).step_by(2).collect();
        (l.starts_with("expected `") && q.len() == 2).then(|| (q[0].to_string(), q[1].to_string()))
    });
    if let Some((expected, found)) = expected_found {
        if expected.strip_prefix('&') == Some(found.as_str())
            || (expected.starts_with("&Array") && found.starts_with("Array"))
        {
            return Some(format!(
                "this takes a reference (`{expected}`), and `{marked}` is the array itself: lend it with `&{marked}` (it stays yours)"
            ));
        }
        let number = |t: &str| ["f32", "f64", "i32", "i64", "u8", "u32", "u64", "usize", "isize"].contains(&t);
        if number(&expected) && number(&found) {
            return Some(format!(
                "Rust never converts `{found}` to `{expected}` by itself: write `{marked} as {expected}`{}",
                if expected == "f32" { " (which rounds to f32's precision)" } else { "" }
            ));
        }
        if found.strip_prefix('&') == Some(expected.as_str()) {
            let bare = marked.trim_start_matches('&');
            return Some(format!(
                "this takes the array itself (`{expected}`), and `{marked}` is a reference: pass `{bare}` (it moves), or `{bare}.to_owned()` for a copy"
            ));
        }
    }
    None
}

/// Overflow found at compile time.
pub(super) fn overflow() -> Option<String> {
    Some(
        "the result does not fit in the integer type (`u8` holds 0 to 255, unsigned types no negatives): use a wider or signed type (`i32`, `i64`), or `checked_add`/`checked_sub`, which give `None` instead".into(),
    )
}

/// A literal too large for its type `ty`.
pub(super) fn out_of_range(ty: &str, at: &Place) -> Option<String> {
    let marked = at.marked();
    Some(format!(
        "`{marked}` does not fit in a `{ty}` (`{ty}::MAX` is the largest): use a wider type, e.g. `u16` or `i32`"
    ))
}

/// Arithmetic (`verb`: `add`, `divide`, …) between types that have none.
pub(super) fn arithmetic(m: &Mistake, at: &Place, verb: &str) -> Option<String> {
    let marked = at.marked();
    let quoted = m.quoted();
    let (lhs, rhs) = operands(at);
    // Each hint below names both operands but one; without their names, the generic
    // hint of `array_terms` says it better than a guess.
    let named = !lhs.is_empty() && !rhs.is_empty();
    let op = marked.trim();
    let (first, second) = if verb == "add" {
        // `cannot add `B` to `A``: the left operand's type is named second.
        (quoted.get(1).copied().unwrap_or(""), quoted.first().copied().unwrap_or(""))
    } else {
        (quoted.first().copied().unwrap_or(""), quoted.get(1).copied().unwrap_or(""))
    };
    if first.contains("Vec<") && second.contains("Vec<") && named {
        return Some(format!(
            "a `Vec` is a list, not an array: it has no arithmetic. Make them arrays: `Array1::from({lhs}.clone()) {op} Array1::from({rhs}.clone())`"
        ));
    }
    if first.contains("Vec<") && named {
        return Some(format!(
            "a `Vec` is a list, not an array: it has no arithmetic. Make it an array: `Array1::from({lhs}.clone()) {op} {rhs}`"
        ));
    }
    if first.contains("Option<") {
        return Some(format!("`mean()` and friends return an `Option`: `.unwrap()` it before `{op}`"));
    }
    let elem = |t: &str| -> String {
        let t = t.trim_start_matches('&');
        match t.split_once('<') {
            Some((base, rest)) if base.starts_with("Array") => rest.trim_end_matches('>').to_string(),
            _ => t.to_string(),
        }
    };
    let (a, b) = (elem(first), elem(second));
    let is_float = |t: &str| t == "f64" || t == "f32" || t == "{float}";
    let is_int = |t: &str| t == "{integer}" || t.starts_with('i') || t.starts_with('u');
    if is_float(&a) && is_float(&b) && a != b && a != "{float}" && b != "{float}" && named {
        return Some(format!(
            "`{lhs}` holds `{a}` and `{rhs}` holds `{b}`: both sides of `{op}` need the same element type, e.g. `{lhs}.mapv(|x| x as {b})`"
        ));
    }
    if is_int(&a) && is_float(&b) && named {
        let to = if b == "f32" { "f32" } else { "f64" };
        let literal = rhs.parse::<f64>().is_ok();
        return Some(if a == "usize" {
            format!(
                "`{rhs}` is a float and the other side a `usize` (a length or an index): convert it, `{lhs} as f64`"
            )
        } else if literal {
            format!("`{lhs}` holds integers and `{rhs}` is a float: write `{lhs}`'s numbers as floats (`1.0`), or `{lhs}.mapv(|x| x as {to}) {op} {rhs}`")
        } else if first.trim_start_matches('&').starts_with("Array") {
            format!("`{lhs}` holds integers and `{rhs}` floats; Rust never converts between them by itself: `{lhs}.mapv(|x| x as {to})`")
        } else {
            format!("`{lhs}` is an integer and `{rhs}` a float; Rust never converts between them by itself: `{lhs} as {to}`")
        });
    }
    if is_float(&a) && is_int(&b) && b == "usize" && !rhs.is_empty() {
        return Some(format!(
            "`{rhs}` is a `usize` (a length or an index) and the other side a float: convert it, `{rhs} as f64`"
        ));
    }
    if is_float(&a) && is_int(&b) && named {
        return Some(if rhs.chars().all(|c| c.is_ascii_digit()) {
            format!("`{rhs}` is an integer and `{lhs}` holds floats; Rust never converts between them by itself: write `{rhs}.0`")
        } else if second.trim_start_matches('&').starts_with("Array") {
            format!("`{rhs}` holds integers and `{lhs}` floats: convert it, `{rhs}.mapv(|x| x as f64)`")
        } else {
            format!("`{rhs}` is an integer and `{lhs}` holds floats: convert it, `{rhs} as f64`")
        });
    }
    None
}
