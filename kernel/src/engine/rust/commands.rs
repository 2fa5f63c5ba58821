//! The cells that are commands to the kernel, not Rust: `:vars`, `:dep`, `:clear`, `:help`
//! (and `:restore`, in [`super::restore`]).

use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;

use super::RustEngine;
use crate::core::engine::{CellError, ErrorKind, Outcome, Output, OutputSink};

const HELP: &str = "\
Commands (lines that start with `:`, at the top of a cell; Rust code may follow them):
  :vars              the variables kept between cells, with their types
  :dep NAME = SPEC   add a dependency, as in Cargo.toml: `:dep rand = \"0.8\"`,
                     `:dep rand = { version = \"0.8\", features = [\"small_rng\"] }`,
                     `:dep mine = { path = \"../mine\" }`; `:dep rand` takes the newest
                     version, `:dep ../mine` the crate in that folder
  :clear             drop every variable and item, as in a new session
  :restore           run again the cells whose variables a crash lost
  :help              this list";

/// Every command, for completion.
pub const COMMANDS: &[&str] = &[":vars", ":dep", ":clear", ":restore", ":help"];

/// A cell read for commands.
pub(super) enum Parsed {
    /// The cell was commands only (or one failed): this is its outcome.
    Done(Outcome),
    /// Rust code to run: the cell with its command lines made blank (so that an error's line
    /// is the cell's line).
    Code(String),
}

/// The command lines at the top of a cell (blank lines between them allowed): (byte offset
/// of the line, the line without its `:`). A line that starts with `::` is a path
/// (`::std::…`), not a command.
fn command_lines(code: &str) -> Vec<(usize, &str)> {
    let mut found = Vec::new();
    let mut offset = 0;
    for line in code.split_inclusive('\n') {
        let text = line.trim();
        match text.strip_prefix(':') {
            Some(rest) if !rest.starts_with(':') => found.push((offset, rest)),
            _ if text.is_empty() => {}
            _ => break,
        }
        offset += line.len();
    }
    found
}

impl RustEngine {
    /// Runs the commands at the top of `code`, and says what is left to run as Rust.
    pub(super) fn command(&mut self, code: &str, sink: Arc<dyn OutputSink>) -> Parsed {
        let lines = command_lines(code);
        let Some(&(last, _)) = lines.last() else { return Parsed::Code(code.to_string()) };
        // `:dep` lines are added together: one build for all of them.
        let mut deps: Vec<&str> = Vec::new();
        for (_, line) in &lines {
            let (name, argument) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
            let name = name.trim();
            if name == "dep" {
                deps.push(argument.trim());
                continue;
            }
            if let Err(e) = self.add_dependencies(&std::mem::take(&mut deps), &sink) {
                return Parsed::Done(Outcome::Error(command_error(&format!("{e:#}"))));
            }
            if let Outcome::Error(e) = self.run_command(name, &sink) {
                return Parsed::Done(Outcome::Error(e));
            }
        }
        if let Err(e) = self.add_dependencies(&deps, &sink) {
            return Parsed::Done(Outcome::Error(command_error(&format!("{e:#}"))));
        }
        let end = last + code[last..].find('\n').map_or(code.len() - last, |i| i + 1);
        if code[end..].trim().is_empty() {
            return Parsed::Done(Outcome::Ok { result: None });
        }
        let blank: String = code[..end].chars().filter(|c| *c == '\n').collect();
        Parsed::Code(format!("{blank}{}", &code[end..]))
    }

    /// Runs one command (not `:dep`, which [`Self::command`] gathers).
    fn run_command(&mut self, name: &str, sink: &Arc<dyn OutputSink>) -> Outcome {
        let ok = || Outcome::Ok { result: None };
        match name {
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
            // It replays earlier cells (`super::restore`), which must not mix with others.
            "restore" => Outcome::Error(command_error(
                "`:restore` runs only alone in its cell: put it in a cell of its own, then run the rest.",
            )),
            other => Outcome::Error(command_error(&format!("there is no command `:{other}`.\n{HELP}"))),
        }
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
        vars.iter().map(|(n, t)| format!("{n:width$}  {}\n", super::report::array_terms::shorten_types(t))).collect()
    }

