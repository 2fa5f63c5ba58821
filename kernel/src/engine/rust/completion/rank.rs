//! The order the completion index offers a type's members and a path's items in: what a
//! learner reaches for first, then the rest alphabetically, and the expert's and the
//! unsafe last.

use super::completion_index::Entry;

/// The methods a learner reaches for first, in the order offered; every other member
/// follows alphabetically, and those in [`LAST`] after them. One list serves every type:
/// a name a type lacks is skipped. By line: the first things done to an array (and a
/// vector), element-wise and numbers, shape, taking parts, walking, copying, scalars.
pub const LEARNER_FIRST: &str = "\
    sum mean shape dot mapv t len iter map sum_axis mean_axis std var \
    ndim dim dtype is_empty push product std_axis var_axis fold \
    mapv_inplace map_inplace cast powi powf sqrt abs exp ln \
    into_shape_with_order to_shape reshape flatten insert_axis reversed_axes permuted_axes broadcast \
    slice slice_mut row column rows columns index_axis select diag first last get \
    iter_mut indexed_iter outer_iter axis_iter lanes windows \
    fill assign view view_mut to_owned clone to_vec into_raw_vec_and_offset \
    max min round floor ceil sin cos tanh signum to_string";

/// The ways to make an array a learner meets first, in the order offered after `Array2::`.
const CONSTRUCTORS: &str = "zeros ones from_elem from_shape_vec from_shape_fn eye linspace range logspace \
    geomspace from_vec from_iter from_diag default";

/// Members for the expert or the unsafe: offered last.
const LAST: &str = "as_ptr as_mut_ptr raw_view raw_view_mut try_into_owned_nocopy into_raw_vec";

/// A path's items in the order a learner wants them: the constructors of [`CONSTRUCTORS`],
/// then the other functions, then the methods (`Array2::sum(&self)`), each ranked.
pub fn rank_path(entries: Vec<Entry>) -> Vec<Entry> {
    let (methods, functions): (Vec<Entry>, Vec<Entry>) = entries.into_iter().partition(|e| e.code.contains("self"));
    let (mut first, rest): (Vec<Entry>, Vec<Entry>) =
        rank(functions).into_iter().partition(|e| CONSTRUCTORS.split_whitespace().any(|c| c == e.name()));
    first.sort_by_key(|e| CONSTRUCTORS.split_whitespace().position(|c| c == e.name()));
    first.into_iter().chain(rest).chain(rank(methods)).collect()
}

/// `entries` in the order a learner wants them: [`LEARNER_FIRST`], then alphabetical, then
/// [`LAST`]; one entry per code.
pub fn rank(entries: Vec<Entry>) -> Vec<Entry> {
    rank_by(entries, true)
}

/// As [`rank`], but what is not in either list keeps the order it came in (rust-analyzer's,
/// which puts a session struct's own fields first).
pub fn rank_by(mut entries: Vec<Entry>, alphabetical: bool) -> Vec<Entry> {
    let mut seen = std::collections::HashSet::new();
    entries.retain(|e| seen.insert(e.code.clone()));
    let place = |e: &Entry| {
        let name = e.name();
        let rest = if alphabetical { name.to_lowercase() } else { String::new() };
        match LEARNER_FIRST.split_whitespace().position(|n| n == name) {
            Some(i) => (0, i, String::new()),
            None if LAST.split_whitespace().any(|n| n == name)
                || name.ends_with("_unchecked")
                || name.starts_with("uget") =>
            {
                (2, 0, rest)
            }
            None => (1, 0, rest),
        }
    };
    // A stable sort: equal places keep their order.
    entries.sort_by_cached_key(place);
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(code: &str) -> Entry {
        Entry { code: code.into(), kind: "function".into(), doc: None }
    }

    #[test]
    fn a_learners_methods_come_first_and_the_unsafe_last() {
        let codes = ["as_ptr()", "zip_mut_with(rhs, f)", "dot(rhs)", "axes()", "sum()", "shape()", "uget(index)"];
        let ranked: Vec<String> = rank(codes.iter().map(|c| entry(c)).collect()).into_iter().map(|e| e.code).collect();
        assert_eq!(
            ranked,
            ["sum()", "shape()", "dot(rhs)", "axes()", "zip_mut_with(rhs, f)", "as_ptr()", "uget(index)"]
        );
    }
}
