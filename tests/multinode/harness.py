"""Real ``poolnode serve`` processes on loopback ports, for multi-node tests.

Each node has its own data directory (made by ``poolnode init --json``) and a log file;
it can be stopped (SIGTERM), killed (SIGKILL) and started again on the same port and data.
Everything here is synchronous (urllib, sqlite3, subprocess) and bounded by deadlines.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["FAST_DELIVERY", "Cluster", "NodeProcess", "free_port", "poll"]

AP = "application/activity+json"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
REPO = Path(__file__).resolve().parents[2]
FAST_DELIVERY = {
    "POOLNODE_DELIVERY_BASE_DELAY": "0.2",
    "POOLNODE_DELIVERY_MAX_DELAY": "1",
    "POOLNODE_DELIVERY_POLL_INTERVAL": "0.1",
    "POOLNODE_DELIVERY_TIMEOUT": "5",
}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def poll(check: Callable[[], Any], within: float, what: str, step: float = 0.1) -> Any:
    """Call ``check`` until it returns something truthy; AssertionError after ``within`` s."""
    deadline = time.monotonic() + within
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within}s waiting for {what}")
        time.sleep(step)


def set_voting_period(node: NodeProcess, seconds: int) -> None:
    """Test-only: the node's (first) pool decides in ``seconds`` (written while it is stopped;
    the engine reads the bylaws at every opening)."""
    conn = sqlite3.connect(node.data_dir / "poolnode.sqlite3")
    try:
        row = conn.execute("SELECT actor_id, bylaws_json FROM pools").fetchone()
        bylaws = json.loads(row[1])
        bylaws["voting_period_seconds"] = seconds
        conn.execute("UPDATE pools SET bylaws_json = ? WHERE actor_id = ?", (json.dumps(bylaws), row[0]))
        conn.commit()
    finally:
        conn.close()


@dataclass
class NodeProcess:
    """One node: its data directory, port, log and (while running) its process."""

    name: str
    root: Path
    port: int
    env: dict[str, str]
    init: dict[str, Any] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None
    # Where it listens, and a command prefix (e.g. ``ip netns exec <ns>``: tests/multinode/netns.py).
    host: str = "127.0.0.1"
    wrap: list[str] = field(default_factory=list)
    serve_args: list[str] = field(default_factory=list)  # e.g. ["--no-workers"]

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_path(self) -> Path:
        return self.root / "node.log"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def token(self) -> str:
        return str(self.init["admin"]["token"])

    @property
    def pool_id(self) -> str:
        return str(self.init["pool"]["id"])

    @property
    def admin_id(self) -> str:
        return str(self.init["admin"]["id"])

    def initialise(self) -> None:
        """``poolnode init --json`` into the data directory."""
        out = subprocess.run(
            [sys.executable, "-m", "node.cli", "init", "--data", str(self.data_dir),
             "--url", self.base_url, "--json"],
            capture_output=True, env=self.env, cwd=REPO, timeout=60, check=True,
        )
        self.init = json.loads(out.stdout)

    def start(self, within: float = 30.0) -> None:
        """Start ``poolnode serve`` and wait until NodeInfo answers."""
        assert self.proc is None, f"{self.name} is already running"
        log = self.log_path.open("ab")
        try:
            self.proc = subprocess.Popen(
                [*self.wrap, sys.executable, "-m", "node.cli", "serve", "--data", str(self.data_dir),
                 "--host", self.host, "--port", str(self.port), *self.serve_args],
                stdout=log, stderr=subprocess.STDOUT, env=self.env, cwd=REPO,
            )
        finally:
            log.close()

        def ready() -> bool:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.name} exited with {self.proc.returncode}")
            try:
                with urllib.request.urlopen(self.base_url + "/.well-known/nodeinfo", timeout=2):
                    return True
            except (urllib.error.URLError, OSError):
                return False

        poll(ready, within, f"{self.name} to answer NodeInfo")

    def stop(self, within: float = 15.0) -> None:
        """SIGTERM and wait (SIGKILL if it does not exit in time)."""
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(within)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.proc = None

    def kill9(self) -> None:
        """SIGKILL: no cleanup, no flush, like a crash or the OOM killer."""
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self.proc = None

    def restart(self) -> None:
        """Stop if running, then start again on the same port and data."""
        self.stop()
        self.start()

    def request(
        self, method: str, path: str, body: dict[str, Any] | None = None,
        token: str | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """One HTTP request to this node; (status, JSON body)."""
        headers = {"Accept": AP}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = AP
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        url = path if path.startswith("http") else self.base_url + path
        req = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")

    def post_outbox(self, document: dict[str, Any], actor: str | None = None) -> dict[str, Any]:
        """Post a C2S activity to an actor's outbox (the admin's by default) as the admin."""
        outbox = (actor or self.admin_id) + "/outbox"
        status, body = self.request("POST", outbox, document, token=self.token)
        assert status == 201, (status, body)
        return body

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        """Read this node's database (WAL: safe while the node runs)."""
        conn = sqlite3.connect(f"file:{self.data_dir / 'poolnode.sqlite3'}?mode=ro", uri=True)
        try:
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA busy_timeout=5000")
            return list(conn.execute(sql, params))
        finally:
            conn.close()

    def received_ids(self) -> list[str]:
        """Ids of activities this node's inboxes accepted (one row per id: deduplicated)."""
        return [r["activity_id"] for r in self.query("SELECT activity_id FROM inbox_items")]

    def log_text(self) -> str:
        return self.log_path.read_text("utf-8", "replace") if self.log_path.exists() else ""


@dataclass
class Cluster:
    """The nodes of one test; made by the ``cluster`` fixture, stopped at teardown."""

    root: Path
    nodes: list[NodeProcess] = field(default_factory=list)

    def node(self, name: str, **env: str) -> NodeProcess:
        """Initialise and start a node; ``env`` adds POOLNODE_* settings."""
        environ = {
            **os.environ,
            "POOLNODE_ALLOW_PRIVATE_ADDRESSES": "true",
            **FAST_DELIVERY,
            **env,
        }
        environ.pop("POOLNODE_DATA", None)
        node = NodeProcess(name, self.root / name, free_port(), environ)
        node.root.mkdir(parents=True)
        node.initialise()
        self.nodes.append(node)
        node.start()
        return node

    def close(self) -> None:
        for node in self.nodes:
            node.stop()

    def logs(self) -> str:
        return "\n".join(f"===== {n.name} ({n.base_url}) =====\n{n.log_text()}" for n in self.nodes)
