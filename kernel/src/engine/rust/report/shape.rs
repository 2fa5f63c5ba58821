//! Explaining a shape mismatch that panicked, and the other panics a beginner meets with
//! arrays by what they are: a reshape by its element counts, an index by the valid range,
//! `unwrap()` on the `None` of an empty `mean()`, an integer that overflowed. Where no
//! explanation fits, the panic's own text stands alone.
//!
//! ndarray's panic for `&a + &b` with shapes that do not broadcast says only
//! "incompatible shapes". Variables from earlier cells survive a panic, so the operands of
//! the cell's arithmetic can be evaluated again: each `x op y` of the cell (in order) is
//! given to the prelude's `explain_broadcast` in a probe cell, and the first pair that
//! does not broadcast is the one that failed.

use jupyter_protocol::{Media, MediaType};

use crate::engine::rust::RustEngine;
use crate::syntax::cell::arithmetic_operands;

/// Most operand pairs tried when explaining a shape error (each try compiles a cell).
const MAX_SHAPE_PROBES: usize = 4;

/// What the report says when no probe found the pair that failed.
const ASK_EXPLAIN_BROADCAST: &str = "Two arrays in an arithmetic operation have shapes that do not broadcast. \
     To see why, ask: explain_broadcast(&x, &y)";

/// What the report says when no probe found the pair that failed, for a cell whose code is
/// `code` and that bound `made_here`. A probe can only look at variables that outlived the
/// panic; those the failed cell made itself were dropped with it (NumPy's habit: the arrays
/// and the arithmetic in one cell), and the student is told to make them apart first.
pub fn broadcast_advice(code: &str, made_here: &[String]) -> String {
    let pairs: Vec<(String, String)> = arithmetic_operands(code).into_iter().take(MAX_SHAPE_PROBES).collect();
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut dropped: Vec<&str> = Vec::new();
    let mut first = None;
    for (lhs, rhs) in &pairs {
        for word in lhs.split(|c| !is_ident(c)).chain(rhs.split(|c| !is_ident(c))) {
            if let Some(name) = made_here.iter().find(|n| n.as_str() == word) {
                first.get_or_insert((lhs, rhs));
                if !dropped.contains(&name.as_str()) {
                    dropped.push(name);
                }
            }
        }
    }
    let Some((lhs, rhs)) = first else { return ASK_EXPLAIN_BROADCAST.to_string() };
    let names = dropped.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>();
    let (names, were, they, them, cell) = match names.as_slice() {
        [one] => (one.clone(), "was", "it", "it", "a cell of its own"),
        [init @ .., last] => (format!("{} and {last}", init.join(", ")), "were", "they", "them", "a cell of their own"),
        [] => unreachable!("a pair was found through a name"),
    };
    format!(
        "Two arrays in an arithmetic operation have shapes that do not broadcast. \
         {names} {were} made in this cell, so {they} went with it when it failed, and the kernel could not look at {them}: \
         make {them} in {cell}, then run the arithmetic again to see which shapes do not broadcast and why \
         (or ask: explain_broadcast(&{lhs}, &{rhs}))."
    )
}

/// Whether a panic message is ndarray's (or the prelude's) shape mismatch.
pub fn is_shape_panic(message: &str) -> bool {
    message.contains("IncompatibleShape") || message.contains("could not broadcast")
}

/// The methods that reshape an array; their failure is a reshape's, never broadcasting's.
const RESHAPES: &[&str] = &["into_shape_with_order", "into_shape_clone", "to_shape", "into_shape"];

impl RustEngine {
    /// Advice for a panic that is a known beginner's mistake, said by what it is.
    pub(in crate::engine::rust) fn panic_advice(&mut self, code: &str, message: &str) -> Option<String> {
        if message.contains("IncompatibleShape") {
            let (method, receiver, shape) = reshape_call(code)?;
            let probe = format!(
                "{{ let d = ndarray::IntoDimension::into_dimension({shape}); format!(\"{{}} {{}}\", (&({receiver})).len(), ndarray::Dimension::size(&d)) }}"
            );
            let counts = self.run_hidden(&probe).and_then(|media| {
                media.content.iter().find_map(|m| match m {
                    MediaType::Plain(t) => {
                        let t = t.trim().trim_matches('"');
                        let (have, want) = t.split_once(' ')?;
                        Some((have.parse::<usize>().ok()?, want.parse::<usize>().ok()?))
                    }
                    _ => None,
                })
            });
            return Some(reshape_advice(&method, &shape, counts));
        }
        plain_panic_advice(code, message)
    }
}

