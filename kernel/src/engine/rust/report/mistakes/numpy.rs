//! NumPy's names and syntax, and how Rust writes them: attributes that are methods here,
//! methods ndarray spells otherwise, `np.` functions, keyword arguments, `@`, `**`,
//! Python's slices and indices, `print`, and a comparison NumPy makes a mask.

use super::text::{bracketed, operands, receiver, trailing_name};
use super::{Mistake, Place};

/// The Rust element type for a NumPy dtype as a student writes it (`np.float32`, `f32`).
fn rust_type(dtype: &str) -> &str {
    let t = dtype.trim().trim_start_matches("np.").trim_start_matches("numpy.");
    match t {
        "float32" => "f32",
        "float64" | "float" => "f64",
        "int32" => "i32",
        "int64" | "int" => "i64",
        "uint8" => "u8",
        "bool" => "bool",
        other => other,
    }
}

/// Where the from-NumPy page is, for hints that name a table rather than one fix.
pub const FROM_NUMPY: &str = "docs/from-numpy.md";

/// NumPy's attributes, which are fields in Python and methods (or nothing) here.
pub(super) fn attribute(m: &Mistake, at: &Place) -> Option<String> {
    let quoted = m.quoted();
    let field = quoted.first().copied().unwrap_or("");
    let r = receiver(&at.before());
    match field {
        "T" => Some(format!(
            "NumPy's `{r}.T` is `{r}.t()` in ndarray: a transposed view (`{r}.t().to_owned()` for an array of its own)"
        )),
        "shape" => Some(format!(
            "`shape` is a method in ndarray: `{r}.shape()` is a slice like `[2, 3]`; `{r}.dim()` is NumPy's tuple `(2, 3)`"
        )),
        "ndim" => Some(format!("`ndim` is a method in ndarray: `{r}.ndim()` is the number of axes")),
        "size" => Some(format!("NumPy's `{r}.size` is `{r}.len()` in ndarray: the number of elements")),
        "dtype" => Some(format!(
            "the element type is part of the array's type in Rust; `{r}.dtype()` (the prelude's) names it"
        )),
        _ => None,
    }
}

/// NumPy's methods that ndarray spells otherwise.
pub(super) fn method(m: &Mistake, at: &Place) -> Option<String> {
    let marked = at.marked();
    let quoted = m.quoted();
    let method = if marked == "reshape" { "reshape" } else { quoted.first().copied().unwrap_or("") };
    let r = receiver(&at.before());
    let args = bracketed(&at.after(), '(', ')').unwrap_or_default();
    let on_vec = m.message.contains("`Vec<");
    match method {
        "reshape" => {
            let shape = if args.trim_start().starts_with('(') { args.clone() } else { format!("({args})") };
            Some(format!(
                "NumPy's `reshape` is `{r}.into_shape_with_order({shape}).unwrap()` in ndarray (or `{r}.to_shape({shape}).unwrap()`, a view when it can)"
            ))
        }
        "astype" => {
            let t = rust_type(&args);
            Some(format!(
                "NumPy's `astype` is `{r}.mapv(|x| x as {t})` in ndarray, or the prelude's `{r}.cast::<{t}>()`, which also says what the cast lost"
            ))
        }
        "copy" => Some(format!("NumPy's `copy()` is `{r}.clone()` in Rust")),
        "tolist" => Some(format!("NumPy's `tolist()` is `{r}.to_vec()` in ndarray")),
        "ravel" => Some(format!("NumPy's `ravel()` is `{r}.flatten()` in ndarray")),
        "transpose" => Some(format!("NumPy's `transpose()` is `{r}.t()` in ndarray (a view)")),
        "max" | "min" | "argmax" | "argmin" if !on_vec => {
            let (start, pick) = if method.contains("max") { ("NEG_INFINITY", "max") } else { ("INFINITY", "min") };
            Some(format!(
                "ndarray has no `{method}`: floats have no total order (NaN). Fold instead: `{r}.fold(f64::{start}, |m, &x| m.{pick}(x))`"
            ))
        }
        "dot" | "sum" | "mean" | "t" | "mapv" if on_vec => {
            Some(format!("a `Vec` is a list, not an array: make it one first, `Array1::from({r}.clone()).{method}(…)`"))
        }
        _ if on_vec => None,
        "append" | "size" | "item" | "all" | "any" | "cumsum" | "argsort" | "clip" | "nonzero" => {
            Some(format!("ndarray has no `{method}`; {FROM_NUMPY} shows what to write instead"))
        }
        _ => None,
    }
}

