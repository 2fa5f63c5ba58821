//! [`interact`]: widgets above an output area; every move reruns a closure and shows what it
//! returns in place of the previous result, as ipywidgets' `interact` does.
//!
//! The closure is called once in the cell (its result is the output area's first content)
//! and then on every change of a widget's value. Each later call runs inside a message from
//! the browser: the Output widget's `msg_id` is set to that message's id first, so the
//! frontend files everything that call shows — the result, `display`s, `println!` text, a
//! panic's message — in the output area, not in the cell; and it is cleared again before
//! the message ends, so that the message's idle reaches the slider (see `interact`).

use std::cell::RefCell;
use std::panic::AssertUnwindSafe;
use std::rc::Rc;

use serde_json::{json, Map, Value};

use super::controls::{self, boxed, Checkbox, Dropdown, Slider, SliderValue};
use super::{registry, view_bundle};
use crate::display::{clear_output_wait, display, MimeBundle, Render};

/// What [`interact`] can read values from: one widget, a reference to one, or a tuple of up
/// to four (the closure then takes a tuple of their values).
pub trait Controls {
    type Value: 'static;
    /// The model ids of the widgets, in order.
    fn ids(&self) -> Vec<String>;
    /// A function that reads the current value(s), kept by the closure that reruns.
    fn reader(&self) -> Rc<dyn Fn() -> Self::Value>;
}

impl<T: SliderValue> Controls for Slider<T> {
    type Value = T;
    fn ids(&self) -> Vec<String> {
        vec![self.id().to_string()]
    }
    fn reader(&self) -> Rc<dyn Fn() -> T> {
        let me = self.clone();
        Rc::new(move || me.value())
    }
}

impl Controls for Checkbox {
    type Value = bool;
    fn ids(&self) -> Vec<String> {
        vec![self.id().to_string()]
    }
    fn reader(&self) -> Rc<dyn Fn() -> bool> {
        let me = self.clone();
        Rc::new(move || me.value())
    }
}

impl Controls for Dropdown {
    type Value = String;
    fn ids(&self) -> Vec<String> {
        vec![self.id().to_string()]
    }
    fn reader(&self) -> Rc<dyn Fn() -> String> {
        let me = self.clone();
        Rc::new(move || me.value())
    }
}

impl<C: Controls + ?Sized> Controls for &C {
    type Value = C::Value;
    fn ids(&self) -> Vec<String> {
        (**self).ids()
    }
    fn reader(&self) -> Rc<dyn Fn() -> C::Value> {
        (**self).reader()
    }
}

macro_rules! tuple_controls {
    ($($name:ident $index:tt),+) => {
        impl<$($name: Controls),+> Controls for ($($name,)+) {
            type Value = ($($name::Value,)+);
            fn ids(&self) -> Vec<String> {
                let mut ids = Vec::new();
                $(ids.extend(self.$index.ids());)+
                ids
            }
            fn reader(&self) -> Rc<dyn Fn() -> Self::Value> {
                let readers = ($(self.$index.reader(),)+);
                Rc::new(move || ($((readers.$index)(),)+))
            }
        }
    };
}
tuple_controls!(A 0, B 1);
tuple_controls!(A 0, B 1, C 2);
tuple_controls!(A 0, B 1, C 2, D 3);

/// What an [`interact`] closure may return: anything [`Render`] (arrays, diagrams, plots,
/// numbers, text), or `()` to show nothing but what the closure displays itself.
pub trait InteractOutput {
    fn output_bundle(&self) -> Option<MimeBundle>;
}

impl<T: Render> InteractOutput for T {
    fn output_bundle(&self) -> Option<MimeBundle> {
        Some(self.mime_bundle())
    }
}

impl InteractOutput for () {
    fn output_bundle(&self) -> Option<MimeBundle> {
        None
    }
}

/// The widgets and output area of an [`interact`], shown as one column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interact {
    id: String,
    output: String,
    plain: String,
}

impl Interact {
    /// The model id of the column (widgets and output area).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The model id of the output area.
    pub fn output_id(&self) -> &str {
        &self.output
    }
}

impl Render for Interact {
    fn mime_bundle(&self) -> MimeBundle {
        view_bundle(&self.id, self.plain.clone())
    }
}

