//! The mistakes a student coming from NumPy makes in Rust, recognised in a compile error
//! and the line it points at, and said in array terms with a fix written with the
//! student's own names (`m.T` → `m.t()`).
//!
//! rustc's words for these ("no field `T`", "expected one of 8 possible tokens, found
//! `@`", "the trait bound `{integer}: NdIndex<Dim<[usize; 2]>>` is not satisfied") are
//! right but say nothing a NumPy user can act on. Each hint here is one line (two at
//! most), and `tests/cells/mistakes.toml` proves every fix it shows by running it.
//! Pure functions on text, like [`super::array_terms`], whose generic hints are the
//! fallback.

/// The line an error points at, and its primary span there (0-based character columns).
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    pub line: &'a str,
    pub start: usize,
    pub end: usize,
}

/// A compile error as a hint reads it: its message, all its words (labels and helps), its
/// code, and where it points.
pub struct Mistake<'a> {
    pub message: &'a str,
    pub all: &'a str,
    pub code: Option<&'a str>,
    pub at: Option<Place<'a>>,
}

impl<'a> Place<'a> {
    fn chars(&self, from: usize, to: usize) -> String {
        self.line.chars().skip(from).take(to.saturating_sub(from)).collect()
    }
    /// The text under the span.
    fn marked(&self) -> String {
        self.chars(self.start, self.end)
    }
    fn before(&self) -> String {
        self.chars(0, self.start)
    }
    fn after(&self) -> String {
        self.line.chars().skip(self.end).collect()
    }
}

/// The name a student's expression ends with (`m` in `let t = m`, `v.iter()` → `v`), or
/// `fallback` when it is not a plain name.
fn trailing_name(text: &str, fallback: &str) -> String {
    let text = text.trim_end();
    let name: String = text.chars().rev().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    let name: String = name.chars().rev().collect();
    if name.is_empty() || name.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        fallback.to_string()
    } else {
        name
    }
}

/// The receiver of a method call whose name starts the span: `v` in `v.iter().max()`.
fn receiver(before: &str) -> String {
    let mut chain = before.trim_end().trim_end_matches('.').to_string();
    // `v.iter()` → `v`: drop calls and the methods they call, back to the first name.
    while chain.ends_with(')') {
        let Some(open) = matching_open(&chain, '(', ')') else { break };
        chain.truncate(open);
        let method = trailing_name(&chain, "");
        if chain.len() > method.len() && chain[..chain.len() - method.len()].ends_with('.') {
            chain.truncate(chain.len() - method.len() - 1);
        } else {
            break;
        }
    }
    trailing_name(&chain, "a")
}

