"""Waiting for a warm spare of an ndplay kernel (kernel/src/spare.rs)."""
import os
import subprocess
import time

from .kernel import DEFAULT_KERNEL, kernel_binary


def wait_for_spare(name=DEFAULT_KERNEL, env=None, timeout=300):
    """Waits for a spare of the binary that kernelspec `name` runs (a spare serves only its
    own binary). Kernels start one in a pause after their first 20 s, and `ndplay install`
    leaves one; this starts one too (detached, as the kernel does), which exits at once
    if one is already waiting or warming. `env`: variables added to this process's
    environment for the spare (NDPLAY_CACHE_DIR says where its socket goes).

    Returns the spare's socket path, or None if no spare was ready within `timeout` s."""
    ndplay = kernel_binary(name)
    env = {**os.environ, **(env or {})}
    socket = subprocess.run([ndplay, "spare", "--print-socket"], env=env, check=True,
                            capture_output=True, text=True).stdout.strip()
    subprocess.Popen([ndplay, "spare"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     env=env, start_new_session=True)
    deadline = time.monotonic() + timeout
    while not os.path.exists(socket):
        if time.monotonic() > deadline:
            return None
        time.sleep(0.1)
    return socket