/// A name Rust does not know: a keyword argument (`s.sum(axis=0)`), `np.…`, or Python's
/// `len`, `print`, `True` and `False`.
pub(super) fn unknown_name(m: &Mistake, at: &Place) -> Option<String> {
    let quoted = m.quoted();
    let name = quoted.first().copied().unwrap_or("");
    let after = at.after();
    // A keyword argument: `s.sum(axis=0)`.
    if after.trim_start().starts_with('=') && !after.trim_start().starts_with("==") {
        let value: String =
            after.trim_start()[1..].trim_start().chars().take_while(|c| c.is_alphanumeric() || *c == '.').collect();
        let before = at.before();
        let call = before.rfind('(').map_or(before.as_str(), |i| &before[..i]);
        let method = trailing_name(call, "f");
        let r = receiver(&call[..call.len() - method.len()]);
        if name == "axis" {
            let axis = format!("Axis({value})");
            let fix = match method.as_str() {
                "mean" => format!("{r}.mean_axis({axis}).unwrap()"),
                "std" | "var" => format!("{r}.{method}_axis({axis}, 0.0)"),
                "max" | "min" => format!(
                    "{r}.fold_axis({axis}, f64::{}, |m, &x| m.{method}(x))",
                    if method == "max" { "NEG_INFINITY" } else { "INFINITY" }
                ),
                _ => format!("{r}.{method}_axis({axis})"),
            };
            return Some(format!("Rust has no keyword arguments: NumPy's `{r}.{method}(axis={value})` is `{fix}`"));
        }
        if name == "dtype" {
            return Some(format!(
                "Rust has no keyword arguments: the element type goes in the type, `Array1::<{}>::{method}(…)`",
                rust_type(&value)
            ));
        }
        return Some(format!("Rust has no keyword arguments: pass `{value}` by position (`{name}=` is NumPy's)"));
    }
    match name {
        "np" | "numpy" => numpy_function(&after),
        "len" => {
            let arg = bracketed(&after, '(', ')').unwrap_or_else(|| "x".into());
            Some(format!("Python's `len({arg})` is the method `{arg}.len()` in Rust"))
        }
        "print" => Some(print_call(&after)),
        "True" => Some("Rust's booleans are `true` and `false`".into()),
        "False" => Some("Rust's booleans are `true` and `false`".into()),
        _ => None,
    }
}

/// Parse errors: NumPy syntax that Rust does not have (`p @ q`, `m[1:3, :]`, `m[i, j]`).
pub(super) fn syntax(at: &Place) -> Option<String> {
    let marked = at.marked();
    let before = at.before();
    if marked == "@" {
        let (p, q) = operands(at);
        let (p, q) = (if p.is_empty() { "p".into() } else { p }, if q.is_empty() { "q".into() } else { q });
        return Some(format!("Rust has no `@` operator: NumPy's `{p} @ {q}` is `{p}.dot(&{q})`"));
    }
    if let Some(open) = before.rfind('[').filter(|&i| !before[i..].contains(']')) {
        let r = trailing_name(&before[..open], "a");
        let from_open: String = at.line.chars().skip(before[..open].chars().count()).collect();
        let inside = bracketed(&from_open, '[', ']').unwrap_or_default();
        if inside.contains(':') {
            let slice = inside.split(',').map(|part| python_slice(part.trim())).collect::<Vec<_>>().join(", ");
            let column = inside.replace(' ', "");
            let extra = match column.strip_prefix(":,") {
                Some(k) => format!(" (or `{r}.column({k})`)"),
                None => String::new(),
            };
            return Some(format!(
                "slices are written with `s![…]` and `..` in ndarray: NumPy's `{r}[{inside}]` is `{r}.slice(s![{slice}])`{extra}"
            ));
        }
        if marked == "," {
            return Some(format!(
                "an element of a 2-D array takes its indices in one list: NumPy's `{r}[{inside}]` is `{r}[[{inside}]]`"
            ));
        }
    }
    None
}

/// Python's `print(x)`, with `after` the cell's text after `print`.
pub(super) fn print_call(after: &str) -> String {
    let arg = bracketed(after, '(', ')').unwrap_or_else(|| "x".into());
    format!("Python's `print` is a macro in Rust: `println!(\"{{:?}}\", {arg})`")
}

