"""Where a kernel's memory goes: per process of its tree (RSS, USS), after lesson-like cells,
then after a completion request starts rust-analyzer (docs/performance.md, "Where the
memory goes"). Run with the Jupyter environment of an installed kernel, e.g. after
scripts/test.sh's tier 2: JUPYTER_PATH=target/ndplay-test/prefix/share/jupyter
NDPLAY_CACHE_DIR=~/.cache/ndplay-test .venv/bin/python bench/memory_breakdown.py"""
import time

import psutil

from ndplay_harness import Kernel


def tree(pid):
    p = psutil.Process(pid)
    rows = []
    for q in [p] + p.children(recursive=True):
        try:
            m = q.memory_full_info()
            rows.append((q.pid, q.name(), " ".join(q.cmdline()[1:3])[:40], m.rss / 2**20, m.uss / 2**20))
        except psutil.Error:
            pass
    return rows

def show(label, pid):
    rows = tree(pid)
    print(f"-- {label}")
    for r in rows:
        print(f"   {r[0]:>7} {r[1]:<16} {r[2]:<40} RSS {r[3]:7.1f} MB  USS {r[4]:7.1f} MB")
    print(f"   total RSS {sum(r[3] for r in rows):.1f} MB, USS {sum(r[4] for r in rows):.1f} MB")

with Kernel(env={"NDPLAY_SPARE": "0"}) as k:
    pid = k.serving_pid()
    for code in ["let a = array![1.0, 2.0, 3.0]; a", "let m = Array2::<f64>::zeros((300, 300)); m.sum()",
                 "explain_broadcast(&Array2::<f64>::zeros((3, 4)), &Array1::<f64>::zeros(4))",
                 "let big = Array2::<f64>::from_shape_fn((1000, 1000), |(i, j)| (i + j) as f64); big.sum()"]:
        c = k.run(code)
        assert c.status == "ok", c.error
    show("after 4 cells (one 8 MB array)", pid)
    msg = k.kc.complete("a.su", 4)
    deadline = time.time() + 300
    while time.time() < deadline:
        r = k.kc.get_shell_msg(timeout=300)
        if r["parent_header"].get("msg_id") == msg:
            break
    print("completion:", r["content"].get("matches", [])[:5])
    time.sleep(2)
    show("after a completion request (rust-analyzer started)", pid)
