//! The session's widget models, in the process that runs cells, and the comm messages that
//! keep them in step with the browser.
//!
//! **One registry per session, shared by every cell.** Each cell is its own shared library
//! with its own copy of this crate, so a `static` here would be a different one in every
//! cell. The registry is therefore made once, leaked, and its address kept in the variable
//! store under [`STORE_KEY`] (a name no Rust variable can have); every copy of this crate
//! learns the address when its cell takes the store ([`attach`], called by
//! `Store::from_raw`). A closure stored by cell 3 and run during a move in the browser runs
//! cell 3's code, whose copy of [`REGISTRY`] was set when cell 3 ran: the same registry.
//!
//! **One thread.** Cells and browser events all run on the main thread of the process that
//! runs cells, one at a time; the registry is a `RefCell` and refuses other threads.
//!
//! **Out to the kernel** every comm message is one display-channel line (`comm_open`,
//! `comm_msg`, `comm_close`), whose `content` is the Jupyter content and whose `metadata`
//! (ipywidgets' protocol version on `comm_open`) is the message's metadata.

use std::any::Any;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use std::sync::atomic::{AtomicPtr, Ordering};

use serde_json::{json, Map, Value};

use crate::channel::Kind;
use crate::display::{display_message_with_metadata, emit};

/// Where the registry's address is kept in the variable store.
pub const STORE_KEY: &str = "\u{1e}ndplay-widgets";
/// The comm target of every widget model (ipywidgets).
pub const WIDGET_TARGET: &str = "jupyter.widget";
/// The ipywidgets protocol this crate speaks (`comm_open` metadata).
pub const PROTOCOL_VERSION: &str = "2.1.0";

/// This copy of the crate's pointer to the session's registry.
static REGISTRY: AtomicPtr<Registry> = AtomicPtr::new(std::ptr::null_mut());

/// Something to run when a model's value changes in the browser.
pub type Callback = Rc<RefCell<dyn FnMut()>>;

pub struct Registry {
    inner: RefCell<Inner>,
    owner: std::thread::ThreadId,
}

#[derive(Default)]
struct Inner {
    models: BTreeMap<String, Model>,
    counter: u64,
    /// The msg_id of the browser message being handled: outputs parented to it go to the
    /// Output widget whose `msg_id` it is.
    route: String,
}

struct Model {
    state: Map<String, Value>,
    listeners: Vec<Callback>,
}

impl Registry {
    fn new() -> Registry {
        Registry { inner: RefCell::default(), owner: std::thread::current().id() }
    }
}

/// Called with the variable store whenever a cell or an event takes it: finds (or makes)
/// the session's registry and points this copy of the crate at it.
pub fn attach(values: &mut HashMap<String, Box<dyn Any>>) {
    let slot = values.entry(STORE_KEY.to_string()).or_insert_with(|| {
        let registry: &'static mut Registry = Box::leak(Box::new(Registry::new()));
        Box::new(registry as *mut Registry as usize)
    });
    if let Some(address) = slot.downcast_ref::<usize>() {
        REGISTRY.store(*address as *mut Registry, Ordering::SeqCst);
    }
}

fn registry() -> &'static Registry {
    let ptr = REGISTRY.load(Ordering::SeqCst);
    if ptr.is_null() {
        // Outside the kernel (unit tests, a program using the crate): one per thread.
        thread_local! {
            static LOCAL: &'static Registry = Box::leak(Box::new(Registry::new()));
        }
        return LOCAL.with(|r| *r);
    }
    // SAFETY: the registry is leaked (never freed) and only used through `with`.
    unsafe { &*ptr }
}

/// Runs `f` on the registry. Panics (with a message for the student) when called from
/// another thread, or from inside itself.
fn with<R>(f: impl FnOnce(&mut Inner) -> R) -> R {
    let registry = registry();
    assert!(
        std::thread::current().id() == registry.owner,
        "widgets can only be used from the cell's own thread, not from a thread it started"
    );
    let mut inner = registry.inner.try_borrow_mut().expect("ndplay: the widget registry is already in use");
    f(&mut inner)
}

/// A new model id: 32 hex digits, unique in the session (and, with the clock and the
/// process id, across sessions), as ipywidgets' uuid4 hex ids look.
pub fn new_id() -> String {
    let n = with(|r| {
        r.counter += 1;
        r.counter
    });
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{:016x}{:08x}{:08x}", nanos as u64, std::process::id(), n as u32)
}

/// Opens a model in the browser (a `comm_open`) and keeps its state.
pub fn open(id: &str, state: Map<String, Value>) {
    let content = json!({
        "comm_id": id,
        "target_name": WIDGET_TARGET,
        "data": { "state": state, "buffer_paths": [] },
    });
    with(|r| r.models.insert(id.to_string(), Model { state, listeners: Vec::new() }));
    emit(Kind::Display, &display_message_with_metadata("comm_open", content, json!({ "version": PROTOCOL_VERSION })));
}

