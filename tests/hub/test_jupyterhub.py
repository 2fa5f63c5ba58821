"""A real JupyterHub: local users log in through the hub's API, each starts a server,
opens lesson 1 and runs its first 15 code cells; one student alone first, then six at the
same moment. Every cell must succeed. What it measured goes to
target/ndplay-test/hub-report.json (docs/performance.md and docs/deploy.md quote it)."""
import asyncio
import json
import shutil
import statistics
import time
from pathlib import Path

import pytest

from hub import Hub, new_password, set_password
from memory_by_user import by_user
from multiuser import KERNEL_NAME, ROOT, STUDENT_PREFIX, create_student, install_shared, remove_student
from notebook_client import Student, code_cells

LESSON = ROOT / "notebooks" / "01a-numpy-playground.ipynb"  # lesson 1, its first part
CELLS = 15
CLASS = 6
REPORT = ROOT / "target" / "ndplay-test" / "hub-report.json"
# How long the idle class is watched after its cells, for the spares the kernels start (a
# kernel starts one 20 s after it is ready, in a 5 s pause: kernel/src/spare.rs).
IDLE_WAIT_S = 45


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


@pytest.fixture(scope="module")
def hub():
    install_shared()
    names = [f"{STUDENT_PREFIX}h{i}" for i in range(CLASS + 1)]
    users, passwords = [], {}
    for name in names:
        user = create_student(name)
        passwords[name] = new_password()
        set_password(name, passwords[name])
        shutil.copy(LESSON, Path(user.pw_dir) / LESSON.name)
        shutil.chown(Path(user.pw_dir) / LESSON.name, user.pw_name, user.pw_gid)
        users.append(user)
    hub = Hub(names)
    yield hub, users, passwords
    hub.stop()
    for name in names:
        remove_student(name)


async def lesson(student, opened_at):
    """Opens the lesson and runs its cells; returns the time from opening to the first
    cell's idle, and each cell's (seconds, status, error)."""
    await student.open_notebook(LESSON.name, KERNEL_NAME)
    results = []
    first = None
    for code in code_cells(student.notebook, CELLS):
        results.append(await student.run(code))
        if first is None:
            first = time.perf_counter() - opened_at
    return first, results


def run_class(hub, users, passwords):
    """Logs every student in and starts their server (one after another, as a class
    arriving), then has all of them open the lesson at the same moment."""
    students, spawn = [], []
    for u in users:
        token = hub.login(u.pw_name, passwords[u.pw_name])
        spawn.append(hub.start_server(u.pw_name, token))
        students.append(Student(hub.url, u.pw_name, token))

    async def together():
        opened = time.perf_counter()
        return await asyncio.gather(*(lesson(s, opened) for s in students))

    return spawn, asyncio.run(together()), students


def summary(runs):
    times = [t for _, results in runs for t, _, _ in results]
    later = [t for _, results in runs for t, _, _ in results[1:]]
    return {"first_cell_from_open_s": [round(f, 3) for f, _ in runs], "cells": len(times),
            "p50_s": round(pct(times, 0.5), 3), "p95_s": round(pct(times, 0.95), 3),
            "later_p50_s": round(pct(later, 0.5), 3), "later_p95_s": round(pct(later, 0.95), 3),
            "max_s": round(max(times), 3), "mean_s": round(statistics.mean(times), 3)}


def failures(runs, users):
    return [(u.pw_name, i, status, error) for u, (_, results) in zip(users, runs)
            for i, (_, status, error) in enumerate(results) if status != "ok"]


def test_six_students_run_lesson_1_at_once(hub):
    hub, users, passwords = hub
    alone_user, class_users = users[:1], users[1:]
    spawn_alone, alone, students_alone = run_class(hub, alone_user, passwords)
    assert not failures(alone, alone_user), failures(alone, alone_user)
    spawn_class, loaded, students = run_class(hub, class_users, passwords)
    assert not failures(loaded, class_users), failures(loaded, class_users)
    busy_memory = by_user(users)
    time.sleep(IDLE_WAIT_S)
    idle_memory = by_user(users)
    # The first student opens the lesson again: their kernel is now the spare theirs left.
    again = Student(hub.url, alone_user[0].pw_name, students_alone[0].headers["Authorization"].split()[1])
    opened = time.perf_counter()
    second = asyncio.run(lesson(again, opened))
    assert not failures([second], alone_user), failures([second], alone_user)
    report = {
        "cells_per_student": CELLS,
        "alone": summary(alone),
        "alone_second_notebook_with_spare": summary([second]),
        "six_at_once": summary(loaded),
        "server_start_s": {"alone": [round(s, 2) for s in spawn_alone], "class": [round(s, 2) for s in spawn_class]},
        "memory_mb_after_cells": {k: {kk: round(vv) for kk, vv in v.items()} for k, v in busy_memory.items()},
        "memory_mb_idle": {k: {kk: round(vv) for kk, vv in v.items()} for k, v in idle_memory.items()},
    }
    report["class_total_mb_idle"] = round(sum(v["total"] for k, v in idle_memory.items() if k != alone_user[0].pw_name))
    report["class_rss_mb_idle"] = round(sum(v["rss_total"] for k, v in idle_memory.items() if k != alone_user[0].pw_name))
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(report, indent=1))
    print(json.dumps(report, indent=1))