/// The reshape a cell calls: the method, its receiver and its shape argument, as typed.
fn reshape_call(code: &str) -> Option<(String, String, String)> {
    for method in RESHAPES {
        let Some(at) = code.find(&format!(".{method}(")) else { continue };
        let args_start = at + method.len() + 2;
        let mut depth = 1;
        let mut args_end = None;
        for (i, c) in code[args_start..].char_indices() {
            match c {
                '(' | '[' => depth += 1,
                ')' | ']' => {
                    depth -= 1;
                    if depth == 0 {
                        args_end = Some(args_start + i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let shape = code[args_start..args_end?].trim().to_string();
        // The receiver: back from the `.` over names, paths, calls and indexing.
        let before = &code[..at];
        let mut depth = 0;
        let mut start = 0;
        for (i, c) in before.char_indices().rev() {
            match c {
                ')' | ']' => depth += 1,
                '(' | '[' => {
                    if depth == 0 {
                        start = i + 1;
                        break;
                    }
                    depth -= 1;
                }
                c if depth > 0 || c.is_alphanumeric() || "_.:&".contains(c) => {}
                _ => {
                    start = i + c.len_utf8();
                    break;
                }
            }
        }
        let receiver = before[start..].trim().to_string();
        if receiver.is_empty() {
            return None;
        }
        return Some((method.to_string(), receiver, shape));
    }
    None
}

/// What a failed reshape says: the counts when the probe found them (elements, places).
pub fn reshape_advice(method: &str, shape: &str, counts: Option<(usize, usize)>) -> String {
    match counts {
        Some((have, want)) => {
            let pairs: Vec<String> =
                (1..=have).filter(|k| have % k == 0).map(|k| format!("({k}, {})", have / k)).take(4).collect();
            format!(
                "This is a reshape, not broadcasting: `{method}({shape})` asks for {want} places, and the array has {have} elements. \
                 A reshape keeps every element, so the new shape must hold exactly {have}{}.",
                if pairs.is_empty() { String::new() } else { format!(", e.g. {}", pairs.join(" or ")) }
            )
        }
        None => {
            // The array may be gone (the reshape took it by value), but the places asked
            // for are in the text when the shape is written with numbers.
            let dims: Vec<usize> =
                shape.trim_matches(['(', ')', '[', ']']).split(',').filter_map(|d| d.trim().parse().ok()).collect();
            let asked = shape.trim_matches(['(', ')', '[', ']']).split(',').filter(|d| !d.trim().is_empty()).count();
            if !dims.is_empty() && dims.len() == asked {
                let places: usize = dims.iter().product();
                let product = dims.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(" × ");
                format!(
                    "This is a reshape, not broadcasting: `{method}({shape})` asks for {product} = {places} places, and the array does not have {places} elements. \
                     A reshape keeps every element, so the new shape must hold exactly as many as the array (`len()`)."
                )
            } else {
                format!(
                    "This is a reshape, not broadcasting: `{method}({shape})` needs a shape that holds exactly as many elements as the array has (`len()`)."
                )
            }
        }
    }
}

/// Advice for the panics that need nothing but their text and the cell's.
pub fn plain_panic_advice(code: &str, message: &str) -> Option<String> {
    if let Some(rest) = message.strip_prefix("ndarray: index ") {
        let (index, shape) = rest.split_once(" is out of bounds for array of shape ")?;
        let dims: Vec<usize> =
            shape.trim_matches(['[', ']']).split(',').filter_map(|d| d.trim().parse().ok()).collect();
        if dims.contains(&0) {
            return Some(format!("The array has shape {shape}: it is empty, so no index is valid."));
        }
        if dims.len() == 1 {
            let last = dims[0] - 1;
            return Some(format!(
                "Valid indices of an array of shape {shape} are 0 to {last}: {index} is past the end. \
                 Indices start at 0, so the last element is `[{last}]` (NumPy's `[-1]` is `[len() - 1]`)."
            ));
        }
        let lasts: Vec<String> = dims.iter().map(|d| (d - 1).to_string()).collect();
        let zeros: Vec<&str> = dims.iter().map(|_| "0").collect();
        return Some(format!(
            "Valid indices of an array of shape {shape} run from [{}] to [{}], one per axis: {index} is outside.",
            zeros.join(", "),
            lasts.join(", ")
        ));
    }
    if let Some(rest) = message.strip_prefix("index out of bounds: the len is ") {
        let (len, index) = rest.split_once(" but the index is ")?;
        let len: usize = len.trim().parse().ok()?;
        return Some(if len == 0 {
            "The list is empty, so no index is valid.".to_string()
        } else {
            format!(
                "Valid indices are 0 to {last}: {} is past the end. Indices start at 0, so the last element is `[{last}]`.",
                index.trim(),
                last = len - 1
            )
        });
    }
    if message.contains("called `Option::unwrap()` on a `None` value") && code.contains(".mean()") {
        return Some(
            "`mean()` is `None` for an empty array, and `unwrap()` met that `None`: check `is_empty()` first, or write `.mean().unwrap_or(0.0)`."
                .into(),
        );
    }
    if let Some(op) = message.strip_prefix("attempt to ").and_then(|m| m.strip_suffix(" with overflow")) {
        let what = match op {
            "subtract" => "an unsigned integer (`usize`, `u8`, `u32`) cannot go below 0, and this result would",
            _ => "the result does not fit in its integer type (`u8` holds 0 to 255, `i32` about ±2.1 billion)",
        };
        let verb = match op {
            "add" | "subtract" | "multiply" => &op[..3.min(op.len())],
            _ => "add",
        };
        let verb = match verb {
            "sub" => "sub",
            "mul" => "mul",
            _ => "add",
        };
        return Some(format!(
            "Integer overflow: {what}. Use a wider type (`i64`, or `f64`; for an array, `a.mapv(|x| x as i64)`), \
             or, for one number, say what should happen: `checked_{verb}` (gives `None`), `wrapping_{verb}` (wraps around), \
             `saturating_{verb}` (stops at the limit)."
        ));
    }
    None
}
impl RustEngine {
    /// The explanation's text and its picture for the first pair of `code`'s operands that
    /// does not broadcast, if a probe finds one.
    pub(in crate::engine::rust) fn explain_shape_panic(&mut self, code: &str) -> Option<(String, Media)> {
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

    #[test]
    fn arrays_made_in_the_failed_cell_are_named_with_what_to_do() {
        let made = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        let code = "let a = array![[1.0, 2.0], [3.0, 4.0]];\nlet b = array![1.0, 2.0, 3.0];\n&a + &b";
        assert_eq!(
            broadcast_advice(code, &made(&["a", "b"])),
            "Two arrays in an arithmetic operation have shapes that do not broadcast. \
             `a` and `b` were made in this cell, so they went with it when it failed, and the kernel could not look at them: \
             make them in a cell of their own, then run the arithmetic again to see which shapes do not broadcast and why \
             (or ask: explain_broadcast(&a, &b))."
        );
        let one = broadcast_advice("let w = array![1.0, 2.0];\nlet y = x.dot(&m) + w;", &made(&["w", "y"]));
        assert!(one.contains("`w` was made in this cell, so it went with it"), "{one}");
        assert!(one.contains("make it in a cell of its own, then"), "{one}");
        assert!(one.ends_with("(or ask: explain_broadcast(&x.dot(&m), &w))."), "{one}");
        // Operands that outlived the panic were probed already: the general advice.
        assert_eq!(broadcast_advice("&a + &b", &made(&["c"])), ASK_EXPLAIN_BROADCAST);
    }

    #[test]
    fn a_failed_reshape_is_explained_by_its_element_counts() {
        let code = "let r = Array::range(0., 6., 1.).into_shape_with_order((4, 2)).unwrap(); r";
        let (method, receiver, shape) = reshape_call(code).unwrap();
        assert_eq!(
            (method.as_str(), receiver.as_str(), shape.as_str()),
            ("into_shape_with_order", "Array::range(0., 6., 1.)", "(4, 2)")
        );
        assert_eq!(
            reshape_advice(&method, &shape, Some((6, 8))),
            "This is a reshape, not broadcasting: `into_shape_with_order((4, 2))` asks for 8 places, and the array has 6 elements. \
             A reshape keeps every element, so the new shape must hold exactly 6, e.g. (1, 6) or (2, 3) or (3, 2) or (6, 1)."
        );
        assert_eq!(reshape_call("let b = (&a + 1.0).to_shape((3, 3)).unwrap();").unwrap().1, "(&a + 1.0)");
        // Without the counts (the array was moved into the reshape), the places asked for.
        assert_eq!(
            reshape_advice("into_shape_with_order", "(4, 2)", None),
            "This is a reshape, not broadcasting: `into_shape_with_order((4, 2))` asks for 4 × 2 = 8 places, and the array does not have 8 elements. \
             A reshape keeps every element, so the new shape must hold exactly as many as the array (`len()`)."
        );
    }

    #[test]
    fn an_index_out_of_bounds_names_the_valid_range() {
        assert_eq!(
            plain_panic_advice("", "ndarray: index 5 is out of bounds for array of shape [3]").unwrap(),
            "Valid indices of an array of shape [3] are 0 to 2: 5 is past the end. Indices start at 0, so the last element is `[2]` (NumPy's `[-1]` is `[len() - 1]`)."
        );
        assert_eq!(
            plain_panic_advice("", "ndarray: index [2, 0] is out of bounds for array of shape [2, 2]").unwrap(),
            "Valid indices of an array of shape [2, 2] run from [0, 0] to [1, 1], one per axis: [2, 0] is outside."
        );
        assert_eq!(
            plain_panic_advice("", "index out of bounds: the len is 3 but the index is 10").unwrap(),
            "Valid indices are 0 to 2: 10 is past the end. Indices start at 0, so the last element is `[2]`."
        );
        assert_eq!(plain_panic_advice("a.sum()", "boom"), None);
        // `unwrap()` on `None` is the empty `mean()` only when the cell calls `mean()`.
        assert!(plain_panic_advice("e.mean().unwrap()", "called `Option::unwrap()` on a `None` value").is_some());
        assert_eq!(plain_panic_advice("v.first().unwrap()", "called `Option::unwrap()` on a `None` value"), None);
    }
}
