//! A cell as the Rust source of a shared library, and the map back from that source to
//! the cell.
//!
//! The generated library (crate `cell`, see [`crate::engine::rust::build::compiler`]) has the items every
//! earlier cell defined and the cell's own at its top level, and one entry point that the
//! process running cells calls with the variable store (the prelude's `ndplay::cell`):
//!
//! ```text
//! use ndplay::prelude::*;  … items …
//! #[unsafe(no_mangle)] pub extern "C" fn ndplay_cell(store) -> store {
//!     enter();  check the variables it takes;  let mut x: T = store.take("x"); …
//!     guarded(Box::new(|| {   (the prelude's catch_unwind, compiled once)
//!         <the cell's statements, as typed; its final expression shown>
//!         <a type probe for each new variable>;  store.put("y", y); …
//!     }));
//!     store.put("x", x); …  leave();  store
//! }
//! ```
//!
//! Only the variables a cell mentions are taken out and put back, so a cell costs the same
//! however many variables the session has. Every line the kernel writes is recorded in a
//! [`SourceMap`], so that a compiler message is either the student's (and points into the
//! cell as typed) or the kernel's own (and says which variable could not be kept).

use std::fmt::Write as _;

use super::state::{KeptItem, State};
use crate::syntax::cell::{use_leaves, Item, ItemKind};

/// The entry point every cell library exports.
pub const ENTRY: &str = "ndplay_cell";

/// What generated code a line is, for reading compiler messages about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The cell itself: generated line `first_line + k` is line `first_cell_line + k` of the
    /// cell's compiled text (columns unchanged).
    Cell { first_cell_line: usize },
    /// An item kept from an earlier cell (by its key).
    KeptItem(String),
    /// Taking variable `x` out of the store.
    Load(String),
    /// Putting variable `x` back after the cell (or, `inside`, at the end of its code).
    PutBack { name: String, inside: bool },
    /// Keeping a new variable.
    Store(String),
    /// The type probe of a new variable.
    Probe(String),
    /// Anything else the kernel writes.
    Frame,
}

/// One run of generated lines with one origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub first_line: usize,
    pub lines: usize,
    pub origin: Origin,
}

/// Where each generated line came from.
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    regions: Vec<Region>,
}

impl SourceMap {
    /// The origin of a 1-based generated line, and for the cell's own lines the line of the
    /// cell's compiled text.
    pub fn origin(&self, line: usize) -> Option<(&Origin, Option<usize>)> {
        let r = self.regions.iter().find(|r| line >= r.first_line && line < r.first_line + r.lines)?;
        let cell_line = match r.origin {
            Origin::Cell { first_cell_line } => Some(first_cell_line + (line - r.first_line)),
            _ => None,
        };
        Some((&r.origin, cell_line))
    }
}

/// How a variable the cell takes goes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutBack {
    /// After the cell's code: the code borrows the variable (the usual case).
    After,
    /// At the end of the cell's code: the code moves it and assigns it anew.
    Inside,
    /// Not at all: the cell consumed it (or defined it anew).
    Never,
}

/// What one compile of a cell takes out, stores and probes.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Variables taken out: name, and how each goes back.
    pub loads: Vec<(String, PutBack)>,
    /// New variables kept after the cell.
    pub stores: Vec<String>,
    /// New variables whose type the compiler must tell (not given in the `let`).
    pub probes: Vec<String>,
    /// Variables the store drops before the cell runs.
    pub forget: Vec<String>,
    /// New variables not kept because the cell itself moved them (`let t = s;`): said when
    /// a later cell names one.
    pub moved: Vec<String>,
}

/// The cell to compile: as typed, its items (ranges into the typed text), and its
/// statements as compiled (the items blanked out, the final expression wrapped; the text
/// before the final expression is the typed text).
pub struct CellSource<'a> {
    pub typed: &'a str,
    pub items: &'a [Item],
    pub code: &'a str,
    /// The code has a `?` of its own ([`super::rewrite::cell_edits`] wrapped each): it runs
    /// in a closure that returns a `Result`, and a failed `?` ends the cell.
    pub fallible: bool,
}

