//! The spare kernel: a warm engine waiting for Jupyter to ask for a kernel.
//!
//! Starting an engine takes a second or two on a 2-core machine when the cache is warm
//! (cargo checks the dependencies, the process that runs cells starts, a first cell
//! compiles; docs/performance.md), and minutes when it is not. A student's first array
//! should take half a second, and a spare costs little (an idle one holds about 10 MB).
//! So the work is done before anyone asks: a *spare* (`ndplay spare`, a detached process) starts
//! an engine and waits on a Unix socket in the cache directory. When Jupyter launches
//! `ndplay kernel -f conn.json`, that process (the *launcher*) hands the connection file
//! and its working directory to the spare, which binds the kernel's sockets and becomes
//! the kernel. The launcher stays alive as the process Jupyter watches:
//!
//! - launcher killed (Jupyter's shutdown, a crash) → the spare sees the socket close and
//!   exits, so no kernel outlives its launcher;
//! - adopted kernel exits (`shutdown_request`) → the launcher sees the socket close and
//!   exits 0;
//! - SIGINT to the launcher (Ctrl-C in `jupyter console`) → forwarded as an interrupt.
//!
//! Without a spare (the first kernel after a reboot, `NDPLAY_SPARE=0`, a different kernel
//! binary) the launcher starts its own engine as before. Every kernel whose engine is ready,
//! and `ndplay install`, start the next spare — after a delay and in a pause between cells,
//! so that the student's cells do not compete with it for the CPU. An unused spare exits after an hour
//! (`NDPLAY_SPARE_MINUTES`).
//!
//! What a spare cannot take from the launcher is its environment: variables set for the
//! kernel after the spare started are not seen by cells. The working directory is taken,
//! for the kernel and for the child that runs cells.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::core::engine::{Engine, Interrupter};
use crate::engine::rust::build::slot::try_lock;
use crate::engine::rust::{build::prelude, RustEngine};
use crate::log;
use crate::{server, wire};

/// How long the next spare waits after a kernel's engine is ready.
const START_DELAY: Duration = Duration::from_secs(20);
/// How long a launcher waits for a spare to bind the kernel's sockets.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_MINUTES: u64 = 60;
/// How long the kernel must have run no request before it starts the next spare.
const QUIET: Duration = Duration::from_secs(5);
/// How often a waiting spare looks whether the machine still has memory for it.
const MEMORY_CHECK: Duration = Duration::from_secs(10);

/// The launcher's request.
#[derive(Serialize, Deserialize)]
struct Request {
    connection_file: PathBuf,
    allow_unsigned: bool,
    cwd: PathBuf,
}

/// The spare's answer: it is now the kernel (`adopted`), or why not.
#[derive(Serialize, Deserialize)]
struct Reply {
    adopted: bool,
    pid: u32,
    error: Option<String>,
}

pub fn enabled() -> bool {
    !matches!(std::env::var("NDPLAY_SPARE").as_deref(), Ok("0") | Ok("false") | Ok("no"))
}

/// The spare's socket. Named after this binary, so that a rebuilt kernel never adopts a
/// spare running the old code.
pub fn socket_path() -> Option<PathBuf> {
    let exe = std::fs::metadata(std::env::current_exe().ok()?).ok()?;
    use std::os::unix::fs::MetadataExt;
    let id = format!("{:x}-{:x}-{:x}", exe.ino(), exe.size(), exe.mtime_nsec() ^ exe.mtime());
    // No safe cache, no spare: its socket receives the notebook's connection key.
    let path = prelude::cache_root().ok()?.join(format!("spare-{id}.sock"));
    // A Unix socket path must fit in sockaddr_un (108 bytes on Linux).
    (path.as_os_str().len() < 100).then_some(path)
}

/// The spare's log: it has no terminal, and after adoption this is the kernel's log.
pub fn log_path() -> PathBuf {
    // Without a safe cache no spare starts; this only names where its log would be.
    prelude::cache_root().unwrap_or_default().join("spare.log")
}

