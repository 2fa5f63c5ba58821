//! The compiled-cell cache: a cell rustc has compiled before, from the same source, with
//! the same rustc, flags and dependencies, is loaded instead of compiled again.
//!
//! "Restart and Run All", `ndplay check`, nbval in CI and a class running one lesson all
//! compile the same cells. What a cell's library is depends only on what rustc is given, so
//! that is the key (see [`Fingerprint`]): the generated source whole (the cell, the kept
//! items, the types of the variables it takes from the store: all written into it), `rustc
//! -vV` and the path of rustc, its arguments, the `CARGO_*` and `RUSTC_*` variables it
//! sees, and the bytes of every `--extern` library (the prelude: a changed prelude is a
//! different file, hence a different key). Paths that only say where files are (`--out-
//! dir`, `-L`, an extern's path, the build slot) are left out, so that every build slot of
//! a user, and every student of a shared server, finds the same entries; what is at those
//! paths is in the key through the externs' bytes (the dependencies' own hashes are in
//! their metadata).
//!
//! A stale library cannot be served: an entry is found by the key and then compared with
//! the source in full, and the library's SHA-256 is checked before it is used. What rustc
//! reads from outside the key is never cached: cells with `include!`-like macros, `env!`,
//! out-of-line modules, and sessions with `:dep` crates (their procedural macros may read
//! anything). Compile errors are kept too, for the same reason libraries are: rustc's
//! answer to the same question is the same.
//!
//! Entries: `<root>/<key>/{source.rs, lib.so, meta.json}` or `{source.rs, errors.json}`,
//! written into a temporary directory and renamed, so that a reader sees a whole entry or
//! none. A user's own root is in their private cache (`cells-v1`); an administrator's
//! shared cache may hold another root, read-only, filled by `ndplay install --shared-cache
//! … --notebooks` (see `crate::install`). The own root is kept under a size limit, least
//! recently used first out.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread::JoinHandle;
use std::time::SystemTime;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::log;

/// The directory of entries, under a user's cache or a shared cache. The version in the
/// name changes whenever what an entry means does.
pub const CELLS_DIR: &str = "cells-v1";

/// `NDPLAY_CELL_CACHE=0`: every cell compiled (the benchmark's compile rows, and tests of
/// compiling itself).
pub const ENABLE_VAR: &str = "NDPLAY_CELL_CACHE";
/// `NDPLAY_CELL_CACHE_DIR`: where entries are written instead of the user's own cache (the
/// install fills a shared cache's root this way).
pub const DIR_VAR: &str = "NDPLAY_CELL_CACHE_DIR";
/// `NDPLAY_CELL_CACHE_MB`: the own root's size limit.
const LIMIT_VAR: &str = "NDPLAY_CELL_CACHE_MB";
/// The default limit: at ~60 KB a library, some thousands of cells.
const DEFAULT_LIMIT_MB: u64 = 512;

const SOURCE: &str = "source.rs";
const LIBRARY: &str = "lib.so";
const META: &str = "meta.json";
const ERRORS: &str = "errors.json";

/// What an entry holds.
pub enum Hit {
    /// The library, copied to the path asked for, and the warnings rustc gave with it.
    Library { warnings: Vec<Value> },
    /// rustc's error diagnostics.
    Errors(Vec<Value>),
}

/// Everything of a compiler that decides a library, besides the source; hashed.
enum Fingerprint {
    /// Being computed (hashing the prelude takes tens of milliseconds: not on the way of
    /// the engine's start).
    Pending(JoinHandle<Result<String, String>>),
    /// The hash, or why this compiler's cells are not cached.
    Ready(Result<String, String>),
}

/// The cache as one compiler uses it.
pub struct CellCache {
    /// Read and written: the user's own root (or [`DIR_VAR`]).
    own: Option<PathBuf>,
    /// Read only: a shared cache's root.
    shared: Option<PathBuf>,
    fingerprint: Fingerprint,
    /// Whether the reason for not caching was logged already.
    told: bool,
}

