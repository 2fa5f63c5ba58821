//! Errors a student can read: a cell's compile errors drawn like rustc's, pointing into
//! the cell as typed; panics with a location that does not name this machine; shape
//! errors explained; a dead or interrupted child process in words, with the variables it
//! took along.
//!
//! Reports are pure functions from plain data to a [`CellError`], so each is tested as an
//! exact string. Compile errors come in as [`Diagnostic`](diagnostic::Diagnostic)s (see
//! [`diagnostic`]). This file holds panics, deaths of the child process and the kernel's
//! own failures; the rest is in rooms of its own:
//!
//! - [`compile`]: a cell's compile errors drawn like rustc's;
//! - [`diagnostic`]: rustc's JSON messages as plain data;
//! - [`array_terms`]: types and hints in an array programmer's words;
//! - [`mistakes`]: the mistakes of a student coming from NumPy, recognised and said;
//! - [`notes`]: the notes shown beside a result (variables dropped or kept only in their
//!   cell, a `static` that starts again);
//! - [`shape`]: shape-mismatch panics explained with a picture, and the other panics of
//!   array code (a reshape, an index, an empty `mean()`) by what they are.

pub mod array_terms;
pub mod compile;
pub mod diagnostic;
pub mod mistakes;
pub mod notes;
pub mod shape;

pub use compile::compile_error;
pub use notes::{not_kept_borrowing, not_kept_unnameable, not_loadable, static_resets, types_redefined, Lost};

use crate::core::engine::{CellError, ErrorKind};
use crate::engine::rust::output::{Crash, PanicReport};
use crate::engine::rust::process::limits::DEFAULT_MEMORY_PERCENT;
use crate::engine::rust::restore::RESTORE_COMMAND;
use crate::engine::style::{ERROR, RESET, WARNING};

/// The last line of a failed cell's report: what it leaves of the variables. All of the
/// earlier cells' but `taken`, the ones the cell took by value (moved, or bound anew) before
/// it stopped, which went with it. `after_try` for a `?` that stopped it, whose changes
/// before the `?` stay.
fn kept_line(taken: &[String], after_try: bool) -> String {
    let changes = if after_try { " (with the changes this cell made before the `?`)" } else { "" };
    let except = match taken {
        [] => String::new(),
        [one] => format!(", except `{one}`, which this cell took by value before it stopped, so it went with the cell"),
        many => format!(
            ", except {}, which this cell took by value before it stopped, so they went with the cell",
            many.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
        ),
    };
    format!("Variables defined in earlier cells are kept{changes}{except}; those made in this cell were dropped.")
}

/// Where a panic happened, in words that do not depend on this machine.
///
/// Panics in the cell itself are reported in the generated crate (`src/lib.rs`), whose line
/// numbers mean nothing to the student. Library locations are absolute paths into
/// the toolchain or cargo's registry; those are cut to the crate and file, so notebooks
/// that store the error do not record the machine they ran on.
pub fn friendly_location(location: &str) -> String {
    if location.is_empty() || location.starts_with("src/lib.rs") {
        return "in this cell".into();
    }
    if let Some(i) = location.find("/library/") {
        return format!("in the Rust standard library ({})", &location[i + "/library/".len()..]);
    }
    if location.contains("/rustlib/") || location.contains("/.rustup/") || location.starts_with("/rustc/") {
        let file = location.rsplit_once("/src/").map_or(location, |(_, f)| f);
        return format!("in the Rust standard library ({file})");
    }
    if let Some(i) = location.find("/registry/src/") {
        // …/registry/src/index.crates.io-<hash>/ndarray-0.17.2/src/lib.rs:10:5
        let rest = &location[i + "/registry/src/".len()..];
        let rest = rest.split_once('/').map_or(rest, |(_, r)| r);
        return format!("in {rest}");
    }
    if location.contains("/prelude-") {
        let file = location.rsplit_once("/prelude-").and_then(|(_, r)| r.split_once('/')).map_or(location, |(_, f)| f);
        return format!("in the ndplay prelude ({file})");
    }
    format!("at {location}")
}

/// What a shape error says in place of the explanation, which the picture shown just before
/// it holds (its `text/plain` too, for terminals).
pub const SEE_ABOVE: &str = "The explanation above shows each axis and how to fix it.";

