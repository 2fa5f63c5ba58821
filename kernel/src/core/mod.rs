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

pub mod engine;
pub mod handlers;
pub mod history;
pub mod is_complete;
mod kernel;

pub use kernel::{run, KernelInfo, SHELL_ACTIVITY};
