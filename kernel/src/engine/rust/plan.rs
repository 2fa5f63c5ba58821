//! What the code around a cell takes out of the store, puts back and probes (a cell's
//! [`Plan`]), and how the plan changes when rustc says the kernel's own lines were wrong
//! about a variable (it moved, it borrows, its type cannot be written). The engine in
//! [`super`] compiles with the plan and asks here what to do with the errors.

use super::codegen::{Origin, Plan, PutBack, SourceMap};
use super::{diagnostic, report, Prepared, RustEngine};
use crate::syntax::cell::{words, ItemKind};

/// How the kernel's code around a cell must change after a compile error in it.
pub(super) enum Fix {
    /// Compile again with the changed plan; `note` is told to the student if the cell runs.
    Retry(Option<String>),
    /// The errors are the student's: report them.
    Report,
}

impl RustEngine {
    /// What the first compile of a cell takes out, stores and probes.
    pub(super) fn plan(&mut self, cell: &Prepared, notes: &mut Vec<String>) -> Plan {
        let mut plan = Plan { forget: self.state.take_forget_later(), ..Plan::default() };
        // A type defined anew makes the values of the old one unreadable: they are dropped
        // before the cell takes anything (the new definition has the same name, and the
        // store could not tell the two apart).
        for item in cell.parts.items.iter().filter(|i| i.kind == ItemKind::Type) {
            let text = &cell.typed[item.start..item.end];
            let changed = self.state.items().any(|k| k.key == item.key && k.text.trim() != text.trim());
            if changed {
                let lost = self.state.variables_of_type(&item.key);
                if !lost.is_empty() {
                    notes.push(report::type_redefined(&item.key, &lost));
                }
                for name in lost {
                    self.state.remove_variable(&name);
                    plan.forget.push(name);
                }
            }
        }
        let mentioned = words(&cell.text.code);
        let defined: Vec<&str> = cell.parts.bindings.iter().map(|b| b.name.as_str()).collect();
        for name in self.state.variable_names() {
            if !mentioned.contains(name.as_str()) {
                continue;
            }
            let put = if defined.contains(&name.as_str()) {
                // The cell defines it anew: the old value is dropped at the end of the cell.
                PutBack::Never
            } else if cell.parts.assigned.contains(&name) {
                // `w = w - &g * lr` moves `w` and assigns it anew: put back what is there at
                // the end of the cell's code.
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
}

/// Reads the compile errors that are the kernel's own doing and changes the plan to
/// avoid them; any error of the student's is reported instead.
pub(super) fn fix_plan(plan: &mut Plan, errors: &[serde_json::Value], map: &SourceMap) -> Fix {
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
        let origin = match primary {
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
                if plan.stores.contains(&name) {
                    note = note.or(report::not_kept_borrowing(&name, error["code"]["code"].as_str()));
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

fn set_put_back(plan: &mut Plan, name: &str, put: PutBack) {
    for (n, p) in plan.loads.iter_mut() {
        if n == name {
            *p = put;
        }
    }
}

/// The types rustc named in the type probes' warnings: (variable, type).
pub(super) fn probed_types(warnings: &[serde_json::Value], map: &SourceMap) -> Vec<(String, String)> {
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
pub(super) fn nameable(ty: &str) -> bool {
    !(ty.contains("{closure") || ty.contains("{async") || ty.contains("impl ") || ty.contains('{'))
}