/// `x ** 2`: Rust reads the second `*` as a dereference.
pub(super) fn power(at: &Place) -> Option<String> {
    let marked = at.marked();
    let base = trailing_name(at.before().trim_end().trim_end_matches('*'), "x");
    let power: String = marked.trim_start_matches('*').trim().to_string();
    if power.parse::<i32>().is_err() {
        return Some(format!(
            "Rust has no `**`: `{base}.powf({power})` for a float, `{base}.mapv(|x: f64| x.powf({power}))` for an array"
        ));
    }
    Some(format!(
        "Rust has no `**`: `{base}.powi({power})` for a float, `{base}.pow({power})` for an integer, `{base}.mapv(|x: f64| x.powi({power}))` for an array"
    ))
}

/// A boolean mask: comparing an array with a number.
pub(super) fn mask(at: &Place) -> Option<String> {
    let marked = at.marked();
    let (r, rhs) = operands(at);
    if r.is_empty() || rhs.is_empty() {
        return None;
    }
    let op = marked.trim();
    Some(format!(
        "`{op}` compares two whole values, it makes no mask: NumPy's `{r} {op} {rhs}` is `{r}.mapv(|x| x {op} {rhs})`; to keep the elements that pass, `{r}.iter().copied().filter(|&x| x {op} {rhs}).collect::<Array1<_>>()`"
    ))
}

/// `np.zeros((2, 3))` and friends, as ndarray writes them; `after` is the cell's text after
/// the `np`. `None` for a name that is not called (`np.int32` given to `astype`): the
/// mistake is the call around it, whose own hint leads.
fn numpy_function(after: &str) -> Option<String> {
    let rest = after.trim_start_matches('.');
    let function: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    if !rest[function.len()..].trim_start().starts_with('(') {
        return None;
    }
    let args = bracketed(&rest[function.len()..], '(', ')').unwrap_or_default();
    let dims = |shape: &str| if shape.trim_start().starts_with('(') { shape.matches(',').count() + 1 } else { 1 };
    let fix = match function.as_str() {
        "array" => {
            let inner = bracketed(&args, '[', ']').unwrap_or(args.clone());
            format!("`array![{inner}]`")
        }
        "zeros" | "ones" => format!("`Array{}::<f64>::{function}({args})`", dims(&args)),
        "arange" => {
            let parts: Vec<&str> = args.split(',').map(str::trim).collect();
            let f = |s: &str| if s.contains('.') { s.to_string() } else { format!("{s}.0") };
            match parts.as_slice() {
                [stop] => format!("`arange(0.0, {}, 1.0)` (the prelude's; `Array::range` is ndarray's)", f(stop)),
                [start, stop] => format!("`arange({}, {}, 1.0)` (the prelude's)", f(start), f(stop)),
                _ => "the prelude's `arange(start, stop, step)`".into(),
            }
        }
        "linspace" => format!("`Array::linspace({args})`"),
        "dot" => {
            let parts: Vec<&str> = args.split(',').map(str::trim).collect();
            match parts.as_slice() {
                [p, q] => format!("`{p}.dot(&{q})`"),
                _ => "`p.dot(&q)`".into(),
            }
        }
        "where" => "a closure over the elements: `a.mapv(|x| if x > 0.0 { x } else { 0.0 })`".into(),
        "sum" | "mean" | "sqrt" | "exp" | "abs" => {
            let a = args.trim();
            match function.as_str() {
                "sum" => format!("`{a}.sum()`"),
                "mean" => format!("`{a}.mean().unwrap()`"),
                f => format!("`{a}.mapv(f64::{f})`"),
            }
        }
        _ => format!("the table in {FROM_NUMPY}"),
    };
    Some(format!(
        "there is no `np` in Rust: ndarray's names are in scope without a prefix. NumPy's `np.{function}(…)` is {fix}"
    ))
}

/// A Python slice (`1:3`, `:`, `::2`) as `s!` writes it (`1..3`, `..`, `..;2`).
pub(super) fn python_slice(part: &str) -> String {
    if !part.contains(':') {
        return part.to_string();
    }
    let pieces: Vec<&str> = part.split(':').collect();
    let range = format!("{}..{}", pieces[0], pieces.get(1).copied().unwrap_or(""));
    match pieces.get(2).filter(|s| !s.is_empty()) {
        Some(step) => format!("{range};{step}"),
        None => range,
    }
}
