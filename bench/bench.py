"""The benchmark of issue 5: ndplay beside the compile floor and tuned evcxr_jupyter 0.22.0.

Run it through bench/run.sh, which prepares the kernels and the environment:
  JUPYTER_PATH         finds the kernels `ndplay` and `rust` (evcxr_jupyter)
  BENCH_WORK           private work directory (caches, the floor crate's target dir)
  NDPLAY_CACHE_DIR     ndplay's cache (installed and warmed by run.sh)
  EVCXR_CONFIG_DIR     evcxr's config dir, whose init.evcxr holds the tuning
  XDG_CACHE_HOME       evcxr's `:cache` lives under it

Every figure is a median over several runs (fresh kernels); the per-cell p95 is the p95
over the 20 cells of one session, then the median over sessions.
"""
import argparse
import ctypes
import dataclasses
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

# bench/'s own modules (the script's folder is on the path), and the kernel harness in tests/
# (.venv's path file, written by scripts/common.sh from pyproject.toml's pythonpath).
import completion
import loops
import ndplay_harness
import widget_move
from cells import CELLS, ERROR_CELLS, FIRST_CELL, HEAVY_CELL, MATMUL_CELL, MATMUL_INNER_CELL
from goals import GOALS
from ndplay_harness import Kernel, serving_pid
from ndplay_harness.memory import MemorySampler

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
LESSON = ROOT / "notebooks" / "01a-numpy-playground.ipynb"  # lesson 1, its first part
EVCXR_SETUP = ['the :dep cell', 'the use cell']
EVCXR_SETUP_CELLS = [':dep ndarray = "=0.17.2"', "use ndarray::prelude::*;"]
COMPILER_NAMES = {"cargo", "rustc", "cc", "ld", "ld.lld", "rust-lld", "lld", "mold", "collect2"}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def p95(xs):
    """Linear interpolation between order statistics (numpy's default)."""
    xs = sorted(xs)
    if not xs:
        return None
    k = (len(xs) - 1) * 0.95
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


# ---------------------------------------------------------------- records

@dataclasses.dataclass
class SessionRecord:
    """What one kernel session measured (seconds unless named otherwise). A session to the
    first array fills the first group; a 20-cell session (`run_cells`) the second; every
    session its errors and memory. None: not measured by this kind of session."""

    ready: float  # asking for the kernel → its kernel_info reply
    adopted: bool | None = None  # it adopted a spare (sessions to the first array)
    setup: dict[str, float] = dataclasses.field(default_factory=dict)  # evcxr's setup cells, by EVCXR_SETUP label
    first_cell: float | None = None
    first_array: float | None = None  # asking for the kernel → the first array cell's reply
    first_output: str | None = None
    # run_cells: the 20 cells, the generic-heavy cell, the NumPy-habit error cells, matmul.
    cells: list[float] | None = None
    heavy: dict | None = None  # loops.heavy
    cell_median: float | None = None
    cell_p95: float | None = None
    error_cells: list[float] | None = None
    matmul: list[float] | None = None
    matmul_inner_cell: float | None = None
    matmul_compute: float | None = None  # timed inside the cell
    errors: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (cell, text): failed unexpectedly
    memory: dict | None = None  # MemorySampler.stop()
    # cargo_share: per cell of the 20, builds started and seconds inside cargo.
    cell_builds: list[int] | None = None
    cell_cargo_s: list[float] | None = None
    # The 20 cells' (start, end), for cargo_share; not written out.
    cell_windows: list[tuple[float, float]] = dataclasses.field(default_factory=list, repr=False)

    def to_json(self):
        """The record as results-*.json has always had it: evcxr's setup cells by label
        beside the other fields, and what the session did not measure left out (but a
        20-cell session's matmul_compute is null when the cell printed no time)."""
        out = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "setup":
                out.update(value)
            elif f.name == "cell_windows":
                continue
            elif value is not None or (f.name == "matmul_compute" and self.cells is not None):
                out[f.name] = value
        return out


@dataclasses.dataclass
class KernelRuns:
    """bench_kernel's sessions of one kernel: to the first array with a spare waiting
    (`start`), without one (`cold`, ndplay only), and the 20-cell sessions (`cells`).
    Empty lists when the kernel was not benchmarked: every figure is then None."""

    start: list[SessionRecord] = dataclasses.field(default_factory=list)
    cold: list[SessionRecord] = dataclasses.field(default_factory=list)
    cells: list[SessionRecord] = dataclasses.field(default_factory=list)

    def median(self, key, sub="start"):
        """The median over the sessions of `sub` of one field."""
        return median([getattr(r, key) for r in getattr(self, sub)])

    def pooled(self, key, sub="cells"):
        """The median of a list field's values (matmul repetitions, error cells) pooled
        over the sessions of `sub`."""
        return median([x for r in getattr(self, sub) for x in getattr(r, key) or []])

    def memory(self, key, sub="cells"):
        """The median over the sessions of `sub` of one MemorySampler figure."""
        return median([r.memory[key] for r in getattr(self, sub) if r.memory])

    def to_json(self):
        return {"start": self.start, "cold": self.cold, "cells": self.cells}


def as_json(obj):
    """json.dumps' `default`: the records above, as their to_json says."""
    return obj.to_json()


# ---------------------------------------------------------------- kernel sessions

