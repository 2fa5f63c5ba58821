//! Build slots: a build directory that one kernel at a time owns, kept across kernels.
//!
//! Compiling ndarray and the prelude takes minutes; a build directory that outlives the
//! kernel keeps them compiled. Cargo's freshness checks record absolute paths, so the
//! directory must keep its path: kernels claim numbered slots (`slot-0`, `slot-1`, …)
//! with an exclusive `flock`, released by the OS even if the kernel is killed. Two
//! notebooks open at once get two slots and never build into the same directory. A new
//! slot is seeded with a copy of a warm one's `target`, whose recorded paths still point
//! at files that exist, so cargo finds the dependencies fresh.

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// How many kernels may run at once for one user.
const MAX_SLOTS: usize = 64;
/// Written into a slot once its dependencies are built, so new slots copy only warm ones.
const WARM_MARKER: &str = ".warm";

/// Takes an exclusive `flock` on `path` (created if missing) without waiting. `None` when
/// another process holds it. The lock lasts as long as the returned file is open, and the
/// OS releases it when the process dies, however it dies.
pub fn try_lock(path: &Path) -> Result<Option<File>> {
    use std::os::fd::AsRawFd;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .with_context(|| format!("opening {}", path.display()))?;
    // SAFETY: flock on a file descriptor we own; no memory is shared.
    let locked = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) == 0 };
    Ok(locked.then_some(file))
}

/// A claimed build directory; the claim ends when this is dropped.
pub struct BuildSlot {
    pub dir: PathBuf,
    _lock: File,
}

impl BuildSlot {
    /// Claims the first free slot under `sessions`.
    pub fn claim(sessions: &Path) -> Result<BuildSlot> {
        for n in 0..MAX_SLOTS {
            let Some(lock) = try_lock(&sessions.join(format!("slot-{n}.lock")))? else { continue };
            let dir = sessions.join(format!("slot-{n}"));
            std::fs::create_dir_all(&dir)?;
            if !dir.join(WARM_MARKER).exists() {
                seed_from_warm_slot(sessions, &dir);
            }
            return Ok(BuildSlot { dir, _lock: lock });
        }
        anyhow::bail!("{MAX_SLOTS} ndplay kernels are already running; shut one down first")
    }

    /// Records that this slot's dependencies are built.
    pub fn mark_warm(&self) {
        let _ = std::fs::write(self.dir.join(WARM_MARKER), b"");
    }
}

fn seed_from_warm_slot(sessions: &Path, dir: &Path) {
    let Ok(entries) = std::fs::read_dir(sessions) else { return };
    for entry in entries.flatten() {
        let source = entry.path();
        if source != dir && source.join(WARM_MARKER).exists() && source.join("target").is_dir() {
            let _ = std::fs::remove_dir_all(dir.join("target"));
            let copied = std::process::Command::new("cp")
                .arg("-a")
                .arg(source.join("target"))
                .arg(dir.join("target"))
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            if copied {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_claims_get_two_slots_and_a_released_one_is_reused() {
        let sessions = std::env::temp_dir().join(format!("ndplay-slots-{}", std::process::id()));
        std::fs::create_dir_all(&sessions).unwrap();
        let first = BuildSlot::claim(&sessions).unwrap();
        let second = BuildSlot::claim(&sessions).unwrap();
        assert_ne!(first.dir, second.dir);
        let first_dir = first.dir.clone();
        drop(first);
        assert_eq!(BuildSlot::claim(&sessions).unwrap().dir, first_dir);
        assert!(try_lock(&sessions.join("slot-1.lock")).unwrap().is_none(), "still held by `second`");
        drop(second);
        std::fs::remove_dir_all(&sessions).unwrap();
    }
}