/// The source of the library, and its map.
pub struct Generated {
    pub source: String,
    pub map: SourceMap,
}

struct Writer {
    source: String,
    line: usize,
    map: SourceMap,
}

impl Writer {
    fn push(&mut self, text: &str, origin: Origin) {
        let lines = text.split('\n').count();
        self.map.regions.push(Region { first_line: self.line, lines, origin });
        self.source.push_str(text);
        self.source.push('\n');
        self.line += lines;
    }
}

/// Writes the library for `cell` in session `state` following `plan`.
pub fn generate(state: &State, cell: &CellSource, plan: &Plan) -> Generated {
    let mut w = Writer { source: String::new(), line: 1, map: SourceMap::default() };
    w.push(HEADER, Origin::Frame);
    if cell.fallible {
        w.push(TRY_ITEMS, Origin::Frame);
    }
    let mut redefined: Vec<String> = cell.items.iter().map(|i| i.key.clone()).collect();
    // A name the cell imports again (alone or in a group) is imported by the cell only.
    for item in cell.items.iter().filter(|i| i.kind == ItemKind::Use) {
        redefined.extend(use_leaves(&cell.typed[item.start..item.end]).into_iter().flatten().map(|l| l.key));
    }
    let kept: Vec<&KeptItem> = state.items().filter(|i| !redefined.contains(&i.key)).collect();
    // Macros first: `macro_rules!` is visible only below its definition.
    for pass in [true, false] {
        for item in kept.iter().filter(|i| (i.kind == ItemKind::Macro) == pass) {
            w.push(&item.text, Origin::KeptItem(item.key.clone()));
        }
        for item in cell.items.iter().filter(|i| (i.kind == ItemKind::Macro) == pass) {
            let before = &cell.typed[..item.start];
            let first_cell_line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().unwrap_or("").chars().count();
            // Indented as in the cell, so that columns need no translation.
            let text = format!("{}{}", " ".repeat(column), &cell.typed[item.start..item.end]);
            w.push(&text, Origin::Cell { first_cell_line });
        }
    }
    w.push(
        &format!(
            "#[unsafe(no_mangle)]\npub extern \"C\" fn {ENTRY}(store: *mut ::std::ffi::c_void) -> *mut ::std::ffi::c_void {{\n\
             ::ndplay::cell::enter();\n\
             // SAFETY: the process that runs cells passes the store the previous cell returned.\n\
             let __ndplay_store = unsafe {{ ::ndplay::cell::Store::from_raw(store) }};"
        ),
        Origin::Frame,
    );
    if !plan.forget.is_empty() {
        w.push(&format!("__ndplay_store.forget(&{:?});", plan.forget), Origin::Frame);
    }
    let loads: Vec<(&str, &str, bool, PutBack)> = plan
        .loads
        .iter()
        .filter_map(|(name, put)| state.variable(name).map(|v| (name.as_str(), v.ty.as_str(), v.mutable, *put)))
        .collect();
    if !loads.is_empty() {
        let mut check = String::from("{ let __ndplay_missing = __ndplay_store.check(&[");
        for (name, ty, _, _) in &loads {
            let _ = write!(check, "({name:?}, ::std::any::TypeId::of::<{ty}>()), ");
        }
        check.push_str("]);\nif !__ndplay_missing.is_empty() { ::ndplay::cell::unloadable(&__ndplay_missing); ::ndplay::cell::leave(); return __ndplay_store.into_raw(); } }");
        w.push(&check, Origin::Frame);
    }
    for (name, ty, mutable, _) in &loads {
        let m = if *mutable { "mut " } else { "" };
        w.push(
            &format!("let {m}{name}: {ty} = __ndplay_store.take::<{ty}>({name:?});"),
            Origin::Load(name.to_string()),
        );
    }
    w.push("::ndplay::cell::guarded(::std::boxed::Box::new(|| {", Origin::Frame);
    if cell.fallible {
        // The new variables are stored inside: a failed `?` keeps none of them, as a panic.
        w.push("let __ndplay_tried = (|| -> ::std::result::Result<(), __NdplayFailed> {", Origin::Frame);
    }
    w.push(cell.code, Origin::Cell { first_cell_line: 1 });
    // `;` ends a final expression-statement of the cell that has no `;` of its own (a `for`
    // loop); it is harmless after one that has.
    w.push(";", Origin::Frame);
    for name in &plan.probes {
        w.push(
            &format!("#[warn(unused_results)] let _ = {{ ::ndplay::cell::type_probe(&{name}); }};"),
            Origin::Probe(name.clone()),
        );
    }
    for name in &plan.stores {
        w.push(&format!("__ndplay_store.put({name:?}, {name});"), Origin::Store(name.clone()));
    }
    for (name, _, _, put) in &loads {
        if *put == PutBack::Inside {
            w.push(
                &format!("__ndplay_store.put({name:?}, {name});"),
                Origin::PutBack { name: name.to_string(), inside: true },
            );
        }
    }
    if cell.fallible {
        w.push(
            "::std::result::Result::Ok(())\n})();\nif let ::std::result::Result::Err(failed) = __ndplay_tried { failed.fail() }",
            Origin::Frame,
        );
    }
    w.push("}));", Origin::Frame);
    for (name, _, _, put) in &loads {
        if *put == PutBack::After {
            w.push(
                &format!("__ndplay_store.put({name:?}, {name});"),
                Origin::PutBack { name: name.to_string(), inside: false },
            );
        }
    }
    w.push("::ndplay::cell::leave();\n__ndplay_store.into_raw()\n}", Origin::Frame);
    // Where the cell's own lines are, for its `dbg!` (see `HEADER`).
    let lines: Vec<String> = w
        .map
        .regions
        .iter()
        .filter_map(|r| match &r.origin {
            Origin::Cell { first_cell_line } => Some(format!("({}, {}, {first_cell_line})", r.first_line, r.lines)),
            _ => None,
        })
        .collect();
    w.push(&format!("const __NDPLAY_LINES: &[(u32, u32, u32)] = &[{}];", lines.join(", ")), Origin::Frame);
    Generated { source: w.source, map: w.map }
}

