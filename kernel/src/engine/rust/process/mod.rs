//! The process that runs cells: one file a side, and what both sides share.
//!
//! - [`kernel_side`]: the kernel's end ([`kernel_side::Runner`]): starting the process,
//!   sending it cells, hearing how each ended, taking its snapshot in when it dies;
//! - [`host`]: everything the kernel's side asks of the system, behind a trait its unit
//!   tests replace with a script;
//! - [`readers`]: the threads that read the process's stdout and stderr into events and
//!   text;
//! - [`sys`]: waiting for and reaping processes, and what `/proc` says of them;
//! - [`child_side`]: the loop inside the process (`ndplay run-cells`): load each cell's
//!   library and call it, under a snapshot;
//! - [`limits`]: the process's limits and signals, set up by one side and obeyed by the
//!   other (memory, interrupts, the directory it follows).
//!
//! The lines the two sides exchange are [`super::channel`]'s.

pub mod child_side;
pub mod host;
pub mod kernel_side;
pub mod limits;
pub mod readers;
pub mod sys;