/// Sends `data` on the comm `id` (a `comm_msg`).
pub fn send(id: &str, data: Value) {
    emit(Kind::Display, &display_message_with_metadata("comm_msg", json!({ "comm_id": id, "data": data }), json!({})));
}

/// Sets part of a model's state here and in the browser.
pub fn set(id: &str, state: Map<String, Value>) {
    with(|r| {
        if let Some(model) = r.models.get_mut(id) {
            model.state.extend(state.clone());
        }
    });
    send(id, json!({ "method": "update", "state": state, "buffer_paths": [] }));
}

/// One attribute of a model's state, as it is now (the browser's latest move included).
pub fn get(id: &str, key: &str) -> Option<Value> {
    with(|r| r.models.get(id).and_then(|m| m.state.get(key).cloned()))
}

/// Runs `callback` whenever the value of model `id` changes in the browser.
pub fn listen(id: &str, callback: Callback) {
    with(|r| {
        if let Some(model) = r.models.get_mut(id) {
            model.listeners.push(callback);
        }
    });
}

/// The msg_id of the browser message being handled (empty inside a cell).
pub fn route() -> String {
    with(|r| r.route.clone())
}

/// How many models the session has open.
pub fn model_count() -> usize {
    with(|r| r.models.len())
}

/// Handles one message from the browser, as the kernel passes it on:
/// `{"comm_id", "route", "data"}`, or `{"comm_id", "close": true}`.
pub fn handle(event: &Value) {
    let comm_id = event["comm_id"].as_str().unwrap_or_default();
    let route = event["route"].as_str().unwrap_or_default().to_string();
    with(|r| r.route = route);
    if event["close"] == Value::Bool(true) {
        with(|r| r.models.remove(comm_id));
        return;
    }
    let data = &event["data"];
    match data["method"].as_str() {
        // The `jupyter.widget.control` comm: every model at once (a page reload).
        Some("request_states") => {
            // Each model as the frontend's manager makes it anew: its class and its state.
            let states: Map<String, Value> = with(|r| {
                r.models
                    .iter()
                    .map(|(id, m)| {
                        let field = |k: &str| m.state.get(k).cloned().unwrap_or(Value::Null);
                        let entry = json!({
                            "model_name": field("_model_name"),
                            "model_module": field("_model_module"),
                            "model_module_version": field("_model_module_version"),
                            "state": m.state,
                        });
                        (id.clone(), entry)
                    })
                    .collect()
            });
            send(comm_id, json!({ "method": "update_states", "states": states, "buffer_paths": [] }));
        }
        Some("request_state") => {
            if let Some(state) = with(|r| r.models.get(comm_id).map(|m| m.state.clone())) {
                send(comm_id, json!({ "method": "update", "state": state, "buffer_paths": [] }));
            }
        }
        Some("update") => {
            let Some(state) = data["state"].as_object() else { return };
            update_from_browser(comm_id, state);
        }
        _ => {}
    }
}

/// A move in the browser: keep the new state, echo it (ipywidgets 8 `echo_update`, so every
/// open view of the notebook agrees), and run what listens to the value.
fn update_from_browser(comm_id: &str, state: &Map<String, Value>) {
    let found = with(|r| {
        let model = r.models.get_mut(comm_id)?;
        // `index` is what a dropdown sends.
        let changed = ["value", "index"].iter().any(|k| state.get(*k).is_some_and(|v| model.state.get(*k) != Some(v)));
        model.state.extend(state.clone());
        let is_output = model.state.get("_model_name").and_then(Value::as_str) == Some("OutputModel");
        Some((changed, is_output, model.listeners.clone()))
    });
    let Some((changed, is_output, listeners)) = found else { return };
    // An Output widget's `outputs` and `msg_id` are the browser's to keep (it records what
    // it shows); echoing them would send every output back and forth.
    if !is_output {
        send(comm_id, json!({ "method": "echo_update", "state": state, "buffer_paths": [] }));
    }
    if changed {
        for listener in listeners {
            (listener.borrow_mut())();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_32_hex_digits_and_unique() {
        let (a, b) = (new_id(), new_id());
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn a_browser_update_changes_the_state_and_runs_listeners_once_per_change() {
        let id = new_id();
        let mut state = Map::new();
        state.insert("value".into(), json!(1));
        state.insert("_model_name".into(), json!("IntSliderModel"));
        open(&id, state);
        let runs = Rc::new(RefCell::new(Vec::new()));
        let seen = runs.clone();
        let reader = id.clone();
        listen(&id, Rc::new(RefCell::new(move || seen.borrow_mut().push(get(&reader, "value")))));
        let event = |v: i64| json!({"comm_id": id, "route": "m1", "data": {"method": "update", "state": {"value": v}}});
        handle(&event(5));
        handle(&event(5));
        handle(&event(6));
        assert_eq!(*runs.borrow(), vec![Some(json!(5)), Some(json!(6))]);
        assert_eq!(route(), "m1");
        handle(&json!({"comm_id": id, "close": true}));
        assert_eq!(get(&id, "value"), None);
    }
}
