"""Nothing lost (issue 13): after an interrupt or a crash of any kind, every variable that
existed before the cell exists after it, with its value from before the cell, and only the
cell's own changes are gone. (The kernel forks a snapshot of the process that runs cells
before each cell; when the cell's process dies, the snapshot takes over.)"""
import threading
import time

import pytest

from ndplay_harness import INTERRUPTS, Kernel, traceback_text


def define(kernel):
    """Variables of several kinds, and what reading them back must give."""
    setup = (
        "let mut nl_a = array![1.0, 2.0, 3.0];\nlet nl_m = array![[1, 2], [3, 4]];\n"
        'let nl_s = String::from("kept");'
    )
    assert kernel.run(setup).status == "ok"
    return "format!(\"{} {} {}\", nl_a.sum(), nl_m.sum(), nl_s)", '"6 10 kept"'


CRASHES = {
    "abort": ("std::process::abort();", "abort"),
    "segfault": ("unsafe { (16 as *mut i32).write_volatile(1); }", "segmentation fault"),
    "stack overflow": (
        "fn nl_deep(n: u64) -> u64 { let a = [n; 1000]; nl_deep(a[7] + 1) + a[3] }\nnl_deep(0);",
        "stack overflow",
    ),
    "out of memory": ("let nl_huge: Vec<u8> = vec![1u8; 1usize << 45]; nl_huge.len()", "out of memory"),
    "exit(3)": ("std::process::exit(3);", "exit(3)"),
}


@pytest.mark.parametrize("name", list(CRASHES))
def test_a_crash_keeps_every_variable_with_its_value(kernel, name):
    read, expected = define(kernel)
    code, cause = CRASHES[name]
    # The cell changes a variable before it dies: that change is what is undone.
    cell = kernel.run("nl_a[0] = 100.0;\n" + code)
    assert cell.status == "error"
    assert cell.error["ename"] == "ProcessDied", cell.error
    assert cause in cell.error["evalue"]
    text = traceback_text(cell.error)
    assert "Nothing was lost" in text and "nl_a" in text, text
    assert "changes are undone (to nl_a)" in text, text
    assert kernel.run(read).result["text/plain"] == expected


def interrupted(kernel, code, interrupt=Kernel.interrupt, after=2.0):
    """Runs `code` and interrupts it `after` seconds later; the cell, and the seconds from
    the interrupt to its reply."""
    result = {}
    t = threading.Thread(target=lambda: result.setdefault("cell", kernel.run(code, timeout=120)))
    t.start()
    time.sleep(after)
    stop = time.monotonic()
    interrupt(kernel)
    t.join(timeout=30)
    assert not t.is_alive(), "the interrupted cell never replied"
    return result["cell"], time.monotonic() - stop


@pytest.mark.parametrize("interrupt", INTERRUPTS.values(), ids=INTERRUPTS)
def test_an_interrupted_loop_keeps_every_variable_and_is_back_in_half_a_second(kernel, interrupt):
    read, expected = define(kernel)
    cell, seconds = interrupted(kernel, "nl_a[1] = -1.0;\nloop {}", interrupt)
    assert cell.error["ename"] == "Interrupted"
    assert seconds < 0.5, seconds
    assert "Nothing was lost" in traceback_text(cell.error)
    started = time.monotonic()
    assert kernel.run(read).result["text/plain"] == expected
    assert time.monotonic() - started < 2


def test_two_interrupts_in_a_row(kernel):
    read, expected = define(kernel)
    for _ in range(2):
        cell, _ = interrupted(kernel, "loop { std::hint::spin_loop(); }")
        assert cell.error["ename"] == "Interrupted"
    assert kernel.run(read).result["text/plain"] == expected
    assert "Nothing to restore" in kernel.run(":restore").stdout


