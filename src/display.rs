//! Getting values into the notebook: the [`Render`] trait and the two output paths.
//!
//! Jupyter shows a cell's outputs as *mime bundles*: one value rendered several ways
//! (`text/plain` always, plus `text/html`, `image/svg+xml`, ...) from which the frontend
//! picks the richest it can show. Every displayable of ndplay implements [`Render`], which
//! returns such a [`MimeBundle`]; rendering itself is pure (no printing), so it is
//! tested with exact strings.
//!
//! There are two ways out to the kernel, both over the cell process's stdout:
//!
//! 1. **The cell's last expression.** evcxr compiles `(expr).evcxr_display()` when such a
//!    method resolves, and otherwise falls back to `{:?}`. [`EvcxrDisplay`] is that
//!    method, implemented for every [`Render`] type; it prints each mime type as
//!    `EVCXR_BEGIN_CONTENT <mime>` … `EVCXR_END_CONTENT`, and evcxr sends the lot as one
//!    `execute_result` when the cell ends. Because it is a trait method (foreign types
//!    such as ndarray's arrays cannot get inherent methods), the trait must be in scope:
//!    it is exported from the prelude.
//! 2. **Our own display channel**, for everything evcxr cannot do: several outputs per
//!    cell, outputs while the cell runs, updating an output in place, clearing. Each
//!    message is one keyed marker line on stdout ([`crate::channel`], kind `display`)
//!    whose body is a single-line JSON object `{"msg_type": ..., "content": ...}`, and
//!    `content` is exactly the Jupyter iopub content of that message type. The kernel reads
//!    the child's stdout line by line and turns these lines into iopub messages in order
//!    with the text around them. Text that only looks like such a line (it lacks the key)
//!    stays text.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use serde_json::{json, Map, Value};

use crate::channel::{self, Kind};
use crate::escape::escape_html;

/// The mime type of plain text; present in every [`MimeBundle`].
pub const MIME_PLAIN: &str = "text/plain";
/// The mime type of HTML fragments.
pub const MIME_HTML: &str = "text/html";
/// The mime type of SVG images.
pub const MIME_SVG: &str = "image/svg+xml";
/// The mime type of Markdown text.
pub const MIME_MARKDOWN: &str = "text/markdown";

/// Gives every `prop:var(--name, fallback)` in a `style="…"` attribute a literal twin in
/// front of it: `prop:fallback;prop:var(--name, fallback)`.
///
/// Why: JupyterLab sanitises the HTML of untrusted notebooks (opened from disk, not yet
/// run), and its sanitiser drops style values it cannot vet, `var(…)` among them, while
/// it keeps plain colours and sizes. With both declarations, a trusted notebook uses the
/// theme variable (the later valid declaration wins) and an untrusted one keeps the
/// literal. Fallbacks in the prelude are chosen to read well on light and dark themes.
pub fn style_fallbacks(html: &str) -> String {
    const OPEN: &str = "style=\"";
    let mut out = String::with_capacity(html.len() + html.len() / 4);
    let mut rest = html;
    while let Some(at) = rest.find(OPEN) {
        let value_start = at + OPEN.len();
        let Some(len) = rest[value_start..].find('"') else { break };
        out.push_str(&rest[..value_start]);
        let value = &rest[value_start..value_start + len];
        let declarations: Vec<String> = value
            .split(';')
            .map(|decl| {
                let Some((prop, val)) = decl.split_once(':') else { return decl.to_string() };
                let v = val.trim();
                match v.strip_prefix("var(--").and_then(|r| r.split_once(',')).map(|(_, f)| f.trim()) {
                    Some(fallback) if fallback.ends_with(')') && fallback.len() > 1 => {
                        let fallback = fallback[..fallback.len() - 1].trim();
                        format!("{prop}:{fallback};{decl}")
                    }
                    _ => decl.to_string(),
                }
            })
            .collect();
        out.push_str(&declarations.join(";"));
        rest = &rest[value_start + len..];
    }
    out.push_str(rest);
    out
}

/// One value rendered as several mime types, `text/plain` always first.
///
/// Order is kept as inserted (the kernel and notebook files do not care, but tests and
/// humans read it more easily this way). Inserting a mime type twice replaces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MimeBundle {
    entries: Vec<(String, String)>,
}

