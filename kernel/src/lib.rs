//! The ndplay Jupyter kernel.
//!
//! Three layers, each depending only on the one below it:
//!
//! - [`wire`]: connection file, ZeroMQ sockets, framing, HMAC signatures. The only code
//!   that knows about frames and keys.
//! - [`core`]: the protocol — typed requests, busy/idle, parents, execution count,
//!   history, aborting — talking to evaluation only through the [`core::engine::Engine`]
//!   trait.
//! - [`engine`]: implementations of that trait: evcxr for real cells, a mock for tests.
//!
//! Beside them, [`install`] writes the kernelspec and warms the build cache, and
//! [`notebook`] runs and checks notebooks through the engine (`ndplay check`, `ndplay run`). The rendering
//! of arrays is not here at all: it lives in the `ndplay` prelude crate, which runs inside
//! the cells' process and talks to the kernel through stdout (see
//! [`engine::child_output`]).

pub mod core;
pub mod engine;
#[doc(hidden)]
pub mod fuzzing;
pub mod install;
pub mod notebook;
pub mod spare;
pub mod wire;

use std::path::Path;

use anyhow::Result;

/// What the kernel evaluates with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineKind {
    Evcxr,
    /// The scripted engine of protocol tests; compiles nothing.
    Mock,
}

/// Runs a kernel on the given connection file until it is asked to shut down.
pub fn run_kernel(connection_file: &Path, allow_unsigned: bool, kind: EngineKind) -> Result<()> {
    let info = wire::load_connection_file(connection_file, allow_unsigned)?;
    if kind == EngineKind::Evcxr {
        if let Some(status) = spare::adopt(connection_file, allow_unsigned) {
            std::process::exit(status);
        }
    }
    runtime()?.block_on(async move {
        let wire = wire::bind(&info).await?;
        serve(wire, move || make_engine(kind)).await
    })?;
    // Cells may still be running on the shell thread: exit without waiting for them.
    std::process::exit(0);
}

/// A spare that a launcher handed its connection file to (see [`spare`]): binds the
/// kernel's sockets, tells the launcher, and runs as its kernel.
pub fn serve_adopted(
    info: jupyter_protocol::ConnectionInfo,
    engine: engine::evcxr::EvcxrEngine,
    mut launcher: std::os::unix::net::UnixStream,
) -> Result<()> {
    runtime()?.block_on(async move {
        let wire = match wire::bind(&info).await {
            Ok(wire) => wire,
            Err(e) => {
                spare::refuse(&mut launcher, &e);
                return Err(e);
            }
        };
        spare::confirm(&mut launcher)?;
        let engine: Box<dyn core::engine::Engine> = Box::new(engine);
        spare::watch_launcher(launcher, engine.interrupter());
        let _ = SIGINT_TARGET.set(engine.interrupter());
        spare::start_next();
        serve(wire, move || engine).await
    })?;
    std::process::exit(0);
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?)
}

async fn serve(
    wire: wire::Wire,
    make_engine: impl FnOnce() -> Box<dyn core::engine::Engine> + Send + 'static,
) -> Result<()> {
    ignore_sigint();
    let kernel_info = core::KernelInfo { rustc_version: rustc_version(), banner: banner() };
    core::run(wire, kernel_info, make_engine).await
}

/// The running engine's interrupter, for the SIGINT handler.
static SIGINT_TARGET: std::sync::OnceLock<std::sync::Arc<dyn core::engine::Interrupter>> = std::sync::OnceLock::new();

fn make_engine(kind: EngineKind) -> Box<dyn core::engine::Engine> {
    let engine = start_engine(kind);
    let _ = SIGINT_TARGET.set(engine.interrupter());
    engine
}

fn start_engine(kind: EngineKind) -> Box<dyn core::engine::Engine> {
    match kind {
        EngineKind::Mock => Box::new(engine::mock::MockEngine::default()),
        EngineKind::Evcxr => {
            let started = std::time::Instant::now();
            let progress = |step: &str| eprintln!("ndplay: [{:>5.2}s] {step}", started.elapsed().as_secs_f64());
            match engine::evcxr::EvcxrEngine::start(&progress) {
                Ok(e) => {
                    progress("ready");
                    spare::start_next();
                    Box::new(e)
                }
                Err(e) => Box::new(engine::broken::BrokenEngine::new(format!("{e:#}"))),
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
            wire::sockets::log("SIGINT received; use the interrupt button to stop a cell");
            if let Some(i) = SIGINT_TARGET.get() {
                i.interrupt();
            }
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
