//! A kernel ends with the Jupyter process that started it.
//!
//! When a Jupyter server or console is killed (SIGKILL, a crashed terminal, an OOM kill), it
//! cannot shut its kernels down, and a kernel left running holds its build slot, its memory
//! and its child process until the machine restarts: a class server would fill with them.
//! jupyter_client names the starting process in `JPY_PARENT_PID` when the kernel is not
//! meant to outlive it; ipykernel then polls its parent, and so does this. A kernel whose
//! parent changes (it was orphaned) ends, with every process of its group (the process
//! that runs cells, its snapshot, a compile), as if it had been shut down.

use std::time::Duration;

use crate::log;

/// How often the parent is checked. A second, as ipykernel does: an orphan costs nothing
/// noticeable for that long, and the check is one system call.
const POLL_EVERY: Duration = Duration::from_secs(1);

/// The environment variable jupyter_client sets to its own pid.
pub const PARENT_VAR: &str = "JPY_PARENT_PID";

/// Starts the watch if this process was started by a Jupyter client that expects it (the
/// variable is set) and its parent is that process. A kernel started some other way (by a
/// wrapper script, or detached on purpose) is left alone.
pub fn watch() {
    let Some(expected) = std::env::var(PARENT_VAR).ok().and_then(|v| v.trim().parse::<i32>().ok()) else { return };
    // SAFETY: getppid has no preconditions.
    let parent = unsafe { libc::getppid() };
    if parent != expected || parent <= 1 {
        return;
    }
    // The watcher takes no signals: a process-directed SIGINT must reach the thread that
    // waits for it (the launcher forwards Ctrl-C with sigwait, see crate::spare), not this
    // one, where its default action would end the process. A thread inherits the mask of the
    // thread that creates it, so block everything around the spawn.
    // SAFETY: sigset_t is plain data, filled by sigfillset; pthread_sigmask only changes
    // this thread's mask, and the old one is put back right after the spawn.
    let old = unsafe {
        let mut all: libc::sigset_t = std::mem::zeroed();
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        libc::pthread_sigmask(libc::SIG_BLOCK, &all, &mut old);
        old
    };
    let spawned = std::thread::Builder::new().name("ndplay-parent".into()).spawn(move || loop {
        std::thread::sleep(POLL_EVERY);
        // SAFETY: as above.
        if unsafe { libc::getppid() } != parent {
            log!("the process that started this kernel ({parent}) is gone: shutting down");
            end_group();
        }
    });
    // SAFETY: as above; `old` is the mask this thread had.
    unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut()) };
    if let Err(e) = spawned {
        log!("cannot watch the process that started this kernel: {e}");
    }
}

/// Ends this process and, when it leads its process group (jupyter_client starts kernels
/// in a session of their own), every process in the group with it.
fn end_group() -> ! {
    // SAFETY: getpgrp/getpid/killpg have no memory-safety preconditions.
    unsafe {
        if libc::getpgrp() == libc::getpid() {
            libc::killpg(libc::getpgrp(), libc::SIGKILL);
        }
        libc::_exit(0)
    }
}
