//! A kernel in this process, for `ndplay check` and `ndplay run`: the protocol core's
//! [`Shell`] with a Rust engine, fed `execute_request`s directly and read back through an
//! in-process outbox. Cells therefore produce exactly the messages a notebook frontend
//! gets from the real kernel (the core's one translation of a cell's outcome), with no
//! sockets and no Python.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};
use jupyter_protocol::{ExecuteRequest, JupyterMessage, JupyterMessageContent};
use tokio::sync::mpsc::UnboundedReceiver;

use super::outputs::Event;
use crate::core::shell::{EngineSlot, Shell};
use crate::core::KernelInfo;
use crate::engine::rust::RustEngine;
use crate::wire::Outbox;

/// Runs code cells in one fresh engine, in the notebook's directory.
pub struct NotebookKernel {
    shell: Shell,
    replies: UnboundedReceiver<JupyterMessage>,
    iopub: UnboundedReceiver<JupyterMessage>,
    previous_dir: Option<PathBuf>,
}

impl NotebookKernel {
    pub fn start(notebook: &Path, label: &str) -> Result<NotebookKernel> {
        // nbval starts each notebook's kernel in the notebook's directory: files shipped
        // beside a lesson (a CSV, say) are found by relative paths. The Rust process that
        // runs cells inherits this directory.
        let previous_dir = std::env::current_dir().ok();
        let dir = notebook.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::env::set_current_dir(dir).with_context(|| format!("entering {}", dir.display()))?;
        let started = Instant::now();
        let progress = |step: &str| eprintln!("{label}: [{:>5.1}s] {step}", started.elapsed().as_secs_f64());
        let engine = RustEngine::start(&progress).context("starting the Rust engine")?;
        progress("ready");
        let (outbox, [replies, _control, iopub]) = Outbox::in_process();
        let info = KernelInfo { rustc_version: String::new(), banner: String::new() };
        let shell = Shell::new(EngineSlot::Ready(Box::new(engine)), outbox, Arc::new(info));
        Ok(NotebookKernel { shell, replies, iopub, previous_dir })
    }

    /// Runs one cell as an `execute_request` would; returns its outputs in the order IOPub
    /// carries them, and the execution count it got.
    pub fn execute(&mut self, code: &str) -> (Vec<Event>, Option<u64>) {
        let request = ExecuteRequest { stop_on_error: false, ..ExecuteRequest::new(code.to_string()) };
        let request = JupyterMessage::new(request, None);
        self.shell.handle_shell(&request, &mut || {});
        let mut events = Vec::new();
        while let Ok(message) = self.iopub.try_recv() {
            events.extend(Event::from_iopub(&message.content));
        }
        let mut count = None;
        while let Ok(reply) = self.replies.try_recv() {
            if let JupyterMessageContent::ExecuteReply(r) = reply.content {
                count = Some(r.execution_count.value() as u64);
            }
        }
        (events, count)
    }
}

impl Drop for NotebookKernel {
    fn drop(&mut self) {
        // The engine (and with it the child process) goes with the shell; the directory is
        // given back to the caller.
        if let Some(dir) = &self.previous_dir {
            let _ = std::env::set_current_dir(dir);
        }
    }
}
