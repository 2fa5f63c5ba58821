//! rust-analyzer in a process of its own: `ndplay analysis`, which the kernel starts when
//! the completion index cannot answer, and which ends when no one has asked for a while.
//!
//! rust-analyzer is by far the largest user of memory (hundreds of MB once it has loaded
//! the standard library and ndarray; docs/performance.md): in the kernel's process it
//! stayed for the whole session, once a student had pressed Tab. Here it lives only while
//! it is used, and the kernel stays small.
//!
//! The two speak JSON lines: the kernel writes `{"op": "complete" | "hover", "source",
//! "cursor"}`, the process answers each line with one line, `{"matches": [[code, kind]…],
//! "start", "end"}`, `{"plain", "html"}`, or `null` (no answer).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// How long the process waits for a request before it ends (`NDPLAY_ANALYSIS_IDLE`, in
/// seconds, overrides it). Starting again costs a student one slow Tab (rust-analyzer
/// loads the crate graph again: seconds); keeping it costs hundreds of MB.
const IDLE: Duration = Duration::from_secs(300);

fn idle() -> Duration {
    std::env::var("NDPLAY_ANALYSIS_IDLE").ok().and_then(|s| s.parse().ok()).map(Duration::from_secs).unwrap_or(IDLE)
}

// --- the process ---------------------------------------------------------------------------

/// `ndplay analysis`: answers requests on stdin until stdin closes (the kernel is gone) or
/// no request came for [`idle`].
pub fn serve(dir: &Path, prelude: &Path) -> anyhow::Result<()> {
    // Replies go to the stdout the kernel reads; anything else that writes to fd 1 (evcxr,
    // rust-analyzer) is sent to stderr instead, so it can never break a reply line.
    // SAFETY: dup and dup2 on the process's own standard descriptors.
    let replies = unsafe {
        let fd = libc::dup(1);
        libc::dup2(2, 1);
        fd
    };
    anyhow::ensure!(replies >= 0, "could not keep the reply pipe");
    // SAFETY: `replies` is a descriptor this process just made and owns alone.
    let mut out = std::io::BufWriter::new(unsafe { <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(replies) });
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let ctx = start_evcxr(dir, prelude);
    if let Err(e) = &ctx {
        eprintln!("ndplay analysis: rust-analyzer did not start: {e:#}");
    }
    let idle = idle();
    while let Ok(line) = rx.recv_timeout(idle) {
        let answer = match (&ctx, serde_json::from_str::<Value>(&line)) {
            (Ok(ctx), Ok(request)) => answer(&mut ctx.lock().unwrap_or_else(|e| e.into_inner()), &request),
            _ => Value::Null,
        };
        writeln!(out, "{answer}")?;
        out.flush()?;
    }
    Ok(())
}

fn answer(ctx: &mut evcxr::CommandContext, request: &Value) -> Value {
    let (Some(source), Some(cursor)) = (request["source"].as_str(), request["cursor"].as_u64()) else {
        return Value::Null;
    };
    let cursor = cursor as usize;
    if cursor > source.len() || !source.is_char_boundary(cursor) {
        return Value::Null;
    }
    match request["op"].as_str() {
        Some("complete") => match ctx.completions(source, cursor) {
            Ok(c) => {
                let mut matches: Vec<(String, &str)> = Vec::new();
                let before = source.get(..c.start_offset).unwrap_or("");
                for item in c.completions {
                    let field = before.ends_with('.') && !item.code.contains('(') && item.kind == "instance";
                    if matches.iter().any(|(m, _)| *m == item.code)
                        || (field && is_private_field(ctx, &format!("{before}{}", item.code)))
                    {
                        continue;
                    }
                    matches.push((item.code, item.kind));
                }
                json!({"matches": matches, "start": c.start_offset, "end": c.end_offset})
            }
            Err(_) => Value::Null,
        },
        Some("hover") => match ctx.hover_at(source, cursor) {
            Ok((plain, html)) if !plain.trim().is_empty() && plain != "No documentation found" => {
                json!({"plain": plain, "html": html})
            }
            _ => Value::Null,
        },
        _ => Value::Null,
    }
}

/// Whether the field named at the end of `source` is one a cell cannot use. evcxr has
/// rust-analyzer offer private fields (`enable_private_editable`), which is right for the
/// session's own structs (the cells' crate is `ctx` to it) and wrong for another crate's:
/// an array's `data`, `parts` and `0`. The hover says which: `ndarray::ArrayBase` above
/// `data: S`, against `pub mean: f64`, or a tuple's `pub 0: f64`.
fn is_private_field(ctx: &mut evcxr::CommandContext, source: &str) -> bool {
    let Ok((plain, _)) = ctx.hover_at(source, source.len()) else { return false };
    let name = source.rsplit('.').next().unwrap_or("");
    let mut lines = plain.lines().map(str::trim).filter(|l| !l.is_empty());
    let owner = lines.next().unwrap_or("");
    let public = plain.lines().any(|l| l.trim().starts_with("pub") && l.contains(&format!("{name}:")));
    !public && owner.contains("::") && !owner.starts_with("ctx::")
}

