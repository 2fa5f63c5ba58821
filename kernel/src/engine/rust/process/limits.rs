//! The limits and signals of the child process that runs cells, from both sides.
//!
//! The kernel starts this same binary again as `ndplay run-cells` (see [`super::child_side`]
//! for its loop and [`super::kernel_side`] for the kernel's end of it). What the kernel arranges
//! for that process lives here:
//!
//! - **inside the child**, before its loop starts ([`prepare_runtime`]): the memory cap,
//!   SIGINT left to the kernel, and the thread that follows the kernel into another working
//!   directory;
//! - **from the kernel**: the handle that stops a cell on interrupt ([`ChildKiller`]: the
//!   compiler while the cell compiles, the child while it runs) and the writing end of the
//!   working-directory FIFO ([`tell_directory`]).
//!
//! Memory: the child gets an address-space limit, so an allocation larger than memory fails
//! at once (the student reads "out of memory") instead of the machine swapping itself to a
//! standstill. `NDPLAY_CHILD_MEMORY` overrides the default of half the physical memory:
//! bytes, `K`/`M`/`G` suffixes, a percentage of RAM (`75%`), or `unlimited`.
//!
//! Signals: a SIGINT sent to the kernel's whole process group (a terminal's Ctrl-C,
//! jupyter_client's `signal_kernel`) must interrupt the cell, not kill the child behind the
//! kernel's back: the child leaves SIGINT to the kernel, which stops the cell the same way
//! `interrupt_request` does — with [`STOP_SIGNAL`], which the child obeys only while a cell
//! runs, so a late interrupt never kills a process whose cell has already ended.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::core::engine::Interrupter;

/// The environment variable that names the child's directory FIFO. The kernel sets it
/// before it starts the child, which inherits it.
pub const CWD_FIFO_VAR: &str = "NDPLAY_CHILD_CWD_FIFO";

/// The child's share of physical memory when `NDPLAY_CHILD_MEMORY` is not set.
pub const DEFAULT_MEMORY_PERCENT: u64 = 50;

/// How long the kernel waits for the child to follow it into a new directory.
const FOLLOW_TIMEOUT: Duration = Duration::from_secs(2);

/// Called first in the process that runs cells: caps its memory, leaves SIGINT to the
/// kernel and starts following directory changes.
pub fn prepare_runtime() {
    leave_sigint_to_the_kernel();
    stop_cell_on_request();
    let setting = std::env::var(MEMORY_VAR).unwrap_or_default();
    // The kernel refused to start with a setting that does not parse (`check_memory_setting`);
    // should one get here anyway, the default holds, never "no limit".
    let limit = memory_limit(&setting, physical_memory())
        .unwrap_or_else(|_| memory_limit("", physical_memory()).unwrap_or(None));
    if let Some(bytes) = limit {
        let limit = libc::rlimit { rlim_cur: bytes as libc::rlim_t, rlim_max: bytes as libc::rlim_t };
        // SAFETY: setrlimit reads the struct we pass; it has no other preconditions.
        unsafe {
            libc::setrlimit(libc::RLIMIT_AS, &limit);
        }
    }
    follow_directory_changes();
}

/// Called in a snapshot that takes over: the directory follower was a thread of the
/// process that died, and threads do not survive a `fork`.
pub fn prepare_runtime_again() {
    follow_directory_changes();
}

/// A do-nothing handler rather than SIG_IGN: handlers are reset by `exec`, so programs a
/// cell starts still get the default Ctrl-C behaviour. SA_RESTART keeps the signal from
/// failing the cell's blocking reads and writes with EINTR.
fn leave_sigint_to_the_kernel() {
    extern "C" fn ignore(_: libc::c_int) {}
    // SAFETY: the handler does nothing, so it is async-signal-safe; the struct is zeroed
    // and then filled with valid values before sigaction reads it.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = ignore as extern "C" fn(libc::c_int) as libc::sighandler_t;
        action.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(libc::SIGINT, &action, std::ptr::null_mut());
    }
}

fn physical_memory() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let (pages, size) = unsafe { (libc::sysconf(libc::_SC_PHYS_PAGES), libc::sysconf(libc::_SC_PAGESIZE)) };
    if pages <= 0 || size <= 0 {
        return 0;
    }
    pages as u64 * size as u64
}

/// The variable that sets the memory limit of the process that runs cells.
pub const MEMORY_VAR: &str = "NDPLAY_CHILD_MEMORY";

