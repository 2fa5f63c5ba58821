//! Inside the child process that runs cells (`ndplay run-cells`): load each compiled cell
//! and call it, keeping a snapshot of the process from before the cell.
//!
//! The kernel talks to this loop through a command pipe on [`COMMAND_FD`], never through
//! stdin (a cell may read stdin itself). Each command is one line:
//! - `key <hex>`, first and once: the key of this process's marker lines
//!   ([`crate::engine::rust::channel`]); printed text without it is only text.
//! - `run <seq> <library> <symbol>`: `dlopen` the cell's shared library (refusing one that
//!   is already loaded: the loader would hand back an older cell's code), hand the key and
//!   the run's number `seq` to the prelude ([`CHANNEL_ENTRY`]), and call the entry point with
//!   the variable store; then write `done <seq>` on stdout.
//! - `event <seq> <json>`: a message from the browser to a widget (one line of JSON); the
//!   prelude's [`EVENT_ENTRY`], found through the latest cell's library, hands it to the
//!   widgets with the store, under a snapshot like a cell (a panic or an interrupt in a
//!   widget's closure loses nothing); then `done <seq>`.
//!
//! Everything the loop says goes to stdout as keyed marker lines, in order with what the
//! cell printed (see [`crate::engine::rust::output`] for how the kernel reads them): `done` after a run,
//! `snapshot` with a snapshot's pid before it, `resumed` when a snapshot takes over,
//! `load-failed` when a cell's library cannot be run.
//!
//! **Snapshots.** Before each cell the loop `fork`s. The copy (copy-on-write, so cheap) waits
//! on a pipe whose only writing end this process holds. When the cell ends, this process
//! writes one byte and the copy exits. When this process dies instead — an interrupt kills
//! it, or the cell crashed, aborted or called `exit` — the pipe closes, the copy wakes up
//! with every variable as it was before the cell, says [`RESUMED`], and goes on reading
//! commands: it has already read the command of the cell that killed its twin, so that
//! cell is not run again. Only the thread that forks survives a `fork`, so what the loop
//! runs on threads of its own (the directory follower) starts again in the copy.

use std::ffi::{CStr, CString};
use std::io::Write;

use std::sync::OnceLock;

use super::limits;
use crate::engine::rust::channel::{self, Kind};

/// The file descriptor the kernel writes commands to.
pub const COMMAND_FD: i32 = 3;
/// The prelude's entry point that takes the channel's key and the run's number
/// (`ndplay::cell::ndplay_channel_open`), found through each cell's library.
pub const CHANNEL_ENTRY: &str = "ndplay_channel_open";
type ChannelEntry = unsafe extern "C" fn(*const u8, usize, u64);

/// This process's channel key, from the kernel's first command (a snapshot, a fork, keeps
/// it).
static KEY: OnceLock<String> = OnceLock::new();

/// The entry point every cell library exports: takes the variable store (null before the
/// first cell) and returns it.
type CellEntry = extern "C" fn(*mut libc::c_void) -> *mut libc::c_void;

/// The prelude's entry point for widget events (`src/widgets/mod.rs`), looked up through
/// the latest cell's library, which links the prelude.
pub const EVENT_ENTRY: &str = "ndplay_event";
/// Takes the store and a message (pointer, length); returns the store.
type EventEntry = extern "C" fn(*mut libc::c_void, *const u8, usize) -> *mut libc::c_void;

