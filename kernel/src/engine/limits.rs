//! Limits that keep one cell from hurting the machine or the notebook.
//!
//! - Memory: the child process that runs cells gets an address-space limit, so an
//!   allocation larger than memory fails at once (the student reads "out of memory")
//!   instead of the machine swapping itself to a standstill. `NDPLAY_CHILD_MEMORY`
//!   overrides the default of half the physical memory: bytes, `K`/`M`/`G` suffixes,
//!   a percentage of RAM (`75%`), or `unlimited`.
//! - Output: see the byte limits in [`super::child_output`].
//! - Signals: a SIGINT sent to the kernel's whole process group (a terminal's Ctrl-C,
//!   jupyter_client's `signal_kernel`) must interrupt the cell, not kill the child behind
//!   the kernel's back: the child leaves SIGINT to the kernel, which stops the cell the
//!   same way `interrupt_request` does.

/// The child's share of physical memory when `NDPLAY_CHILD_MEMORY` is not set.
pub const DEFAULT_MEMORY_PERCENT: u64 = 50;

/// Called first thing in the child process (before evcxr's runtime takes over).
pub fn apply_child_limits() {
    leave_sigint_to_the_kernel();
    let setting = std::env::var("NDPLAY_CHILD_MEMORY").unwrap_or_default();
    let Some(bytes) = memory_limit(&setting, physical_memory()) else { return };
    let limit = libc::rlimit { rlim_cur: bytes as libc::rlim_t, rlim_max: bytes as libc::rlim_t };
    // SAFETY: setrlimit reads the struct we pass; it has no other preconditions.
    unsafe {
        libc::setrlimit(libc::RLIMIT_AS, &limit);
    }
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

/// The limit in bytes for a setting, or `None` for no limit.
pub fn memory_limit(setting: &str, ram: u64) -> Option<u64> {
    let s = setting.trim();
    if s.eq_ignore_ascii_case("unlimited") {
        return None;
    }
    if s.is_empty() {
        return (ram > 0).then(|| percent_of(ram, DEFAULT_MEMORY_PERCENT));
    }
    if let Some(p) = s.strip_suffix('%') {
        let p: u64 = p.trim().parse().ok()?;
        return (ram > 0 && p > 0).then(|| percent_of(ram, p.min(100)));
    }
    let (digits, unit) = match s.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => (&s[..i], s[i..].trim()),
        None => (s, ""),
    };
    let n: u64 = digits.parse().ok()?;
    let scale = match unit.to_ascii_uppercase().trim_end_matches(['B', 'I']) {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        _ => return None,
    };
    n.checked_mul(scale)
}

fn percent_of(ram: u64, percent: u64) -> u64 {
    (ram as u128 * percent as u128 / 100) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_memory_settings() {
        let gib = 1u64 << 30;
        assert_eq!(memory_limit("", 8 * gib), Some(4 * gib));
        assert_eq!(memory_limit("25%", 8 * gib), Some(2 * gib));
        assert_eq!(memory_limit("2G", 8 * gib), Some(2 * gib));
        assert_eq!(memory_limit("512M", 0), Some(512 << 20));
        assert_eq!(memory_limit("3GiB", 0), Some(3 * gib));
        assert_eq!(memory_limit("1000", 0), Some(1000));
        assert_eq!(memory_limit("unlimited", 8 * gib), None);
        assert_eq!(memory_limit("lots", 8 * gib), None);
    }
}
