"""The spare kernel (kernel/src/spare.rs): a kernel started while a warm spare waits is
answered at once, runs in its own notebook's directory, and never outlives the process
Jupyter started."""
import os
import signal
import subprocess
import time

import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager

KERNEL = os.environ.get("NDPLAY_KERNEL_NAME", "ndplay")


@pytest.fixture
def spare():
    """Waits for a spare of the installed kernel's binary (kernels start one in a pause
    after their first 20 s; this starts one, which exits at once if one is on its way)."""
    ndplay = KernelSpecManager().get_kernel_spec(KERNEL).argv[0]
    socket = subprocess.run([ndplay, "spare", "--print-socket"], check=True, capture_output=True, text=True).stdout.strip()
    subprocess.Popen([ndplay, "spare"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 300
    while not os.path.exists(socket):
        assert time.monotonic() < deadline, "no spare kernel became ready"
        time.sleep(0.2)


def start(cwd, env=None):
    km = KernelManager(kernel_name=KERNEL)
    km.start_kernel(cwd=str(cwd), env=env or dict(os.environ))
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)
    return km, kc


def run(kc, code):
    outputs = []
    reply = kc.execute_interactive(code, timeout=300, output_hook=outputs.append)
    assert reply["content"]["status"] == "ok", outputs
    return [o["content"]["data"]["text/plain"] for o in outputs if o["msg_type"] == "execute_result"]


def kernel_pid(kc):
    """The pid of the process that serves the kernel: the parent of the cells' process."""
    (child,) = run(kc, "std::process::id()")
    with open(f"/proc/{child}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


def running(pid):
    """Whether `pid` exists and is not a zombie (it may vanish between two reads)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_kernel_from_a_spare_answers_at_once_in_its_notebooks_directory(spare, tmp_path):
    (tmp_path / "beside.txt").write_text("next to the notebook")
    asked = time.monotonic()
    km, kc = start(tmp_path)
    try:
        assert run(kc, "let a = array![1.0, 2.0, 3.0]; a.sum()") == ["6.0"]
        # A cold start takes 10-25 s here; generous, so that a loaded CI machine passes.
        assert time.monotonic() - asked < 8
        assert kernel_pid(kc) != km.provisioner.process.pid, "the kernel was not adopted"
        assert run(kc, 'std::fs::read_to_string("beside.txt").unwrap()') == ['"next to the notebook"']
        # A child restarted after a crash starts in the same directory.
        kc.execute_interactive("std::process::exit(1);", timeout=60, output_hook=lambda m: None)
        assert run(kc, 'std::fs::read_to_string("beside.txt").unwrap().len()') == ["20"]
    finally:
        km.shutdown_kernel()
    assert not km.is_alive()


def test_killing_the_launcher_ends_the_adopted_kernel(spare, tmp_path):
    km, kc = start(tmp_path)
    adopted = kernel_pid(kc)
    assert adopted != km.provisioner.process.pid
    os.kill(km.provisioner.process.pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while running(adopted):
        assert time.monotonic() < deadline, "the adopted kernel outlived its launcher"
        time.sleep(0.05)
    kc.stop_channels()
    km.cleanup_resources()


def test_without_spares_the_launcher_is_the_kernel(tmp_path):
    km, kc = start(tmp_path, env={**os.environ, "NDPLAY_SPARE": "0"})
    try:
        assert kernel_pid(kc) == km.provisioner.process.pid
    finally:
        km.shutdown_kernel(now=True)
