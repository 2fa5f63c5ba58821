//! What the code around a cell takes out of the store, puts back and probes (a cell's
//! [`Plan`]), and how the plan changes when rustc says the kernel's own lines were wrong
//! about a variable (it moved, it borrows, its type cannot be written). The engine
//! compiles with the plan and asks here what to do with the errors. Both need only the
//! session's [`State`] and the cell.

use super::codegen::{Origin, Plan, PutBack, SourceMap};
use super::state::mentions;
use super::state::State;
use crate::engine::rust::report::{self, diagnostic};
use crate::engine::rust::Prepared;
use crate::syntax::cell::{words, ItemKind};

/// How the kernel's code around a cell must change after a compile error in it.
pub(in crate::engine::rust) enum Fix {
    /// Compile again with the changed plan; `note` is told to the student if the cell runs.
    Retry(Option<String>),
    /// The errors are the student's: report them.
    Report,
}

/// What the first compile of a cell takes out, stores and probes.
pub(in crate::engine::rust) fn first_plan(state: &mut State, cell: &Prepared, notes: &mut Vec<String>) -> Plan {
    let mut plan = Plan { forget: state.take_forget_later(), ..Plan::default() };
    // A type defined anew makes the values of the old one unreadable, and so the values
    // of every type that holds it, at any depth (`Outer { i: Inner }`, `Vec<Outer>`, an
    // alias): those types are compiled anew with it. Their variables are dropped before
    // the cell takes anything: the store tells values apart by `TypeId`, which is the
    // same for the old and the new definition of a name.
    let redefined: Vec<String> = cell
        .parts
        .items
        .iter()
        .filter(|i| i.kind == ItemKind::Type)
        .filter(|i| {
            let text = cell.typed[i.start..i.end].trim();
            state.items().any(|k| k.key == i.key && k.text.trim() != text)
        })
        .map(|i| i.key.clone())
        .collect();
    if !redefined.is_empty() {
        let own: Vec<(&str, &str)> = cell
            .parts
            .items
            .iter()
            .filter(|i| i.kind == ItemKind::Type)
            .map(|i| (i.key.as_str(), &cell.typed[i.start..i.end]))
            .collect();
        let kept = state.items().filter(|k| k.kind == ItemKind::Type && !own.iter().any(|(n, _)| *n == k.key));
        let definitions: Vec<(&str, &str)> =
            own.iter().copied().chain(kept.map(|k| (k.key.as_str(), k.text.as_str()))).collect();
        let affected = affected_types(&redefined, &definitions);
        let mut lost = Vec::new();
        for (name, variable) in state.variables() {
            if let Some((ty, via)) = affected.iter().find(|(ty, _)| mentions(&variable.ty, ty)) {
                lost.push(report::Lost {
                    variable: name.to_string(),
                    ty: variable.ty.clone(),
                    because: ty.clone(),
                    via: via.clone(),
                });
            }
        }
        if !lost.is_empty() {
            notes.push(report::types_redefined(&redefined, &lost));
        }
        for l in lost {
            state.remove_variable(&l.variable);
            plan.forget.push(l.variable);
        }
    }
    for item in cell.parts.items.iter().filter(|i| i.kind == ItemKind::Named) {
        if changes_between_cells(&cell.typed[item.start..item.end]) {
            notes.push(report::static_resets(&item.key));
        }
    }
    let mentioned = words(&cell.text.code);
    let defined: Vec<&str> = cell.parts.bindings.iter().map(|b| b.name.as_str()).collect();
    for name in state.variable_names() {
        if !mentioned.contains(name.as_str()) {
            continue;
        }
        let put = if defined.contains(&name.as_str()) {
            // The cell defines it anew: the old value is dropped at the end of the cell.
            PutBack::Never
        } else if cell.parts.assigned.contains(&name) && cell.parts.tries.is_empty() {
            // `w = w - &g * lr` moves `w` and assigns it anew: put back what is there at
            // the end of the cell's code. (In a cell with a `?`, the end may not be
            // reached: `n += 1;` before a failed `?` keeps its change only when `n` goes
            // back after the code, so that is tried first; rustc's complaint about a
            // moved `n` then changes it to `Inside`.)
            PutBack::Inside
        } else {
            PutBack::After
        };
        plan.loads.push((name, put));
    }
    for binding in &cell.parts.bindings {
        if binding.name == "_" || plan.stores.contains(&binding.name) {
            continue;
        }
        plan.stores.push(binding.name.clone());
        if binding.ty.is_none() {
            plan.probes.push(binding.name.clone());
        }
    }
    plan
}

