//! The shared cache of a multi-user server: the prelude and its dependencies built once, by
//! the administrator (`ndplay install --shared-cache DIR`), read-only for every student.
//!
//! Without it every student's first kernel compiles ndarray and the prelude in their own
//! home (minutes, and 180 MB of disk each). With it a kernel does not run cargo at all: it
//! replays the rustc command line that cargo ran for the cell crate at install time
//! (`rustc-command.json` in the shared slot), with only the output directory moved into the
//! student's own build slot. The dependencies are linked from the shared directory, which
//! rustc and the loader only read. What stays per user is what is private or written: the
//! build slot (the cell's source and libraries), the variables, the spare and its socket,
//! the log (all under the user's own cache, made `0700`).
//!
//! The kernelspec that `install --shared-cache` writes sets `NDPLAY_SHARED_CACHE`, so every
//! user's Jupyter starts kernels that find it. Cells must be compiled by the very rustc that
//! built the cache (rustc refuses metadata of another version), so the manifest names its
//! sysroot, which must therefore be readable by every user: [`SharedCache::open`] checks
//! each path a kernel needs and says which one is not, and what to do.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

/// The variable the kernelspec sets: the shared cache's directory.
pub const SHARED_VAR: &str = "NDPLAY_SHARED_CACHE";
/// The manifest the install writes at the root of the shared cache.
const MANIFEST: &str = "shared.json";
/// The recorded rustc command line of the cell crate, in the shared slot.
pub const RECORDED: &str = "rustc-command.json";

/// What the install recorded of the shared cache.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// The toolchain that built it (its `bin/rustc` compiles every user's cells).
    pub sysroot: PathBuf,
    /// The host target the dependencies were built for.
    pub host: String,
    /// The warm build slot (absolute).
    pub slot: PathBuf,
    /// The unpacked prelude (absolute).
    pub prelude: PathBuf,
    /// The ndplay version that built it; another version's kernel builds on its own.
    pub version: String,
}

/// An opened, checked shared cache.
#[derive(Debug, Clone)]
pub struct SharedCache {
    pub root: PathBuf,
    pub manifest: Manifest,
}

impl SharedCache {
    /// The shared cache named by [`SHARED_VAR`], if it is set (and not empty).
    pub fn from_env() -> Option<Result<SharedCache>> {
        let dir = std::env::var_os(SHARED_VAR).filter(|v| !v.is_empty())?;
        Some(SharedCache::open(Path::new(&dir)))
    }

