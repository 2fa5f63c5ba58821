//! Errors a student can read: a cell's compile errors drawn like rustc's, pointing into
//! the cell as typed; panics with a location that does not name this machine; shape
//! errors explained; a dead or interrupted child process in words, with the variables it
//! took along.
//!
//! Reports are pure functions from plain data to a [`CellError`], so each is tested as an
//! exact string. Compile errors come in as [`Diagnostic`]s (see [`diagnostic`]).
//!
//! - [`diagnostic`]: rustc's JSON messages as plain data;
//! - [`array_terms`]: types and hints in an array programmer's words;
//! - [`mistakes`]: the mistakes of a student coming from NumPy, recognised and said;
//! - [`shape`]: shape-mismatch panics explained with a picture, and the other panics of
//!   array code (a reshape, an index, an empty `mean()`) by what they are.

pub mod array_terms;
pub mod diagnostic;
pub mod mistakes;
pub mod shape;

use crate::core::engine::{CellError, ErrorKind};
use crate::engine::rust::cell::rewrite::CellText;
use crate::engine::rust::child::DEFAULT_MEMORY_PERCENT;
use crate::engine::rust::output::{Crash, PanicReport};
use crate::engine::rust::restore::RESTORE_COMMAND;
use crate::engine::style::{ADDED, BOLD, ERROR, FRAME, HELP, HINT, REMOVED, RESET, WARNING};
use array_terms::{hint, shorten_types};
use diagnostic::{Diagnostic, Help, Level};
use mistakes::{Mistake, Place};

/// The last line of a report of a panic: what a panic keeps and what it drops.
const KEPT_AFTER_PANIC: &str = "Variables defined in earlier cells are kept; those made in this cell were dropped.";

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
pub fn shape_error(summary: &str) -> CellError {
    let first = summary.lines().next().unwrap_or("").to_string();
    let traceback = vec![format!("{ERROR}ShapeError{RESET}: {first}"), SEE_ABOVE.into(), KEPT_AFTER_PANIC.into()];
    CellError::new(ErrorKind::Shape, "ShapeError", first, traceback)
}

/// A panic. `advice`, when given, goes just before the last line.
pub fn panic_error(p: &PanicReport, advice: Option<&str>) -> CellError {
    if let Some(failed) = p.message.strip_prefix(crate::engine::rust::cell::codegen::TRY_FAILED) {
        return try_failed(failed);
    }
    let first = p.message.lines().next().unwrap_or("").to_string();
    let place = friendly_location(&p.location);
    let mut traceback = vec![format!("{ERROR}panicked{RESET} {place}:")];
    traceback.extend(p.message.lines().map(str::to_string));
    traceback.push(String::new());
    traceback.extend(advice.map(str::to_string));
    traceback.push(KEPT_AFTER_PANIC.into());
    CellError::new(ErrorKind::Panic, "panic", first, traceback)
}

