//! What the kernel's generated code around every cell calls. Not for cells to use by hand.
//!
//! The kernel compiles each cell into a shared library whose entry point takes the
//! variable store, takes out the variables the cell mentions, runs the student's code
//! (catching a panic), shows the final value, stores the variables the cell made and puts
//! back the ones it took. This module is the prelude's half of that contract:
//!
//! - [`Store`]: the variables, kept between cells as `Box<dyn Any>` in the process that
//!   runs cells;
//! - [`Show`] and the `Via*` traits: the final value shown through [`Render`] when it has
//!   it, else through its own `evcxr_display` ([`ViaEvcxr`]), else through `Debug`, else
//!   by its type's name — chosen by the compiler in one build (method resolution tries
//!   `&&&&Show`, `&&&Show`, `&&Show`, `&Show`, `Show` in turn), where a second build with a
//!   fallback used to be needed;
//! - [`to_stderr`] and [`debugged`]: what the cell's `eprint!`, `eprintln!` and `dbg!`
//!   write, sent in order with its stdout;
//! - [`type_probe`]: makes rustc name a new variable's type in a warning, so the kernel
//!   can write the type when a later cell takes the variable back;
//! - [`enter`] and [`leave`]: the panic hook (a panic becomes one marker line on stdout)
//!   and flushing stdout before the kernel is told the cell is done;
//! - [`ndplay_channel_open`]: the process that runs cells hands over its channel's key and
//!   the run's number before every run.
//!
//! The marker lines themselves are [`crate::channel`]'s, a file the kernel compiles too.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::io::Write;

use crate::channel::Kind;
use crate::display::{emit, MimeBundle, Render};

/// Names that the types rustc prints for stored variables use, and that a cell does not
/// otherwise see: ndarray's storage types (rustc writes `ArrayBase<OwnedRepr<f64>, …>`,
/// never `Array1<f64>`) and the std collections. The generated code glob-imports this at
/// the top of every cell library, where any name of the student's own takes precedence.
pub mod names {
    pub use ndarray::{CowRepr, IxDynImpl, OwnedArcRepr, OwnedRepr, RawViewRepr, ViewRepr};
    pub use std::cell::RefCell;
    pub use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, HashSet, LinkedList, VecDeque};
    pub use std::rc::Rc;
    pub use std::sync::Arc;
}

/// The entry point through which the process that runs cells (the kernel's `runtime`)
/// hands this process's channel key and the number of the run about to start to the
/// prelude, before every cell and every widget event. It finds this through the cell's
/// library, which links the prelude.
///
/// # Safety
/// `key` points to `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ndplay_channel_open(key: *const u8, len: usize, seq: u64) {
    // SAFETY: the caller promises `len` readable bytes.
    let key = unsafe { std::slice::from_raw_parts(key, len) };
    crate::display::open_channel(std::str::from_utf8(key).unwrap_or(""), seq);
}

/// The variables of a session.
#[derive(Default)]
pub struct Store {
    values: HashMap<String, Box<dyn Any>>,
}

impl Store {
    /// The store behind the pointer the process passes to each cell (a new one the first
    /// time, when the pointer is null).
    ///
    /// # Safety
    /// `raw` is null or came from [`Store::into_raw`] in this process, and nothing else
    /// uses the store while the returned reference lives.
    pub unsafe fn from_raw(raw: *mut std::ffi::c_void) -> &'static mut Store {
        let store: &'static mut Store = if raw.is_null() {
            Box::leak(Box::default())
        } else {
            // SAFETY: the caller promises `raw` is a store made by `into_raw`.
            unsafe { &mut *(raw as *mut Store) }
        };
        // This cell's copy of the crate finds the session's widgets through the store.
        crate::widgets::registry::attach(&mut store.values);
        store
    }

    /// The pointer to hand back to the process, for the next cell.
    pub fn into_raw(&mut self) -> *mut std::ffi::c_void {
        self as *mut Store as *mut std::ffi::c_void
    }

    /// The names of `wanted` (name and type) that are missing or of another type. A cell
    /// checks all of its variables before it takes any, so that a cell that cannot start
    /// takes nothing with it.
    pub fn check(&self, wanted: &[(&str, TypeId)]) -> Vec<String> {
        wanted
            .iter()
            .filter(|(name, ty)| self.values.get(*name).is_none_or(|v| (**v).type_id() != *ty))
            .map(|(name, _)| name.to_string())
            .collect()
    }

    /// Takes a variable out (checked first with [`Store::check`]).
    pub fn take<T: 'static>(&mut self, name: &str) -> T {
        match self.values.remove(name).map(|v| v.downcast::<T>()) {
            Some(Ok(v)) => *v,
            _ => unreachable!("ndplay: variable {name} was checked before it was taken"),
        }
    }

    /// Stores a variable, replacing any of that name.
    pub fn put<T: 'static>(&mut self, name: &str, value: T) {
        self.values.insert(name.to_string(), Box::new(value));
    }

    /// Drops variables the kernel no longer keeps.
    pub fn forget(&mut self, names: &[&str]) {
        for name in names {
            self.values.remove(*name);
        }
    }
}