def test_an_interrupt_while_the_cell_still_compiles(kernel):
    read, expected = define(kernel)
    # Thousands of statements: seconds to compile, so the interrupt lands in rustc.
    slow = "\n".join(
        f"let nl_c{i}: Vec<i64> = (0..{i}).map(|x| x * {i}).filter(|x| x % 3 == 0).collect();" for i in range(3000)
    )
    cell, seconds = interrupted(kernel, slow, after=0.5)
    assert cell.error["ename"] == "Interrupted"
    assert "while it compiled" in cell.error["evalue"], cell.error
    assert seconds < 0.5, seconds
    assert kernel.run(read).result["text/plain"] == expected


def test_a_100_mb_array_survives_an_interrupt(kernel):
    big = kernel.run("let nl_big = Array1::<f64>::from_elem(13_000_000, 2.5); nl_big.len()")
    assert big.result["text/plain"] == "13000000"
    cell, _ = interrupted(kernel, "nl_big.len();\nloop {}")
    assert cell.error["ename"] == "Interrupted"
    assert kernel.run("nl_big.sum()").result["text/plain"] == "32500000.0"


def test_a_variable_of_a_failed_cell_is_missing_and_the_error_says_why(kernel):
    """A NumPy habit: several statements in one cell, the last one fails. In Python the
    first ones took effect; here a failed cell keeps none of its variables. When a later
    cell uses one, rustc's "cannot find value" gets a hint that says so."""
    failed = kernel.run("let fc_a = array![[1.0, 2.0], [3.0, 4.0]];\nlet fc_b = array![1.0, 2.0, 3.0];\n&fc_a + &fc_b")
    assert failed.status == "error"
    # The shapes could not be looked at (the arrays went with the cell): it says so, and how.
    report = traceback_text(failed.error)
    assert "`fc_a` and `fc_b` were made in this cell, so they went with it when it failed" in report, report
    assert "make them in a cell of their own" in report and "explain_broadcast(&fc_a, &fc_b)" in report, report
    missing = traceback_text(kernel.run("fc_a.sum()").error)
    assert "cannot find value `fc_a`" in missing
    assert "hint: `fc_a` was made in a cell that stopped with an error" in missing, missing
    # A name no cell made gets rustc's words alone.
    assert "hint" not in traceback_text(kernel.run("fc_never_made").error)
    # Once a cell that works makes it, it is an ordinary variable again.
    assert kernel.run("let fc_a = array![1.0, 2.0];").status == "ok"
    assert kernel.run("fc_a.sum()").result["text/plain"] == "3.0"


def test_a_failed_cell_that_took_a_variable_by_value_says_it_is_gone(kernel):
    """`let w = v;` moves `v` into the cell; when the cell then fails, `v` went with it.
    The report must not claim that every earlier variable is kept, and a later use of `v`
    says where it went. A move by a cell that works is explained the same way."""
    assert kernel.run("let tv_v = vec![1, 2, 3];\nlet tv_keep = 7;").status == "ok"
    failed = kernel.run('let tv_w = tv_v;\npanic!("boom");')
    report = traceback_text(failed.error)
    assert "kept, except `tv_v`, which this cell took by value before it stopped" in report, report
    assert "hint: `tv_v` was taken by value by a cell that then stopped with an error" in traceback_text(
        kernel.run("tv_v.len()").error
    )
    assert kernel.run("tv_keep").result["text/plain"] == "7"
    assert kernel.run('let tv_s = String::from("hi");').status == "ok"
    assert kernel.run("let tv_t = tv_s;").status == "ok"
    assert "hint: `tv_s` was moved (taken by value) by an earlier cell" in traceback_text(
        kernel.run("tv_s.len()").error
    )
    # Made and moved in one cell: not kept, and said so later too.
    assert kernel.run('let tv_m = String::from("hi");\nlet tv_n = tv_m;').status == "ok"
    assert "hint: `tv_m` was moved (taken by value) by an earlier cell" in traceback_text(
        kernel.run("tv_m.len()").error
    )
    assert kernel.run("tv_n.len()").result["text/plain"] == "2"


