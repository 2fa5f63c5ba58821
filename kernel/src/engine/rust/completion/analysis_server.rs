//! The kernel's handle on `ndplay-analysis`, evcxr's rust-analyzer in a process (and a
//! binary, `analysis/`) of its own: started beside the kernel's binary when the completion
//! index cannot answer, ended by the process itself when idle, started again on the next
//! such request.
//!
//! rust-analyzer is by far the largest user of memory (hundreds of MB once it has loaded
//! the standard library and ndarray; docs/performance.md) and evcxr most of a fresh
//! machine's build: neither is the kernel's. A kernel whose `ndplay-analysis` is not built
//! (yet: scripts/lab.sh builds it after JupyterLab is up) answers from the index and by
//! name. The two speak JSON lines (see `analysis/src/main.rs`).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;

/// The helper's binary: beside the kernel's (cargo builds both into one directory, and an
/// install copies both; docs/deploy.md).
pub fn binary() -> Option<PathBuf> {
    let path = std::env::current_exe().ok()?.with_file_name("ndplay-analysis");
    path.is_file().then_some(path)
}

/// Makes `dir` the crate directory evcxr works in: the prelude's lock file (so that its
/// dependencies resolve to the versions cells use) and the shared target directory.
fn prepare(dir: &Path) -> std::io::Result<()> {
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
    std::fs::write(dir.join("Cargo.lock"), crate::engine::rust::build::prelude::CARGO_LOCK)
}

struct Job {
    request: Value,
    /// After this, no one waits for the answer: the job is skipped.
    deadline: Instant,
    reply: Sender<Option<Value>>,
}

/// The kernel's handle on `ndplay-analysis`: started on the first request, started again
/// after it ended.
pub struct Helper {
    jobs: Option<Sender<Job>>,
    dir: PathBuf,
    prelude: PathBuf,
    /// Whether a process is running and has answered (the next answer is then quick).
    ready: Arc<AtomicBool>,
    /// Whether the log already says that the binary is missing (said once, not every Tab).
    told_missing: bool,
}

impl Helper {
    pub fn new(dir: PathBuf, prelude: PathBuf) -> Helper {
        Helper { jobs: None, dir, prelude, ready: Arc::new(AtomicBool::new(false)), told_missing: false }
    }

    /// Whether the process is up and has answered once.
    pub fn ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }

    /// Asks, and waits up to `wait` for the answer; `None` at once if `ndplay-analysis` is
    /// not built.
    pub fn ask(&mut self, request: Value, wait: Duration) -> Option<Value> {
        if binary().is_none() {
            if !self.told_missing {
                self.told_missing = true;
                crate::log!(
                    "completion: `ndplay-analysis` is not built beside the kernel: answers come from the index and by name",
                );
            }
            return None;
        }
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
    let exe = binary()?;
    if let Err(e) = prepare(dir) {
        crate::log!("completion: could not prepare {}: {e}", dir.display());
        return None;
    }
    let mut child = Command::new(exe)
        .arg("--dir")
        .arg(dir)
        .arg("--dep")
        .arg(crate::engine::rust::build::setup::prelude_dependency(prelude))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        // A process group of its own: an interrupt signalled to the kernel's group is for
        // the cell, not for completion.
        .process_group(0)
        .spawn()
        .map_err(|e| crate::log!("completion: could not start `ndplay-analysis`: {e}"))
        .ok()?;
    let stdin = child.stdin.take();
    let stdout = BufReader::new(child.stdout.take()?);
    Some(Running { child, stdin, stdout })
}
