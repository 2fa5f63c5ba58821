//! `:restore`: after the process running cells was lost with its variables (a crash or an
//! interrupt that no snapshot could undo, see [`super::process::child_side`]), run again, in order, the
//! cells that had succeeded since the variables were last complete, so that they exist
//! again.

use std::sync::Arc;

use super::RustEngine;
use crate::core::engine::{Outcome, Output, OutputSink};

/// The command that re-runs the cells whose variables were lost with the child process.
pub const RESTORE_COMMAND: &str = ":restore";

/// The cells that succeeded in the current child process, and those of every process lost
/// since the last `:restore` (what it replays).
#[derive(Default)]
pub struct ReplayLog {
    current: Vec<String>,
    lost: Vec<String>,
}

impl ReplayLog {
    /// A cell succeeded in the current process.
    pub fn record(&mut self, code: &str) {
        self.current.push(code.to_string());
    }

    /// The current process died with its variables. Two losses in a row keep the cells of
    /// both: the second process only had what the student ran after the first.
    pub fn child_lost(&mut self) {
        // Cells restored earlier are part of `current` again, so nothing is replayed twice.
        self.lost.append(&mut self.current);
    }

    fn take_lost(&mut self) -> Vec<String> {
        std::mem::take(&mut self.lost)
    }

    /// Cells a `:restore` took but did not bring back (it stopped at a failing one): they
    /// are still to be restored, after whatever was lost meanwhile.
    fn give_back(&mut self, cells: &[String]) {
        self.lost.extend_from_slice(cells);
    }
}

/// The first non-blank line of a cell, shortened: what `:restore` says it is running.
fn first_line(code: &str) -> String {
    let line = code.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
    if line.chars().count() > 60 {
        format!("{}…", line.chars().take(60).collect::<String>())
    } else {
        line.to_string()
    }
}

impl RustEngine {
    /// Runs `:restore`; the replayed cells' output is shown as they run.
    pub(super) fn restore(&mut self, sink: Arc<dyn OutputSink>) -> Outcome {
        let cells = self.replay.take_lost();
        if cells.is_empty() {
            sink.emit(Output::stdout("Nothing to restore: no variables were lost since the last restart.\n"));
            return Outcome::Ok { result: None };
        }
        let total = cells.len();
        for (i, cell) in cells.iter().enumerate() {
            sink.emit(Output::stdout(&format!("[restore {}/{total}] {}\n", i + 1, first_line(cell))));
            if let Outcome::Error(mut e) = self.execute_cell(cell, sink.clone()) {
                // Nothing is forgotten: if the cell took the process down again, the cells
                // restored before it are lost again too; the rest were never run.
                if std::mem::take(&mut self.lost_variables) {
                    self.replay.child_lost();
                }
                self.replay.give_back(&cells[i..]);
                e.traceback.insert(
                    0,
                    format!(
                        "Restoring stopped at cell {}/{total}, which failed this time. Nothing is forgotten: \
                         run `:restore` again once its cause is fixed, and it starts again from there.",
                        i + 1
                    ),
                );
                return Outcome::Error(e);
            }
            self.replay.record(cell);
        }
        let vars = self.variable_names().join(", ");
        sink.emit(Output::stdout(&format!("Restored {total} cells. Variables now: {vars}\n")));
        Outcome::Ok { result: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lost_process_is_replayed_once() {
        let mut log = ReplayLog::default();
        log.record("let a = 1;");
        log.record("let b = 2;");
        log.child_lost();
        log.record("let c = 3;");
        log.child_lost();
        assert_eq!(log.take_lost(), ["let a = 1;", "let b = 2;", "let c = 3;"], "two losses in a row keep both");
        assert!(log.take_lost().is_empty());
    }

    #[test]
    fn a_restore_that_stopped_forgets_nothing() {
        let cells = ["let a = 1;", "let b = a + 1;", "let c = b + 1;"];
        let mut log = ReplayLog::default();
        cells.iter().for_each(|c| log.record(c));
        log.child_lost();
        let taken = log.take_lost();
        // `:restore` brought the first back, then the second took the process down again.
        log.record(&taken[0]);
        log.child_lost();
        log.give_back(&taken[1..]);
        assert_eq!(log.take_lost(), cells, "all three, in order");
        // The second failed without a crash: the first is in the process, the rest to do.
        log.record(&taken[0]);
        log.give_back(&taken[1..]);
        assert_eq!(log.take_lost(), &cells[1..]);
    }

    #[test]
    fn long_first_lines_are_shortened() {
        assert_eq!(first_line("\n  let a = 1;\nlet b = 2;"), "let a = 1;");
        assert_eq!(first_line(&"x".repeat(80)).chars().count(), 61);
    }
}