def test_without_snapshots_restore_brings_back_every_loss():
    """The fallback when no snapshot can be made (NDPLAY_SNAPSHOTS=0): the variables are
    named as lost, and `:restore` replays the cells of every loss since the last restore."""
    with Kernel(env={"NDPLAY_SNAPSHOTS": "0", "NDPLAY_SPARE": "0"}) as k:
        assert k.run("let first = 1;").status == "ok"
        cell = k.run("std::process::exit(3);")
        assert "Variables lost: first" in traceback_text(cell.error)
        # Using it anyway: rustc's "cannot find value" says where it went and what to do.
        missing = traceback_text(k.run("first + 1").error)
        assert "cannot find value `first`" in missing
        assert "hint: `first` was lost when the process running cells stopped: `:restore`" in missing
        assert k.run("let second = 2;").status == "ok"
        cell = k.run("std::process::abort();")
        assert "Variables lost: second" in traceback_text(cell.error)
        restored = k.run(":restore", timeout=300)
        assert restored.status == "ok", restored.outputs
        assert "Restored 2 cells" in restored.stdout
        assert k.run("first + second").result["text/plain"] == "3"


def test_a_restore_that_fails_keeps_what_it_did_not_bring_back(tmp_path):
    """A replayed cell can fail this time (here it aborts, because a file it looks for has
    appeared): restoring stops there and says so, and nothing is forgotten. The cells it
    did not bring back are still to be restored, and so are those it had restored before
    the failing one took the process down again: once the cause is gone, a second
    `:restore` brings every variable back."""
    flag = tmp_path / "abort-now"
    with Kernel(env={"NDPLAY_SNAPSHOTS": "0", "NDPLAY_SPARE": "0"}) as k:
        assert k.run("let ra = 1;").status == "ok"
        cell = k.run(f'let rb = ra + 1;\nif std::path::Path::new("{flag}").exists() {{ std::process::abort(); }}')
        assert cell.status == "ok", cell.outputs
        assert k.run("let rc = rb + 1;").status == "ok"
        assert "Variables lost" in traceback_text(k.run("std::process::abort();").error)
        flag.write_text("")
        failed = k.run(":restore", timeout=300)
        assert failed.status == "error", failed.outputs
        report = traceback_text(failed.error)
        assert "Restoring stopped at cell 2/3" in report
        assert "run `:restore` again" in report
        flag.unlink()
        again = k.run(":restore", timeout=300)
        assert again.status == "ok", again.outputs
        assert "Restored 3 cells" in again.stdout
        assert k.run("ra + rb + rc").result["text/plain"] == "6"
        assert "Nothing to restore" in k.run(":restore").stdout


def test_a_stdin_read_that_is_stopped_keeps_every_variable(kernel):
    """The student runs a cell that reads a line, and presses stop instead of answering
    (IPython raises KeyboardInterrupt there): the cell ends as interrupted, the variables
    stay, and the prompt's answer, never sent, is not read by a later cell."""
    kernel.run("let kept_before_input = 41;")
    prompts, result = [], {}

    def hook(msg):
        prompts.append(msg["content"])  # asked, and never answered

    def run():
        result["reply"] = kernel.kc.execute_interactive(
            "let mut line = String::new();\nstd::io::stdin().read_line(&mut line).unwrap();\nline",
            allow_stdin=True, stdin_hook=hook, timeout=60)

    t = threading.Thread(target=run)
    t.start()
    deadline = time.monotonic() + 30
    while not prompts and time.monotonic() < deadline:
        time.sleep(0.05)
    assert prompts, "the cell never asked for its line"
    started = time.monotonic()
    kernel.interrupt()
    t.join(timeout=10)
    assert not t.is_alive(), "the cell did not end after the stop"
    assert time.monotonic() - started < 1.0
    assert result["reply"]["content"]["ename"] == "Interrupted", result["reply"]["content"]
    assert kernel.run("kept_before_input + 1").result["text/plain"] == "42"

