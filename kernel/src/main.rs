//! The `ndplay` command: install the kernel, run it, check notebooks.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};
use ndplay_kernel::engine::rust::build::{compiler, prelude};
use ndplay_kernel::engine::rust::process::child_side;
use ndplay_kernel::install::{self, Location};
use ndplay_kernel::server::{self, EngineKind};
use ndplay_kernel::{notebook, spare, wire};

#[derive(Parser)]
#[command(name = "ndplay", version, about = "A Jupyter kernel for learning array programming in Rust")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Install the kernelspec and warm the build cache.
    Install {
        #[command(flatten)]
        location: LocationArgs,
        /// The kernel's name (the kernelspec directory).
        #[arg(long, default_value = "ndplay")]
        name: String,
        /// What Jupyter shows in its launcher and kernel picker.
        #[arg(long, default_value = "Rust (ndplay)")]
        display_name: String,
        /// Only write the kernelspec; the first kernel will build the cache instead.
        #[arg(long)]
        no_warm: bool,
        /// For a server shared by many users (JupyterHub): build the prelude and its
        /// dependencies once into DIR, read-only for everyone, and have every user's kernel
        /// use them (docs/deploy.md). Run it as the administrator, with --sys-prefix.
        #[arg(long, value_name = "DIR", conflicts_with = "no_warm")]
        shared_cache: Option<PathBuf>,
        /// With --shared-cache: also run these notebooks once and keep their compiled cells
        /// in DIR, so that no student's kernel compiles them again. Their cells run as you.
        #[arg(long, value_name = "NOTEBOOK", num_args = 1.., requires = "shared_cache")]
        notebooks: Vec<PathBuf>,
    },
    /// Remove the kernelspec.
    Uninstall {
        #[command(flatten)]
        location: LocationArgs,
        #[arg(long, default_value = "ndplay")]
        name: String,
    },
    /// Run the kernel (this is what kernel.json runs).
    Kernel {
        #[arg(long, short = 'f')]
        connection_file: PathBuf,
        /// Accept a connection file with an empty key (messages are then not signed).
        #[arg(long)]
        allow_unsigned: bool,
        /// Use the scripted test engine instead of the Rust engine (for protocol tests).
        #[arg(long, hide = true)]
        mock_engine: bool,
    },
    /// The process that runs a kernel's cells (kernels start it themselves).
    #[command(hide = true)]
    RunCells {
        /// Run cells without a snapshot from before each (see the engine's `runtime`).
        #[arg(long)]
        no_snapshots: bool,
    },
    /// Start a spare kernel in the background for the next notebook (kernels do this
    /// themselves; see docs/performance.md).
    #[command(hide = true)]
    Spare {
        /// Only print the socket a spare of this binary listens on (for tests and the
        /// benchmark, which wait for it).
        #[arg(long)]
        print_socket: bool,
    },
    /// Execute notebooks and compare their outputs with the stored ones, as nbval does.
    ///
    /// Each notebook runs in a fresh engine, in its own directory. Cell tags
    /// (raises-exception, nbval-ignore-output, nbval-skip) and the sanitize file work as in
    /// `pytest --nbval`. Exits with status 1 if any cell fails.
    Check {
        #[arg(required = true, value_name = "NOTEBOOK")]
        notebooks: Vec<PathBuf>,
        /// nbval's sanitize file (regex:/replace: lines) [default: sanitize.cfg beside each
        /// notebook, if there is one].
        #[arg(long, value_name = "FILE")]
        sanitize_with: Option<PathBuf>,
        /// Colour the report: auto, always or never.
        #[arg(long, default_value = "auto", value_name = "WHEN")]
        color: String,
    },
    /// Re-execute a notebook and store its new outputs.
    Run {
        notebook: PathBuf,
        /// Write the outputs into NOTEBOOK itself.
        #[arg(long, conflicts_with = "output")]
        inplace: bool,
        /// Write the executed notebook to FILE [default: stdout].
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
        /// Keep going when a cell not tagged raises-exception fails.
        #[arg(long)]
        allow_errors: bool,
    },
}

#[derive(Args)]
#[group(multiple = false)]
struct LocationArgs {
    /// The user's Jupyter data directory (the default).
    #[arg(long)]
    user: bool,
    /// The active Python environment's prefix.
    #[arg(long)]
    sys_prefix: bool,
    /// PREFIX/share/jupyter/kernels.
    #[arg(long, value_name = "DIR")]
    prefix: Option<PathBuf>,
}

