//! `ndplay-analysis`: evcxr's rust-analyzer, in a process of its own, for the completions
//! and inspections the kernel's completion index cannot answer (a chain `a.t().`, a type it
//! does not hold, a `use` line). The kernel starts it beside its own binary when such a
//! request comes (`kernel/src/engine/rust/completion/analysis_server.rs`), and `ndplay install`
//! starts it to build the completion index; it ends when its stdin closes (the kernel is
//! gone) or no request came for a while.
//!
//! rust-analyzer is by far the largest user of memory (hundreds of MB once it has loaded
//! the standard library and ndarray; docs/performance.md): in the kernel's process it
//! stayed for the whole session, once a student had pressed Tab. Here it lives only while
//! it is used, and the kernel stays small.
//!
//! The two speak JSON lines: the kernel writes `{"op": "complete" | "hover", "source",
//! "cursor"}`, this process answers each line with one line, `{"matches": [[code, kind]…],
//! "start", "end"}`, `{"plain", "html"}`, or `null` (no answer).
//!
//! Usage (the kernel's, not a person's): `ndplay-analysis --dir DIR --dep SPEC`, where DIR
//! is the crate directory evcxr works in (the kernel has put the prelude's `Cargo.lock`
//! there) and SPEC the prelude as a `:dep` value, `{ path = "…", features = […] }`.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};

/// How long the process waits for a request before it ends (`NDPLAY_ANALYSIS_IDLE`, in
/// seconds, overrides it). Starting again costs a student one slow Tab (rust-analyzer
/// loads the crate graph again: seconds); keeping it costs hundreds of MB.
const IDLE: Duration = Duration::from_secs(300);

fn idle() -> Duration {
    std::env::var("NDPLAY_ANALYSIS_IDLE").ok().and_then(|s| s.parse().ok()).map(Duration::from_secs).unwrap_or(IDLE)
}

/// What the command line asked for.
struct Args {
    dir: PathBuf,
    dep: String,
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Args, String> {
    let (mut dir, mut dep) = (None, None);
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let slot = match arg.as_str() {
            "--dir" => &mut dir,
            "--dep" => &mut dep,
            other => return Err(format!("unknown argument {other:?}")),
        };
        *slot = Some(args.next().ok_or_else(|| format!("{arg} needs a value"))?);
    }
    match (dir, dep) {
        (Some(dir), Some(dep)) => Ok(Args { dir: PathBuf::from(dir), dep }),
        _ => Err("both --dir and --dep are needed".into()),
    }
}

fn main() {
    // evcxr runs its own child process from this binary; in that role `runtime_hook`
    // never returns.
    evcxr::runtime_hook();
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(e) => {
            eprintln!(
                "ndplay-analysis: {e}\nThis is the ndplay kernel's helper for completion; kernels start it \
                 themselves (usage: ndplay-analysis --dir DIR --dep SPEC)."
            );
            std::process::exit(2);
        }
    };
    if let Err(e) = serve(&args.dir, &args.dep) {
        eprintln!("ndplay-analysis: {e:#}");
        std::process::exit(1);
    }
}

/// Answers requests on stdin until stdin closes or no request came for [`idle`].
fn serve(dir: &Path, dep: &str) -> anyhow::Result<()> {
    // Replies go to the stdout the kernel reads; anything else that writes to fd 1 (evcxr,
    // rust-analyzer) is sent to stderr instead, so it can never break a reply line.
    // SAFETY: dup and dup2 on the process's own standard descriptors.
    let replies = unsafe {
        let fd = libc::dup(1);
        libc::dup2(2, 1);
        fd
    };
    anyhow::ensure!(replies >= 0, "could not keep the reply pipe");
    // SAFETY: `replies` is a descriptor this process just made and owns alone.
    let mut out = std::io::BufWriter::new(unsafe { <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(replies) });
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let ctx = start_evcxr(dir, dep);
    if let Err(e) = &ctx {
        eprintln!("ndplay-analysis: rust-analyzer did not start: {e:#}");
    }
    let idle = idle();
    while let Ok(line) = rx.recv_timeout(idle) {
        let answer = match (&ctx, serde_json::from_str::<Value>(&line)) {
            (Ok(ctx), Ok(request)) => answer(&mut ctx.lock().unwrap_or_else(|e| e.into_inner()), &request),
            _ => Value::Null,
        };
        writeln!(out, "{answer}")?;
        out.flush()?;
    }
    Ok(())
}

