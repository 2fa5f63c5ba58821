//! What the kernel knows of Rust's syntax without a compiler: pure functions on a cell's
//! text, used by the protocol core (is the cell complete?) and by the engine (where is the
//! final expression, which operands does an arithmetic expression have?).
//!
//! - [`is_complete`]: a small lexer that answers `is_complete_request`;
//! - [`cell`]: a cell parsed as a function body with rust-analyzer's parser
//!   (`ra_ap_syntax`).

pub mod cell;
pub mod is_complete;
