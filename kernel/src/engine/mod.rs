//! Implementations of the core's [`crate::core::engine::Engine`] trait.
//!
//! - [`rust`]: the real one; compiles and runs Rust cells with the ndplay prelude loaded.
//!   Its directory is the only home of the child process that runs cells.
//! - [`mock`]: a scripted engine that compiles nothing, for fast protocol tests.
//! - [`broken`]: stands in when the Rust engine could not start, and says why in every cell.
//! - [`style`]: the colours of an error a student reads, named once.

pub mod broken;
pub mod mock;
pub mod rust;
pub mod style;
