//! Implementations of the core's [`crate::core::engine::Engine`] trait.
//!
//! - [`evcxr`]: the real one; compiles and runs Rust cells with the ndplay prelude loaded.
//!   Its directory is the only home of the child process that runs cells.
//! - [`mock`]: a scripted engine that compiles nothing, for fast protocol tests.
//! - [`broken`]: stands in when evcxr could not start, and says why in every cell.

pub mod broken;
pub mod evcxr;
pub mod mock;