/// A shape-mismatch panic whose explanation (`summary`, first line first) was just shown as a
/// picture: the error keeps only the first line, so a student reads the explanation once
/// (in JupyterLab, untrusted views and `jupyter console` alike), while nbval and
/// stop-on-error still see an error.
pub fn shape_error(summary: &str, taken: &[String]) -> CellError {
    let first = summary.lines().next().unwrap_or("").to_string();
    let traceback = vec![format!("{ERROR}ShapeError{RESET}: {first}"), SEE_ABOVE.into(), kept_line(taken, false)];
    CellError::new(ErrorKind::Shape, "ShapeError", first, traceback)
}

/// A panic. `advice`, when given, goes just before the last line, which says what is kept:
/// every earlier variable but `taken` (see [`kept_line`]).
pub fn panic_error(p: &PanicReport, advice: Option<&str>, taken: &[String]) -> CellError {
    if let Some(failed) = p.message.strip_prefix(crate::engine::rust::cell::codegen::TRY_FAILED) {
        return try_failed(failed, taken);
    }
    let first = p.message.lines().next().unwrap_or("").to_string();
    let place = friendly_location(&p.location);
    let mut traceback = vec![format!("{ERROR}panicked{RESET} {place}:")];
    traceback.extend(p.message.lines().map(str::to_string));
    traceback.push(String::new());
    traceback.extend(advice.map(str::to_string));
    traceback.push(kept_line(taken, false));
    CellError::new(ErrorKind::Panic, "panic", first, traceback)
}

/// A `?` of the cell's own code met an error or a `None` (the panic the generated code
/// makes of it: its line, 0 when unknown; the error's type; its text).
fn try_failed(failed: &str, taken: &[String]) -> CellError {
    let mut lines = failed.splitn(3, '\n');
    let line = lines.next().and_then(|l| l.trim().parse::<usize>().ok()).filter(|l| *l > 0);
    let ty = lines.next().unwrap_or("");
    let text = lines.next().unwrap_or("");
    let place = line.map_or("A `?` in this cell".to_string(), |l| format!("The `?` in line {l}"));
    let (ename, evalue, mut traceback) = if ty == "None" {
        (
            "None".to_string(),
            "a `?` found `None`".to_string(),
            vec![format!("{ERROR}{place} found `None`{RESET}, so the cell stopped there.")],
        )
    } else {
        let first = text.lines().next().unwrap_or("").to_string();
        let mut traceback = vec![format!("{ERROR}{place} returned an error{RESET} ({ty}), so the cell stopped there:")];
        traceback.extend(text.lines().map(str::to_string));
        (ty.to_string(), first, traceback)
    };
    traceback.push(String::new());
    traceback.push(kept_line(taken, true));
    CellError::new(ErrorKind::Panic, &ename, evalue, traceback)
}

/// Most variable names a report lists.
const MAX_NAMED: usize = 20;

/// `a, b, c` (and how many more).
pub fn names(list: &[String]) -> String {
    let mut text = list.iter().take(MAX_NAMED).cloned().collect::<Vec<_>>().join(", ");
    if list.len() > MAX_NAMED {
        text.push_str(&format!(" and {} more", list.len() - MAX_NAMED));
    }
    text
}

/// What a fresh process that runs cells means for the variables: none lost, or which, and
/// how to make them again.
pub fn lost_line(variables: &[String]) -> String {
    if variables.is_empty() {
        "No variables were lost.".to_string()
    } else {
        format!(
            "Variables lost: {}. Run `{RESTORE_COMMAND}` to run again the cells that made them (or run those cells yourself).",
            names(variables)
        )
    }
}

/// How a cell's process ended, and what became of the variables.
pub struct Death<'a> {
    /// The exit status, in words (`signal: 9 (SIGKILL)`).
    pub how: &'a str,
    pub interrupted: bool,
    pub crash: Option<Crash>,
    /// The variables from before the cell.
    pub variables: &'a [String],
    /// The snapshot from before the cell took over, so `variables` are kept as they were;
    /// otherwise they died with the process.
    pub resumed: bool,
    /// Variables the cell had changed (so their change is undone), when `resumed`.
    pub undone: &'a [String],
}

