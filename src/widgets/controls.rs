//! The controls: [`slider`], [`checkbox`], [`dropdown`], and [`row`]/[`column`] boxes.
//!
//! Each function opens the widget's model in the browser at once (as ipywidgets does when a
//! widget is made) and returns a handle: show it as a cell's last expression (or with
//! `display`), read it with `.value()`, or give it to [`interact`](super::interact).

use std::marker::PhantomData;
use std::ops::RangeInclusive;

use serde_json::{json, Map, Value};

use super::{base_state, registry, view_bundle};
use crate::display::{MimeBundle, Render};

/// The number types a slider can have: integers make an `IntSlider`, floats a
/// `FloatSlider`.
pub trait SliderValue: Copy + PartialOrd + std::fmt::Debug + 'static {
    /// Whether the slider is a float slider.
    const FLOAT: bool;
    /// The step a slider of this type has unless told otherwise, for its range.
    fn default_step(range: &RangeInclusive<Self>) -> Self;
    fn to_json(self) -> Value;
    /// The value the browser sent (a JSON number), if it fits this type.
    fn from_json(value: &Value) -> Option<Self>;
}

macro_rules! int_slider_value {
    ($($t:ty),*) => {$(
        impl SliderValue for $t {
            const FLOAT: bool = false;
            fn default_step(_: &RangeInclusive<Self>) -> Self { 1 }
            fn to_json(self) -> Value { json!(self) }
            // `i64::try_from(i64)` for the i64 slider: one macro for every integer type.
            #[allow(clippy::useless_conversion)]
            fn from_json(value: &Value) -> Option<Self> {
                // The browser sends whole numbers; a float here would be a bug elsewhere.
                let v = value.as_i64().or_else(|| value.as_f64().map(|f| f.round() as i64))?;
                <$t>::try_from(v).ok()
            }
        }
    )*};
}
int_slider_value!(i8, i16, i32, i64, u8, u16, u32, u64, usize, isize);

macro_rules! float_slider_value {
    ($($t:ty),*) => {$(
        impl SliderValue for $t {
            const FLOAT: bool = true;
            // `f64 as f64` for the f64 slider: one macro for both float types.
            #[allow(clippy::unnecessary_cast)]
            fn default_step(range: &RangeInclusive<Self>) -> Self {
                // A hundred steps across the range, as a round number (0.1 for 0.0..=10.0).
                let span = (*range.end() - *range.start()) as f64;
                if span <= 0.0 { return 0.1; }
                1.0 / 10f64.powi(-((span / 100.0).log10().floor() as i32)) as $t
            }
            fn to_json(self) -> Value { json!(self) }
            #[allow(clippy::unnecessary_cast)]
            fn from_json(value: &Value) -> Option<Self> { value.as_f64().map(|f| f as $t) }
        }
    )*};
}
float_slider_value!(f32, f64);

/// A slider for a number in a range, made by [`slider`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slider<T> {
    id: String,
    _value: PhantomData<T>,
}

/// An integer slider for an integer range, a float slider for a float range; it starts at
/// the range's start (see [`Slider::initial`] and [`Slider::step`]).
///
/// ```no_run
/// use ndplay::prelude::*;
/// let n = slider("n", 0..=10).initial(3);
/// let scale = slider("scale", 0.0..=2.0).step(0.05).initial(1.0);
/// ```
pub fn slider<T: SliderValue>(label: &str, range: RangeInclusive<T>) -> Slider<T> {
    let (model, view, format) = if T::FLOAT {
        ("FloatSliderModel", "FloatSliderView", ".2f")
    } else {
        ("IntSliderModel", "IntSliderView", "d")
    };
    let mut state = base_state(model, view, Some("SliderStyleModel"));
    let step = T::default_step(&range);
    let (min, max) = (*range.start(), *range.end());
    let pairs = [
        ("value", min.to_json()),
        ("min", min.to_json()),
        ("max", max.to_json()),
        ("step", step.to_json()),
        ("description", json!(label)),
        ("description_allow_html", json!(false)),
        ("disabled", json!(false)),
        ("continuous_update", json!(true)),
        ("orientation", json!("horizontal")),
        ("readout", json!(true)),
        ("readout_format", json!(format)),
        ("behavior", json!("drag-tap")),
        ("tabbable", Value::Null),
        ("tooltip", Value::Null),
    ];
    for (k, v) in pairs {
        state.insert(k.into(), v);
    }
    let id = registry::new_id();
    registry::open(&id, state);
    Slider { id, _value: PhantomData }
}