/// Runs the loop until the kernel closes the command pipe. Never returns.
pub fn run(snapshots: bool) -> ! {
    limits::prepare_runtime();
    match read_command().as_deref().and_then(|l| l.strip_prefix("key ")) {
        Some(key) if channel::valid_key(key) => {
            let _ = KEY.set(key.to_string());
        }
        // Not started by a kernel: nothing could be said to anyone.
        _ => exit_now(2),
    }
    let mut store: *mut libc::c_void = std::ptr::null_mut();
    // The latest cell library: widget events go through its copy of the prelude.
    let mut latest: *mut libc::c_void = std::ptr::null_mut();
    loop {
        let Some(line) = read_command() else { exit_now(0) };
        let mut words = line.splitn(4, ' ');
        let command = words.next().unwrap_or("");
        let Some(seq) = words.next().and_then(|s| s.parse::<u64>().ok()) else {
            // The kernel numbers every run from 1: a 0 it never waits for is a mismatch.
            say(Kind::LoadFailed, &format!("unknown command to the cell runner: {line:?}"));
            say(Kind::Done, "0");
            continue;
        };
        match (command, words.next(), words.next()) {
            ("run", Some(library), Some(symbol)) => {
                if snapshots && snapshot() == Fork::Resumed {
                    // This process is the copy from before the cell; the cell is not run.
                    continue;
                }
                // From here until the snapshot is discarded, an interrupt ends this process.
                limits::set_in_cell(true);
                match load(library, symbol) {
                    Ok((handle, entry)) => {
                        latest = handle;
                        open_channel(handle, seq);
                        store = entry(store);
                    }
                    Err(e) => say(Kind::LoadFailed, &e),
                }
                end_of_run(snapshots, seq);
            }
            ("event", Some(_), _) => {
                let json = line.splitn(3, ' ').nth(2).unwrap_or("");
                if snapshots && snapshot() == Fork::Resumed {
                    continue;
                }
                limits::set_in_cell(true);
                // No cell has run in this process (it was just started afresh): it has no
                // widgets, and the message is for none of them.
                if let Some(entry) = event_entry(latest) {
                    open_channel(latest, seq);
                    store = entry(store, json.as_ptr(), json.len());
                }
                end_of_run(snapshots, seq);
            }
            _ => {
                say(Kind::LoadFailed, &format!("unknown command to the cell runner: {line:?}"));
                say(Kind::Done, &channel::numbered_body(seq, ""));
            }
        }
    }
}

/// After a cell or an event: the snapshot goes, and the kernel is told it ended.
fn end_of_run(snapshots: bool, seq: u64) {
    limits::set_in_cell(false);
    if snapshots {
        discard_snapshot();
    }
    // The end of the cell's stderr first: the kernel reads stdout's end first.
    write_all(2, format!("{}\n", channel::marker(key(), Kind::StderrEnd, "")).as_bytes());
    say(Kind::Done, &channel::numbered_body(seq, ""));
}

fn key() -> &'static str {
    KEY.get().map(String::as_str).unwrap_or("")
}

/// Hands the channel's key and the run's number to the prelude that `handle` links.
fn open_channel(handle: *mut libc::c_void, seq: u64) {
    let Ok(name) = CString::new(CHANNEL_ENTRY) else { return };
    // SAFETY: the handle came from dlopen and stays loaded; the symbol has this type (the
    // prelude defines it); the key outlives the call.
    unsafe {
        let entry = libc::dlsym(handle, name.as_ptr());
        if !entry.is_null() {
            let entry = std::mem::transmute::<*mut libc::c_void, ChannelEntry>(entry);
            let key = key();
            entry(key.as_ptr(), key.len(), seq);
        }
    }
}

/// The widget entry point of the library `handle` (null: none loaded yet).
fn event_entry(handle: *mut libc::c_void) -> Option<EventEntry> {
    if handle.is_null() {
        return None;
    }
    let name = CString::new(EVENT_ENTRY).ok()?;
    // SAFETY: the handle came from dlopen and stays loaded; the symbol has this type (the
    // prelude defines it; dlsym searches the library and then what it links).
    unsafe {
        let entry = libc::dlsym(handle, name.as_ptr());
        (!entry.is_null()).then(|| std::mem::transmute::<*mut libc::c_void, EventEntry>(entry))
    }
}

/// Writes one marker line on stdout directly, past Rust's buffered stdout (cells write
/// through the libstd of their own shared library, which the entry point flushes before
/// it returns).
fn say(kind: Kind, body: &str) {
    let _ = std::io::stdout().flush();
    let mut bytes = channel::marker(key(), kind, &body.replace('\n', " ")).into_bytes();
    bytes.push(b'\n');
    write_all(1, &bytes);
}

fn write_all(fd: i32, mut bytes: &[u8]) {
    while !bytes.is_empty() {
        // SAFETY: writing from a valid slice to a file descriptor we own.
        let n = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
        if n <= 0 {
            if n < 0 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return;
        }
        bytes = &bytes[n as usize..];
    }
}

/// Exits without running destructors or `atexit` handlers: cells' libraries are never
/// unloaded, and their thread-local destructors must not run in a process that is going.
fn exit_now(status: i32) -> ! {
    // SAFETY: _exit has no preconditions.
    unsafe { libc::_exit(status) }
}