class Session:
    """A fresh kernel (ndplay_harness.Kernel) with its memory sampled and its cells timed.
    `ready` is the time from asking for it to its kernel_info reply."""

    counter = 0

    def __init__(self, kernel_name, env=None, log_dir=None):
        Session.counter += 1
        self.log_path = None
        if log_dir:
            os.makedirs(log_dir, exist_ok=True)
            self.log_path = os.path.join(log_dir, f"{kernel_name}-{os.getpid()}-{Session.counter}.log")
        self.kernel = Kernel(kernel_name, env=env, log_path=self.log_path)
        self.ready = self.kernel.ready
        # A kernel started from a spare runs in the spare's process, not under the
        # launcher Jupyter started; memory and builds are sampled there.
        pid = self.kernel.serving_pid()
        self.adopted = pid != self.kernel.launcher_pid
        self.memory = MemorySampler(pid)
        self.errors = []
        self.windows = []

    def since_start(self):
        return self.kernel.since_start()

    def run(self, code, timeout=600, fails=False):
        """Runs `code`; its seconds to the reply and idle, and its text. A cell that fails is
        noted as an error of the run, unless it is meant to (`fails`), when one that
        succeeds is."""
        cell = self.kernel.run(code, timeout=timeout)
        self.windows.append((cell.started, cell.started + cell.seconds))
        text = []
        for o in cell.outputs:
            c = o["content"]
            if o["msg_type"] == "stream":
                text.append(c.get("text", ""))
            elif o["msg_type"] in ("execute_result", "display_data"):
                text.append(c.get("data", {}).get("text/plain", ""))
            elif o["msg_type"] == "error":
                text.append(f"{c.get('ename')}: {c.get('evalue')}")
        if (cell.status != "ok") != fails:
            self.errors.append((code, "".join(text)[:500]))
            log(f"    ! cell failed: {code!r}: {''.join(text)[:300]!r}")
        return cell.seconds, "".join(text)

    def close(self):
        mem = self.memory.stop()
        self.kernel.shutdown(now=True)
        mem["log"] = self.log_path
        return mem


def kernel_env(which, args):
    if which == "evcxr":
        return {"EVCXR_CONFIG_DIR": args.evcxr_config, "XDG_CACHE_HOME": args.evcxr_cache_home}
    # The bench starts every spare itself (wait_for_spare); a kernel starting the next one
    # in a pause would compile beside the measured cells and blur the comparison. The
    # compiled-cell cache is off: these rows measure compiling (bench_cache measures it on).
    return {"NDPLAY_CACHE_DIR": args.ndplay_cache, "NDPLAY_SPARE_DELAY": "3600", "NDPLAY_CELL_CACHE": "0"}


def kernel_name(which):
    return "ndplay" if which == "ndplay" else "rust"


def wait_for_spare(args):
    """What `ndplay install` and every kernel leave behind: a warm spare of the binary the
    kernelspec runs (a socket left by an older build would never be adopted). Starts one
    (a second `ndplay spare` exits at once if one is already warming) and waits for it."""
    if not ndplay_harness.wait_for_spare(kernel_name("ndplay"), kernel_env("ndplay", args), timeout=300):
        raise SystemExit("no ndplay spare became ready in 300 s")
    time.sleep(1)  # let the machine settle after the spare's warm-up


def start_session(which, args, env=None):
    """Start a kernel and get it to the first array. Returns (session, record)."""
    s = Session(kernel_name(which), {**kernel_env(which, args), **(env or {})}, os.path.join(args.work, "logs"))
    rec = SessionRecord(ready=s.ready, adopted=s.adopted)
    if which == "evcxr":
        for label, code in zip(EVCXR_SETUP, EVCXR_SETUP_CELLS, strict=True):
            rec.setup[label], _ = s.run(code)
    rec.first_cell, out = s.run(FIRST_CELL)
    rec.first_array = s.since_start()
    rec.first_output = out.strip()[:200]
    return s, rec


def run_cells(s, rec, matmul_reps):
    rec.cells = [s.run(code)[0] for code, _ in CELLS]
    rec.heavy = loops.heavy(s)
    rec.cell_windows = s.windows[-len(CELLS):]
    rec.cell_median = median(rec.cells)
    rec.cell_p95 = p95(rec.cells)
    rec.error_cells = [s.run(code, fails=True)[0] for code in ERROR_CELLS]
    rec.matmul = [s.run(MATMUL_CELL.format(s=f"s{i}"))[0] for i in range(matmul_reps)]
    dt, out = s.run(MATMUL_INNER_CELL.format(t="t0"))
    rec.matmul_inner_cell = dt
    for line in out.splitlines():
        if line.startswith("COMPUTE_SECONDS="):
            rec.matmul_compute = float(line.split("=")[1].split()[0])


def cargo_share(s, rec):
    """After the session: per 20-cell window, builds started and seconds inside cargo."""
    if rec.cell_windows:
        per = [s.memory.cargo_in(a, b) for a, b in rec.cell_windows]
        rec.cell_builds = [b for b, _ in per]
        rec.cell_cargo_s = [c for _, c in per]


