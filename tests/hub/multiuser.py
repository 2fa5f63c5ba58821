"""A shared server on this machine, for the multi-user tiers: a toolchain and an ndplay
binary every user can read, the administrator's `ndplay install --shared-cache`, and local
system users (students) created and removed by the tests. Needs root (`useradd`)."""
import json
import os
import pwd
import shutil
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Outside any Cargo workspace and outside /root (which other users cannot enter).
BASE = Path(os.environ.get("NDPLAY_HUBTEST_DIR", "/opt/ndplay-hubtest"))
TOOLCHAIN = BASE / "rust"
BINARY = BASE / "bin" / "ndplay"
# The hub's environment (JupyterHub, each student's server): `--sys-prefix` installs into it.
PREFIX = BASE / "venv"
VENV_PYTHON = PREFIX / "bin" / "python"
CACHE = BASE / "cache"
# What students run (tests/hub's scripts and the kernel harness), copied where every user
# can read it: the checkout may lie under /root, which no student can enter.
STUDENT_TESTS = BASE / "tests"
KERNEL_NAME = "ndplay-shared"
STUDENT_PREFIX = "ndplaystu"


def require_root():
    assert os.geteuid() == 0, "the multi-user tiers create system users: run them as root"


def readable_toolchain():
    """The toolchain rustup installed for root lives under /root, which no student can
    enter. A hard-linked copy under BASE (no extra disk, same files) is what an
    administrator's /opt install would be. Returns its rustc."""
    sysroot = Path(subprocess.run(["rustc", "--print", "sysroot"], check=True, capture_output=True,
                                  text=True).stdout.strip())
    version = subprocess.run([sysroot / "bin" / "rustc", "-vV"], check=True, capture_output=True, text=True).stdout
    rustc = TOOLCHAIN / "bin" / "rustc"
    stamp = TOOLCHAIN / ".version"
    if not (stamp.exists() and stamp.read_text() == version):
        shutil.rmtree(TOOLCHAIN, ignore_errors=True)
        TOOLCHAIN.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["cp", "-al", str(sysroot), str(TOOLCHAIN)], check=True)
        stamp.write_text(version)
    os.chmod(BASE, 0o755)
    return rustc


def hub_environment():
    """The hub's virtual environment, from the system's Python (every user can run it),
    with tests/hub/requirements.txt; made once, and again when the pins change."""
    wanted = (Path(__file__).parent / "requirements.txt").read_text()
    stamp = PREFIX / ".requirements"
    if stamp.exists() and stamp.read_text() == wanted:
        return
    BASE.mkdir(parents=True, exist_ok=True)
    os.chmod(BASE, 0o755)
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--clear", str(PREFIX)], check=True)
    subprocess.run([VENV_PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r",
                    Path(__file__).parent / "requirements.txt"], check=True)
    stamp.write_text(wanted)


def install_shared(ndplay=ROOT / "target" / "release" / "ndplay", notebooks=()):
    """What the administrator does: `ndplay install --sys-prefix --shared-cache …` in the
    hub's environment, with a toolchain all users can read; with `notebooks`, their cells
    compiled into the shared cache too (`--notebooks`). Returns (seconds it took, the
    install's stderr)."""
    require_root()
    hub_environment()
    rustc = readable_toolchain()
    BINARY.parent.mkdir(parents=True, exist_ok=True)
    # A copy, so that a rebuild of the checkout during a run does not change the kernel.
    # Beside it, then renamed over it: kernels may be running the old one (ETXTBSY).
    # Completion's helper goes beside it, where kernels look for it (docs/deploy.md).
    for built, installed in [(ndplay, BINARY),
                             (ndplay.with_name("ndplay-analysis"), BINARY.with_name("ndplay-analysis"))]:
        fresh = installed.with_name(installed.name + ".new")
        shutil.copy2(built, fresh)
        os.chmod(fresh, 0o755)
        os.replace(fresh, installed)
    student_scripts()
    env = {**os.environ, "RUSTC": str(rustc), "PATH": f"{rustc.parent}:{os.environ['PATH']}",
           "VIRTUAL_ENV": str(PREFIX)}
    env.pop("NDPLAY_CACHE_DIR", None)
    started = time.perf_counter()
    done = subprocess.run([BINARY, "install", "--sys-prefix", "--name", KERNEL_NAME,
                           "--display-name", "Rust (ndplay, shared)", "--shared-cache", CACHE,
                           *(["--notebooks", *notebooks] if notebooks else [])],
                          env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return time.perf_counter() - started, done.stderr


def create_student(name):
    """A new local user with an empty home: a student who never logged in."""
    require_root()
    remove_student(name)
    subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", name], check=True)
    return pwd.getpwnam(name)


def remove_student(name):
    try:
        pwd.getpwnam(name)
    except KeyError:
        return
    # Their kernels and spares first: userdel refuses a user with processes.
    subprocess.run(["pkill", "-KILL", "-u", name], check=False)
    for _ in range(50):
        if subprocess.run(["pgrep", "-u", name], capture_output=True).returncode != 0:
            break
        time.sleep(0.1)
    subprocess.run(["userdel", "--remove", name], check=False, capture_output=True)


def student_env(user, extra=None):
    """The environment of a student's login: no root paths, no Rust on PATH (the shared
    install names its toolchain), their own Jupyter directories."""
    home = Path(user.pw_dir)
    env = {
        "HOME": str(home),
        "USER": user.pw_name,
        "LOGNAME": user.pw_name,
        "PATH": f"{PREFIX / 'bin'}:/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "JUPYTER_RUNTIME_DIR": str(home / ".local/share/jupyter/runtime"),
        "PYTHONPATH": str(STUDENT_TESTS),
    }
    env.update(extra or {})
    return env


def as_student(user, argv, extra_env=None, **kw):
    """Runs `argv` as the student, with only their environment."""
    env = student_env(user, extra_env)
    cmd = ["runuser", "-u", user.pw_name, "--", "env", "-i", *(f"{k}={v}" for k, v in env.items()), *map(str, argv)]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=user.pw_dir, **kw)


def student_scripts():
    """Copies tests/hub's scripts and tests/ndplay_harness to STUDENT_TESTS, readable by all."""
    here = Path(__file__).resolve().parent
    shutil.rmtree(STUDENT_TESTS, ignore_errors=True)
    shutil.copytree(here, STUDENT_TESTS / "hub", ignore=shutil.ignore_patterns("node_modules", "__pycache__"))
    shutil.copytree(here.parent / "ndplay_harness", STUDENT_TESTS / "ndplay_harness",
                    ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(["chmod", "-R", "a+rX", str(STUDENT_TESTS)], check=True)
    os.chmod(BASE, 0o755)


def student_json(user, script, *args, extra_env=None, timeout=600):
    """Runs a script of tests/hub as the student; it prints one JSON object last."""
    if not (STUDENT_TESTS / "hub" / script).exists():
        student_scripts()
    done = as_student(user, [VENV_PYTHON, STUDENT_TESTS / "hub" / script, *args], extra_env=extra_env, timeout=timeout)
    assert done.returncode == 0, f"{script} as {user.pw_name} failed:\n{done.stdout}\n{done.stderr}"
    return json.loads(done.stdout.strip().splitlines()[-1])
