//! Widgets a student can touch: sliders, checkboxes, dropdowns, rows and columns of them,
//! and [`interact`], which reruns a closure on every move and shows what it returns.
//!
//! They are ipywidgets 8 models: JupyterLab (with `jupyterlab_widgets`) draws them. A
//! widget's state lives in the process that runs cells ([`registry`]), so
//! [`Slider::value`] in a later cell gives what the student last set in the browser, and
//! the closure given to [`interact`] is compiled code kept there: a move in the browser
//! runs it at once, without compiling anything.
//!
//! ```no_run
//! use ndplay::prelude::*;
//! let n = slider("n", 0..=10);
//! interact(&n, |n| Array1::<i32>::ones(n as usize) * 7);
//! ```
//!
//! Where widgets cannot be drawn (a stored notebook on GitHub, nbval, a terminal) each
//! shows its text form: `n = 3 (slider 0..=10, step 1)`.

pub mod controls;
pub mod interact;
pub mod registry;

pub use controls::{
    checkbox, column, dropdown, row, slider, Checkbox, Dropdown, Slider, SliderValue, WidgetBox, Widgets,
};
pub use interact::{interact, Controls, Interact, InteractOutput};

use std::ffi::c_void;

use serde_json::{json, Map, Value};

use crate::display::MimeBundle;

/// The mime type of a widget view.
pub const MIME_WIDGET_VIEW: &str = "application/vnd.jupyter.widget-view+json";

/// The state every model of `@jupyter-widgets/controls` starts from, with its layout (a
/// model of its own, opened first) and, when the view has one, its style model.
fn base_state(model: &str, view: &str, style: Option<&str>) -> Map<String, Value> {
    let layout = open_plain("LayoutModel", "LayoutView", "@jupyter-widgets/base");
    let mut state = Map::new();
    state.insert("_model_name".into(), json!(model));
    state.insert("_model_module".into(), json!("@jupyter-widgets/controls"));
    state.insert("_model_module_version".into(), json!("2.0.0"));
    state.insert("_view_name".into(), json!(view));
    state.insert("_view_module".into(), json!("@jupyter-widgets/controls"));
    state.insert("_view_module_version".into(), json!("2.0.0"));
    state.insert("_dom_classes".into(), json!([]));
    state.insert("layout".into(), json!(format!("IPY_MODEL_{layout}")));
    if let Some(style) = style {
        let mut s = plain_state(style, "StyleView", "@jupyter-widgets/controls");
        s.insert("_view_module".into(), json!("@jupyter-widgets/base"));
        s.insert("description_width".into(), json!(""));
        let id = registry::new_id();
        registry::open(&id, s);
        state.insert("style".into(), json!(format!("IPY_MODEL_{id}")));
    }
    state
}

fn plain_state(model: &str, view: &str, module: &str) -> Map<String, Value> {
    let mut state = Map::new();
    state.insert("_model_name".into(), json!(model));
    state.insert("_model_module".into(), json!(module));
    state.insert("_model_module_version".into(), json!("2.0.0"));
    state.insert("_view_name".into(), json!(view));
    state.insert("_view_module".into(), json!(module));
    state.insert("_view_module_version".into(), json!("2.0.0"));
    state
}

/// Opens a model with no layout of its own (a layout itself); its id.
fn open_plain(model: &str, view: &str, module: &str) -> String {
    let id = registry::new_id();
    registry::open(&id, plain_state(model, view, module));
    id
}

/// A model's view as an output: the widget where it can be drawn, `plain` elsewhere.
fn view_bundle(id: &str, plain: String) -> MimeBundle {
    let view = json!({ "model_id": id, "version_major": 2, "version_minor": 0 });
    MimeBundle::new(plain).with(MIME_WIDGET_VIEW, view.to_string())
}

/// What the process that runs cells calls to hand a message from the browser to the
/// widgets: the variable store, and the message as JSON. Returns the store. A panic (in a
/// student's closure) is reported like a cell's. The process finds it by name through the
/// latest cell's library, which links this prelude (the kernel's `process/child_side.rs`); it is
/// defined once here rather than in every cell, which would compile it every time.
///
/// # Safety
/// `store` is what the previous cell returned; `event` points to `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ndplay_event(store: *mut c_void, event: *const u8, len: usize) -> *mut c_void {
    crate::cell::enter();
    // SAFETY: the caller passes the store of this process, unused by anything else now.
    let store = unsafe { crate::cell::Store::from_raw(store) };
    // SAFETY: the caller promises `len` readable bytes.
    let bytes = unsafe { std::slice::from_raw_parts(event, len) };
    crate::cell::guarded(Box::new(|| {
        if let Ok(event) = serde_json::from_slice::<Value>(bytes) {
            registry::handle(&event);
        }
    }));
    crate::cell::leave();
    store.into_raw()
}