def bench_kernel(which, args, reps):
    """`reps.start` sessions to the first array; in `reps.cells` of them (ndplay: separate
    sessions that wait 20 s before their first cell), the 20 cells and the matmul cell."""
    runs = KernelRuns()
    if which == "ndplay":
        # Without a spare (NDPLAY_SPARE=0): the first kernel after a reboot.
        for i in range(reps["cold"]):
            log(f"  {which}: cold start {i + 1}/{reps['cold']} (NDPLAY_SPARE=0)")
            s, rec = start_session(which, args, {"NDPLAY_SPARE": "0"})
            rec.errors = s.errors
            rec.memory = s.close()
            runs.cold.append(rec)
    for i in range(reps["start"]):
        if which == "ndplay":
            wait_for_spare(args)
        log(f"  {which}: start session {i + 1}/{reps['start']}")
        s, rec = start_session(which, args)
        if which == "evcxr" and i < reps["cells"]:
            run_cells(s, rec, reps["matmul"])
            runs.cells.append(rec)
        rec.errors = s.errors
        rec.memory = s.close()
        cargo_share(s, rec)
        runs.start.append(rec)
    if which == "ndplay":
        for i in range(reps["cells"]):
            wait_for_spare(args)
            log(f"  {which}: read-first session {i + 1}/{reps['cells']} (waits {args.read_wait:g} s)")
            s = Session(kernel_name(which), kernel_env(which, args), os.path.join(args.work, "logs"))
            rec = SessionRecord(ready=s.ready)
            time.sleep(args.read_wait)
            rec.first_cell, out = s.run(FIRST_CELL)
            rec.first_output = out.strip()[:200]
            run_cells(s, rec, reps["matmul"])
            rec.errors = s.errors
            rec.memory = s.close()
            cargo_share(s, rec)
            runs.cells.append(rec)
    return runs


def bench_lesson(args, reps):
    if not LESSON.exists():
        return {"absent": True}
    runs = []
    for i in range(reps):
        wait_for_spare(args)
        log(f"  ndplay: lesson 1a, run {i + 1}/{reps}")
        runs.append(lesson_run(args, f"{i + 1}", {}))
    return {"runs": runs}


def lesson_run(args, label, env, notebook=LESSON):
    """A lesson (1a unless told) under nbclient in a fresh kernel (kernel_env, then `env`):
    its record."""
    nb = nbformat.read(notebook, as_version=4)
    expected = sum(1 for c in nb.cells if c.cell_type == "code"
                   and "raises-exception" in c.get("metadata", {}).get("tags", []))
    holder = {}
    marks = {}
    after = {}
    os.makedirs(os.path.join(args.work, "logs"), exist_ok=True)
    log_path = os.path.join(args.work, "logs", f"lesson-{os.getpid()}-{label}.log")

    def on_cell_start(cell, cell_index, **kw):
        if "mem" not in holder:  # the kernel is up by the first cell
            holder["mem"] = MemorySampler(serving_pid(client.km))
        if cell.cell_type == "code" and cell.source.strip():
            marks[cell_index] = time.perf_counter()

    last_code = max(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip())

    def on_cell_executed(cell, cell_index, **kw):
        marks[cell_index] = time.perf_counter() - marks[cell_index]
        if cell_index == last_code:
            # The kernel and its cell process after the last cell, still running (nbclient's
            # on_notebook_complete comes after it has shut the kernel down).
            after["rss_mb"] = loops.tree_rss_mb(serving_pid(client.km))

    client = NotebookClient(
        nb, kernel_name="ndplay", timeout=600, allow_errors=True,
        resources={"metadata": {"path": str(notebook.parent)}},
        on_cell_start=on_cell_start, on_cell_executed=on_cell_executed,
    )
    t = time.perf_counter()
    with open(log_path, "w") as klog:
        client.execute(env={**os.environ, **kernel_env("ndplay", args), **env}, stdout=klog, stderr=klog)
    total = time.perf_counter() - t
    mem = holder["mem"].stop() if "mem" in holder else None
    errors = sum(1 for c in nb.cells if c.cell_type == "code"
                 for o in c.get("outputs", []) if o.get("output_type") == "error")
    code_cells = sum(1 for c in nb.cells if c.cell_type == "code")
    first = min(marks, default=None)
    per_cell = [v for k, v in sorted(marks.items()) if k != first]
    return {"total": total, "code_cells": code_cells, "errors": errors,
            "expected_errors": expected, "memory": mem, "rss_after_mb": after.get("rss_mb"),
            "first_cell": marks.get(first), "cells_s": sum(marks.values()),
            "cell_median": median(per_cell), "cell_p95": p95(per_cell)}


