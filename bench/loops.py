"""The benchmark's measurements of the compile loop itself (issues 12 and 13), beside the
per-cell table of bench.py: the generic-heavy cell, two notebooks opened together, a
300-cell session's drift and memory, each route's effect (one switch at a time), the cost
and memory of the snapshot taken before each cell, and the time from the stop button to a
usable kernel.

Each function takes bench.py's `args` and returns a dict of plain numbers for the JSON
and the goals table."""
import statistics
import threading
import time

import psutil

from cells import CELLS, DRIFT_CELL, DRIFT_CELLS, HEAVY_CELL


def _median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def tree_rss_mb(pid, include_spares=False):
    """RSS of a process and its descendants (the kernel and its cell process), MB. Spares a
    kernel started are another notebook's."""
    try:
        root = psutil.Process(pid)
        procs = [root] + root.children(recursive=True)
    except psutil.Error:
        return None
    total = 0
    for p in procs:
        try:
            if not include_spares and p.cmdline()[1:2] == ["spare"] and p.pid != pid:
                continue
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total / 2**20


def uss_mb(pid):
    """Memory a process holds of its own (private pages), MB."""
    try:
        return psutil.Process(pid).memory_full_info().uss / 2**20
    except psutil.Error:
        return None


def heavy(session, reps=3):
    """The generic-heavy cell, whole (compile and run), `reps` times with fresh names."""
    times = []
    for i in range(reps):
        dt, _ = session.run(HEAVY_CELL.format(b=f"big{i}", r=f"res{i}"))
        times.append(dt)
    return {"times": times, "median": _median(times)}


def two_notebooks(start_session, args):
    """Two kernels asked for at the same moment, one spare waiting: the second starts cold.
    Returns both first-array times (the adopted one first)."""
    results = [None, None]

    def one(i):
        s, rec = start_session("ndplay", args)
        results[i] = (rec.adopted, rec.first_array, s)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for _, _, s in results:
        s.close()
    ordered = sorted(results, key=lambda r: not r[0])
    return {"adopted": [r[0] for r in ordered], "first_array": [r[1] for r in ordered]}


def drift(session, n=DRIFT_CELLS):
    """`n` cells, each making one new variable: the per-cell time early and late, and the
    memory of the kernel and its cell process at the start and the end."""
    pid = session.kernel.serving_pid()
    times, memory = [], {}
    for i in range(n):
        dt, _ = session.run(DRIFT_CELL.format(i=i))
        times.append(dt)
        if i + 1 in (1, 20, 100, 200, n):
            memory[i + 1] = tree_rss_mb(pid)
    early = _median(times[1:21])
    late = _median(times[-20:])
    return {"times": times, "early_median": early, "late_median": late,
            "ratio": late / early if early else None, "memory_mb": memory,
            "growth_mb": (memory[n] - memory[1]) if memory.get(n) and memory.get(1) else None}


def cells_median(session):
    """The 20 bench cells in one session: their median."""
    times = [session.run(code)[0] for code, _ in CELLS]
    return _median(times), times


def interrupt_to_usable(session):
    """Variables made, `loop {}` started and stopped by an interrupt request: the time from
    the interrupt to the cell's reply, then to the end of a cell that reads the variables
    (and whether it read them right)."""
    assert session.run("let kept_a = array![1.0, 2.0]; let kept_m = array![[1, 2], [3, 4]];")[0] is not None
    result = {}

    def run_loop():
        result["loop"] = session.kernel.run("loop {}", timeout=120)

    t = threading.Thread(target=run_loop)
    t.start()
    time.sleep(2.0)  # compiled and looping
    stop = time.perf_counter()
    session.kernel.interrupt()
    t.join(timeout=30)
    to_reply = time.perf_counter() - stop
    cell = session.kernel.run("kept_a.sum() + kept_m.sum() as f64")
    to_usable = time.perf_counter() - stop
    value = cell.plain_results[0] if cell.status == "ok" and cell.plain_results else None
    err = result["loop"].error["ename"] if "loop" in result and result["loop"].status == "error" else None
    return {"to_reply": to_reply, "to_next_cell_done": to_usable, "value": value,
            "values_kept": value == "13.0", "ename": err}


def snapshot_memory(session):
    """While a cell runs (it sleeps after changing a 32 MB array), what the snapshot from
    before it holds of its own, and what the process running the cell holds."""
    session.run("let mut snap_big = Array2::<f64>::zeros((2000, 2000)); snap_big.len()")
    kernel = psutil.Process(session.kernel.serving_pid())
    out = {}

    def run():
        out["cell"] = session.kernel.run(
            "snap_big.mapv_inplace(|v| v + 1.0); std::thread::sleep(std::time::Duration::from_secs(3)); "
            "snap_big[[0, 0]]",
            timeout=60)

    t = threading.Thread(target=run)
    t.start()
    time.sleep(2.0)
    runner = snapshot = None
    for p in kernel.children(recursive=True):
        try:
            if p.cmdline()[1:2] == ["run-cells"]:
                if p.ppid() == kernel.pid:
                    runner = p
                else:
                    snapshot = p
        except psutil.Error:
            pass
    out["runner_uss_mb"] = uss_mb(runner.pid) if runner else None
    out["snapshot_uss_mb"] = uss_mb(snapshot.pid) if snapshot else None
    out["snapshot_rss_mb"] = snapshot.memory_info().rss / 2**20 if snapshot else None
    t.join(timeout=60)
    out.pop("cell", None)
    return out


def spare_memory(spare_socket_dir):
    """The idle spare waiting (and its cell process): RSS, MB."""
    for p in psutil.process_iter(["cmdline"]):
        try:
            if (p.info["cmdline"] or [])[1:2] == ["spare"] and p.environ().get("NDPLAY_CACHE_DIR") == spare_socket_dir:
                return tree_rss_mb(p.pid, include_spares=True)
        except psutil.Error:
            pass
    return None
