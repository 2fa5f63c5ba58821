//! The wire layer: connection file, the five ZeroMQ sockets, framing and signatures.
//!
//! It knows nothing about Rust or about what a message means: it hands authenticated,
//! typed [`jupyter_protocol::JupyterMessage`]s up to the protocol core and sends the core's
//! messages out, signed. Heartbeat is answered here, on its own task, so that it keeps
//! beating whatever the rest of the kernel is doing.
//!
//! # Who may talk to the kernel
//!
//! On a shared server every student is a local user, and the kernel's ports are open to
//! every process of the machine. So the `zeromq` sockets do not listen on the connection
//! file's endpoints: the guard ([`guard`]) does, and
//! - admits only processes of the kernel's own uid: for TCP it finds the peer's socket in
//!   `/proc/net/tcp`/`tcp6` ([`peer`]); for `"transport": "ipc"` the endpoint files are
//!   `0600` and the peer's credentials are checked as well. Another user's process is
//!   disconnected right after `accept`, before a byte of ZMTP: it cannot crash, read
//!   (IOPub) or even greet the kernel. A peer from another machine (a kernel bound beyond
//!   loopback on purpose) has no line in this machine's table and is let through, where the
//!   key authenticates it as with ipykernel; a loopback peer not found is refused.
//! - follows ZMTP 3's framing of everything an admitted peer sends ([`zmtp`]) and drops
//!   the peer whose greeting or command is malformed or whose message exceeds
//!   [`zmtp::MAX_MESSAGE`] bytes or [`zmtp::MAX_FRAMES`] frames, at the header, before
//!   anything of that size is reserved. The `zeromq` crate (0.6, and 0.7 alike) reserves
//!   whatever length a frame header announces, so 2^44 made the allocation fail and the
//!   process abort; and it slices commands without bounds checks.
//! - copies the checked bytes to the `zeromq` socket, which listens on a Unix socket in a
//!   fresh `0700` directory (in `$XDG_RUNTIME_DIR` when it is private, else the temporary
//!   directory), and copies its bytes back unchanged. An internal TCP port would have been
//!   reachable by every user; the directory is reachable by this user only.
//!
//! # Why a guard and not libzmq
//!
//! ZeroMQ's reference library (the `zmq` crate; what pyzmq and ipykernel use) has a
//! maximum message size, and IPC, but no hook that runs before the handshake with the
//! peer's port, which a TCP peer's uid needs: its ZAP handler sees the peer's IP only, so
//! it cannot tell two local users apart. Keeping the uid check would have meant a proxy
//! in front of libzmq as well, and switching meant a C++ build (Debian's `libzmq3-dev` or
//! a vendored build) and blocking sockets on threads instead of this layer's tasks. The
//! guard needs no new dependency (the `zeromq` crate's `ipc-transport` feature only) and is
//! ~620 lines of our own with their comments (`guard.rs`, `peer.rs`, `zmtp.rs`), the ZMTP
//! rules a pure state machine and the uid lookup a pure function, each with unit tests.
//!
//! It costs one more hop in each direction per message, between tasks of this process.
//! Measured from jupyter_client 8.10 against `--mock-engine`, the kernels before and after
//! in one run, interleaved (10 rounds; 2 cores shared with two builds, load 4–5): a
//! `kernel_info` round trip took 438 µs before and 476 µs after (median of 4000), an
//! execute to its `idle` 960 and 996 µs (median of 2000). A second run gave +32 and
//! +23 µs, a first −44 and −76 µs: about +35 µs a round trip, at this machine's noise.
//! A 20 MB cell's request to reply: 844 and 705 ms (median of 16; noise again).
//! Other users' connections cost the kernel an `accept` and a read of `/proc/net/tcp`.

pub mod codec;
pub mod connection;
mod guard;
pub mod peer;
pub mod sockets;
pub mod zmtp;

pub use codec::{Signer, WireError};
pub use connection::{load_connection_file, record_ports};
pub use sockets::{bind, Outbox, Route, Wire};
