//! A cell between its text and the compiler: what the kernel writes around it, and what
//! the session keeps from one cell to the next.
//!
//! - [`rewrite`]: what the kernel inserts into the cell's own text (the final value's
//!   display, each `?`), with the map back to the text as typed;
//! - [`codegen`]: the cell as the source of a library, with a map back to the cell;
//! - [`state`]: what the session keeps between cells (items, variables and their types);
//! - [`plan`]: which variables a cell takes, keeps and probes, and how that changes after
//!   rustc disagreed with the kernel's own lines.

pub mod codegen;
pub mod plan;
pub mod rewrite;
pub mod state;
