"""One warmed kernel for every real-cell test in this directory (compiling is slow; a
kernel per test would spend minutes starting)."""
import os

import pytest
from jupyter_client.manager import KernelManager


class Cell:
    def __init__(self, reply, outputs):
        self.reply = reply["content"]
        self.outputs = outputs

    @property
    def status(self):
        return self.reply["status"]

    def of_type(self, msg_type):
        return [o["content"] for o in self.outputs if o["msg_type"] == msg_type]

    @property
    def result(self):
        results = self.of_type("execute_result")
        assert len(results) == 1, self.outputs
        return results[0]["data"]

    @property
    def stdout(self):
        return "".join(s["text"] for s in self.of_type("stream") if s["name"] == "stdout")

    @property
    def stderr(self):
        return "".join(s["text"] for s in self.of_type("stream") if s["name"] == "stderr")

    @property
    def error(self):
        errors = self.of_type("error")
        assert len(errors) == 1, self.outputs
        return errors[0]


class Runner:
    def __init__(self, km, kc):
        self.km = km
        self.kc = kc

    @property
    def pid(self):
        return self.km.provisioner.process.pid

    def run(self, code, timeout=120):
        outputs = []
        reply = self.kc.execute_interactive(
            code, timeout=timeout, output_hook=lambda m: outputs.append(m) if m["msg_type"] != "status" else None
        )
        return Cell(reply, outputs)


@pytest.fixture(scope="session")
def kernel():
    km = KernelManager(kernel_name=os.environ.get("NDPLAY_KERNEL_NAME", "ndplay"))
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    runner = Runner(km, kc)
    # The first cell waits for the prelude to load (seconds when the cache is warm).
    assert runner.run("1", timeout=600).status == "ok"
    yield runner
    kc.stop_channels()
    km.shutdown_kernel(now=True)
