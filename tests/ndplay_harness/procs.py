"""Processes, read from /proc (Linux): which one serves a kernel, whether one runs, and
the sizes its status reports."""
import os


def _stat(pid):
    """The fields of /proc/PID/stat after the command name (state, ppid, …), read once;
    None when the process does not exist."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None


def status_kb(pid, key):
    """A size in /proc/PID/status (`VmRSS`, `VmHWM`, …), in kB; None when the process is
    gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def running(pid):
    """Whether `pid` exists and is not a zombie (it may vanish between two reads)."""
    fields = _stat(pid)
    return fields is not None and fields[0] != "Z"


def parent_pid(pid):
    fields = _stat(pid)
    return None if fields is None else int(fields[1])


def _listening_inodes(port):
    """The inodes of the TCP sockets (IPv4 and IPv6) listening on `port`."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                rows = f.read().splitlines()[1:]
        except FileNotFoundError:
            continue
        for row in rows:
            # sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode …
            fields = row.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                inodes.add(fields[9])
    return inodes


def _holders(inodes):
    """The pids of this user's processes that have one of these sockets open."""
    links = {f"socket:[{i}]" for i in inodes}
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fds = os.listdir(f"/proc/{entry}/fd")
        except OSError:  # another user's process, or gone
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{entry}/fd/{fd}") in links:
                    pids.append(int(entry))
                    break
            except OSError:
                continue
    return pids


def serving_pid(km):
    """The pid of the process that serves the kernel of `km` (a jupyter_client
    KernelManager): the one that bound its shell port. With ndplay that is the spare the
    launcher adopted (kernel/src/spare.rs), or the launcher itself; with other kernels the
    kernel process. Only meaningful once the kernel has answered a request (it has bound
    its sockets by then). Raises LookupError when no process listens there."""
    info = km.get_connection_info()
    if info["transport"] != "tcp":
        raise LookupError(f"cannot find the process of a kernel on transport {info['transport']!r}")
    port = info["shell_port"]
    holders = _holders(_listening_inodes(port))
    # A socket inherited by a child (none should be: Rust opens them close-on-exec) is
    # held by both; the server is the holder whose parent is not one.
    servers = [p for p in holders if parent_pid(p) not in holders]
    if len(servers) != 1:
        raise LookupError(f"no single process listens on the kernel's shell port {port}: {holders}")
    return servers[0]