/// Fails, saying how to write it, when `NDPLAY_CHILD_MEMORY` is set to something that is not
/// a size: the kernel refuses to start rather than run without the limit the user asked for.
pub fn check_memory_setting() -> Result<()> {
    let setting = std::env::var(MEMORY_VAR).unwrap_or_default();
    memory_limit(&setting, physical_memory()).map(|_| ()).map_err(anyhow::Error::msg)
}

/// The limit in bytes for a `NDPLAY_CHILD_MEMORY` setting, or `None` for no limit; `Err`
/// says why a setting is not understood (it used to mean "no limit", silently).
pub fn memory_limit(setting: &str, ram: u64) -> std::result::Result<Option<u64>, String> {
    let s = setting.trim();
    let wrong = || {
        format!(
            "{MEMORY_VAR}={setting:?} is not a memory size. Write bytes with an optional K, M or G \
             (512M, 2G, 1.5G), a share of this machine's memory (75%), or `unlimited`."
        )
    };
    if s.eq_ignore_ascii_case("unlimited") {
        return Ok(None);
    }
    if s.is_empty() {
        return Ok((ram > 0).then(|| percent_of(ram, DEFAULT_MEMORY_PERCENT as f64)));
    }
    if let Some(p) = s.strip_suffix('%') {
        let p: f64 = p.trim().parse().map_err(|_| wrong())?;
        if !(p > 0.0 && p <= 100.0) {
            return Err(wrong());
        }
        return Ok((ram > 0).then(|| percent_of(ram, p)));
    }
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    let (number, unit) = (&s[..split], s[split..].trim());
    let n: f64 = number.parse().map_err(|_| wrong())?;
    let scale = match unit.to_ascii_uppercase().as_str() {
        "" | "B" => 1u64,
        "K" | "KB" | "KIB" => 1 << 10,
        "M" | "MB" | "MIB" => 1 << 20,
        "G" | "GB" | "GIB" => 1 << 30,
        "T" | "TB" | "TIB" => 1 << 40,
        _ => return Err(wrong()),
    };
    let bytes = n * scale as f64;
    if !(bytes >= 1.0 && bytes < u64::MAX as f64) {
        return Err(wrong());
    }
    Ok(Some(bytes as u64))
}

fn percent_of(ram: u64, percent: f64) -> u64 {
    (ram as f64 * percent / 100.0) as u64
}

/// In the child: follow the kernel into the directory of the notebook that adopted it (a
/// spare, see `crate::spare`). A thread waits on the FIFO for directory names, one per line.
fn follow_directory_changes() {
    let Some(fifo) = std::env::var_os(CWD_FIFO_VAR) else { return };
    std::thread::spawn(move || loop {
        // Opening blocks until the kernel opens the other end to write.
        let Ok(text) = std::fs::read_to_string(&fifo) else { return };
        for dir in text.lines().filter(|l| !l.is_empty()) {
            let _ = std::env::set_current_dir(dir);
        }
    });
}

/// Creates the directory FIFO (if need be) and names it for the children the kernel starts.
pub fn make_directory_fifo(path: &Path) -> Result<()> {
    use std::os::unix::fs::FileTypeExt;
    if !std::fs::metadata(path).is_ok_and(|m| m.file_type().is_fifo()) {
        let _ = std::fs::remove_file(path);
        let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes())?;
        // SAFETY: `c` is a valid NUL-terminated path for the duration of the call.
        if unsafe { libc::mkfifo(c.as_ptr(), 0o600) } != 0 {
            return Err(std::io::Error::last_os_error()).with_context(|| format!("creating {}", path.display()));
        }
    }
    // Set before the child starts (and before any other thread of ours could read the
    // environment); the child inherits it.
    std::env::set_var(CWD_FIFO_VAR, path);
    Ok(())
}