/// Says, instead of running the cell, that it could not start: these variables are not in
/// the store as the kernel expects them.
pub fn unloadable(names: &[String]) {
    emit(Kind::Unloadable, &names.join(" "));
}

/// The final value of a cell, on its way to being shown, with a closure that calls the
/// value's own `evcxr_display()` (see [`show`]).
pub struct Show<'a, T: ?Sized, F>(pub &'a T, pub F);

/// Makes the [`Show`] of a cell's final value. `evcxr` is the kernel's
/// `|v| v.evcxr_display()`: with [`NoEvcxrDisplay`] in scope it compiles for every type,
/// and returns `()` only when the type has an `evcxr_display` of its own (method resolution
/// finds an inherent method before a trait's). Whether [`ViaEvcxr`] applies is decided by
/// that return type.
pub fn show<'a, T: ?Sized, R, F: Fn(&'a T) -> R>(value: &'a T, evcxr: F) -> Show<'a, T, F> {
    Show(value, evcxr)
}

/// What `v.evcxr_display()` returns for a value whose type has no `evcxr_display` of its own.
pub struct NotEvcxr;

/// The fallback `evcxr_display` of every type, implemented on `&T`: for the kernel's
/// `v.evcxr_display()` (`v: &T`), method resolution tries `T`'s inherent methods, then the
/// traits in scope implemented for `T` (a crate's display trait, as `evcxr_image`'s
/// `ImageDisplay`), and only then, one borrow further, this. Cells import it under the name
/// `EvcxrDisplay`, which hides the prelude's [`EvcxrDisplay`](crate::display::EvcxrDisplay)
/// (for plain evcxr kernels): with both in scope, a call could be ambiguous.
pub trait NoEvcxrDisplay {
    fn evcxr_display(&self) -> NotEvcxr;
}
impl<T: ?Sized> NoEvcxrDisplay for &T {
    fn evcxr_display(&self) -> NotEvcxr {
        NotEvcxr
    }
}

/// `()`: a cell that ends in a statement-like expression shows nothing.
pub trait ViaUnit {
    fn __ndplay_show(&self);
}
impl<F> ViaUnit for &&&&Show<'_, (), F> {
    fn __ndplay_show(&self) {}
}

/// Anything [`Render`]: arrays, diagrams, plots, plain numbers…
pub trait ViaRender {
    fn __ndplay_show(&self);
}
impl<T: Render + ?Sized, F> ViaRender for &&&Show<'_, T, F> {
    fn __ndplay_show(&self) {
        show_rendered(self.0);
    }
}

/// Shows a [`Render`] value as the cell's result. Generic over the value only (not over the
/// cell's closure, a type of its own in every cell), so that `instances` can compile it
/// once for the arrays cells show most.
pub fn show_rendered<T: Render + ?Sized>(value: &T) {
    show_result(&value.mime_bundle());
}

