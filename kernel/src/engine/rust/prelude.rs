//! The prelude's sources, carried inside the binary and unpacked on demand.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

include!(concat!(env!("OUT_DIR"), "/prelude_files.rs"));

/// Where ndplay keeps what outlives one kernel: unpacked prelude, session build
/// directories, the cargo configuration they share. `NDPLAY_CACHE_DIR` overrides it (tests
/// use a private one).
pub fn cache_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("NDPLAY_CACHE_DIR") {
        return PathBuf::from(dir);
    }
    dirs::cache_dir().unwrap_or_else(std::env::temp_dir).join("ndplay")
}

/// Unpacks the prelude (once per version) and returns its directory.
///
/// Several kernels may start at the same moment, so the files are written to a private
/// directory first and renamed into place: a kernel sees either nothing or the whole crate.
pub fn unpack(cache: &Path) -> Result<PathBuf> {
    let target = cache.join(format!("prelude-{HASH}"));
    if target.join(".complete").exists() {
        return Ok(target);
    }
    let staging = cache.join(format!(".prelude-{HASH}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    for (rel, bytes) in FILES {
        let path = staging.join(rel);
        std::fs::create_dir_all(path.parent().unwrap())?;
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
    }
    std::fs::write(staging.join(".complete"), b"")?;
    match std::fs::rename(&staging, &target) {
        Ok(()) => Ok(target),
        // Another kernel won the race; its copy is identical.
        Err(_) if target.join(".complete").exists() => {
            let _ = std::fs::remove_dir_all(&staging);
            Ok(target)
        }
        Err(e) => Err(e).with_context(|| format!("moving the prelude into {}", target.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carries_a_standalone_manifest_and_the_sources() {
        let manifest = FILES.iter().find(|(p, _)| *p == "Cargo.toml").unwrap().1;
        let manifest = std::str::from_utf8(manifest).unwrap();
        assert!(manifest.contains("name = \"ndplay\""));
        assert!(!manifest.contains("[workspace]"), "{manifest}");
        assert!(!manifest.contains("[dev-dependencies]"));
        assert!(FILES.iter().any(|(p, _)| *p == "src/lib.rs"));
    }

    #[test]
    fn unpacks_idempotently() {
        let dir = std::env::temp_dir().join(format!("ndplay-unpack-{}", std::process::id()));
        let a = unpack(&dir).unwrap();
        let b = unpack(&dir).unwrap();
        assert_eq!(a, b);
        assert!(a.join("src/lib.rs").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
