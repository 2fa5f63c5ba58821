//! The process that runs cells, seen from the kernel: starting it, sending it cells,
//! hearing how each ended, and taking its snapshot in when it dies (see [`super::child_side`]
//! for the other side).
//!
//! Three threads per process watch it: one reads its stdout (the runtime's marker lines
//! become [`Event`]s, everything else goes to the output forwarder, in order), one its
//! stderr, and one waits for it to exit. Each process gets a key of its own for its marker
//! lines ([`crate::engine::rust::channel`]), so nothing it prints can pass for one; each run gets a
//! number, and an end that is not the run's is an error, never taken for the run's end. A
//! snapshot that takes over writes to the same pipes, so the readers carry on; the kernel
//! is the *subreaper* of its descendants, so an orphaned snapshot becomes the kernel's
//! child and its exit can be waited for too.
//!
//! The threads race one another, so nothing here depends on the order in which their
//! events arrive: every event carries the *generation* of the process it is about (a fresh
//! process is a new generation, a snapshot shares its twin's), and events of an older
//! generation are only cleaned up after; a death whose snapshot's announcement is still in
//! the stdout pipe finds the snapshot among the kernel's children instead; a process that
//! died between cells is noticed before the next cell is sent; and a run never waits on
//! the events alone — it checks once a second that the process it waits for is alive.
//!
//! What the runner asks of the system (starting a process and its watchers, writing to
//! it, `/proc`, `waitpid`, `kill`) goes through a [`Host`] ([`super::host`]): the real one
//! in the kernel, a scripted one in the unit tests (`kernel_side/tests.rs`), which feed the
//! runner the orders of events above and check what it decides.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use crossbeam_channel::{Receiver, Sender};

use super::host::{Host, Os};
use super::limits::ChildKiller;
use super::readers::{Event, Generation};
use super::sys::{become_subreaper, Exit};
use crate::core::engine::NoAnswer;
use crate::engine::rust::channel::{ANSWER_OK, ANSWER_REFUSED};
use crate::engine::rust::output::Piece;
use crate::log;

#[cfg(test)]
mod tests;

/// How long the runner waits for the process, and how often it looks at it.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// How long a dead process's snapshot may take to say it has taken over.
    pub resume_timeout: Duration,
    /// How often a run checks that the process it waits for is still alive.
    pub alive_every: Duration,
    /// How often a run looks whether the cell waits on its standard input.
    pub stdin_every: Duration,
}

impl Timing {
    /// The kernel's; the unit tests shorten them.
    pub const REAL: Timing = Timing {
        resume_timeout: Duration::from_secs(5),
        alive_every: Duration::from_secs(1),
        stdin_every: Duration::from_millis(100),
    };
}

/// Asks the person at the notebook for a line (prompt, password); `Err` says why not.
pub type Ask<'a> = &'a mut dyn FnMut(&str, bool) -> Result<String, NoAnswer>;

/// How a cell ended, as the process saw it.
#[derive(Debug, PartialEq, Eq)]
pub enum RunEnd {
    /// The entry point returned (a panic inside the cell is caught there).
    Done,
    /// The process died. `resumed`: a snapshot from before the cell took over, with every
    /// variable; otherwise a fresh process runs the next cell and the variables are gone.
    Died { exit: Exit, resumed: bool },
    /// The process had died before the cell was sent to it (killed from outside, between
    /// cells, when no snapshot exists): the cell did not run, and a fresh process waits.
    DiedBefore { exit: Exit },
}

/// Why a run has no end to report. Each is the kernel's failure, never the cell's: the
/// engine shows it as an internal error, with nothing of the run passed off as its result.
#[derive(Debug)]
pub enum RunError {
    /// The threads that watch the process stopped (their channel closed).
    WatchersGone,
    /// The process reported the end of another run than the one it was sent.
    WrongRun { ended: u64, expected: u64 },
    /// The process had died, and a fresh one could not be started.
    Start(anyhow::Error),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::WatchersGone => f.write_str("the threads that watch the process running cells stopped"),
            RunError::WrongRun { ended, expected } => write!(
                f,
                "the process that runs cells reported the end of run {ended}, but this is run {expected}; \
                 what it did is not trusted as this run's"
            ),
            RunError::Start(e) => write!(f, "a fresh process to run cells could not be started: {e:#}"),
        }
    }
}

impl std::error::Error for RunError {}

/// The running cell process, seen through its [`Host`] (the real one unless a test
/// scripts it), and the channel its watchers fill.
pub struct Runner<H: Host = Os> {
    host: H,
    snapshots: bool,
    timing: Timing,
    /// Why the last run was stopped for reading standard input no one could answer.
    refused: Option<NoAnswer>,
    events: Receiver<(Generation, Event)>,
    /// The generation of the process that now runs cells.
    generation: Generation,
    /// The number of the latest run (cells and widget events), never reused.
    seq: u64,
    killer: Arc<ChildKiller>,
    snapshot: Option<u32>,
}

