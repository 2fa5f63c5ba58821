//! The prelude's sources, carried inside the binary and unpacked on demand.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

include!(concat!(env!("OUT_DIR"), "/prelude_files.rs"));

/// Where ndplay keeps what outlives one kernel: unpacked prelude, session build
/// directories, the cargo configuration they share, the spare's socket. `NDPLAY_CACHE_DIR`
/// overrides it (tests use a private one). Made if missing, and checked to be the user's
/// alone ([`check_private`]): what is in it runs as the student's code, and the spare's
/// socket in it receives the notebook's connection key.
pub fn cache_root() -> Result<PathBuf> {
    let dir = match std::env::var_os("NDPLAY_CACHE_DIR") {
        Some(dir) => PathBuf::from(dir),
        // Never a shared temporary directory instead: any user can create there first.
        None => dirs::cache_dir()
            .context(
                "there is no home directory to keep ndplay's cache in; set NDPLAY_CACHE_DIR to a directory of your own",
            )?
            .join("ndplay"),
    };
    if std::fs::symlink_metadata(&dir).is_err() {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .with_context(|| format!("creating ndplay's cache {}", dir.display()))?;
    }
    check_private(&dir)?;
    Ok(dir)
}

/// Fails unless `dir` is a directory (not a link) owned by this user that no one else can
/// write or read, under directories that only this user or root can write. Cargo reads
/// `.cargo/config.toml` in every directory above a build (it can set the linker: code run
/// for every cell), and the prelude's sources and the cells are trusted as they are found:
/// on a shared server, a cache another user can change is another user's code in this
/// kernel. Group or world read/write bits on the cache itself are removed first (the umask
/// may have left them); anything else fails closed, saying what to do.
pub fn check_private(dir: &Path) -> Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    let unsafe_cache = |why: String| {
        anyhow::anyhow!(
            "ndplay's cache {} is not safe to use: {why}. Another user could change the code every cell \
             runs. Use a directory of your own: unset NDPLAY_CACHE_DIR (the default is ~/.cache/ndplay), \
             or set it to a directory under your home.",
            dir.display()
        )
    };
    let meta = std::fs::symlink_metadata(dir).with_context(|| format!("looking at {}", dir.display()))?;
    if !meta.file_type().is_dir() {
        return Err(unsafe_cache("it is not a directory (a symbolic link, or a file)".into()));
    }
    if meta.uid() != me {
        return Err(unsafe_cache(format!("it belongs to user {}, not to you (user {me})", meta.uid())));
    }
    if meta.mode() & 0o077 != 0 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(|e| {
            unsafe_cache(format!("its mode is {:o} and could not be made 700 ({e})", meta.mode() & 0o777))
        })?;
    }
    let real = std::fs::canonicalize(dir).with_context(|| format!("resolving {}", dir.display()))?;
    for above in real.ancestors().skip(1) {
        let m = std::fs::symlink_metadata(above).with_context(|| format!("looking at {}", above.display()))?;
        if m.uid() != me && m.uid() != 0 {
            return Err(unsafe_cache(format!("{} above it belongs to user {}", above.display(), m.uid())));
        }
        if m.mode() & 0o022 != 0 {
            return Err(unsafe_cache(format!(
                "{} above it can be written by other users (mode {:o}; they could put a .cargo/config.toml there)",
                above.display(),
                m.mode() & 0o7777
            )));
        }
    }
    Ok(())
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
    fn a_cache_under_a_directory_others_can_write_is_refused() {
        // /tmp is world-writable (sticky or not, anyone can make /tmp/.cargo there).
        let dir = std::env::temp_dir().join(format!("ndplay-cache-check-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let err = check_private(&dir).unwrap_err().to_string();
        assert!(err.contains("can be written by other users"), "{err}");
        assert!(err.contains("NDPLAY_CACHE_DIR"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_private_cache_is_accepted_and_made_private() {
        use std::os::unix::fs::PermissionsExt;
        let home = dirs::home_dir().unwrap();
        let dir = home.join(format!(".ndplay-cache-check-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let checked = check_private(&dir);
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        let link = home.join(format!(".ndplay-cache-link-{}", std::process::id()));
        std::os::unix::fs::symlink(&dir, &link).unwrap();
        let through_link = check_private(&link);
        let _ = std::fs::remove_file(&link);
        let _ = std::fs::remove_dir_all(&dir);
        // Only meaningful where the home directory is safe itself (it is on CI: /root).
        if let Err(e) = &checked {
            assert!(e.to_string().contains("above it"), "{e}");
            return;
        }
        assert_eq!(mode, 0o700);
        assert!(through_link.unwrap_err().to_string().contains("not a directory"));
    }

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
