//! The kernel's child processes as the operating system sees them: waiting for and reaping
//! them, their state in `/proc` (alive, blocked on its standard input, orphaned), killing
//! them. The runner ([`super::kernel_side`]) decides what to do; this file only asks and tells
//! the system.

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

/// Whether a thread of `pid` is blocked reading its standard input: `read` (syscall 0 on
/// x86-64, 63 on aarch64) on file descriptor 0, as `/proc/<pid>/task/*/syscall` shows.
pub fn reads_stdin(pid: u32) -> bool {
    const READ: &str = if cfg!(target_arch = "aarch64") { "63" } else { "0" };
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return false };
    tasks.flatten().any(|task| {
        std::fs::read_to_string(task.path().join("syscall")).is_ok_and(|line| {
            let mut fields = line.split_whitespace();
            fields.next() == Some(READ) && fields.next() == Some("0x0")
        })
    })
}

/// Waits for `pid` to exit; `None` if it is not (or no longer) a child of ours.
pub fn wait(pid: u32) -> Option<Exit> {
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
    Some(exit_of(status))
}

fn exit_of(status: i32) -> Exit {
    if libc::WIFSIGNALED(status) {
        Exit::Signal(libc::WTERMSIG(status))
    } else {
        Exit::Code(libc::WEXITSTATUS(status))
    }
}

/// Whether `pid` is still running: not gone, and not a zombie waiting to be reaped.
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => process_state(&stat).is_some_and(|state| state != 'Z' && state != 'X'),
        Err(_) => false,
    }
}

/// The state letter of a `/proc/<pid>/stat` line: the field after the command name, which
/// is in parentheses and may itself contain spaces and parentheses.
fn process_state(stat: &str) -> Option<char> {
    stat[stat.rfind(')')? + 1..].split_whitespace().next()?.chars().next()
}

/// The parent pid of a `/proc/<pid>/stat` line.
fn parent_pid(stat: &str) -> Option<u32> {
    stat[stat.rfind(')')? + 1..].split_whitespace().nth(1)?.parse().ok()
}

/// A live `run-cells` process among the kernel's children other than `dead`: the snapshot
/// of a process that just died, orphaned and adopted by the kernel as its subreaper.
pub fn orphaned_runner(dead: u32) -> Option<u32> {
    let me = std::process::id();
    let entries = std::fs::read_dir("/proc").ok()?;
    entries.flatten().filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok()).find(|&pid| {
        pid != dead
            && std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .is_ok_and(|stat| parent_pid(&stat) == Some(me) && process_state(&stat) != Some('Z'))
            && std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|cmdline| cmdline.split(|&b| b == 0).any(|arg| arg == b"run-cells"))
    })
}

/// Reaps `pid` if it has exited, without waiting.
pub fn reap_now(pid: u32) -> Option<Exit> {
    let mut status = 0;
    // SAFETY: waitpid writes the status into a local.
    let r = unsafe { libc::waitpid(pid as libc::pid_t, &mut status, libc::WNOHANG) };
    (r == pid as libc::pid_t).then(|| exit_of(status))
}

/// Waits for a process the kernel has given up on, so it leaves no zombie behind.
pub fn reap_in_background(pid: u32) {
    let _ = std::thread::Builder::new().name("ndplay-reap".into()).spawn(move || wait(pid));
}

pub fn kill(pid: u32) {
    // SAFETY: kill(2) has no memory-safety preconditions.
    unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
}

/// Orphans among the kernel's descendants become its children instead of init's: a
/// snapshot whose parent died is then still the kernel's to wait for.
pub fn become_subreaper() {
    // SAFETY: prctl with PR_SET_CHILD_SUBREAPER takes an integer flag.
    unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::process::{Command, Stdio};
    use std::time::Duration;

    #[test]
    fn reads_state_and_parent_past_a_command_name_with_parentheses() {
        let stat = "4242 (ndplay (cell) x) S 17 4242 4242 0 -1 4194304";
        assert_eq!(process_state(stat), Some('S'));
        assert_eq!(parent_pid(stat), Some(17));
        assert_eq!(process_state("garbage"), None);
    }

    #[test]
    fn a_process_waiting_on_its_standard_input_is_seen_and_a_sleeping_one_is_not() {
        let mut reader = Command::new("sh").args(["-c", "read line"]).stdin(Stdio::piped()).spawn().unwrap();
        let mut sleeper = Command::new("sleep").arg("30").stdin(Stdio::piped()).spawn().unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !reads_stdin(reader.id()) && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(reads_stdin(reader.id()), "sh's `read` waits in read(0)");
        assert!(!reads_stdin(sleeper.id()));
        reader.stdin.take().unwrap().write_all(b"done\n").unwrap();
        reader.wait().unwrap();
        sleeper.kill().unwrap();
        sleeper.wait().unwrap();
    }

    #[test]
    fn this_process_is_alive_and_a_reaped_child_is_not() {
        assert!(alive(std::process::id()));
        let mut child = Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        assert!(!alive(pid));
    }

    #[test]
    fn finds_an_orphaned_runner_among_its_children_only() {
        // A child of this test process whose command line has `run-cells` in it (the `; true`
        // keeps the shell from replacing itself with sleep).
        let mut child = Command::new("sh").args(["-c", "sleep 30; true", "run-cells"]).spawn().unwrap();
        let pid = child.id();
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        let mut found = None;
        while found.is_none() && std::time::Instant::now() < deadline {
            found = orphaned_runner(0);
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(found, Some(pid));
        assert_eq!(orphaned_runner(pid), None, "the dead process itself is not its own snapshot");
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(orphaned_runner(0), None);
    }
}
