"""Deployments the PostgreSQL benchmarks (8, 9) compare, and what each one spends.

* SQLite, one `poolnode serve` (today's default);
* PostgreSQL, one process;
* PostgreSQL, three processes on one database behind a round-robin TCP proxy (the
  provider's reverse proxy, ``tests.multinode.shared_db.RoundRobinProxy``, a thread of this
  process), as docs/OPERATIONS.md sets a provider up.

The PostgreSQL server is the tests' throwaway one (``tests.pg_server``: Debian's binaries,
a temp directory, a loopback port, durability off); each deployment gets its own schema.
A node is made on SQLite by `poolnode init` and moved with `poolnode migrate-db`.

``Meter`` measures, over one load, the CPU of the node processes, of the PostgreSQL server
(postmaster, its live backends and the ones it has reaped) and of this process (the proxy),
and samples ``pg_stat_activity`` for backends waiting on a heavyweight lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from bench.poolsetup import InitInfo, init_node
from bench.procs import ROOT, NodeProcess, _env, _poolnode, free_port, read_only_db
from tests.multinode.shared_db import RoundRobinProxy
from tests.pg_server import PostgresServer

__all__ = ["CONFIGS", "Deployment", "Meter", "deployment", "limit_note", "query"]

# (label, on PostgreSQL, processes)
CONFIGS: tuple[tuple[str, bool, int], ...] = (
    ("SQLite, 1 process", False, 1),
    ("PostgreSQL, 1 process", True, 1),
    ("PostgreSQL, 3 processes", True, 3),
)


def _run(coro: Any) -> Any:
    return asyncio.run(coro)


def query(target: Path | str, sql_sqlite: str, sql_pg: str, *args: Any) -> tuple[Any, ...]:
    """One row of a read-only query on a SQLite file or a PostgreSQL URL."""
    if isinstance(target, Path):
        with read_only_db(target) as conn:
            return tuple(conn.execute(sql_sqlite, args).fetchone())

    async def fetch() -> tuple[Any, ...]:
        conn = await asyncpg.connect(target)
        try:
            return tuple(await conn.fetchrow(sql_pg, *args))
        finally:
            await conn.close()

    result: tuple[Any, ...] = _run(fetch())
    return result


@dataclass
class Deployment:
    """A node served by one or more processes; ``url`` is where clients reach it."""

    info: InitInfo
    front: NodeProcess  # base_url: the node's URL (a process's port, or the proxy's)
    processes: list[NodeProcess]
    database: Path | str  # the SQLite file, or the PostgreSQL URL (with its schema)
    postmaster: int | None = None

    def pids(self) -> list[int]:
        """The serving processes' pids."""
        return [p.proc.pid for p in self.processes if p.proc is not None]


@contextlib.contextmanager
def deployment(tmp: Path, server: PostgresServer | None, count: int,
               prepare: Callable[[Path, InitInfo], None] | None = None) -> Iterator[Deployment]:
    """A fresh node (``prepare`` may seed its SQLite database first), then ``count`` processes
    serving it from SQLite (``server`` None) or from a new schema on ``server``."""
    ports = [free_port() for _ in range(count)]
    proxy = RoundRobinProxy(ports) if count > 1 else None
    front = NodeProcess(tmp / "p1", proxy.port if proxy else ports[0])
    schema_url: str | None = None
    processes: list[NodeProcess] = []
    try:
        info = init_node(front)
        if prepare is not None:
            prepare(front.data_dir, info)
        database: Path | str = front.database
        if server is not None:
            schema_url = _new_schema(server.url)
            _migrate(front.data_dir, schema_url)
            database = schema_url
        for n, port in enumerate(ports):
            data = front.data_dir if n == 0 else tmp / f"p{n + 1}"
            if n:
                data.symlink_to(front.data_dir)
            env = {"POOLNODE_DATABASE_URL": schema_url} if schema_url else {}
            processes.append(NodeProcess(data, port, env=env))
        for process in processes:
            process.start()
        yield Deployment(info, front, processes, database,
                         _postmaster(server) if server is not None else None)
    finally:
        for process in processes:
            process.stop()
        if proxy is not None:
            proxy.close()
        if server is not None and schema_url is not None:
            with contextlib.suppress(OSError, asyncpg.PostgresError):
                _run(_execute(server.url, f"DROP SCHEMA {schema_url.rsplit('=', 1)[1]} CASCADE"))


async def _execute(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _new_schema(url: str) -> str:
    schema = "bench_" + uuid.uuid4().hex[:12]
    _run(_execute(url, f"CREATE SCHEMA {schema}"))
    return f"{url}{'&' if '?' in url else '?'}search_path={schema}"


def _migrate(data_dir: Path, url: str) -> None:
    try:
        subprocess.run([*_poolnode(), "migrate-db", "--from", str(data_dir), "--to", url],
                       cwd=ROOT, env=_env(), check=True, capture_output=True, text=True,
                       timeout=120)
    except subprocess.CalledProcessError as exc:
        last = (exc.stderr or exc.stdout or "").strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"poolnode migrate-db failed: {last[0]}") from None


