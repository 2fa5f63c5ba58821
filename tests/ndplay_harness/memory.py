"""The memory of a kernel's process tree, sampled from /proc (needs psutil, which the
benchmark's environment has; the tests do not import this module)."""
import threading
import time

import psutil

from .procs import status_kb


def spare_pids(procs):
    """The pids among `procs` of waiting spares (`ndplay spare`) and their descendants."""
    spares = set()
    for p in procs:
        try:
            if p.cmdline()[1:2] == ["spare"]:
                spares.add(p.pid)
                spares.update(c.pid for c in p.children(recursive=True))
        except psutil.Error:
            pass
    return spares


def without_spares(procs):
    """A kernel starts the next spare as its child (kernel/src/spare.rs); that spare and
    its builds belong to the next notebook, not to this kernel's memory or cell times."""
    spares = spare_pids(procs)
    return [p for p in procs if p.pid not in spares]


class MemorySampler:
    """Samples the kernel process and all its descendants every 50 ms.

    - persistent_kb: VmHWM summed over the kernel and its runtime child (the processes
      running the kernel's own binary), i.e. the peak each reached, summed;
    - total_kb: the largest sum of VmRSS over every descendant seen at one sample, with
      cargo/rustc/the linker included (short-lived, so sampled: a lower bound).
    """

    def __init__(self, pid):
        self.pid = pid
        self.hwm = {}
        self.total_kb = 0
        self.name = None
        self.cargo = {}  # pid -> [first seen, last seen] of each `cargo` process (a build)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        try:
            root = psutil.Process(self.pid)
            self.name = root.name()
        except psutil.Error:
            return
        while not self._stop.is_set():
            try:
                procs = [root] + without_spares(root.children(recursive=True))
            except psutil.Error:
                break
            total = 0
            now = time.perf_counter()
            for p in procs:
                rss = status_kb(p.pid, "VmRSS")
                if rss is None:
                    continue
                total += rss
                try:
                    name = p.name()
                except psutil.Error:
                    continue
                if name == "cargo":
                    self.cargo.setdefault(p.pid, [now, now])[1] = now
                if name == self.name:
                    hwm = status_kb(p.pid, "VmHWM") or 0
                    self.hwm[p.pid] = max(self.hwm.get(p.pid, 0), hwm)
            self.total_kb = max(self.total_kb, total)
            self._stop.wait(0.05)

    def cargo_in(self, start, end):
        """Builds (cargo processes) that started in [start, end], and the seconds covered by
        cargo processes in that window (to the sampling period, 50 ms)."""
        spans = sorted((max(a, start), min(b + 0.05, end)) for a, b in self.cargo.values()
                       if a <= end and b >= start)
        builds = sum(1 for a, _ in self.cargo.values() if start <= a <= end)
        covered, cur_a, cur_b = 0.0, None, None
        for a, b in spans:
            if cur_b is None or a > cur_b:
                if cur_b is not None:
                    covered += cur_b - cur_a
                cur_a, cur_b = a, b
            else:
                cur_b = max(cur_b, b)
        if cur_b is not None:
            covered += cur_b - cur_a
        return builds, covered

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=2)
        return {"persistent_mb": sum(self.hwm.values()) / 1024, "total_mb": self.total_kb / 1024,
                "processes": len(self.hwm)}
