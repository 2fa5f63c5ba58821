//! Build slots: a build directory that one kernel at a time owns, kept across kernels.
//!
//! Compiling ndarray and the prelude takes minutes; a build directory that outlives the
//! kernel keeps them compiled. Cargo's freshness checks record absolute paths, so the
//! directory must keep its path: kernels claim numbered slots (`slot-0`, `slot-1`, …)
//! with an exclusive `flock`, released by the OS even if the kernel is killed. Two
//! notebooks open at once get two slots and never build into the same directory. A slot
//! that is not warm for today's build (new, or built for another prelude or other
//! settings: its marker says which) is seeded with a copy of the `target` of one that is,
//! whose recorded paths still point at files that exist, so cargo finds the dependencies
//! fresh: a copy takes a second, a build minutes.

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// How many kernels may run at once for one user.
const MAX_SLOTS: usize = 64;
/// Written into a slot once its dependencies are built, with what they were built for (the
/// slot's [`BuildSlot::claim`] key), so that slots copy only from one warm for the same.
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
    key: String,
    _lock: File,
}

impl BuildSlot {
    /// Claims the first free slot under `sessions`, for a build described by `key` (the
    /// prelude's path and the cargo settings: what makes two builds the same one).
    pub fn claim(sessions: &Path, key: &str) -> Result<BuildSlot> {
        for n in 0..MAX_SLOTS {
            let Some(lock) = try_lock(&sessions.join(format!("slot-{n}.lock")))? else { continue };
            let dir = sessions.join(format!("slot-{n}"));
            std::fs::create_dir_all(&dir)?;
            if !is_warm_for(&dir, key) {
                seed_from_warm_slot(sessions, &dir, key);
            }
            return Ok(BuildSlot { dir, key: key.to_string(), _lock: lock });
        }
        anyhow::bail!("{MAX_SLOTS} ndplay kernels are already running; shut one down first")
    }

    /// Records that this slot's dependencies are built for its key.
    pub fn mark_warm(&self) {
        let _ = std::fs::write(self.dir.join(WARM_MARKER), &self.key);
    }
}

fn is_warm_for(dir: &Path, key: &str) -> bool {
    warm_key(dir).is_some_and(|k| k == key)
}

/// What the slot in `dir` is warm for (its [`BuildSlot::claim`] key), if it is warm.
pub fn warm_key(dir: &Path) -> Option<String> {
    std::fs::read_to_string(dir.join(WARM_MARKER)).ok()
}

/// Replaces `dir`'s target with a copy of a slot's that is warm for `key`, if there is one
/// (a slot in use may be copied: after its first build, a kernel only writes its cells'
/// libraries, and those go elsewhere). Without one, `dir` keeps what it has, and cargo
/// rebuilds only what changed.
fn seed_from_warm_slot(sessions: &Path, dir: &Path, key: &str) {
    let Ok(entries) = std::fs::read_dir(sessions) else { return };
    for entry in entries.flatten() {
        let source = entry.path();
        if source != dir && is_warm_for(&source, key) && source.join("target").is_dir() {
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

    /// Claims a slot once `expected` is free again. Another test thread that spawns a
    /// process at the moment a lock is released holds a copy of its descriptor until the
    /// child's exec closes it (`O_CLOEXEC`), so a released slot may stay locked for a
    /// moment: wait for it, briefly, rather than fail on that race (seen in CI).
    fn claim_once_free(sessions: &Path, key: &str, expected: &Path) -> BuildSlot {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            let claimed = BuildSlot::claim(sessions, key).unwrap();
            if claimed.dir == expected || std::time::Instant::now() > deadline {
                return claimed;
            }
            drop(claimed);
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }

    #[test]
    fn two_claims_get_two_slots_and_a_released_one_is_reused() {
        let sessions = std::env::temp_dir().join(format!("ndplay-slots-{}", std::process::id()));
        std::fs::create_dir_all(&sessions).unwrap();
        let first = BuildSlot::claim(&sessions, "k").unwrap();
        let second = BuildSlot::claim(&sessions, "k").unwrap();
        assert_ne!(first.dir, second.dir);
        let first_dir = first.dir.clone();
        drop(first);
        let reused = claim_once_free(&sessions, "k", &first_dir);
        assert_eq!(reused.dir, first_dir);
        assert!(try_lock(&sessions.join("slot-1.lock")).unwrap().is_none(), "still held by `second`");
        drop(second);
        std::fs::remove_dir_all(&sessions).unwrap();
    }

    #[test]
    fn a_slot_built_for_another_prelude_is_seeded_from_one_warm_for_this_one() {
        let sessions = std::env::temp_dir().join(format!("ndplay-seed-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&sessions);
        std::fs::create_dir_all(&sessions).unwrap();
        // slot-0: warm for the new prelude, and in use; slot-1: warm for the old one.
        let warm = BuildSlot::claim(&sessions, "new").unwrap();
        std::fs::create_dir_all(warm.dir.join("target")).unwrap();
        std::fs::write(warm.dir.join("target/built"), "new").unwrap();
        warm.mark_warm();
        let stale = sessions.join("slot-1");
        std::fs::create_dir_all(stale.join("target")).unwrap();
        std::fs::write(stale.join("target/built"), "old").unwrap();
        std::fs::write(stale.join(WARM_MARKER), "old").unwrap();

        let claimed = BuildSlot::claim(&sessions, "new").unwrap();
        assert_eq!(claimed.dir, stale);
        assert_eq!(std::fs::read_to_string(stale.join("target/built")).unwrap(), "new");
        assert!(!is_warm_for(&stale, "new"), "warm only once its own build has run");
        claimed.mark_warm();
        assert!(is_warm_for(&stale, "new"));
        drop(claimed);

        // A slot warm for its key is left as it is.
        std::fs::write(stale.join("target/built"), "kept").unwrap();
        let again = claim_once_free(&sessions, "new", &stale);
        assert_eq!(again.dir, stale);
        assert_eq!(std::fs::read_to_string(again.dir.join("target/built")).unwrap(), "kept");
        drop((warm, again));
        std::fs::remove_dir_all(&sessions).unwrap();
    }
}
