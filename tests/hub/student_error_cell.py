"""Run as a student: the first cell of a kernel whose engine could not start, and the
error it shows (one line of JSON)."""
import json
import sys

from ndplay_harness import Kernel

kernel = Kernel(sys.argv[1], ready_timeout=120)
try:
    cell = kernel.run("1", timeout=120)
    error = "\n".join(cell.error["traceback"]) + "\n" + cell.error["evalue"] if cell.status == "error" else ""
finally:
    kernel.shutdown(now=True)
print(json.dumps({"status": cell.status, "error": error}))
