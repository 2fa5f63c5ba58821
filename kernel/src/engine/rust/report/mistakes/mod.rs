//! The mistakes a student coming from NumPy makes in Rust, recognised in a compile error
//! and the line it points at, and said in array terms with a fix written with the
//! student's own names (`m.T` → `m.t()`).
//!
//! rustc's words for these ("no field `T`", "expected one of 8 possible tokens, found
//! `@`", "the trait bound `{integer}: NdIndex<Dim<[usize; 2]>>` is not satisfied") are
//! right but say nothing a NumPy user can act on. Each hint here is one line (two at
//! most), and `tests/mistakes/catalogue.toml` proves every fix it shows by running it.
//! Pure functions on text, like [`super::array_terms`], whose generic hints are the
//! fallback.
//!
//! [`hint`] says which kind of error is which mistake, in the order they are tried; the
//! words are in a file for each kind:
//!
//! - `numpy`: NumPy's names and syntax (`m.T`, `np.zeros`, `axis=0`, `p @ q`, `x ** 2`);
//! - `types`: indices, floats' order, `Option`s, numbers of two types, arithmetic;
//! - `ownership`: `mut`, read-only views, moved values;
//! - `text`: reading the student's line (a receiver, an operand, what brackets hold).

mod numpy;
mod ownership;
mod text;
mod types;

pub use numpy::FROM_NUMPY;

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

impl Mistake<'_> {
    /// The words the message puts in backticks.
    fn quoted(&self) -> Vec<&str> {
        self.message.split('`').skip(1).step_by(2).collect()
    }
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

/// The hint for a compile error that is a known beginner's mistake, if this one is.
pub fn hint(m: &Mistake) -> Option<String> {
    let at = m.at?;
    let marked = at.marked();
    let message = m.message;

    // A field, method or function that is NumPy's: these errors name what was meant, so
    // when it is not one NumPy has, no other hint applies.
    if message.starts_with("no field `") || message.starts_with("attempted to take value of method `") {
        return numpy::attribute(m, &at);
    }
    if message.starts_with("no method named `")
        || (message.starts_with("the method `") && message.contains("but its trait bounds were not satisfied"))
        || (message.contains(": DataShared` is not satisfied") && marked == "reshape")
    {
        return numpy::method(m, &at);
    }
    if message.starts_with("cannot find value `") || message.starts_with("cannot find function `") {
        return numpy::unknown_name(m, &at);
    }

    // Parse errors: NumPy syntax that Rust does not have.
    if m.code.is_none() && message.starts_with("expected ") {
        if let Some(hint) = numpy::syntax(&at) {
            return Some(hint);
        }
    }

    if message == "expected function, found macro `print`" {
        return Some(numpy::print_call(&at.after()));
    }
    if message.contains("`usize: Neg` is not satisfied") {
        return types::negative_index(&at);
    }

    // `x ** 2`: Rust reads the second `*` as a dereference.
    if m.code == Some("E0614") && at.before().trim_end().ends_with('*') {
        return numpy::power(&at);
    }

    // One index into a 2-D array, or an index of the wrong integer type.
    if message.contains(": NdIndex<Dim<[usize; ") {
        return types::array_index(m, &at);
    }
    if message.starts_with("the type `[") && message.contains("cannot be indexed by `") {
        return types::list_index(m, &at);
    }

    // Floats have no total order.
    if message.contains("f64: Ord`")
        || message.contains("{float}: Ord`")
        || message.contains("f32: Ord`")
        || (message.contains("Ord` is not satisfied") && m.all.contains("float"))
    {
        return types::float_order(&at);
    }

    // `mean()` is an Option.
    if m.all.contains("Option<f64>") || m.all.contains("Option<f32>") || m.all.contains("Option<{float}>") {
        if let Some(hint) = types::mean_option(&at) {
            return Some(hint);
        }
    }

    // A variable of an earlier cell, declared without `mut` there.
    if m.code == Some("E0596") && m.all.contains("(it was declared in an earlier cell)") {
        return ownership::declared_without_mut(m);
    }

    // A read-only view written to.
    if m.code == Some("E0596") || m.code == Some("E0594") {
        if let Some(hint) = ownership::read_only_view(&at) {
            return Some(hint);
        }
    }

    // A boolean mask: comparing an array with a number.
    if message.starts_with("binary operation `") && message.contains("cannot be applied to type `Array") {
        return numpy::mask(&at);
    }

    // A reference where a value is wanted, or the other way round.
    if message == "mismatched types" {
        if let Some(hint) = types::mismatched(m, &at) {
            return Some(hint);
        }
    }

    // Overflow found at compile time.
    if message == "this arithmetic operation will overflow" {
        return types::overflow();
    }
    if let Some(ty) = message.strip_prefix("literal out of range for `").and_then(|t| t.strip_suffix('`')) {
        return types::out_of_range(ty, &at);
    }

    // A moved array.
    if let Some(name) =
        message.strip_prefix("borrow of moved value: `").or(message.strip_prefix("use of moved value: `"))
    {
        return ownership::moved(name);
    }

    // Arithmetic.
    let arithmetic = ["cannot add", "cannot subtract", "cannot multiply", "cannot divide"]
        .iter()
        .find(|w| message.starts_with(*w))
        .map(|w| &w["cannot ".len()..]);
    arithmetic.and_then(|verb| types::arithmetic(m, &at, verb))
}

#[cfg(test)]
mod tests {
    use super::numpy::python_slice;
    use super::text::receiver;
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