def bench_cache(args):
    """Issue 27, goal 1: the compiled-cell cache on. From an empty cache, lesson 1 twice
    under nbclient (each a fresh kernel: "Restart and Run All"), then `ndplay check` of
    every lesson twice (emptied again before: its first run compiles everything)."""
    cells = Path(args.ndplay_cache) / "cells-v1"
    # A kernel of its own (no spare): the bench's spares run with the cache off.
    env = {"NDPLAY_CELL_CACHE": "1", "NDPLAY_SPARE": "0"}
    shutil.rmtree(cells, ignore_errors=True)
    # Lesson 1 whole: its parts one after another, each Restart + Run All.
    parts = sorted((ROOT / "notebooks").glob("01*.ipynb"))
    lesson = []
    for i, what in enumerate(["compiles and keeps", "loads"]):
        log(f"  ndplay: lesson 1 ({len(parts)} parts) with the cell cache, run {i + 1}/2 ({what})")
        runs = [lesson_run(args, f"cache-{i + 1}-{p.stem}", env, p) for p in parts]
        lesson.append({"parts": [p.name for p in parts], "runs": runs,
                       "total": sum(r["total"] for r in runs), "cells_s": sum(r["cells_s"] for r in runs),
                       "errors": sum(r["errors"] for r in runs),
                       "expected_errors": sum(r["expected_errors"] for r in runs)})
    notebooks = sorted(str(p) for p in (ROOT / "notebooks").glob("*.ipynb"))
    ndplay = str(ROOT / "target" / "release" / "ndplay")
    check = []
    shutil.rmtree(cells, ignore_errors=True)
    for i in range(2):
        log(f"  ndplay check of {len(notebooks)} notebooks with the cell cache, run {i + 1}/2")
        t = time.perf_counter()
        sanitize = str(ROOT / "notebooks" / "sanitize.cfg")
        done = subprocess.run([ndplay, "check", "--sanitize-with", sanitize, *notebooks],
                              env={**os.environ, "NDPLAY_CACHE_DIR": args.ndplay_cache, "NDPLAY_CELL_CACHE": "1"},
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        check.append({"seconds": time.perf_counter() - t, "ok": done.returncode == 0,
                      "tail": done.stderr[-2000:] if done.returncode else ""})
    entries = sum(1 for _ in cells.iterdir()) if cells.exists() else 0
    shutil.rmtree(cells, ignore_errors=True)
    return {"lesson": lesson, "check": check, "notebooks": len(notebooks), "entries": entries}


def bench_loops(args, reps):
    """The compile loop's own measurements (bench/loops.py)."""
    out = {}
    wait_for_spare(args)
    out["spare_rss_mb"] = loops.spare_memory(args.ndplay_cache)
    log("  ndplay: two notebooks opened together (one spare waiting)")
    out["two_notebooks"] = loops.two_notebooks(start_session, args)
    wait_for_spare(args)
    log(f"  ndplay: {loops.DRIFT_CELLS}-cell session, one new variable a cell")
    s, _ = start_session("ndplay", args)
    out["drift"] = loops.drift(s)
    s.close()
    wait_for_spare(args)
    log("  ndplay: interrupt to a usable kernel, and a snapshot's memory")
    s, _ = start_session("ndplay", args)
    out["interrupt"] = [loops.interrupt_to_usable(s) for _ in range(reps["interrupt"])]
    out["snapshot_memory"] = loops.snapshot_memory(s)
    s.close()
    # One switch at a time, the 20 cells in sessions of each, interleaved.
    routes = {
        "default": {},
        "through cargo (NDPLAY_COMPILE_WITH_CARGO=1)": {"NDPLAY_COMPILE_WITH_CARGO": "1"},
        "generics not shared (NDPLAY_SHARED_GENERICS=0)": {
            "NDPLAY_SHARED_GENERICS": "0", "NDPLAY_CACHE_DIR": args.ndplay_cache_unshared},
        "no snapshots (NDPLAY_SNAPSHOTS=0)": {"NDPLAY_SNAPSHOTS": "0"},
        "no rustc started ahead (NDPLAY_PRESTART_RUSTC=0)": {"NDPLAY_PRESTART_RUSTC": "0"},
    }
    medians = {name: [] for name in routes}
    for r in range(reps["routes"]):
        for name, env in routes.items():
            log(f"  ndplay route round {r + 1}/{reps['routes']}: {name}")
            s, _ = start_session("ndplay", args, {"NDPLAY_SPARE": "0", **env})
            medians[name].append(loops.cells_median(s)[0])
            s.close()
    out["routes"] = {name: median(v) for name, v in medians.items()}
    return out


# ---------------------------------------------------------------- compile floor

def floor_source(setup, cell):
    template = (BENCH_DIR / "floor" / "lib.rs.in").read_text()
    return template.replace("/*SETUP*/", setup).replace("/*CELL*/", cell)


def bench_floor(args, reps):
    """Each cell as one function of a tiny cdylib; `cargo build` after writing it (a new
    source each time), then dlopen and call it. Dependencies prebuilt (first build)."""
    target = Path(args.work) / "floor-target"
    src_dir = Path(tempfile.mkdtemp(prefix="ndplay-floor-"))
    try:
        shutil.copy(BENCH_DIR / "floor" / "Cargo.toml", src_dir / "Cargo.toml")
        shutil.copy(ROOT / "Cargo.lock", src_dir / "Cargo.lock")  # same ndarray deps as ndplay
        (src_dir / "src").mkdir()
        env = {**os.environ, "CARGO_TARGET_DIR": str(target)}
        cmd = ["cargo", "build", "--quiet", "--offline"]
        so = target / "debug" / "libndplay_floor.so"

        def build(code, setup=""):
            (src_dir / "src" / "lib.rs").write_text(floor_source(setup, code))
            t = time.perf_counter()
            r = subprocess.run(cmd, cwd=src_dir, env=env, capture_output=True, text=True)
            b = time.perf_counter() - t
            if r.returncode != 0:
                raise RuntimeError(f"floor build failed for {code!r}:\n{r.stderr[-3000:]}")
            # A fresh name, so dlopen does not hand back the previous build.
            copy = src_dir / f"cell-{time.monotonic_ns()}.so"
            shutil.copy(so, copy)
            # The cell's println! goes to our fd 1; keep it out of the table.
            sys.stdout.flush()
            saved, null = os.dup(1), os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1)
            try:
                t = time.perf_counter()
                ctypes.CDLL(str(copy)).ndplay_floor_cell()
                c = time.perf_counter() - t
            finally:
                os.dup2(saved, 1)
                os.close(saved)
                os.close(null)
            return b, c

        log("  floor: prebuilding ndarray (opt-level 3), once per work directory")
        t = time.perf_counter()
        build("0")
        prebuild = time.perf_counter() - t
        first, cells, matmul, heavy = [], [[] for _ in CELLS], [], []
        for r in range(reps):
            log(f"  floor: round {r + 1}/{reps}")
            b, c = build(FIRST_CELL + f" // round {r}")
            first.append(b + c)
            for i, (code, setup) in enumerate(CELLS):
                b, c = build(code + f" // round {r}", setup)
                cells[i].append(b + c)
            b, c = build(MATMUL_CELL.format(s=f"s{r}"))
            matmul.append({"build": b, "run": c, "total": b + c})
            b, c = build(HEAVY_CELL.format(b=f"big{r}", r=f"res{r}"))
            heavy.append(b + c)
        per_cell = [median(c) for c in cells]
        return {"prebuild": prebuild, "first_cell": first, "cells": cells, "cell_medians": per_cell,
                "cell_median": median(per_cell), "cell_p95": p95(per_cell), "matmul": matmul,
                "heavy": median(heavy)}
    finally:
        shutil.rmtree(src_dir, ignore_errors=True)