impl Runner {
    /// Starts the process; its stdout and stderr lines go to the two senders.
    pub fn start(
        program: &Path,
        snapshots: bool,
        killer: Arc<ChildKiller>,
        stdout: Sender<Piece>,
        stderr: Sender<Piece>,
    ) -> Result<Runner> {
        become_subreaper();
        let (events_tx, events) = crossbeam_channel::unbounded();
        let host = Os::new(program, events_tx, stdout, stderr);
        Runner::with_host(host, events, snapshots, killer, Timing::REAL)
    }
}

impl<H: Host> Runner<H> {
    /// Starts the first process through `host`, whose watchers send their events to
    /// `events`.
    pub fn with_host(
        mut host: H,
        events: Receiver<(Generation, Event)>,
        snapshots: bool,
        killer: Arc<ChildKiller>,
        timing: Timing,
    ) -> Result<Runner<H>> {
        let generation = 1;
        host.spawn(generation, snapshots, &killer)?;
        Ok(Runner { host, snapshots, timing, refused: None, events, generation, seq: 0, killer, snapshot: None })
    }

    /// Runs the entry point `symbol` of the library at `library`, and waits for the end.
    /// `ask` answers the cell's requests for input.
    /// The run's number is [`Runner::seq`] from then on.
    pub fn run(&mut self, library: &Path, symbol: &str, ask: Ask<'_>) -> Result<RunEnd, RunError> {
        self.seq += 1;
        self.send(&format!("run {} {} {symbol}\n", self.seq, library.display()), ask)
    }

    /// Hands a message from the browser (one line of JSON) to the widgets, and waits for the
    /// end, as for a cell.
    pub fn event(&mut self, json: &str, ask: Ask<'_>) -> Result<RunEnd, RunError> {
        self.seq += 1;
        self.send(&format!("event {} {}\n", self.seq, json.replace('\n', " ")), ask)
    }

    /// The number of the latest run: its result must carry it.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// The generation of the process that runs cells: a new one after every fresh start.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Why the last run was stopped for reading standard input, if it was.
    pub fn take_refused(&mut self) -> Option<NoAnswer> {
        self.refused.take()
    }

    fn send(&mut self, command: &str, ask: Ask<'_>) -> Result<RunEnd, RunError> {
        self.refused = None;
        if let Some(exit) = self.died_since_last_run() {
            log!("the process running cells ended between cells ({exit}); starting a fresh one");
            self.start_afresh().map_err(RunError::Start)?;
            return Ok(RunEnd::DiedBefore { exit });
        }
        self.killer.begin_run();
        let end = self.wait_for_the_end(command, ask);
        self.killer.end_run();
        end
    }

    fn wait_for_the_end(&mut self, command: &str, ask: Ask<'_>) -> Result<RunEnd, RunError> {
        if self.host.command(command).is_err() {
            // The process is already gone: its death is reported below like any other.
        }
        let running = self.killer.pid();
        let mut seen_dead = 0;
        let mut quiet_for = Duration::ZERO;
        // How many looks in a row found the cell reading its standard input.
        let mut reading = 0;
        loop {
            let (generation, event) = match self.events.recv_timeout(self.timing.stdin_every) {
                Ok(event) => event,
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => {
                    return Err(RunError::WatchersGone);
                }
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => {
                    // A cell that reads std::io::stdin() itself: served like input(), or
                    // stopped at once when no one can answer — never a silent hang. Two
                    // looks in a row, so that input()'s own request (which comes first, on
                    // stdout) is always seen before its read.
                    let pid = self.killer.pid();
                    reading = if self.refused.is_none() && self.host.reads_stdin(pid) { reading + 1 } else { 0 };
                    if reading >= 2 {
                        reading = 0;
                        match ask("", false) {
                            Ok(text) => self.answer(&format!("{text}\n")),
                            // Interrupted while it waited: the interrupt stops the cell.
                            Err(_) if self.killer.is_interrupted() => {}
                            Err(reason) => {
                                log!("the cell reads standard input, which no one can answer; stopping it");
                                self.refused = Some(reason);
                                self.killer.stop_cell();
                            }
                        }
                    }
                    quiet_for += self.timing.stdin_every;
                    if quiet_for < self.timing.alive_every {
                        continue;
                    }
                    quiet_for = Duration::ZERO;
                    // The exit event cannot be lost, but if it ever were, the run would
                    // wait forever: look at the process itself.
                    if self.host.alive(running) {
                        seen_dead = 0;
                        continue;
                    }
                    seen_dead += 1;
                    if seen_dead < 2 {
                        continue;
                    }
                    let exit = self.host.reap_now(running).unwrap_or(Exit::Code(-1));
                    log!("the process running cells ({running}) is gone, and no watcher said so; taking it as dead ({exit})");
                    return self.after_death(running, exit);
                }
            };
            if generation != self.generation {
                self.clean_up_after(generation, event);
                continue;
            }
            match event {
                Event::Done(seq) if seq == self.seq => {
                    self.snapshot = None;
                    return Ok(RunEnd::Done);
                }
                Event::Done(seq) => {
                    // Impossible by construction (one run at a time, each numbered): if it
                    // happens anyway, what the process did is not this cell's.
                    log!("the process running cells ended run {seq} while run {} was expected", self.seq);
                    return Err(RunError::WrongRun { ended: seq, expected: self.seq });
                }
                Event::Input(prompt, password) => {
                    reading = 0;
                    match ask(&prompt, password) {
                        Ok(text) => self.answer(&format!("{ANSWER_OK}{}\n", text.replace('\n', " "))),
                        // Interrupted: the cell is being stopped, and an answer left in the
                        // pipe would be read by a later cell.
                        Err(_) if self.killer.is_interrupted() => {}
                        Err(reason) => {
                            self.answer(&format!("{ANSWER_REFUSED}{}\n", reason.to_string().replace('\n', " ")))
                        }
                    }
                }
                Event::Snapshot(pid) => self.snapshot = Some(pid),
                Event::Resumed(pid) if self.snapshot == Some(pid) => {
                    // The death of the process this replaces is on its way, or was seen.
                    self.killer.set_pid(pid);
                }
                Event::Resumed(pid) => self.clean_up_after(generation, Event::Resumed(pid)),
                Event::Exited(pid, exit) if pid == running => return self.after_death(running, exit),
                Event::Exited(..) => {}
            }
        }
    }

