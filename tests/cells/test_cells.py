"""Real Rust cells through the installed kernel: what a student sees for values, errors,
panics, crashes, displays and interrupts."""
import threading
import time

import pytest

from ndplay_harness import INTERRUPTS, Kernel, cache_dir, traceback_text


def test_first_array_needs_no_dep_and_no_use(kernel):
    cell = kernel.run("let a = array![1.0, 2.0, 3.0]; a")
    assert cell.status == "ok"
    assert "1." in cell.result["text/plain"]
    assert "text/html" in cell.result


def test_sum_of_an_integer_array(kernel):
    assert kernel.run("array![1, 2, 3].sum()").result["text/plain"] == "6"


def test_values_whose_type_rustc_names_by_its_last_segment_are_used_in_later_cells(kernel):
    # rustc writes `Instant`, `Duration`, `ParseIntError` for these types (the names are
    # unique), which a later cell that takes the variable back cannot find unqualified.
    setup = (
        "let started = std::time::Instant::now();\n"
        "let pause = std::time::Duration::from_millis(3);\n"
        'let parsed = "5x".parse::<i32>();\n'
        "let stamps = vec![std::time::Instant::now()];"
    )
    assert kernel.run(setup).status == "ok"
    cell = kernel.run("(started.elapsed().as_secs() < 600, pause.as_millis(), parsed.is_err(), stamps.len())")
    assert cell.status == "ok", cell.outputs
    assert cell.plain_results == ["(true, 3, true, 1)"]
    # Once written with its path, the type stays so: the next cell needs no second try.
    assert kernel.run("pause.as_micros()").plain_results == ["3000"]


def test_plain_numbers_display_even_before_inference(kernel):
    # `let z = 1; z` trips over evcxr_display on `{integer}`; the kernel retries it.
    cell = kernel.run("let z = 1; z")
    assert cell.status == "ok", cell.outputs
    assert cell.result["text/plain"] == "1"
    assert kernel.run("z + 1").result["text/plain"] == "2"


def test_compile_error_is_one_error_pointing_into_the_cell(kernel):
    cell = kernel.run('let ok = 1;\nlet x: i32 = "text";')
    assert cell.status == "error"
    assert cell.reply["ename"] == "E0308"
    err = cell.error
    assert err["ename"] == "E0308"
    assert "mismatched types" in err["evalue"]
    report = traceback_text(err)
    assert "cell:2:" in report
    assert '2 | let x: i32 = "text";' in report
    assert "^" in report
    assert cell.stderr == ""


def test_compile_errors_show_the_cell_as_typed_not_as_rewritten(kernel):
    # A final expression that moves a variable is compiled as `let __ndplay_last = …`;
    # the student must still see their own line, with the caret under their own name.
    kernel.run("let moved_b = array![1.0, 2.0];")
    cell = kernel.run("let k = 1;\nmissing_name + moved_b")
    report = traceback_text(cell.error)
    assert "__ndplay" not in report, report
    assert "cell:2:1" in report, report
    assert "2 | missing_name + moved_b\n  | ^^^^^^^^^^^^ not found in this scope" in report, report


def test_vars_lists_the_students_variables_only(kernel):
    # The kernel keeps variables of its own (`__ndplay_warmup`, ...) in the same store.
    kernel.run("let mine_for_vars = array![1, 2];")
    cell = kernel.run(":vars")
    assert cell.status == "ok", cell.outputs
    assert "mine_for_vars" in cell.stdout, cell.stdout
    assert "__ndplay" not in cell.stdout, cell.stdout


def test_a_bare_exit_shows_the_compile_error_itself(kernel):
    # rustc's own report of `exit` is an error with a "help: consider importing" note; the
    # student must see the error (what is wrong, where), not only the help line.
    cell = kernel.run("exit")
    assert cell.status == "error", cell.outputs
    err = cell.error
    assert err["ename"] == "E0425", err
    report = traceback_text(err)
    assert "cannot find value `exit` in this scope" in report, report
    assert "1 | exit" in report and "^^^^" in report, report


def test_a_kernel_says_its_progress_in_its_log_not_over_the_console(tmp_path):
    # In jupyter console a kernel's stderr is the terminal: lines there overwrite the prompt.
    stderr = tmp_path / "stderr.txt"
    k = Kernel(log_path=stderr, ready_timeout=120)
    try:
        assert k.run("40 + 2", timeout=600).result["text/plain"] == "42"
        launcher = k.launcher_pid
    finally:
        k.shutdown(now=True)
    assert stderr.read_text() == ""
    with open(cache_dir() / "kernel.log") as f:
        assert f"kernel {launcher} started" in f.read()


def fails_after(kernel, setup, code):
    """Runs `setup`, which must succeed, then `code`, which must fail; the failed cell."""
    assert kernel.run(setup).status == "ok"
    cell = kernel.run(code)
    assert cell.status == "error"
    return cell