def _postmaster(server: PostgresServer) -> int | None:
    if server.directory is None:
        return None  # a server given by the environment: its CPU is not ours to read
    with contextlib.suppress(OSError, ValueError):
        return int((server.directory / "data" / "postmaster.pid").read_text().split()[0])
    return None


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _tree_cpu(root: int) -> float:
    """CPU seconds of ``root``, its reaped children and its live children (PostgreSQL)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    with contextlib.suppress(OSError):
        fields = _stat(root)
        total += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = _stat(int(entry.name))
            if int(fields[1]) == root:  # ppid
                total += int(fields[11]) + int(fields[12])
    return total / tick


def _pids_cpu(pids: list[int]) -> float:
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = _stat(pid)
            total += int(fields[11]) + int(fields[12])
    return total / tick


@dataclass
class Meter:
    """CPU seconds spent during a load, and the share of lock-waiting backend samples."""

    deployment: Deployment
    node_cpu: float = 0.0
    busiest_process_cpu: float = 0.0
    pg_cpu: float | None = None
    proxy_cpu: float = 0.0
    loadgen_cpu: float = 0.0  # set from the load generator's own answer
    elapsed: float = 0.0
    lock_samples: int = 0
    active_samples: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    @contextlib.contextmanager
    def measure(self) -> Iterator[Meter]:
        """Measure the enclosed load."""
        d = self.deployment
        pids = d.pids()
        each = [_pids_cpu([p]) for p in pids]
        pg = _tree_cpu(d.postmaster) if d.postmaster else None
        own = time.process_time()
        sampler = None
        if isinstance(d.database, str):
            sampler = threading.Thread(target=self._sample, args=(d.database,), daemon=True)
            sampler.start()
        started = time.perf_counter()
        try:
            yield self
        finally:
            self.elapsed = time.perf_counter() - started
            self._stop.set()
            if sampler is not None:
                sampler.join(5)
            self.proxy_cpu = time.process_time() - own
            spent = [_pids_cpu([p]) - before for p, before in zip(pids, each, strict=True)]
            self.node_cpu = sum(spent)
            self.busiest_process_cpu = max(spent, default=0.0)
            if pg is not None and d.postmaster:
                self.pg_cpu = _tree_cpu(d.postmaster) - pg

    def _sample(self, url: str) -> None:
        async def loop() -> None:
            conn = await asyncpg.connect(url)
            try:
                while not self._stop.is_set():
                    row = await conn.fetchrow(
                        "SELECT count(*) FILTER (WHERE wait_event_type = 'Lock') AS locked,"
                        " count(*) AS active FROM pg_stat_activity WHERE state = 'active'"
                        " AND pid <> pg_backend_pid() AND backend_type = 'client backend'")
                    self.lock_samples += int(row["locked"])
                    self.active_samples += int(row["active"])
                    await asyncio.sleep(0.05)
            finally:
                await conn.close()

        with contextlib.suppress(OSError, asyncpg.PostgresError):
            _run(loop())

    @property
    def lock_share(self) -> float | None:
        """Of the sampled active backends, the share waiting on a lock (None on SQLite)."""
        if not isinstance(self.deployment.database, str):
            return None
        return self.lock_samples / self.active_samples if self.active_samples else 0.0


def limit_note(meter: Meter) -> str:
    """What the figures say limits this deployment, and the figures themselves."""
    e = meter.elapsed or 1e-9
    cores = os.cpu_count() or 1
    node, busiest = meter.node_cpu / e, meter.busiest_process_cpu / e
    pg = (meter.pg_cpu or 0.0) / e
    proxy = meter.proxy_cpu / e
    loadgen = meter.loadgen_cpu / e
    parts = [f"node processes {node:.2f} CPU-s/s (busiest {busiest:.2f})"]
    if meter.pg_cpu is not None:
        parts.append(f"PostgreSQL {pg:.2f} CPU-s/s")
    if len(meter.deployment.processes) > 1:
        parts.append(f"proxy {proxy:.2f} CPU-s/s")
    share = meter.lock_share
    if share is not None:
        parts.append(f"lock waits {share * 100:.0f}% of active-backend samples")
    parts.append(f"load generator {loadgen:.2f} CPU-s/s")
    if share is not None and share >= 0.25:
        verdict = "lock waits (per-pool serialisation)"
    elif node + pg + proxy + loadgen >= 0.8 * cores:
        verdict = f"the machine's {cores} cores (node + PostgreSQL + proxy + load generator)"
    elif len(meter.deployment.processes) == 1 and busiest >= 0.8:
        verdict = "one node process's CPU (one core)"
    elif pg >= 0.8:
        verdict = "PostgreSQL CPU"
    else:
        verdict = ("none of ours saturated: round trips (node <-> database, HTTP) or CPU other"
                   " work on the machine took (see the load average)")
    return f"limit: {verdict}; " + ", ".join(parts)
