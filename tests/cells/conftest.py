"""One warmed kernel for every real-cell test in this directory (compiling is slow; a
kernel per test would spend minutes starting)."""

import pytest

from ndplay_harness import Kernel


@pytest.fixture(scope="session")
def kernel():
    kernel = Kernel(ready_timeout=60)
    # The first cell waits for the prelude to load (seconds when the cache is warm).
    assert kernel.run("1", timeout=600).status == "ok"
    yield kernel
    kernel.shutdown(now=True)