/// Launcher side: hands the kernel to a waiting spare and then proxies for it until it
/// exits. Returns the exit status for this process, or `None` when there is no spare to
/// adopt (the caller then starts a kernel itself).
pub fn adopt(connection_file: &Path, allow_unsigned: bool) -> Option<i32> {
    if !enabled() {
        return None;
    }
    let mut stream = UnixStream::connect(socket_path()?).ok()?;
    let request = Request {
        connection_file: std::path::absolute(connection_file).ok()?,
        allow_unsigned,
        cwd: std::env::current_dir().ok()?,
    };
    stream.set_read_timeout(Some(HANDSHAKE_TIMEOUT)).ok()?;
    writeln!(stream, "{}", serde_json::to_string(&request).ok()?).ok()?;
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let reply: Reply = serde_json::from_str(&line).ok()?;
    if !reply.adopted {
        log!("the spare kernel could not take over ({}); starting one here", reply.error.unwrap_or_default());
        return None;
    }
    log!("kernel started from a warm spare (pid {}; its log: {})", reply.pid, log_path().display());
    stream.set_read_timeout(None).ok()?;
    forward_sigint(stream.try_clone().ok()?);
    // Wait for the adopted kernel to end: the socket closes when its process exits.
    let mut rest = Vec::new();
    let _ = std::io::Read::read_to_end(&mut reader, &mut rest);
    Some(0)
}

/// Ctrl-C in a terminal reaches the launcher, not the spare (which has its own session).
fn forward_sigint(mut stream: UnixStream) {
    // SAFETY: sigset_t is plain data, initialised by sigemptyset before use; blocking
    // SIGINT here (before any other thread starts) lets the thread below take it with
    // sigwait instead of a handler.
    let set = unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        set
    };
    std::thread::spawn(move || loop {
        let mut signal = 0;
        // SAFETY: `set` is a valid signal set; sigwait writes one int.
        if unsafe { libc::sigwait(&set, &mut signal) } != 0 {
            return;
        }
        if writeln!(stream, "interrupt").is_err() {
            return;
        }
    });
}

/// Whether spares are enabled and possible here (the socket path fits), and the machine
/// has the memory for one ([`crate::spare_budget`]).
fn wanted() -> bool {
    enabled() && socket_path().is_some() && crate::spare_budget::affordable()
}

/// Starts a spare in the background (detached, logging to [`log_path`]), unless spares are
/// disabled. Returns at once.
pub fn start() {
    if !wanted() {
        return;
    }
    if let Err(e) = spawn_spare() {
        log!("could not start a spare kernel: {e:#}");
    }
}

/// After a kernel's engine is ready: the next spare, once the first cells are through and
/// the student pauses. Compiling a spare takes both cores of a small machine for 10–15 s;
/// started while cells run, it would slow each of them about twice.
pub fn start_next() {
    if !wanted() {
        return;
    }
    let seconds = std::env::var("NDPLAY_SPARE_DELAY").ok().and_then(|s| s.parse().ok());
    let delay = seconds.map_or(START_DELAY, Duration::from_secs);
    let ready = Instant::now();
    std::thread::spawn(move || {
        std::thread::sleep(delay);
        while crate::core::SHELL_ACTIVITY.quiet_for(ready).is_none_or(|quiet| quiet < QUIET) {
            std::thread::sleep(Duration::from_millis(500));
        }
        start();
    });
}