def test_panic_is_one_error_and_earlier_variables_survive(kernel):
    cell = fails_after(kernel, "let kept = array![1, 2, 3];", "let lost = 5;\nlet v: Vec<i32> = Vec::new();\nv[3]")
    err = cell.error
    assert err["ename"] == "panic"
    assert "index out of bounds" in err["evalue"]
    # The panic message is not duplicated on stderr.
    assert "panicked" not in cell.stderr
    assert kernel.run("kept.len()").result["text/plain"] == "3"


def test_process_exit_says_what_happened_and_keeps_the_variables(kernel):
    cell = fails_after(kernel, "let before_exit = 41;", "std::process::exit(3);")
    err = cell.error
    assert err["ename"] == "ProcessDied"
    text = traceback_text(err)
    assert "exit(3)" in text
    assert "Nothing was lost" in text and "before_exit" in text
    # The snapshot from before the cell took over: nothing to replay, the value is there.
    assert kernel.run("before_exit + 1").result["text/plain"] == "42"
    assert "Nothing to restore" in kernel.run(":restore").stdout


def test_abort_is_reported(kernel):
    kernel.run("let before_abort = 1;")
    cell = kernel.run("std::process::abort();")
    assert cell.error["ename"] == "ProcessDied"
    assert "abort" in cell.error["evalue"]
    assert "before_abort" in traceback_text(cell.error)  # named as kept
    assert kernel.run("2 + 2").result["text/plain"] == "4"
    assert kernel.run("before_abort * 5").result["text/plain"] == "5"


def test_several_displays_in_order_with_text(kernel):
    cell = kernel.run(
        'println!("before");\n'
        "display(&array![1, 2]);\n"
        'println!("between");\n'
        'display(&Markdown("**md**".to_string()));\n'
        'println!("after");'
    )
    assert cell.status == "ok", cell.outputs
    kinds = [
        (o["msg_type"], o["content"].get("text")) for o in cell.outputs if o["msg_type"] in ("stream", "display_data")
    ]
    assert kinds == [
        ("stream", "before\n"),
        ("display_data", None),
        ("stream", "between\n"),
        ("display_data", None),
        ("stream", "after\n"),
    ]
    assert cell.of_type("display_data")[1]["data"]["text/markdown"] == "**md**"


def test_clear_output_and_update_display(kernel):
    cell = kernel.run(
        'let h = display_handle(&Html("<i>one</i>".to_string()));\n'
        'h.update(&Html("<i>two</i>".to_string()));\n'
        "clear_output_wait();"
    )
    assert cell.status == "ok", cell.outputs
    shown = cell.of_type("display_data")[0]
    updated = cell.of_type("update_display_data")[0]
    assert shown["transient"]["display_id"] == updated["transient"]["display_id"]
    assert updated["data"]["text/html"] == "<i>two</i>"
    assert cell.of_type("clear_output") == [{"wait": True}]


@pytest.mark.parametrize("interrupt", INTERRUPTS.values(), ids=INTERRUPTS)
def test_interrupt_stops_an_endless_loop_within_a_second(kernel, interrupt):
    kernel.run("let survivor = 7;")
    result = {}

    def run():
        result["cell"] = kernel.run("loop {}", timeout=60)

    t = threading.Thread(target=run)
    t.start()
    time.sleep(3)  # let it compile and start looping
    started = time.monotonic()
    interrupt(kernel)
    t.join(timeout=10)
    elapsed = time.monotonic() - started
    assert not t.is_alive()
    cell = result["cell"]
    assert cell.error["ename"] == "Interrupted", cell.error
    assert elapsed < 1.0, elapsed
    assert "survivor" in traceback_text(cell.error)
    assert kernel.run("1 + 1").result["text/plain"] == "2"
    assert kernel.run("survivor * 6").result["text/plain"] == "42"


def test_shape_error_names_both_shapes_and_draws_the_broadcast(kernel):
    kernel.run("let sa = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]; let sb = array![1.0, 2.0];")
    cell = kernel.run("&sa + &sb")
    assert cell.status == "error"
    err = cell.error
    assert err["ename"] == "ShapeError"
    assert err["evalue"] == "operands could not be broadcast together with shapes (2, 3) (2,)"
    pictures = cell.of_type("display_data")
    assert len(pictures) == 1 and "image/svg+xml" in pictures[0]["data"]
    # Explained once: the picture (and its text/plain, for terminals) has the axes and the
    # fix; the error keeps only its first line.
    words = pictures[0]["data"]["text/plain"]
    assert "MISMATCH" in words and "fix:" in words
    report = traceback_text(err)
    assert report.count("could not be broadcast") == 1, report
    assert "MISMATCH" not in report and "fix:" not in report, report
    # The picture comes before the error, and the variables survive.
    kinds = [o["msg_type"] for o in cell.outputs]
    assert kinds.index("display_data") < kinds.index("error")
    assert kernel.run("sb.len()").result["text/plain"] == "2"


def test_compile_errors_speak_in_array_types(kernel):
    cell = kernel.run("let mixed = array![1, 2] + array![1.0, 2.0];")
    err = cell.error
    assert err["ename"] == "E0277"
    report = traceback_text(err)
    assert "Array1<{integer}>" in report
    assert "ArrayBase<OwnedRepr" not in report
    assert "hint: arrays of different element types" in report