# ---------------------------------------------------------------- the table

def fmt_s(x):
    return "—" if x is None else f"{x:.2f} s"


def fmt_mb(x):
    return "—" if x is None else f"{x:.0f} MB"


def ratio(a, b):
    return "—" if a is None or b is None or b == 0 else f"{a / b:.2f}×"


def kernel_runs(res, which):
    """The sessions of `which` ("ndplay" or "evcxr"); none when it was not benchmarked."""
    return res.get(which) or KernelRuns()


def summarize(res):
    nd, ev = kernel_runs(res, "ndplay"), kernel_runs(res, "evcxr")
    fl, le = res.get("floor"), res.get("lesson")
    fl_matmul = median([x["total"] for x in fl["matmul"]]) if fl else None
    fl_first = median(fl["first_cell"]) if fl else None

    rows = [
        # (label, ndplay, floor, evcxr, unit)
        ("kernel start → kernel_info reply", nd.median("ready"), None, ev.median("ready"), "s"),
        ("asking for a kernel → first array (`let a = array![1.0, 2.0, 3.0]; a`)¹",
         nd.median("first_array"), fl_first, ev.median("first_array"), "s"),
        ("  the same without a spare (ndplay: NDPLAY_SPARE=0, the first kernel after a reboot)",
         nd.median("first_array", "cold"), fl_first, ev.median("first_array"), "s"),
        ("first array cell alone, engine ready (ndplay: 20 s after start; evcxr: after `:dep`+`use`)",
         nd.median("first_cell", "cells"), fl_first, ev.median("first_cell"), "s"),
        ("per-cell latency, median of 20 cells", nd.median("cell_median", "cells"),
         fl["cell_median"] if fl else None, ev.median("cell_median", "cells"), "s"),
        ("per-cell latency, p95 of 20 cells", nd.median("cell_p95", "cells"),
         fl["cell_p95"] if fl else None, ev.median("cell_p95", "cells"), "s"),
        ("matmul cell (20 × 300×300 `dot`), whole cell", nd.pooled("matmul"), fl_matmul, ev.pooled("matmul"), "s"),
        ("matmul, compute only (timed inside the cell)²", nd.median("matmul_compute", "cells"),
         median([x["run"] for x in fl["matmul"]]) if fl else None, ev.median("matmul_compute", "cells"), "s"),
    ]
    if le and le.get("absent"):
        rows.append(("whole of lesson 1a (nbclient)", "absent", None, None, "s"))
    elif le:
        rows.append((f"whole of lesson 1a (nbclient, {le['runs'][0]['code_cells']} code cells)³",
                     median([r["total"] for r in le["runs"]]), None, None, "s"))
        rows.append(("lesson 1a per-cell latency, median (first cell excluded)",
                     median([r["cell_median"] for r in le["runs"]]), None, None, "s"))
        rows.append(("lesson 1a per-cell latency, p95 (first cell excluded)",
                     median([r["cell_p95"] for r in le["runs"]]), None, None, "s"))
    rows += [
        ("peak memory, kernel + child (VmHWM summed), 20-cell sessions⁴",
         nd.memory("persistent_mb"), None, ev.memory("persistent_mb"), "MB"),
        ("peak memory incl. cargo/rustc (sampled RSS sum), 20-cell sessions⁴",
         nd.memory("total_mb"), None, ev.memory("total_mb"), "MB"),
    ]
    if le and not le.get("absent"):
        rows += [
            ("peak memory, kernel + child (VmHWM summed), lesson 1a",
             median([r["memory"]["persistent_mb"] for r in le["runs"] if r["memory"]]), None, None, "MB"),
            ("peak memory incl. cargo/rustc (sampled RSS sum), lesson 1a",
             median([r["memory"]["total_mb"] for r in le["runs"] if r["memory"]]), None, None, "MB"),
        ]
    out = ["| measurement | ndplay | floor | ndplay ÷ floor | evcxr 0.22 tuned | ndplay ÷ evcxr |",
           "|---|---:|---:|---:|---:|---:|"]
    for label, a, f, e, unit in rows:
        fmt = fmt_mb if unit == "MB" else fmt_s
        sa = a if isinstance(a, str) else fmt(a)
        out.append(f"| {label} | {sa} | {fmt(f) if f is not None else '—'} | "
                   f"{ratio(a, f) if not isinstance(a, str) else '—'} | {fmt(e) if e is not None else '—'} | "
                   f"{ratio(a, e) if not isinstance(a, str) else '—'} |")
    out += [
        "",
        "¹ ndplay: from `start_kernel` to the cell's reply, with a warm spare waiting (as `ndplay install` "
        "and every kernel leave one; see kernel/src/spare.rs); without one, the cell waits for the "
        "prelude, which the kernel loads in the background after answering kernel_info. "
        "evcxr: start (with `:cache 500`, `:opt 0` from init.evcxr), then `:dep ndarray = \"=0.17.2\"` "
        "(from its :cache), `use ndarray::prelude::*;`, then the cell. "
        "Floor: that cell rebuilt alone (no kernel at all).",
        "² ndplay and evcxr: `Instant` inside the cell; floor: dlopen and call of the floor cdylib "
        "(ndarray at opt-level 3).",
        "³ From asking for a kernel to the last cell, with nbclient (kernel start and prelude wait included).",
        "⁴ VmHWM of the processes that run the kernel's binary (the kernel and its runtime child), summed; "
        "and the largest sum of VmRSS of the whole process tree (cargo, rustc, linker included) seen "
        "at one 50 ms sample.",
    ]
    return "\n".join(out)