impl LocationArgs {
    fn location(&self) -> Result<Location> {
        Ok(if let Some(p) = &self.prefix {
            Location::Prefix(std::path::absolute(p)?)
        } else if self.sys_prefix {
            Location::SysPrefix
        } else {
            Location::User
        })
    }
}

fn main() -> Result<()> {
    // This same binary is cargo's rustc wrapper when the kernel builds the cell crate's
    // dependencies (it records the command line for the cell crate; never returns then).
    if let Some(record) = std::env::var_os(compiler::RECORD_VAR) {
        compiler::record_rustc(std::path::Path::new(&record));
    }
    let cli = Cli::parse();
    match cli.command {
        Command::Install { location, name, display_name, no_warm, shared_cache, notebooks } => {
            let exe = std::env::current_exe()?;
            if let Some(root) = &shared_cache {
                // Built first, so that no kernelspec points at a cache that failed.
                let root = std::path::absolute(root)?;
                install::build_shared_cache(&root, &exe)?;
                if !notebooks.is_empty() {
                    install::precompile(&root, &exe, &notebooks)?;
                }
                let dir = install::write_kernelspec(&location.location()?, &name, &display_name, &exe, Some(&root))?;
                eprintln!(
                    "Installed kernelspec {name:?} ({display_name}) in {}, using {}",
                    dir.display(),
                    root.display()
                );
                // No spare: this user's spare would be of no use to anyone else.
                return Ok(());
            }
            let dir = install::write_kernelspec(&location.location()?, &name, &display_name, &exe, None)?;
            eprintln!("Installed kernelspec {name:?} ({display_name}) in {}", dir.display());
            if !no_warm {
                install::warm_cache()?;
                // A warm engine for the first notebook (see ndplay_kernel::spare).
                spare::start();
            }
            Ok(())
        }
        Command::Uninstall { location, name } => {
            let dir = install::remove_kernelspec(&location.location()?, &name)?;
            eprintln!("Removed {}", dir.display());
            Ok(())
        }
        Command::Kernel { connection_file, allow_unsigned, mock_engine } => {
            let info = wire::load_connection_file(&connection_file, allow_unsigned)?;
            // Before a spare is adopted too: then this process is the one that must end
            // (an adopted spare ends when this launcher does).
            ndplay_kernel::parent::watch();
            let kind = if mock_engine { EngineKind::Mock } else { EngineKind::Rust };
            if kind == EngineKind::Rust {
                // From here on, what the kernel has to say goes to its log, not over a
                // console's prompt (see ndplay_kernel::log).
                // Without a safe cache, the engine says why in the notebook (its start fails).
                match prelude::cache_root() {
                    Ok(cache) => {
                        let log = ndplay_kernel::log::kernel_log_path(&cache);
                        if let Err(e) = ndplay_kernel::log::to_file(&log) {
                            eprintln!("ndplay: could not log to {}: {e}", log.display());
                        }
                    }
                    Err(e) => eprintln!("ndplay: {e:#}"),
                }
                // A warm spare becomes the kernel; this process then only stands in for it.
                if let Some(status) = spare::adopt(&connection_file, allow_unsigned) {
                    std::process::exit(status);
                }
            }
            server::run_kernel(&connection_file, info, kind, spare::start_next)
        }
        Command::RunCells { no_snapshots } => child_side::run(!no_snapshots),
        Command::Spare { print_socket: false } => spare::run_spare(),
        Command::Spare { print_socket: true } => {
            let path = spare::socket_path().ok_or_else(|| anyhow::anyhow!("spares are not possible here"))?;
            println!("{}", path.display());
            Ok(())
        }
        Command::Check { notebooks, sanitize_with, color } => {
            let color = match color.as_str() {
                "always" => true,
                "never" => false,
                _ => notebook::CheckOptions::color_default(),
            };
            let passed = notebook::check(&notebooks, &notebook::CheckOptions { sanitize_with, color })?;
            std::process::exit(if passed { 0 } else { 1 });
        }
        Command::Run { notebook: path, inplace, output, allow_errors } => {
            let target = match (inplace, output) {
                (true, _) => notebook::RunTarget::InPlace,
                (false, Some(file)) => notebook::RunTarget::File(file),
                (false, None) => notebook::RunTarget::Stdout,
            };
            if let Err(e) = notebook::run(&path, &notebook::RunOptions { target, allow_errors }) {
                // A failing cell is the instructor's news, not a crash: no backtrace.
                eprintln!("ndplay run: {e:#}");
                std::process::exit(1);
            }
            Ok(())
        }
    }
}