fn spawn_spare() -> Result<()> {
    use std::os::unix::process::CommandExt;
    // 0600: the log names the student's cells (see `crate::log::to_file`).
    let log = std::os::unix::fs::OpenOptionsExt::mode(std::fs::OpenOptions::new().create(true).append(true), 0o600)
        .open(log_path())?;
    let mut command = std::process::Command::new(std::env::current_exe()?);
    command
        .arg("spare")
        .stdin(std::process::Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        // Jupyter signals and kills the launcher's process group; the spare must not be in it.
        .process_group(0);
    let child = command.spawn()?;
    // Reap it whenever it ends, so it never lingers as a zombie of this kernel.
    std::thread::spawn(move || {
        let mut child = child;
        let _ = child.wait();
    });
    Ok(())
}

/// `ndplay spare`: start an engine, wait to be adopted, then run as the kernel.
pub fn run_spare() -> Result<()> {
    let Some(path) = socket_path() else { return Ok(()) };
    std::fs::create_dir_all(path.parent().unwrap())?;
    // One spare per binary: the lock is held until this spare is adopted or gives up.
    let Some(lock) = try_lock(&path.with_extension("lock"))? else {
        return Ok(()); // another spare is already waiting
    };
    let started = Instant::now();
    // The spare's own lines, timed from its start.
    let said = move |s: &str| log_since(started, s);
    said("starting the engine");
    let mut engine = start_engine_politely(started)?;
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path).with_context(|| format!("binding {}", path.display()))?;
    // Whoever hands a spare a connection file gets a kernel that runs code as this user:
    // only this user may connect (and see `same_user` below for the check on each peer).
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    listener.set_nonblocking(true)?;
    said(&format!("ready; waiting on {}", path.display()));
    let minutes = std::env::var("NDPLAY_SPARE_MINUTES").ok().and_then(|s| s.parse().ok()).unwrap_or(DEFAULT_MINUTES);
    let deadline = Instant::now() + Duration::from_secs(minutes * 60);
    let mut next_memory_check = Instant::now() + MEMORY_CHECK;
    loop {
        // Give up when unused for long, or when the cache (and the socket) was removed.
        if Instant::now() > deadline || !path.exists() {
            said("not needed; exiting");
            let _ = std::fs::remove_file(&path);
            return Ok(());
        }
        // ... or when the machine runs short of memory (a class's spares leave first).
        if Instant::now() > next_memory_check {
            next_memory_check = Instant::now() + MEMORY_CHECK;
            if !crate::spare_budget::affordable() {
                said("the machine is short of memory (NDPLAY_SPARE_MIN_AVAILABLE); exiting");
                let _ = std::fs::remove_file(&path);
                return Ok(());
            }
        }
        let stream = match listener.accept() {
            Ok((stream, _)) => stream,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(20));
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        stream.set_nonblocking(false)?;
        if !same_user(&stream) {
            said("refused a connection from another user");
            continue;
        }
        match take_over(stream, &mut engine, &said) {
            Ok(Adopted { stream, info, connection_file }) => {
                // From here on this process is the kernel: the next spare is someone else's.
                let _ = std::fs::remove_file(&path);
                drop(listener);
                drop(lock);
                return serve_adopted(&connection_file, info, engine, stream);
            }
            Err(e) => said(&format!("a launcher connected but was not served: {e:#}")),
        }
    }
}

/// A line of the spare's log (its stderr is [`log_path`]), timed from the spare's start.
fn log_since(started: Instant, line: &str) {
    eprintln!("ndplay spare {}: [{:>5.2}s] {line}", std::process::id(), started.elapsed().as_secs_f64());
}

/// Whether the process at the other end of `stream` runs as this process's user.
fn same_user(stream: &UnixStream) -> bool {
    use std::os::fd::AsRawFd;
    // SAFETY: getsockopt writes at most `len` bytes into `cred`, a plain-data struct.
    unsafe {
        let mut cred: libc::ucred = std::mem::zeroed();
        let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
        let ok = libc::getsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        ) == 0;
        ok && cred.uid == libc::geteuid()
    }
}