/// From the kernel: tells the running child (`pid`) to move into `dir` through its FIFO,
/// and waits until `/proc` shows it there. `false` when the child did not follow (no FIFO,
/// no reader); the caller then moves it another way.
pub fn tell_directory(pid: u32, dir: &Path) -> bool {
    let told = std::env::var_os(CWD_FIFO_VAR).is_some_and(|fifo| {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(fifo)
            .and_then(|mut f| std::io::Write::write_all(&mut f, format!("{}\n", dir.display()).as_bytes()))
            .is_ok()
    });
    let deadline = Instant::now() + FOLLOW_TIMEOUT;
    while told && Instant::now() < deadline {
        if std::fs::read_link(format!("/proc/{pid}/cwd")).is_ok_and(|cwd| cwd == dir) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    false
}

/// Stops what the engine is waiting for: the compiler while a cell compiles, the cell
/// while it runs. The pids are shared atomics, so the control thread never waits for a
/// lock held by the engine thread.
///
/// A running cell is asked to stop with [`STOP_SIGNAL`], which the child obeys only while
/// a cell runs (see [`stop_cell_on_request`]): an interrupt that arrives just as the cell
/// ends, or between cells, then does nothing, where a SIGKILL would have killed the process
/// after its snapshot was gone and lost every variable. The request is repeated until the
/// run ends (it may come before the child has started the cell), and only a cell that
/// ignores it for [`KILL_AFTER`] is killed outright.
#[derive(Default)]
pub struct ChildKiller {
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    pid: AtomicU32,
    compiler: AtomicU32,
    interrupted: AtomicBool,
    /// Whether a run is under way, and which one ([`ChildKiller::begin_run`]).
    running: AtomicBool,
    run: AtomicU64,
}

/// The signal that asks the child to stop its cell.
pub const STOP_SIGNAL: i32 = libc::SIGUSR2;
/// How long a cell may ignore [`STOP_SIGNAL`] before it is killed.
const KILL_AFTER: Duration = Duration::from_secs(2);
/// How often the request to stop is repeated.
const ASK_EVERY: Duration = Duration::from_millis(50);

impl Interrupter for ChildKiller {
    fn interrupt(&self) {
        let s = &self.shared;
        s.interrupted.store(true, Ordering::SeqCst);
        match s.compiler.load(Ordering::SeqCst) {
            0 if s.running.load(Ordering::SeqCst) => self.stop_run(),
            0 => {} // between compile and run: begin_run sees the flag
            compiler => signal(compiler, libc::SIGKILL),
        }
    }
    fn shutdown(&self) {
        self.kill();
    }
}

/// A compile that an interrupt stops (see [`ChildKiller::watch`]).
pub struct CompileWatch<'a> {
    killer: &'a ChildKiller,
}

impl CompileWatch<'_> {
    /// The compile is over; whether an interrupt stopped it.
    pub fn finish(self) -> bool {
        self.killer.shared.compiler.store(0, Ordering::SeqCst);
        self.killer.take_interrupt()
    }
}

impl ChildKiller {
    /// The child now running cells (a snapshot or a fresh one takes over after a death).
    pub fn set_pid(&self, pid: u32) {
        self.shared.pid.store(pid, Ordering::SeqCst);
    }

    pub fn pid(&self) -> u32 {
        self.shared.pid.load(Ordering::SeqCst)
    }

    /// Forgets an interrupt that came before a new cell started.
    pub fn clear_interrupt(&self) {
        self.shared.interrupted.store(false, Ordering::SeqCst);
    }

    /// Whether the cell was interrupted; clears the flag.
    pub fn take_interrupt(&self) -> bool {
        self.shared.interrupted.swap(false, Ordering::SeqCst)
    }

    /// From now until [`CompileWatch::finish`], an interrupt kills the compiler `pid`.
    pub fn watch(&self, pid: u32) -> CompileWatch<'_> {
        self.shared.compiler.store(pid, Ordering::SeqCst);
        CompileWatch { killer: self }
    }

    /// A cell is about to be sent to the child. An interrupt that came since the compile
    /// ended is acted on now.
    pub fn begin_run(&self) {
        let s = &self.shared;
        s.run.fetch_add(1, Ordering::SeqCst);
        s.running.store(true, Ordering::SeqCst);
        // SeqCst on both sides: either interrupt() sees `running` or this sees the flag.
        if s.interrupted.load(Ordering::SeqCst) {
            self.stop_run();
        }
    }

    /// Stops the running cell as an interrupt does, but without saying it was interrupted
    /// (the runner stops a cell that waits for input no one can give).
    pub fn stop_cell(&self) {
        if self.shared.running.load(Ordering::SeqCst) {
            self.stop_run();
        }
    }

    /// Whether an interrupt came for what is running now (the flag stays set).
    pub fn is_interrupted(&self) -> bool {
        self.shared.interrupted.load(Ordering::SeqCst)
    }

    /// The run is over (the cell ended, or its process died).
    pub fn end_run(&self) {
        let s = &self.shared;
        s.running.store(false, Ordering::SeqCst);
        s.run.fetch_add(1, Ordering::SeqCst);
    }

    /// Asks the child to stop the cell of this run until the run ends, and kills it if the
    /// cell will not stop.
    fn stop_run(&self) {
        let shared = self.shared.clone();
        let run = shared.run.load(Ordering::SeqCst);
        let started = Instant::now();
        let spawned = std::thread::Builder::new().name("ndplay-stop-cell".into()).spawn(move || {
            while shared.run.load(Ordering::SeqCst) == run {
                let pid = shared.pid.load(Ordering::SeqCst);
                if started.elapsed() >= KILL_AFTER {
                    crate::log!("the cell did not stop when asked; killing its process {pid}");
                    signal(pid, libc::SIGKILL);
                    return;
                }
                signal(pid, STOP_SIGNAL);
                std::thread::sleep(ASK_EVERY);
            }
        });
        if spawned.is_err() {
            self.kill();
        }
    }

    /// Kills the process that runs cells.
    pub fn kill(&self) {
        signal(self.pid(), libc::SIGKILL);
    }
}