/// Reads the compile errors that are the kernel's own doing and changes the plan to
/// avoid them; any error of the student's is reported instead.
pub(in crate::engine::rust) fn fix_plan(plan: &mut Plan, errors: &[serde_json::Value], map: &SourceMap) -> Fix {
    let mut note = None;
    let mut changed = false;
    for error in errors {
        let (primary, secondary) = diagnostic::origins(error, map);
        if primary.is_none() && secondary.is_empty() {
            continue; // "aborting due to 1 previous error" and the like
        }
        // The error is the kernel's to avoid when rustc places it in a line of the kernel's
        // that takes, keeps or puts back a variable (its labels in the cell then only say
        // why: "value moved here"), or when the cell borrows a value that a line of the
        // kernel's would keep ("argument requires that `a` is borrowed for `'static`").
        // Any other error is the student's to fix.
        // Keeping `a` fails because a value kept after it borrows `a` ("cannot move out of
        // `a` because it is borrowed", the borrower's line among the others): the borrower
        // is what cannot be kept, and `a` is.
        let borrower = match &primary {
            Some(Origin::Store(kept)) => {
                secondary.iter().find(|o| matches!(o, Origin::Store(other) if other != kept)).cloned()
            }
            _ => None,
        };
        let origin = match borrower.or(primary) {
            Some(o @ (Origin::PutBack { .. } | Origin::Store(_) | Origin::Probe(_) | Origin::Load(_))) => o,
            _ => match secondary.into_iter().find(|o| matches!(o, Origin::Store(_) | Origin::Probe(_))) {
                Some(o) => o,
                None => return Fix::Report,
            },
        };
        match origin {
            Origin::PutBack { name, inside: false } => set_put_back(plan, &name, PutBack::Inside),
            Origin::PutBack { name, inside: true } => set_put_back(plan, &name, PutBack::Never),
            Origin::Store(name) | Origin::Probe(name) => {
                let code = error["code"]["code"].as_str();
                if plan.stores.contains(&name) {
                    note = note.or(report::not_kept_borrowing(&name, code));
                    if code == Some("E0382") && !plan.moved.contains(&name) {
                        plan.moved.push(name.clone());
                    }
                }
                plan.stores.retain(|n| *n != name);
                plan.probes.retain(|n| *n != name);
            }
            Origin::Load(name) => {
                plan.loads.retain(|(n, _)| *n != name);
                plan.forget.push(name.clone());
                note = Some(report::not_loadable(&name));
            }
            Origin::Cell { .. } | Origin::KeptItem(_) | Origin::Frame => continue,
        }
        changed = true;
    }
    if changed {
        Fix::Retry(note)
    } else {
        Fix::Report
    }
}

/// Whether an item is a `static` whose value can change: `static mut`, or a type with
/// interior mutability. Every cell is a library of its own, compiled with every kept item,
/// so each has its own copy of a `static`, starting from its initial value: a change made
/// in one cell is not seen by the next. (Keeping one copy would mean writing every use of
/// the static as an access to the store; the kernel says so instead.)
fn changes_between_cells(item: &str) -> bool {
    const MUTABLE: &[&str] =
        &["Cell", "RefCell", "OnceCell", "LazyCell", "Mutex", "RwLock", "OnceLock", "LazyLock", "Lazy", "Condvar"];
    let words = words(item);
    let Some(after) = item.split_whitespace().skip_while(|w| *w != "static").nth(1) else { return false };
    // A `static` only: `fn` items that mention one are fine.
    item.split_whitespace()
        .take_while(|w| *w != "static")
        .all(|w| w == "pub" || w.starts_with("pub(") || w.starts_with("#["))
        && (after == "mut" || words.iter().any(|w| MUTABLE.contains(w) || w.starts_with("Atomic")))
}

