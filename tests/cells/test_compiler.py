"""The rustc started ahead for the next cell (kernel/src/engine/rust/build/compiler.rs): it waits
between cells, compiles the next one with its errors and panics named as before, and never
outlives its kernel, however the kernel ends."""
import os
import signal
import time

import psutil

from ndplay_harness import Kernel, KernelLog, running

# Every cell compiled: these tests watch the rustc that compiles them, which a cell loaded
# from the compiled-cell cache never reaches.
NO_CACHE = {"NDPLAY_SPARE": "0", "NDPLAY_CELL_CACHE": "0"}


def waiting_rustc(kernel_pid, timeout=10):
    """The kernel's child rustc that waits in its `prestart` directory, or None."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for child in psutil.Process(kernel_pid).children():
            try:
                if child.name() == "rustc" and child.cwd().endswith("/prestart"):
                    return child
            except psutil.NoSuchProcess:
                pass
        time.sleep(0.05)
    return None


def error_text(error):
    return error["evalue"] + "\n" + "\n".join(error["traceback"])


def gone(process, timeout=10):
    """Whether `process` ended within `timeout` (`running` counts a zombie as ended: an
    orphan waits for whichever ancestor reaps it, which may be slow to)."""
    deadline = time.time() + timeout
    while running(process.pid):
        if time.time() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_the_next_cells_rustc_waits_compiles_and_ends_with_its_kernel(tmp_path):
    kernel = Kernel(env=NO_CACHE, cwd=str(tmp_path))
    try:
        assert kernel.run("1", timeout=600).status == "ok"
        pid = kernel.serving_pid()
        first = waiting_rustc(pid)
        assert first is not None, "no rustc waits for the next cell"
        # It compiles the next cell, and another one waits after it.
        assert kernel.run("let v = array![1.0, 2.0]; v.sum()").plain_results == ["3.0"]
        assert gone(first), "the rustc that compiled the cell did not end"
        # Its messages name the cell as a rustc started for the cell would.
        error = kernel.run('let q: i32 = "text";').error
        assert "mismatched types" in error_text(error)
        panic = kernel.run('panic!("on purpose")').error
        text = error_text(panic)
        assert "on purpose" in text and "in this cell" in text, text
        waiting = waiting_rustc(pid)
        assert waiting is not None and waiting.pid != first.pid
        # Killed without a word: the pipe the rustc waits on closes, and it ends.
        os.kill(pid, signal.SIGKILL)
        assert gone(waiting), "a rustc outlived its killed kernel"
    finally:
        kernel.shutdown(now=True)


def test_a_kernel_shut_down_leaves_no_rustc_behind(tmp_path):
    kernel = Kernel(env=NO_CACHE, cwd=str(tmp_path))
    try:
        assert kernel.run("1", timeout=600).status == "ok"
        waiting = waiting_rustc(kernel.serving_pid())
        assert waiting is not None
    finally:
        kernel.shutdown(now=False)
    assert gone(waiting), "a rustc outlived its kernel's shutdown"


def test_without_the_setting_every_cell_starts_its_own_rustc(tmp_path):
    kernel = Kernel(env={**NO_CACHE, "NDPLAY_PRESTART_RUSTC": "0"}, cwd=str(tmp_path))
    try:
        assert kernel.run("let w = 6 * 7; w", timeout=600).plain_results == ["42"]
        assert waiting_rustc(kernel.serving_pid(), timeout=1) is None
    finally:
        kernel.shutdown(now=True)


def test_an_interrupt_signalled_to_the_kernels_process_group_spares_the_waiting_rustc(tmp_path):
    """jupyter_client's `interrupt_mode: signal` (and a terminal's Ctrl-C) sends SIGINT to the
    kernel's whole process group. rustc answers SIGINT by failing what it evaluates next
    ("compilation was interrupted") and exiting 100 ms later: the rustc waiting for the next
    cell must not get it, or a student who stops a cell and runs the next at once gets that
    error instead of the cell."""
    kernel = Kernel(env=NO_CACHE, cwd=str(tmp_path))
    try:
        assert kernel.run("1", timeout=600).status == "ok"
        pid = kernel.serving_pid()
        waiting = waiting_rustc(pid)
        assert waiting is not None
        log = KernelLog()
        os.killpg(os.getpgid(pid), signal.SIGINT)
        # The kernel takes the signal as an interrupt, on a task of its own: a cell sent
        # before that task ran would be stopped by it, rightly (CI saw it once under load).
        # What is tested is the waiting rustc, so the next cell goes once the kernel has
        # taken the signal (a few ms), still well within rustc's 100 ms.
        assert log.wait_for("SIGINT received", timeout=5) is not None
        cell = kernel.run("let n = 40 + 2; n")
        assert cell.status == "ok" and cell.plain_results == ["42"], cell.outputs
        # And a rustc that got it would have ended by now; this one still waits.
        waiting = waiting_rustc(pid)
        assert waiting is not None
        os.killpg(os.getpgid(pid), signal.SIGINT)
        time.sleep(0.5)
        assert running(waiting.pid), "the waiting rustc ended on the process group's SIGINT"
        assert kernel.run("n + 1").plain_results == ["43"]
    finally:
        kernel.shutdown(now=True)