def goals(res):
    """Each goal of GOALS (bench/goals.py) beside what this run measured."""
    nd, ev = kernel_runs(res, "ndplay"), kernel_runs(res, "evcxr")
    fl, lo, le = res.get("floor"), res.get("loops"), res.get("lesson")
    rows = []

    def row(goal, measured, holds):
        rows.append(f"| {goal} | {measured} | {'yes' if holds else ('—' if holds is None else '**no**')} |")

    g = GOALS
    nd_med, nd_p95 = nd.median("cell_median", "cells"), nd.median("cell_p95", "cells")
    ev_med = ev.median("cell_median", "cells")
    fl_med = fl["cell_median"] if fl else None
    row(g["cell_vs_evcxr"].label(), f"{fmt_s(nd_med)} vs {fmt_s(ev_med)}: {ratio(nd_med, ev_med)}",
        g["cell_vs_evcxr"].holds(nd_med, ev_med))
    row(g["cell_vs_floor"].label(), f"{fmt_s(nd_med)} vs {fmt_s(fl_med)}: {ratio(nd_med, fl_med)}",
        g["cell_vs_floor"].holds(nd_med, fl_med))
    row(g["p95_vs_median"].label(), f"{fmt_s(nd_p95)} vs {fmt_s(nd_med)}: {ratio(nd_p95, nd_med)}",
        g["p95_vs_median"].holds(nd_p95, nd_med))
    first = nd.median("first_array", "start")
    row(g["first_array"].label(), fmt_s(first), g["first_array"].holds(first))
    cold = nd.median("first_array", "cold")
    row(g["first_array_cold"].label(), fmt_s(cold), g["first_array_cold"].holds(cold))
    if lo:
        second = lo["two_notebooks"]["first_array"][1]
        row(g["first_array_second_notebook"].label(),
            f"{fmt_s(second)} (the first, adopting the spare: {fmt_s(lo['two_notebooks']['first_array'][0])})",
            g["first_array_second_notebook"].holds(second))
    mm = nd.pooled("matmul")
    row(g["matmul"].label(), fmt_s(mm), g["matmul"].holds(mm))
    hv = median([r.heavy["median"] for r in nd.cells])
    ev_hv = median([r.heavy["median"] for r in ev.cells])
    row(g["heavy"].label(),
        f"{fmt_s(hv)} (floor {fmt_s(fl['heavy'] if fl else None)}, evcxr {fmt_s(ev_hv)})", g["heavy"].holds(hv))
    errs, ev_errs = nd.pooled("error_cells"), ev.pooled("error_cells")
    row(g["compile_error"].label(cells=len(ERROR_CELLS)),
        f"{fmt_s(errs)} (evcxr {fmt_s(ev_errs)}: {ratio(errs, ev_errs)})", g["compile_error"].holds(errs))
    if lo:
        d = lo["drift"]
        row(g["drift"].label(cells=len(d["times"])),
            f"{fmt_s(d['late_median'])} vs {fmt_s(d['early_median'])}: {d['ratio']:.2f}×",
            g["drift"].holds(d["ratio"]))
        cell_1 = d["memory_mb"].get(1) or d["memory_mb"].get("1")
        row(g["drift_memory_mb"].label(), f"{fmt_mb(d['growth_mb'])} (cell 1: {fmt_mb(cell_1)})",
            g["drift_memory_mb"].holds(d["growth_mb"]))
    if le and not le.get("absent"):
        after = median([r.get("rss_after_mb") for r in le["runs"]])
        row(g["lesson_rss_mb"].label(), fmt_mb(after), g["lesson_rss_mb"].holds(after))
    if lo:
        row(g["spare_rss_mb"].label(), fmt_mb(lo["spare_rss_mb"]), g["spare_rss_mb"].holds(lo["spare_rss_mb"]))
        routes = lo["routes"]
        snap = (routes["default"] - routes["no snapshots (NDPLAY_SNAPSHOTS=0)"]) if routes.get("default") else None
        # The limit is in ms, `snap` in seconds.
        row(g["snapshot_cost_ms"].label(), f"{snap * 1000:+.1f} ms" if snap is not None else "—",
            g["snapshot_cost_ms"].holds(snap, 1e-3))
        sm = lo["snapshot_memory"]
        row(g["snapshot_memory"].label(),
            f"{fmt_mb(sm.get('snapshot_uss_mb'))} of its own (RSS {fmt_mb(sm.get('snapshot_rss_mb'))}), "
            f"while the cell's process holds {fmt_mb(sm.get('runner_uss_mb'))} of its own", None)
        it = lo["interrupt"]
        back = median([x["to_reply"] for x in it])
        row(g["stop_to_usable"].label(),
            f"{fmt_s(back)} to the reply; variables kept in {sum(x['values_kept'] for x in it)}/{len(it)}; "
            f"the next cell done {fmt_s(median([x['to_next_cell_done'] for x in it]))} after the stop",
            g["stop_to_usable"].holds(back) and all(x["values_kept"] for x in it))
    ca = res.get("cache")
    if ca:
        first, second = ca["lesson"]
        row(g["rerun_lesson"].label(parts=len(second["parts"])),
            f"{fmt_s(second['total'])} (first time {fmt_s(first['total'])}; inside the cells "
            f"{fmt_s(second['cells_s'])} vs {fmt_s(first['cells_s'])})",
            g["rerun_lesson"].holds(second["total"]) and second["errors"] == second["expected_errors"])
        c1, c2 = ca["check"]
        row(g["rerun_check"].label(notebooks=ca["notebooks"]),
            f"{fmt_s(c2['seconds'])} (first time {fmt_s(c1['seconds'])}; "
            f"{'all match' if c1['ok'] and c2['ok'] else 'OUTPUTS DIFFER'})",
            g["rerun_check"].holds(c2["seconds"]) and c1["ok"] and c2["ok"])
    wm = res.get("widget")
    if wm:
        to_output = [x for r in wm["runs"] for x in r["to_output"]]
        to_idle = [x for r in wm["runs"] for x in r["to_idle"]]
        row(g["slider_move_ms"].label(moves=len(to_output)),
            f"median {median(to_output):.1f} ms, p95 {p95(to_output):.1f} ms (to idle: median "
            f"{median(to_idle):.1f} ms, p95 {p95(to_idle):.1f} ms)", g["slider_move_ms"].holds(median(to_output)))
    completion.goal_rows(res.get("completion"), row, median, fmt_s, fmt_mb)
    table = ["| goal | measured | holds? |", "|---|---|---|"] + rows
    if lo:
        base = lo["routes"].get("default")
        table += ["", "Each route's effect (one switch off at a time; per-cell median of the 20 cells, "
                  "sessions interleaved):", "", "| configuration | per-cell median | ÷ default |", "|---|---:|---:|"]
        for name, v in lo["routes"].items():
            table.append(f"| {name} | {fmt_s(v)} | {ratio(v, base)} |")
    return "\n".join(table)