/// The types whose values a new definition of `redefined` makes unreadable: those, and
/// every type among `definitions` (name, text) that names one of them, at any depth. Each
/// with the type it names that was affected before it (`None` for those redefined).
fn affected_types(redefined: &[String], definitions: &[(&str, &str)]) -> Vec<(String, Option<String>)> {
    let mut affected: Vec<(String, Option<String>)> = redefined.iter().map(|r| (r.clone(), None)).collect();
    loop {
        let mut grew = false;
        for (name, text) in definitions {
            if affected.iter().any(|(a, _)| a == name) {
                continue;
            }
            if let Some((by, _)) = affected.iter().find(|(a, _)| a != name && mentions(text, a)) {
                affected.push((name.to_string(), Some(by.clone())));
                grew = true;
            }
        }
        if !grew {
            return affected;
        }
    }
}

fn set_put_back(plan: &mut Plan, name: &str, put: PutBack) {
    for (n, p) in plan.loads.iter_mut() {
        if n == name {
            *p = put;
        }
    }
}

/// Types the kernel's own lines name but rustc cannot find, with the one path rustc
/// suggests importing for each: (name, path). They come from stored variables' types, which
/// rustc writes by their last segment when that is unique (`Instant`, `ParseIntError`):
/// the kernel then writes the path instead ([`super::state::State::qualify_type`]) and
/// compiles again. A name the student wrote in the cell is theirs to import.
pub(in crate::engine::rust) fn unresolved_types(
    errors: &[serde_json::Value],
    map: &SourceMap,
) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = Vec::new();
    for error in errors {
        let Some(name) = error["message"]
            .as_str()
            .and_then(|m| m.strip_prefix("cannot find type `"))
            .and_then(|m| m.strip_suffix("` in this scope"))
        else {
            continue;
        };
        let (primary, _) = diagnostic::origins(error, map);
        if matches!(primary, None | Some(Origin::Cell { .. } | Origin::KeptItem(_))) {
            continue;
        }
        let mut paths: Vec<&str> = error["children"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|c| c["spans"].as_array().into_iter().flatten())
            .filter_map(|s| s["suggested_replacement"].as_str())
            .filter_map(|r| r.trim().strip_prefix("use ")?.strip_suffix(';'))
            .filter(|p| p.rsplit("::").next() == Some(name) && p.contains("::"))
            .collect();
        paths.sort_unstable();
        paths.dedup();
        if let [path] = paths[..] {
            let path = if path.starts_with("crate::") { path.to_string() } else { format!("::{path}") };
            if !found.iter().any(|(n, _)| n == name) {
                found.push((name.to_string(), path));
            }
        }
    }
    found
}

/// The types rustc named in the type probes' warnings: (variable, type).
pub(in crate::engine::rust) fn probed_types(warnings: &[serde_json::Value], map: &SourceMap) -> Vec<(String, String)> {
    const PREFIX: &str = "unused result of type `";
    let mut found = Vec::new();
    for w in warnings {
        let Some(message) = w["message"].as_str() else { continue };
        let Some(ty) = message.strip_prefix(PREFIX).and_then(|m| m.strip_suffix('`')) else { continue };
        let ty = ty.strip_prefix("std::marker::").unwrap_or(ty);
        let Some(inner) = ty.strip_prefix("PhantomData<").and_then(|t| t.strip_suffix('>')) else { continue };
        if let (Some(Origin::Probe(name)), _) = diagnostic::origins(w, map) {
            found.push((name, inner.to_string()));
        }
    }
    found
}

