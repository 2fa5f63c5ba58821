//! The protocol core: typed requests in, typed replies and IOPub messages out.
//!
//! The core owns the protocol's bookkeeping so no engine can get it wrong:
//! - every request is wrapped in `status: busy` / `status: idle` with the request as parent;
//! - every reply and IOPub message is built from its request (`JupyterMessage::new(.., Some(parent))`),
//!   so it cannot lose its parent header;
//! - the execution count, `execute_input`, history, and aborting the queue after an error.
//!
//! Two threads run it. The *shell thread* takes shell requests one at a time and is also the
//! engine's thread: evaluation is blocking work, and running it where requests are
//! serialised anyway keeps the engine free of locks. The *control task* answers control
//! requests at any moment, so interrupt and shutdown work while a cell runs.
//!
//! - [`kernel`]: the two loops, busy/idle, aborting the queue;
//! - [`shell`]: one method per shell request ([`shell::Shell`]), and the translation of a
//!   cell's outcome into messages;
//! - [`control`]: the control requests;
//! - [`replies`]: replies both channels build (kernel info, malformed and aborted requests);
//! - [`engine`]: the [`engine::Engine`] trait and the typed outputs and errors it returns;
//! - [`history`]: what `history_request` searches, with [`glob`]'s patterns;
//! - [`comms`]: the open comms (widget models), for `comm_info_request` and restarts.

pub mod comms;
pub mod control;
pub mod engine;
pub mod glob;
pub mod history;
mod kernel;
pub mod replies;
pub mod shell;

pub use kernel::{run, SHELL_ACTIVITY};
pub use replies::KernelInfo;
