//! What a session keeps between cells, on the kernel's side: the variables (their names,
//! types and mutability; the values live in the process that runs cells) and the items
//! (`use`, `fn`, `struct`, `impl`…) every later cell is compiled with; and, for the names a
//! cell made that are not variables (any more), why ([`Absent`]), which a compile error
//! that cannot find one says.
//!
//! A cell changes the variables and items only when it succeeds; the engine commits its
//! changes then.

use std::collections::BTreeMap;

use crate::syntax::cell::{use_leaves, ItemKind};

/// A variable the store holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    /// Its type, as Rust code that names it in a cell.
    pub ty: String,
    pub mutable: bool,
}

/// An item kept for later cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptItem {
    pub kind: ItemKind,
    /// A later item with the same key replaces this one.
    pub key: String,
    /// Its text, indented as it was in its cell.
    pub text: String,
}

/// Why a name a student made is not a variable (any more): said beside rustc's "cannot
/// find value" when a later cell uses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Absent {
    /// Bound by a cell that stopped with an error: a failed cell keeps none of its own.
    CellFailed,
    /// Lost with the process that ran cells (`:restore` runs its cells again).
    Lost,
    /// Taken by value by a cell that then stopped with an error: it went with that cell.
    TakenByFailedCell,
    /// Moved (taken by value) by a cell that ran well, as after any move in Rust.
    Moved,
}

/// The session's variables and items.
#[derive(Debug, Default, Clone)]
pub struct State {
    variables: BTreeMap<String, Variable>,
    items: Vec<KeptItem>,
    /// Values the store still holds that no cell can take out: dropped by the next cell.
    forget: Vec<String>,
    /// Names that are not variables, and why, until a cell binds them again.
    absent: BTreeMap<String, Absent>,
}

impl State {
    pub fn variable(&self, name: &str) -> Option<&Variable> {
        self.variables.get(name)
    }

    /// The variables, by name.
    pub fn variables(&self) -> impl Iterator<Item = (&str, &Variable)> {
        self.variables.iter().map(|(n, v)| (n.as_str(), v))
    }

    pub fn set_variable(&mut self, name: &str, variable: Variable) {
        self.absent.remove(name);
        self.variables.insert(name.to_string(), variable);
    }

    /// Why `name` is not a variable, when a cell of the session made it.
    pub fn absent(&self, name: &str) -> Option<Absent> {
        self.absent.get(name).copied()
    }

    /// Notes that a failed cell bound `name`, which is not a variable. A variable of that
    /// name wins, and so does an earlier loss: `:restore` still brings that one back.
    pub fn note_failed(&mut self, name: &str) {
        if !self.variables.contains_key(name) {
            self.absent.entry(name.to_string()).or_insert(Absent::CellFailed);
        }
    }

    /// A variable a cell took by value is gone, for `why`.
    pub fn note_gone(&mut self, name: &str, why: Absent) {
        self.absent.insert(name.to_string(), why);
    }

    /// `name` was bound again, by a cell that succeeded: whatever became of it, nothing is
    /// left to explain.
    pub fn forget_absent(&mut self, name: &str) {
        self.absent.remove(name);
    }

    pub fn remove_variable(&mut self, name: &str) -> Option<Variable> {
        self.variables.remove(name)
    }

    /// Every variable is gone (a fresh process runs cells): each is noted as lost.
    pub fn clear_variables(&mut self) {
        for name in std::mem::take(&mut self.variables).into_keys() {
            self.absent.insert(name, Absent::Lost);
        }
        self.forget.clear();
    }

    /// Has the next cell drop `name` from the store.
    pub fn forget_later(&mut self, name: &str) {
        if !self.forget.iter().any(|n| n == name) {
            self.forget.push(name.to_string());
        }
    }

    /// What the next cell must drop from the store.
    pub fn take_forget_later(&mut self) -> Vec<String> {
        std::mem::take(&mut self.forget)
    }

    pub fn items(&self) -> impl Iterator<Item = &KeptItem> {
        self.items.iter()
    }

    /// Keeps `item`, in place of one with the same key. Returns the item it replaced, if
    /// its text differed. A `use` item is kept import by import, each in place of an earlier
    /// import of the same name (as a later `let` shadows an earlier one).
    pub fn keep_item(&mut self, item: KeptItem) -> Option<KeptItem> {
        if item.kind == ItemKind::Use {
            if let Some(leaves) = use_leaves(item.text.trim()) {
                for leaf in leaves {
                    self.keep_one(KeptItem { kind: ItemKind::Use, key: leaf.key, text: leaf.text });
                }
                return None;
            }
        }
        self.keep_one(item)
    }

    fn keep_one(&mut self, item: KeptItem) -> Option<KeptItem> {
        match self.items.iter_mut().find(|i| i.key == item.key) {
            Some(old) if old.text == item.text => None,
            Some(old) => Some(std::mem::replace(old, item)),
            None => {
                self.items.push(item);
                None
            }
        }
    }

