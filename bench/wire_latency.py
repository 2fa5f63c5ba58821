"""Per-message latency through the wire layer: two kernel binaries side by side, in one run.

    .venv/bin/python bench/wire_latency.py BEFORE AFTER [--rounds 5]

Each binary runs `ndplay kernel --mock-engine` (no compiling: only the wire and the
protocol core are measured) on its own loopback ports; jupyter_client times a `kernel_info`
round trip (request to reply) and a cell (`execute_request` to its reply and the final
`idle` on IOPub). The two kernels take turns, round by round and in alternating order, so
that the machine's load falls on both alike; the table gives medians and p95s, and the
ratio after/before. Used for the wire guard (issue 24): the guard admits peers, checks ZMTP
framing and copies bytes to the zeromq sockets, one more hop per message.
"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import tempfile
import time

from jupyter_client import BlockingKernelClient


def free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def start(binary, directory, name):
    shell, iopub, stdin, control, hb = free_ports(5)
    info = dict(ip="127.0.0.1", transport="tcp", shell_port=shell, iopub_port=iopub, stdin_port=stdin,
                control_port=control, hb_port=hb, key="bench-key", signature_scheme="hmac-sha256",
                kernel_name="ndplay")
    path = os.path.join(directory, f"connection-{name}.json")
    with open(path, "w") as f:
        json.dump(info, f)
    os.chmod(path, 0o600)
    proc = subprocess.Popen([binary, "kernel", "--mock-engine", "--connection-file", path],
                            stderr=subprocess.DEVNULL)
    client = BlockingKernelClient(connection_file=path)
    client.load_connection_file()
    client.start_channels()
    client.wait_for_ready(timeout=20)
    return proc, client


def kernel_info(client):
    started = time.perf_counter()
    msg_id = client.kernel_info()
    while client.get_shell_msg(timeout=10)["parent_header"].get("msg_id") != msg_id:
        pass
    return time.perf_counter() - started


def cell(client):
    started = time.perf_counter()
    msg_id = client.execute("result 1")
    replied = idle = False
    while not (replied and idle):
        if not replied:
            replied = client.get_shell_msg(timeout=10)["parent_header"].get("msg_id") == msg_id
        if not idle:
            m = client.get_iopub_msg(timeout=10)
            idle = (m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "status"
                    and m["content"]["execution_state"] == "idle")
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    directory = tempfile.mkdtemp(prefix="ndplay-wire-bench-")
    kernels = {"before": start(args.before, directory, "before"), "after": start(args.after, directory, "after")}
    times = {k: {"kernel_info": [], "cell": []} for k in kernels}
    try:
        for _, client in kernels.values():  # warm both
            for _ in range(200):
                kernel_info(client)
                cell(client)
        for r in range(args.rounds):
            for name in ("before", "after") if r % 2 == 0 else ("after", "before"):
                client = kernels[name][1]
                times[name]["kernel_info"] += [kernel_info(client) for _ in range(400)]
                times[name]["cell"] += [cell(client) for _ in range(200)]
    finally:
        for proc, client in kernels.values():
            client.stop_channels()
            proc.kill()
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    print(f"{'':12} {'n':>6} {'before median':>14} {'after median':>13} {'ratio':>6} "
          f"{'before p95':>11} {'after p95':>10}")
    for what in ("kernel_info", "cell"):
        b, a = sorted(times["before"][what]), sorted(times["after"][what])
        bm, am = statistics.median(b), statistics.median(a)
        print(f"{what:12} {len(a):6} {bm * 1e6:11.0f} us {am * 1e6:10.0f} us {am / bm:6.2f} "
              f"{b[int(len(b) * .95)] * 1e6:8.0f} us {a[int(len(a) * .95)] * 1e6:7.0f} us")


if __name__ == "__main__":
    main()