    /// `:dep` lines (their arguments): the dependencies are added to the cell crate and
    /// built, all at once. If the build fails, the crate is back as it was.
    fn add_dependencies(&mut self, arguments: &[&str], sink: &Arc<dyn OutputSink>) -> anyhow::Result<()> {
        if arguments.is_empty() {
            return Ok(());
        }
        let cwd = std::env::current_dir()?;
        let previous = self.deps.clone();
        let prelude_before = self.prelude_build();
        let mut names = Vec::new();
        for argument in arguments {
            let (name, spec) = dependency(argument, &cwd)?;
            self.deps.retain(|(n, _)| *n != name);
            self.deps.push((name.clone(), spec));
            names.push(format!("`{name}`"));
        }
        let built = self.rebuild_dependencies();
        if built.is_err() {
            self.deps = previous;
            // Back to the dependencies that built.
            let _ = self.rebuild_dependencies();
        }
        if self.prelude_build() != prelude_before {
            self.start_with_the_new_prelude(&names, sink);
        }
        if let Err(e) = built {
            return Err(e.context(format!("adding {}", names.join(", "))));
        }
        sink.emit(Output::stderr(&format!("{}\n", statics_note(&names))));
        Ok(())
    }

    /// The prelude's shared library as built in the slot (a hash of its bytes). Cargo builds
    /// it again, under new symbol names, when a `:dep` crate changes the features of a
    /// library the prelude uses (cargo builds each library once, with every feature any
    /// crate asks for): `image` does, through `num-traits`.
    fn prelude_build(&self) -> Option<u64> {
        use std::hash::{Hash, Hasher};
        let path = super::build::setup::deps_dir(&self.slot.dir, &self.compiler.target).join("libndplay.so");
        let bytes = std::fs::read(path).ok()?;
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        bytes.hash(&mut hasher);
        Some(hasher.finish())
    }

    /// After a `:dep` that rebuilt the prelude: the process that runs cells has the old one
    /// loaded, and no later cell could be loaded beside it (its symbols are the new ones).
    /// The process starts again, and the student is told which variables went with it.
    fn start_with_the_new_prelude(&mut self, names: &[String], sink: &Arc<dyn OutputSink>) {
        let what = super::report::lost_line(&self.variable_names());
        self.state.clear_variables();
        self.replay.child_lost();
        self.runner.restart();
        sink.emit(Output::stderr(&format!(
            "[ndplay] Adding {} rebuilt the prelude (the crate asks for other features of a library the prelude uses), so the process that runs cells started again with it. {what} Tip: put `:dep` lines in a notebook's first cell.\n",
            names.join(", ")
        )));
    }

    /// `:clear`: a new session's state, in a fresh process.
    fn clear(&mut self) {
        self.state = Default::default();
        self.runner.restart();
    }
}

/// What a student must know of a crate added with `:dep`: it is linked into each cell's
/// library (only the prelude is one shared library), so each cell has its own copy of the
/// crate's `static`s, and a value the crate keeps in one (a counter, a cache, a registry)
/// starts again in every cell. Said where it happens, as issue 23 asks, until the crates
/// are shared.
fn statics_note(names: &[String]) -> String {
    format!(
        "[ndplay] {} added. Each cell gets its own copy of a crate's `static`s: what the crate keeps in one (a counter, a cache) starts again in every cell. Values a cell keeps in variables stay.",
        names.join(", ")
    )
}