    /// Reads the manifest and checks that this user can read everything a kernel uses.
    pub fn open(root: &Path) -> Result<SharedCache> {
        let manifest_path = root.join(MANIFEST);
        readable(root, "the shared cache")?;
        let text = std::fs::read(&manifest_path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                anyhow::anyhow!(
                    "{SHARED_VAR} names {}, which has no {MANIFEST}: it was not made by `ndplay install \
                     --shared-cache`. Ask the administrator to run `ndplay install --sys-prefix --shared-cache {}`.",
                    root.display(),
                    root.display()
                )
            } else {
                denied(&manifest_path, "the shared cache's manifest", &e)
            }
        })?;
        let manifest: Manifest =
            serde_json::from_slice(&text).with_context(|| format!("reading {}", manifest_path.display()))?;
        let cache = SharedCache { root: root.to_path_buf(), manifest };
        cache.check()?;
        Ok(cache)
    }

    /// Every path a kernel reads from the shared install, with what it is.
    fn needed(&self) -> Vec<(PathBuf, &'static str)> {
        let m = &self.manifest;
        vec![
            (m.sysroot.join("bin").join("rustc"), "the Rust compiler"),
            (m.sysroot.join("lib").join("rustlib").join(&m.host).join("lib"), "the Rust standard library"),
            (m.prelude.join("src").join("lib.rs"), "the prelude's sources"),
            (m.slot.join(RECORDED), "the recorded compiler command"),
            (self.deps_dir(), "the compiled prelude and dependencies"),
        ]
    }

    fn check(&self) -> Result<()> {
        for (path, what) in self.needed() {
            readable(&path, what)?;
        }
        // What every kernel runs or links must be changeable by the administrator alone: a
        // student who could write it could run code in every other student's kernel. The
        // cache's own files are made `go-w` by the install, so any group or world write bit
        // there was added since; the toolchain is only held to no world write bit (a
        // toolchain shared by an admin group is common).
        let m = &self.manifest;
        let cache = [
            (self.root.clone(), "the shared cache"),
            (self.root.join(MANIFEST), "the shared cache's manifest"),
            (m.slot.join(RECORDED), "the recorded compiler command"),
            (self.deps_dir(), "the compiled prelude and dependencies"),
            (self.deps_dir().join("libndplay.so"), "the compiled prelude"),
            (m.prelude.join("src"), "the prelude's sources"),
        ];
        for (path, what) in &cache {
            if let Some(why) = others_can_write(path, true) {
                bail!(
                    "{what} ({}) {why}: another user could change what every kernel runs, so this kernel \
                     does not use it. Ask the administrator to run `chmod -R go-w {}` (`ndplay install \
                     --shared-cache` leaves it so).",
                    path.display(),
                    self.root.display()
                );
            }
        }
        // Every compiled dependency, not only the prelude: each is linked into every cell.
        for path in files_in(&self.deps_dir()) {
            if let Some(why) = others_can_write(&path, true) {
                bail!(
                    "a compiled dependency ({}) {why}: another user could change what every kernel runs, so \
                     this kernel does not use it. Ask the administrator to run `chmod -R go-w {}`.",
                    path.display(),
                    self.root.display()
                );
            }
        }
        let std_lib = m.sysroot.join("lib").join("rustlib").join(&m.host).join("lib");
        let mut toolchain = vec![
            (m.sysroot.join("bin").join("rustc"), "the Rust compiler"),
            (m.sysroot.join("bin"), "the toolchain's bin"),
            (m.sysroot.clone(), "the toolchain"),
            (std_lib.clone(), "the Rust standard library"),
        ];
        // libstd and its kind, which every cell's process loads.
        toolchain.extend(files_in(&std_lib).into_iter().map(|p| (p, "a library of the toolchain")));
        for (path, what) in &toolchain {
            if let Some(why) = others_can_write(path, false) {
                bail!(
                    "{what} ({}) {why}: any user could change the compiler every kernel runs, so this kernel \
                     does not use the shared cache. Ask the administrator to run `chmod -R o-w {}`.",
                    path.display(),
                    m.sysroot.display()
                );
            }
        }
        // Mode bits are the owner's to change: each of these must belong to root or to the
        // administrator who owns the cache, and so must every directory above the cache and
        // the toolchain (whoever owns one of those can swap what lies below it).
        let admin = owner(&self.root).context("looking at the shared cache")?;
        let mut owned: Vec<(PathBuf, &str)> = cache.iter().map(|(p, w)| (p.clone(), *w)).collect();
        owned.extend(toolchain);
        owned.extend(files_in(&self.deps_dir()).into_iter().map(|p| (p, "a compiled dependency")));
        for top in [&self.root, &m.sysroot] {
            let top = std::fs::canonicalize(top).unwrap_or_else(|_| top.to_path_buf());
            owned.extend(top.ancestors().skip(1).map(|p| (p.to_path_buf(), "a directory above it")));
            for above in top.ancestors().skip(1) {
                if let Some(why) = others_can_write(above, false) {
                    bail!(
                        "{} above {} {why}: another user could replace what every kernel runs, so this \
                         kernel does not use the shared cache. Ask the administrator to run `chmod o-w {}` \
                         or to move the cache and the toolchain elsewhere.",
                        above.display(),
                        top.display(),
                        above.display()
                    );
                }
            }
        }
        for (path, what) in owned {
            match owner(&path) {
                Some(uid) if uid != 0 && uid != admin => bail!(
                    "{what} ({}) belongs to user {uid}, who is neither root nor the administrator who owns \
                     the shared cache (user {admin}): that user could change what every kernel runs, so \
                     this kernel does not use it. Ask the administrator to run `chown -R {admin} {}` or to \
                     install again.",
                    path.display(),
                    path.display()
                ),
                _ => {}
            }
        }
        Ok(())
    }

    /// Where the compiled dependencies are (the loader searches it for `libndplay.so`).
    pub fn deps_dir(&self) -> PathBuf {
        self.manifest.slot.join("target").join(&self.manifest.host).join("debug").join("deps")
    }

    /// Whether this binary's kernels can use it: the same ndplay version built it, from this
    /// binary's prelude. The version alone does not say it (it stays 0.1.0 across rebuilds):
    /// a rebuilt kernel whose prelude changed would link cells against the old one, so the
    /// prelude's directory, named by the hash of its sources, must be this binary's.
    pub fn fits_this_kernel(&self) -> bool {
        let own_prelude = format!("prelude-{}", super::prelude::HASH);
        self.manifest.version == env!("CARGO_PKG_VERSION")
            && self.manifest.prelude.file_name().is_some_and(|n| n == own_prelude.as_str())
            && self.manifest.prelude.join(".complete").exists()
    }

    /// The cache directory whose build the install records (`slot` and `prelude` in it).
    pub fn write_manifest(root: &Path, manifest: &Manifest) -> Result<()> {
        let path = root.join(MANIFEST);
        std::fs::write(&path, serde_json::to_vec_pretty(manifest)?)
            .with_context(|| format!("writing {}", path.display()))
    }
}

