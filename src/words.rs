//! The small phrases several renderers print, spelled in one place so that they read the
//! same everywhere: shapes and strides as Python tuples (`(2, 3)`, `(3,)`), and lists of
//! counts (`1 NaN, 2 +inf`).
//!
//! A leaf module: the explainers, badges and reports that only need these phrases do not
//! depend on the array formatter ([`crate::text`]) for them.

use std::fmt::Display;

/// A shape as a Python-style tuple: `(2, 3)`, `(3,)`, `()`.
pub fn shape_tuple(shape: &[usize]) -> String {
    tuple(shape)
}

/// Any list as a Python-style tuple, with the trailing comma of a 1-tuple: `(8, -1)`,
/// `(8,)`, `()`.
pub fn tuple<T: Display>(items: &[T]) -> String {
    match items {
        [n] => format!("({n},)"),
        _ => format!("({})", items.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(", ")),
    }
}

/// The nonzero counts, each followed by what it counts, joined with commas:
/// `counts(&[(1, "NaN"), (0, "+inf"), (2, "-inf")])` is `1 NaN, 2 -inf`.
pub fn counts(counted: &[(usize, &str)]) -> String {
    let parts: Vec<String> = counted.iter().filter(|(n, _)| *n > 0).map(|(n, what)| format!("{n} {what}")).collect();
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tuples_and_counts() {
        assert_eq!(shape_tuple(&[2, 3]), "(2, 3)");
        assert_eq!(shape_tuple(&[]), "()");
        assert_eq!(tuple(&[8isize]), "(8,)");
        assert_eq!(tuple(&[8isize, -1]), "(8, -1)");
        assert_eq!(counts(&[(1, "NaN"), (0, "+inf"), (2, "-inf")]), "1 NaN, 2 -inf");
        assert_eq!(counts(&[(0, "NaN")]), "");
    }
}