/// A type with its own `evcxr_display(&self)` (a cell's type or a crate's), evcxr's way of
/// giving a type a rich display: what it prints between the two marks is read by the kernel
/// as evcxr reads it (`EVCXR_BEGIN_CONTENT mime` … `EVCXR_END_CONTENT`).
pub trait ViaEvcxr {
    fn __ndplay_show(&self);
}
impl<'a, T: ?Sized, F: Fn(&'a T)> ViaEvcxr for &&Show<'a, T, F> {
    fn __ndplay_show(&self) {
        emit(Kind::EvcxrBegin, "");
        (self.1)(self.0);
        emit(Kind::EvcxrEnd, &crate::display::run_number().to_string());
    }
}

/// Anything else with `Debug`: its `{:?}` text.
pub trait ViaDebug {
    fn __ndplay_show(&self);
}
impl<T: std::fmt::Debug + ?Sized, F> ViaDebug for &Show<'_, T, F> {
    fn __ndplay_show(&self) {
        show_result(&MimeBundle::new(format!("{:?}", self.0)));
    }
}

/// The rest: the type's name, so the student sees what the value is.
pub trait ViaNothing {
    fn __ndplay_show(&self);
}
impl<T: ?Sized, F> ViaNothing for Show<'_, T, F> {
    fn __ndplay_show(&self) {
        let name = short_type_name(std::any::type_name::<T>());
        show_result(&MimeBundle::new(format!("<{name}: no Debug or Render to show it with>")));
    }
}

/// `a::b::Foo<c::Bar>` → `Foo<Bar>`: the name a student wrote or reads in the docs. Also
/// used by the code around a cell with a `?`, for the type of the error it met.
pub fn short_type_name(full: &str) -> String {
    let mut out = String::new();
    let mut word = String::new();
    for c in full.chars() {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            word.push(c);
        } else {
            out.push_str(word.rsplit("::").next().unwrap_or(""));
            word.clear();
            out.push(c);
        }
    }
    out.push_str(word.rsplit("::").next().unwrap_or(""));
    out
}

/// The cell's result: one marker line of kind `result`, with the run's number (the kernel
/// takes it as this cell's value only if the number is the cell's).
fn show_result(bundle: &MimeBundle) {
    let content = serde_json::json!({ "data": bundle.to_json(), "metadata": {} });
    emit(Kind::Result, &result_body(crate::display::run_number(), &content));
}

/// The body of a result line: the run's number, then the content as JSON.
pub fn result_body(seq: u64, content: &serde_json::Value) -> String {
    crate::channel::numbered_body(seq, &content.to_string())
}

/// Names `T` in a warning the kernel reads (`unused result of type PhantomData<T>`).
pub fn type_probe<T>(_: &T) -> std::marker::PhantomData<T> {
    std::marker::PhantomData
}

/// Called first by every cell: panics are reported on stdout, in order with the cell's
/// other output, as one block the kernel turns into one `error` output.
pub fn enter() {
    std::panic::set_hook(Box::new(|info| {
        let message = panic_message(info.payload()).unwrap_or_else(|| String::from("Box<dyn Any>"));
        let location = info.location().map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column())).unwrap_or_default();
        emit(Kind::Panic, &panic_report(&location, &message));
    }));
}

/// A panic's message: what `panic!` was given, a `&str` or a `String`; `None` for any other
/// payload (each caller says what stands in for it).
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> Option<String> {
    payload.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| payload.downcast_ref::<String>().cloned())
}

/// The body of a panic line: one line of JSON, however many lines the message has.
pub fn panic_report(location: &str, message: &str) -> String {
    serde_json::json!({ "location": location, "message": message }).to_string()
}

/// Runs `f`, catching a panic in it without reporting it: for the prelude's own code that
/// turns a panic into something it shows (a check's verdict, a picture that says it could
/// not draw). The hook set by [`enter`] would otherwise report the panic as the cell's
/// error, although the cell goes on. Returns the panic's message when there was one.
pub(crate) fn catch_quietly<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    std::panic::set_hook(previous);
    outcome.map_err(|payload| panic_message(&*payload).unwrap_or_else(|| "(no message)".to_string()))
}

/// Runs the body of a cell: a panic in it ends the body, not the process that runs cells
/// (the hook set by [`enter`] has already reported it). Here, compiled once in the prelude,
/// and not as `catch_unwind` in every cell: a trivial cell compiles 8 functions instead of
/// 17 (the time saved is within the machine's noise; docs/performance.md).
pub fn guarded(body: Box<dyn FnOnce() + '_>) {
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body));
}