def per_cell_table(res):
    nd, ev, fl = kernel_runs(res, "ndplay"), kernel_runs(res, "evcxr"), res.get("floor")
    out = ["| # | cell | ndplay | of which in cargo | floor | evcxr | of which in cargo |",
           "|---:|---|---:|---:|---:|---:|---:|"]

    def cargo(g, i):
        if not g.cells or g.cells[0].cell_cargo_s is None:
            return "—"
        c = median([r.cell_cargo_s[i] for r in g.cells])
        b = median([r.cell_builds[i] for r in g.cells])
        return f"{c:.2f} s ({b:g} build{'s' if b != 1 else ''})"

    for i, (code, _) in enumerate(CELLS):
        a = median([r.cells[i] for r in nd.cells])
        e = median([r.cells[i] for r in ev.cells])
        f = fl["cell_medians"][i] if fl else None
        short = code.replace("\n", " ").replace("|", "\\|")
        short = short if len(short) <= 60 else short[:59] + "…"
        out.append(f"| {i + 1} | `{short}` | {fmt_s(a)} | {cargo(nd, i)} | {fmt_s(f)} | {fmt_s(e)} | {cargo(ev, i)} |")
    return "\n".join(out)


def breakdown(res):
    lines = []
    ev = kernel_runs(res, "evcxr")
    if ev.start:
        parts = [f"start {fmt_s(ev.median('ready'))}"]
        for label in EVCXR_SETUP:
            parts.append(f"{label} {fmt_s(median([r.setup[label] for r in ev.start]))}")
        parts.append(f"first array cell {fmt_s(ev.median('first_cell'))}")
        lines.append("evcxr to the first array: " + ", ".join(parts))
    nd = kernel_runs(res, "ndplay")
    if nd.start:
        lines.append("ndplay to the first array: start "
                     f"{fmt_s(nd.median('ready'))}, first cell (waits for the prelude) "
                     f"{fmt_s(nd.median('first_cell'))}")
    for which in ("ndplay", "evcxr"):
        g = kernel_runs(res, which)
        if g.cells and g.cells[0].cell_cargo_s is not None:
            lat = median([median(r.cells) for r in g.cells])
            inc = median([median(r.cell_cargo_s) for r in g.cells])
            builds = sum(sum(r.cell_builds) for r in g.cells) / len(g.cells)
            lines.append(f"{which}, the 20 cells: median latency {fmt_s(lat)}, of which inside cargo "
                         f"{fmt_s(inc)} (sampled every 50 ms), the rest outside cargo "
                         f"(type inference, codegen of the crate, running, messages); "
                         f"{builds:.1f} cargo builds for the 20 cells")
    fl = res.get("floor")
    if fl:
        lines.append(f"floor matmul: build {fmt_s(median([x['build'] for x in fl['matmul']]))}, "
                     f"run {fmt_s(median([x['run'] for x in fl['matmul']]))}; "
                     f"dependency prebuild this run {fmt_s(fl['prebuild'])}")
    le = res.get("lesson")
    if le and not le.get("absent"):
        r = le["runs"]
        lines.append("lesson 1a: first cell " + fmt_s(median([x["first_cell"] for x in r]))
                     + f"; error outputs {[x['errors'] for x in r]} "
                     f"(cells tagged raises-exception: {r[0]['expected_errors']})")
    errs = []
    for which in ("ndplay", "evcxr"):
        g = kernel_runs(res, which)
        for rec in g.start + g.cells:
            errs += [f"{which}: {c!r}" for c, _ in rec.errors]
    lines.append("failed cells: " + ("; ".join(sorted(set(errs))) if errs else "none"))
    return "\n".join(f"- {x}" for x in lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer repetitions")
    ap.add_argument("--only", default="ndplay,lesson,cache,loops,widget,completion,evcxr,floor",
                    help="comma-separated subset of ndplay,lesson,cache,loops,widget,completion,evcxr,floor")
    ap.add_argument("--read-wait", type=float, default=20.0)
    ap.add_argument("--work", default=os.environ.get("BENCH_WORK", "/tmp/ndplay-bench"))
    ap.add_argument("--out", default=None, help="write the raw results (JSON) here")
    ap.add_argument("--warm-only", action="store_true",
                    help="one session of each kernel in --only, to fill caches; no table")
    args = ap.parse_args()
    args.ndplay_cache = os.environ.get("NDPLAY_CACHE_DIR", os.path.join(args.work, "ndplay-cache"))
    args.ndplay_cache_unshared = os.environ.get("NDPLAY_CACHE_UNSHARED",
                                                os.path.join(args.work, "ndplay-cache-unshared"))
    args.evcxr_config = os.environ.get("EVCXR_CONFIG_DIR", os.path.join(args.work, "evcxr-config"))
    args.evcxr_cache_home = os.environ.get("XDG_CACHE_HOME", os.path.join(args.work, "evcxr-cache-home"))
    only = set(args.only.split(","))

    if args.warm_only:
        for which in ("ndplay", "evcxr"):
            if which in only:
                log(f"warming {which}")
                s, rec = start_session(which, args)
                s.close()
                log(f"  {rec.to_json()}")
        return

    if args.quick:
        reps = {"start": 2, "cold": 1, "cells": 1, "matmul": 2, "lesson": 1, "floor": 3, "interrupt": 1, "routes": 1,
                "widget": 1, "completion": 1}
    else:
        reps = {"start": 4, "cold": 2, "cells": 3, "matmul": 3, "lesson": 2, "floor": 4, "interrupt": 3, "routes": 2,
                "widget": 2, "completion": 2}

    res = {"reps": reps, "date": datetime.datetime.now().isoformat(timespec="seconds")}
    t = time.perf_counter()
    parts = [
        ("floor", "compile floor", lambda: bench_floor(args, reps["floor"])),
        ("ndplay", "ndplay", lambda: bench_kernel("ndplay", args, reps)),
        ("lesson", "lesson 1a", lambda: bench_lesson(args, reps["lesson"])),
        ("cache", "the compiled-cell cache (issue 27)", lambda: bench_cache(args)),
        ("loops", "the compile loop: drift, two notebooks, routes, snapshots, interrupt",
         lambda: bench_loops(args, reps)),
        ("widget", "widget moves (issue 14): a slider move to the new 100×100 output",
         lambda: widget_move.bench(start_session, wait_for_spare, args, reps["widget"])),
        ("completion", "completion (issue 27): the first Tab, memory after 20 Tabs",
         lambda: completion.bench(start_session, wait_for_spare, args, reps["completion"])),
        ("evcxr", "evcxr_jupyter", lambda: bench_kernel("evcxr", args, reps)),
    ]
    for part, title, bench in parts:
        if part in only:
            log(title)
            res[part] = bench()
    res["wall"] = time.perf_counter() - t
    if args.out:
        Path(args.out).write_text(json.dumps(res, indent=1, default=as_json))

    print(f"\nrepetitions: {reps['start']} fresh kernels to the first array; {reps['cells']} sessions × "
          f"20 cells; matmul {reps['matmul']}× a session; lesson {reps['lesson']}×; floor {reps['floor']} rounds. "
          f"Benchmark wall time {res['wall'] / 60:.1f} min.\n")
    print(summarize(res))
    print("\nThe goals of issues 12 and 13, in this run:\n")
    print(goals(res))
    print()
    print(breakdown(res))
    print("\nPer cell (median over sessions):\n")
    print(per_cell_table(res))


if __name__ == "__main__":
    main()