impl MimeBundle {
    /// A bundle holding only `text/plain`. Every bundle starts here, so the plain-text
    /// fallback (the only thing some frontends, nbval diffs and untrusted notebooks show
    /// well) can never be forgotten.
    pub fn new(plain: impl Into<String>) -> Self {
        MimeBundle { entries: vec![(MIME_PLAIN.to_string(), plain.into())] }
    }

    /// Adds (or replaces) the rendering for `mime`.
    pub fn with(mut self, mime: &str, content: impl Into<String>) -> Self {
        self.insert(mime, content);
        self
    }

    /// Adds (or replaces) the rendering for `mime` in place. HTML gets literal colours
    /// beside its theme variables (see [`style_fallbacks`]).
    pub fn insert(&mut self, mime: &str, content: impl Into<String>) {
        let mut content = content.into();
        if mime == MIME_HTML && content.contains("var(--") {
            content = style_fallbacks(&content);
        }
        match self.entries.iter_mut().find(|(m, _)| m == mime) {
            Some(entry) => entry.1 = content,
            None => self.entries.push((mime.to_string(), content)),
        }
    }

    /// The rendering for `mime`, if the bundle has one.
    pub fn get(&self, mime: &str) -> Option<&str> {
        self.entries.iter().find(|(m, _)| m == mime).map(|(_, c)| c.as_str())
    }

    /// The `text/plain` rendering.
    pub fn plain(&self) -> &str {
        self.get(MIME_PLAIN).unwrap_or("")
    }

    /// All `(mime, content)` pairs in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(m, c)| (m.as_str(), c.as_str()))
    }

    /// The bundle as the Jupyter `data` object (`{mime: content}`).
    pub fn to_json(&self) -> Value {
        let mut data = Map::new();
        for (m, c) in self.iter() {
            // JSON mime types (a widget view, `application/json`) are objects in Jupyter's
            // `data`, not strings; their content is kept as JSON text here.
            let json_type = m == "application/json" || m.ends_with("+json");
            let value = match json_type.then(|| serde_json::from_str::<Value>(c).ok()).flatten() {
                Some(parsed) => parsed,
                None => Value::String(c.to_string()),
            };
            data.insert(m.to_string(), value);
        }
        Value::Object(data)
    }

    /// The text evcxr expects from `evcxr_display`: one
    /// `EVCXR_BEGIN_CONTENT <mime>\n<content>\nEVCXR_END_CONTENT\n` block per mime type.
    pub fn to_evcxr(&self) -> String {
        let mut out = String::new();
        for (m, c) in self.iter() {
            out.push_str("EVCXR_BEGIN_CONTENT ");
            out.push_str(m);
            out.push('\n');
            out.push_str(c);
            out.push_str("\nEVCXR_END_CONTENT\n");
        }
        out
    }
}

/// Anything that can be shown in the notebook.
///
/// Implemented for every ndarray array and view of a [`DType`](crate::dtype::DType)
/// element, for the diagrams, badges and plots of ndplay, and for the [`Html`], [`Svg`](crate::picture::Svg)
/// and [`Markdown`] wrappers. Instructors can implement it for their own types: return a
/// [`MimeBundle`] with a good `text/plain` and whatever richer forms fit. Rendering
/// must not print and should not panic.
pub trait Render {
    /// Renders `self` as a mime bundle.
    fn mime_bundle(&self) -> MimeBundle;
}

impl<T: Render + ?Sized> Render for &T {
    fn mime_bundle(&self) -> MimeBundle {
        (**self).mime_bundle()
    }
}

/// The hook evcxr calls on a cell's last expression: `(expr).evcxr_display()`.
///
/// Implemented for every [`Render`] type. It prints the bundle in evcxr's
/// `EVCXR_BEGIN_CONTENT` format; evcxr turns it into the cell's `execute_result`. This
/// trait has to be in scope for the call to resolve, which `use ndplay::prelude::*`
/// does. If the call does not compile (a type that is not [`Render`]), evcxr falls back
/// to the value's `Debug` text.
pub trait EvcxrDisplay {
    /// Prints `self` for evcxr. Not meant to be called by hand; use [`display`].
    fn evcxr_display(&self);
}

