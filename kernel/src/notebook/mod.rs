//! `ndplay check` and `ndplay run`: notebooks executed through the kernel's core, in
//! this process (no Jupyter, no ZeroMQ, no Python).
//!
//! - `check` runs every notebook in a fresh engine, in the notebook's directory, and judges
//!   each code cell the way `pytest --nbval` (0.11) does: same cell tags and comment
//!   markers, same sanitize file format, same comparison (see [`compare`]). It prints one
//!   line per cell, a diff for each failing one, and a summary per notebook.
//! - `run` re-executes one notebook and stores its outputs as Jupyter would (see
//!   [`outputs::NotebookOutputs`]), writing it back in nbformat's own layout.
//!
//! Outputs reach a notebook exactly as through the kernel: cells run through the protocol
//! core itself ([`kernel::NotebookKernel`]), and its IOPub messages become the outputs.

pub mod compare;
pub mod ipynb;
pub mod kernel;
pub mod outputs;
pub mod sanitize;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};

use compare::{cell_options, judge, Verdict};
use ipynb::Notebook;
use kernel::NotebookKernel;
use outputs::{Event, NotebookOutputs};
use sanitize::Sanitizer;

/// The sanitize file looked for beside each notebook when none is given.
pub const SANITIZE_FILE: &str = "sanitize.cfg";

pub struct CheckOptions {
    /// nbval's `--nbval-sanitize-with`; default: `sanitize.cfg` beside each notebook.
    pub sanitize_with: Option<PathBuf>,
    /// Colour the report (default: when stdout is a terminal and NO_COLOR is unset).
    pub color: bool,
}

impl CheckOptions {
    pub fn color_default() -> bool {
        std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
    }
}

/// Paths given relative to where the command started must survive the change of
/// directory; so must the cache directory.
fn absolute(p: &Path) -> Result<PathBuf> {
    std::path::absolute(p).with_context(|| format!("resolving {}", p.display()))
}

fn pin_cache_dir() {
    if let Some(dir) = std::env::var_os("NDPLAY_CACHE_DIR") {
        let dir = PathBuf::from(dir);
        if dir.is_relative() {
            if let Ok(abs) = std::path::absolute(&dir) {
                std::env::set_var("NDPLAY_CACHE_DIR", abs);
            }
        }
    }
}

struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    /// Text from a notebook, fit for a terminal: its colours kept when colour is on, and
    /// every other control character shown, not obeyed (a notebook is anyone's file, and an
    /// escape sequence in an output can retitle a terminal or write its clipboard).
    fn plain(&self, s: &str) -> String {
        terminal_safe(s, self.on)
    }
}

/// `s` with every control character but tab made visible (`\u{1b}`), except colour codes
/// (`ESC [ digits/; m`), which are kept when `colour` and dropped otherwise.
fn terminal_safe(s: &str, colour: bool) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if let Some(body) = rest.strip_prefix("\x1b[") {
            let len = body.find(|d: char| !(d.is_ascii_digit() || d == ';')).unwrap_or(body.len());
            if body[len..].starts_with('m') {
                if colour {
                    out.push_str(&rest[..2 + len + 1]);
                }
                rest = &rest[2 + len + 1..];
                continue;
            }
        }
        if c.is_control() && c != '\t' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// The first line of a cell, shortened, to say which cell a report line is about.
fn snippet(source: &str) -> String {
    let line = source.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("(empty)");
    let line = terminal_safe(line, false);
    if line.chars().count() > 48 {
        format!("{}…", line.chars().take(47).collect::<String>())
    } else {
        line
    }
}

/// `ndplay check`: true when every notebook passed.
pub fn check(paths: &[PathBuf], options: &CheckOptions) -> Result<bool> {
    pin_cache_dir();
    let paint = Paint { on: options.color };
    let sanitize_with = options.sanitize_with.as_deref().map(absolute).transpose()?;
    let mut failed_notebooks = Vec::new();
    for path in paths {
        let label = path.display().to_string();
        match check_one(path, &label, sanitize_with.as_deref(), &paint) {
            Ok(true) => {}
            Ok(false) => failed_notebooks.push(label),
            Err(e) => {
                println!("{label}: {} {e:#}", paint.wrap("1;31", "ERROR"));
                failed_notebooks.push(label);
            }
        }
        let _ = std::io::stdout().flush();
    }
    if paths.len() > 1 {
        if failed_notebooks.is_empty() {
            println!("{} notebooks: all outputs match", paths.len());
        } else {
            println!("{} of {} notebooks failed: {}", failed_notebooks.len(), paths.len(), failed_notebooks.join(", "));
        }
    }
    Ok(failed_notebooks.is_empty())
}

