"""A real JupyterHub: local users log in through the hub's API, each starts a server,
opens lesson 1 and runs its first 15 code cells; one student alone first, then six at the
same moment. Then the administrator compiles the lesson into the shared cache (`ndplay
install --shared-cache … --notebooks`), six more students do the same, and one more runs
the whole lesson: the class's CPU seconds with and without. Every cell must succeed. What it
measured goes to target/ndplay-test/hub-report.json (docs/performance.md and docs/deploy.md
quote it)."""
import asyncio
import json
import shutil
import statistics
import time
from pathlib import Path

import pytest

from cpu_by_user import cpu_seconds, spent
from hub import Hub, new_password, set_password
from memory_by_user import by_user
from multiuser import CACHE, KERNEL_NAME, ROOT, STUDENT_PREFIX, create_student, install_shared, remove_student
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
    # Without compiled cells first: none left from an earlier run's `--notebooks`.
    shutil.rmtree(CACHE / "cells-v1", ignore_errors=True)
    install_shared()
    # One alone, a class without the lesson's cells compiled, a class with, one whole lesson.
    names = [f"{STUDENT_PREFIX}h{i}" for i in range(2 * CLASS + 2)]
    users, passwords = [], {}
    for name in names:
        user = create_student(name)
        passwords[name] = new_password()
        set_password(name, passwords[name])
        shutil.copy(LESSON, Path(user.pw_dir) / LESSON.name)
        shutil.chown(Path(user.pw_dir) / LESSON.name, user.pw_name, user.pw_gid)
        # The files the lessons read, beside the notebook as in notebooks/.
        data = Path(user.pw_dir) / "data"
        shutil.copytree(LESSON.parent / "data", data)
        for path in [data, *data.rglob("*")]:
            shutil.chown(path, user.pw_name, user.pw_gid)
        users.append(user)
    hub = Hub(names)
    yield hub, users, passwords
    hub.stop()
    for name in names:
        remove_student(name)


async def lesson(student, opened_at, cells=CELLS):
    """Opens the lesson and runs its first `cells` code cells; returns the time from opening
    to the first cell's idle, and each cell's (seconds, status, error)."""
    await student.open_notebook(LESSON.name, KERNEL_NAME)
    results = []
    first = None
    for code in code_cells(student.notebook, cells):
        results.append(await student.run(code))
        if first is None:
            first = time.perf_counter() - opened_at
    return first, results


def run_class(hub, users, passwords, cells=CELLS):
    """Logs every student in and starts their server (one after another, as a class
    arriving), then has all of them open the lesson at the same moment. Also returns the
    CPU seconds each student's processes spent from then to the last cell's end."""
    students, spawn = [], []
    for u in users:
        token = hub.login(u.pw_name, passwords[u.pw_name])
        spawn.append(hub.start_server(u.pw_name, token))
        students.append(Student(hub.url, u.pw_name, token))

    async def together():
        opened = time.perf_counter()
        return await asyncio.gather(*(lesson(s, opened, cells) for s in students))

    before = cpu_seconds(users)
    runs = asyncio.run(together())
    return spawn, runs, students, spent(before, cpu_seconds(users))


def summary(runs):
    times = [t for _, results in runs for t, _, _ in results]
    later = [t for _, results in runs for t, _, _ in results[1:]]
    return {"first_cell_from_open_s": [round(f, 3) for f, _ in runs], "cells": len(times),
            "p50_s": round(pct(times, 0.5), 3), "p95_s": round(pct(times, 0.95), 3),
            "later_p50_s": round(pct(later, 0.5), 3), "later_p95_s": round(pct(later, 0.95), 3),
            "max_s": round(max(times), 3), "mean_s": round(statistics.mean(times), 3)}


def failures(runs, users):
    return [(u.pw_name, i, status, error) for u, (_, results) in zip(users, runs, strict=True)
            for i, (_, status, error) in enumerate(results) if status != "ok"]


