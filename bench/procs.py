"""Processes the benchmarks drive: a `poolnode` node, helper servers, load generators.

Everything binds to 127.0.0.1. Each child is started with its own deadline and stopped
by its own pid (SIGINT first, then SIGKILL).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "LOOPBACK",
    "ROOT",
    "NodeProcess",
    "ask_json",
    "cpu_seconds",
    "free_port",
    "read_json_line",
    "read_only_db",
    "rss_bytes",
    "run_module",
    "start_module",
    "stop",
]

LOOPBACK = "127.0.0.1"
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def rss_bytes(pid: int) -> int:
    """Resident set size of a process (VmRSS in /proc/<pid>/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU a process has used so far (/proc/<pid>/stat, fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# The benchmarks measure the inbox itself, from one loopback address and few senders:
# the rate limits (docs/OPERATIONS.md) would measure the limiter's refusals instead.
NO_INBOX_LIMITS = {"POOLNODE_INBOX_ADDRESS_RATE": "0", "POOLNODE_INBOX_SENDER_RATE": "0"}


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra or {})
    return env


def start_module(module: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """Start ``python -m module args`` with stdin/stdout as pipes (JSON lines)."""
    return subprocess.Popen(
        [sys.executable, "-m", module, *args],
        cwd=ROOT, env=_env(env), text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
    )


def run_module(module: str, request: dict[str, Any], timeout: float) -> dict[str, Any]:
    """Run a helper module with one JSON request on stdin; its last stdout line is the answer."""
    proc = start_module(module)
    try:
        out, _ = proc.communicate(json.dumps(request), timeout=timeout)
    except subprocess.TimeoutExpired:
        stop(proc)
        raise RuntimeError(f"{module} did not finish within {timeout:.0f} s") from None
    if proc.returncode != 0:
        raise RuntimeError(f"{module} exited with status {proc.returncode}")
    lines = [line for line in out.splitlines() if line.strip()]
    return json.loads(lines[-1])


def read_json_line(proc: subprocess.Popen[str], timeout: float, name: str) -> dict[str, Any]:
    """The next JSON line a helper started by ``start_module`` prints, within ``timeout`` s."""
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with status {proc.returncode}")
        wait = min(1.0, max(0.0, deadline - time.monotonic()))
        ready, _, _ = select.select([proc.stdout], [], [], wait)
        if ready:
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError(f"{name} closed its output")
            answer: dict[str, Any] = json.loads(line)
            return answer
        if time.monotonic() > deadline:
            raise RuntimeError(f"{name} did not answer within {timeout:.0f} s")


def ask_json(proc: subprocess.Popen[str], request: dict[str, Any], timeout: float,
             name: str) -> dict[str, Any]:
    """Send one JSON line to a helper started by ``start_module`` and read its answer."""
    assert proc.stdin is not None
    proc.stdin.write(json.dumps(request) + "\n")
    proc.stdin.flush()
    return read_json_line(proc, timeout, name)


def stop(proc: subprocess.Popen[Any], grace: float = 10.0) -> None:
    """Stop one child we started: SIGINT (aiohttp's clean shutdown), then SIGKILL."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    for pipe in (proc.stdin, proc.stdout):
        if pipe is not None and not pipe.closed:
            with contextlib.suppress(BrokenPipeError):  # a child that exited left data unread
                pipe.close()


def _poolnode() -> list[str]:
    script = Path(sys.executable).with_name("poolnode")
    return [str(script)] if script.exists() else [sys.executable, "-m", "node.cli"]


def wait_http(url: str, deadline: float, proc: subprocess.Popen[Any] | None = None) -> None:
    """Poll ``url`` until it answers (any status) or raise at the deadline."""
    while True:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with status {proc.returncode} before answering")
        try:
            with urllib.request.urlopen(url, timeout=1.0):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer in time") from None
            time.sleep(0.05)


@dataclass
class NodeProcess:
    """A node initialised by `poolnode init` in ``data_dir``, served by `poolnode serve`."""

    data_dir: Path
    port: int
    proc: subprocess.Popen[Any] | None = None
    env: dict[str, str] = field(default_factory=dict)  # e.g. POOLNODE_DATABASE_URL

    @property
    def base_url(self) -> str:
        """The node's URL on loopback."""
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def log_path(self) -> Path:
        """Where `poolnode serve` writes its log (next to the data directory)."""
        return self.data_dir.with_name(self.data_dir.name + ".log")

    @property
    def database(self) -> Path:
        """The node's SQLite file."""
        return self.data_dir / "poolnode.sqlite3"

    def init(self) -> None:
        """`poolnode init` (creates the schema, a pool and an admin)."""
        try:
            subprocess.run(
                [*_poolnode(), "init", "--data", str(self.data_dir), "--url", self.base_url,
                 "--json"],
                cwd=ROOT, env=_env(), check=True, capture_output=True, text=True, timeout=60,
            )
        except subprocess.CalledProcessError as exc:
            last = (exc.stderr or "").strip().splitlines()[-1:] or ["no output"]
            raise RuntimeError(f"poolnode init failed: {last[0]}") from None
        except subprocess.TimeoutExpired:
            raise RuntimeError("poolnode init did not finish within 60 s") from None

    def start(self, timeout: float = 30.0) -> None:
        """`poolnode serve` on 127.0.0.1, private addresses allowed (loopback peers)."""
        env = _env({"POOLNODE_ALLOW_PRIVATE_ADDRESSES": "true", "POOLNODE_LOG_LEVEL": "WARNING",
                    **NO_INBOX_LIMITS, **self.env})
        # A file, not a pipe: a chatty node must never block on a full pipe mid-benchmark.
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [*_poolnode(), "serve", "--data", str(self.data_dir), "--host", LOOPBACK,
                 "--port", str(self.port)],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log,
            )
        wait_http(self.base_url + "/nodeinfo/2.1", time.monotonic() + timeout, self.proc)

    def rss(self) -> int:
        """The serving process's resident size in bytes."""
        assert self.proc is not None
        return rss_bytes(self.proc.pid)

    def stop(self) -> str:
        """Stop serving; returns what the node wrote to stderr (its log)."""
        if self.proc is None:
            return ""
        stop(self.proc)
        self.proc = None
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@contextlib.contextmanager
def read_only_db(path: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection to a node's database (never writes, even the WAL index)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        yield conn
    finally:
        conn.close()