/// Starts the engine on a thread of low priority (nice 10). On Linux the nice value
/// belongs to the thread and is inherited by the threads and processes it starts: the
/// spare's cargo, rustc and rust-analyzer then yield the CPU to a student's cells in
/// another kernel, while this process's other threads, which will run the adopted kernel
/// and spawn its cell builds, keep normal priority. (An unprivileged process could never
/// raise its priority back after adoption, so the whole process must not be niced.) The
/// child that runs cells is started here too and keeps nice 10 until it restarts; that
/// only matters while something else competes for the CPU.
fn start_engine_politely(started: Instant) -> Result<RustEngine> {
    let log = move |s: &str| log_since(started, s);
    std::thread::Builder::new()
        .name("ndplay-spare-start".into())
        .spawn(move || {
            // SAFETY: setpriority and gettid have no memory-safety preconditions; a
            // failure (not permitted) leaves the priority as it was.
            unsafe {
                libc::setpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t, 10);
            }
            RustEngine::start(&log).context("starting the spare's engine")
        })?
        .join()
        .map_err(|_| anyhow::anyhow!("the spare's engine start panicked"))?
}

struct Adopted {
    stream: UnixStream,
    info: jupyter_protocol::ConnectionInfo,
    connection_file: std::path::PathBuf,
}

fn take_over(mut stream: UnixStream, engine: &mut RustEngine, said: &dyn Fn(&str)) -> Result<Adopted> {
    stream.set_read_timeout(Some(HANDSHAKE_TIMEOUT))?;
    let mut line = String::new();
    BufReader::new(stream.try_clone()?).read_line(&mut line)?;
    let request: Request = serde_json::from_str(&line).context("reading the launcher's request")?;
    let prepared = wire::load_connection_file(&request.connection_file, request.allow_unsigned)
        .and_then(|info| engine.change_directory(&request.cwd).map(|()| info));
    let info = match prepared {
        Ok(info) => info,
        Err(e) => {
            refuse(&mut stream, &e);
            return Err(e);
        }
    };
    said(&format!("adopted for {} in {}", request.connection_file.display(), request.cwd.display()));
    stream.set_read_timeout(None)?;
    Ok(Adopted { stream, info, connection_file: request.connection_file })
}

/// An adopted spare: binds the kernel's sockets, tells the launcher, and runs as its
/// kernel until shutdown.
fn serve_adopted(
    connection_file: &std::path::Path,
    info: jupyter_protocol::ConnectionInfo,
    engine: RustEngine,
    mut launcher: UnixStream,
) -> Result<()> {
    server::runtime()?.block_on(async move {
        let bound = wire::bind(&info)
            .await
            .and_then(|wire| wire::record_ports(connection_file, &info, &wire.info).map(|()| wire));
        let wire = match bound {
            Ok(wire) => wire,
            Err(e) => {
                refuse(&mut launcher, &e);
                return Err(e);
            }
        };
        confirm(&mut launcher)?;
        let engine: Box<dyn Engine> = Box::new(engine);
        watch_launcher(launcher, engine.interrupter());
        server::interrupt_on_sigint(engine.interrupter());
        start_next();
        server::serve(wire, move || engine).await
    })?;
    std::process::exit(0);
}

/// Tells the launcher that this process is its kernel, once the sockets are bound.
fn confirm(stream: &mut UnixStream) -> Result<()> {
    let reply = Reply { adopted: true, pid: std::process::id(), error: None };
    writeln!(stream, "{}", serde_json::to_string(&reply)?)?;
    Ok(())
}

/// Refuses the launcher after all (e.g. its ports could not be bound); it starts a kernel
/// itself, which reports the problem in its own words.
fn refuse(stream: &mut UnixStream, error: &anyhow::Error) {
    let reply = Reply { adopted: false, pid: std::process::id(), error: Some(format!("{error:#}")) };
    let _ = writeln!(stream, "{}", serde_json::to_string(&reply).unwrap_or_default());
}

/// Adopted kernel side: interrupts from the launcher, and the end of this kernel when the
/// launcher goes away.
fn watch_launcher(stream: UnixStream, interrupter: std::sync::Arc<dyn Interrupter>) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            match line.as_deref() {
                Ok("interrupt") => interrupter.interrupt(),
                Ok(_) => {}
                Err(_) => break,
            }
        }
        log!("the process Jupyter started for this kernel has gone; exiting");
        interrupter.shutdown();
        std::process::exit(0);
    });
}
