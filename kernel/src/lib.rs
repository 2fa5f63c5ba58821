//! The ndplay Jupyter kernel.
//!
//! Three layers, each depending only on the one below it:
//!
//! - [`wire`]: connection file, ZeroMQ sockets, framing, HMAC signatures. The only code
//!   that knows about frames and keys.
//! - [`core`]: the protocol — typed requests, busy/idle, parents, execution count,
//!   history, aborting — talking to evaluation only through the [`core::engine::Engine`]
//!   trait.
//! - [`engine`]: implementations of that trait: the Rust engine for real cells, a mock for
//!   tests.
//!
//! Beside them: [`server`] runs a kernel process (wire + core + engine); [`spare`] keeps a
//! warm kernel waiting and hands it to the process Jupyter starts, while the machine has
//! memory for it ([`spare_budget`]); [`install`] writes the
//! kernelspec and warms the build cache; [`notebook`] runs and checks notebooks through
//! the core (`ndplay check`, `ndplay run`); [`syntax`] is what the kernel knows of Rust's
//! syntax without a compiler; [`log`] is the one logger; [`parent`] ends a kernel whose
//! Jupyter process is gone. The rendering of arrays is not
//! here at all: it lives in the `ndplay` prelude crate, which runs inside the cells'
//! process and talks to the kernel through stdout (see [`engine::rust::output`]).

pub mod core;
pub mod engine;
#[doc(hidden)]
pub mod fuzzing;
pub mod install;
pub mod log;
pub mod notebook;
pub mod parent;
pub mod server;
pub mod spare;
pub mod spare_budget;
pub mod syntax;
pub mod wire;