/// Whether a type rustc printed can be written in a later cell: closures and function
/// items have no name, and `impl Trait` names no type.
pub(in crate::engine::rust) fn nameable(ty: &str) -> bool {
    !(ty.contains("{closure") || ty.contains("{async") || ty.contains("impl ") || ty.contains('{'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rust::cell::codegen::{generate, CellSource};
    use crate::engine::rust::cell::state::{State, Variable};

    #[test]
    fn a_value_that_another_kept_value_borrows_is_kept_and_the_borrower_is_not() {
        let code = "let v = vec![1];\nlet r = &v;";
        let cell = CellSource { typed: code, items: &[], code, fallible: false };
        let mut plan = Plan { stores: vec!["v".into(), "r".into()], ..Plan::default() };
        let g = generate(&State::default(), &cell, &plan);
        let line_of = |needle: &str| g.source.lines().position(|l| l.contains(needle)).unwrap() + 1;
        let span = |line: usize, primary: bool| serde_json::json!({"line_start": line, "is_primary": primary});
        // As rustc reports it: the move into the store is the primary span of E0505, the
        // borrower's store a secondary one ("argument requires that `v` is borrowed for
        // `'static`"); E0597 points into the cell.
        let errors = [
            serde_json::json!({"code": {"code": "E0597"}, "spans": [span(line_of("let r = &v;"), true), span(line_of("put(\"r\""), false)]}),
            serde_json::json!({"code": {"code": "E0505"}, "spans": [span(line_of("put(\"v\""), true), span(line_of("put(\"r\""), false)]}),
        ];
        assert!(matches!(fix_plan(&mut plan, &errors, &g.map), Fix::Retry(_)));
        assert_eq!(plan.stores, ["v"]);
    }

    #[test]
    fn statics_whose_value_can_change_are_found() {
        assert!(changes_between_cells("static mut COUNT: u32 = 0;"));
        assert!(changes_between_cells("pub static HITS: AtomicUsize = AtomicUsize::new(0);"));
        assert!(changes_between_cells("static LOG: std::sync::Mutex<Vec<String>> = Mutex::new(Vec::new());"));
        assert!(!changes_between_cells("static NAMES: [&str; 2] = [\"a\", \"b\"];"));
        assert!(!changes_between_cells("const LIMIT: usize = 3;"));
        assert!(!changes_between_cells("fn f() -> u32 { static mut N: u32 = 0; 1 }"));
    }

    #[test]
    fn a_type_that_holds_a_redefined_type_at_any_depth_is_affected() {
        let definitions = [
            ("Inner", "struct Inner { a: u64, b: u64 }"),
            ("Outer", "struct Outer { i: Inner }"),
            ("Wrap", "enum Wrap { One(Vec<Outer>), None }"),
            ("Pair", "type Pair = (Wrap, u8);"),
            ("Inner2", "struct Inner2 { inner: u8 }"),
        ];
        let affected = affected_types(&["Inner".to_string()], &definitions);
        let names: Vec<(&str, Option<&str>)> = affected.iter().map(|(a, b)| (a.as_str(), b.as_deref())).collect();
        assert_eq!(names, [("Inner", None), ("Outer", Some("Inner")), ("Wrap", Some("Outer")), ("Pair", Some("Wrap"))]);
    }

    /// An error as rustc writes it for an unresolved type at `line`, suggesting `import`.
    fn unresolved(name: &str, line: usize, imports: &[&str]) -> serde_json::Value {
        let suggestions: Vec<_> = imports
            .iter()
            .map(|i| serde_json::json!({"suggested_replacement": format!("use {i};\n\n"), "line_start": 1}))
            .collect();
        serde_json::json!({
            "message": format!("cannot find type `{name}` in this scope"),
            "spans": [{"is_primary": true, "line_start": line}],
            "children": [{"message": "consider importing this struct", "spans": suggestions}],
        })
    }

    #[test]
    fn a_stored_types_unresolved_name_gets_the_one_suggested_path_and_the_students_own_does_not() {
        let mut state = State::default();
        state.set_variable("t", Variable { ty: "Instant".into(), mutable: false });
        let code = "t.elapsed()";
        let cell = CellSource { typed: code, items: &[], code, fallible: false };
        let plan = Plan { loads: vec![("t".into(), PutBack::After)], ..Plan::default() };
        let g = generate(&state, &cell, &plan);
        let line_of = |needle: &str| g.source.lines().position(|l| l.contains(needle)).unwrap() + 1;
        let load = line_of("take::<Instant>");
        let in_cell = line_of("t.elapsed()");
        let found = unresolved_types(&[unresolved("Instant", load, &["std::time::Instant"])], &g.map);
        assert_eq!(found, [("Instant".to_string(), "::std::time::Instant".to_string())]);
        // Two candidates: the kernel does not guess.
        let two = unresolved("Error", load, &["std::fmt::Error", "std::io::Error"]);
        assert!(unresolved_types(&[two], &g.map).is_empty());
        // The student wrote the name in the cell: rustc's help is for them.
        let theirs = unresolved("Instant", in_cell, &["std::time::Instant"]);
        assert!(unresolved_types(&[theirs], &g.map).is_empty());
    }
}
