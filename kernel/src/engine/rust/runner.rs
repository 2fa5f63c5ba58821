//! The process that runs cells, seen from the kernel: starting it, sending it cells,
//! hearing how each ended, and taking its snapshot in when it dies (see [`super::runtime`]
//! for the other side).
//!
//! Three threads per process watch it: one reads its stdout (marker lines become
//! [`Event`]s, everything else goes to the output forwarder, in order), one its stderr, and
//! one waits for it to exit. A snapshot that takes over writes to the same pipes, so the
//! readers carry on; the kernel is the *subreaper* of its descendants, so an orphaned
//! snapshot becomes the kernel's child and its exit can be waited for too.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::fd::FromRawFd;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use crossbeam_channel::{Receiver, Sender};

use super::child::ChildKiller;
use super::runtime::{COMMAND_FD, DONE, RESUMED, SNAPSHOT};

/// How long a dead process's snapshot may take to say it has taken over.
const RESUME_TIMEOUT: Duration = Duration::from_secs(5);

/// What the watching threads report.
#[derive(Debug)]
enum Event {
    Done,
    Snapshot(u32),
    Resumed(u32),
    /// A watched process exited: its pid and how.
    Exited(u32, Exit),
}

/// How a process ended, from `waitpid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    Signal(i32),
}

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Exit::Code(c) => write!(f, "exit status: {c}"),
            Exit::Signal(s) => write!(f, "signal: {s} ({})", signal_name(*s)),
        }
    }
}

fn signal_name(signal: i32) -> &'static str {
    match signal {
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGABRT => "SIGABRT",
        libc::SIGKILL => "SIGKILL",
        libc::SIGBUS => "SIGBUS",
        libc::SIGILL => "SIGILL",
        libc::SIGFPE => "SIGFPE",
        libc::SIGTERM => "SIGTERM",
        libc::SIGINT => "SIGINT",
        _ => "signal",
    }
}

/// How a cell ended, as the process saw it.
#[derive(Debug, PartialEq, Eq)]
pub enum RunEnd {
    /// The entry point returned (a panic inside the cell is caught there).
    Done,
    /// The process died. `resumed`: a snapshot from before the cell took over, with every
    /// variable; otherwise a fresh process runs the next cell and the variables are gone.
    Died { exit: Exit, resumed: bool },
}

/// The running cell process and the channels its watchers fill.
pub struct Runner {
    program: std::path::PathBuf,
    snapshots: bool,
    commands: std::fs::File,
    events: Receiver<Event>,
    events_tx: Sender<Event>,
    stdout: Sender<String>,
    stderr: Sender<String>,
    killer: Arc<ChildKiller>,
    snapshot: Option<u32>,
}

impl Runner {
    /// Starts the process; its stdout and stderr lines go to the two senders.
    pub fn start(
        program: &Path,
        snapshots: bool,
        killer: Arc<ChildKiller>,
        stdout: Sender<String>,
        stderr: Sender<String>,
    ) -> Result<Runner> {
        become_subreaper();
        let (events_tx, events) = crossbeam_channel::unbounded();
        let commands = spawn(program, snapshots, &events_tx, &stdout, &stderr, &killer)?;
        Ok(Runner {
            program: program.to_path_buf(),
            snapshots,
            commands,
            events,
            events_tx,
            stdout,
            stderr,
            killer,
            snapshot: None,
        })
    }

    /// Runs the entry point `symbol` of the library at `library`, and waits for the end.
    pub fn run(&mut self, library: &Path, symbol: &str) -> Result<RunEnd> {
        let command = format!("run {} {symbol}\n", library.display());
        if self.commands.write_all(command.as_bytes()).is_err() {
            // The process is already gone (killed between cells): the death is reported
            // below like any other.
        }
        let running = self.killer.pid();
        loop {
            match self.events.recv().context("the watchers of the cell process stopped")? {
                Event::Done => {
                    self.snapshot = None;
                    return Ok(RunEnd::Done);
                }
                Event::Snapshot(pid) => self.snapshot = Some(pid),
                Event::Resumed(pid) => {
                    // The death of the process this replaces is on its way, or was seen.
                    self.killer.set_pid(pid);
                }
                Event::Exited(pid, exit) if pid == running => return self.after_death(exit),
                Event::Exited(..) => {}
            }
        }
    }

