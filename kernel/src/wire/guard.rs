//! The guard: owns the endpoints of the connection file, admits only this user's
//! processes, checks every byte they send against ZMTP's grammar and the size caps
//! ([`super::zmtp`]), and passes the bytes both ways to the `zeromq` socket, which listens
//! on a Unix socket in a directory only this user can enter.
//!
//! One task per public endpoint accepts; one task per admitted connection copies. A
//! refused peer or a stream that breaks the rules loses its connection and leaves a log
//! line; nothing else is disturbed.

use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use jupyter_protocol::{ConnectionInfo, Transport};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, UnixListener, UnixStream};

use super::peer;
use super::zmtp::{Inbound, Refusal};
use crate::log;

/// How much of a peer's stream is read (and checked, and forwarded) at a time.
const CHUNK: usize = 64 * 1024;

/// The private side: a fresh directory, mode 0700, holding the `zeromq` sockets' Unix
/// sockets. Only this user (and root) can connect to a socket inside it.
pub struct Guard {
    dir: PathBuf,
    me: u32,
}

/// The private directory and ipc endpoints, removed when the process exits (a kernel ends
/// with `process::exit`; one that is killed leaves its directory to the next kernel).
static TO_REMOVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

extern "C" fn remove_at_exit() {
    if let Ok(paths) = TO_REMOVE.lock() {
        for path in paths.iter() {
            if std::fs::remove_file(path).is_err() {
                let _ = std::fs::remove_dir_all(path);
            }
        }
    }
}

fn remove_at_exit_later(path: PathBuf) {
    let mut paths = TO_REMOVE.lock().unwrap_or_else(|p| p.into_inner());
    if paths.is_empty() {
        // SAFETY: registers a plain `extern "C" fn()`; atexit has no other preconditions.
        unsafe { libc::atexit(remove_at_exit) };
    }
    paths.push(path);
}

impl Guard {
    /// Makes the private directory: in `$XDG_RUNTIME_DIR` when it is this user's and
    /// closed to others (a tmpfs the session's end clears), else in the temporary directory,
    /// where the sticky bit keeps others from replacing it.
    pub fn new() -> Result<Guard> {
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        let base = std::env::var_os("XDG_RUNTIME_DIR")
            .map(PathBuf::from)
            .filter(|dir| is_private_dir(dir, me))
            .unwrap_or_else(std::env::temp_dir);
        remove_dead_kernels_dirs(&base, me);
        let mut random = [0u8; 8];
        random.copy_from_slice(&uuid::Uuid::new_v4().as_bytes()[..8]);
        let dir = base.join(format!("ndplay-wire-{}-{}", std::process::id(), hex::encode(random)));
        // mkdir fails if anything (a link, another user's directory) is already there.
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .with_context(|| format!("creating the private socket directory {}", dir.display()))?;
        if !is_private_dir(&dir, me) {
            bail!("{} is not a directory only this user can enter", dir.display());
        }
        remove_at_exit_later(dir.clone());
        Ok(Guard { dir, me })
    }

    /// The endpoint the `zeromq` socket for `channel` binds.
    pub fn internal_endpoint(&self, channel: &str) -> String {
        format!("ipc://{}", self.internal_path(channel).display())
    }

    fn internal_path(&self, channel: &str) -> PathBuf {
        self.dir.join(channel)
    }

