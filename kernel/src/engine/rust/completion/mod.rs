//! Tab and Shift+Tab.
//!
//! - [`analysis`]: which question goes where, and the answers in Jupyter's terms;
//! - [`completion_index`]: the index of the prelude's and ndarray's API built at install;
//! - [`rank`]: the learner-first order of its offers;
//! - [`type_key`]: a type as one key, however rustc or a cell wrote it;
//! - [`analysis_server`]: the kernel's handle on `ndplay-analysis`, rust-analyzer in a
//!   process of its own, for what the index cannot answer.

pub mod analysis;
pub mod analysis_server;
pub mod completion_index;
pub mod rank;
pub mod type_key;
