//! The wire layer: connection file, the five ZeroMQ sockets, framing and signatures.
//!
//! It knows nothing about Rust or about what a message means: it hands authenticated,
//! typed [`jupyter_protocol::JupyterMessage`]s up to the protocol core and sends the core's
//! messages out, signed. Heartbeat is answered here, on its own task, so that it keeps
//! beating whatever the rest of the kernel is doing.

pub mod codec;
pub mod connection;
pub mod sockets;

pub use codec::{Signer, WireError};
pub use connection::load_connection_file;
pub use sockets::{bind, Outbox, Route, Wire};
