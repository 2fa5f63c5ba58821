"""The system-wide install of a shared server: the administrator builds the cache once,
and a student who never logged in gets a first cell without compiling the prelude, cannot
write the shared cache, and cannot read another student's cache or reach their spare."""
import json
import os
import stat
import subprocess
import time
from pathlib import Path

import pytest

from multiuser import (
    BINARY,
    CACHE,
    KERNEL_NAME,
    PREFIX,
    STUDENT_PREFIX,
    as_student,
    create_student,
    install_shared,
    remove_student,
    student_json,
)

# The goal for a student's first cell ever on the hub.
FIRST_CELL_GOAL_S = 3.0
ANN, BOB = f"{STUDENT_PREFIX}1", f"{STUDENT_PREFIX}2"


@pytest.fixture(scope="module")
def shared_install():
    seconds, log = install_shared()
    print(f"shared install took {seconds:.1f} s")
    yield log


@pytest.fixture(scope="module")
def students(shared_install):
    users = [create_student(ANN), create_student(BOB)]
    yield users
    for u in users:
        remove_student(u.pw_name)


def test_the_shared_cache_is_the_administrators_and_read_only_for_others(shared_install):
    spec = (PREFIX / "share/jupyter/kernels" / KERNEL_NAME / "kernel.json").read_text()
    assert f'"NDPLAY_SHARED_CACHE": "{CACHE}"' in spec
    for path in [CACHE, CACHE / "shared.json", *CACHE.glob("sessions/slot-*/target")]:
        mode = path.stat().st_mode
        assert mode & stat.S_IROTH and not mode & stat.S_IWOTH and not mode & stat.S_IWGRP, (path, oct(mode))


def test_a_new_students_first_cell_uses_the_shared_cache(students):
    ann = students[0]
    r = student_json(ann, "student_first_cell.py", KERNEL_NAME)
    print({k: v for k, v in r.items() if k != "log"})
    assert r["statuses"] == ["ok", "ok"], r
    assert r["second_result"] == ["12.0"], r
    assert "dependencies from the shared cache" in r["log"], r["log"]
    assert "building the cell crate's dependencies" not in r["log"], r["log"]
    # Nothing of the prelude was compiled in the student's home.
    home = Path(ann.pw_dir)
    assert not list(home.glob(".cache/ndplay/sessions/slot-*/target/*/debug/deps/libndplay*")), "prelude built per user"
    assert r["first_cell_from_open"] <= FIRST_CELL_GOAL_S, r


def test_students_cannot_write_the_shared_cache_or_read_each_other(students):
    ann, bob = students
    # Ann's cache exists from her kernel (or is made now by a spare of her own).
    ann_cache = Path(ann.pw_dir) / ".cache" / "ndplay"
    done = as_student(ann, [BINARY, "spare", "--print-socket"],
                      extra_env={"NDPLAY_SHARED_CACHE": str(CACHE)})
    assert done.returncode == 0, done.stderr
    sock = done.stdout.strip()
    # A spare of Ann's, as her kernels leave one.
    spare = subprocess.Popen(["runuser", "-u", ann.pw_name, "--", "env", "-i", f"HOME={ann.pw_dir}",
                              f"USER={ann.pw_name}", "PATH=/usr/bin:/bin", f"NDPLAY_SHARED_CACHE={CACHE}",
                              str(BINARY), "spare"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not os.path.exists(sock) and spare.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert os.path.exists(sock), "Ann's spare did not start"
        assert stat.S_IMODE(ann_cache.stat().st_mode) == 0o700
        probe = ("import socket,sys\n"
                 "s=socket.socket(socket.AF_UNIX)\n"
                 "try:\n s.connect(sys.argv[1]); print('connected')\n"
                 "except OSError as e: print(type(e).__name__)\n")
        done = as_student(bob, ["python3", "-c", probe, sock])
        assert done.stdout.strip() == "PermissionError", done.stdout + done.stderr
        done = as_student(bob, ["ls", ann_cache / "sessions"])
        assert done.returncode != 0 and "Permission denied" in done.stderr, done.stdout + done.stderr
        for target in [CACHE / "shared.json", next(CACHE.glob("sessions/slot-*"))]:
            done = as_student(bob, ["touch", Path(target) / "x" if Path(target).is_dir() else target])
            assert done.returncode != 0 and "Permission denied" in done.stderr, (target, done.stderr)
    finally:
        subprocess.run(["pkill", "-KILL", "-u", ann.pw_name], check=False)
        spare.wait(timeout=10)


def test_an_unreadable_toolchain_is_named_in_the_first_cell(students):
    """A shared cache whose toolchain only root can read: the kernel says which path and
    what to do, in the cell (the engine cannot start), instead of failing silently."""
    bob = students[1]
    broken = CACHE.parent / "broken-cache"
    subprocess.run(["rm", "-rf", str(broken)], check=True)
    broken.mkdir(parents=True)
    m = json.loads((CACHE / "shared.json").read_text())
    m["sysroot"] = "/root/.rustup/toolchains/private"
    (broken / "shared.json").write_text(json.dumps(m))
    os.chmod(broken, 0o755)
    os.chmod(broken / "shared.json", 0o644)
    # A kernelspec of its own: a kernelspec's env wins over the environment Jupyter has.
    spec_dir = PREFIX / "share/jupyter/kernels" / f"{KERNEL_NAME}-broken"
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = json.loads((PREFIX / "share/jupyter/kernels" / KERNEL_NAME / "kernel.json").read_text())
    spec["env"]["NDPLAY_SHARED_CACHE"] = str(broken)
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    r = student_json(bob, "student_error_cell.py", f"{KERNEL_NAME}-broken")
    assert "the Rust compiler (/root/.rustup/toolchains/private/bin/rustc) cannot be read by" in r["error"], r
    assert "Rust installed outside /root" in r["error"], r


def test_a_spare_leaves_when_the_machine_is_short_of_memory(students):
    """NDPLAY_SPARE_MIN_AVAILABLE bounds the spares of every user together: with a floor
    no machine can meet, a waiting spare gives up (kernel/src/spare_budget.rs)."""
    ann = students[0]
    env = {"NDPLAY_SHARED_CACHE": str(CACHE), "NDPLAY_SPARE_MIN_AVAILABLE": "100%"}
    sock = as_student(ann, [BINARY, "spare", "--print-socket"], extra_env=env).stdout.strip()
    done = as_student(ann, [BINARY, "spare"], extra_env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    log = (Path(ann.pw_dir) / ".cache/ndplay/spare.log")
    assert not os.path.exists(sock)
    said = done.stderr + (log.read_text() if log.exists() else "")
    assert "short of memory (NDPLAY_SPARE_MIN_AVAILABLE); exiting" in said, done.stderr