    /// Listens on the connection file's endpoint for `channel` and starts admitting peers
    /// to the internal socket (which must be bound already). Returns the port it serves:
    /// `port`, or for port 0 the one it chose, as ipykernel does (a free TCP port from the
    /// system; for ipc the lowest number whose `{ip}-{n}` file does not exist).
    pub async fn expose(&self, info: &ConnectionInfo, channel: &'static str, port: u16) -> Result<u16> {
        let internal = self.internal_path(channel);
        match info.transport {
            Transport::TCP => {
                let host = if info.ip == "*" { "0.0.0.0" } else { info.ip.as_str() };
                let endpoint = format!("tcp://{}:{port}", info.ip);
                let listener = TcpListener::bind((host, port)).await.map_err(|e| {
                    let what = format!("binding {channel} to {endpoint}");
                    match e.kind() {
                        // Jupyter picked a free port, and something took it before the
                        // kernel could bind it. jupyter_client keeps the connection file
                        // (and its ports) across restarts; a new kernel gets new ones.
                        io::ErrorKind::AddrInUse => anyhow::Error::new(e).context(format!(
                            "{what}: another program took this port first; shut this kernel \
                             down and start a new one (a restart keeps these ports, a new \
                             kernel gets new ones)"
                        )),
                        _ => anyhow::Error::new(e).context(what),
                    }
                })?;
                let port = listener.local_addr().with_context(|| format!("the port of {endpoint}"))?.port();
                tokio::spawn(accept_tcp(channel, listener, internal, self.me));
                Ok(port)
            }
            Transport::IPC => {
                // jupyter_client's convention: `ip` is a path prefix, the endpoint `{ip}-{port}`.
                // Absolute, so that it is the same file at exit whatever the directory then.
                let cwd = std::env::current_dir().context("the current directory, for the ipc endpoints")?;
                let at = |port: u16| cwd.join(format!("{}-{port}", info.ip));
                let port = match port {
                    0 => (1..=u16::MAX)
                        .find(|&n| std::fs::symlink_metadata(at(n)).is_err())
                        .context("no free ipc endpoint number")?,
                    port => port,
                };
                let path = at(port);
                let endpoint = format!("ipc://{}", path.display());
                remove_stale_socket(&path, self.me)?;
                let listener = UnixListener::bind(&path).with_context(|| format!("binding {channel} to {endpoint}"))?;
                // Peers are checked one by one anyway; the mode keeps others from even
                // connecting. ipykernel leaves it to the umask.
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                    .with_context(|| format!("restricting {}", path.display()))?;
                remove_at_exit_later(path);
                tokio::spawn(accept_unix(channel, listener, internal, self.me));
                Ok(port)
            }
        }
    }
}

/// Removes the private directories of this user's kernels that ended without cleaning up
/// (killed): `ndplay-wire-<pid>-…` whose pid is gone.
fn remove_dead_kernels_dirs(base: &Path, me: u32) {
    let Ok(entries) = std::fs::read_dir(base) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.strip_prefix("ndplay-wire-")).and_then(|n| n.split('-').next())
        else {
            continue;
        };
        let Ok(pid) = pid.parse::<libc::pid_t>() else { continue };
        // SAFETY: signal 0 only asks whether the pid exists; nothing is sent.
        let gone = unsafe { libc::kill(pid, 0) } != 0 && io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH);
        if gone && is_private_dir(&entry.path(), me) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// A directory (not a link) owned by `me` that no one else may enter or write.
fn is_private_dir(dir: &Path, me: u32) -> bool {
    std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir() && m.uid() == me && m.mode() & 0o077 == 0)
}

/// An ipc endpoint left behind by a kernel that died: a socket of this user's, which binding
/// cannot replace. Anything else at that path is an error.
fn remove_stale_socket(path: &Path, me: u32) -> Result<()> {
    use std::os::unix::fs::FileTypeExt;
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("checking {}", path.display())),
        Ok(m) if m.file_type().is_socket() && m.uid() == me => {
            std::fs::remove_file(path).with_context(|| format!("removing the stale socket {}", path.display()))
        }
        Ok(_) => bail!("{} exists and is not a socket of this user's", path.display()),
    }
}

/// Reads of `/proc/net/tcp` under way at once, across the five ports.
static LOOKUPS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

