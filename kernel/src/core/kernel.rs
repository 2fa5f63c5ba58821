//! The two loops of the core and the state they share.

use std::sync::Arc;
use std::time::Duration;

use jupyter_protocol::{JupyterMessage, Status};
use tokio::sync::mpsc;

use super::control::control_reply;
use super::engine::{Engine, Interrupter};
use super::replies::{aborted_reply, KernelInfo};
use super::shell::{EngineSlot, Shell};
use crate::wire::{Outbox, Route, Wire};

/// Whether the shell thread is handling a request, and since when it has been quiet. The
/// spare starter (`crate::spare`) waits for a quiet spell, so that compiling the next spare
/// does not slow the cells a student is running.
pub static SHELL_ACTIVITY: Activity = Activity { state: std::sync::Mutex::new((false, None)) };

pub struct Activity {
    /// (busy, when the last request ended)
    state: std::sync::Mutex<(bool, Option<std::time::Instant>)>,
}

impl Activity {
    fn set_busy(&self, busy: bool) {
        if let Ok(mut s) = self.state.lock() {
            *s = (busy, if busy { s.1 } else { Some(std::time::Instant::now()) });
        }
    }

    /// How long no request has been running (`None` while one runs). Before the first
    /// request, measured from `start`.
    pub fn quiet_for(&self, start: std::time::Instant) -> Option<Duration> {
        let s = self.state.lock().ok()?;
        (!s.0).then(|| s.1.unwrap_or(start).elapsed())
    }
}

/// Runs the kernel until a shutdown request. `make_engine` runs on the shell thread, so a
/// slow engine start (compiling the prelude) never delays kernel_info or the heartbeat.
pub async fn run<F>(wire: Wire, info: KernelInfo, make_engine: F) -> anyhow::Result<()>
where
    F: FnOnce() -> Box<dyn Engine> + Send + 'static,
{
    let Wire { shell, control, stdin, outbox, .. } = wire;
    let stdin = Arc::new(std::sync::Mutex::new(stdin));
    let info = Arc::new(info);
    // The engine's interrupter is only known once the engine exists on the shell thread.
    let (interrupter_tx, interrupter_rx) = tokio::sync::oneshot::channel::<Arc<dyn Interrupter>>();

    // `starting` is published once, before any request is answered.
    outbox.send(Route::IoPub, JupyterMessage::new(Status::starting(), None));

    // The engine starts on its own thread: kernel_info, is_complete and history are
    // answered at once while the prelude loads; requests that need the engine wait for it.
    let (engine_tx, engine_rx) = std::sync::mpsc::channel::<Box<dyn Engine>>();
    std::thread::Builder::new().name("ndplay-engine-start".into()).spawn(move || {
        let engine = make_engine();
        let _ = interrupter_tx.send(engine.interrupter());
        let _ = engine_tx.send(engine);
    })?;
    let shell_outbox = outbox.clone();
    let shell_info = info.clone();
    let shell_thread = std::thread::Builder::new()
        .name("ndplay-shell".into())
        .spawn(move || shell_loop(shell, shell_outbox, EngineSlot::Starting(engine_rx), shell_info, stdin))?;

    control_loop(control, outbox, info, interrupter_rx).await;
    drop(shell_thread); // the process exits; the shell thread is not joined mid-cell
    Ok(())
}

fn shell_loop(
    mut inbox: mpsc::Receiver<JupyterMessage>,
    outbox: Outbox,
    engine: EngineSlot,
    info: Arc<KernelInfo>,
    stdin: super::shell::Stdin,
) {
    let mut shell = Shell::new(engine, outbox.clone(), info).with_stdin(stdin);
    while let Some(request) = inbox.blocking_recv() {
        let mut queued = Vec::new();
        // Called by an execute that failed with stop_on_error, just before its reply goes
        // out: what is queued now was sent behind the failing cell, while what arrives
        // after the reply comes from a client that has seen the error, and runs.
        let mut take_queue = || {
            while let Ok(m) = inbox.try_recv() {
                queued.push(m);
            }
        };
        SHELL_ACTIVITY.set_busy(true);
        with_status(&outbox, &request, || shell.handle_shell(&request, &mut take_queue));
        abort(queued, &outbox);
        SHELL_ACTIVITY.set_busy(!inbox.is_empty());
    }
}

/// Requests queued behind a failed cell are answered `aborted` without running, as
/// IPython does: a notebook's "run all" must not run the cells below the failing one
/// against half-made state.
fn abort(queued: Vec<JupyterMessage>, outbox: &Outbox) {
    for request in queued {
        with_status(outbox, &request, || {
            if let Some(reply) = aborted_reply(&request) {
                outbox.send(Route::Shell, reply);
            }
        });
    }
}

/// Publishes busy, runs `handle`, publishes idle — for every request, whatever happens.
fn with_status<T>(outbox: &Outbox, request: &JupyterMessage, handle: impl FnOnce() -> T) -> T {
    outbox.send(Route::IoPub, JupyterMessage::new(Status::busy(), Some(request)));
    let handled = handle();
    outbox.send(Route::IoPub, JupyterMessage::new(Status::idle(), Some(request)));
    handled
}

async fn control_loop(
    mut inbox: mpsc::Receiver<JupyterMessage>,
    outbox: Outbox,
    info: Arc<KernelInfo>,
    interrupter: tokio::sync::oneshot::Receiver<Arc<dyn Interrupter>>,
) {
    let mut interrupter = Some(interrupter);
    let mut known: Option<Arc<dyn Interrupter>> = None;
    while let Some(request) = inbox.recv().await {
        if known.is_none() {
            if let Some(mut rx) = interrupter.take() {
                match rx.try_recv() {
                    Ok(i) => known = Some(i),
                    Err(_) => interrupter = Some(rx),
                }
            }
        }
        let mut shutdown = false;
        with_status(&outbox, &request, || {
            let (reply, is_shutdown) = control_reply(&request, &info, known.as_deref());
            shutdown = is_shutdown;
            if let Some(reply) = reply {
                outbox.send(Route::Control, reply);
            }
        });
        if shutdown {
            if let Some(i) = &known {
                i.shutdown();
            }
            // Give the send tasks a moment to flush the reply and the idle status.
            tokio::time::sleep(Duration::from_millis(100)).await;
            return;
        }
    }
}
