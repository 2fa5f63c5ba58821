//! The notes shown beside a cell's result: variables dropped because a type was defined
//! anew, a `static` that starts again in every cell, new variables that live only in their
//! cell, and a variable that could not be taken back out of the store.

use super::array_terms::shorten_types;
use super::MAX_NAMED;

/// A type defined anew: the variables of the old one are dropped.
pub fn types_redefined(redefined: &[String], lost: &[Lost]) -> String {
    let which: Vec<String> = lost
        .iter()
        .take(MAX_NAMED)
        .map(|l| {
            let ty = shorten_types(&l.ty);
            match &l.via {
                None if ty == l.because => format!("`{}` (of type `{ty}`)", l.variable),
                None => format!("`{}` (of type `{ty}`, which holds `{}`)", l.variable, l.because),
                Some(via) => format!("`{}` (of type `{ty}`: `{}` holds `{via}`)", l.variable, l.because),
            }
        })
        .collect();
    let more = if lost.len() > MAX_NAMED { format!(" and {} more", lost.len() - MAX_NAMED) } else { String::new() };
    let types: Vec<String> = redefined.iter().map(|t| format!("`{t}`")).collect();
    format!(
        "[ndplay] {} defined anew, so these variables made with the old definition were dropped (their values cannot be read as the new one): {}{more}. Run the cells that make them again.",
        if types.len() == 1 { format!("{} was", types[0]) } else { format!("{} were", types.join(", ")) },
        which.join(", ")
    )
}

/// A `static` whose value can change does not keep it from one cell to the next.
pub fn static_resets(name: &str) -> String {
    format!(
        "[ndplay] `{name}` starts again from its initial value in every cell: each cell is compiled as a library of its own, with its own copy of every `static`, so a change made in one cell is not seen by the next. To keep a value between cells, make it a variable: `let {} = …;`",
        name.to_lowercase()
    )
}

/// A variable dropped because a type was defined anew: its type, the affected type its type
/// names, and what that one holds that was affected before it (`None`: it was redefined).
pub struct Lost {
    pub variable: String,
    pub ty: String,
    pub because: String,
    pub via: Option<String>,
}

/// A new variable whose type no later cell could write.
pub fn not_kept_unnameable(name: &str, ty: &str) -> String {
    let why = if ty.contains("{closure") {
        format!("`{name}` is a closure, and a closure's type has no name. To keep it, box it: `let {name}: Box<dyn Fn(f64) -> f64> = Box::new(|x| …);`")
    } else {
        format!("the type of `{name}` (`{ty}`) has no name a cell could write; give `{name}` a type of its own")
    };
    format!("[ndplay] `{name}` lives only in this cell: {why}.")
}

/// A new variable that borrows, so that it cannot be kept; `None` when it was moved (gone,
/// as Rust says: nothing to tell).
pub fn not_kept_borrowing(name: &str, code: Option<&str>) -> Option<String> {
    match code {
        Some("E0382") | Some("E0505") | Some("E0507") => None,
        _ => Some(format!(
            "[ndplay] `{name}` borrows from another value, so it lives only in this cell. To keep it, make an owned copy: `let {name} = ….to_owned();`"
        )),
    }
}

/// A variable whose type no cell can write after all: dropped.
pub fn not_loadable(name: &str) -> String {
    format!("[ndplay] `{name}` could not be taken back out of the store (its type cannot be written in a cell), so it was dropped.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_of_a_redefined_type_are_named_with_why() {
        let lost = |variable: &str, ty: &str, because: &str, via: Option<&str>| Lost {
            variable: variable.into(),
            ty: ty.into(),
            because: because.into(),
            via: via.map(str::to_string),
        };
        let note = types_redefined(
            &["Inner".into()],
            &[
                lost("i", "Inner", "Inner", None),
                lost("v", "Vec<Inner>", "Inner", None),
                lost("o", "Outer", "Outer", Some("Inner")),
            ],
        );
        assert_eq!(
            note,
            "[ndplay] `Inner` was defined anew, so these variables made with the old definition were dropped (their values cannot be read as the new one): `i` (of type `Inner`), `v` (of type `Vec<Inner>`, which holds `Inner`), `o` (of type `Outer`: `Outer` holds `Inner`). Run the cells that make them again."
        );
    }
}