fn check_one(path: &Path, label: &str, sanitize_with: Option<&Path>, paint: &Paint) -> Result<bool> {
    let abs = absolute(path)?;
    let notebook = Notebook::read(&abs)?;
    let sanitize_path = match sanitize_with {
        Some(p) => Some(p.to_path_buf()),
        None => abs.parent().map(|d| d.join(SANITIZE_FILE)).filter(|p| p.is_file()),
    };
    let sanitizer = match &sanitize_path {
        Some(p) => Sanitizer::load(p)?,
        None => Sanitizer::default(),
    };
    let cells = notebook.code_cells();
    match &sanitize_path {
        Some(p) => {
            println!("{label}: {} code cells, sanitizing with {} ({} rules)", cells.len(), p.display(), sanitizer.len())
        }
        None => println!("{label}: {} code cells, no sanitize file", cells.len()),
    }
    let mut kernel = NotebookKernel::start(&abs, "ndplay check")?;
    let mut failed = Vec::new();
    let (mut skipped, mut not_compared) = (0, 0);
    for (n, cell) in cells.iter().enumerate() {
        let opts = cell_options(&cell.tags, &cell.source);
        let events = if opts.skip { None } else { Some(kernel.execute(&cell.source).0) };
        let fresh = events.as_deref().map(outputs::nbval_outputs);
        let verdict = judge(opts, cell.execution_count, &cell.outputs, fresh.as_deref(), &sanitizer);
        let status = match &verdict {
            Verdict::Pass => paint.wrap("32", "ok"),
            Verdict::Skipped => {
                skipped += 1;
                paint.wrap("33", "skipped")
            }
            Verdict::NotCompared(why) => {
                not_compared += 1;
                format!("{} ({why})", paint.wrap("33", "not compared"))
            }
            Verdict::Failed { reason, .. } => {
                failed.push(n);
                format!("{}: {reason}", paint.wrap("1;31", "FAILED"))
            }
        };
        println!("  Cell {n:>2}  {}  {status}", paint.wrap("2", &format!("{:<50}", snippet(&cell.source))));
        if events.as_deref().is_some_and(outputs::has_display_updates) {
            println!("        note: this cell sent clear_output/update_display_data, which nbval ignores (so does this check)");
        }
        if let Verdict::Failed { detail, .. } = &verdict {
            for line in detail {
                let line = paint.plain(line);
                let coloured = match line.chars().next() {
                    Some('-') if !line.starts_with("---") => paint.wrap("31", &line),
                    Some('+') if !line.starts_with("+++") => paint.wrap("32", &line),
                    Some('@') => paint.wrap("36", &line),
                    _ => line,
                };
                println!("        {coloured}");
            }
        }
        let _ = std::io::stdout().flush();
    }
    drop(kernel);
    let mut extra = Vec::new();
    if skipped > 0 {
        extra.push(format!("{skipped} skipped"));
    }
    if not_compared > 0 {
        extra.push(format!("{not_compared} not compared"));
    }
    let extra = if extra.is_empty() { String::new() } else { format!(" ({})", extra.join(", ")) };
    if failed.is_empty() {
        println!("{label}: {} cells, all outputs match{extra}", cells.len());
    } else {
        let which: Vec<String> = failed.iter().map(|n| format!("Cell {n}")).collect();
        println!(
            "{label}: {} cells, {} {}{extra}",
            cells.len(),
            paint.wrap("1;31", &format!("{} failed:", failed.len())),
            which.join(", ")
        );
    }
    Ok(failed.is_empty())
}

/// Where `ndplay run` writes the executed notebook.
pub enum RunTarget {
    InPlace,
    File(PathBuf),
    Stdout,
}

pub struct RunOptions {
    pub target: RunTarget,
    /// Keep going after a cell fails that is not tagged `raises-exception` (nbclient's
    /// `allow_errors`).
    pub allow_errors: bool,
}

/// `ndplay run`: executes every code cell (but those tagged `skip-execution` and empty
/// ones, as nbclient does) and stores the outputs.
pub fn run(path: &Path, options: &RunOptions) -> Result<()> {
    pin_cache_dir();
    let abs = absolute(path)?;
    let target = match &options.target {
        RunTarget::InPlace => Some(abs.clone()),
        RunTarget::File(f) => Some(absolute(f)?),
        RunTarget::Stdout => None,
    };
    let mut notebook = Notebook::read(&abs)?;
    let cells = notebook.code_cells();
    let label = "ndplay run";
    let mut kernel = NotebookKernel::start(&abs, label)?;
    let mut outputs = NotebookOutputs::default();
    let mut executed = Vec::new();
    for (n, cell) in cells.iter().enumerate() {
        if cell.tags.iter().any(|t| t == "skip-execution") || cell.source.trim().is_empty() {
            eprintln!("{label}: Cell {n:>2} not run");
            continue;
        }
        let started = Instant::now();
        let (events, count) = kernel.execute(&cell.source);
        for e in &events {
            outputs.push(cell.index, e);
        }
        outputs.end_cell();
        executed.push((cell.index, count));
        let error = events.iter().find_map(|e| match e {
            Event::Error { ename, evalue, .. } => Some(format!("{ename}: {evalue}")),
            _ => None,
        });
        let secs = started.elapsed().as_secs_f64();
        match error {
            None => eprintln!("{label}: Cell {n:>2} ok ({secs:.1}s)  {}", snippet(&cell.source)),
            Some(e) if options.allow_errors || cell.tags.iter().any(|t| t == "raises-exception") => {
                eprintln!("{label}: Cell {n:>2} raised, as allowed ({secs:.1}s): {e}")
            }
            Some(e) => {
                bail!(
                    "Cell {n} ({}) failed: {e}\nThe notebook was not written. Tag the cell `raises-exception` if the error is the point, or pass --allow-errors.",
                    snippet(&cell.source)
                )
            }
        }
    }
    drop(kernel);
    for (index, count) in executed {
        notebook.set_outputs(index, count, outputs.take(index));
    }
    let text = notebook.to_ipynb_string();
    match target {
        Some(file) => {
            write_replacing(&file, text.as_bytes())?;
            eprintln!("{label}: wrote {}", file.display());
        }
        None => std::io::stdout().write_all(text.as_bytes())?,
    }
    Ok(())
}