    /// Writes the type named `name` as `path` in every variable's type where it stands
    /// alone (not already after a `::`): rustc names a type by its last segment when that
    /// is unique (`Instant` for `std::time::Instant`), and a later cell that loads the
    /// variable must find it. Whether any type changed.
    pub fn qualify_type(&mut self, name: &str, path: &str) -> bool {
        let mut changed = false;
        for v in self.variables.values_mut() {
            let qualified = qualify_word(&v.ty, name, path);
            if qualified != v.ty {
                v.ty = qualified;
                changed = true;
            }
        }
        changed
    }

    /// The names of the variables, sorted.
    pub fn variable_names(&self) -> Vec<String> {
        self.variables.keys().cloned().collect()
    }

    /// The names of the kept items, for completion.
    pub fn item_names(&self) -> impl Iterator<Item = &str> {
        self.items.iter().filter(|i| !matches!(i.kind, ItemKind::Use | ItemKind::Impl)).map(|i| i.key.as_str())
    }
}

/// Whether `text` (a type, or an item's text) names `name` as a whole word.
pub fn mentions(text: &str, name: &str) -> bool {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_')).any(|w| w == name)
}

/// `ty` with each identifier `name` that is not already part of a path (`a::name`,
/// `name::b`) replaced by `path`.
fn qualify_word(ty: &str, name: &str, path: &str) -> String {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = String::with_capacity(ty.len());
    let mut rest = ty;
    while let Some(start) = rest.find(|c: char| is_ident(c)) {
        let (before, from) = rest.split_at(start);
        out.push_str(before);
        let end = from.find(|c: char| !is_ident(c)).unwrap_or(from.len());
        let (word, after) = from.split_at(end);
        let in_path = out.ends_with("::") || after.starts_with("::");
        out.push_str(if word == name && !in_path { path } else { word });
        rest = after;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn why_a_name_is_not_a_variable_is_kept_until_it_is_one_again() {
        let mut s = State::default();
        let v = || Variable { ty: "f64".into(), mutable: false };
        s.set_variable("a", v());
        s.note_failed("a");
        assert_eq!(s.absent("a"), None, "a variable is not absent");
        s.note_failed("b");
        assert_eq!(s.absent("b"), Some(Absent::CellFailed));
        s.clear_variables();
        assert_eq!(s.absent("a"), Some(Absent::Lost));
        assert_eq!(s.absent("b"), Some(Absent::CellFailed));
        // A cell that fails to make `a` again (a restore that stops there): still lost.
        s.note_failed("a");
        assert_eq!(s.absent("a"), Some(Absent::Lost));
        s.set_variable("a", v());
        s.forget_absent("b");
        assert_eq!((s.absent("a"), s.absent("b")), (None, None));
    }

    #[test]
    fn a_bare_type_name_is_qualified_where_it_stands_alone() {
        let q = |ty| qualify_word(ty, "Instant", "::std::time::Instant");
        assert_eq!(q("Instant"), "::std::time::Instant");
        assert_eq!(q("Vec<(Instant, Instants)>"), "Vec<(::std::time::Instant, Instants)>");
        assert_eq!(q("std::time::Instant"), "std::time::Instant", "already a path");
        assert_eq!(q("Instant::Inner"), "Instant::Inner", "the first segment of another path");
        let mut s = State::default();
        s.set_variable("t", Variable { ty: "Option<Instant>".into(), mutable: false });
        s.set_variable("u", Variable { ty: "u8".into(), mutable: false });
        assert!(s.qualify_type("Instant", "::std::time::Instant"));
        assert_eq!(s.variable("t").unwrap().ty, "Option<::std::time::Instant>");
        assert!(!s.qualify_type("Instant", "::std::time::Instant"), "nothing left to qualify");
    }

    #[test]
    fn items_are_replaced_by_key_and_types_found_by_word() {
        let mut s = State::default();
        let item = |key: &str, text: &str| KeptItem { kind: ItemKind::Type, key: key.into(), text: text.into() };
        assert_eq!(s.keep_item(item("P", "struct P;")), None);
        assert_eq!(s.keep_item(item("P", "struct P;")), None, "the same text again replaces nothing");
        assert_eq!(s.keep_item(item("P", "struct P(u8);")).map(|i| i.text), Some("struct P;".into()));
        assert_eq!(s.items().count(), 1);
        assert_eq!(s.item_names().collect::<Vec<_>>(), ["P"]);
        let import = |text: &str| KeptItem { kind: ItemKind::Use, key: text.into(), text: text.into() };
        s.keep_item(import("use std::collections::{HashMap, BTreeMap};"));
        s.keep_item(import("use std::collections::{HashMap, HashSet};"));
        let uses: Vec<&str> = s.items().filter(|i| i.kind == ItemKind::Use).map(|i| i.text.as_str()).collect();
        assert_eq!(
            uses,
            ["use std::collections::HashMap;", "use std::collections::BTreeMap;", "use std::collections::HashSet;"],
            "each name imported once"
        );
        s.set_variable("a", Variable { ty: "Vec<P>".into(), mutable: false });
        s.set_variable("b", Variable { ty: "Vec<Pt>".into(), mutable: true });
        assert!(mentions("Vec<P>", "P") && !mentions("Vec<Pt>", "P") && !mentions("struct Q { p: u8 }", "P"));
        assert_eq!(s.variable_names(), ["a", "b"]);
    }
}