fn start_evcxr(dir: &Path, prelude: &Path) -> anyhow::Result<std::sync::Mutex<evcxr::CommandContext>> {
    std::fs::create_dir_all(dir)?;
    // evcxr builds in `<dir>/target`: not the cells' target directory, because its cargo
    // resolves the lock file anew for its own crate (so versions of unpinned dependencies
    // may differ), and two builds of the prelude into one target directory would overwrite
    // each other's `libndplay.so`. One target directory beside the slots serves the
    // analysis of every slot: its first build compiles the dependencies once (`ndplay
    // install` does it, building the completion index), and later kernels find them built.
    let shared = dir.parent().and_then(|slot| slot.parent()).map(|sessions| sessions.join("analysis-target"));
    let target = dir.join("target");
    if let Some(shared) = shared {
        std::fs::create_dir_all(&shared)?;
        if std::fs::symlink_metadata(&target).is_err() {
            std::os::unix::fs::symlink(&shared, &target)?;
        }
    }
    std::fs::write(dir.join("Cargo.lock"), super::prelude::CARGO_LOCK)?;
    // evcxr's context takes its crate directory from this variable; it reads it only now.
    std::env::set_var("EVCXR_TMPDIR", dir);
    let (eval, outputs) = evcxr::EvalContext::new().map_err(|e| anyhow::anyhow!("{e}"))?;
    // Its child process prints nothing anyone reads; drain it so it never blocks.
    std::thread::spawn(move || while outputs.stdout.recv().is_ok() {});
    let mut ctx = evcxr::CommandContext::with_eval_context(eval);
    ctx.execute(&format!(":dep ndplay = {}", super::setup::prelude_dependency(prelude)))
        .map_err(|e| anyhow::anyhow!("adding the prelude: {e}"))?;
    // The first question makes rust-analyzer load the crate graph.
    let _ = ctx.completions("let __ndplay_a = array![1.0];\n__ndplay_a.", 41);
    Ok(std::sync::Mutex::new(ctx))
}

// --- the kernel's side ---------------------------------------------------------------------

struct Job {
    request: Value,
    /// After this, no one waits for the answer: the job is skipped.
    deadline: Instant,
    reply: Sender<Option<Value>>,
}

/// The kernel's handle on `ndplay analysis`: started on the first request, started again
/// after it ended.
pub struct Helper {
    jobs: Option<Sender<Job>>,
    dir: PathBuf,
    prelude: PathBuf,
    /// Whether a process is running and has answered (the next answer is then quick).
    ready: Arc<AtomicBool>,
}

impl Helper {
    pub fn new(dir: PathBuf, prelude: PathBuf) -> Helper {
        Helper { jobs: None, dir, prelude, ready: Arc::new(AtomicBool::new(false)) }
    }

    /// Whether the process is up and has answered once.
    pub fn ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }

    /// Asks, and waits up to `wait` for the answer.
    pub fn ask(&mut self, request: Value, wait: Duration) -> Option<Value> {
        if self.jobs.is_none() {
            let (tx, rx) = std::sync::mpsc::channel();
            let (dir, prelude, ready) = (self.dir.clone(), self.prelude.clone(), self.ready.clone());
            std::thread::Builder::new()
                .name("ndplay-analysis".into())
                .spawn(move || manage(&dir, &prelude, &ready, rx))
                .ok()?;
            self.jobs = Some(tx);
        }
        let (tx, rx) = std::sync::mpsc::channel();
        self.jobs.as_ref()?.send(Job { request, deadline: Instant::now() + wait, reply: tx }).ok()?;
        rx.recv_timeout(wait).ok().flatten()
    }
}

struct Running {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl Drop for Running {
    fn drop(&mut self) {
        // Its stdin closed, the process ends by itself and waits for evcxr's child, which
        // would otherwise be left to the kernel (the subreaper of its descendants) to reap.
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline && matches!(self.child.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The thread that owns the process: one request at a time, in order; a request no one
/// waits for any more is skipped.
fn manage(dir: &Path, prelude: &Path, ready: &AtomicBool, jobs: Receiver<Job>) {
    let mut running: Option<Running> = None;
    loop {
        let job = match jobs.recv_timeout(Duration::from_secs(5)) {
            Ok(job) => job,
            // A process that ended when idle is reaped now, not at the next request: the
            // kernel is the subreaper of its descendants, and would hold a zombie.
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                if running.as_mut().is_some_and(|r| !matches!(r.child.try_wait(), Ok(None))) {
                    ready.store(false, Ordering::SeqCst);
                    running = None;
                }
                continue;
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        };
        if Instant::now() >= job.deadline {
            let _ = job.reply.send(None);
            continue;
        }
        let line = format!("{}\n", job.request);
        // Twice: the process may have ended (idle) since the last request.
        let mut answer = None;
        for _ in 0..2 {
            if running.is_none() {
                ready.store(false, Ordering::SeqCst);
                running = spawn(dir, prelude);
            }
            let Some(r) = running.as_mut() else { break };
            let mut reply = String::new();
            let Some(stdin) = r.stdin.as_mut() else { break };
            let ok = stdin.write_all(line.as_bytes()).and_then(|_| stdin.flush()).is_ok()
                && r.stdout.read_line(&mut reply).is_ok_and(|n| n > 0);
            if ok {
                ready.store(true, Ordering::SeqCst);
                answer = serde_json::from_str::<Value>(&reply).ok().filter(|v| !v.is_null());
                break;
            }
            ready.store(false, Ordering::SeqCst);
            running = None;
        }
        let _ = job.reply.send(answer);
    }
}

fn spawn(dir: &Path, prelude: &Path) -> Option<Running> {
    use std::os::unix::process::CommandExt;
    let exe = std::env::current_exe().ok()?;
    let mut child = Command::new(exe)
        .arg("analysis")
        .arg("--dir")
        .arg(dir)
        .arg("--prelude")
        .arg(prelude)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        // A process group of its own: an interrupt signalled to the kernel's group is for
        // the cell, not for completion.
        .process_group(0)
        .spawn()
        .map_err(|e| crate::log::log(&format!("completion: could not start `ndplay analysis`: {e}")))
        .ok()?;
    let stdin = child.stdin.take();
    let stdout = BufReader::new(child.stdout.take()?);
    Some(Running { child, stdin, stdout })
}