    /// The process running the cell died: take the snapshot in, or start afresh.
    fn after_death(&mut self, exit: Exit) -> Result<RunEnd> {
        if let Some(snapshot) = self.snapshot.take() {
            if self.killer.pid() == snapshot {
                self.watch_exit(snapshot);
                return Ok(RunEnd::Died { exit, resumed: true });
            }
            let deadline = std::time::Instant::now() + RESUME_TIMEOUT;
            while let Ok(event) = self.events.recv_deadline(deadline) {
                if let Event::Resumed(pid) = event {
                    self.killer.set_pid(pid);
                    self.watch_exit(pid);
                    return Ok(RunEnd::Died { exit, resumed: true });
                }
            }
            // The snapshot did not answer: make sure it is gone before starting afresh.
            kill(snapshot);
        }
        self.commands =
            spawn(&self.program, self.snapshots, &self.events_tx, &self.stdout, &self.stderr, &self.killer)?;
        Ok(RunEnd::Died { exit, resumed: false })
    }

    /// A snapshot that took over is now the kernel's child (it was orphaned, and the
    /// kernel is the subreaper); wait for its exit like for the first process's.
    fn watch_exit(&self, pid: u32) {
        let events = self.events_tx.clone();
        std::thread::spawn(move || {
            if let Some(exit) = wait(pid) {
                let _ = events.send(Event::Exited(pid, exit));
            }
        });
    }

    /// A fresh process, with no variables (`:clear`).
    pub fn restart(&mut self) {
        self.shutdown();
        match spawn(&self.program, self.snapshots, &self.events_tx, &self.stdout, &self.stderr, &self.killer) {
            Ok(commands) => self.commands = commands,
            Err(e) => crate::log::log(&format!("could not restart the process that runs cells: {e:#}")),
        }
    }

