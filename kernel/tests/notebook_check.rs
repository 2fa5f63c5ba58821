//! `ndplay check` and `ndplay run` end to end: the real binary, the real evcxr engine, a
//! three-cell notebook in a temporary directory. Slow (it compiles cells; the first run
//! on a fresh cache also compiles ndarray), so it is one test.
//!
//! The build cache is a private one (`NDPLAY_CACHE_DIR`), never the user's: a directory
//! in the home directory's cache, kept between runs so only the first one compiles
//! ndarray. Not in the system's temporary directory, which the kernel refuses (another user
//! could write above it), and not inside a cargo workspace (such as this repository's
//! `target/`): cargo would take the session crates built there for members of that
//! workspace.

use std::path::PathBuf;
use std::process::Command;

use serde_json::{json, Value};

fn cache_dir() -> PathBuf {
    let home = std::env::var_os("HOME").map(PathBuf::from).expect("HOME is set");
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| home.join(".cache"))
        .join("ndplay-test-cache-notebook-check")
}

fn code(source: &str, count: u64, outputs: Value) -> Value {
    json!({"cell_type": "code", "execution_count": count, "metadata": {}, "source": source, "outputs": outputs})
}

#[test]
fn check_reports_a_changed_output_and_run_stores_fresh_ones() {
    let dir = std::env::temp_dir().join(format!("ndplay-notebook-check-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let notebook = json!({
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": "# A tiny lesson"},
            // Matches as stored.
            code("let a = array![1.0, 2.0, 3.0];\nprintln!(\"sum {}\", a.sum());", 1,
                 json!([{"output_type": "stream", "name": "stdout", "text": ["sum 6\n"]}])),
            // Deliberately wrong stored value: must fail, with a diff.
            code("a.len()", 2,
                 json!([{"output_type": "execute_result", "execution_count": 2, "metadata": {}, "data": {"text/plain": ["4"]}}])),
            // Matches only through the sanitize file beside the notebook.
            code("println!(\"pid {}\", std::process::id());", 3,
                 json!([{"output_type": "stream", "name": "stdout", "text": ["pid 1\n"]}])),
        ],
        "metadata": {"kernelspec": {"name": "ndplay", "display_name": "Rust (ndplay)", "language": "rust"}},
        "nbformat": 4,
        "nbformat_minor": 5
    });
    let path = dir.join("lesson.ipynb");
    std::fs::write(&path, serde_json::to_string_pretty(&notebook).unwrap()).unwrap();
    std::fs::write(dir.join("sanitize.cfg"), "[pids]\nregex: pid [0-9]+\nreplace: pid N\n").unwrap();

    let check = Command::new(env!("CARGO_BIN_EXE_ndplay"))
        .args(["check", "--color", "never"])
        .arg(&path)
        .env("NDPLAY_CACHE_DIR", cache_dir())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&check.stdout);
    let report = format!("stdout:\n{stdout}\nstderr:\n{}", String::from_utf8_lossy(&check.stderr));
    assert_eq!(check.status.code(), Some(1), "{report}");
    let line = |cell: &str| stdout.lines().find(|l| l.trim_start().starts_with(cell)).unwrap_or("").to_string();
    assert!(line("Cell  0").ends_with(" ok"), "{report}");
    assert!(line("Cell  1").contains("FAILED: mismatch 'text/plain'"), "{report}");
    assert!(stdout.contains("-[text/plain] 4\n") && stdout.contains("+[text/plain] 3\n"), "{report}");
    assert!(line("Cell  2").ends_with(" ok"), "{report}");
    assert!(stdout.contains("lesson.ipynb: 3 cells, 1 failed: Cell 1"), "{report}");

    let out = dir.join("fresh.ipynb");
    let run = Command::new(env!("CARGO_BIN_EXE_ndplay"))
        .arg("run")
        .arg(&path)
        .arg("--output")
        .arg(&out)
        .env("NDPLAY_CACHE_DIR", cache_dir())
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let fresh: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let cells = fresh["cells"].as_array().unwrap();
    assert_eq!(cells[1]["outputs"], json!([{"output_type": "stream", "name": "stdout", "text": ["sum 6\n"]}]));
    assert_eq!(
        cells[2]["outputs"],
        json!([{"output_type": "execute_result", "execution_count": 2, "metadata": {}, "data": {"text/plain": ["3"]}}])
    );
    assert_eq!(cells[2]["execution_count"], 2);
    assert_eq!(cells[0]["source"], json!(["# A tiny lesson"]));
    let _ = std::fs::remove_dir_all(&dir);
}
