//! The `ndplay` command: install the kernel, run it, check notebooks.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};
use ndplay_kernel::install::{self, Location};
use ndplay_kernel::EngineKind;

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
        /// Use the scripted test engine instead of evcxr (for protocol tests).
        #[arg(long, hide = true)]
        mock_engine: bool,
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
    // evcxr runs this same binary as the child process that loads and runs cells (and as
    // its rustc wrapper); in those roles this call never returns.
    evcxr::runtime_hook();
    let cli = Cli::parse();
    match cli.command {
        Command::Install { location, name, display_name, no_warm } => {
            let exe = std::env::current_exe()?;
            let dir = install::write_kernelspec(&location.location()?, &name, &display_name, &exe)?;
            eprintln!("Installed kernelspec {name:?} ({display_name}) in {}", dir.display());
            if !no_warm {
                install::warm_cache()?;
            }
            Ok(())
        }
        Command::Uninstall { location, name } => {
            let dir = install::remove_kernelspec(&location.location()?, &name)?;
            eprintln!("Removed {}", dir.display());
            Ok(())
        }
        Command::Kernel { connection_file, allow_unsigned, mock_engine } => {
            let kind = if mock_engine { EngineKind::Mock } else { EngineKind::Evcxr };
            ndplay_kernel::run_kernel(&connection_file, allow_unsigned, kind)
        }
    }
}
