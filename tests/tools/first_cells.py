"""Times a fresh kernel: start -> kernel_info reply, and each of a few cells.

Usage: python tests/tools/first_cells.py [KERNEL_NAME [CELL...]]   (JUPYTER_PATH must find the kernel)
"""
import os
import sys
import time

from jupyter_client.manager import KernelManager

CELLS = [
    "let a = array![1.0, 2.0, 3.0]; a",
    "array![1, 2, 3].sum()",
    "let b = &a * 2.0; b",
    "let m = Array2::<f64>::zeros((2, 3)); m.shape().to_vec()",
    'println!("hello {}", a.len());',
    "a.dot(&a)",
]


def main():
    name = sys.argv[1] if len(sys.argv) > 1 else "ndplay"
    cells = sys.argv[2:] or CELLS
    t0 = time.perf_counter()
    km = KernelManager(kernel_name=name)
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)
    print(f"kernel ready (kernel_info reply): {time.perf_counter() - t0:6.2f} s")
    if os.environ.get("WAIT_BEFORE_FIRST_CELL"):
        time.sleep(float(os.environ["WAIT_BEFORE_FIRST_CELL"]))
    try:
        for i, code in enumerate(cells):
            t = time.perf_counter()
            outputs = []
            reply = kc.execute_interactive(code, timeout=300, output_hook=outputs.append)
            dt = time.perf_counter() - t
            res = [
                o["content"].get("data", {}).get("text/plain") or o["content"].get("text") or o["content"].get("evalue")
                for o in outputs
                if o["msg_type"] in ("execute_result", "stream", "error")
            ]
            extra = f"  (since asking for a kernel: {time.perf_counter() - t0:.2f} s)" if i == 0 else ""
            print(f"{dt:6.2f} s  {reply['content']['status']:5}  {code!r} -> {res!r}{extra}")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


if __name__ == "__main__":
    main()