/// The child process died while running a cell, by an interrupt or otherwise.
pub fn child_died(d: &Death) -> CellError {
    let Death { how, interrupted, crash, variables, resumed, undone } = *d;
    let undone_text = if undone.is_empty() {
        "Only this cell's own changes are undone.".to_string()
    } else {
        format!("Only this cell's own changes are undone (to {}).", names(undone))
    };
    let variables_line = match (resumed, variables.is_empty()) {
        (true, true) => "Nothing was lost: the process was restarted as it was before the cell.".to_string(),
        (true, false) => {
            format!(
                "Nothing was lost: every variable is as it was before the cell ({}). {undone_text}",
                names(variables)
            )
        }
        (false, _) => lost_line(variables),
    };
    if interrupted {
        let how = if resumed {
            "the cell was interrupted"
        } else {
            "the cell was interrupted, which restarts the Rust process"
        };
        return CellError::new(
            ErrorKind::Interrupted,
            "Interrupted",
            how,
            vec![format!("{WARNING}Interrupted.{RESET} The cell was stopped. {variables_line}")],
        );
    }
    let cause = match crash {
        Some(Crash::OutOfMemory) => format!(
            "it ran out of memory: an allocation failed (cells may use about {DEFAULT_MEMORY_PERCENT}% of this machine's memory; \
             set NDPLAY_CHILD_MEMORY before starting Jupyter to change that)"
        ),
        Some(Crash::Segfault) => {
            "a segmentation fault: the cell touched memory it does not own (usually through `unsafe` code)".into()
        }
        Some(Crash::StackOverflow) => {
            "a stack overflow: too deep a recursion (or too large a value on the stack)".into()
        }
        None => explain_termination(how),
    };
    CellError::new(
        ErrorKind::Crashed,
        "ProcessDied",
        format!("the process running the cell died: {cause}"),
        vec![
            format!("{ERROR}The process running your cell died{RESET}: {cause}."),
            format!("(it ended with {})", how.trim()),
            variables_line,
            if resumed {
                "The kernel is still running, and so is the session: run the next cell.".into()
            } else {
                "The kernel is still running: the next cell runs in a fresh process.".into()
            },
        ],
    )
}

/// The process that runs cells had died before this cell was sent to it.
pub fn died_between_cells(how: &str, variables: &[String]) -> CellError {
    let variables_line = lost_line(variables);
    CellError::new(
        ErrorKind::VariablesLost,
        "ProcessDied",
        "the process that runs cells had ended before this cell started",
        vec![
            format!(
                "{ERROR}The process that runs cells had ended{RESET} before this cell started (it ended with {}), \
                 killed from outside the kernel (by the system's out-of-memory killer, or another program).",
                how.trim()
            ),
            variables_line,
            "This cell did not run: a fresh process is ready, so run it again.".into(),
        ],
    )
}

/// The cell was interrupted while it compiled: nothing ran, nothing changed.
pub fn interrupted_while_compiling() -> CellError {
    CellError::new(
        ErrorKind::Interrupted,
        "Interrupted",
        "the cell was interrupted while it compiled",
        vec![format!("{WARNING}Interrupted{RESET} while compiling: the cell did not run, and every variable is kept.")],
    )
}

/// rustc failed without a message the kernel can read (it crashed, the linker is missing,
/// the disk is full): its own words.
pub fn compiler_failed(text: &str) -> CellError {
    let mut traceback = vec![format!("{ERROR}The Rust compiler failed{RESET} without saying why in its usual way:")];
    traceback.extend(text.lines().take(40).map(str::to_string));
    traceback.push("Run the cell again; if it fails again, restart the kernel (Kernel ▸ Restart).".into());
    CellError::new(ErrorKind::Other, "CompilerFailed", text.lines().next().unwrap_or("the compiler failed"), traceback)
}

/// Something the kernel guarantees did not hold (a bug of the kernel's, not the
/// student's): said plainly, instead of showing output that may not be this cell's.
pub fn internal_error(what: &str) -> CellError {
    CellError::new(
        ErrorKind::Other,
        "InternalError",
        format!("internal error: {what}"),
        vec![
            format!("{ERROR}InternalError{RESET}: {what}."),
            "This is a bug of the kernel's, not of your code. Nothing this cell computed is shown, so \
             nothing shown is wrong. Run the cell again; if it happens again, restart the kernel \
             (Kernel ▸ Restart) and please report it."
                .to_string(),
        ],
    )
}

