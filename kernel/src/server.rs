//! The kernel process: the wire bound to a connection file, the protocol core running on
//! it, and an engine behind the core.
//!
//! A kernel starts in one of two ways, and both end here: the process Jupyter launched
//! starts its own engine ([`run_kernel`]), or a spare whose engine is already warm is
//! adopted (`crate::spare`, which binds the sockets itself and calls [`serve`]).

use std::path::Path;
use std::sync::{Arc, OnceLock};

use anyhow::Result;
use jupyter_protocol::ConnectionInfo;

use crate::core::engine::{Engine, Interrupter};
use crate::engine::broken::BrokenEngine;
use crate::engine::mock::MockEngine;
use crate::engine::rust::RustEngine;
use crate::log;
use crate::{core, wire};

/// What the kernel evaluates with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineKind {
    Rust,
    /// The scripted engine of protocol tests; compiles nothing.
    Mock,
}

/// Runs a kernel on `info`, read from `connection_file`, with an engine of its own until it
/// is asked to shut down. `engine_ready` runs once the engine has started (the spare
/// starter uses it).
pub fn run_kernel(connection_file: &Path, info: ConnectionInfo, kind: EngineKind, engine_ready: fn()) -> Result<()> {
    runtime()?.block_on(async move {
        let wire = wire::bind(&info).await?;
        wire::record_ports(connection_file, &info, &wire.info)?;
        serve(wire, move || {
            let engine = start_engine(kind, engine_ready);
            let _ = SIGINT_TARGET.set(engine.interrupter());
            engine
        })
        .await
    })?;
    // Cells may still be running on the shell thread: exit without waiting for them.
    std::process::exit(0);
}

/// The runtime every kernel runs on: two workers, for the sockets and the control task.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?)
}

/// Serves the protocol on bound sockets until shutdown. `make_engine` runs on the shell
/// thread, so a slow engine start never delays kernel_info or the heartbeat.
pub async fn serve(wire: wire::Wire, make_engine: impl FnOnce() -> Box<dyn Engine> + Send + 'static) -> Result<()> {
    ignore_sigint();
    let kernel_info = core::KernelInfo { rustc_version: rustc_version(), banner: banner() };
    core::run(wire, kernel_info, make_engine).await
}

/// The running engine's interrupter, for the SIGINT handler.
static SIGINT_TARGET: OnceLock<Arc<dyn Interrupter>> = OnceLock::new();

/// Names the interrupter a SIGINT stops (an adopted spare's engine started before the
/// kernel did).
pub fn interrupt_on_sigint(interrupter: Arc<dyn Interrupter>) {
    let _ = SIGINT_TARGET.set(interrupter);
}

fn start_engine(kind: EngineKind, engine_ready: fn()) -> Box<dyn Engine> {
    match kind {
        EngineKind::Mock => Box::new(MockEngine::default()),
        EngineKind::Rust => {
            let started = std::time::Instant::now();
            let progress = |step: &str| log!("[{:>5.2}s] {step}", started.elapsed().as_secs_f64());
            match RustEngine::start(&progress) {
                Ok(e) => {
                    progress("ready");
                    engine_ready();
                    Box::new(e)
                }
                Err(e) => Box::new(BrokenEngine::new(format!("{e:#}"))),
            }
        }
    }
}

/// Jupyter interrupts kernels with `interrupt_request` (we declare `interrupt_mode:
/// message`), but a terminal's Ctrl-C or a frontend's signal still sends SIGINT to the
/// whole process group. The kernel must survive it; the running cell is stopped instead.
fn ignore_sigint() {
    tokio::spawn(async {
        loop {
            if tokio::signal::ctrl_c().await.is_err() {
                return;
            }
            if let Some(i) = SIGINT_TARGET.get() {
                i.interrupt();
            }
            // After the interrupt: the line says it was taken (a test waits for it).
            log!("SIGINT received; use the interrupt button to stop a cell");
        }
    });
}

fn rustc_version() -> String {
    std::process::Command::new("rustc")
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.split_whitespace().nth(1).map(str::to_string))
        .unwrap_or_else(|| "unknown".into())
}

fn banner() -> String {
    format!(
        "ndplay {} — Rust with ndarray, for learning array programming.\n\
         The prelude is loaded: try `let a = array![1.0, 2.0, 3.0]; a`.",
        env!("CARGO_PKG_VERSION")
    )
}
