"""A fresh machine, timed: the README's first command (scripts/lab.sh) from a clean clone
to a JupyterLab whose first cell answers (issue 27, goal 4: at most 8 minutes on this
2-core machine), then to completion of an array's methods.

Fresh means: a clone of HEAD, an empty cargo home (every crate downloaded, as on a new
machine), no pip cache, an empty ndplay cache and private Jupyter directories. The Rust
toolchain, Python and the network are the machine's, as the README assumes. Run it on a
quiet machine; it prints each step's time since the command started, and writes a JSON
record beside the work directory. With --completion it also waits for lab.sh's background
job (completion's helper and index) and times a Tab on an array after it.

    .venv/bin/python bench/fresh_machine.py [--work DIR] [--keep] [--completion]
"""
import argparse
import asyncio
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from goals import GOALS
from hub.notebook_client import Student

ROOT = Path(__file__).resolve().parent.parent
GOAL = GOALS["fresh_machine_s"]
FIRST_CELL = "let a = array![1.0, 2.0, 3.0]; a"
LESSON = "01a-numpy-playground.ipynb"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def follow(log, started, steps):
    """Records when each `==> step` line of scripts/lab.sh appears."""
    for line in log:
        line = line.rstrip()
        m = re.search(r"==> (.*?)(\x1b\[0m)?$", line)
        if m:
            steps.append((time.perf_counter() - started, m.group(1)))
            print(f"  [{steps[-1][0]:6.1f} s] {m.group(1)}", flush=True)


def wait_for_lab(url, token, started, timeout):
    while time.perf_counter() - started < timeout:
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as r:
                if r.status == 200:
                    return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"JupyterLab did not answer within {timeout} s")


async def first_cell_and_tab(url, token, started, analysis_log, timeout, wait_for_completion):
    student = Student(url, "student", token)
    student.base = url
    await student.open_notebook(LESSON, "ndplay")
    seconds, status, error = await student.run(FIRST_CELL)
    answered = time.perf_counter() - started
    assert status == "ok", (status, error)
    assert any("array![1., 2., 3.]" in s for s in student.shown), student.shown
    tab_before, offered_before = await student.complete("a.")
    # Completion's helper and index come from lab.sh's background job.
    ready = None
    while wait_for_completion and time.perf_counter() - started < timeout:
        if "Completion is ready" in analysis_log.read_text(errors="replace"):
            ready = time.perf_counter() - started
            break
        # Read what the kernel sends while waiting: tornado's client stops reading frames
        # (and answering the server's pings, which then closes the socket) while a message
        # it received waits unread.
        try:
            await asyncio.wait_for(student.ws.read_message(), timeout=2)
        except TimeoutError:
            pass
    tab_after, offered_after = await student.complete("a.") if ready else (None, [])
    await student.close()
    return {
        "first_cell_answered_s": round(answered, 1),
        "first_cell_s": round(seconds, 2),
        "tab_before_index": {"s": round(tab_before, 3), "first": offered_before[:5]},
        "completion_ready_s": None if ready is None else round(ready, 1),
        "tab_after_index": None if ready is None else {"s": round(tab_after, 3), "first": offered_after[:5]},
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=Path.home() / ".cache" / "ndplay-fresh")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--timeout", type=int, default=40 * 60)
    parser.add_argument("--completion", action="store_true",
                        help="also wait for completion's helper and index, and time a Tab after them")
    args = parser.parse_args()
    work = args.work
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    clone = work / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    head = subprocess.run(["git", "-C", str(clone), "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True, check=True).stdout.strip()
    port, token = free_port(), secrets.token_hex(16)
    # Nothing of a caller's set-up leaks in (bench/run.sh exports its own Jupyter path,
    # caches and NDPLAY_ switches): a fresh machine has none of them.
    inherited = {k: v for k, v in os.environ.items()
                 if not k.startswith(("NDPLAY_", "JUPYTER", "EVCXR_", "CARGO_", "PIP_"))
                 and k not in ("XDG_CACHE_HOME", "BENCH_WORK", "VIRTUAL_ENV", "RUSTFLAGS", "RUSTC_WRAPPER")}
    env = {**inherited,
           "CARGO_HOME": str(work / "cargo-home"), "PIP_NO_CACHE_DIR": "1",
           "NDPLAY_CACHE_DIR": str(work / "ndplay-cache"),
           "JUPYTER_CONFIG_DIR": str(work / "jupyter-config"), "JUPYTER_DATA_DIR": str(work / "jupyter-data"),
           "JUPYTER_RUNTIME_DIR": str(work / "jupyter-runtime")}
    # The toolchain stays the machine's: rustup's proxies, found on PATH, with its own home.
    load_before = os.getloadavg()
    started = time.perf_counter()
    lab = subprocess.Popen(
        ["bash", str(clone / "scripts" / "lab.sh"), "--no-browser", f"--port={port}",
         f"--IdentityProvider.token={token}"],
        cwd=clone, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True)
    steps = []
    log_copy = work / "lab.log"
    tee = []

    def reader():
        with open(log_copy, "w") as out:
            def lines():
                for line in lab.stdout:
                    out.write(line)
                    out.flush()
                    tee.append(line)
                    yield line
            follow(lines(), started, steps)

    threading.Thread(target=reader, daemon=True).start()
    url = f"http://127.0.0.1:{port}"
    record = {"head": head, "load_before": load_before, "cores": os.cpu_count(), "goal_s": GOAL.limit}
    try:
        record["lab_up_s"] = round(wait_for_lab(url, token, started, args.timeout), 1)
        print(f"  [{record['lab_up_s']:6.1f} s] JupyterLab answers", flush=True)
        record.update(asyncio.run(first_cell_and_tab(url, token, started, clone / "target" / "lab-analysis.log",
                                                     args.timeout, args.completion)))
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        lab.wait(timeout=30)
        # The spare kernel `ndplay install` started is in a process group of its own.
        subprocess.run(["pkill", "-f", str(clone / "target" / "release")], check=False)
    record["steps"] = [{"s": round(t, 1), "step": s} for t, s in steps]
    record["load_after"] = os.getloadavg()
    record["goal_holds"] = GOAL.holds(record["first_cell_answered_s"])
    print(json.dumps(record, indent=2))
    verdict = "holds" if record["goal_holds"] else "does NOT hold"
    print(f"{GOAL.label()}: {record['first_cell_answered_s']} s, {verdict}")
    (work.parent / f"ndplay-fresh-{head}.json").write_text(json.dumps(record, indent=2) + "\n")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if record["goal_holds"] else 1


if __name__ == "__main__":
    sys.exit(main())
