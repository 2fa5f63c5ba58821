//! # ndplay — the array prelude of the ndplay Jupyter kernel
//!
//! Every notebook cell is compiled against this crate with `use ndplay::prelude::*;`
//! already in scope. It gives students ndarray (re-exported unchanged) plus the things
//! NumPy users take for granted and ndarray does not have: a NumPy-like text repr, a rich
//! HTML view of every array, pictures of shapes and broadcasting, casts that say what
//! they lost, and quick plots.
//!
//! ## Layout
//!
//! Rendering is done by pure functions that return `String`; exactly one module writes
//! to stdout. That keeps every renderer testable with exact-string snapshots and keeps
//! the wire format (owned by the kernel) in one place.
//!
//! - [`display`] — the only module that prints. The [`Render`](display::Render) trait
//!   (a value → its [`MimeBundle`](display::MimeBundle)), the `evcxr_display` method (so
//!   the prelude's values show in a plain evcxr kernel too), and our own display channel
//!   ([`display()`](display::display), [`clear_output`](display::clear_output),
//!   [`clear_output_wait`](display::clear_output_wait), [`DisplayHandle`](display::DisplayHandle))
//!   for several outputs per cell.
//! - [`picture`] — the bundle of every picture (and [`Svg`](picture::Svg), for one's own):
//!   the SVG inline in `text/html`, in the theme's colours, with a PNG twin for notebooks
//!   that are not trusted yet.
//! - [`raster`] — SVG to PNG (resvg, with fonts that come with the prelude), and base64.
//! - [`dtype`] — [`DType`](dtype::DType), the element types we know how to show
//!   (bool, integers, floats, `String`), with their names and per-element formatting.
//! - [`text`] — the NumPy-like `text/plain` formatter (named limits, one recursive worker).
//! - [`html`] — the `text/html` view of an array: header, layout, health, values.
//! - [`facts`] — what an array is, for the renderers that say it: its Rust type name and
//!   its memory [`Layout`](facts::Layout).
//! - [`array`](mod@array) — glue: [`Render`](display::Render) for every ndarray array and view.
//! - [`ops`] — array helpers NumPy has and ndarray lacks: `outer`, `floor_div`, `cast`,
//!   `dtype_of`.
//! - [`svg`] — a tiny SVG writer, the theme's colours (and [`literal`](svg::literal) ones
//!   for a PNG), and the drawing helpers the diagrams share (grids, wrapped text).
//! - [`diagram`] — `shape_diagram`: an array's shape drawn as cells.
//! - [`plot`] — line, scatter, histogram and heatmap plots as SVG.
//! - [`chart`](mod@chart) — several named series on shared axes with a legend (lines,
//!   dots, histograms; log axes), for pictures that compare.
//! - `frame` (private) — the frame plots and charts are drawn in, defined once: size,
//!   margins, label areas, font, title and axis labels, grid colour, axis ranges, and the
//!   guard that turns a drawing error or a panic into a picture that says so.
//! - [`random`] — [`Rng`](random::Rng), a seeded generator (NumPy's `default_rng`), so
//!   that lessons with random weights and data give the same outputs every run.
//! - [`explain`] — `explain_broadcast` and `explain_dot`: shapes in words and pictures, one
//!   file each (`explain/broadcast.rs`, `explain/dot.rs`).
//! - [`health`] — the finite / NaN / inf verdict and its badge.
//! - [`check`](mod@check) — `check(&answer, &expected)`: the pass/fail badge of exercises;
//!   the comparison in `check/compare.rs`, its words and badge in `check/badge.rs`.
//! - [`course`] — the lessons' set-up written once (the spirals, lesson 2's network,
//!   cross-entropy, the gradient checker, the pipeline picture): `use ndplay::course::*;`.
//!   Not in the prelude: a lesson imports it.
//! - [`escape`] — HTML/XML escaping, used by every renderer that embeds user text.
//! - `cell` (hidden) — what the kernel's generated code around every cell calls: the
//!   variable store, the display of the final value, the panic hook.
//! - `channel` (hidden) — the line format between the process that runs cells and the
//!   kernel, in one file the kernel compiles too.
//! - `instances` (hidden, feature `instances`) — the generic code cells use most,
//!   instantiated once here so that cells share it instead of compiling it again.
//! - [`widgets`] — ipywidgets models in the cell process: `slider`, `checkbox`, `dropdown`,
//!   `row`/`column`, and `interact`, whose closure reruns on every move in the browser.
//! - [`input`] — `input` and `password`, answered through Jupyter's stdin channel.
//! - [`progress`] — `progress(iterable)`: a bar that updates in place while a loop runs.
//! - [`timeit`] — `timeit(|| expr)`, IPython's `%timeit` for cells; `timeit_n(loops, runs, || expr)`
//!   is `%timeit -n loops -r runs`.
//! - [`words`] — the phrases several renderers print: shapes as Python tuples, lists of
//!   counts.
//!
//! The [`prelude`] gathers all of it for `use ndplay::prelude::*;`.

pub mod array;
#[doc(hidden)]
pub mod cell;
#[doc(hidden)]
pub mod channel;
pub mod chart;
pub mod check;
pub mod course;
pub mod diagram;
pub mod display;
pub mod dtype;
pub mod escape;
pub mod explain;
pub mod facts;
mod frame;
pub mod health;
pub mod html;
pub mod input;
#[cfg(feature = "instances")]
#[doc(hidden)]
pub mod instances;
pub mod ops;
pub mod picture;
pub mod plot;
pub mod progress;
pub mod random;
pub mod raster;
pub mod svg;
pub mod text;
pub mod timeit;
pub mod widgets;
pub mod words;

/// Everything a notebook cell sees: ndarray's prelude, `Zip`, and ndplay's displays,
/// explainers and helpers.
///
/// The kernel puts `use ndplay::prelude::*;` in front of every cell, so any name here is
/// what a student can type without an import.
pub mod prelude {
    pub use ndarray;
    pub use ndarray::prelude::*;
    pub use ndarray::Zip;

    pub use crate::chart::{chart, Chart};
    pub use crate::check::{check, check_fn, Check, Checkable};
    pub use crate::diagram::{shape_diagram, ShapeDiagram};
    pub use crate::display::{
        clear_output, clear_output_wait, display, display_handle, DisplayHandle, EvcxrDisplay, Html, Markdown,
        MimeBundle, Render,
    };
    pub use crate::dtype::DType;
    pub use crate::explain::{explain_broadcast, explain_dot, BroadcastExplanation, DotExplanation};
    pub use crate::health::{health, Health, HealthState};
    pub use crate::ops::{arange, dtype_of, outer, ArrayExt, Cast, CastFrom, FloorDiv};
    pub use crate::picture::Svg;
    pub use crate::plot;
    pub use crate::random::Rng;

    pub use crate::input::{input, password};
    pub use crate::progress::{progress, Progress};
    pub use crate::timeit::{timeit, timeit_n, Timing};
    pub use crate::widgets::{
        checkbox, column, dropdown, interact, row, slider, Checkbox, Dropdown, Interact, Slider, WidgetBox,
    };
}