/// What the cell's `eprint!` and `eprintln!` (the kernel's macros, written at the top of
/// every cell library) write: a [`Kind::Stderr`] line on stdout, so that it keeps its place
/// among the cell's printed lines. On the way, the stdout buffer goes first.
pub fn to_stderr(args: std::fmt::Arguments<'_>, newline: bool) {
    let mut text = std::fmt::format(args);
    if newline {
        text.push('\n');
    }
    if !text.is_empty() {
        emit(Kind::Stderr, &serde_json::Value::String(text).to_string());
    }
}

/// What the cell's `dbg!(expr)` writes: `[line N] expr = value` (N the cell's own line,
/// found in the cell library's table of generated lines, `lines`: first generated line,
/// how many, first cell line), the value in `{:#?}` form as `std::dbg!` writes it.
pub fn debugged<T: std::fmt::Debug + ?Sized>(lines: &[(u32, u32, u32)], line: u32, expr: &str, value: &T) {
    to_stderr(format_args!("{}{expr} = {value:#?}", place(lines, line)), true);
}

/// What the cell's `dbg!()` writes: `[line N]`.
pub fn debugged_here(lines: &[(u32, u32, u32)], line: u32) {
    to_stderr(format_args!("{}", place(lines, line).trim_end()), true);
}

/// `[line N] ` for generated line `line`, or `[dbg] ` in code that is not the cell's own (an
/// item kept from an earlier cell).
fn place(lines: &[(u32, u32, u32)], line: u32) -> String {
    match lines.iter().find(|(first, count, _)| (*first..first + count).contains(&line)) {
        Some((first, _, cell)) => format!("[line {}] ", cell + (line - first)),
        None => String::from("[dbg] "),
    }
}

/// Called last by every cell: everything it printed reaches the kernel before the kernel
/// hears that the cell is done.
pub fn leave() {
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_and_a_result_are_one_line_each() {
        assert_eq!(
            panic_report("src/lib.rs:3:5", "boom\nsecond line"),
            "{\"location\":\"src/lib.rs:3:5\",\"message\":\"boom\\nsecond line\"}"
        );
        assert_eq!(result_body(12, &serde_json::json!({ "data": {} })), "12 {\"data\":{}}");
    }

    #[test]
    fn dbg_names_the_cells_own_line() {
        let lines = [(10, 3, 1), (20, 2, 7)];
        assert_eq!(place(&lines, 11), "[line 2] ");
        assert_eq!(place(&lines, 21), "[line 8] ");
        assert_eq!(place(&lines, 13), "[dbg] ");
    }

    #[test]
    fn the_store_checks_before_it_takes() {
        let mut store = Store::default();
        store.put("a", 1.5f64);
        store.put("b", vec![1u8]);
        let wanted = [("a", TypeId::of::<f64>()), ("b", TypeId::of::<Vec<i32>>()), ("c", TypeId::of::<u8>())];
        assert_eq!(store.check(&wanted), ["b", "c"]);
        assert_eq!(store.take::<f64>("a"), 1.5);
        store.forget(&["b"]);
        assert!(store.check(&[("b", TypeId::of::<Vec<u8>>())]) == ["b"]);
    }

    #[test]
    fn a_panic_in_a_guarded_body_ends_only_the_body() {
        let mut kept = 0;
        guarded(Box::new(|| kept += 1));
        guarded(Box::new(|| panic!("in a cell")));
        assert_eq!(kept, 1);
    }

    #[test]
    fn type_names_are_shortened() {
        assert_eq!(short_type_name("alloc::vec::Vec<my_crate::Foo>"), "Vec<Foo>");
        assert_eq!(short_type_name("(i32, core::option::Option<u8>)"), "(i32, Option<u8>)");
        assert_eq!(short_type_name("alloc::vec::Vec<alloc::string::String>"), "Vec<String>");
        assert_eq!(short_type_name("core::num::error::ParseIntError"), "ParseIntError");
        assert_eq!(short_type_name("None"), "None");
    }
}
