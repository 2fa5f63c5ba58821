"""The memory of students' processes, by kind, as proportional set size (PSS: a page
shared by several processes, e.g. the shared cache's libraries or the toolchain mapped
by every kernel, counts a share in each), read from /proc as root."""
import psutil

from ndplay_harness.memory import spare_pids


def _pss_kb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _kind(p, spares):
    if p.pid in spares:
        return "spare"
    try:
        cmd = p.cmdline()
    except psutil.Error:
        return "other"
    text = " ".join(cmd)
    if "jupyterhub-singleuser" in text:
        return "server"
    if cmd and cmd[0].endswith("ndplay"):
        return "kernel"
    return "other"


def by_user(users):
    """{user: {kind: MB}} for kinds server, kernel (launcher, kernel and the process that runs
    cells), spare (a waiting spare and its child), other; plus "total" (PSS) and "rss_total"."""
    uids = {u.pw_uid: u.pw_name for u in users}
    procs = [p for p in psutil.process_iter(["uids"]) if p.info["uids"] and p.info["uids"].real in uids]
    spares = spare_pids(procs)
    out = {name: {"server": 0.0, "kernel": 0.0, "spare": 0.0, "other": 0.0} for name in uids.values()}
    rss = dict.fromkeys(uids.values(), 0.0)
    for p in procs:
        name = uids[p.info["uids"].real]
        out[name][_kind(p, spares)] += _pss_kb(p.pid) / 1024
        try:
            rss[name] += p.memory_info().rss / (1 << 20)
        except psutil.Error:
            pass
    for name, v in out.items():
        v["total"] = sum(v.values())
        # RSS counts every shared page in full in each process: what `top` shows, an upper bound.
        v["rss_total"] = rss[name]
    return out