impl<T: Render + ?Sized> EvcxrDisplay for T {
    fn evcxr_display(&self) {
        let text = self.mime_bundle().to_evcxr();
        let stdout = std::io::stdout();
        let mut lock = stdout.lock();
        // A failed write to stdout means the kernel is gone; nothing useful to do.
        let _ = lock.write_all(text.as_bytes());
        let _ = lock.flush();
    }
}

/// The body of one display-channel line: a single-line JSON object. Pure, so the wire
/// format is tested without stdout.
pub fn display_message(msg_type: &str, content: Value) -> String {
    // serde_json's compact form escapes newlines inside strings, so this is one line.
    json!({ "msg_type": msg_type, "content": content }).to_string()
}

/// A display-channel message that also carries the message's `metadata` (a widget's
/// `comm_open` needs ipywidgets' protocol version there).
pub fn display_message_with_metadata(msg_type: &str, content: Value, metadata: Value) -> String {
    json!({ "msg_type": msg_type, "content": content, "metadata": metadata }).to_string()
}

/// The key of this process's channel and the number of the run in progress, as the
/// process that runs cells handed them over before the run (`crate::cell::ndplay_channel_open`).
/// Private: nothing a cell calls reads it back.
static CHANNEL: Mutex<(String, u64)> = Mutex::new((String::new(), 0));

/// Called before every run by the process that runs cells.
pub(crate) fn open_channel(key: &str, seq: u64) {
    let mut channel = CHANNEL.lock().unwrap_or_else(|e| e.into_inner());
    channel.0.clear();
    channel.0.push_str(key);
    channel.1 = seq;
}

/// The number of the run in progress (what the final value is tied to).
pub(crate) fn run_number() -> u64 {
    CHANNEL.lock().unwrap_or_else(|e| e.into_inner()).1
}

/// Writes one marker line of the channel with stdout locked, then flushes, so that it
/// lands in order with the `println!` text around it. Outside the kernel (no key handed
/// over) the line carries no key, and no kernel would obey it.
pub(crate) fn emit(kind: Kind, body: &str) {
    let line = {
        let channel = CHANNEL.lock().unwrap_or_else(|e| e.into_inner());
        channel::marker(&channel.0, kind, body)
    };
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    let _ = lock.write_all(line.as_bytes());
    let _ = lock.write_all(b"\n");
    let _ = lock.flush();
}

fn display_data_content(bundle: &MimeBundle, display_id: Option<&str>) -> Value {
    let mut content = json!({ "data": bundle.to_json(), "metadata": {} });
    if let Some(id) = display_id {
        content["transient"] = json!({ "display_id": id });
    }
    content
}

/// Shows `value` now, as its own output (a Jupyter `display_data` message), without
/// waiting for the cell to end. Use it to show several things from one cell.
///
/// ```no_run
/// use ndplay::prelude::*;
/// let a = array![[1.0, 2.0], [3.0, 4.0]];
/// display(&a);
/// display(&a.t());
/// ```
pub fn display<T: Render + ?Sized>(value: &T) {
    emit(Kind::Display, &display_message("display_data", display_data_content(&value.mime_bundle(), None)));
}

/// Clears the cell's output now (Jupyter `clear_output`), as IPython's `clear_output()`.
///
/// To replace what a cell shows without flicker (an animation), use
/// [`clear_output_wait`], or a [`display_handle`] and its `update`.
pub fn clear_output() {
    emit(Kind::Display, &clear_output_message(false));
}

/// Clears the cell's output when the next output arrives, not now: IPython's
/// `clear_output(wait=True)`. The old output stays on screen until its replacement is there,
/// so a loop that clears and displays does not flicker.
///
/// ```no_run
/// use ndplay::prelude::*;
/// for step in 0..3 {
///     clear_output_wait();
///     display(&shape_diagram(&Array2::<f64>::zeros((step + 1, 3))));
/// }
/// ```
pub fn clear_output_wait() {
    emit(Kind::Display, &clear_output_message(true));
}

fn clear_output_message(wait: bool) -> String {
    display_message("clear_output", json!({ "wait": wait }))
}

/// An output that can be replaced in place later, made by [`display_handle`].
///
/// ```no_run
/// use ndplay::prelude::*;
/// let mut a = Array1::<f64>::zeros(3);
/// let h = display_handle(&a);
/// for i in 0..3 {
///     a[i] = 1.0;
///     h.update(&a); // the output above changes; no new output appears
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayHandle {
    id: String,
}

