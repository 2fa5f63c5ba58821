"""Times slider moves through a kernel, as JupyterLab's widget manager sends them: from the
`comm_msg` leaving the client to the new output (a 100x100 array, rendered by the closure)
arriving on IOPub, and to the move's idle. The browser adds its own drawing on top.

Usage: python tests/tools/widget_moves.py [KERNEL_NAME [MOVES]]   (JUPYTER_PATH must find the kernel)

bench/widget_move.py runs `time_moves` for the benchmark's row.
"""
import statistics
import sys
import time

from ndplay_harness import Kernel

CELL = """let scale = slider("scale", 1..=50);
interact(&scale, |s| Array2::<f64>::from_shape_fn((100, 100), |(i, j)| (i * j) as f64 * s as f64))"""


def time_moves(kernel, moves=30):
    """Runs CELL on `kernel` (an ndplay_harness.Kernel), then sends `moves` moves one after
    another, each once the previous one is idle. Returns the seconds of each move from its
    `comm_msg` to its new output and to its idle: {"to_output": [...], "to_idle": [...]}."""
    cell = kernel.run(CELL, timeout=600)
    assert cell.status == "ok", cell.outputs
    slider = next(
        m["content"]["comm_id"]
        for m in cell.outputs
        if m["msg_type"] == "comm_open" and m["content"]["data"]["state"]["_model_name"] == "IntSliderModel"
    )
    to_output, to_idle = [], []
    for i in range(moves):
        data = {"method": "update", "state": {"value": 2 + i % 40}, "buffer_paths": []}
        msg = kernel.kc.session.msg("comm_msg", {"comm_id": slider, "data": data})
        started = time.perf_counter()
        kernel.kc.shell_channel.send(msg)
        while True:
            m = kernel.kc.get_iopub_msg(timeout=30)
            if m["parent_header"].get("msg_id") != msg["header"]["msg_id"]:
                continue
            if m["msg_type"] == "display_data":
                to_output.append(time.perf_counter() - started)
            if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                to_idle.append(time.perf_counter() - started)
                break
    return {"to_output": to_output, "to_idle": to_idle}


def main():
    name = sys.argv[1] if len(sys.argv) > 1 else "ndplay"
    moves = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    kernel = Kernel(name, ready_timeout=120)
    try:
        times = time_moves(kernel, moves)
        for label, key in [("move -> new output", "to_output"), ("move -> idle", "to_idle")]:
            ms = sorted(t * 1e3 for t in times[key])
            p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
            print(f"{label:20s} median {statistics.median(ms):6.1f} ms   p95 {p95:6.1f} ms   ({len(ms)} moves)")
    finally:
        kernel.shutdown()


if __name__ == "__main__":
    main()
