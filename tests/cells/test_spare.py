"""The spare kernel (kernel/src/spare.rs): a kernel started while a warm spare waits is
answered at once, runs in its own notebook's directory, and never outlives the process
Jupyter started."""
import os
import signal
import time

import pytest

from ndplay_harness import Kernel, running, wait_for_spare


@pytest.fixture
def spare():
    """Waits for a spare of the installed kernel's binary (kernels start one in a pause
    after their first 20 s; this starts one, which exits at once if one is on its way)."""
    assert wait_for_spare(timeout=300), "no spare kernel became ready"


def run(kernel, code):
    cell = kernel.run(code, timeout=300)
    assert cell.status == "ok", cell.outputs
    return cell.plain_results


def test_a_kernel_from_a_spare_answers_at_once_in_its_notebooks_directory(spare, tmp_path):
    (tmp_path / "beside.txt").write_text("next to the notebook")
    asked = time.monotonic()
    kernel = Kernel(cwd=tmp_path)
    try:
        assert run(kernel, "let a = array![1.0, 2.0, 3.0]; a.sum()") == ["6.0"]
        # A cold start takes 10-25 s here; generous, so that a loaded CI machine passes.
        assert time.monotonic() - asked < 8
        assert kernel.serving_pid() != kernel.launcher_pid, "the kernel was not adopted"
        assert run(kernel, 'std::fs::read_to_string("beside.txt").unwrap()') == ['"next to the notebook"']
        # A child restarted after a crash starts in the same directory.
        kernel.run("std::process::exit(1);", timeout=60)
        assert run(kernel, 'std::fs::read_to_string("beside.txt").unwrap().len()') == ["20"]
    finally:
        kernel.shutdown(now=False)
    assert not kernel.is_alive()


def test_killing_the_launcher_ends_the_adopted_kernel(spare, tmp_path):
    kernel = Kernel(cwd=tmp_path)
    adopted = kernel.serving_pid()
    assert adopted != kernel.launcher_pid
    os.kill(kernel.launcher_pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while running(adopted):
        assert time.monotonic() < deadline, "the adopted kernel outlived its launcher"
        time.sleep(0.05)
    kernel.shutdown()


def test_without_spares_the_launcher_is_the_kernel(tmp_path):
    kernel = Kernel(cwd=tmp_path, env={"NDPLAY_SPARE": "0"})
    try:
        assert kernel.serving_pid() == kernel.launcher_pid
    finally:
        kernel.shutdown(now=True)
