//! What Rust's ownership asks that NumPy never did: `mut` on a variable of an earlier
//! cell, a view that is only read, and a value that was moved.

use super::{Mistake, Place};

/// A variable of an earlier cell, declared without `mut` there.
pub(super) fn declared_without_mut(m: &Mistake) -> Option<String> {
    let quoted = m.quoted();
    let name = quoted.first().copied().unwrap_or("x");
    Some(format!(
        "`{name}` was declared without `mut` in an earlier cell: declare it again as mutable in this cell, `let mut {name} = {name};`, then change it"
    ))
}

/// A read-only view written to.
pub(super) fn read_only_view(at: &Place) -> Option<String> {
    if at.line.contains(".row(") {
        return Some("`row(…)` is a read-only view: write through `row_mut(…)` instead".into());
    }
    if at.line.contains(".column(") {
        return Some("`column(…)` is a read-only view: write through `column_mut(…)` instead".into());
    }
    None
}

/// A moved array (`name`: the message after its opening backtick).
pub(super) fn moved(name: &str) -> Option<String> {
    let name = name.trim_end_matches('`');
    Some(format!(
        "`{name}` was moved (into an operator such as `+`, or a function that takes it by value) and is gone: borrow it instead (`&{name} + &b`, a `&Array1` parameter) or copy it with `{name}.clone()`"
    ))
}