def test_six_students_run_lesson_1_at_once(hub):
    hub, users, passwords = hub
    alone_user, class_users = users[:1], users[1:CLASS + 1]
    compiled_class, whole_user = users[CLASS + 1:2 * CLASS + 1], users[2 * CLASS + 1:]
    spawn_alone, alone, students_alone, _ = run_class(hub, alone_user, passwords)
    assert not failures(alone, alone_user), failures(alone, alone_user)
    spawn_class, loaded, students, cpu_without = run_class(hub, class_users, passwords)
    assert not failures(loaded, class_users), failures(loaded, class_users)
    busy_memory = by_user(users[:CLASS + 1])
    time.sleep(IDLE_WAIT_S)
    idle_memory = by_user(users[:CLASS + 1])
    # The first student opens the lesson again: their kernel is now the spare theirs left.
    again = Student(hub.url, alone_user[0].pw_name, students_alone[0].headers["Authorization"].split()[1])
    opened = time.perf_counter()
    second = asyncio.run(lesson(again, opened))
    assert not failures([second], alone_user), failures([second], alone_user)
    # The administrator compiles the lesson once into the shared cache; a class that opens
    # it then loads its cells.
    precompile_s, _ = install_shared(notebooks=[LESSON])
    _, with_compiled, _, cpu_with = run_class(hub, compiled_class, passwords)
    assert not failures(with_compiled, compiled_class), failures(with_compiled, compiled_class)
    # A student who never ran it: the whole lesson, as Run All would.
    all_cells = sum(1 for c in json.loads(LESSON.read_text())["cells"] if c["cell_type"] == "code")
    whole_start = time.perf_counter()
    _, whole, _, cpu_whole = run_class(hub, whole_user, passwords, cells=all_cells)
    whole_s = time.perf_counter() - whole_start
    expected = sum(1 for c in json.loads(LESSON.read_text())["cells"] if c["cell_type"] == "code"
                   and "raises-exception" in c.get("metadata", {}).get("tags", []))
    unexpected = [f for f in failures(whole, whole_user) if f[2] != "error"]
    assert not unexpected and len(failures(whole, whole_user)) == expected, failures(whole, whole_user)
    without_total, with_total = sum(cpu_without.values()), sum(cpu_with.values())
    report = {
        "cells_per_student": CELLS,
        "alone": summary(alone),
        "alone_second_notebook_with_spare": summary([second]),
        "six_at_once": summary(loaded),
        "server_start_s": {"alone": [round(s, 2) for s in spawn_alone], "class": [round(s, 2) for s in spawn_class]},
        "memory_mb_after_cells": {k: {kk: round(vv) for kk, vv in v.items()} for k, v in busy_memory.items()},
        "memory_mb_idle": {k: {kk: round(vv) for kk, vv in v.items()} for k, v in idle_memory.items()},
    }
    report["cpu_s_class_of_six"] = {"without_compiled_cells": round(without_total, 1),
                                     "with_compiled_cells": round(with_total, 1),
                                     "per_student_without": sorted(round(v, 1) for v in cpu_without.values()),
                                     "per_student_with": sorted(round(v, 1) for v in cpu_with.values())}
    report["six_at_once_with_compiled_cells"] = summary(with_compiled)
    report["precompile_install_s"] = round(precompile_s, 1)
    report["whole_lesson_with_compiled_cells"] = {
        "cells": all_cells, "seconds_from_login": round(whole_s, 2),
        # Opening the notebook (its kernel's start) to the last cell's idle: Run All.
        "seconds_from_opening_the_notebook": round(whole[0][0] + sum(t for t, _, _ in whole[0][1][1:]), 2),
        "seconds_in_cells": round(sum(t for t, _, _ in whole[0][1]), 2),
        "slowest_cells_s": sorted((round(t, 2) for t, _, _ in whole[0][1]), reverse=True)[:3],
        "cpu_s": round(sum(cpu_whole.values()), 1)}
    class_idle = [v for k, v in idle_memory.items() if k != alone_user[0].pw_name]
    report["class_total_mb_idle"] = round(sum(v["total"] for v in class_idle))
    report["class_rss_mb_idle"] = round(sum(v["rss_total"] for v in class_idle))
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(report, indent=1))
    print(json.dumps(report, indent=1))
    # Loading a compiled cell costs a copy and a hash where compiling costs a rustc.
    assert with_total < 0.75 * without_total, report["cpu_s_class_of_six"]