impl DisplayHandle {
    /// The transient Jupyter `display_id` of this output.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Replaces the output with `value` (Jupyter `update_display_data`).
    pub fn update<T: Render + ?Sized>(&self, value: &T) {
        let content = display_data_content(&value.mime_bundle(), Some(&self.id));
        emit(Kind::Display, &display_message("update_display_data", content));
    }

    /// Shows `value` as a new output that shares this handle's id: later
    /// [`update`](Self::update)s change every output with the id.
    pub fn display<T: Render + ?Sized>(&self, value: &T) {
        emit(
            Kind::Display,
            &display_message("display_data", display_data_content(&value.mime_bundle(), Some(&self.id))),
        );
    }
}

/// Shows `value` now and returns a handle to update that output in place.
pub fn display_handle<T: Render + ?Sized>(value: &T) -> DisplayHandle {
    let handle = DisplayHandle { id: new_display_id() };
    handle.display(value);
    handle
}

/// A display id unique within the cell process.
///
/// evcxr links this crate into every cell's library separately, so a `static` counter
/// is *not* shared between cells and restarts at 0 in each one. The id therefore also
/// carries the clock (nanoseconds) and the process id. Ids are transient: Jupyter does
/// not store them in notebooks, so they do not make saved outputs non-deterministic.
fn new_display_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("ndplay-{}-{:x}-{}", std::process::id(), nanos, n)
}

/// An HTML fragment to show as is (`text/html`), for instructors.
///
/// The HTML is trusted: it is not escaped. Keep to inline styles; JupyterLab drops
/// `<style>`, `<script>` and `<svg>` from untrusted notebooks. The `text/plain` fallback
/// is the text with tags removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Html(pub String);

/// Markdown text to show rendered (`text/markdown`); `text/plain` is the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Markdown(pub String);

impl Render for Html {
    fn mime_bundle(&self) -> MimeBundle {
        MimeBundle::new(strip_tags(&self.0)).with(MIME_HTML, self.0.clone())
    }
}

impl Render for Markdown {
    fn mime_bundle(&self) -> MimeBundle {
        MimeBundle::new(self.0.clone()).with(MIME_MARKDOWN, self.0.clone())
    }
}

impl Render for MimeBundle {
    fn mime_bundle(&self) -> MimeBundle {
        self.clone()
    }
}

// Plain values that cells often end with (a sum, a length, a shape as `Vec<usize>`, a
// flag) render as their `Debug` text: exactly what evcxr prints for a value that has no
// `evcxr_display`. The point is speed. Without these impls, evcxr compiles
// `(value).evcxr_display()`, fails, and compiles the cell again with its `Debug`
// fallback: two builds for 7 of the 20 benchmark cells (docs/performance.md). Unit `()`
// is left out on purpose: evcxr shows nothing for it, and that stays so.
macro_rules! render_as_debug {
    ($($t:ty),* $(,)?) => {
        $(impl Render for $t {
            fn mime_bundle(&self) -> MimeBundle {
                MimeBundle::new(format!("{self:?}"))
            }
        })*
    };
}

render_as_debug!(bool, char, f32, f64, i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, str, String);

macro_rules! render_generic_as_debug {
    ($([$($p:ident),*] $t:ty),* $(,)?) => {
        $(impl<$($p: std::fmt::Debug),*> Render for $t {
            fn mime_bundle(&self) -> MimeBundle {
                MimeBundle::new(format!("{self:?}"))
            }
        })*
    };
}

render_generic_as_debug!(
    [T] Vec<T>,
    [T] [T],
    [T] Option<T>,
    [T, E] Result<T, E>,
    [A, B] (A, B),
    [A, B, C] (A, B, C),
    [A, B, C, D] (A, B, C, D),
);

impl<T: std::fmt::Debug, const N: usize> Render for [T; N] {
    fn mime_bundle(&self) -> MimeBundle {
        MimeBundle::new(format!("{self:?}"))
    }
}

