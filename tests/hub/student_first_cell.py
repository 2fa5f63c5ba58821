"""Run as a student (tests/hub/multiuser.py): opens a kernel of the shared install, runs a
first cell and a second one, and prints what it measured as one line of JSON."""
import json
import sys
import time
from pathlib import Path

from ndplay_harness import Kernel

name = sys.argv[1]
started = time.perf_counter()
kernel = Kernel(name, ready_timeout=120)
try:
    first = kernel.run("let a = array![1.0, 2.0, 3.0]; a", timeout=300)
    first_cell = time.perf_counter() - started
    second = kernel.run("(&a * 2.0).sum()", timeout=60)
    result = {
        "ready": kernel.ready,
        "first_cell_from_open": first_cell,
        "first_cell": first.seconds,
        "second_cell": second.seconds,
        "statuses": [first.status, second.status],
        "second_result": second.plain_results,
    }
finally:
    kernel.shutdown(now=False)
log = Path.home() / ".cache" / "ndplay" / "kernel.log"
result["log"] = log.read_text() if log.exists() else ""
print(json.dumps(result))
