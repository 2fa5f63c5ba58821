"""The CPU seconds students' processes used, read from /proc as root: each live process's
own time plus that of the children it has reaped (a kernel reaps every rustc it ran). A
process that ends between two readings takes its time with it, unless a live one of the
same user reaped it; the class's kernels, rustc and cell processes are alive or reaped by
a live kernel until the class ends, which is when it is read."""
import psutil


def cpu_seconds(users):
    """{user: seconds} over every process of each user now."""
    uids = {u.pw_uid: u.pw_name for u in users}
    out = dict.fromkeys(uids.values(), 0.0)
    for p in psutil.process_iter(["uids"]):
        uid = p.info["uids"].real if p.info["uids"] else None
        if uid not in uids:
            continue
        try:
            t = p.cpu_times()
        except psutil.Error:
            continue
        out[uids[uid]] += t.user + t.system + t.children_user + t.children_system
    return out


def spent(before, after):
    """Seconds each user spent between two readings of `cpu_seconds`."""
    return {name: max(0.0, after[name] - before.get(name, 0.0)) for name in after}