impl CellCache {
    /// The cache for cells compiled by `rustc args` with `env`, in the user's cache
    /// `own_cache` (its [`CELLS_DIR`] is used) and, read-only, `shared_root`'s.
    pub fn new(
        own_cache: Option<&Path>,
        shared_root: Option<&Path>,
        rustc: &Path,
        args: &[String],
        env: &[(String, String)],
    ) -> CellCache {
        let own = match std::env::var_os(DIR_VAR) {
            Some(dir) => Some(PathBuf::from(dir)),
            None => own_cache.map(|c| c.join(CELLS_DIR)),
        };
        let shared = shared_root.map(|r| r.join(CELLS_DIR)).filter(|dir| usable_shared(dir));
        let fingerprint = if !enabled() {
            Fingerprint::Ready(Err(format!("{ENABLE_VAR}=0")))
        } else {
            let (rustc, args, env) = (rustc.to_path_buf(), args.to_vec(), env.to_vec());
            match std::thread::Builder::new()
                .name("ndplay-fingerprint".into())
                .spawn(move || fingerprint(&rustc, &args, &env))
            {
                Ok(handle) => Fingerprint::Pending(handle),
                Err(e) => Fingerprint::Ready(Err(format!("no thread to hash the compiler: {e}"))),
            }
        };
        if let Some(own) = &own {
            let own = own.clone();
            let _ = std::thread::Builder::new().name("ndplay-cache-prune".into()).spawn(move || prune(&own, limit()));
        }
        CellCache { own, shared, fingerprint, told: false }
    }

    /// A cache that never holds anything.
    pub fn disabled(why: &str) -> CellCache {
        CellCache { own: None, shared: None, fingerprint: Fingerprint::Ready(Err(why.to_string())), told: true }
    }

    /// The key of `source`, or `None` when it is not cached (said once in the log).
    fn key(&mut self, source: &str) -> Option<String> {
        if let Fingerprint::Pending(_) = self.fingerprint {
            let Fingerprint::Pending(handle) =
                std::mem::replace(&mut self.fingerprint, Fingerprint::Ready(Err(String::new())))
            else {
                unreachable!()
            };
            let result = handle.join().unwrap_or_else(|_| Err("hashing the compiler panicked".to_string()));
            self.fingerprint = Fingerprint::Ready(result);
        }
        let Fingerprint::Ready(fingerprint) = &self.fingerprint else { return None };
        match fingerprint {
            Ok(f) => {
                if let Some(why) = not_cacheable(source) {
                    log!("cell cache: not this cell ({why})");
                    return None;
                }
                Some(hex(&Sha256::new().chain_update(f.as_bytes()).chain_update(b"\n").chain_update(source).finalize()))
            }
            Err(why) => {
                if !self.told && !why.is_empty() {
                    log!("cell cache: off for this build ({why})");
                    self.told = true;
                }
                None
            }
        }
    }

    /// The entry for `source`, if one is cached: a library is copied to `library` (a fresh
    /// path: the loader keeps every library it opened, and a hard link would be the same
    /// file to it).
    pub fn lookup(&mut self, source: &str, library: &Path) -> Option<Hit> {
        let key = self.key(source)?;
        for (root, own) in [(self.own.as_ref(), true), (self.shared.as_ref(), false)] {
            let Some(root) = root else { continue };
            let entry = root.join(&key);
            match read_entry(&entry, source, library) {
                Ok(Some(hit)) => {
                    if own {
                        // Recently used: the last to be pruned.
                        let _ = std::fs::File::open(entry.join(SOURCE)).and_then(|f| f.set_modified(SystemTime::now()));
                    }
                    log!("cell cache: hit {} in {}", &key[..12], root.display());
                    return Some(hit);
                }
                Ok(None) => {}
                Err(e) => log!("cell cache: entry {} unusable ({e}); compiling", entry.display()),
            }
        }
        None
    }

    /// Keeps the library rustc built from `source` (at `library`) with its warnings.
    pub fn store_library(&mut self, source: &str, library: &Path, warnings: &[Value]) {
        let Some(key) = self.key(source) else { return };
        let result = std::fs::read(library).map_err(|e| e.to_string()).and_then(|bytes| {
            let meta = serde_json::json!({ "sha256": hex(&Sha256::digest(&bytes)), "warnings": warnings });
            self.write_entry(&key, source, &[(LIBRARY, &bytes), (META, meta.to_string().as_bytes())])
        });
        if let Err(e) = result {
            log!("cell cache: could not keep cell {}: {e}", &key[..12]);
        }
    }