/// Shows `controls` above an output area, calls `f` with their value(s) now and on every
/// change, and shows what it returns, replacing the previous result.
///
/// ```no_run
/// use ndplay::prelude::*;
/// let n = slider("n", 0..=10).initial(3);
/// interact(&n, |n| n * 7);
/// ```
///
/// With several widgets the closure takes a tuple:
///
/// ```no_run
/// use ndplay::prelude::*;
/// let rows = slider("rows", 1..=4);
/// let cols = slider("cols", 1..=4);
/// interact((&rows, &cols), |(r, c)| shape_diagram(&Array2::<f64>::zeros((r as usize, c as usize))));
/// ```
///
/// The closure is kept after the cell ends, so it must own what it uses: `move` a clone in
/// (the variable itself would leave the session with the closure).
///
/// ```no_run
/// use ndplay::prelude::*;
/// let a = array![1.0, 2.0, 3.0];
/// let k = slider("k", 0.0..=2.0);
/// let a2 = a.clone();
/// interact(&k, move |k| &a2 * k);
/// ```
///
/// A panic in `f` shows as an error in the output area; the other widgets keep working. An
/// endless loop in `f` is stopped with the notebook's interrupt, as a cell is.
pub fn interact<C, F, R>(controls: C, f: F) -> Interact
where
    C: Controls,
    F: FnMut(C::Value) -> R + 'static,
    R: InteractOutput,
{
    let read = controls.reader();
    let f = Rc::new(RefCell::new(f));
    let first = (f.borrow_mut())(read());
    let first = crate::picture::live_only(|| first.output_bundle());
    let output = open_output(first.as_ref());
    let mut children: Vec<String> = controls.ids();
    children.push(output.clone());
    let refs: Vec<&str> = children.iter().map(String::as_str).collect();
    let column = boxed(&refs, false);

    let output_id = output.clone();
    let rerun: registry::Callback = Rc::new(RefCell::new(move || {
        // Everything from here on is filed under the browser's message, in the output area.
        route_output(&output_id, registry::route());
        clear_output_wait();
        // The result's pictures are live only: no PNG twin (see `live_only`). Only the
        // result's: what the closure displays itself may update a display of an earlier
        // cell (a `display_handle`), which is stored and needs its twin.
        let ran = std::panic::catch_unwind(AssertUnwindSafe(|| {
            let result = (f.borrow_mut())(read());
            crate::picture::live_only(|| result.output_bundle())
        }));
        let panicked = match ran {
            Ok(bundle) => {
                if let Some(bundle) = bundle {
                    display(&bundle);
                }
                None
            }
            Err(payload) => {
                display(&panic_bundle(&*payload));
                Some(payload)
            }
        };
        // While `msg_id` is set, JupyterLab hands *every* message of this move to the Output
        // widget — the move's idle too, which the slider waits for before it sends the next
        // move (ipywidgets' throttle). So it is cleared before the move ends, as ipywidgets'
        // `with out:` does; without this a slider in the browser stops after one move.
        route_output(&output_id, String::new());
        if let Some(payload) = panicked {
            // The kernel still reports the panic as the move's error (after this clear, so
            // it is not in the output area; the message shown above is).
            std::panic::resume_unwind(payload);
        }
    }));
    for id in controls.ids() {
        registry::listen(&id, rerun.clone());
    }

    let plain = text_form(&controls.ids(), first.as_ref().map(MimeBundle::plain));
    Interact { id: column.id().to_string(), output, plain }
}

/// What a stored notebook shows where the widgets cannot be drawn: each control as it
/// shows alone (its label, value and range), then `→` and the closure's result for those
/// values, its later lines indented under the arrow.
fn text_form(ids: &[String], result: Option<&str>) -> String {
    let mut lines: Vec<String> = ids.iter().map(|id| controls::text_form(id)).collect();
    if let Some(result) = result {
        lines.push(format!("→ {}", result.replace('\n', "\n  ")));
    }
    lines.join("\n")
}

/// Files what follows under the browser message `msg_id` in the Output widget `output`
/// (an empty `msg_id`: in no Output widget).
fn route_output(output: &str, msg_id: String) {
    let mut state = Map::new();
    state.insert("msg_id".into(), json!(msg_id));
    registry::set(output, state);
}

/// What the output area shows when the closure panicked: the panic's message, as the
/// kernel's error for a cell begins (`panic: ...`, the word in red).
fn panic_bundle(payload: &(dyn std::any::Any + Send)) -> MimeBundle {
    let message = crate::cell::panic_message(payload).unwrap_or_else(|| "the closure panicked".to_string());
    MimeBundle::new(format!("\x1b[1;31mpanic\x1b[0m: {message}"))
}