/// The owner of `path` itself (a link is not followed), if it can be looked at.
fn owner(path: &Path) -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    std::fs::symlink_metadata(path).ok().map(|m| m.uid())
}

/// The files directly in `dir` (none if it cannot be listed).
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_file()).collect()
}

/// Checks that this process can read `path` (and list it, if a directory), naming it and
/// saying what to do when it cannot.
pub fn readable(path: &Path, what: &str) -> Result<()> {
    let result = if path.is_dir() { std::fs::read_dir(path).map(drop) } else { std::fs::File::open(path).map(drop) };
    result.map_err(|e| denied(path, what, &e))
}

fn denied(path: &Path, what: &str, e: &std::io::Error) -> anyhow::Error {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let user = std::env::var("USER").unwrap_or_else(|_| format!("uid {}", unsafe { libc::geteuid() }));
    if e.kind() == std::io::ErrorKind::NotFound {
        // Not a permission problem: a toolchain removed or updated under the cache, or the
        // cache deleted, since the install.
        return anyhow::anyhow!(
            "{what} ({}) does not exist (for {user}): the toolchain the shared cache was built with was \
             removed or updated, or the cache was deleted. The administrator must run `ndplay install \
             --sys-prefix --shared-cache DIR` again, with a Rust toolchain every user can read.",
            path.display()
        );
    }
    anyhow::anyhow!(
        "{what} ({}) cannot be read by {user}: {e}. On a shared server every student's kernel reads \
         it: the administrator must make it and every directory above it readable by all users \
         (e.g. `chmod -R a+rX` on the shared cache, and Rust installed outside /root, such as \
         RUSTUP_HOME=/opt/rustup), then run `ndplay install --sys-prefix --shared-cache DIR` again.",
        path.display()
    )
}

/// Why `path` is not readable by every user, judged from the mode bits of it and of every
/// directory above it; `None` when it is. The install refuses a toolchain or cache that
/// only its owner can read, before the students find out one kernel at a time.
pub fn not_world_readable(path: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    for (i, p) in path.ancestors().enumerate() {
        let Ok(meta) = std::fs::metadata(p) else { return Some(format!("{} does not exist", p.display())) };
        let mode = meta.permissions().mode();
        let need = if meta.is_dir() { 0o005 } else { 0o004 };
        // The path itself must be readable; the directories above it only searchable.
        let need = if i == 0 { need } else { 0o001 };
        if mode & need != need {
            return Some(format!(
                "{} is mode {:o}: other users cannot {}",
                p.display(),
                mode & 0o777,
                if i == 0 { "read it" } else { "enter it" }
            ));
        }
    }
    None
}

