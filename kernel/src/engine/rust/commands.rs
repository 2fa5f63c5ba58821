//! The cells that are commands to the kernel, not Rust: `:vars`, `:dep`, `:clear`, `:help`
//! (and `:restore`, in [`super::restore`]).

use std::sync::Arc;

use super::RustEngine;
use crate::core::engine::{CellError, ErrorKind, Outcome, Output, OutputSink};

const HELP: &str = "\
Commands (a cell that starts with `:`):
  :vars              the variables kept between cells, with their types
  :dep NAME = SPEC   add a crates.io dependency, as in Cargo.toml: `:dep rand = \"0.8\"`
  :clear             drop every variable and item, as in a new session
  :restore           run again the cells whose variables a crash lost
  :help              this list";

impl RustEngine {
    /// Runs `code` if it is a command; `None` if it is Rust.
    pub(super) fn command(&mut self, code: &str, sink: Arc<dyn OutputSink>) -> Option<Outcome> {
        let line = code.trim();
        let rest = line.strip_prefix(':')?;
        // A cell that starts with `::` is a path (`::std::…`), not a command.
        if rest.starts_with(':') {
            return None;
        }
        let (name, argument) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        let ok = || Outcome::Ok { result: None };
        Some(match name {
            "vars" => {
                sink.emit(Output::stdout(&self.vars_text()));
                ok()
            }
            "help" => {
                sink.emit(Output::stdout(&format!("{HELP}\n")));
                ok()
            }
            "clear" => {
                self.clear();
                sink.emit(Output::stdout("Every variable and item was dropped.\n"));
                ok()
            }
            "dep" => match self.add_dependency(argument.trim()) {
                Ok(()) => ok(),
                Err(e) => Outcome::Error(command_error(&format!("{e:#}"))),
            },
            other => Outcome::Error(command_error(&format!("there is no command `:{other}`.\n{HELP}"))),
        })
    }

    /// `:vars`: each variable of the student's and its type, one a line.
    fn vars_text(&self) -> String {
        let vars: Vec<(&str, &str)> = self
            .state
            .variables()
            .filter(|(n, _)| !n.starts_with(super::HIDDEN_PREFIX))
            .map(|(n, v)| (n, v.ty.as_str()))
            .collect();
        if vars.is_empty() {
            return "No variables yet.\n".into();
        }
        let width = vars.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
        vars.iter().map(|(n, t)| format!("{n:width$}  {}\n", super::array_terms::shorten_types(t))).collect()
    }

    /// `:dep name = spec`: the dependency is added to the cell crate and built.
    fn add_dependency(&mut self, argument: &str) -> anyhow::Result<()> {
        let Some((name, spec)) = argument.split_once('=') else {
            anyhow::bail!("write it as in Cargo.toml: `:dep rand = \"0.8\"` (got `:dep {argument}`)");
        };
        let (name, spec) = (name.trim().to_string(), spec.trim().to_string());
        anyhow::ensure!(
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "`{name}` is not a crate name"
        );
        let previous = self.deps.clone();
        self.deps.retain(|(n, _)| *n != name);
        self.deps.push((name.clone(), spec));
        if let Err(e) = self.rebuild_dependencies() {
            self.deps = previous;
            // Back to the dependencies that built.
            let _ = self.rebuild_dependencies();
            return Err(e.context(format!("adding the dependency `{name}`")));
        }
        Ok(())
    }

    /// `:clear`: a new session's state, in a fresh process.
    fn clear(&mut self) {
        self.state = Default::default();
        self.runner.restart();
    }
}

fn command_error(text: &str) -> CellError {
    CellError::new(
        ErrorKind::Other,
        "CommandError",
        text.lines().next().unwrap_or(""),
        text.lines().map(str::to_string).collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_names_every_command() {
        for c in [":vars", ":dep", ":clear", ":restore", ":help"] {
            assert!(HELP.contains(c), "{c}");
        }
    }
}