/// One command line, read a byte at a time: a buffered reader would take bytes of the
/// next command with it into a snapshot.
fn read_command() -> Option<String> {
    let mut line = Vec::new();
    loop {
        let mut byte = 0u8;
        // SAFETY: reading one byte into a local.
        let n = unsafe { libc::read(COMMAND_FD, (&mut byte as *mut u8).cast(), 1) };
        match n {
            1 if byte == b'\n' => return Some(String::from_utf8_lossy(&line).into_owned()),
            1 => line.push(byte),
            0 => return None,
            _ if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted => {}
            _ => return None,
        }
    }
}

fn load(library: &str, symbol: &str) -> Result<(*mut libc::c_void, CellEntry), String> {
    let path = CString::new(library).map_err(|e| e.to_string())?;
    let name = CString::new(symbol).map_err(|e| e.to_string())?;
    // SAFETY: dlopen/dlsym with valid C strings. The library stays loaded for the life of
    // the process (values in the store may point into it), so the symbol stays valid.
    unsafe {
        // The loader knows libraries by path: one loaded before under this name would be
        // handed back, an older cell's code, instead of this cell's. Never run that.
        if !libc::dlopen(path.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL | libc::RTLD_NOLOAD).is_null() {
            return Err(format!("{library} was loaded before: the process would run an older cell's code"));
        }
        let handle = libc::dlopen(path.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL);
        if handle.is_null() {
            return Err(dl_error());
        }
        let entry = libc::dlsym(handle, name.as_ptr());
        if entry.is_null() {
            return Err(dl_error());
        }
        Ok((handle, std::mem::transmute::<*mut libc::c_void, CellEntry>(entry)))
    }
}

fn dl_error() -> String {
    // SAFETY: dlerror returns a thread-local C string or null.
    unsafe {
        let e = libc::dlerror();
        if e.is_null() {
            "unknown error".into()
        } else {
            CStr::from_ptr(e).to_string_lossy().into_owned()
        }
    }
}

#[derive(PartialEq, Eq)]
enum Fork {
    /// This is the process that runs the cell (or no snapshot could be made).
    Running,
    /// This is the snapshot, and it has just taken over.
    Resumed,
}

/// Makes the snapshot for the cell about to run. In the copy, this returns only when it
/// takes over (or never: it exits when the cell ends well).
fn snapshot() -> Fork {
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two descriptors into the array.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Fork::Running;
    }
    let (wake_read, wake_write) = (fds[0], fds[1]);
    let _ = std::io::stdout().flush();
    // SAFETY: fork in the loop's only thread of its own; the copy touches only what it
    // needs (a read, then exit or the loop) before anything else may run.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        close(wake_read);
        close(wake_write);
        return Fork::Running;
    }
    if pid == 0 {
        close(wake_write);
        let mut byte = 0u8;
        let n = loop {
            // SAFETY: reading one byte into a local.
            let n = unsafe { libc::read(wake_read, (&mut byte as *mut u8).cast(), 1) };
            if n >= 0 || std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
                break n;
            }
        };
        if n == 1 {
            exit_now(0); // the cell ended well: this copy is not needed
        }
        close(wake_read);
        // The process that ran the cell is gone: this copy is the runner now.
        limits::prepare_runtime_again();
        say(Kind::Resumed, &std::process::id().to_string());
        return Fork::Resumed;
    }
    close(wake_read);
    say(Kind::Snapshot, &pid.to_string());
    DISCARD.with(|d| d.set(Some((wake_write, pid))));
    Fork::Running
}

thread_local! {
    /// The snapshot waiting for the current cell: (its pipe, its pid).
    static DISCARD: std::cell::Cell<Option<(i32, i32)>> = const { std::cell::Cell::new(None) };
}

/// The cell ended well: the snapshot from before it exits.
fn discard_snapshot() {
    if let Some((wake_write, pid)) = DISCARD.with(|d| d.take()) {
        write_all(wake_write, b"x");
        close(wake_write);
        let mut status = 0;
        // SAFETY: reaping our own child, which exits at once.
        unsafe { libc::waitpid(pid, &mut status, 0) };
    }
}

fn close(fd: i32) {
    // SAFETY: closing a descriptor we own.
    unsafe { libc::close(fd) };
}