    /// Kills the process and its snapshot (the kernel is shutting down).
    pub fn shutdown(&mut self) {
        self.killer.kill();
        if let Some(snapshot) = self.snapshot.take() {
            kill(snapshot);
        }
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Starts one cell process with its watchers; returns the command pipe.
fn spawn(
    program: &Path,
    snapshots: bool,
    events: &Sender<Event>,
    stdout: &Sender<String>,
    stderr: &Sender<String>,
    killer: &ChildKiller,
) -> Result<std::fs::File> {
    let (read_end, write_end) = pipe()?;
    let mut command = Command::new(program);
    command.arg("run-cells").stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    if !snapshots {
        command.arg("--no-snapshots");
    }
    // SAFETY: dup2 and close are async-signal-safe; between fork and exec only these run.
    // The command pipe becomes fd 3 of the child (dup2 clears close-on-exec on the copy).
    unsafe {
        command.pre_exec(move || {
            if libc::dup2(read_end, COMMAND_FD) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = command.spawn().with_context(|| format!("starting {} run-cells", program.display()))?;
    // SAFETY: both ends came from pipe2 and are ours; the read end now lives in the child.
    unsafe { libc::close(read_end) };
    let commands = unsafe { std::fs::File::from_raw_fd(write_end) };
    let pid = child.id();
    killer.set_pid(pid);
    let out = child.stdout.take().context("the cell process has no stdout")?;
    let err = child.stderr.take().context("the cell process has no stderr")?;
    // The Child handle is not waited on: the watcher below waits by pid, the same way it
    // waits for snapshots that take over (which no Child handle describes).
    drop(child);
    let (events_out, lines_out) = (events.clone(), stdout.clone());
    std::thread::Builder::new()
        .name("ndplay-cell-stdout".into())
        .spawn(move || read_stdout(out, events_out, lines_out))?;
    let lines_err = stderr.clone();
    std::thread::Builder::new().name("ndplay-cell-stderr".into()).spawn(move || {
        for line in BufReader::new(err).lines() {
            let Ok(line) = line else { break };
            // The runtime's end mark may follow text printed without a newline.
            let parts = match line.find('\u{1e}') {
                Some(i) if i > 0 => vec![line[..i].to_string(), line[i..].to_string()],
                _ => vec![line],
            };
            if parts.into_iter().any(|part| lines_err.send(part).is_err()) {
                break;
            }
        }
    })?;
    let events_exit = events.clone();
    std::thread::Builder::new().name("ndplay-cell-wait".into()).spawn(move || {
        if let Some(exit) = wait(pid) {
            let _ = events_exit.send(Event::Exited(pid, exit));
        }
    })?;
    Ok(commands)
}

/// Splits the process's stdout into lines; marker lines of the runtime become events,
/// everything else goes on to the forwarder. A marker may follow text that the cell
/// printed without a newline: that text is a line of its own.
fn read_stdout(out: impl Read, events: Sender<Event>, lines: Sender<String>) {
    let mut reader = BufReader::new(out);
    let mut buffer = Vec::new();
    loop {
        buffer.clear();
        match reader.read_until(b'\n', &mut buffer) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        if buffer.last() == Some(&b'\n') {
            buffer.pop();
        }
        let line = String::from_utf8_lossy(&buffer).into_owned();
        let (text, marker) = match line.find('\u{1e}') {
            Some(0) => (None, Some(line.as_str())),
            Some(i) => (Some(&line[..i]), Some(&line[i..])),
            None => (Some(line.as_str()), None),
        };
        if let Some(text) = text {
            if lines.send(text.to_string()).is_err() {
                return;
            }
        }
        let Some(marker) = marker else { continue };
        let event = if marker == DONE {
            Some(Event::Done)
        } else if let Some(pid) = marker.strip_prefix(SNAPSHOT) {
            pid.trim().parse().ok().map(Event::Snapshot)
        } else if let Some(pid) = marker.strip_prefix(RESUMED) {
            pid.trim().parse().ok().map(Event::Resumed)
        } else {
            None
        };
        let sent = match event {
            Some(event) => events.send(event).is_ok(),
            // Display and panic lines are the forwarder's.
            None => lines.send(marker.to_string()).is_ok(),
        };
        if !sent {
            return;
        }
    }
}

/// Waits for `pid` to exit; `None` if it is not (or no longer) a child of ours.
fn wait(pid: u32) -> Option<Exit> {
    let mut status = 0;
    loop {
        // SAFETY: waitpid writes the status into a local.
        let r = unsafe { libc::waitpid(pid as libc::pid_t, &mut status, 0) };
        if r == pid as libc::pid_t {
            break;
        }
        if r < 0 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
            continue;
        }
        return None;
    }
    Some(if libc::WIFSIGNALED(status) {
        Exit::Signal(libc::WTERMSIG(status))
    } else {
        Exit::Code(libc::WEXITSTATUS(status))
    })
}

fn kill(pid: u32) {
    // SAFETY: kill(2) has no memory-safety preconditions.
    unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
}

fn pipe() -> Result<(i32, i32)> {
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two descriptors into the array. Close-on-exec keeps them out of
    // every other process this kernel starts (rustc, cargo, spares).
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(std::io::Error::last_os_error()).context("creating the command pipe");
    }
    Ok((fds[0], fds[1]))
}

/// Orphans among the kernel's descendants become its children instead of init's: a
/// snapshot whose parent died is then still the kernel's to wait for.
fn become_subreaper() {
    // SAFETY: prctl with PR_SET_CHILD_SUBREAPER takes an integer flag.
    unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
}