/// The text of an HTML fragment with its tags dropped; good enough for a fallback.
fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Wraps plain text in `<pre>` for places that need HTML; escapes it.
pub fn pre_html(text: &str) -> String {
    format!("<pre>{}</pre>", escape_html(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn theme_variables_get_literal_twins_for_untrusted_notebooks() {
        assert_eq!(
            style_fallbacks(r#"<b style="color:var(--jp-ui-font-color2, #757575);font-weight:bold">x</b>"#),
            r#"<b style="color:#757575;color:var(--jp-ui-font-color2, #757575);font-weight:bold">x</b>"#
        );
        assert_eq!(
            style_fallbacks(r#"<i style="font-family:var(--jp-code-font-family, monospace)">"#),
            r#"<i style="font-family:monospace;font-family:var(--jp-code-font-family, monospace)">"#
        );
        // No fallback, nothing to copy; text outside attributes is untouched.
        assert_eq!(
            style_fallbacks(r#"<i style="color:var(--x)">var(--y, 1)</i>"#),
            r#"<i style="color:var(--x)">var(--y, 1)</i>"#
        );
        let bundle = MimeBundle::new("x").with(MIME_HTML, r#"<i style="color:var(--a, red)">x</i>"#);
        assert_eq!(bundle.get(MIME_HTML), Some(r#"<i style="color:red;color:var(--a, red)">x</i>"#));
    }

    #[test]
    fn plain_values_print_what_evcxrs_debug_fallback_prints() {
        // evcxr's fallback: EVCXR_BEGIN_CONTENT text/plain, then format!("{:?}", &(value)).
        let fallback = |debug: &str| format!("EVCXR_BEGIN_CONTENT text/plain\n{debug}\nEVCXR_END_CONTENT\n");
        assert_eq!(6.0f64.mime_bundle().to_evcxr(), fallback("6.0"));
        assert_eq!(vec![3usize, 4].mime_bundle().to_evcxr(), fallback("[3, 4]"));
        assert_eq!([3usize, 4][..].mime_bundle().to_evcxr(), fallback("[3, 4]"));
        assert_eq!("a\"b".mime_bundle().to_evcxr(), fallback("\"a\\\"b\""));
        assert_eq!((1u8, Some(2.5f32), true).mime_bundle().to_evcxr(), fallback("(1, Some(2.5), true)"));
        assert_eq!(Ok::<i32, String>(3).mime_bundle().plain(), "Ok(3)");
    }

    #[test]
    fn a_display_message_is_one_line_of_json() {
        let bundle = MimeBundle::new("a\nb").with(MIME_HTML, "<b>x</b>");
        let line = display_message("display_data", display_data_content(&bundle, None));
        assert_eq!(
            line,
            "{\"content\":{\"data\":{\"text/html\":\"<b>x</b>\",\"text/plain\":\"a\\nb\"},\"metadata\":{}},\"msg_type\":\"display_data\"}"
        );
        assert!(!line.contains('\n'));
    }

    #[test]
    fn update_carries_the_display_id() {
        let line =
            display_message("update_display_data", display_data_content(&MimeBundle::new("x"), Some("ndplay-1-2-3")));
        let json: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(json["msg_type"], "update_display_data");
        assert_eq!(json["content"]["transient"]["display_id"], "ndplay-1-2-3");
        assert_eq!(json["content"]["data"]["text/plain"], "x");
        assert_eq!(clear_output_message(true), "{\"content\":{\"wait\":true},\"msg_type\":\"clear_output\"}");
        assert_eq!(clear_output_message(false), "{\"content\":{\"wait\":false},\"msg_type\":\"clear_output\"}");
    }

    #[test]
    fn display_ids_differ() {
        assert_ne!(new_display_id(), new_display_id());
    }

    #[test]
    fn evcxr_format() {
        let bundle = MimeBundle::new("1 2").with(MIME_HTML, "<i>1</i>");
        assert_eq!(
            bundle.to_evcxr(),
            "EVCXR_BEGIN_CONTENT text/plain\n1 2\nEVCXR_END_CONTENT\nEVCXR_BEGIN_CONTENT text/html\n<i>1</i>\nEVCXR_END_CONTENT\n"
        );
    }

    #[test]
    fn wrappers() {
        assert_eq!(Html("<b>hi</b> there".into()).mime_bundle().plain(), "hi there");
        assert_eq!(Markdown("# t".into()).mime_bundle().get(MIME_MARKDOWN), Some("# t"));
    }
}