/// The index of the `open` that the `close` ending `text` closes.
fn matching_open(text: &str, open: char, close: char) -> Option<usize> {
    let mut depth = 0;
    for (i, c) in text.char_indices().rev() {
        if c == close {
            depth += 1;
        } else if c == open {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

/// What is inside the brackets that `text` opens with (`(2, 3)` → `2, 3`).
fn bracketed(text: &str, open: char, close: char) -> Option<String> {
    let text = text.trim_start();
    if !text.starts_with(open) {
        return None;
    }
    let mut depth = 0;
    for (i, c) in text.char_indices() {
        if c == open {
            depth += 1;
        } else if c == close {
            depth -= 1;
            if depth == 0 {
                return Some(text[1..i].to_string());
            }
        }
    }
    None
}

/// The operands around a binary operator at the span: `a` and `2.0` in `a / 2.0`. An
/// operand that is not a plain name, number or method call on a name (`array![1, 2]`) is
/// empty: a hint cannot name it, and says nothing rather than something wrong.
fn operands(at: &Place) -> (String, String) {
    let before = at.before();
    let before = before.trim_end();
    let left = if before.ends_with(|c: char| c.is_alphanumeric() || c == '_') {
        trailing_name(before, "")
    } else {
        String::new()
    };
    let after = at.after();
    let after = after.trim_start();
    let right: String = after.chars().take_while(|c| c.is_alphanumeric() || "_.&()".contains(*c)).collect();
    let rest = &after[right.len()..];
    let mut right = right.trim_end_matches('.').trim_start_matches('&').to_string();
    while right.matches(')').count() > right.matches('(').count() {
        right.pop();
    }
    if rest.starts_with(['!', '[', ':']) || right.starts_with(|c: char| !(c.is_alphanumeric() || c == '_')) {
        right.clear();
    }
    (left, right)
}

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

/// The hint for a compile error that is a known beginner's mistake, if this one is.
pub fn hint(m: &Mistake) -> Option<String> {
    let at = m.at?;
    let marked = at.marked();
    let message = m.message;
    let quoted: Vec<&str> = message.split('`').skip(1).step_by(2).collect();

    // NumPy's attributes, which are fields in Python and methods (or nothing) here.
    if message.starts_with("no field `") || message.starts_with("attempted to take value of method `") {
        let field = quoted.first().copied().unwrap_or("");
        let r = receiver(&at.before());
        return match field {
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
        };
    }

    // NumPy's methods that ndarray spells otherwise.
    if message.starts_with("no method named `")
        || (message.starts_with("the method `") && message.contains("but its trait bounds were not satisfied"))
        || (message.contains(": DataShared` is not satisfied") && marked == "reshape")
    {
        let method = if marked == "reshape" { "reshape" } else { quoted.first().copied().unwrap_or("") };
        let r = receiver(&at.before());
        let args = bracketed(&at.after(), '(', ')').unwrap_or_default();
        let on_vec = message.contains("`Vec<");
        return match method {
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
            "dot" | "sum" | "mean" | "t" | "mapv" if on_vec => Some(format!(
                "a `Vec` is a list, not an array: make it one first, `Array1::from({r}.clone()).{method}(…)`"
            )),
            _ if on_vec => None,
            "append" | "size" | "item" | "all" | "any" | "cumsum" | "argsort" | "clip" | "nonzero" => {
                Some(format!("ndarray has no `{method}`; {FROM_NUMPY} shows what to write instead"))
            }
            _ => None,
        };
    }

    if message.starts_with("cannot find value `") || message.starts_with("cannot find function `") {
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
        return match name {
            "np" | "numpy" => numpy_function(&after),
            "len" => {
                let arg = bracketed(&after, '(', ')').unwrap_or_else(|| "x".into());
                Some(format!("Python's `len({arg})` is the method `{arg}.len()` in Rust"))
            }
            "print" => {
                let arg = bracketed(&after, '(', ')').unwrap_or_else(|| "x".into());
                Some(format!("Python's `print` is a macro in Rust: `println!(\"{{:?}}\", {arg})`"))
            }
            "True" => Some("Rust's booleans are `true` and `false`".into()),
            "False" => Some("Rust's booleans are `true` and `false`".into()),
            _ => None,
        };
    }

    // Parse errors: NumPy syntax that Rust does not have.
    if m.code.is_none() && message.starts_with("expected ") {
        let before = at.before();
        if marked == "@" {
            let (p, q) = operands(&at);
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
    }

    if message == "expected function, found macro `print`" {
        let arg = bracketed(&at.after(), '(', ')').unwrap_or_else(|| "x".into());
        return Some(format!("Python's `print` is a macro in Rust: `println!(\"{{:?}}\", {arg})`"));
    }
    if message.contains("`usize: Neg` is not satisfied") {
        let r = trailing_name(at.before().trim_end().trim_end_matches('['), "a");
        return Some(format!(
            "indices are `usize`, never negative: NumPy's `{r}[-1]` is `{r}[{r}.len() - 1]` (or `{r}.last()`)"
        ));
    }

    // `x ** 2`: Rust reads the second `*` as a dereference.
    if m.code == Some("E0614") && at.before().trim_end().ends_with('*') {
        let base = trailing_name(at.before().trim_end().trim_end_matches('*'), "x");
        let power: String = marked.trim_start_matches('*').trim().to_string();
        if power.parse::<i32>().is_err() {
            return Some(format!(
                "Rust has no `**`: `{base}.powf({power})` for a float, `{base}.mapv(|x: f64| x.powf({power}))` for an array"
            ));
        }
        return Some(format!(
            "Rust has no `**`: `{base}.powi({power})` for a float, `{base}.pow({power})` for an integer, `{base}.mapv(|x: f64| x.powi({power}))` for an array"
        ));
    }

    // One index into a 2-D array, or an index of the wrong integer type.
    if message.contains(": NdIndex<Dim<[usize; ") {
        let r = trailing_name(at.before().trim_end().trim_end_matches('['), "a");
        let axes = message.split("Dim<[usize; ").nth(1).and_then(|s| s.split(']').next()).unwrap_or("2");
        if (message.contains("`{integer}: NdIndex") || message.contains("`usize: NdIndex")) && axes != "1" {
            return Some(format!(
                "`{r}` has {axes} axes, so one index is not enough: `{r}[[{marked}, j]]` for an element, `{r}.row({marked})` for a row"
            ));
        }
        let ty = quoted.first().and_then(|q| q.split(':').next()).unwrap_or("i32");
        return Some(format!(
            "indices are `usize` in Rust, and `{marked}` is an `{ty}`: write `{r}[{marked} as usize]` (or make `{marked}` a `usize`)"
        ));
    }
    if message.starts_with("the type `[") && message.contains("cannot be indexed by `") {
        let ty = quoted.get(1).copied().unwrap_or("i32");
        let r = trailing_name(at.before().trim_end().trim_end_matches('['), "v");
        return Some(format!(
            "indices are `usize` in Rust, and `{marked}` is an `{ty}`: write `{r}[{marked} as usize]` (or make `{marked}` a `usize`)"
        ));
    }

    // Floats have no total order.
    if message.contains("f64: Ord`")
        || message.contains("{float}: Ord`")
        || message.contains("f32: Ord`")
        || (message.contains("Ord` is not satisfied") && m.all.contains("float"))
    {
        let r = receiver(&at.before());
        let fix = match marked.as_str() {
            "sort" | "sort_unstable" => format!("`{r}.sort_by(f64::total_cmp)`"),
            "min" => format!("`{r}.iter().copied().fold(f64::INFINITY, f64::min)`"),
            _ => format!("`{r}.iter().copied().fold(f64::NEG_INFINITY, f64::max)`"),
        };
        return Some(format!(
            "floats have no total order (NaN is neither bigger nor smaller), so `{marked}` is not defined for them: {fix}"
        ));
    }

    // `mean()` is an Option.
    if m.all.contains("Option<f64>") || m.all.contains("Option<f32>") || m.all.contains("Option<{float}>") {
        if let Some(i) = at.line.find(".mean()") {
            let r = receiver(&at.line[..i]);
            return Some(format!(
                "`{r}.mean()` is `None` for an empty array, so it returns an `Option`: write `{r}.mean().unwrap()`"
            ));
        }
    }

    // A variable of an earlier cell, declared without `mut` there.
    if m.code == Some("E0596") && m.all.contains("(it was declared in an earlier cell)") {
        let name = quoted.first().copied().unwrap_or("x");
        return Some(format!(
            "`{name}` was declared without `mut` in an earlier cell: declare it again as mutable in this cell, `let mut {name} = {name};`, then change it"
        ));
    }

    // A read-only view written to.
    if (m.code == Some("E0596") || m.code == Some("E0594")) && at.line.contains(".row(") {
        return Some("`row(…)` is a read-only view: write through `row_mut(…)` instead".into());
    }
    if (m.code == Some("E0596") || m.code == Some("E0594")) && at.line.contains(".column(") {
        return Some("`column(…)` is a read-only view: write through `column_mut(…)` instead".into());
    }

    // A boolean mask: comparing an array with a number.
    if message.starts_with("binary operation `") && message.contains("cannot be applied to type `Array") {
        let (r, rhs) = operands(&at);
        if r.is_empty() || rhs.is_empty() {
            return None;
        }
        let op = marked.trim();
        return Some(format!(
            "`{op}` compares two whole values, it makes no mask: NumPy's `{r} {op} {rhs}` is `{r}.mapv(|x| x {op} {rhs})`; to keep the elements that pass, `{r}.iter().copied().filter(|&x| x {op} {rhs}).collect::<Array1<_>>()`"
        ));
    }

    // A reference where a value is wanted, or the other way round.
    if message == "mismatched types" {
        let expected_found = m.all.lines().find_map(|l| {
            let q: Vec<&str> = l.split('`').skip(1).step_by(2).collect();
            (l.starts_with("expected `") && q.len() == 2).then(|| (q[0].to_string(), q[1].to_string()))
        });
        if let Some((expected, found)) = expected_found {
            if expected.strip_prefix('&') == Some(found.as_str())
                || (expected.starts_with("&Array") && found.starts_with("Array"))
            {
                return Some(format!(
                    "this takes a reference (`{expected}`), and `{marked}` is the array itself: lend it with `&{marked}` (it stays yours)"
                ));
            }
            let number = |t: &str| ["f32", "f64", "i32", "i64", "u8", "u32", "u64", "usize", "isize"].contains(&t);
            if number(&expected) && number(&found) {
                return Some(format!(
                    "Rust never converts `{found}` to `{expected}` by itself: write `{marked} as {expected}`{}",
                    if expected == "f32" { " (which rounds to f32's precision)" } else { "" }
                ));
            }
            if found.strip_prefix('&') == Some(expected.as_str()) {
                let bare = marked.trim_start_matches('&');
                return Some(format!(
                    "this takes the array itself (`{expected}`), and `{marked}` is a reference: pass `{bare}` (it moves), or `{bare}.to_owned()` for a copy"
                ));
            }
        }
    }

    // Overflow found at compile time.
    if message == "this arithmetic operation will overflow" {
        return Some(
            "the result does not fit in the integer type (`u8` holds 0 to 255, unsigned types no negatives): use a wider or signed type (`i32`, `i64`), or `checked_add`/`checked_sub`, which give `None` instead".into(),
        );
    }
    if let Some(ty) = message.strip_prefix("literal out of range for `").and_then(|t| t.strip_suffix('`')) {
        return Some(format!(
            "`{marked}` does not fit in a `{ty}` (`{ty}::MAX` is the largest): use a wider type, e.g. `u16` or `i32`"
        ));
    }

    // A moved array.
    if let Some(name) =
        message.strip_prefix("borrow of moved value: `").or(message.strip_prefix("use of moved value: `"))
    {
        let name = name.trim_end_matches('`');
        return Some(format!(
            "`{name}` was moved (into an operator such as `+`, or a function that takes it by value) and is gone: borrow it instead (`&{name} + &b`, a `&Array1` parameter) or copy it with `{name}.clone()`"
        ));
    }

    // Arithmetic.
    let arithmetic = ["cannot add", "cannot subtract", "cannot multiply", "cannot divide"]
        .iter()
        .find(|w| message.starts_with(*w))
        .map(|w| &w["cannot ".len()..]);
    if let Some(verb) = arithmetic {
        let (lhs, rhs) = operands(&at);
        // Each hint below names both operands but one; without their names, the generic
        // hint of `array_terms` says it better than a guess.
        let named = !lhs.is_empty() && !rhs.is_empty();
        let op = marked.trim();
        let (first, second) = if verb == "add" {
            // `cannot add `B` to `A``: the left operand's type is named second.
            (quoted.get(1).copied().unwrap_or(""), quoted.first().copied().unwrap_or(""))
        } else {
            (quoted.first().copied().unwrap_or(""), quoted.get(1).copied().unwrap_or(""))
        };
        if first.contains("Vec<") && second.contains("Vec<") && named {
            return Some(format!(
                "a `Vec` is a list, not an array: it has no arithmetic. Make them arrays: `Array1::from({lhs}.clone()) {op} Array1::from({rhs}.clone())`"
            ));
        }
        if first.contains("Vec<") && named {
            return Some(format!(
                "a `Vec` is a list, not an array: it has no arithmetic. Make it an array: `Array1::from({lhs}.clone()) {op} {rhs}`"
            ));
        }
        if first.contains("Option<") {
            return Some(format!("`mean()` and friends return an `Option`: `.unwrap()` it before `{op}`"));
        }
        let elem = |t: &str| -> String {
            let t = t.trim_start_matches('&');
            match t.split_once('<') {
                Some((base, rest)) if base.starts_with("Array") => rest.trim_end_matches('>').to_string(),
                _ => t.to_string(),
            }
        };
        let (a, b) = (elem(first), elem(second));
        let is_float = |t: &str| t == "f64" || t == "f32" || t == "{float}";
        let is_int = |t: &str| t == "{integer}" || t.starts_with('i') || t.starts_with('u');
        if is_float(&a) && is_float(&b) && a != b && a != "{float}" && b != "{float}" && named {
            return Some(format!(
                "`{lhs}` holds `{a}` and `{rhs}` holds `{b}`: both sides of `{op}` need the same element type, e.g. `{lhs}.mapv(|x| x as {b})`"
            ));
        }
        if is_int(&a) && is_float(&b) && named {
            let to = if b == "f32" { "f32" } else { "f64" };
            let literal = rhs.parse::<f64>().is_ok();
            return Some(if a == "usize" {
                format!("`{rhs}` is a float and the other side a `usize` (a length or an index): convert it, `{lhs} as f64`")
            } else if literal {
                format!("`{lhs}` holds integers and `{rhs}` is a float: write `{lhs}`'s numbers as floats (`1.0`), or `{lhs}.mapv(|x| x as {to}) {op} {rhs}`")
            } else if first.trim_start_matches('&').starts_with("Array") {
                format!("`{lhs}` holds integers and `{rhs}` floats; Rust never converts between them by itself: `{lhs}.mapv(|x| x as {to})`")
            } else {
                format!("`{lhs}` is an integer and `{rhs}` a float; Rust never converts between them by itself: `{lhs} as {to}`")
            });
        }
        if is_float(&a) && is_int(&b) && b == "usize" && !rhs.is_empty() {
            return Some(format!(
                "`{rhs}` is a `usize` (a length or an index) and the other side a float: convert it, `{rhs} as f64`"
            ));
        }
        if is_float(&a) && is_int(&b) && named {
            return Some(if rhs.chars().all(|c| c.is_ascii_digit()) {
                format!("`{rhs}` is an integer and `{lhs}` holds floats; Rust never converts between them by itself: write `{rhs}.0`")
            } else if second.trim_start_matches('&').starts_with("Array") {
                format!("`{rhs}` holds integers and `{lhs}` floats: convert it, `{rhs}.mapv(|x| x as f64)`")
            } else {
                format!("`{rhs}` is an integer and `{lhs}` holds floats: convert it, `{rhs} as f64`")
            });
        }
    }
    None
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
fn python_slice(part: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn at<'a>(line: &'a str, marked: &str) -> Option<Place<'a>> {
        let start = line.find(marked).unwrap();
        Some(Place { line, start, end: start + marked.len() })
    }

    fn hint_for(message: &str, code: Option<&str>, line: &str, marked: &str) -> Option<String> {
        hint(&Mistake { message, all: message, code, at: at(line, marked) })
    }

    #[test]
    fn names_the_students_own_variables() {
        assert_eq!(
            hint_for("no field `T` on type `Array2<f64>`", Some("E0609"), "let t = weights.T", "T").unwrap(),
            "NumPy's `weights.T` is `weights.t()` in ndarray: a transposed view (`weights.t().to_owned()` for an array of its own)"
        );
        assert_eq!(
            hint_for("expected one of 8 possible tokens, found `@`", None, "p @ q", "@").unwrap(),
            "Rust has no `@` operator: NumPy's `p @ q` is `p.dot(&q)`"
        );
        assert_eq!(receiver("let m = v.iter()."), "v");
        assert_eq!(python_slice("1:3"), "1..3");
        assert_eq!(python_slice("::2"), "..;2");
        assert_eq!(python_slice(":"), "..");
    }

    #[test]
    fn an_operand_it_cannot_name_is_not_guessed() {
        let message = "cannot add `Array1<{float}>` to `Array1<{integer}>`";
        assert_eq!(hint_for(message, Some("E0277"), "let m = array![1, 2] + array![1.0, 2.0];", "+"), None);
        assert_eq!(
            hint_for("cannot divide `{float}` by `usize`", Some("E0277"), "a.sum() / a.len()", "/").unwrap(),
            "`a.len()` is a `usize` (a length or an index) and the other side a float: convert it, `a.len() as f64`"
        );
    }

    #[test]
    fn an_array_operand_is_converted_with_mapv() {
        let message = "cannot add `&Array1<{integer}>` to `&Array1<{float}>`";
        assert_eq!(
            hint_for(message, Some("E0277"), "&a + &b", "+").unwrap(),
            "`b` holds integers and `a` floats: convert it, `b.mapv(|x| x as f64)`"
        );
        let message = "cannot add `&Array1<f64>` to `&Array1<i32>`";
        assert_eq!(
            hint_for(message, Some("E0277"), "&n + &x", "+").unwrap(),
            "`n` holds integers and `x` floats; Rust never converts between them by itself: `n.mapv(|x| x as f64)`"
        );
    }

    #[test]
    fn says_nothing_of_errors_it_does_not_know() {
        assert_eq!(hint_for("expected `;`, found `}`", None, "let x = 1", "1"), None);
        assert_eq!(hint_for("no field `weight` on type `Layer`", Some("E0609"), "l.weight", "weight"), None);
    }
}
