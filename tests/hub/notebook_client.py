"""One student's browser, reduced to what matters here: open a notebook through the
single-user server's REST API (as JupyterLab does: a session with a kernel) and run its
cells one after another over the kernel's websocket, timing each to its idle."""
import asyncio
import json
import time
import uuid

from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect


def code_cells(notebook, n):
    cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in cells[:n]]


class Student:
    def __init__(self, hub_url, user, token):
        self.base = f"{hub_url}/user/{user}"
        self.user = user
        self.headers = {"Authorization": f"token {token}"}
        self.session = uuid.uuid4().hex

    async def _json(self, method, path, body=None):
        headers = {**self.headers, "Content-Type": "application/json"}
        request = HTTPRequest(f"{self.base}{path}", method=method, headers=headers,
                              body=None if body is None else json.dumps(body), request_timeout=300)
        response = await AsyncHTTPClient().fetch(request)
        return json.loads(response.body) if response.body else None

    async def open_notebook(self, path, kernel_name):
        """What opening a notebook does: read it, and start its session's kernel."""
        self.notebook = (await self._json("GET", f"/api/contents/{path}?content=1"))["content"]
        session = await self._json("POST", "/api/sessions", {"path": path, "type": "notebook", "name": "",
                                                              "kernel": {"name": kernel_name}})
        self.kernel_id = session["kernel"]["id"]
        url = f"{self.base}/api/kernels/{self.kernel_id}/channels?session_id={self.session}"
        self.ws = await websocket_connect(HTTPRequest(url.replace("http", "ws", 1), headers=self.headers,
                                                      request_timeout=300), max_message_size=256 << 20)

    def _message(self, msg_type, content):
        return {"header": {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "username": self.user,
                           "session": self.session, "date": "", "version": "5.3"},
                "parent_header": {}, "metadata": {}, "content": content, "channel": "shell", "buffers": []}

    async def run(self, code, timeout=300):
        """Runs one cell; returns (seconds to its idle, reply status, error name or None)."""
        msg = self._message("execute_request", {"code": code, "silent": False, "store_history": True,
                                                "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
        started = time.perf_counter()
        await self.ws.write_message(json.dumps(msg))
        status, error, idle = None, None, False
        # What the cell showed, as text (execute_result and display_data): the caller may check it.
        self.shown = []
        deadline = started + timeout
        while status is None or not idle:
            raw = await asyncio.wait_for(self.ws.read_message(), timeout=max(1, deadline - time.perf_counter()))
            if raw is None:
                raise RuntimeError(f"{self.user}'s kernel websocket closed")
            m = json.loads(raw)
            if m.get("parent_header", {}).get("msg_id") != msg["header"]["msg_id"]:
                continue
            if m["msg_type"] == "execute_reply":
                status = m["content"]["status"]
                error = m["content"].get("ename")
            elif m["msg_type"] in ("execute_result", "display_data"):
                self.shown.append(m["content"]["data"].get("text/plain", ""))
            elif m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                idle = True
        return time.perf_counter() - started, status, error

    async def complete(self, code, timeout=60):
        """Tab at the end of `code`: (seconds to the reply, the matches)."""
        msg = self._message("complete_request", {"code": code, "cursor_pos": len(code)})
        started = time.perf_counter()
        await self.ws.write_message(json.dumps(msg))
        deadline = started + timeout
        while True:
            raw = await asyncio.wait_for(self.ws.read_message(), timeout=max(1, deadline - time.perf_counter()))
            if raw is None:
                raise RuntimeError(f"{self.user}'s kernel websocket closed")
            m = json.loads(raw)
            mine = m.get("parent_header", {}).get("msg_id") == msg["header"]["msg_id"]
            if mine and m["msg_type"] == "complete_reply":
                return time.perf_counter() - started, m["content"]["matches"]

    async def close(self):
        self.ws.close()
        await self._json("DELETE", f"/api/kernels/{self.kernel_id}")
