//! Everything the runner ([`super::kernel_side`]) asks of the operating system, behind one
//! trait: starting a cell process with the threads that watch it, writing to it, and what
//! `/proc` and `waitpid` say of it. The runner decides; a [`Host`] only does. [`Os`] is the
//! real one; the runner's unit tests put a scripted one in its place, which sends the
//! events a process would and fakes its pids, so that every order in which the watchers'
//! events can arrive is tried without a process, a signal or a sleep of seconds.

use std::fs::File;
use std::io::Write;
use std::os::fd::FromRawFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result};
use crossbeam_channel::Sender;

use super::child_side::COMMAND_FD;
use super::limits::ChildKiller;
use super::readers::{read_stderr, read_stdout, Event, Generation};
use super::sys::{self, Exit};
use crate::engine::rust::output::Piece;
use crate::log;

/// What the runner needs done to the processes that run cells. Events about them (its
/// watchers' [`Event`]s) go to the channel the runner reads, tagged with their generation.
pub trait Host {
    /// Starts a fresh cell process of `generation`, with the threads that watch it; from
    /// then on, commands and answers go to it. It is named to `killer` as soon as it exists,
    /// before its watchers start: an interrupt then reaches it, and a shutdown kills it even
    /// if starting them fails.
    fn spawn(&mut self, generation: Generation, snapshots: bool, killer: &ChildKiller) -> Result<()>;
    /// Writes a command line to the process (a run, a widget event).
    fn command(&mut self, line: &str) -> std::io::Result<()>;
    /// Writes to the process's standard input (an answer it waits for).
    fn answer(&mut self, text: &str) -> std::io::Result<()>;
    /// Whether `pid` is still running (not gone, not a zombie).
    fn alive(&self, pid: u32) -> bool;
    /// Whether a thread of `pid` waits on its standard input.
    fn reads_stdin(&self, pid: u32) -> bool;
    /// How `pid` ended, if it has, reaped without waiting.
    fn reap_now(&self, pid: u32) -> Option<Exit>;
    /// The snapshot of `dead`: a live cell process the kernel adopted as its subreaper.
    fn orphaned_runner(&self, dead: u32) -> Option<u32>;
    /// Kills a process the kernel has given up on, and reaps it in the background. Always
    /// both: a process killed and not reaped would stay a zombie.
    fn discard(&self, pid: u32);
    /// Waits for the exit of `pid` (a snapshot that took over, now the kernel's child) and
    /// reports it as an [`Event::Exited`] of `generation`.
    fn watch_exit(&self, pid: u32, generation: Generation);
}

/// The real host: `ndplay run-cells` processes, their pipes, `/proc` and `waitpid`.
pub struct Os {
    program: PathBuf,
    events: Sender<(Generation, Event)>,
    stdout: Sender<Piece>,
    stderr: Sender<Piece>,
    /// The command pipe of the process now running cells, and the writing end of its
    /// standard input; kept from the process before when a fresh one cannot be started.
    pipes: Option<(File, File)>,
}

impl Os {
    /// `program` is this binary; the processes' stdout and stderr lines go to the two
    /// senders, their events to `events`.
    pub fn new(
        program: &Path,
        events: Sender<(Generation, Event)>,
        stdout: Sender<Piece>,
        stderr: Sender<Piece>,
    ) -> Os {
        Os { program: program.to_path_buf(), events, stdout, stderr, pipes: None }
    }

    fn pipes(&mut self) -> std::io::Result<&mut (File, File)> {
        self.pipes.as_mut().ok_or_else(|| std::io::ErrorKind::NotConnected.into())
    }
}

impl Host for Os {
    fn spawn(&mut self, generation: Generation, snapshots: bool, killer: &ChildKiller) -> Result<()> {
        let pipes = spawn(&self.program, snapshots, generation, &self.events, &self.stdout, &self.stderr, killer)?;
        self.pipes = Some(pipes);
        Ok(())
    }