/// How users other than `path`'s owner could change it, from its mode bits: world-writable,
/// or group-writable when `group_too`; `None` when they cannot. A directory with the sticky
/// bit (`/tmp`) lets others add entries but not replace the owner's, so it is not counted.
pub fn others_can_write(path: &Path, group_too: bool) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).ok()?;
    let mode = meta.permissions().mode();
    write_bits_of_others(mode, meta.is_dir(), group_too).then(|| {
        format!(
            "is mode {:o}: writable by {}",
            mode & 0o7777,
            if mode & 0o002 != 0 { "every user" } else { "its group" }
        )
    })
}

fn write_bits_of_others(mode: u32, is_dir: bool, group_too: bool) -> bool {
    let sticky = is_dir && mode & 0o1000 != 0;
    !sticky && (mode & 0o002 != 0 || (group_too && mode & 0o020 != 0))
}

/// Makes the shared cache read-only for everyone but its owner, and readable by all.
pub fn publish(root: &Path) -> Result<()> {
    let status = std::process::Command::new("chmod")
        .args(["-R", "u+rwX,go+rX,go-w"])
        .arg(root)
        .status()
        .context("running chmod")?;
    if !status.success() {
        bail!("chmod -R on {} failed", root.display());
    }
    Ok(())
}

/// The recorded rustc arguments and environment, made to build into `slot` (a user's own)
/// instead of the shared slot they were recorded in. Only the output directory and the
/// manifest directory move; the dependencies stay where they were built, read-only.
pub fn relocate(
    args: &[String],
    env: &[(String, String)],
    slot: &Path,
    target: &str,
) -> (Vec<String>, Vec<(String, String)>) {
    let out_dir = slot.join("target").join(target).join("debug").join("deps");
    let mut out = Vec::with_capacity(args.len());
    let mut i = 0;
    while i < args.len() {
        if args[i] == "--out-dir" && i + 1 < args.len() {
            out.push("--out-dir".to_string());
            out.push(out_dir.display().to_string());
            i += 2;
            continue;
        }
        if args[i].starts_with("--out-dir=") {
            out.push(format!("--out-dir={}", out_dir.display()));
        } else {
            out.push(args[i].clone());
        }
        i += 1;
    }
    let env =
        env.iter()
            .map(|(k, v)| {
                if k == "CARGO_MANIFEST_DIR" {
                    (k.clone(), slot.display().to_string())
                } else {
                    (k.clone(), v.clone())
                }
            })
            .collect();
    (out, env)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ndplay-shared-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn only_the_output_and_manifest_directories_move() {
        let args: Vec<String> = [
            "--crate-name",
            "cell",
            "--out-dir",
            "/s/slot-0/target/h/debug/deps",
            "-L",
            "dependency=/s/slot-0/target/h/debug/deps",
            "--extern",
            "ndplay=/s/slot-0/target/h/debug/deps/libndplay.so",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let env = vec![
            ("CARGO_MANIFEST_DIR".to_string(), "/s/slot-0".to_string()),
            ("CARGO_PKG_NAME".to_string(), "cell".to_string()),
        ];
        let (a, e) = relocate(&args, &env, Path::new("/home/ann/.cache/ndplay/sessions/slot-2"), "h");
        assert_eq!(a[3], "/home/ann/.cache/ndplay/sessions/slot-2/target/h/debug/deps");
        assert_eq!(a[5], "dependency=/s/slot-0/target/h/debug/deps", "dependencies stay shared");
        assert_eq!(a[7], "ndplay=/s/slot-0/target/h/debug/deps/libndplay.so");
        assert_eq!(e[0].1, "/home/ann/.cache/ndplay/sessions/slot-2");
        assert_eq!(e[1].1, "cell");
    }

    #[test]
    fn a_path_under_a_private_directory_is_not_world_readable() {
        let root = temp("modes");
        let private = root.join("private");
        std::fs::create_dir_all(private.join("tool")).unwrap();
        std::fs::write(private.join("tool/rustc"), "x").unwrap();
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(private.join("tool"), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(private.join("tool/rustc"), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o700)).unwrap();
        let why = not_world_readable(&private.join("tool/rustc")).unwrap();
        assert!(why.contains("private is mode 700: other users cannot enter it"), "{why}");
        std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o711)).unwrap();
        // temp_dir itself (/tmp) is world-searchable, so only the file's own bits decide.
        assert_eq!(not_world_readable(&private.join("tool/rustc")), None);
        std::fs::set_permissions(private.join("tool/rustc"), std::fs::Permissions::from_mode(0o700)).unwrap();
        assert!(not_world_readable(&private.join("tool/rustc")).unwrap().contains("cannot read it"));
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn write_bits_of_others_count_unless_the_directory_is_sticky() {
        assert!(!write_bits_of_others(0o755, true, true));
        assert!(!write_bits_of_others(0o644, false, true));
        assert!(write_bits_of_others(0o666, false, false), "world-writable");
        assert!(write_bits_of_others(0o775, true, true), "group-writable, for the cache's own");
        assert!(!write_bits_of_others(0o775, true, false), "a toolchain's admin group may write it");
        assert!(!write_bits_of_others(0o1777, true, true), "sticky, like /tmp");
        assert!(write_bits_of_others(0o1777, false, true), "the sticky bit means nothing on a file");
    }

    #[test]
    fn a_cache_another_user_could_change_is_refused_and_says_what_to_run() {
        let root = temp("writable");
        let sysroot = root.join("rust");
        let slot = root.join("sessions/slot-0");
        let prelude = root.join("prelude-x");
        let deps = slot.join("target/h/debug/deps");
        std::fs::create_dir_all(sysroot.join("bin")).unwrap();
        std::fs::create_dir_all(sysroot.join("lib/rustlib/h/lib")).unwrap();
        std::fs::write(sysroot.join("bin/rustc"), "x").unwrap();
        std::fs::create_dir_all(prelude.join("src")).unwrap();
        std::fs::write(prelude.join("src/lib.rs"), "").unwrap();
        std::fs::create_dir_all(&deps).unwrap();
        std::fs::write(deps.join("libndplay.so"), "").unwrap();
        std::fs::write(slot.join(RECORDED), "{}").unwrap();
        let manifest = Manifest { sysroot: sysroot.clone(), host: "h".into(), slot, prelude, version: "v".into() };
        SharedCache::write_manifest(&root, &manifest).unwrap();
        // As the install leaves it, whatever this process's umask.
        let chmod = |p: &Path, mode| std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
        for dir in [&root, &deps, &manifest.prelude.join("src"), &sysroot] {
            chmod(dir, 0o755);
        }
        for file in [root.join(MANIFEST), manifest.slot.join(RECORDED), deps.join("libndplay.so")] {
            chmod(&file, 0o644);
        }
        chmod(&sysroot.join("bin/rustc"), 0o755);
        assert!(SharedCache::open(&root).is_ok());

        std::fs::set_permissions(deps.join("libndplay.so"), std::fs::Permissions::from_mode(0o664)).unwrap();
        let err = SharedCache::open(&root).unwrap_err().to_string();
        assert!(err.starts_with("the compiled prelude ("), "{err}");
        assert!(err.contains("is mode 664: writable by its group"), "{err}");
        assert!(err.contains(&format!("chmod -R go-w {}", root.display())), "{err}");
        std::fs::set_permissions(deps.join("libndplay.so"), std::fs::Permissions::from_mode(0o644)).unwrap();

        std::fs::set_permissions(sysroot.join("bin/rustc"), std::fs::Permissions::from_mode(0o777)).unwrap();
        let err = SharedCache::open(&root).unwrap_err().to_string();
        assert!(err.starts_with("the Rust compiler (") && err.contains("writable by every user"), "{err}");
        std::fs::set_permissions(sysroot.join("bin/rustc"), std::fs::Permissions::from_mode(0o775)).unwrap();
        assert!(SharedCache::open(&root).is_ok(), "a toolchain group may write it");

        // libstd, which every cell's process loads, and every compiled dependency count too.
        let libstd = sysroot.join("lib/rustlib/h/lib/libstd-x.so");
        std::fs::write(&libstd, "").unwrap();
        chmod(&libstd, 0o666);
        let err = SharedCache::open(&root).unwrap_err().to_string();
        assert!(err.starts_with("a library of the toolchain (") && err.contains("libstd-x.so"), "{err}");
        chmod(&libstd, 0o644);
        let dep = deps.join("libndarray-x.rlib");
        std::fs::write(&dep, "").unwrap();
        chmod(&dep, 0o646);
        let err = SharedCache::open(&root).unwrap_err().to_string();
        assert!(err.starts_with("a compiled dependency (") && err.contains("libndarray-x.rlib"), "{err}");
        chmod(&dep, 0o644);
        assert!(SharedCache::open(&root).is_ok());

        // Owners: only root, or whoever owns the cache, may own what it runs. Another owner
        // can only be made by root (CI runs as root; elsewhere this part cannot be set up).
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } == 0 {
            let chown = |p: &Path, uid: u32| std::os::unix::fs::chown(p, Some(uid), None).unwrap();
            chown(&dep, 54321);
            let err = SharedCache::open(&root).unwrap_err().to_string();
            assert!(err.contains("belongs to user 54321, who is neither root nor the administrator"), "{err}");
            chown(&dep, 0);
            chown(&sysroot.join("bin"), 54321);
            let err = SharedCache::open(&root).unwrap_err().to_string();
            assert!(err.starts_with("the toolchain's bin (") && err.contains("user 54321"), "{err}");
            chown(&sysroot.join("bin"), 0);
            assert!(SharedCache::open(&root).is_ok());
        }
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_cache_of_another_prelude_does_not_fit() {
        let root = temp("otherprelude");
        let cache = |prelude: &str| {
            let prelude = root.join(prelude);
            std::fs::create_dir_all(&prelude).unwrap();
            std::fs::write(prelude.join(".complete"), "").unwrap();
            SharedCache {
                root: root.clone(),
                manifest: Manifest {
                    sysroot: root.join("rust"),
                    host: "h".into(),
                    slot: root.join("sessions/slot-0"),
                    prelude,
                    version: env!("CARGO_PKG_VERSION").into(),
                },
            }
        };
        assert!(!cache("prelude-0123456789abcdef").fits_this_kernel(), "a rebuilt kernel's prelude differs");
        assert!(cache(&format!("prelude-{}", super::super::prelude::HASH)).fits_this_kernel());
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_directory_without_a_manifest_says_how_to_make_one() {
        let root = temp("nomanifest");
        let err = SharedCache::open(&root).unwrap_err().to_string();
        assert!(err.contains("ndplay install --sys-prefix --shared-cache"), "{err}");
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_missing_toolchain_is_named() {
        let root = temp("notool");
        let manifest = Manifest {
            sysroot: root.join("no-such-toolchain"),
            host: "h".into(),
            slot: root.join("sessions/slot-0"),
            prelude: root.join("prelude-x"),
            version: env!("CARGO_PKG_VERSION").into(),
        };
        SharedCache::write_manifest(&root, &manifest).unwrap();
        let err = SharedCache::open(&root).unwrap_err().to_string();
        assert!(err.starts_with("the Rust compiler ("), "{err}");
        assert!(err.contains("does not exist") && !err.contains("cannot be read"), "not a permission problem: {err}");
        assert!(err.contains("no-such-toolchain/bin/rustc"), "{err}");
        std::fs::remove_dir_all(&root).unwrap();
    }
}