    /// Keeps rustc's errors for `source`.
    pub fn store_errors(&mut self, source: &str, errors: &[Value]) {
        let Some(key) = self.key(source) else { return };
        let text = Value::Array(errors.to_vec()).to_string();
        if let Err(e) = self.write_entry(&key, source, &[(ERRORS, text.as_bytes())]) {
            log!("cell cache: could not keep errors of cell {}: {e}", &key[..12]);
        }
    }

    fn write_entry(&self, key: &str, source: &str, files: &[(&str, &[u8])]) -> Result<(), String> {
        let Some(root) = &self.own else { return Ok(()) };
        let entry = root.join(key);
        if entry.exists() {
            return Ok(());
        }
        std::fs::create_dir_all(root).map_err(|e| format!("creating {}: {e}", root.display()))?;
        let nanos = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let temp = root.join(format!(".tmp-{}-{nanos}", std::process::id()));
        let written = (|| -> std::io::Result<()> {
            std::fs::create_dir(&temp)?;
            for (name, bytes) in std::iter::once((SOURCE, source.as_bytes())).chain(files.iter().copied()) {
                let mut f = std::fs::File::create(temp.join(name))?;
                f.write_all(bytes)?;
                f.sync_all()?;
            }
            std::fs::rename(&temp, &entry)
        })();
        if written.is_err() {
            let _ = std::fs::remove_dir_all(&temp);
            // Another kernel kept the same cell first: theirs is as good.
            if entry.join(SOURCE).exists() {
                return Ok(());
            }
        }
        written.map_err(|e| e.to_string())
    }
}

