"""A kernel started by kernelspec name, and the cells run on it."""
import os
import signal
import time
from queue import Empty

from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager

from .procs import serving_pid

# The kernelspec the tests run (scripts/test.sh installs "ndplay" into a private prefix).
DEFAULT_KERNEL = os.environ.get("NDPLAY_KERNEL_NAME", "ndplay")


def kernel_binary(name=DEFAULT_KERNEL):
    """The program a kernelspec starts (for ndplay: the `ndplay` binary)."""
    return KernelSpecManager().get_kernel_spec(name).argv[0]


class Cell:
    """One executed cell: its reply's content, and its IOPub messages but `status`, in
    the order they came (`execute_input` included). `started` is a `time.perf_counter()`
    reading from just before the request; `seconds` runs to the reply and the final idle."""

    def __init__(self, reply, outputs, started=None, seconds=None):
        self.reply = reply["content"]
        self.outputs = outputs
        self.started = started
        self.seconds = seconds

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
    def plain_results(self):
        """The text/plain of every execute_result (none, or one)."""
        return [r["data"]["text/plain"] for r in self.of_type("execute_result")]

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


class Kernel:
    """A fresh kernel and a blocking client connected to it.

    `env` holds variables added to this process's environment; `cwd` is the kernel's
    working directory (the notebook's); `log_path` receives the kernel's stdout and stderr.
    `ready` is the time from asking for the kernel to its kernel_info reply.
    """

    def __init__(self, name=DEFAULT_KERNEL, *, env=None, cwd=None, log_path=None, ready_timeout=120):
        self.name = name
        self.log_path = log_path
        self._log = open(log_path, "w") if log_path else None
        kw = {"stdout": self._log, "stderr": self._log} if self._log else {}
        if cwd is not None:
            kw["cwd"] = str(cwd)
        self.started = time.perf_counter()
        self.km = KernelManager(kernel_name=name)
        self.km.start_kernel(env={**os.environ, **(env or {})}, **kw)
        self.kc = self.km.client()
        self.kc.start_channels()
        try:
            self._wait_for_ready(ready_timeout)
        except BaseException:
            self.shutdown()
            raise

    def _wait_for_ready(self, timeout):
        deadline = time.monotonic() + timeout
        self._shell_reply(self.kc.kernel_info(), deadline)
        self.ready = time.perf_counter() - self.started
        # IOPub is a subscription: until it is connected, what the kernel publishes is lost.
        # The kernel_info's status messages show that it is; when none came, ask again.
        while True:
            try:
                self.kc.get_iopub_msg(timeout=0.2)
                return
            except Empty:
                self._shell_reply(self.kc.kernel_info(), deadline)

    def _shell_reply(self, msg_id, deadline):
        while True:
            try:
                msg = self.kc.get_shell_msg(timeout=1)
            except Empty:
                if not self.km.is_alive():
                    raise RuntimeError(f"kernel {self.name!r} died before replying to kernel_info") from None
                if time.monotonic() > deadline:
                    raise RuntimeError(f"kernel {self.name!r} did not reply to kernel_info in time") from None
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg

    def since_start(self):
        """Seconds since asking for this kernel."""
        return time.perf_counter() - self.started

    def wait_for_prelude(self, timeout=600):
        """Runs a first cell, which waits for the prelude to load (seconds when the cache is
        warm, minutes when cold); returns the kernel, ready for cells that are timed."""
        cell = self.run("1", timeout=timeout)
        assert cell.status == "ok", cell.outputs
        return self

    def run(self, code, timeout=120):
        outputs = []
        started = time.perf_counter()
        reply = self.kc.execute_interactive(
            code, timeout=timeout, output_hook=lambda m: outputs.append(m) if m["msg_type"] != "status" else None
        )
        return Cell(reply, outputs, started, time.perf_counter() - started)

    def interrupt(self):
        """An interrupt_request on the control channel (the kernelspec's interrupt_mode)."""
        self.kc.control_channel.send(self.kc.session.msg("interrupt_request", {}))

    def interrupt_by_sigint(self):
        """SIGINT to the kernel's process group: what a terminal's Ctrl-C does, and
        jupyter_client's signal_kernel. It reaches the kernel and the child that runs the
        cell at the same moment."""
        group = os.getpgid(self.launcher_pid)
        assert group != os.getpgrp(), "the kernel shares our process group; refusing to signal it"
        os.killpg(group, signal.SIGINT)

    @property
    def launcher_pid(self):
        """The process Jupyter started (with a spare, the launcher that adopted it)."""
        return self.km.provisioner.process.pid

    def serving_pid(self):
        """The process that serves this kernel: a spare the launcher adopted, or the launcher."""
        return serving_pid(self.km)

    def is_alive(self):
        return self.km.is_alive()

    def shutdown(self, now=True):
        """Stops the client and the kernel (`now`: kill it rather than ask it to shut down);
        a kernel that has already gone only has its resources cleaned up."""
        try:
            self.kc.stop_channels()
            if self.km.is_alive():
                self.km.shutdown_kernel(now=now)
            else:
                self.km.cleanup_resources()
        finally:
            if self._log:
                self._log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.shutdown()


# The two ways a client stops a cell, by the names the tests are parametrized with (their
# test ids): `pytest.mark.parametrize("interrupt", INTERRUPTS.values(), ids=INTERRUPTS)`.
INTERRUPTS = {
    "interrupt_by_message": Kernel.interrupt,
    "interrupt_by_sigint_to_the_process_group": Kernel.interrupt_by_sigint,
}
