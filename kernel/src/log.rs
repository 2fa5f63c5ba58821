//! The kernel's log: one line per event, prefixed `ndplay:`.
//!
//! Every layer logs through [`log!`](crate::log!), which formats as `format!` does, so no
//! layer has to import another's logger. Lines go to stderr, and a kernel sends its stderr
//! to a log file ([`to_file`], in the cache directory): in `jupyter console` a kernel's
//! stderr is the terminal, and progress lines written there would overwrite the prompt.
//! What the user must see before the kernel starts (a connection file readable by others,
//! a refused key) is printed first.

use std::path::{Path, PathBuf};

/// Writes one log line, formatted as `format!` does: `log!("cell {n} compiled")`.
#[macro_export]
macro_rules! log {
    ($($arg:tt)*) => {
        $crate::log::write(format_args!($($arg)*))
    };
}

/// The one place a log line is written; call it through [`log!`](crate::log!).
pub fn write(line: std::fmt::Arguments<'_>) {
    eprintln!("ndplay: {line}");
}

/// The file a kernel logs to.
pub fn kernel_log_path(cache: &Path) -> PathBuf {
    cache.join("kernel.log")
}

/// Logs files past this size are started afresh.
const MAX_LOG_BYTES: u64 = 10 << 20;

/// Sends this process's stderr (its own lines and everything a library writes there) to
/// `path`, appending. A log that grew too large is started afresh.
pub fn to_file(path: &Path) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    // The log names the student's cells and errors: on a shared server no other user may
    // read it, not even in the moment before the engine makes the cache private (0700).
    if let Some(dir) = path.parent() {
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    }
    if std::fs::metadata(path).is_ok_and(|m| m.len() > MAX_LOG_BYTES) {
        let _ = std::fs::rename(path, path.with_extension("log.old"));
    }
    let file = std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(path)?;
    // A log made by an older version may be 0644.
    let _ = file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600));
    // SAFETY: dup2 onto stderr with a descriptor we own; stderr is unbuffered in Rust.
    if unsafe { libc::dup2(file.as_raw_fd(), 2) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    crate::log!("kernel {} started, {}", std::process::id(), chrono::Local::now().format("%Y-%m-%d %H:%M:%S"));
    Ok(())
}
