"""One warmed kernel for every real-cell test in this directory (compiling is slow; a
kernel per test would spend minutes starting)."""

import pytest

from ndplay_harness import Kernel


@pytest.fixture(scope="session")
def kernel():
    with Kernel(ready_timeout=60) as kernel:
        yield kernel.wait_for_prelude()