impl<T: SliderValue> Slider<T> {
    /// The value the slider shows now: the latest move in the browser, or its start.
    pub fn value(&self) -> T {
        registry::get(&self.id, "value").as_ref().and_then(T::from_json).unwrap_or_else(|| self.min())
    }

    fn min(&self) -> T {
        registry::get(&self.id, "min").as_ref().and_then(T::from_json).expect("a slider always has a minimum")
    }

    /// Starts the slider at `value` (kept inside its range).
    pub fn initial(self, value: T) -> Self {
        let max = registry::get(&self.id, "max").as_ref().and_then(T::from_json);
        let value = match max {
            Some(max) if value > max => max,
            _ if value < self.min() => self.min(),
            _ => value,
        };
        self.set("value", value.to_json());
        self
    }

    /// Moves in steps of `step`.
    pub fn step(self, step: T) -> Self {
        self.set("step", step.to_json());
        self
    }

    /// Sets the value from code (the browser moves the slider too).
    pub fn set_value(&self, value: T) {
        self.set("value", value.to_json());
    }

    fn set(&self, key: &str, value: Value) {
        let mut state = Map::new();
        state.insert(key.into(), value);
        registry::set(&self.id, state);
    }

    /// The model id of the widget.
    pub fn id(&self) -> &str {
        &self.id
    }
}

fn label_of(id: &str) -> String {
    registry::get(id, "description").and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// The text form of the control with model id `id`, read from its state now: what a stored
/// notebook, nbval and a terminal show in place of the widget (`n = 3 (slider 0..=10, step
/// 1)`, `[x] on`, `dtype = "f32" (dropdown)`). [`interact`](super::interact) lists its
/// controls the same way.
pub(crate) fn text_form(id: &str) -> String {
    let get = |k: &str| registry::get(id, k).unwrap_or(Value::Null);
    let label = label_of(id);
    match get("_model_name").as_str().unwrap_or_default() {
        "IntSliderModel" | "FloatSliderModel" => {
            format!("{label} = {} (slider {}..={}, step {})", get("value"), get("min"), get("max"), get("step"))
        }
        "CheckboxModel" => {
            let mark = if get("value").as_bool().unwrap_or(false) { "[x]" } else { "[ ]" };
            format!("{mark} {label}")
        }
        "DropdownModel" => format!("{label} = {:?} (dropdown)", get("value").as_str().unwrap_or_default()),
        _ => format!("{label} = {}", get("value")),
    }
}

impl<T: SliderValue> Render for Slider<T> {
    fn mime_bundle(&self) -> MimeBundle {
        view_bundle(&self.id, text_form(&self.id))
    }
}

/// A checkbox, made by [`checkbox`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkbox {
    id: String,
}

/// A checkbox that starts ticked when `value` is true.
pub fn checkbox(label: &str, value: bool) -> Checkbox {
    let mut state = base_state("CheckboxModel", "CheckboxView", Some("CheckboxStyleModel"));
    for (k, v) in [
        ("value", json!(value)),
        ("description", json!(label)),
        ("description_allow_html", json!(false)),
        ("disabled", json!(false)),
        ("indent", json!(true)),
        ("tabbable", Value::Null),
        ("tooltip", Value::Null),
    ] {
        state.insert(k.into(), v);
    }
    let id = registry::new_id();
    registry::open(&id, state);
    Checkbox { id }
}

impl Checkbox {
    /// Whether it is ticked now (the latest click in the browser).
    pub fn value(&self) -> bool {
        registry::get(&self.id, "value").and_then(|v| v.as_bool()).unwrap_or(false)
    }

    pub fn id(&self) -> &str {
        &self.id
    }
}

impl Render for Checkbox {
    fn mime_bundle(&self) -> MimeBundle {
        view_bundle(&self.id, text_form(&self.id))
    }
}

/// A dropdown list, made by [`dropdown`]; its value is the chosen option's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropdown {
    id: String,
}

/// A dropdown of `options`, the first one chosen.
///
/// ```no_run
/// use ndplay::prelude::*;
/// let dtype = dropdown("dtype", &["f64", "f32", "i32"]);
/// ```
pub fn dropdown<S: AsRef<str>>(label: &str, options: &[S]) -> Dropdown {
    let labels: Vec<&str> = options.iter().map(|o| o.as_ref()).collect();
    let mut state = base_state("DropdownModel", "DropdownView", Some("DescriptionStyleModel"));
    for (k, v) in [
        ("_options_labels", json!(labels)),
        ("index", if labels.is_empty() { Value::Null } else { json!(0) }),
        ("description", json!(label)),
        ("description_allow_html", json!(false)),
        ("disabled", json!(false)),
        ("tabbable", Value::Null),
        ("tooltip", Value::Null),
    ] {
        state.insert(k.into(), v);
    }
    // The browser sends `index` when the choice changes; the registry runs listeners on
    // `value`, so the chosen label is mirrored there.
    state.insert("value".into(), labels.first().map_or(Value::Null, |l| json!(l)));
    let id = registry::new_id();
    registry::open(&id, state);
    Dropdown { id }
}

