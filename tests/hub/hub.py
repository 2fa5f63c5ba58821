"""A real JupyterHub on this machine for the tests/hub tiers: the hub (from the hub's
environment, tests/hub/requirements.txt), configurable-http-proxy (npm, tests/hub/package.json),
PAM logins of local users, each student's single-user Jupyter server started as that user.
Run as root, like a Littlest JupyterHub."""
import os
import secrets
import socket
import subprocess
import time
from pathlib import Path

import requests

from multiuser import BASE, PREFIX

HERE = Path(__file__).resolve().parent
PROXY = HERE / "node_modules" / ".bin" / "configurable-http-proxy"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def install_proxy():
    if not PROXY.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HERE, check=True)
    # The hub runs it as root, from a path every user may also read.
    return PROXY


def set_password(user, password):
    subprocess.run(["chpasswd"], input=f"{user}:{password}\n", text=True, check=True)


class Hub:
    """A running hub; `url` is the proxy's public address."""

    def __init__(self, students, *, spawner_env=None):
        install_proxy()
        self.dir = BASE / "hub"
        subprocess.run(["rm", "-rf", str(self.dir)], check=True)
        self.dir.mkdir(parents=True)
        port, hub_port, api_port = free_port(), free_port(), free_port()
        self.url = f"http://127.0.0.1:{port}"
        env = {"PATH": f"{PREFIX / 'bin'}:/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", **(spawner_env or {})}
        config = f"""
c.JupyterHub.bind_url = "{self.url}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}"
c.ConfigurableHTTPProxy.command = [{str(PROXY)!r}]
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.JupyterHub.db_url = "sqlite:///{self.dir}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{self.dir}/cookie_secret"
c.JupyterHub.pid_file = "{self.dir}/jupyterhub.pid"
c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = {set(students)!r}
c.Spawner.cmd = [{str(PREFIX / 'bin' / 'jupyterhub-singleuser')!r}]
c.Spawner.environment = {env!r}
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 180
c.JupyterHub.log_level = "INFO"
"""
        (self.dir / "jupyterhub_config.py").write_text(config)
        self.log = open(self.dir / "hub.log", "w")
        self.proc = subprocess.Popen([PREFIX / "bin" / "jupyterhub", "-f", self.dir / "jupyterhub_config.py"],
                                     cwd=self.dir, stdout=self.log, stderr=subprocess.STDOUT,
                                     env={**os.environ, "PATH": f"{PREFIX / 'bin'}:{os.environ['PATH']}"},
                                     start_new_session=True)
        deadline = time.monotonic() + 90
        while True:
            try:
                if requests.get(f"{self.url}/hub/api", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the hub did not start:\n" + (self.dir / "hub.log").read_text()[-4000:])
            time.sleep(0.3)

    def login(self, user, password):
        """Logs in through the hub's API (username and password, PAM); returns a token."""
        r = requests.post(f"{self.url}/hub/api/users/{user}/tokens",
                          json={"auth": {"username": user, "password": password}, "note": "ndplay hub test"},
                          timeout=30)
        r.raise_for_status()
        return r.json()["token"]

    def start_server(self, user, token, timeout=180):
        """Starts the student's server and waits until it is ready; returns the seconds."""
        headers = {"Authorization": f"token {token}"}
        started = time.perf_counter()
        r = requests.post(f"{self.url}/hub/api/users/{user}/server", headers=headers, timeout=30)
        if r.status_code not in (201, 202, 400):
            r.raise_for_status()
        deadline = time.monotonic() + timeout
        while True:
            model = requests.get(f"{self.url}/hub/api/users/{user}", headers=headers, timeout=30).json()
            server = model.get("servers", {}).get("", {})
            if server.get("ready"):
                return time.perf_counter() - started
            if time.monotonic() > deadline:
                raise RuntimeError(f"{user}'s server did not start: {model}\n" + self.log_tail())
            time.sleep(0.25)

    def log_tail(self):
        return (self.dir / "hub.log").read_text()[-4000:]

    def stop(self):
        try:
            os.killpg(self.proc.pid, 15)
            self.proc.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.proc.pid, 9)
            except ProcessLookupError:
                pass
        self.log.close()


def new_password():
    return secrets.token_urlsafe(12)