/// A `?` of the cell's own code met an error or a `None` (the panic the generated code
/// makes of it: its line, 0 when unknown; the error's type; its text).
fn try_failed(failed: &str) -> CellError {
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
    traceback.push("Variables defined in earlier cells are kept (with the changes this cell made before the `?`); those made in this cell were dropped.".into());
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

/// A type defined anew: the variables of the old one are dropped.
pub fn types_redefined(redefined: &[String], lost: &[Lost]) -> String {
    let which: Vec<String> = lost
        .iter()
        .take(MAX_NAMED)
        .map(|l| {
            let ty = shorten_types(&l.ty);
            match &l.via {
                None if ty == l.because => format!("`{}` (of type `{ty}`)", l.variable),
                None => format!("`{}` (of type `{ty}`, which holds `{}`)", l.variable, l.because),
                Some(via) => format!("`{}` (of type `{ty}`: `{}` holds `{via}`)", l.variable, l.because),
            }
        })
        .collect();
    let more = if lost.len() > MAX_NAMED { format!(" and {} more", lost.len() - MAX_NAMED) } else { String::new() };
    let types: Vec<String> = redefined.iter().map(|t| format!("`{t}`")).collect();
    format!(
        "[ndplay] {} defined anew, so these variables made with the old definition were dropped (their values cannot be read as the new one): {}{more}. Run the cells that make them again.",
        if types.len() == 1 { format!("{} was", types[0]) } else { format!("{} were", types.join(", ")) },
        which.join(", ")
    )
}

/// A `static` whose value can change does not keep it from one cell to the next.
pub fn static_resets(name: &str) -> String {
    format!(
        "[ndplay] `{name}` starts again from its initial value in every cell: each cell is compiled as a library of its own, with its own copy of every `static`, so a change made in one cell is not seen by the next. To keep a value between cells, make it a variable: `let {} = …;`",
        name.to_lowercase()
    )
}

/// A variable dropped because a type was defined anew: its type, the affected type its type
/// names, and what that one holds that was affected before it (`None`: it was redefined).
pub struct Lost {
    pub variable: String,
    pub ty: String,
    pub because: String,
    pub via: Option<String>,
}

/// A new variable whose type no later cell could write.
pub fn not_kept_unnameable(name: &str, ty: &str) -> String {
    let why = if ty.contains("{closure") {
        format!("`{name}` is a closure, and a closure's type has no name. To keep it, box it: `let {name}: Box<dyn Fn(f64) -> f64> = Box::new(|x| …);`")
    } else {
        format!("the type of `{name}` (`{ty}`) has no name a cell could write; give `{name}` a type of its own")
    };
    format!("[ndplay] `{name}` lives only in this cell: {why}.")
}

/// A new variable that borrows, so that it cannot be kept; `None` when it was moved (gone,
/// as Rust says: nothing to tell).
pub fn not_kept_borrowing(name: &str, code: Option<&str>) -> Option<String> {
    match code {
        Some("E0382") | Some("E0505") | Some("E0507") => None,
        _ => Some(format!(
            "[ndplay] `{name}` borrows from another value, so it lives only in this cell. To keep it, make an owned copy: `let {name} = ….to_owned();`"
        )),
    }
}

/// A variable whose type no cell can write after all: dropped.
pub fn not_loadable(name: &str) -> String {
    format!("[ndplay] `{name}` could not be taken back out of the store (its type cannot be written in a cell), so it was dropped.")
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

/// Most lines of a list rustc gives in a `help:` (the types that implement a trait) that a
/// report keeps when no hint explains the error; rustc itself, without `--verbose`, keeps 8.
const MAX_LISTED: usize = 4;

/// A rustc-style report of the cell's compile errors, pointing into the user's own code
/// (`typed`, from which `cell` was made), with ndarray's long types written as students
/// write them (`Array2<f64>`), rustc's suggestions shown on the student's own line, and a
/// hint for the mistakes beginners make with arrays.
///
/// When one mistake explained by a hint also caused errors after it (NumPy's `s.sum(axis=0)`
/// is both an unknown `axis` and a wrong count of arguments), those are left out and
/// counted, so that the report leads with the mistake.
pub fn compile_error(typed: &str, cell: &CellText, errors: &[Diagnostic]) -> CellError {
    let lines: Vec<&str> = typed.lines().collect();
    let mut traceback = Vec::new();
    let is_error = |e: &&Diagnostic| e.level == Level::Error;
    // The errors a hint explains lead: they are the mistake, the others often its echoes.
    let hinted = |e: &&Diagnostic| hint_of(typed, cell, e).is_some();
    let errors_first = errors
        .iter()
        .filter(|e| is_error(e) && hinted(e))
        .chain(errors.iter().filter(|e| is_error(e) && !hinted(e)))
        .chain(errors.iter().filter(|e| !is_error(e)));
    // The typed spans a hint has explained: a later error that points into one of them
    // stems from the same mistake.
    let mut explained: Vec<(usize, usize, usize)> = Vec::new();
    let mut left_out = 0;
    for error in errors_first {
        let spans: Vec<(usize, usize, usize)> = error
            .labels
            .iter()
            .filter_map(|l| l.span)
            .map(|s| {
                let (line, start) = cell.typed_position(typed, s.start.0, s.start.1);
                let (end_line, end) = cell.typed_position(typed, s.end.0, s.end.1);
                (line, start, if end_line == line { end } else { usize::MAX })
            })
            .collect();
        let overlaps = |&(l, s, e): &(usize, usize, usize)| {
            explained.iter().any(|&(el, es, ee)| el == l && s < ee.max(es + 1) && es < e.max(s + 1))
        };
        if error.level == Level::Error && spans.iter().any(overlaps) {
            left_out += 1;
            continue;
        }
        let level = error.level.as_str();
        let colour = if error.level == Level::Error { ERROR } else { WARNING };
        let message = shorten_types(&error.message);
        let head = match &error.code {
            Some(c) => format!("{colour}{level}[{c}]{RESET}{BOLD}: {message}{RESET}"),
            None => format!("{colour}{level}{RESET}{BOLD}: {message}{RESET}"),
        };
        traceback.push(head);
        for (label, &(line_no, start_column, end)) in error.labels.iter().filter(|l| l.span.is_some()).zip(&spans) {
            let text = shorten_types(&label.text);
            let pad = " ".repeat(line_no.to_string().len());
            traceback.push(format!("{pad}{FRAME}-->{RESET} cell:{}:{}", line_no, start_column));
            traceback.push(format!("{pad} {FRAME}|{RESET}"));
            if let Some(src) = lines.get(line_no - 1) {
                traceback.push(format!("{FRAME}{line_no} |{RESET} {src}"));
                let start = start_column.saturating_sub(1);
                let end = if end != usize::MAX {
                    end.saturating_sub(1).max(start + 1)
                } else {
                    src.chars().count().max(start + 1)
                };
                let marker = if label.primary { "^" } else { "-" };
                let text = if text.is_empty() { String::new() } else { format!(" {text}") };
                traceback.push(format!(
                    "{pad} {FRAME}|{RESET} {}{colour}{}{}{RESET}",
                    " ".repeat(start),
                    marker.repeat(end - start),
                    text
                ));
            }
        }
        let hint = hint_of(typed, cell, error);
        for help in &error.help {
            let text = shorten_types(&help.text);
            if let Some(shown) = suggestion(typed, cell, help) {
                traceback.push(format!("{HELP}help{RESET}: {text}"));
                traceback.extend(shown);
                continue;
            }
            let mut lines = text.lines();
            let first = lines.next().unwrap_or("");
            let rest: Vec<&str> = lines.filter(|l| !l.trim().is_empty()).map(str::trim).collect();
            let listing = first.starts_with("the following other types implement trait");
            if listing && hint.is_some() {
                // The hint says what to do instead; the list of every `Div` there is does not.
                continue;
            }
            traceback.push(format!("  {FRAME}={RESET} {BOLD}help{RESET}: {first}"));
            let keep = if listing && rest.len() > MAX_LISTED + 1 { MAX_LISTED } else { rest.len() };
            traceback.extend(rest[..keep].iter().map(|l| format!("          {l}")));
            if keep < rest.len() {
                traceback.push(format!("          and {} others", rest.len() - keep));
            }
        }
        if let Some(hint) = &hint {
            let mut hint_lines = hint.lines();
            traceback.push(format!("  {FRAME}={RESET} {HINT}hint{RESET}: {}", hint_lines.next().unwrap_or("")));
            traceback.extend(hint_lines.map(|l| format!("          {l}")));
            if let Some(&(line, start, end)) = spans.first() {
                // `np.where(…)`, `f(axis=0)` and `h.astype(f32)` are one mistake to the end of the line.
                let whole_line =
                    hint.starts_with("NumPy's") || hint.starts_with("Rust has no") || hint.contains("there is no `np`");
                explained.push((line, start, if whole_line { usize::MAX } else { end }));
            }
        }
        for note in error.notes.iter().chain(&error.note) {
            let note = shorten_types(note);
            if hint.is_some() && note.starts_with("the following trait bounds were not satisfied") {
                continue;
            }
            let mut note_lines = note.lines();
            traceback.push(format!("  {FRAME}={RESET} {BOLD}note{RESET}: {}", note_lines.next().unwrap_or("")));
            traceback.extend(note_lines.map(|l| format!("          {}", l.trim())));
        }
        traceback.push(String::new());
    }
    if left_out > 0 {
        let errors = if left_out == 1 { "error" } else { "errors" };
        traceback.push(format!("({left_out} more {errors} from the same mistake not shown)"));
    }
    let first = errors.iter().find(is_error).or(errors.first());
    CellError::new(
        ErrorKind::Compile,
        first.and_then(|e| e.code.clone()).unwrap_or_else(|| "CompileError".into()),
        first.map(|e| shorten_types(&e.message)).unwrap_or_else(|| "the cell did not compile".into()),
        traceback,
    )
}

/// The hint for one error, as [`compile_error`] finds it (to order errors by it).
fn hint_of(typed: &str, cell: &CellText, error: &Diagnostic) -> Option<String> {
    let lines: Vec<&str> = typed.lines().collect();
    let message = shorten_types(&error.message);
    let mut all_text = message.clone();
    let mut primary = None;
    for label in &error.labels {
        all_text.push('\n');
        all_text.push_str(&shorten_types(&label.text));
        let Some(span) = label.span.filter(|_| label.primary && primary.is_none()) else { continue };
        let (line, start) = cell.typed_position(typed, span.start.0, span.start.1);
        let (end_line, end) = cell.typed_position(typed, span.end.0, span.end.1);
        if let Some(src) = lines.get(line - 1) {
            let start = start.saturating_sub(1);
            let end = if end_line == line { end.saturating_sub(1).max(start + 1) } else { src.chars().count() };
            primary = Some(Place { line: src, start, end });
        }
    }
    for help in &error.help {
        all_text.push('\n');
        all_text.push_str(&shorten_types(&help.text));
    }
    mistakes::hint(&Mistake { message: &message, all: &all_text, code: error.code.as_deref(), at: primary })
        .or_else(|| hint(&all_text).map(str::to_string))
}

/// The byte offset of a 1-based line and character column of `text`.
fn byte_offset(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    let rest = &text[line_start.min(text.len())..];
    let within = rest.char_indices().nth(column.saturating_sub(1)).map_or(rest.len(), |(i, _)| i);
    (line_start + within).min(text.len())
}

/// A rustc suggestion as rustc shows it: the student's line with the change in place, `+`
/// under what an insertion adds; a change that removes or replaces text as the line before
/// (`-`) and after (`+`). `None` when the help suggests nothing in the cell.
fn suggestion(typed: &str, cell: &CellText, help: &Help) -> Option<Vec<String>> {
    if help.edits.is_empty() {
        return None;
    }
    let mut edits: Vec<(usize, usize, &str)> = help
        .edits
        .iter()
        .map(|e| {
            let (l, c) = cell.typed_position(typed, e.span.start.0, e.span.start.1);
            let (el, ec) = cell.typed_position(typed, e.span.end.0, e.span.end.1);
            (byte_offset(typed, l, c), byte_offset(typed, el, ec), e.replacement.as_str())
        })
        .collect();
    edits.sort_by_key(|e| (e.0, e.1));
    if edits.windows(2).any(|w| w[1].0 < w[0].1) {
        return None;
    }
    let mut changed = String::new();
    let mut last = 0;
    for &(start, end, replacement) in &edits {
        changed.push_str(&typed[last..start]);
        changed.push_str(replacement);
        last = end;
    }
    changed.push_str(&typed[last..]);
    let line_of = |offset: usize| typed[..offset].matches('\n').count() + 1;
    let first_line = line_of(edits[0].0);
    let last_line = line_of(edits.iter().map(|e| e.1).max().unwrap_or(0));
    let added_lines: isize = edits
        .iter()
        .map(|&(s, e, r)| r.matches('\n').count() as isize - typed[s..e].matches('\n').count() as isize)
        .sum();
    let old: Vec<&str> = typed.lines().skip(first_line - 1).take(last_line - first_line + 1).collect();
    let new: Vec<&str> = changed
        .lines()
        .skip(first_line - 1)
        .take((last_line - first_line + 1).saturating_add_signed(added_lines))
        .collect();
    let width = (first_line + new.len().max(old.len())).to_string().len();
    let pad = " ".repeat(width);
    let bar = format!("{pad} {FRAME}|{RESET}");
    let mut out = vec![bar.clone()];
    let inserts_only = edits.iter().all(|&(s, e, r)| s == e && !r.contains('\n')) && first_line == last_line;
    if inserts_only {
        let line_start = typed[..edits[0].0].rfind('\n').map_or(0, |i| i + 1);
        let mut marks = String::new();
        let mut shift = 0;
        for &(start, _, replacement) in &edits {
            let column = typed[line_start..start].chars().count() + shift;
            let lead = replacement.chars().take_while(|c| c.is_whitespace()).count();
            let shown = replacement.trim().chars().count().max(1);
            let at = column + lead;
            if marks.chars().count() < at {
                marks.push_str(&" ".repeat(at - marks.chars().count()));
            }
            marks.push_str(&"+".repeat(shown));
            shift += replacement.chars().count();
        }
        out.push(format!("{FRAME}{first_line:<width$} |{RESET} {}", new.first().copied().unwrap_or("")));
        out.push(format!("{bar} {ADDED}{marks}{RESET}"));
    } else {
        for (i, l) in old.iter().enumerate() {
            out.push(format!("{FRAME}{:<width$}{RESET} {REMOVED}- {l}{RESET}", first_line + i));
        }
        for (i, l) in new.iter().enumerate() {
            out.push(format!("{FRAME}{:<width$}{RESET} {ADDED}+ {l}{RESET}", first_line + i));
        }
        out.push(bar);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rust::report::diagnostic::{Label, Span};

    fn plain(lines: &[String]) -> Vec<String> {
        let ansi = regex::Regex::new("\x1b\\[[0-9;]*m").unwrap();
        lines.iter().map(|l| ansi.replace_all(l, "").into_owned()).collect()
    }

    #[test]
    fn a_failed_question_mark_is_reported_with_its_line_type_and_message() {
        let report = |message: &str| {
            panic_error(&PanicReport { location: "src/lib.rs:40:9".into(), message: message.into() }, None)
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
    fn variables_of_a_redefined_type_are_named_with_why() {
        let lost = |variable: &str, ty: &str, because: &str, via: Option<&str>| Lost {
            variable: variable.into(),
            ty: ty.into(),
            because: because.into(),
            via: via.map(str::to_string),
        };
        let note = types_redefined(
            &["Inner".into()],
            &[
                lost("i", "Inner", "Inner", None),
                lost("v", "Vec<Inner>", "Inner", None),
                lost("o", "Outer", "Outer", Some("Inner")),
            ],
        );
        assert_eq!(
            note,
            "[ndplay] `Inner` was defined anew, so these variables made with the old definition were dropped (their values cannot be read as the new one): `i` (of type `Inner`), `v` (of type `Vec<Inner>`, which holds `Inner`), `o` (of type `Outer`: `Outer` holds `Inner`). Run the cells that make them again."
        );
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
        let e = panic_error(&p, None);
        assert_eq!(
            (e.kind, e.ename.as_str(), e.evalue.as_str()),
            (ErrorKind::Panic, "panic", "index out of bounds: the len is 0 but the index is 3")
        );
        assert_eq!(
            plain(&e.traceback),
            ["panicked in this cell:", "index out of bounds: the len is 0 but the index is 3", "", KEPT_AFTER_PANIC]
        );
        assert_eq!(plain(&panic_error(&p, Some("advice")).traceback)[3], "advice");
    }

    #[test]
    fn a_shape_error_says_its_first_line_once_and_points_above() {
        let summary = "operands could not be broadcast together with shapes (2, 3) (2,)\n  axis 1:    3 vs 2    MISMATCH: neither is 1\nfix: give b one trailing axis";
        let e = shape_error(summary);
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

    /// Lesson 1's `&m / 3.0` (an integer array divided by a float), as rustc reports it
    /// for the compiled cell: the stored output of that lesson cell, line for line.
    #[test]
    fn a_compile_error_report_is_exact() {
        let error = Diagnostic {
            level: Level::Error,
            code: Some("E0277".into()),
            message: "cannot divide `i32` by `{float}`".into(),
            labels: vec![Label {
                span: Some(Span { start: (1, 4), end: (1, 5) }),
                text: "no implementation for `i32 / {float}`".into(),
                primary: true,
            }],
            help: vec![
                "the trait `Div<{float}>` is not implemented for `i32`".into(),
                "the following other types implement trait `Div<Rhs>`:\n  `&i32` implements `Div<i32>`\n  and 3 others"
                    .into(),
            ],
            notes: vec![],
            note: None,
        };
        let e = compile_error("&m / 3.0", &CellText::new("&m / 3.0"), &[error]);
        assert_eq!(
            (e.kind, e.ename.as_str(), e.evalue.as_str()),
            (ErrorKind::Compile, "E0277", "cannot divide `i32` by `{float}`")
        );
        assert_eq!(
            e.traceback,
            [
                "\u{1b}[1;31merror[E0277]\u{1b}[0m\u{1b}[1m: cannot divide `i32` by `{float}`\u{1b}[0m",
                " \u{1b}[1;34m-->\u{1b}[0m cell:1:4",
                "  \u{1b}[1;34m|\u{1b}[0m",
                "\u{1b}[1;34m1 |\u{1b}[0m &m / 3.0",
                "  \u{1b}[1;34m|\u{1b}[0m    \u{1b}[1;31m^ no implementation for `i32 / {float}`\u{1b}[0m",
                "  \u{1b}[1;34m=\u{1b}[0m \u{1b}[1mhelp\u{1b}[0m: the trait `Div<{float}>` is not implemented for `i32`",
                "  \u{1b}[1;34m=\u{1b}[0m \u{1b}[1;32mhint\u{1b}[0m: `m` holds integers and `3.0` is a float: write `m`'s numbers as floats (`1.0`), or `m.mapv(|x| x as f64) / 3.0`",
                "",
            ]
        );
    }

    /// rustc's suggestions are shown as rustc shows them: on the student's own line, an
    /// insertion marked with `+`, a replacement as the line before and after.
    #[test]
    fn suggestions_are_shown_in_place_on_the_students_line() {
        use crate::engine::rust::report::diagnostic::Edit;
        let at = |line, column, len| Span { start: (line, column), end: (line, column + len) };
        let typed = "let mm = array![1.0];\nmm += 1.0;";
        let error = Diagnostic {
            code: Some("E0596".into()),
            message: "cannot borrow `mm` as mutable, as it is not declared as mutable".into(),
            labels: vec![Label { span: Some(at(2, 1, 2)), text: "cannot borrow as mutable".into(), primary: true }],
            help: vec![Help {
                text: "consider changing this to be mutable".into(),
                edits: vec![Edit { span: at(1, 5, 0), replacement: "mut ".into() }],
            }],
            ..Diagnostic::default()
        };
        assert_eq!(
            plain(&compile_error(typed, &CellText::new(typed), &[error]).traceback),
            [
                "error[E0596]: cannot borrow `mm` as mutable, as it is not declared as mutable",
                " --> cell:2:1",
                "  |",
                "2 | mm += 1.0;",
                "  | ^^ cannot borrow as mutable",
                "help: consider changing this to be mutable",
                "  |",
                "1 | let mut mm = array![1.0];",
                "  |     +++",
                "",
            ]
        );
        // rustc's multipart suggestion for `len(l)`: `len(` removed, `)` made `.len()`.
        let typed = "len(l)";
        let error = Diagnostic {
            code: Some("E0425".into()),
            message: "cannot find function `len` in this scope".into(),
            labels: vec![Label { span: Some(at(1, 1, 3)), text: "not found in this scope".into(), primary: true }],
            help: vec![Help {
                text: "use the `.` operator to call the method `len` on `&Vec<{integer}>`".into(),
                edits: vec![
                    Edit { span: at(1, 1, 4), replacement: String::new() },
                    Edit { span: at(1, 6, 1), replacement: ".len()".into() },
                ],
            }],
            ..Diagnostic::default()
        };
        assert_eq!(
            plain(&compile_error(typed, &CellText::new(typed), &[error]).traceback),
            [
                "error[E0425]: cannot find function `len` in this scope",
                " --> cell:1:1",
                "  |",
                "1 | len(l)",
                "  | ^^^ not found in this scope",
                "help: use the `.` operator to call the method `len` on `&Vec<{integer}>`",
                "  |",
                "1 - len(l)",
                "1 + l.len()",
                "  |",
                "  = hint: Python's `len(l)` is the method `l.len()` in Rust",
                "",
            ]
        );
    }

    /// A list of every type that implements a trait is cut to a few lines, and left out
    /// when a hint says what to do instead.
    #[test]
    fn trait_impl_lists_are_cut() {
        let list: String = (0..30).map(|i| format!("\n  `T{i}` implements `Div`")).collect();
        let error = |message: &str| Diagnostic {
            code: Some("E0277".into()),
            message: message.into(),
            labels: vec![Label { span: Some(Span { start: (1, 3), end: (1, 4) }), text: String::new(), primary: true }],
            help: vec![Help::from(format!("the following other types implement trait `Div<Rhs>`:{list}").as_str())],
            ..Diagnostic::default()
        };
        let typed = "a / b";
        let unexplained =
            plain(&compile_error(typed, &CellText::new(typed), &[error("cannot divide `S` by `R`")]).traceback);
        assert_eq!(
            unexplained[5..],
            [
                "  = help: the following other types implement trait `Div<Rhs>`:",
                "          `T0` implements `Div`",
                "          `T1` implements `Div`",
                "          `T2` implements `Div`",
                "          `T3` implements `Div`",
                "          and 26 others",
                "",
            ]
        );
        let explained = plain(
            &compile_error(typed, &CellText::new(typed), &[error("cannot divide `{integer}` by `{float}`")]).traceback,
        );
        assert!(!explained.iter().any(|l| l.contains("implements")), "{explained:?}");
        assert!(
            explained.iter().any(|l| l.starts_with("  = hint: `a` is an integer and `b` a float")),
            "{explained:?}"
        );
    }

    /// Errors come first, warnings after; positions inside the kernel's insertions point
    /// at the student's text; array types are written as students write them.
    #[test]
    fn compile_errors_point_into_the_typed_cell_in_array_terms() {
        let typed = "let k = 1;\nmissing_name + moved_b";
        let cell =
            CellText::new(typed).insert(&vec![(11, "let __ndplay_last = ".into()), (33, ";\n__ndplay_last".into())]);
        let at = |line, column, len| Some(Span { start: (line, column), end: (line, column + len) });
        let warning = Diagnostic {
            level: Level::Warning,
            message: "unused variable: `k`".into(),
            labels: vec![Label { span: at(1, 5, 1), text: "help: prefix it with an underscore".into(), primary: true }],
            ..Diagnostic::default()
        };
        let error = Diagnostic {
            level: Level::Error,
            code: Some("E0425".into()),
            message: "cannot find value `missing_name` in this scope".into(),
            labels: vec![Label { span: at(2, 21, 12), text: "not found in this scope".into(), primary: true }],
            note: Some("a note of the kernel's".into()),
            ..Diagnostic::default()
        };
        let e = compile_error(typed, &cell, &[warning, error]);
        assert_eq!(e.ename, "E0425");
        assert_eq!(
            plain(&e.traceback),
            [
                "error[E0425]: cannot find value `missing_name` in this scope",
                " --> cell:2:1",
                "  |",
                "2 | missing_name + moved_b",
                "  | ^^^^^^^^^^^^ not found in this scope",
                "  = note: a note of the kernel's",
                "",
                "warning: unused variable: `k`",
                " --> cell:1:5",
                "  |",
                "1 | let k = 1;",
                "  |     ^ help: prefix it with an underscore",
                "",
            ]
        );
        let typed = "let x: Array2<f64> = f();";
        let mismatch = Diagnostic {
            message: "expected `ArrayBase<OwnedRepr<f64>, Dim<[usize; 2]>>`, found `()`".into(),
            ..Diagnostic::default()
        };
        let e = compile_error(typed, &CellText::new(typed), &[mismatch]);
        assert_eq!((e.ename.as_str(), e.evalue.as_str()), ("CompileError", "expected `Array2<f64>`, found `()`"));
    }
}
