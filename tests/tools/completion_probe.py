"""Times completion and inspection in a kernel, and the memory they cost (issue 27, goal 3):
the first Tab, then twenty varied ones, with the kernel's RSS before and after, and that of
rust-analyzer's process (`ndplay-analysis`) if one is running.

Usage: python tests/tools/completion_probe.py [KERNEL_NAME]   (JUPYTER_PATH must find the kernel)

tests/cells/test_completion.py asserts on `probe`'s numbers; bench/completion.py reports them.
"""
import json
import sys
import time
from pathlib import Path

from ndplay_harness import Kernel, status_kb

SETUP = "let a = array![1.0, 2.0, 3.0];\nlet m = Array2::<f64>::zeros((2, 3));\nlet v = vec![1, 2, 3];\nlet x = 2.5f64;"

# What a learner types before Tab: members of arrays, a vector and a number, paths, and
# names in scope; each (code, a match it must offer).
VARIED = [
    ("a.", "sum()"), ("m.", "shape()"), ("a.su", "sum()"), ("m.t", "t()"), ("a.ma", "mapv(f)"),
    ("m.do", "dot(rhs)"), ("v.", "len()"), ("x.", "sqrt()"), ("Array2::", None), ("Array1::ze", None),
    ("arr", "array![]"), ("lins", None), ("a.me", None), ("m.sum_", "sum_axis(axis)"), ("m.ro", None),
    ("v.pu", None), ("x.po", None), ("a.len", None), ("m.into_sh", None), ("out", None),
]


def _ask(kc, send, code, cursor, timeout):
    """Sends a request with `send` (`kc.complete` or `kc.inspect`); its reply's content,
    and its seconds."""
    started = time.perf_counter()
    msg_id = send(code, len(code) if cursor is None else cursor)
    while True:
        reply = kc.get_shell_msg(timeout=timeout)
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply["content"], time.perf_counter() - started


def complete(kc, code, cursor=None, timeout=60):
    """The complete_reply's content, and its seconds."""
    return _ask(kc, kc.complete, code, cursor, timeout)


def inspect(kc, code, cursor=None, timeout=60):
    """The inspect_reply's content, and its seconds."""
    return _ask(kc, kc.inspect, code, cursor, timeout)


def rss_mb(pid):
    kb = status_kb(pid, "VmRSS")
    return None if kb is None else kb / 1024


def analysis_processes(pid):
    """Pids of `ndplay-analysis` processes among `pid`'s descendants, and evcxr's child of
    each (rust-analyzer's process and the process evcxr starts beside it)."""
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
            ppid = int(text.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            pass
    found, todo = [], list(children.get(pid, []))
    while todo:
        p = todo.pop()
        try:
            argv = Path(f"/proc/{p}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv[0].rsplit(b"/", 1)[-1] == b"ndplay-analysis":
            found.append(p)
            found.extend(children.get(p, []))
        else:
            todo.extend(children.get(p, []))
    return found


def zombies(pid):
    """Children of `pid` that ended and were not reaped."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if fields[0] == "Z" and int(fields[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            pass
    return found


def probe(kernel):
    """On a fresh ndplay_harness.Kernel: SETUP, then the first Tab (`a.`), then VARIED.
    Returns the first Tab's seconds and matches, every Tab's seconds, and the memory (MB)
    of the kernel's process before the first Tab and after the twentieth, and of
    rust-analyzer's processes then."""
    cell = kernel.run(SETUP, timeout=600)
    assert cell.status == "ok", cell.outputs
    pid = kernel.serving_pid()
    time.sleep(0.5)
    before = rss_mb(pid)
    first, first_seconds = complete(kernel.kc, "a.")
    times, missing = [], []
    for code, want in VARIED:
        reply, seconds = complete(kernel.kc, code)
        times.append(seconds)
        if want and want not in reply["matches"]:
            missing.append((code, want, reply["matches"][:10]))
    helpers = analysis_processes(pid)
    return {
        "first_tab_s": first_seconds,
        "first_matches": first["matches"],
        "tab_s": times,
        "missing": missing,
        "kernel_rss_before_mb": before,
        "kernel_rss_after_mb": rss_mb(pid),
        "analysis_rss_mb": sum(rss_mb(p) or 0 for p in helpers),
        "analysis_processes": len(helpers),
    }


if __name__ == "__main__":
    with Kernel(sys.argv[1] if len(sys.argv) > 1 else "ndplay", ready_timeout=300) as k:
        assert k.run("1", timeout=600).status == "ok"
        result = probe(k)
        result["first_matches"] = result["first_matches"][:15]
        print(json.dumps(result, indent=1))