/// Reads the entry at `entry` for `source`: `Ok(None)` when there is none; an error when
/// there is one that cannot be used (another source under the key, a damaged library).
fn read_entry(entry: &Path, source: &str, library: &Path) -> Result<Option<Hit>, String> {
    let stored = match std::fs::read(entry.join(SOURCE)) {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    if stored != source.as_bytes() {
        return Err("its source is another cell's".to_string());
    }
    if let Ok(errors) = std::fs::read(entry.join(ERRORS)) {
        return match serde_json::from_slice::<Value>(&errors) {
            Ok(Value::Array(errors)) if !errors.is_empty() => Ok(Some(Hit::Errors(errors))),
            _ => Err("its errors cannot be read".to_string()),
        };
    }
    let meta: Value = serde_json::from_slice(&std::fs::read(entry.join(META)).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    let bytes = std::fs::read(entry.join(LIBRARY)).map_err(|e| e.to_string())?;
    if meta["sha256"].as_str() != Some(hex(&Sha256::digest(&bytes)).as_str()) {
        return Err("its library is damaged (the checksum differs)".to_string());
    }
    std::fs::write(library, &bytes).map_err(|e| format!("writing {}: {e}", library.display()))?;
    let warnings = meta["warnings"].as_array().cloned().unwrap_or_default();
    Ok(Some(Hit::Library { warnings }))
}

/// The compiler's part of every key: see the module's notes. `Err` says why this compiler's
/// cells are not cached.
fn fingerprint(rustc: &Path, args: &[String], env: &[(String, String)]) -> Result<String, String> {
    let started = std::time::Instant::now();
    let version =
        Command::new(rustc).arg("-vV").output().map_err(|e| format!("running {} -vV: {e}", rustc.display()))?;
    if !version.status.success() {
        return Err(format!("{} -vV failed", rustc.display()));
    }
    let mut h = Sha256::new();
    let mut field = |s: &[u8]| {
        h.update((s.len() as u64).to_le_bytes());
        h.update(s);
    };
    field(rustc.as_os_str().as_encoded_bytes());
    field(&version.stdout);
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        let next = args.get(i + 1).map(String::as_str);
        match (a, next) {
            // Where files are, not what they are.
            ("--out-dir" | "-L", Some(_)) => i += 2,
            ("--extern", Some(spec)) => {
                let (name, path) = spec.split_once('=').ok_or_else(|| format!("--extern {spec} names no file"))?;
                if name != "ndplay" {
                    return Err(format!("the session has a `:dep` crate ({name})"));
                }
                let bytes = std::fs::read(path).map_err(|e| format!("reading {path}: {e}"))?;
                field(b"--extern");
                field(name.as_bytes());
                field(&Sha256::digest(&bytes));
                i += 2;
            }
            _ if a.starts_with("--out-dir=") || (a.starts_with("-L") && a.len() > 2) => i += 1,
            _ if a.starts_with("--extern") => return Err(format!("an --extern the cache cannot read: {a}")),
            _ => {
                field(a.as_bytes());
                i += 1;
            }
        }
    }
    for (k, v) in env {
        // Cells that could read it (`env!`) are not cached.
        if k != "CARGO_MANIFEST_DIR" {
            field(k.as_bytes());
            field(v.as_bytes());
        }
    }
    // rustc inherits the kernel's environment: `RUSTC_BOOTSTRAP` turns `#![feature]` on,
    // and a cell compiled with it must not be loaded by a kernel without it.
    let mut inherited: Vec<(String, String)> =
        std::env::vars().filter(|(k, _)| k.starts_with("RUSTC_") && k != "RUSTC_WRAPPER").collect();
    inherited.sort();
    for (k, v) in inherited {
        field(k.as_bytes());
        field(v.as_bytes());
    }
    let f = hex(&h.finalize());
    log!("cell cache: compiler {} (hashed in {:.0} ms)", &f[..12], started.elapsed().as_secs_f64() * 1e3);
    Ok(f)
}

/// Why rustc may read something for `source` that the key does not hold.
fn not_cacheable(source: &str) -> Option<&'static str> {
    for (needle, why) in [
        ("include!", "include!"),
        ("include_str!", "include_str!"),
        ("include_bytes!", "include_bytes!"),
        ("env!", "env!"),
        ("#[path", "#[path]"),
    ] {
        if source.contains(needle) {
            return Some(why);
        }
    }
    // `mod name;` reads src/name.rs.
    let out_of_line = source.split(';').any(|stmt| {
        let words: Vec<&str> = stmt.split_whitespace().collect();
        words.len() >= 2 && words[words.len() - 2] == "mod" && is_identifier(words[words.len() - 1])
    });
    out_of_line.then_some("a `mod name;` declaration")
}

fn is_identifier(s: &str) -> bool {
    let s = s.strip_prefix("r#").unwrap_or(s);
    s.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_alphanumeric() || c == '_')
}

fn enabled() -> bool {
    !matches!(std::env::var(ENABLE_VAR).as_deref(), Ok("0") | Ok("false") | Ok("no"))
}

fn limit() -> u64 {
    std::env::var(LIMIT_VAR).ok().and_then(|v| v.parse().ok()).unwrap_or(DEFAULT_LIMIT_MB) << 20
}

/// A shared root is used only if it belongs to root or to the shared cache's owner (the
/// administrator), and no one else can write it: anyone else could put a library there that
/// every student's kernel would load. (Its entries are made read-only for others by the
/// install, which wrote them.)
fn usable_shared(dir: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(meta) = std::fs::symlink_metadata(dir) else { return false };
    let admin = dir.parent().and_then(|p| std::fs::metadata(p).ok()).map(|m| m.uid());
    let why = if !meta.is_dir() {
        Some("is not a directory".to_string())
    } else if meta.uid() != 0 && Some(meta.uid()) != admin {
        Some(format!("belongs to user {}, not to the shared cache's owner", meta.uid()))
    } else {
        super::shared::others_can_write(dir, true)
    };
    match why {
        None => true,
        Some(why) => {
            log!("cell cache: not using the shared {}: it {why}", dir.display());
            false
        }
    }
}

