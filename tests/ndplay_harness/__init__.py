"""The one Python driver of Jupyter kernels for ndplay's tests, tools and benchmark.

    from ndplay_harness import Kernel, serving_pid, running, wait_for_spare, traceback_text

- `Kernel(name, env=, cwd=, log_path=)` starts a kernel by kernelspec name and waits for
  its kernel_info reply (`.ready`, seconds); `.wait_for_prelude()` runs a first cell;
  `.run(code)` returns a `Cell` (outputs, reply, timing); `.interrupt()`,
  `.interrupt_by_sigint()` (both in `INTERRUPTS`, by name), `.serving_pid()`, `.launcher_pid`,
  `.shutdown()`.
- `serving_pid(km)`: the process that serves a kernel (a spare it adopted, or the process
  Jupyter started), for any `KernelManager`, nbclient's included.
- `wait_for_spare(name)`: starts `ndplay spare` and waits until a spare is ready.
- `running(pid)`, `parent_pid(pid)`, `status_kb(pid, key)`: a process, read from /proc.
- `strip_ansi(text)`, `traceback_text(error)`: what a student reads, without the colours.
- `cache_dir()`, `KernelLog()`: the kernels' cache, and what they logged since (`.new()`,
  `.wait_for(words)`).
- `ndplay_harness.memory.MemorySampler`: the process tree's memory (needs psutil).

`tests/` is on the path of pytest (pyproject.toml's `pythonpath`) and of .venv (a .pth file
scripts/common.sh writes): the harness is shared by tests/cells, tests/tools, bench/ and
scripts/, which are not one package.
"""
from .kernel import DEFAULT_KERNEL, INTERRUPTS, Cell, Kernel, kernel_binary
from .kernel_log import KernelLog, cache_dir
from .procs import parent_pid, running, serving_pid, status_kb
from .spare import wait_for_spare
from .text import strip_ansi, traceback_text

__all__ = ["DEFAULT_KERNEL", "INTERRUPTS", "Cell", "Kernel", "KernelLog", "cache_dir", "kernel_binary", "parent_pid",
           "running", "serving_pid", "status_kb", "strip_ansi", "traceback_text", "wait_for_spare"]
