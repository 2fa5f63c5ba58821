//! The engine that stands in when the Rust engine could not start (no Rust toolchain, no network for
//! a first build, a full disk…). The kernel stays up and answers every cell with the reason,
//! instead of dying and leaving the student with "kernel restarting" and no explanation.

use std::sync::Arc;

use jupyter_protocol::Media;

use crate::core::engine::{CellError, Completions, Engine, ErrorKind, Interrupter, Outcome, OutputSink};
use crate::engine::style::{ERROR, RESET};
use crate::log;

pub struct BrokenEngine {
    reason: String,
}

struct Nothing;
impl Interrupter for Nothing {
    fn interrupt(&self) {}
}

impl BrokenEngine {
    pub fn new(reason: String) -> Self {
        log!("the Rust evaluator failed to start: {reason}");
        BrokenEngine { reason }
    }
}

impl Engine for BrokenEngine {
    fn execute(&mut self, _code: &str, _sink: Arc<dyn OutputSink>) -> Outcome {
        let mut traceback = vec![format!("{ERROR}The Rust evaluator failed to start{RESET}, so no cell can run:")];
        traceback.extend(self.reason.lines().map(str::to_string));
        traceback.push(String::new());
        traceback.push("Check that `cargo` and `rustc` work in a terminal, then restart the kernel (Kernel ▸ Restart). `ndplay install` rebuilds the cache.".into());
        Outcome::Error(CellError::new(
            ErrorKind::EngineUnavailable,
            "EngineUnavailable",
            format!("the Rust evaluator failed to start: {}", self.reason.lines().next().unwrap_or("")),
            traceback,
        ))
    }
    fn complete(&mut self, _code: &str, cursor: usize) -> Completions {
        Completions { matches: Vec::new(), start: cursor, end: cursor, kinds: Vec::new() }
    }
    fn inspect(&mut self, _code: &str, _cursor: usize) -> Option<Media> {
        None
    }
    fn interrupter(&self) -> Arc<dyn Interrupter> {
        Arc::new(Nothing)
    }
}