    fn command(&mut self, line: &str) -> std::io::Result<()> {
        self.pipes()?.0.write_all(line.as_bytes())
    }

    fn answer(&mut self, text: &str) -> std::io::Result<()> {
        self.pipes()?.1.write_all(text.as_bytes())
    }

    fn alive(&self, pid: u32) -> bool {
        sys::alive(pid)
    }

    fn reads_stdin(&self, pid: u32) -> bool {
        sys::reads_stdin(pid)
    }

    fn reap_now(&self, pid: u32) -> Option<Exit> {
        sys::reap_now(pid)
    }

    fn orphaned_runner(&self, dead: u32) -> Option<u32> {
        sys::orphaned_runner(dead)
    }

    fn discard(&self, pid: u32) {
        sys::kill(pid);
        sys::reap_in_background(pid);
    }

    fn watch_exit(&self, pid: u32, generation: Generation) {
        if watch(pid, generation, self.events.clone()).is_err() {
            log!("could not watch the process running cells ({pid}); a run checks it once a second instead");
        }
    }
}

/// Starts one cell process with its watchers; returns the command pipe and the writing end
/// of its standard input.
fn spawn(
    program: &Path,
    snapshots: bool,
    generation: Generation,
    events: &Sender<(Generation, Event)>,
    stdout: &Sender<Piece>,
    stderr: &Sender<Piece>,
    killer: &ChildKiller,
) -> Result<(File, File)> {
    let (read_end, write_end) = pipe()?;
    // Its standard input is a pipe of ours, so that a cell reading it waits for an answer
    // the kernel can give (see `reads_stdin`), rather than reading end-of-file.
    let (stdin_read, stdin_write) = pipe()?;
    // SAFETY: both ends came from pipe2 and are ours alone.
    let (stdin_read, stdin_write) = unsafe { (File::from_raw_fd(stdin_read), File::from_raw_fd(stdin_write)) };
    let mut command = Command::new(program);
    command.arg("run-cells").stdin(Stdio::from(stdin_read)).stdout(Stdio::piped()).stderr(Stdio::piped());
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
    let mut commands = unsafe { File::from_raw_fd(write_end) };
    // The key of this process's marker lines: on the command pipe, which only this kernel
    // and the process hold (an environment or a command line can be read by others).
    let key = uuid::Uuid::new_v4().simple().to_string();
    commands.write_all(format!("key {key}\n").as_bytes()).context("handing the cell process its key")?;
    let pid = child.id();
    killer.set_pid(pid);
    let out = child.stdout.take().context("the cell process has no stdout")?;
    let err = child.stderr.take().context("the cell process has no stderr")?;
    // The Child handle is not waited on: the watcher below waits by pid, the same way it
    // waits for snapshots that take over (which no Child handle describes).
    drop(child);
    let (events_out, lines_out, key_out) = (events.clone(), stdout.clone(), key.clone());
    std::thread::Builder::new()
        .name("ndplay-cell-stdout".into())
        .spawn(move || read_stdout(out, &key_out, generation, events_out, lines_out))?;
    let lines_err = stderr.clone();
    std::thread::Builder::new().name("ndplay-cell-stderr".into()).spawn(move || read_stderr(err, &key, lines_err))?;
    watch(pid, generation, events.clone())?;
    Ok((commands, stdin_write))
}

/// A thread that waits for the exit of `pid` (a process the kernel started, or a snapshot
/// it adopted) and reports it as an [`Event::Exited`] of `generation`.
fn watch(pid: u32, generation: Generation, events: Sender<(Generation, Event)>) -> std::io::Result<()> {
    std::thread::Builder::new().name("ndplay-cell-wait".into()).spawn(move || {
        if let Some(exit) = sys::wait(pid) {
            let _ = events.send((generation, Event::Exited(pid, exit)));
        }
    })?;
    Ok(())
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