fn answer(ctx: &mut evcxr::CommandContext, request: &Value) -> Value {
    let (Some(source), Some(cursor)) = (request["source"].as_str(), request["cursor"].as_u64()) else {
        return Value::Null;
    };
    let cursor = cursor as usize;
    if cursor > source.len() || !source.is_char_boundary(cursor) {
        return Value::Null;
    }
    match request["op"].as_str() {
        Some("complete") => match ctx.completions(source, cursor) {
            Ok(c) => {
                let mut matches: Vec<(String, &str)> = Vec::new();
                let before = source.get(..c.start_offset).unwrap_or("");
                for item in c.completions {
                    let field = before.ends_with('.') && !item.code.contains('(') && item.kind == "instance";
                    if matches.iter().any(|(m, _)| *m == item.code)
                        || (field && is_private_field(ctx, &format!("{before}{}", item.code)))
                    {
                        continue;
                    }
                    matches.push((item.code, item.kind));
                }
                json!({"matches": matches, "start": c.start_offset, "end": c.end_offset})
            }
            Err(_) => Value::Null,
        },
        Some("hover") => match ctx.hover_at(source, cursor) {
            Ok((plain, html)) if !plain.trim().is_empty() && plain != "No documentation found" => {
                json!({"plain": plain, "html": html})
            }
            _ => Value::Null,
        },
        _ => Value::Null,
    }
}

/// Whether the field named at the end of `source` is one a cell cannot use. evcxr has
/// rust-analyzer offer private fields (`enable_private_editable`), which is right for the
/// session's own structs (the cells' crate is `ctx` to it) and wrong for another crate's:
/// an array's `data`, `parts` and `0`. The hover says which: `ndarray::ArrayBase` above
/// `data: S`, against `pub mean: f64`, or a tuple's `pub 0: f64`.
fn is_private_field(ctx: &mut evcxr::CommandContext, source: &str) -> bool {
    let Ok((plain, _)) = ctx.hover_at(source, source.len()) else { return false };
    let name = source.rsplit('.').next().unwrap_or("");
    let mut lines = plain.lines().map(str::trim).filter(|l| !l.is_empty());
    let owner = lines.next().unwrap_or("");
    let public = plain.lines().any(|l| l.trim().starts_with("pub") && l.contains(&format!("{name}:")));
    !public && owner.contains("::") && !owner.starts_with("ctx::")
}

/// evcxr's context in `dir`, with the prelude added as `dep`, rust-analyzer loaded.
fn start_evcxr(dir: &Path, dep: &str) -> anyhow::Result<std::sync::Mutex<evcxr::CommandContext>> {
    std::fs::create_dir_all(dir)?;
    // evcxr's context takes its crate directory from this variable; it reads it only now.
    std::env::set_var("EVCXR_TMPDIR", dir);
    let (eval, outputs) = evcxr::EvalContext::new().map_err(|e| anyhow::anyhow!("{e}"))?;
    // Its child process prints nothing anyone reads; drain it so it never blocks.
    std::thread::spawn(move || while outputs.stdout.recv().is_ok() {});
    let mut ctx = evcxr::CommandContext::with_eval_context(eval);
    ctx.execute(&format!(":dep ndplay = {dep}")).map_err(|e| anyhow::anyhow!("adding the prelude: {e}"))?;
    // The first question makes rust-analyzer load the crate graph.
    let _ = ctx.completions("let __ndplay_a = array![1.0];\n__ndplay_a.", 41);
    Ok(std::sync::Mutex::new(ctx))
}

#[cfg(test)]
mod tests {
    use super::parse_args;

    fn args(s: &[&str]) -> Vec<String> {
        s.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn both_arguments_are_read() {
        let a = parse_args(args(&["--dir", "/tmp/x", "--dep", "{ path = \"/p\" }"])).unwrap();
        assert_eq!(a.dir, std::path::PathBuf::from("/tmp/x"));
        assert_eq!(a.dep, "{ path = \"/p\" }");
    }

    #[test]
    fn a_missing_or_unknown_argument_is_refused_with_what_is_wrong() {
        assert_eq!(parse_args(args(&["--dir", "/tmp/x"])).err().unwrap(), "both --dir and --dep are needed");
        assert_eq!(parse_args(args(&["--dir"])).err().unwrap(), "--dir needs a value");
        assert_eq!(parse_args(args(&["--prelude", "p"])).err().unwrap(), "unknown argument \"--prelude\"");
    }
}