/// The store did not hold the variables a cell needed as the kernel expected (a bug of the
/// kernel's, not the student's): they are dropped so that the next cell works.
pub fn unloadable(variables: &[String]) -> CellError {
    CellError::new(
        ErrorKind::VariablesLost,
        "VariablesLost",
        format!("these variables could not be read back and were dropped: {}", names(variables)),
        vec![
            format!(
                "The cell did not run: the variables {} could not be read back from the store, so they were dropped.",
                names(variables)
            ),
            "Run the cells that made them again (this is a bug of the kernel: please report it).".into(),
        ],
    )
}

/// Turns an exit status into words a student can act on.
pub fn explain_termination(how: &str) -> String {
    let h = how.to_ascii_lowercase();
    if h.contains("sigsegv") || h.contains("signal: 11") {
        "a segmentation fault (an invalid memory access, e.g. in `unsafe` code, or a stack overflow)".into()
    } else if h.contains("sigabrt") || h.contains("signal: 6") {
        "it aborted (std::process::abort(), a stack overflow, or an allocation that failed)".into()
    } else if h.contains("sigkill") || h.contains("signal: 9") {
        "it was killed (often: it ran out of memory)".into()
    } else if let Some(code) = h.split("exit status: ").nth(1).map(|s| s.trim().trim_end_matches(')').to_string()) {
        format!("it called std::process::exit({code}) or otherwise exited with status {code}")
    } else {
        how.trim().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The last line of a panic's report when the cell took no earlier variable.
    const KEPT_AFTER_PANIC: &str = "Variables defined in earlier cells are kept; those made in this cell were dropped.";

    /// The lines of a traceback without their colours.
    pub(super) fn plain(lines: &[String]) -> Vec<String> {
        let ansi = regex::Regex::new("\x1b\\[[0-9;]*m").unwrap();
        lines.iter().map(|l| ansi.replace_all(l, "").into_owned()).collect()
    }

    #[test]
    fn a_failed_question_mark_is_reported_with_its_line_type_and_message() {
        let report = |message: &str| {
            panic_error(&PanicReport { location: "src/lib.rs:40:9".into(), message: message.into() }, None, &[])
        };
        // The cell sends the type's name already shortened (`ndplay::cell::short_type_name`).
        let e = report("\u{1f}ndplay-try 3\nParseIntError\ninvalid digit found in string");
        assert_eq!(
            (e.kind, e.ename.as_str(), e.evalue.as_str()),
            (ErrorKind::Panic, "ParseIntError", "invalid digit found in string")
        );
        let lines = plain(&e.traceback);
        assert_eq!(lines[0], "The `?` in line 3 returned an error (ParseIntError), so the cell stopped there:");
        assert_eq!(lines[1], "invalid digit found in string");
        let e = report("\u{1f}ndplay-try 0\nNone\n");
        assert_eq!((e.ename.as_str(), e.evalue.as_str()), ("None", "a `?` found `None`"));
        assert!(plain(&e.traceback)[0].starts_with("A `?` in this cell found `None`"));
        // Any other panic is a panic.
        assert_eq!(report("boom").ename, "panic");
    }

    #[test]
    fn termination_is_explained() {
        assert!(
            explain_termination("Child process terminated with status: signal: 11 (SIGSEGV)").contains("segmentation")
        );
        assert!(explain_termination("Child process terminated with status: signal: 6 (SIGABRT) (core dumped)")
            .contains("abort"));
        assert!(explain_termination("Child process terminated with status: exit status: 3").contains("exit(3)"));
    }

    #[test]
    fn lost_variables_are_named() {
        let ab = ["a".to_string(), "b".to_string()];
        let death = |how, interrupted, variables, resumed, undone| Death {
            how,
            interrupted,
            crash: None,
            variables,
            resumed,
            undone,
        };
        let e = child_died(&death("signal: 9 (SIGKILL)", true, &ab, false, &[]));
        assert_eq!(e.kind, ErrorKind::Interrupted);
        assert_eq!(e.ename, "Interrupted");
        assert!(e.traceback.iter().any(|l| l.contains("Variables lost: a, b")));
        let e = child_died(&death("signal: 9 (SIGKILL)", true, &ab, true, &ab[1..]));
        assert_eq!(
            plain(&e.traceback),
            ["Interrupted. The cell was stopped. Nothing was lost: every variable is as it was before the cell (a, b). Only this cell's own changes are undone (to b)."]
        );
        let e = child_died(&death("exit status: 3", false, &[], false, &[]));
        assert_eq!(e.kind, ErrorKind::Crashed);
        assert_eq!(
            plain(&e.traceback),
            [
                "The process running your cell died: it called std::process::exit(3) or otherwise exited with status 3.",
                "(it ended with exit status: 3)",
                "No variables were lost.",
                "The kernel is still running: the next cell runs in a fresh process.",
            ]
        );
        let many: Vec<String> = (0..25).map(|i| format!("v{i}")).collect();
        assert!(child_died(&death("x", false, &many, false, &[])).traceback[2].contains("v19 and 5 more"));
    }

    #[test]
    fn a_death_between_cells_says_the_cell_did_not_run() {
        let e = died_between_cells("signal: 9 (SIGKILL)", &["a".to_string()]);
        assert_eq!(e.kind, ErrorKind::VariablesLost);
        assert_eq!(
            plain(&e.traceback),
            [
                "The process that runs cells had ended before this cell started (it ended with signal: 9 (SIGKILL)), killed from outside the kernel (by the system's out-of-memory killer, or another program).",
                "Variables lost: a. Run `:restore` to run again the cells that made them (or run those cells yourself).",
                "This cell did not run: a fresh process is ready, so run it again.",
            ]
        );
    }

    #[test]
    fn panic_locations_do_not_name_this_machine() {
        assert_eq!(friendly_location("src/lib.rs:110:1"), "in this cell");
        assert_eq!(
            friendly_location("/root/.rustup/toolchains/1.95.0-x86_64-unknown-linux-gnu/lib/rustlib/src/rust/library/core/src/ops/function.rs:79:5"),
            "in the Rust standard library (core/src/ops/function.rs:79:5)"
        );
        assert_eq!(
            friendly_location(
                "/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/ndarray-0.17.2/src/impl_ops.rs:10:5"
            ),
            "in ndarray-0.17.2/src/impl_ops.rs:10:5"
        );
        assert_eq!(
            friendly_location("/home/x/.cache/ndplay/prelude-abc/src/ops.rs:3:1"),
            "in the ndplay prelude (src/ops.rs:3:1)"
        );
    }

    #[test]
    fn a_panic_report_is_exact() {
        let p = PanicReport {
            location: "src/lib.rs:7:9".into(),
            message: "index out of bounds: the len is 0 but the index is 3".into(),
        };
        let e = panic_error(&p, None, &[]);
        assert_eq!(
            (e.kind, e.ename.as_str(), e.evalue.as_str()),
            (ErrorKind::Panic, "panic", "index out of bounds: the len is 0 but the index is 3")
        );
        assert_eq!(
            plain(&e.traceback),
            ["panicked in this cell:", "index out of bounds: the len is 0 but the index is 3", "", KEPT_AFTER_PANIC]
        );
        assert_eq!(plain(&panic_error(&p, Some("advice"), &[]).traceback)[3], "advice");
        // An earlier variable the cell took by value went with it: the last line says so.
        let taken = ["v".to_string()];
        assert_eq!(
            plain(&panic_error(&p, None, &taken).traceback).last().unwrap(),
            "Variables defined in earlier cells are kept, except `v`, which this cell took by value before it stopped, so it went with the cell; those made in this cell were dropped."
        );
    }

    #[test]
    fn a_shape_error_says_its_first_line_once_and_points_above() {
        let summary = "operands could not be broadcast together with shapes (2, 3) (2,)\n  axis 1:    3 vs 2    MISMATCH: neither is 1\nfix: give b one trailing axis";
        let e = shape_error(summary, &[]);
        assert_eq!(
            (e.kind, e.ename.as_str(), e.evalue.as_str()),
            (ErrorKind::Shape, "ShapeError", "operands could not be broadcast together with shapes (2, 3) (2,)")
        );
        assert_eq!(
            plain(&e.traceback),
            [
                "ShapeError: operands could not be broadcast together with shapes (2, 3) (2,)",
                SEE_ABOVE,
                KEPT_AFTER_PANIC
            ]
        );
    }
}