/// Writes `bytes` beside `file` and renames it into place, so an interrupted write never
/// leaves half a notebook. The temporary file is new (`O_EXCL`, a random name): in a
/// directory others can write, a link planted under a predictable name would have been
/// followed, and another file overwritten.
///
/// A target that is not a regular file (`/dev/null`, a pipe, `/dev/stdout`) is written
/// to, never renamed over: as root, a rename replaced the system's `/dev/null` with a
/// file, and every later write to it by another user failed.
fn write_replacing(file: &Path, bytes: &[u8]) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    if std::fs::metadata(file).is_ok_and(|m| !m.is_file()) {
        return std::fs::OpenOptions::new()
            .write(true)
            .open(file)
            .and_then(|mut f| f.write_all(bytes))
            .with_context(|| format!("writing {}", file.display()));
    }
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = file.with_file_name(format!(".{name}.ndplay-{}.tmp", uuid::Uuid::new_v4().simple()));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .open(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("writing {}", tmp.display()));
    }
    std::fs::rename(&tmp, file).with_context(|| format!("replacing {}", file.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_that_is_not_a_file_is_written_to_not_replaced() {
        let dir = std::env::temp_dir().join(format!("ndplay-write-fifo-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("pipe");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: mkfifo with a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(fifo).unwrap())
        };
        write_replacing(&fifo, b"{}").unwrap();
        assert_eq!(reader.join().unwrap(), b"{}");
        use std::os::unix::fs::FileTypeExt;
        assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo(), "the pipe was replaced by a file");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "a temporary file was left");
    }

    #[test]
    fn the_written_notebook_replaces_the_file_and_follows_no_planted_link() {
        let dir = std::env::temp_dir().join(format!("ndplay-write-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let victim = dir.join("victim.txt");
        std::fs::write(&victim, "keep").unwrap();
        // The name the old code wrote through.
        std::os::unix::fs::symlink(&victim, dir.join("out.ipynb.ndplay-tmp")).unwrap();
        let out = dir.join("out.ipynb");
        write_replacing(&out, b"{}").unwrap();
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "{}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left.len(), 3, "no temporary file is left: {left:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn ansi_is_stripped() {
        assert_eq!(terminal_safe("\x1b[1;31merror[E0308]\x1b[0m: x", false), "error[E0308]: x");
    }

    #[test]
    fn a_notebooks_escape_sequences_are_shown_not_obeyed() {
        // A title change (OSC 0), a clipboard write (OSC 52), a bell, a cursor move.
        let hostile = "a\x1b]0;pwned\x07b\x1b]52;c;ZXZpbA==\x07\x1b[2Jc";
        let safe = terminal_safe(hostile, true);
        assert!(!safe.contains('\x1b') && !safe.contains('\x07'), "{safe:?}");
        assert_eq!(safe, "a\\u{1b}]0;pwned\\u{7}b\\u{1b}]52;c;ZXZpbA==\\u{7}\\u{1b}[2Jc");
        // Colours stay when colour is on, and go when it is off.
        assert_eq!(terminal_safe("\x1b[1;31mE\x1b[0m", true), "\x1b[1;31mE\x1b[0m");
        assert_eq!(terminal_safe("\x1b[1;31mE\x1b[0m\t!", false), "E\t!");
        assert_eq!(snippet("let s = \"\x1b]0;x\x07\";"), "let s = \"\\u{1b}]0;x\\u{7}\";");
        // A lone escape at the end is shown too.
        assert_eq!(terminal_safe("x\x1b", true), "x\\u{1b}");
        assert_eq!(terminal_safe("x\x1b[", true), "x\\u{1b}[");
        assert_eq!(terminal_safe("\x1bé", true), "\\u{1b}é");
    }

    #[test]
    fn snippets_are_short() {
        assert_eq!(snippet("\n  let a = 1;\nb"), "let a = 1;");
        assert_eq!(snippet(""), "(empty)");
        assert_eq!(snippet(&"x".repeat(100)).chars().count(), 48);
    }
}
