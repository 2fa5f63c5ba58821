"""The one Python driver of Jupyter kernels for ndplay's tests, tools and benchmark.

    from ndplay_harness import Kernel, serving_pid, running, wait_for_spare

- `Kernel(name, env=, cwd=, log_path=)` starts a kernel by kernelspec name and waits for
  its kernel_info reply (`.ready`, seconds); `.run(code)` returns a `Cell` (outputs,
  reply, timing); `.interrupt()`, `.interrupt_by_sigint()`, `.serving_pid()`, `.launcher_pid`, `.shutdown()`.
- `serving_pid(km)`: the process that serves a kernel (a spare it adopted, or the process
  Jupyter started), for any `KernelManager`, nbclient's included.
- `wait_for_spare(name)`: starts `ndplay spare` and waits until a spare is ready.
- `ndplay_harness.memory.MemorySampler`: the process tree's memory (needs psutil).

`tests/` is on the path of pytest (pyproject.toml's `pythonpath`) and of .venv (a .pth file
scripts/common.sh writes): the harness is shared by tests/cells, tests/tools, bench/ and
scripts/, which are not one package.
"""
from .kernel import DEFAULT_KERNEL, Cell, Kernel, kernel_binary
from .procs import parent_pid, running, serving_pid
from .spare import wait_for_spare

__all__ = ["DEFAULT_KERNEL", "Cell", "Kernel", "kernel_binary", "parent_pid", "running", "serving_pid",
           "wait_for_spare"]
