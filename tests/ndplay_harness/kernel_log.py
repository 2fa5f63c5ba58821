"""The kernels' log: `<cache>/kernel.log`, one file every kernel of a cache appends to."""
import os
import time
from pathlib import Path


def cache_dir():
    """The cache the kernels under test use (NDPLAY_CACHE_DIR, as the kernel reads it)."""
    return Path(os.environ.get("NDPLAY_CACHE_DIR") or Path(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ndplay")


class KernelLog:
    """What the kernels logged since this was made (kernel.log is shared and appended to)."""

    def __init__(self):
        self.path = cache_dir() / "kernel.log"
        self.start = self.path.stat().st_size if self.path.exists() else 0

    def new(self):
        with open(self.path, errors="replace") as f:
            f.seek(self.start)
            text = f.read()
        self.start += len(text.encode())
        return text

    def wait_for(self, words, timeout=10.0):
        """Waits until a line with `words` is logged; what was logged meanwhile, or None."""
        seen = ""
        deadline = time.time() + timeout
        while time.time() < deadline:
            seen += self.new()
            if words in seen:
                return seen
            time.sleep(0.002)
        return None