/// Inside the child: whether a cell is running, so that [`STOP_SIGNAL`] ends the process
/// (and the snapshot takes over) only then. Set after the snapshot exists, cleared before
/// it is discarded.
static IN_CELL: AtomicBool = AtomicBool::new(false);

/// Inside the child: a cell starts or ends (see [`IN_CELL`]).
pub fn set_in_cell(running: bool) {
    IN_CELL.store(running, Ordering::SeqCst);
}

/// Inside the child: [`STOP_SIGNAL`] ends the process while a cell runs, and is ignored
/// otherwise. `_exit` is async-signal-safe and stops a cell wherever it is, in a loop or a
/// blocking call.
fn stop_cell_on_request() {
    extern "C" fn stop(_: libc::c_int) {
        if IN_CELL.load(Ordering::SeqCst) {
            // SAFETY: _exit is async-signal-safe.
            unsafe { libc::_exit(STOPPED_STATUS) };
        }
    }
    // SAFETY: the handler only reads an atomic and calls _exit, both async-signal-safe;
    // the struct is zeroed and then filled with valid values before sigaction reads it.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = stop as extern "C" fn(libc::c_int) as libc::sighandler_t;
        action.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(STOP_SIGNAL, &action, std::ptr::null_mut());
    }
}

/// The exit status of a child that stopped its cell on request.
pub const STOPPED_STATUS: i32 = 128 + libc::SIGUSR2;

fn signal(pid: u32, signal: i32) {
    if pid != 0 {
        // SAFETY: kill(2) has no memory-safety preconditions. The pids are the kernel's own
        // children (or orphans it is the subreaper of), reaped only by the kernel, which
        // replaces a pid here as soon as it has reaped it; a pid is reused only after the
        // numbers wrap around, far slower than that.
        unsafe {
            libc::kill(pid as libc::pid_t, signal);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_memory_settings() {
        let gib = 1u64 << 30;
        assert_eq!(memory_limit("", 8 * gib), Ok(Some(4 * gib)));
        assert_eq!(memory_limit("25%", 8 * gib), Ok(Some(2 * gib)));
        assert_eq!(memory_limit("2G", 8 * gib), Ok(Some(2 * gib)));
        assert_eq!(memory_limit("1.5G", 8 * gib), Ok(Some(3 * gib / 2)));
        assert_eq!(memory_limit("512M", 0), Ok(Some(512 << 20)));
        assert_eq!(memory_limit("3GiB", 0), Ok(Some(3 * gib)));
        assert_eq!(memory_limit("1000", 0), Ok(Some(1000)));
        assert_eq!(memory_limit("unlimited", 8 * gib), Ok(None));
        // What is not understood is an error, never "no limit".
        for wrong in ["lots", "1.5X", "0", "-1G", "150%", "0%", "G", "1..5G"] {
            let err = memory_limit(wrong, 8 * gib).unwrap_err();
            assert!(err.contains("is not a memory size"), "{wrong}: {err}");
        }
    }

    #[test]
    fn a_directory_change_without_a_fifo_is_not_followed() {
        // No child reads this FIFO: the kernel must give up at once, not hang.
        let dir = std::env::temp_dir();
        let started = Instant::now();
        std::env::remove_var(CWD_FIFO_VAR);
        assert!(!tell_directory(0, &dir));
        assert!(started.elapsed() < FOLLOW_TIMEOUT);
    }
}
