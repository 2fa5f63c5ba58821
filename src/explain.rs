//! Explainers: why two shapes do or do not broadcast ([`explain_broadcast`]), and the
//! shape algebra of `dot` ([`explain_dot`]).
//!
//! Both work on shapes only, so they can be built for any operands (even ones whose
//! operation would panic) and never panic themselves. Each returns a displayable value
//! with an SVG picture and a `text/plain` summary that says the same in words. Each has a
//! file of its own (`explain/broadcast.rs`, `explain/dot.rs`); their items are all here.

mod broadcast;
mod dot;

pub use broadcast::{explain_broadcast, AxisVerdict, BroadcastExplanation};
pub use dot::{explain_dot, DotExplanation};
