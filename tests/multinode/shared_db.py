"""Several ``poolnode serve`` processes on one PostgreSQL database behind a round-robin proxy.

The proxy stands in for the provider's reverse proxy: each new connection goes to the next
process, skipping one that does not answer (docs/OPERATIONS.md, "Several processes").
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import asyncpg

from tests.multinode.harness import AP, FAST_DELIVERY, REPO, NodeProcess, free_port, poll

__all__ = ["Provider", "RoundRobinProxy", "WorkerProcess", "query", "set_voting_period"]


def query(url: str, sql: str, *args: Any) -> list[Any]:
    """Run one statement on the database at ``url``; its rows."""
    async def run() -> list[Any]:
        conn = await asyncpg.connect(url)
        try:
            return list(await conn.fetch(sql, *args))
        finally:
            await conn.close()

    return asyncio.run(run())


def set_voting_period(url: str, seconds: int) -> None:
    """Test-only: the pool decides in ``seconds`` (the engine reads the bylaws at every opening)."""
    (row,) = query(url, "SELECT actor_id, bylaws_json FROM pools")
    bylaws = json.loads(row["bylaws_json"])
    bylaws["voting_period_seconds"] = seconds
    query(url, "UPDATE pools SET bylaws_json = $1 WHERE actor_id = $2", json.dumps(bylaws),
           row["actor_id"])


class RoundRobinProxy:
    """A TCP proxy on a loopback port: connection n goes to backend n mod N (or the next up)."""

    def __init__(self, backends: list[int]) -> None:
        self.port = free_port()
        self.backends = backends
        self._turn = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._ready.wait(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._serve, "127.0.0.1", self.port))
        self._ready.set()
        with contextlib.suppress(RuntimeError):
            self._loop.run_forever()
        server.close()
        pending = asyncio.all_tasks(self._loop)
        for task in pending:
            task.cancel()
        self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self._loop.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream = None
        for _ in self.backends:
            port = self.backends[self._turn % len(self.backends)]
            self._turn += 1
            with contextlib.suppress(OSError):
                upstream = await asyncio.open_connection("127.0.0.1", port)
                break
        if upstream is None:
            writer.close()
            return
        up_reader, up_writer = upstream

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            with contextlib.suppress(OSError):
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


class Provider:
    """``count`` serve processes sharing one data directory's settings and one database."""

    def __init__(self, root: Path, database_url: str, count: int) -> None:
        self.root = root
        self.processes = [
            NodeProcess(f"p{n + 1}", root / f"p{n + 1}", free_port(), {
                **os.environ, "POOLNODE_ALLOW_PRIVATE_ADDRESSES": "true", **FAST_DELIVERY,
                "POOLNODE_DATABASE_URL": database_url,
            }) for n in range(count)
        ]
        self.proxy = RoundRobinProxy([p.port for p in self.processes])
        self.base_url = f"http://127.0.0.1:{self.proxy.port}"
        first = self.processes[0]
        for process in self.processes:
            process.env.pop("POOLNODE_DATA", None)
            process.root.mkdir(parents=True)
        # A node made on SQLite and moved into PostgreSQL, as docs/OPERATIONS.md describes.
        local = {k: v for k, v in first.env.items() if k != "POOLNODE_DATABASE_URL"}
        out = subprocess.run(
            [sys.executable, "-m", "node.cli", "init", "--data", str(first.data_dir),
             "--url", self.base_url, "--json"],
            capture_output=True, env=local, cwd=REPO, timeout=60, check=True,
        )
        self.init: dict[str, Any] = json.loads(out.stdout)
        subprocess.run(
            [sys.executable, "-m", "node.cli", "migrate-db", "--from", str(first.data_dir),
             "--to", database_url],
            capture_output=True, env=local, cwd=REPO, timeout=120, check=True,
        )
        for process in self.processes:
            process.init = self.init
            if process is not first:
                process.data_dir.symlink_to(first.data_dir)

    @property
    def pool_id(self) -> str:
        return str(self.init["pool"]["id"])

    @property
    def admin_id(self) -> str:
        return str(self.init["admin"]["id"])

    def request(self, method: str, url: str, body: dict[str, Any] | None = None,
                key: str | None = None, within: float = 30.0) -> tuple[int, dict[str, Any]]:
        """One request through the proxy as the admin; retried (with the same Idempotency-Key)
        while the process it reached dies under it."""
        headers = {"Accept": AP, "Authorization": f"Bearer {self.init['admin']['token']}"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = AP
        if key is not None:
            headers["Idempotency-Key"] = key
        path = url.removeprefix(self.base_url)
        deadline = time.monotonic() + within
        while True:
            req = urllib.request.Request(self.base_url + path, data=data, headers=headers,
                                         method=method)
            try:
                with urllib.request.urlopen(req, timeout=30) as resp:
                    return resp.status, json.loads(resp.read() or b"{}")
            except urllib.error.HTTPError as exc:
                return exc.code, json.loads(exc.read() or b"{}")
            except (urllib.error.URLError, http.client.HTTPException, OSError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def close(self) -> None:
        for process in self.processes:
            process.stop()
        self.proxy.close()

    def logs(self) -> str:
        return "\n".join(f"===== {p.name} =====\n{p.log_text()}" for p in self.processes)


class WorkerProcess:
    """``poolnode worker`` on a provider's data directory: started, stopped with SIGTERM."""

    def __init__(self, name: str, root: Path, data_dir: Path, env: dict[str, str]) -> None:
        self.name = name
        self.log_path = root / f"{name}.log"
        self.data_dir = data_dir
        self.env = env
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, within: float = 30.0) -> None:
        """Start it and wait for the line that says it started."""
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "node.cli", "worker", "--data", str(self.data_dir)],
                stdout=log, stderr=subprocess.STDOUT, env=self.env, cwd=REPO)

        def started() -> bool:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.name} exited with {self.proc.returncode}")
            return ": started" in self.log_text()

        poll(started, within, f"{self.name} to start")

    def stop(self, within: float = 15.0) -> int | None:
        """SIGTERM and wait (SIGKILL if it does not exit in time); its exit code."""
        if self.proc is None:
            return None
        self.proc.terminate()
        try:
            return self.proc.wait(within)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            return None
        finally:
            self.proc = None

    def log_text(self) -> str:
        return self.log_path.read_text("utf-8", "replace") if self.log_path.exists() else ""
