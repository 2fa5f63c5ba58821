//! What a student does to a running session besides running cells: moving a widget in the
//! browser, and typing into a cell that asks for input.
//!
//! **Widget events.** A frontend's `comm_msg` becomes one `event` command to the process
//! that runs cells (see [`super::process::child_side`]): the prelude's widgets keep their state and the
//! closures of `interact` there, already compiled, so a move runs code without compiling
//! anything. It runs like a short cell: under a snapshot (a panic is an error in that
//! widget's output area; an endless loop is interrupted like a cell, and the snapshot from
//! before the move takes over with every variable and widget), with its outputs going to
//! the sink of the frontend's message. If the process has to start afresh, its widgets are
//! gone; the core closes their comms and says so (see `crate::core::shell`).
//!
//! **Input.** The prelude's `input()` asks on stdout and reads the answer from its standard
//! input, which is a pipe of the runner's; a cell that reads `std::io::stdin()` itself is
//! seen waiting on that pipe and served the same way (see [`super::process::kernel_side`]). Either way the
//! question goes to the sink, which asks the notebook when its request allows stdin.

use std::sync::Arc;

use serde_json::json;

use super::process::kernel_side::RunEnd;
use super::process::limits::ChildKiller;
use super::report::{explain_termination, panic_error};
use super::RustEngine;
use crate::core::engine::{CellError, CommEvent, ErrorKind, NoAnswer, Outcome, OutputSink};
use crate::engine::style::{ERROR, RESET};

/// The function a run asks with: the sink's stdin, given up on an interrupt.
pub fn asker(
    sink: Arc<dyn OutputSink>,
    killer: Arc<ChildKiller>,
) -> impl FnMut(&str, bool) -> Result<String, NoAnswer> {
    move |prompt, password| sink.input(prompt, password, &|| killer.is_interrupted())
}

/// The error of a cell stopped because it read standard input no one can answer.
pub fn stdin_refused(reason: NoAnswer) -> CellError {
    CellError::new(
        ErrorKind::Other,
        "StdinError",
        "the cell reads standard input, and no one can answer",
        vec![
            format!("{ERROR}StdinError{RESET}: the cell was stopped while it read standard input (std::io::stdin())."),
            reason.to_string(),
            "In a notebook, ask with input(\"prompt\") (or password(\"prompt\")): it shows a box to type into.".into(),
            "The variables of earlier cells are kept; this cell's own changes are undone.".into(),
        ],
    )
}

impl RustEngine {
    /// Hands a frontend's comm message to the widgets in the process that runs cells.
    pub(super) fn widget_event(
        &mut self,
        comm_id: &str,
        event: CommEvent<'_>,
        route: &str,
        sink: Arc<dyn OutputSink>,
    ) -> Outcome {
        let message = match event {
            CommEvent::Msg(data) => json!({ "comm_id": comm_id, "route": route, "data": data }),
            CommEvent::Close => json!({ "comm_id": comm_id, "close": true }),
        };
        self.killer.clear_interrupt();
        self.forwarder.attach(sink.clone());
        let mut refuse = |_: &str, _: bool| Err(NoAnswer::InWidget);
        let ran = self.runner.event(&message.to_string(), &mut refuse);
        let end = self.forwarder.fence(matches!(ran, Ok(RunEnd::Done)));
        match ran {
            Err(e) => Outcome::Error(super::report::internal_error(&format!(
                "the widget's message could not be passed on: {e}"
            ))),
            Ok(RunEnd::Done) => match (end.panic, end.load_failed) {
                (_, Some(why)) => Outcome::Error(super::report::internal_error(&format!(
                    "the widget's message could not be handled: {why}"
                ))),
                (Some(p), None) => Outcome::Error(panic_error(&p, None, &[])),
                (None, None) => Outcome::Ok { result: None },
            },
            Ok(RunEnd::Died { exit, resumed }) => {
                let interrupted = self.killer.take_interrupt();
                if !resumed {
                    self.lose_variables();
                }
                Outcome::Error(widget_died(&exit.to_string(), interrupted, resumed))
            }
            Ok(RunEnd::DiedBefore { exit }) => {
                self.lose_variables();
                Outcome::Error(widget_died(&exit.to_string(), false, false))
            }
        }
    }
}

/// The process died while a widget's closure ran.
fn widget_died(how: &str, interrupted: bool, resumed: bool) -> CellError {
    let (ename, what) = if interrupted {
        ("Interrupted", "the widget's closure was interrupted".to_string())
    } else {
        ("WidgetCrashed", format!("the widget's closure ended its process with {}", explain_termination(how)))
    };
    let after = if resumed {
        "Nothing was lost: the session goes on from just before this move, and the widgets keep working."
    } else {
        "The process that runs cells started afresh: the variables and widgets of earlier cells are gone. \
Run their cells again (:restore replays them)."
    };
    CellError::new(
        if interrupted { ErrorKind::Interrupted } else { ErrorKind::Crashed },
        ename,
        what.clone(),
        vec![format!("{ERROR}{ename}{RESET}: {what}."), after.to_string()],
    )
}