/// Opens the Output widget, showing `first` (the closure's result in the cell).
fn open_output(first: Option<&MimeBundle>) -> String {
    let layout = registry::new_id();
    let mut layout_state = Map::new();
    for (k, v) in [
        ("_model_name", "LayoutModel"),
        ("_model_module", "@jupyter-widgets/base"),
        ("_model_module_version", "2.0.0"),
        ("_view_name", "LayoutView"),
        ("_view_module", "@jupyter-widgets/base"),
        ("_view_module_version", "2.0.0"),
    ] {
        layout_state.insert(k.into(), json!(v));
    }
    registry::open(&layout, layout_state);
    let outputs: Vec<Value> = first
        .map(|b| json!({ "output_type": "display_data", "data": b.to_json(), "metadata": {} }))
        .into_iter()
        .collect();
    let mut state = Map::new();
    for (k, v) in [
        ("_model_name", json!("OutputModel")),
        ("_model_module", json!("@jupyter-widgets/output")),
        ("_model_module_version", json!("1.0.0")),
        ("_view_name", json!("OutputView")),
        ("_view_module", json!("@jupyter-widgets/output")),
        ("_view_module_version", json!("1.0.0")),
        ("_dom_classes", json!([])),
        ("layout", json!(format!("IPY_MODEL_{layout}"))),
        ("msg_id", json!("")),
        ("outputs", json!(outputs)),
        ("tabbable", Value::Null),
        ("tooltip", Value::Null),
    ] {
        state.insert(k.into(), v);
    }
    let id = registry::new_id();
    registry::open(&id, state);
    id
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::widgets::{checkbox, slider, MIME_WIDGET_VIEW};

    fn move_to(id: &str, value: Value) {
        registry::handle(
            &json!({"comm_id": id, "route": "move-1", "data": {"method": "update", "state": {"value": value}}}),
        );
    }

    #[test]
    fn shows_the_first_result_and_reruns_on_every_move() {
        let s = slider("n", 0..=10).initial(3);
        let calls = Rc::new(RefCell::new(Vec::new()));
        let seen = calls.clone();
        let routes = Rc::new(RefCell::new(Vec::new()));
        let routed = routes.clone();
        let output = Rc::new(RefCell::new(String::new()));
        let output_of = output.clone();
        let shown = interact(&s, move |n| {
            seen.borrow_mut().push(n);
            if !output_of.borrow().is_empty() {
                routed.borrow_mut().push(registry::get(&output_of.borrow(), "msg_id"));
            }
            n * 7
        });
        *output.borrow_mut() = shown.output_id().to_string();
        assert_eq!(shown.mime_bundle().plain(), "n = 3 (slider 0..=10, step 1)\n→ 21");
        let data = shown.mime_bundle().to_json();
        assert_eq!(data[MIME_WIDGET_VIEW]["model_id"], json!(shown.id()), "the view is a JSON object");
        let outputs = registry::get(shown.output_id(), "outputs").unwrap();
        assert_eq!(outputs[0]["data"]["text/plain"], "21");
        move_to(s.id(), json!(5));
        assert_eq!(s.value(), 5);
        assert_eq!(*calls.borrow(), [3, 5]);
        // Routed to the move while the closure ran, and cleared once it is done (or the
        // frontend would keep the move's idle from the slider).
        assert_eq!(*routes.borrow(), [Some(json!("move-1"))]);
        assert_eq!(registry::get(shown.output_id(), "msg_id"), Some(json!("")));
    }

    #[test]
    fn a_tuple_of_widgets_gives_a_tuple_of_values() {
        let a = slider("a", 0.0..=1.0);
        let b = checkbox("b", false);
        let last = Rc::new(RefCell::new(None));
        let seen = last.clone();
        interact((&a, &b), move |(x, flag)| {
            *seen.borrow_mut() = Some((x, flag));
        });
        move_to(b.id(), json!(true));
        assert_eq!(*last.borrow(), Some((0.0, true)));
        move_to(a.id(), json!(0.5));
        assert_eq!(*last.borrow(), Some((0.5, true)));
        assert_eq!(a.mime_bundle().plain(), "a = 0.5 (slider 0.0..=1.0, step 0.01)");
    }

    #[test]
    fn the_text_form_names_every_control_and_indents_the_result_under_the_arrow() {
        let rows = slider("rows", 1..=3).initial(2);
        let on = checkbox("on", true);
        let shown = interact((&rows, &on), |(r, _)| crate::prelude::Array2::<i32>::zeros((r as usize, 2)));
        assert_eq!(
            shown.mime_bundle().plain(),
            "rows = 2 (slider 1..=3, step 1)\n[x] on\n→ array![[0, 0],\n         [0, 0]]"
        );
    }

    #[test]
    fn a_panic_in_the_closure_is_shown_in_the_output_area_and_the_route_is_cleared() {
        let p = slider("p", 0..=3);
        let shown = interact(&p, |n| {
            if n == 2 {
                panic!("no twos here")
            }
            n * 10
        });
        let moved = std::panic::catch_unwind(|| move_to(p.id(), json!(2)));
        assert!(moved.is_err(), "the panic goes on to the kernel, which reports it as the move's error");
        assert_eq!(registry::get(shown.output_id(), "msg_id"), Some(json!("")));
        assert_eq!(panic_bundle(&"no twos here").plain(), "\x1b[1;31mpanic\x1b[0m: no twos here");
        move_to(p.id(), json!(3));
        assert_eq!(p.value(), 3);
    }

    #[test]
    fn rows_and_columns_nest() {
        let a = slider("a", 0..=1);
        let b = checkbox("b", false);
        let r = crate::widgets::row((&a, &b));
        let c = crate::widgets::column((&r, &a));
        let children = registry::get(c.id(), "children").unwrap();
        assert_eq!(children, json!([format!("IPY_MODEL_{}", r.id()), format!("IPY_MODEL_{}", a.id())]));
        assert_eq!(r.mime_bundle().plain(), "(row of 2 widgets)");
    }
}