/// A `:dep` line's argument as (crate name, TOML spec) for the cell crate's manifest, which
/// is not in the student's folder: a relative `path` is taken from `cwd` (the notebook's
/// folder) and written whole. `rand` alone means any version (`"*"`, cargo takes the newest);
/// `./mine` or `/x/mine` is the crate in that folder, by the name its Cargo.toml gives.
fn dependency(argument: &str, cwd: &Path) -> anyhow::Result<(String, String)> {
    let usage = "write it as in Cargo.toml: `:dep rand = \"0.8\"`, `:dep rand = { version = \"0.8\", features = [\"small_rng\"] }`, `:dep mine = { path = \"../mine\" }`";
    let argument = argument.trim();
    anyhow::ensure!(!argument.is_empty(), "`:dep` needs a crate: {usage}");
    if argument.starts_with('.') || argument.starts_with('/') {
        let dir = cwd.join(argument);
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).with_context(|| {
            format!("reading {}/Cargo.toml (`:dep {argument}` names a crate's folder)", dir.display())
        })?;
        let name = package_name(&manifest).with_context(|| format!("{}/Cargo.toml names no package", dir.display()))?;
        return Ok((name, format!("{{ path = {:?} }}", dir.display().to_string())));
    }
    let (name, spec) = match argument.split_once('=') {
        Some((name, spec)) => (name.trim(), spec.trim()),
        None => (argument, "\"*\""),
    };
    anyhow::ensure!(
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
        "`{name}` is not a crate name; {usage}"
    );
    anyhow::ensure!(!spec.is_empty(), "`:dep {name} =` needs a version or a table; {usage}");
    Ok((name.to_string(), absolute_paths(spec, cwd)))
}

/// `spec` with each relative `path = "…"` made absolute from `cwd`.
fn absolute_paths(spec: &str, cwd: &Path) -> String {
    let pattern = regex::Regex::new(r#"\bpath\s*=\s*"([^"]*)""#).expect("a valid pattern");
    pattern
        .replace_all(spec, |c: &regex::Captures| {
            let path = Path::new(&c[1]);
            if path.is_absolute() {
                c[0].to_string()
            } else {
                format!("path = {:?}", cwd.join(path).display().to_string())
            }
        })
        .into_owned()
}

/// The `name` of a manifest's `[package]`.
fn package_name(manifest: &str) -> Option<String> {
    let mut in_package = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if let Some(value) = line.strip_prefix("name").map(str::trim_start).and_then(|l| l.strip_prefix('=')) {
            if in_package {
                return Some(value.trim().trim_matches('"').to_string());
            }
        }
    }
    None
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
    fn command_lines_at_the_top_of_a_cell_are_found_and_code_below_is_not() {
        let code = ":dep a = \"1\"\n\n  :dep b = { path = \"x\" }\nlet x = 1;\n:vars";
        let found: Vec<&str> = command_lines(code).into_iter().map(|(_, l)| l).collect();
        assert_eq!(found, ["dep a = \"1\"", "dep b = { path = \"x\" }"]);
        assert!(command_lines("::std::f64::consts::PI").is_empty());
        assert!(command_lines("let y = 2;\n:dep a").is_empty());
    }

    #[test]
    fn dependencies_in_the_forms_users_type() {
        let cwd = Path::new("/home/s/notebooks");
        let dep = |a: &str| dependency(a, cwd).map_err(|e| format!("{e:#}"));
        assert_eq!(dep("rand = \"0.8\""), Ok(("rand".into(), "\"0.8\"".into())));
        assert_eq!(dep("rand"), Ok(("rand".into(), "\"*\"".into())));
        assert_eq!(
            dep("serde = { version = \"1\", features = [\"derive\"] }"),
            Ok(("serde".into(), "{ version = \"1\", features = [\"derive\"] }".into()))
        );
        assert_eq!(
            dep("mine-crate = { path = \"../mine\" }"),
            Ok(("mine-crate".into(), "{ path = \"/home/s/notebooks/../mine\" }".into()))
        );
        assert_eq!(dep("abs = {path=\"/x/abs\"}"), Ok(("abs".into(), "{path=\"/x/abs\"}".into())));
        assert!(dep("").unwrap_err().contains("needs a crate"));
        assert!(dep("bad name = \"1\"").unwrap_err().contains("is not a crate name"));
        assert!(dep("./nowhere").unwrap_err().contains("Cargo.toml"));
        assert_eq!(
            package_name("[dependencies]\nname = \"x\"\n[package]\nversion = \"1\"\nname = \"mine\""),
            Some("mine".into())
        );
    }

    #[test]
    fn help_names_every_command() {
        for c in COMMANDS {
            assert!(HELP.contains(c), "{c}");
        }
    }
}