/// Removes the least recently used entries of `root` until it is under 80% of `limit`
/// bytes, when it is over; and temporary directories a killed kernel left.
fn prune(root: &Path, limit: u64) {
    let Ok(dirs) = std::fs::read_dir(root) else { return };
    let mut entries = Vec::new();
    let mut total = 0;
    for d in dirs.flatten() {
        let path = d.path();
        let name = d.file_name();
        if name.to_string_lossy().starts_with(".tmp-") {
            // Older than an hour: no compile takes that long to be kept.
            let old = d.metadata().and_then(|m| m.modified()).ok().and_then(|m| m.elapsed().ok());
            if old.is_some_and(|age| age.as_secs() > 3600) {
                let _ = std::fs::remove_dir_all(&path);
            }
            continue;
        }
        let used = std::fs::metadata(path.join(SOURCE)).and_then(|m| m.modified()).unwrap_or(SystemTime::UNIX_EPOCH);
        let size: u64 = std::fs::read_dir(&path)
            .map(|files| files.flatten().filter_map(|f| f.metadata().ok()).map(|m| m.len()).sum())
            .unwrap_or(0);
        total += size;
        entries.push((used, size, path));
    }
    if total <= limit {
        return;
    }
    entries.sort();
    let mut removed = 0;
    for (_, size, path) in entries {
        if total <= limit / 10 * 8 {
            break;
        }
        if std::fs::remove_dir_all(&path).is_ok() {
            total -= size;
            removed += 1;
        }
    }
    log!("cell cache: removed {removed} least recently used entries of {}", root.display());
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ndplay-cell-cache-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// A compiler whose "rustc" is `/bin/echo` (it answers `-vV`) and whose prelude is
    /// `prelude` (a file standing for libndplay.so).
    fn args(prelude: &Path, out: &str, flags: &[&str]) -> Vec<String> {
        let mut a: Vec<String> = ["--crate-name", "cell", "--out-dir", out, "-L", &format!("dependency={out}")]
            .iter()
            .map(|s| s.to_string())
            .collect();
        a.extend(["--extern".to_string(), format!("ndplay={}", prelude.display())]);
        a.extend(flags.iter().map(|s| s.to_string()));
        a
    }

    fn cache(dir: &Path, args: &[String]) -> CellCache {
        let mut c = CellCache::new(Some(dir), None, Path::new("/bin/echo"), args, &[]);
        c.own = Some(dir.join(CELLS_DIR));
        c
    }

    fn fp(args: &[String]) -> String {
        fingerprint(Path::new("/bin/echo"), args, &[]).unwrap()
    }

    #[test]
    fn the_key_follows_the_prelude_bytes_and_the_flags_but_not_where_files_are() {
        let dir = temp("key");
        let prelude = dir.join("libndplay.so");
        std::fs::write(&prelude, b"prelude one").unwrap();
        let base = fp(&args(&prelude, "/slot-0/deps", &[]));
        assert_eq!(base, fp(&args(&prelude, "/slot-7/deps", &[])), "another slot is the same compiler");
        assert_ne!(base, fp(&args(&prelude, "/slot-0/deps", &["-C", "opt-level=2"])), "flags changed");
        std::fs::write(&prelude, b"prelude two").unwrap();
        assert_ne!(base, fp(&args(&prelude, "/slot-0/deps", &[])), "the prelude changed");
        let env = [("CARGO_PKG_NAME".to_string(), "other".to_string())];
        assert_ne!(
            fp(&args(&prelude, "/s", &[])),
            fingerprint(Path::new("/bin/echo"), &args(&prelude, "/s", &[]), &env).unwrap()
        );
        assert_ne!(
            fp(&args(&prelude, "/s", &[])),
            fingerprint(Path::new("/bin/true"), &args(&prelude, "/s", &[]), &[]).unwrap_or_default()
        );
    }

    #[test]
    fn a_dep_crate_turns_the_cache_off() {
        let dir = temp("dep");
        let prelude = dir.join("libndplay.so");
        std::fs::write(&prelude, b"p").unwrap();
        let mut a = args(&prelude, "/s", &[]);
        a.extend(["--extern".to_string(), format!("serde={}", prelude.display())]);
        assert!(fingerprint(Path::new("/bin/echo"), &a, &[]).unwrap_err().contains("serde"));
    }

    #[test]
    fn a_library_comes_back_byte_for_byte_with_its_warnings_and_only_for_its_source() {
        let dir = temp("hit");
        let prelude = dir.join("libndplay.so");
        std::fs::write(&prelude, b"p").unwrap();
        let built = dir.join("built.so");
        std::fs::write(&built, b"\x7fELF library").unwrap();
        let warnings = vec![serde_json::json!({"message": "probe"})];
        let mut c = cache(&dir, &args(&prelude, "/s", &[]));
        let out = dir.join("cell-1.so");
        assert!(c.lookup("fn a() {}", &out).is_none());
        c.store_library("fn a() {}", &built, &warnings);
        match c.lookup("fn a() {}", &out) {
            Some(Hit::Library { warnings: w }) => assert_eq!(w, warnings),
            _ => panic!("no hit"),
        }
        assert_eq!(std::fs::read(&out).unwrap(), b"\x7fELF library");
        assert!(c.lookup("fn a() { }", &dir.join("cell-2.so")).is_none(), "one space more is another cell");
        // Another compiler (the prelude rebuilt) does not see it.
        std::fs::write(&prelude, b"p2").unwrap();
        let mut other = cache(&dir, &args(&prelude, "/s", &[]));
        assert!(other.lookup("fn a() {}", &dir.join("cell-3.so")).is_none());
    }

    #[test]
    fn a_damaged_library_or_a_colliding_source_is_not_used() {
        let dir = temp("damaged");
        let prelude = dir.join("libndplay.so");
        std::fs::write(&prelude, b"p").unwrap();
        let built = dir.join("built.so");
        std::fs::write(&built, b"library").unwrap();
        let mut c = cache(&dir, &args(&prelude, "/s", &[]));
        c.store_library("cell", &built, &[]);
        let key = c.key("cell").unwrap();
        let entry = dir.join(CELLS_DIR).join(&key);
        std::fs::write(entry.join(LIBRARY), b"librarz").unwrap();
        assert!(c.lookup("cell", &dir.join("x.so")).is_none());
        std::fs::write(entry.join(LIBRARY), b"library").unwrap();
        std::fs::write(entry.join(SOURCE), b"another cell").unwrap();
        assert!(c.lookup("cell", &dir.join("y.so")).is_none());
    }

    #[test]
    fn errors_are_kept_and_cells_reading_outside_the_key_are_not() {
        let dir = temp("errors");
        let prelude = dir.join("libndplay.so");
        std::fs::write(&prelude, b"p").unwrap();
        let mut c = cache(&dir, &args(&prelude, "/s", &[]));
        let errors = vec![serde_json::json!({"level": "error", "message": "E0308"})];
        c.store_errors("let x: u8 = 1.0;", &errors);
        assert!(matches!(c.lookup("let x: u8 = 1.0;", &dir.join("z.so")), Some(Hit::Errors(e)) if e == errors));
        for cell in [
            "const S: &str = include_str!(\"data.csv\");",
            "let v = env!(\"HOME\");",
            "let v = option_env!(\"HOME\");",
            "mod helpers;",
            "pub(crate) mod helpers ;",
        ] {
            assert!(not_cacheable(cell).is_some(), "{cell}");
            c.store_errors(cell, &errors);
            assert!(c.lookup(cell, &dir.join("w.so")).is_none(), "{cell}");
        }
        assert!(not_cacheable("mod tests { fn a() {} }").is_none());
        assert!(not_cacheable("let model = 1; let m = model;").is_none());
    }

    #[test]
    fn pruning_keeps_the_recently_used() {
        let dir = temp("prune");
        for (i, age) in [(0, 300), (1, 200), (2, 100)] {
            let e = dir.join(format!("e{i}"));
            std::fs::create_dir_all(&e).unwrap();
            std::fs::write(e.join(LIBRARY), vec![0u8; 1000]).unwrap();
            std::fs::write(e.join(SOURCE), b"s").unwrap();
            let t = SystemTime::now() - std::time::Duration::from_secs(age);
            std::fs::File::open(e.join(SOURCE)).unwrap().set_modified(t).unwrap();
        }
        prune(&dir, 2500);
        assert!(!dir.join("e0").exists() && !dir.join("e1").exists(), "the two oldest go (3003 > 2500, then to 2000)");
        assert!(dir.join("e2").exists());
    }
}