    /// Writes to the process's standard input (an answer it waits for).
    fn answer(&mut self, text: &str) {
        if self.host.answer(text).is_err() {
            log!("could not pass the answer on: the process running cells closed its standard input");
        }
    }

    /// Whether the process that runs cells died since the last run ended (nothing runs in
    /// it between cells, but it can be killed from outside, or by the out-of-memory
    /// killer). Events about older processes are cleaned up on the way.
    fn died_since_last_run(&mut self) -> Option<Exit> {
        let current = self.killer.pid();
        let mut died = None;
        while let Ok((generation, event)) = self.events.try_recv() {
            match event {
                Event::Exited(pid, exit) if generation == self.generation && pid == current => died = Some(exit),
                event => self.clean_up_after(generation, event),
            }
        }
        died
    }

    /// An event that is not about the process now running cells: a process of an older
    /// generation, or a snapshot that woke up when it was no longer wanted. A process that
    /// says it took over but is not the one the kernel talks to must not go on running.
    fn clean_up_after(&self, generation: Generation, event: Event) {
        if let Event::Resumed(pid) = event {
            if pid != self.killer.pid() {
                log!("a stray snapshot ({pid}, generation {generation}) woke up; stopping it");
                self.host.discard(pid);
            }
        }
    }

    /// The process running the cell died: take the snapshot in, or start afresh.
    fn after_death(&mut self, running: u32, exit: Exit) -> Result<RunEnd, RunError> {
        // The stdout reader may not have passed the snapshot's pid on yet (it races the
        // thread that saw the death); the snapshot is the kernel's child by now either way.
        let snapshot =
            self.snapshot.take().or_else(|| if self.snapshots { self.host.orphaned_runner(running) } else { None });
        if let Some(snapshot) = snapshot {
            if self.killer.pid() == snapshot {
                log!("the process running cells ended ({exit}); its snapshot {snapshot} took over");
                self.host.watch_exit(snapshot, self.generation);
                return Ok(RunEnd::Died { exit, resumed: true });
            }
            let deadline = std::time::Instant::now() + self.timing.resume_timeout;
            while let Ok((generation, event)) = self.events.recv_deadline(deadline) {
                match event {
                    Event::Resumed(pid) if generation == self.generation && pid == snapshot => {
                        log!("the process running cells ended ({exit}); its snapshot {pid} took over");
                        self.killer.set_pid(pid);
                        self.host.watch_exit(pid, self.generation);
                        return Ok(RunEnd::Died { exit, resumed: true });
                    }
                    // A late announcement of the snapshot already found.
                    Event::Snapshot(_) if generation == self.generation => {}
                    event => self.clean_up_after(generation, event),
                }
            }
            // The snapshot did not answer: make sure it is gone before starting afresh.
            log!("the snapshot {snapshot} did not take over; starting a fresh process");
            self.host.discard(snapshot);
        } else {
            log!("the process running cells ended ({exit}) with no snapshot; starting a fresh one");
        }
        self.start_afresh().map_err(RunError::Start)?;
        Ok(RunEnd::Died { exit, resumed: false })
    }

    /// A fresh process of a new generation, with no variables.
    fn start_afresh(&mut self) -> Result<()> {
        self.generation += 1;
        self.snapshot = None;
        self.host.spawn(self.generation, self.snapshots, &self.killer)
    }

    /// A fresh process, with no variables (`:clear`).
    pub fn restart(&mut self) {
        self.shutdown();
        if let Err(e) = self.start_afresh() {
            log!("could not restart the process that runs cells: {e:#}");
        }
    }

    /// Kills the process and its snapshot (the kernel is shutting down).
    pub fn shutdown(&mut self) {
        self.killer.kill();
        if let Some(snapshot) = self.snapshot.take() {
            self.host.discard(snapshot);
        }
    }
}

impl<H: Host> Drop for Runner<H> {
    fn drop(&mut self) {
        self.shutdown();
    }
}