impl Dropdown {
    /// The option chosen now (empty when there are none).
    pub fn value(&self) -> String {
        let labels = registry::get(&self.id, "_options_labels").unwrap_or(Value::Null);
        let index = registry::get(&self.id, "index").and_then(|v| v.as_u64()).unwrap_or(0) as usize;
        labels.get(index).and_then(Value::as_str).unwrap_or_default().to_string()
    }

    /// The position of the option chosen now.
    pub fn index(&self) -> usize {
        registry::get(&self.id, "index").and_then(|v| v.as_u64()).unwrap_or(0) as usize
    }

    pub fn id(&self) -> &str {
        &self.id
    }
}

impl Render for Dropdown {
    fn mime_bundle(&self) -> MimeBundle {
        view_bundle(&self.id, text_form(&self.id))
    }
}

/// A row or a column of widgets, made by [`row`] or [`column`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WidgetBox {
    id: String,
    plain: Vec<String>,
    horizontal: bool,
}

/// Widgets side by side: `row((&a, &b))`.
pub fn row<W: Widgets>(widgets: W) -> WidgetBox {
    let ids = widgets.model_ids();
    boxed(&ids.iter().map(String::as_str).collect::<Vec<_>>(), true)
}

/// Widgets one above the other: `column((&a, &b))`, or rows in a column.
pub fn column<W: Widgets>(widgets: W) -> WidgetBox {
    let ids = widgets.model_ids();
    boxed(&ids.iter().map(String::as_str).collect::<Vec<_>>(), false)
}

/// What [`row`] and [`column`] lay out: a widget, a reference to one, or a tuple of up to
/// four (rows and columns included).
pub trait Widgets {
    /// The model ids, in order.
    fn model_ids(&self) -> Vec<String>;
}

impl<T: SliderValue> Widgets for Slider<T> {
    fn model_ids(&self) -> Vec<String> {
        vec![self.id.clone()]
    }
}

impl Widgets for Checkbox {
    fn model_ids(&self) -> Vec<String> {
        vec![self.id.clone()]
    }
}

impl Widgets for Dropdown {
    fn model_ids(&self) -> Vec<String> {
        vec![self.id.clone()]
    }
}

impl Widgets for WidgetBox {
    fn model_ids(&self) -> Vec<String> {
        vec![self.id.clone()]
    }
}

impl Widgets for super::Interact {
    fn model_ids(&self) -> Vec<String> {
        vec![self.id().to_string()]
    }
}

impl<W: Widgets + ?Sized> Widgets for &W {
    fn model_ids(&self) -> Vec<String> {
        (**self).model_ids()
    }
}

macro_rules! tuple_widgets {
    ($($name:ident $index:tt),+) => {
        impl<$($name: Widgets),+> Widgets for ($($name,)+) {
            fn model_ids(&self) -> Vec<String> {
                let mut ids = Vec::new();
                $(ids.extend(self.$index.model_ids());)+
                ids
            }
        }
    };
}
tuple_widgets!(A 0, B 1);
tuple_widgets!(A 0, B 1, C 2);
tuple_widgets!(A 0, B 1, C 2, D 3);

pub(crate) fn boxed(ids: &[&str], horizontal: bool) -> WidgetBox {
    let (model, view) = if horizontal { ("HBoxModel", "HBoxView") } else { ("VBoxModel", "VBoxView") };
    let mut state = base_state(model, view, None);
    let children: Vec<String> = ids.iter().map(|id| format!("IPY_MODEL_{id}")).collect();
    state.insert("children".into(), json!(children));
    state.insert("box_style".into(), json!(""));
    state.insert("tabbable".into(), Value::Null);
    state.insert("tooltip".into(), Value::Null);
    let id = registry::new_id();
    registry::open(&id, state);
    WidgetBox { id, plain: ids.iter().map(|i| i.to_string()).collect(), horizontal }
}

impl WidgetBox {
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl Render for WidgetBox {
    fn mime_bundle(&self) -> MimeBundle {
        let kind = if self.horizontal { "row" } else { "column" };
        view_bundle(&self.id, format!("({kind} of {} widgets)", self.plain.len()))
    }
}
