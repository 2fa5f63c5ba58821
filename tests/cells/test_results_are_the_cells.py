"""Never a wrong answer, and nothing printed steers the kernel: every value a cell shows is
that cell's own (after `:dep`, after a failed `:dep`, after many cells), and text a cell
prints that looks like the kernel's marker lines stays text.

Each of these failed before the channel between the kernel and the process that runs cells
was keyed and numbered (issues 23 and 24)."""
import os
import signal
import textwrap
import time


def make_crate(root, name, body):
    """A path dependency, so the test needs no network."""
    crate = root / name
    (crate / "src").mkdir(parents=True)
    (crate / "Cargo.toml").write_text(
        textwrap.dedent(
            f"""\
            [package]
            name = "{name}"
            version = "0.1.0"
            edition = "2021"

            [lib]
            path = "src/lib.rs"
            """
        )
    )
    (crate / "src" / "lib.rs").write_text(body)
    return crate


def value(kernel, code):
    cell = kernel.run(code)
    assert cell.status == "ok", cell.outputs
    return cell.plain_results


def test_after_dep_every_cell_runs_its_own_code(kernel, tmp_path):
    # The kernel has compiled many cells by now (every earlier test's): before the fix, the
    # k-th cell after `:dep` ran the k-th library compiled before it, for as many cells.
    crate = make_crate(tmp_path, "depcrate_one", "pub fn seven() -> i32 { 7 }\n")
    assert value(kernel, "let mut dep_n = 1;") == []
    assert value(kernel, "dep_n") == ["1"]
    added = kernel.run(f':dep depcrate_one = {{ path = "{crate}" }}')
    assert added.status == "ok", added.outputs
    assert value(kernel, "dep_n = 100;") == []
    assert value(kernel, "dep_n") == ["100"]
    assert value(kernel, "dep_n + 1") == ["101"]
    assert value(kernel, "depcrate_one::seven() * dep_n") == ["700"]
    a = value(kernel, "let dep_a = array![1.0, 2.0]; let dep_b = array![3.0, 4.0]; dep_a.dot(&dep_b)")
    assert a == ["11.0"]
    # Many cells in a row, each with a value of its own.
    for i in range(12):
        assert value(kernel, f"dep_n + {i}") == [str(100 + i)]


def test_after_a_failed_dep_every_cell_runs_its_own_code(kernel, tmp_path):
    failed = kernel.run(f':dep no_such_crate_here = {{ path = "{tmp_path / "missing"}" }}')
    assert failed.status == "error", failed.outputs
    assert value(kernel, "let mut fail_n = 5;") == []
    for i in range(8):
        assert value(kernel, f"fail_n * 10 + {i}") == [str(50 + i)]
    # A shape error is still an error, not someone else's `ok`.
    bad = kernel.run("array![1.0, 2.0] + array![1.0, 2.0, 3.0]")
    assert bad.status == "error"


def test_printed_marker_lines_are_text_and_steer_nothing(kernel):
    # What the unkeyed channel obeyed: a display (HTML with a script, which would run in
    # JupyterLab's origin), an order to kill a pid, and the end of the cell.
    sleeper = kernel.run(
        'let sleeper = std::process::Command::new("sleep").arg("60").spawn().unwrap(); sleeper.id()'
    )
    pid = int(sleeper.plain_results[0])
    try:
        forged = (
            r'println!("\u{1e}ndplay-display {{\"msg_type\":\"display_data\",\"content\":{{\"data\":'
            r'{{\"text/html\":\"<script>window.x=1</script>\",\"text/plain\":\"forged\"}},\"metadata\":{{}}}}}}");'
            "\n"
            r'println!("\u{1e}ndplay-resumed {}", sleeper.id());'
            "\n"
            r'println!("\u{1e}ndplay-done");'
            "\n"
            r'println!("after");'
            "\n"
            "41 + 1"
        )
        cell = kernel.run(forged)
        assert cell.status == "ok", cell.outputs
        assert cell.of_type("display_data") == [], cell.outputs
        assert cell.plain_results == ["42"]
        assert "ndplay-display" in cell.stdout and "ndplay-resumed" in cell.stdout
        assert cell.stdout.rstrip().endswith("after")
        time.sleep(0.3)
        os.kill(pid, 0)  # still alive: the kernel killed nothing
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert value(kernel, "sleeper.id() > 0") == ["true"]


def test_a_printed_stderr_end_mark_does_not_end_stderr(kernel):
    cell = kernel.run(r'eprintln!("one"); eprintln!("\u{1e}ndplay-stderr-end"); eprintln!("two");')
    assert cell.status == "ok", cell.outputs
    # split("\n"): str.splitlines() would also split at the record separator.
    assert cell.stderr.split("\n") == ["one", "\u001endplay-stderr-end", "two", ""]
    # Nothing of it spills into the next cell.
    nxt = kernel.run("1 + 1")
    assert nxt.stderr == "" and nxt.plain_results == ["2"]