async fn accept_tcp(channel: &'static str, listener: TcpListener, internal: PathBuf, me: u32) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of descriptors, say: wait rather than spin.
                log!("{channel}: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let internal = internal.clone();
        tokio::spawn(async move {
            let local = match stream.local_addr() {
                Ok(local) => local,
                Err(_) => return, // gone already
            };
            // A few lookups at a time: a flood of connections waits as tasks, not as threads.
            let owner = {
                let _permit = LOOKUPS.acquire().await;
                tokio::task::spawn_blocking(move || peer::tcp_owner(peer, local)).await.ok().flatten()
            };
            if let Err(why) = peer::admit_tcp(peer, owner, me) {
                refused(channel, &format!("refused a connection from {peer}: {why}"));
                return;
            }
            let _ = stream.set_nodelay(true);
            relay(channel, stream, &internal, &peer.to_string()).await;
        });
    }
}

async fn accept_unix(channel: &'static str, listener: UnixListener, internal: PathBuf, me: u32) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                log!("{channel}: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let internal = internal.clone();
        tokio::spawn(async move {
            let admitted = match stream.peer_cred() {
                Ok(cred) => peer::admit_unix(cred.uid(), me).map(|()| cred.pid()),
                Err(e) => Err(format!("its credentials are unknown: {e}")),
            };
            match admitted {
                Ok(pid) => {
                    let who = pid.map_or_else(|| "a local process".to_string(), |pid| format!("pid {pid}"));
                    relay(channel, stream, &internal, &who).await
                }
                Err(why) => refused(channel, &format!("refused a connection: {why}")),
            }
        });
    }
}

/// Copies an admitted peer's bytes to the internal socket, checked, and the kernel's back,
/// until either side ends or the peer breaks the rules.
async fn relay(channel: &'static str, client: impl AsyncRead + AsyncWrite, internal: &Path, who: &str) {
    let kernel = match UnixStream::connect(internal).await {
        Ok(kernel) => kernel,
        Err(e) => {
            log!("{channel}: cannot reach the socket for {who}: {e}");
            return;
        }
    };
    let (mut from_client, mut to_client) = tokio::io::split(client);
    let (mut from_kernel, mut to_kernel) = kernel.into_split();
    let inbound = async {
        let mut check = Inbound::default();
        let mut buffer = vec![0u8; CHUNK];
        loop {
            let n = from_client.read(&mut buffer).await.map_err(|_| None)?;
            if n == 0 {
                return Ok::<(), Option<Refusal>>(());
            }
            check.feed(&buffer[..n]).map_err(Some)?;
            to_kernel.write_all(&buffer[..n]).await.map_err(|_| None)?;
        }
    };
    let outbound = async {
        let mut buffer = vec![0u8; CHUNK];
        loop {
            match from_kernel.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    if to_client.write_all(&buffer[..n]).await.is_err() {
                        return;
                    }
                }
            }
        }
    };
    // Whichever side ends first ends the connection; dropping both halves closes both.
    tokio::select! {
        ended = inbound => {
            if let Err(Some(refusal)) = ended {
                refused(channel, &format!("dropped {who}: {refusal}"));
            }
        }
        () = outbound => {}
    }
}

/// Logs a refusal, at most [`REFUSALS_PER_MINUTE`] lines a minute: a peer that connects in
/// a loop must not fill the disk with the kernel's log.
fn refused(channel: &str, what: &str) {
    static WINDOW: AtomicU64 = AtomicU64::new(0);
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let minute = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() / 60);
    if WINDOW.swap(minute, Ordering::Relaxed) != minute {
        let suppressed = COUNT.swap(0, Ordering::Relaxed).saturating_sub(REFUSALS_PER_MINUTE);
        if suppressed > 0 {
            log!("wire: {suppressed} more refusals in the previous minute were not logged");
        }
    }
    if COUNT.fetch_add(1, Ordering::Relaxed) < REFUSALS_PER_MINUTE {
        log!("{channel}: {what}");
    }
}

const REFUSALS_PER_MINUTE: u64 = 20;