/// What every cell library starts with. Warnings of the student's code are not shown (a
/// cell that compiles is not nagged), but the type probes' `unused_results` are read, so
/// the lints are allowed by name: `allow(warnings)` would silence the probes too.
///
/// `eprint!`, `eprintln!` and `dbg!` are the kernel's own, defined here, where they shadow
/// std's in all of the cell's code: they send the text through the prelude on stdout, so
/// that it arrives in the order it was written among the cell's `println!`s (two pipes,
/// read by two threads, cannot keep that order). `dbg!` names the cell's own line
/// (`__NDPLAY_LINES`, written at the end of the library), where std's names a generated
/// file. Writes to `std::io::stderr()` by hand, and a crate's, still go to the stderr pipe.
const HEADER: &str = "#![allow(unused, non_snake_case, non_camel_case_types, non_upper_case_globals, unreachable_code)]
use ::ndplay::prelude::*;
use ::ndplay::cell::names::*;
use ::ndplay::cell::{ViaDebug as _, ViaEvcxr as _, ViaNothing as _, ViaRender as _, ViaUnit as _};
use ::ndplay::cell::NoEvcxrDisplay as EvcxrDisplay;
macro_rules! eprint { ($($t:tt)*) => { ::ndplay::cell::to_stderr(::std::format_args!($($t)*), false) }; }
macro_rules! eprintln {
    () => { ::ndplay::cell::to_stderr(::std::format_args!(\"\"), true) };
    ($($t:tt)*) => { ::ndplay::cell::to_stderr(::std::format_args!($($t)*), true) };
}
macro_rules! dbg {
    () => { ::ndplay::cell::debugged_here(crate::__NDPLAY_LINES, ::std::line!()) };
    ($v:expr $(,)?) => { match $v { v => { ::ndplay::cell::debugged(crate::__NDPLAY_LINES, ::std::line!(), ::std::stringify!($v), &v); v } } };
    ($($v:expr),+ $(,)?) => { ($(dbg!($v)),+,) };
}";

/// What a cell with a `?` of its own is compiled with. `__ndplay_try(x).__ndplay_at(line)`
/// turns `x` into a `Result<_, __NdplayFailed>` whatever `x` is: an `Option` (a `None`
/// fails), a `Result` whose error has `Display` (preferred: it is the message a user
/// wrote) or else `Debug` (method resolution tries the value, then `&mut` of it; the value
/// is taken out of the wrapper). A `?` the kernel could not wrap (inside a macro's
/// arguments) still converts an error with `Display` through `From`. A failure panics with
/// [`TRY_FAILED`], the line, the error's type (shortened by the prelude) and its text; the
/// report reads them back
/// ([`crate::engine::rust::report::panic_error`]). `__NdplayFailed` has neither `Display` nor `Debug`, so
/// that the blanket `From` does not overlap `From<T> for T`.
const TRY_ITEMS: &str = r#"struct __NdplayFailed { line: u32, ty: &'static str, text: ::std::string::String }
impl __NdplayFailed {
    fn fail(self) -> ! { ::std::panic!("\u{1f}ndplay-try {}\n{}\n{}", self.line, ::ndplay::cell::short_type_name(self.ty), self.text) }
}
impl<E: ::std::fmt::Display> ::std::convert::From<E> for __NdplayFailed {
    fn from(e: E) -> Self { __NdplayFailed { line: 0, ty: ::std::any::type_name::<E>(), text: e.to_string() } }
}
struct __NdplayTry<X>(::std::option::Option<X>);
fn __ndplay_try<X>(x: X) -> __NdplayTry<X> { __NdplayTry(::std::option::Option::Some(x)) }
trait __NdplayTryDisplay { type Value; fn __ndplay_at(self, line: u32) -> ::std::result::Result<Self::Value, __NdplayFailed>; }
trait __NdplayTryDebug { type Value; fn __ndplay_at(self, line: u32) -> ::std::result::Result<Self::Value, __NdplayFailed>; }
impl<T> __NdplayTryDisplay for __NdplayTry<::std::option::Option<T>> {
    type Value = T;
    fn __ndplay_at(mut self, line: u32) -> ::std::result::Result<T, __NdplayFailed> {
        self.0.take().unwrap().ok_or(__NdplayFailed { line, ty: "None", text: ::std::string::String::new() })
    }
}
impl<T, E: ::std::fmt::Display> __NdplayTryDisplay for __NdplayTry<::std::result::Result<T, E>> {
    type Value = T;
    fn __ndplay_at(mut self, line: u32) -> ::std::result::Result<T, __NdplayFailed> {
        self.0.take().unwrap().map_err(|e| __NdplayFailed { line, ty: ::std::any::type_name::<E>(), text: e.to_string() })
    }
}
impl<T, E: ::std::fmt::Debug> __NdplayTryDebug for &mut __NdplayTry<::std::result::Result<T, E>> {
    type Value = T;
    fn __ndplay_at(self, line: u32) -> ::std::result::Result<T, __NdplayFailed> {
        self.0.take().unwrap().map_err(|e| __NdplayFailed { line, ty: ::std::any::type_name::<E>(), text: ::std::format!("{e:?}") })
    }
}"#;

/// The first line of the panic message of a failed `?` (then its line, 0 when unknown; the
/// error's type, `None` for an `Option`; its text).
pub const TRY_FAILED: &str = "\u{1f}ndplay-try ";

/// The prefix and suffix that show a cell's final expression. The closure calls the value's
/// own `evcxr_display()` if its type has one: an inherent method, of a cell's type or a
/// crate's, is found before the trait method of the prelude's `NoEvcxrDisplay` (imported by
/// `HEADER` in place of the prelude's `EvcxrDisplay`, which would be ambiguous with it),
/// which returns something else. The prelude's `Show` ladder picks `Render`, then that,
/// then `Debug`.
pub const SHOW_BEFORE: &str = "(&&&&::ndplay::cell::show(&(";
pub const SHOW_AFTER: &str = "), |v| v.evcxr_display())).__ndplay_show()";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rust::cell::state::Variable;

    #[test]
    fn a_name_imported_again_is_imported_once() {
        let mut state = State::default();
        let text = "use std::collections::{HashMap, BTreeMap};";
        state.keep_item(KeptItem { kind: ItemKind::Use, key: text.into(), text: text.into() });
        let code = "use std::collections::{HashMap, HashSet};\nlet m: HashMap<u8, u8> = HashMap::new();";
        let end = code.find('\n').unwrap();
        let items = [Item { kind: ItemKind::Use, key: code[..end].into(), start: 0, end }];
        let cell = CellSource { typed: code, items: &items, code: &code[end..], fallible: false };
        let g = generate(&state, &cell, &Plan::default());
        assert_eq!(g.source.matches("HashMap").count(), 3, "the cell's import and its use: {}", g.source);
        assert!(g.source.contains("use std::collections::BTreeMap;"));
    }

    #[test]
    fn a_cell_with_a_question_mark_runs_in_a_closure_that_returns_a_result() {
        let code = "let x: i32 = __ndplay_try(\"5\".parse()).__ndplay_at(1)?;";
        let cell = CellSource { typed: code, items: &[], code, fallible: true };
        let plan = Plan { stores: vec!["x".into()], ..Plan::default() };
        let g = generate(&State::default(), &cell, &plan);
        let at = |needle: &str| g.source.find(needle).unwrap_or_else(|| panic!("{needle}: {}", g.source));
        assert!(at("struct __NdplayFailed") < at("fn ndplay_cell"));
        assert!(at("-> ::std::result::Result<(), __NdplayFailed> {") < at(code));
        assert!(at(code) < at("__ndplay_store.put(\"x\", x);"), "new variables are kept only if no `?` failed");
        assert!(at("__ndplay_store.put(\"x\", x);") < at("failed.fail()"));
        let plain = CellSource { typed: "1", items: &[], code: "1", fallible: false };
        assert!(!generate(&State::default(), &plain, &Plan::default()).source.contains("__NdplayFailed"));
    }

    #[test]
    fn a_cell_becomes_a_library_with_a_map() {
        let mut state = State::default();
        state.set_variable("x", Variable { ty: "f64".into(), mutable: false });
        state.set_variable("untouched", Variable { ty: "u8".into(), mutable: false });
        let code = format!("let y = x * 2.0;\n{SHOW_BEFORE}y{SHOW_AFTER}");
        let cell = CellSource { typed: &code, items: &[], code: &code, fallible: false };
        let plan = Plan {
            loads: vec![("x".into(), PutBack::After)],
            stores: vec!["y".into()],
            probes: vec!["y".into()],
            ..Plan::default()
        };
        let g = generate(&state, &cell, &plan);
        assert!(g.source.contains("let x: f64 = __ndplay_store.take::<f64>(\"x\");"), "{}", g.source);
        assert!(!g.source.contains("untouched"), "only mentioned variables are taken");
        assert!(!g.source.contains("ndplay_event"), "widget events go to the prelude's entry point");
        let line_of = |needle: &str| g.source.lines().position(|l| l.contains(needle)).unwrap() + 1;
        assert_eq!(g.map.origin(line_of("let y = x * 2.0;")), Some((&Origin::Cell { first_cell_line: 1 }, Some(1))));
        assert_eq!(g.map.origin(line_of("take::<f64>")).map(|o| o.0), Some(&Origin::Load("x".into())));
        assert_eq!(g.map.origin(line_of("type_probe(&y)")).map(|o| o.0), Some(&Origin::Probe("y".into())));
        assert_eq!(
            g.map.origin(line_of("put(\"x\"")).map(|o| o.0),
            Some(&Origin::PutBack { name: "x".into(), inside: false })
        );
    }
}
