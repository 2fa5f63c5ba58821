//! What a session keeps between cells, on the kernel's side: the variables (their names,
//! types and mutability; the values live in the process that runs cells) and the items
//! (`use`, `fn`, `struct`, `impl`…) every later cell is compiled with.
//!
//! A cell changes the state only when it succeeds; the engine commits its changes then.

use std::collections::BTreeMap;

use crate::syntax::cell::ItemKind;

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

/// The session's variables and items.
#[derive(Debug, Default, Clone)]
pub struct State {
    variables: BTreeMap<String, Variable>,
    items: Vec<KeptItem>,
    /// Values the store still holds that no cell can take out: dropped by the next cell.
    forget: Vec<String>,
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
        self.variables.insert(name.to_string(), variable);
    }

    pub fn remove_variable(&mut self, name: &str) -> Option<Variable> {
        self.variables.remove(name)
    }

    /// Every variable is gone (a fresh process runs cells).
    pub fn clear_variables(&mut self) {
        self.variables.clear();
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
    /// its text differed.
    pub fn keep_item(&mut self, item: KeptItem) -> Option<KeptItem> {
        match self.items.iter_mut().find(|i| i.key == item.key) {
            Some(old) if old.text == item.text => None,
            Some(old) => Some(std::mem::replace(old, item)),
            None => {
                self.items.push(item);
                None
            }
        }
    }

    /// The variables whose type mentions a type named `name` (as a whole word): a new
    /// definition of that type makes their values unreadable.
    pub fn variables_of_type(&self, name: &str) -> Vec<String> {
        self.variables
            .iter()
            .filter(|(_, v)| v.ty.split(|c: char| !(c.is_alphanumeric() || c == '_')).any(|w| w == name))
            .map(|(n, _)| n.clone())
            .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_replaced_by_key_and_types_found_by_word() {
        let mut s = State::default();
        let item = |key: &str, text: &str| KeptItem { kind: ItemKind::Type, key: key.into(), text: text.into() };
        assert_eq!(s.keep_item(item("P", "struct P;")), None);
        assert_eq!(s.keep_item(item("P", "struct P;")), None, "the same text again replaces nothing");
        assert_eq!(s.keep_item(item("P", "struct P(u8);")).map(|i| i.text), Some("struct P;".into()));
        assert_eq!(s.items().count(), 1);
        s.set_variable("a", Variable { ty: "Vec<P>".into(), mutable: false });
        s.set_variable("b", Variable { ty: "Vec<Pt>".into(), mutable: true });
        assert_eq!(s.variables_of_type("P"), ["a"]);
        assert_eq!(s.variable_names(), ["a", "b"]);
    }
}
