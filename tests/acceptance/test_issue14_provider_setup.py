"""Issue 14, a provider's set-up exactly as docs/OPERATIONS.md writes it: a role and a database
of its own (``createuser``, ``createdb --owner``, a password), ``migrate-db`` into it as that
role, ``database_url`` and ``database_pool_size`` in ``poolnode.toml``, three processes under
load within the documented connection bound (``2 × database_pool_size + 1`` each), and a
``pg_dump`` taken while serving, restored with ``pg_restore`` into a new database, that serves
the same ledger and takes new writes ("PostgreSQL", "Connections", "Backups on PostgreSQL")."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.acceptance.issue14_env import call, cli, no_traceback, server_or_skip, sql
from tests.multinode.harness import NodeProcess, free_port
from tests.pg_server import PostgresServer

pytestmark = pytest.mark.multinode

SECRET = "Pa55-not-for-logs"
POOL_SIZE = 2
REQUESTS = 36


@pytest.fixture
def own_database(postgres_server: PostgresServer | str) -> Iterator[dict[str, str]]:
    """A role and an empty database of its own, made as the docs say, with a password."""
    server = server_or_skip(postgres_server)
    host, port = server.url.split("@", 1)[1].split("/", 1)[0].split(":")
    suffix = str(os.getpid())[-4:] + str(time.monotonic_ns())[-6:]
    role, name = f"pn_role_{suffix}", f"pn_db_{suffix}"
    admin = ["-h", host, "-p", port, "-U", "postgres"]
    subprocess.run(["createuser", *admin, role], check=True, timeout=60)
    sql(server.url, f"ALTER ROLE {role} PASSWORD '{SECRET}'")
    subprocess.run(["createdb", *admin, "--owner", role, name], check=True, timeout=60)
    found = {"role": role, "name": name, "host": host, "port": port, "admin": server.url,
             "url": f"postgresql://{role}:{SECRET}@{host}:{port}/{name}"}
    try:
        yield found
    finally:
        for db in (name, name + "_restored"):
            subprocess.run(["dropdb", *admin, "--if-exists", "--force", db], timeout=60,
                           capture_output=True)
        subprocess.run(["dropuser", *admin, "--if-exists", role], timeout=60, capture_output=True)


def _set(data: Path, **settings: Any) -> None:
    """Set lines of poolnode.toml as an operator's editor would."""
    lines = (data / "poolnode.toml").read_text().splitlines()
    for key, value in settings.items():
        text = f'{key} = "{value}"' if isinstance(value, str) else f"{key} = {value}"
        hits = [n for n, line in enumerate(lines) if line.startswith(f"{key} =")]
        assert hits, f"{key} is not in poolnode.toml"
        lines[hits[0]] = text
    (data / "poolnode.toml").write_text("\n".join(lines) + "\n")


def _processes(tmp_path: Path, data: Path, count: int) -> list[NodeProcess]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POOLNODE_")}
    found = []
    for n in range(count):
        process = NodeProcess(f"p{n}", tmp_path / f"p{n}", free_port(), env)
        process.root.mkdir()
        process.data_dir.symlink_to(data)
        found.append(process)
    return found


def _node(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    data = tmp_path / "data"
    made = cli("init", "--data", str(data), "--url", "http://127.0.0.1:18997", "--json")
    assert made.returncode == 0, made.stderr
    return data, json.loads(made.stdout)


def _pay(process: NodeProcess, init: dict[str, Any], n: int) -> int:
    base = init["base_url"]
    return call(process, base, "POST", init["admin"]["id"] + "/outbox",
                {"type": "LedgerEntry", "pool": init["pool"]["id"], "entryKind": "contribution",
                 "person": init["admin"]["id"], "amount": 1 + n, "reference": f"r{n}"},
                token=init["admin"]["token"])[0]


def test_three_processes_as_their_own_role_within_the_connection_bound(
    own_database: dict[str, str], tmp_path: Path
) -> None:
    data, init = _node(tmp_path)
    moved = cli("migrate-db", "--from", str(data), "--to", own_database["url"])
    assert moved.returncode == 0 and "VERIFIED" in moved.stdout, moved.stderr[-1000:]
    no_traceback(moved)
    assert SECRET not in moved.stderr
    _set(data, database_url=own_database["url"], database_pool_size=POOL_SIZE)
    processes = _processes(tmp_path, data, 3)
    peak = [0]
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            rows = sql(own_database["admin"], "SELECT count(*) AS n FROM pg_stat_activity"
                                              " WHERE usename = $1", own_database["role"])
            peak[0] = max(peak[0], rows[0]["n"])
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    try:
        for process in processes:
            process.start()
        watcher.start()
        with ThreadPoolExecutor(max_workers=12) as workers:
            statuses = list(workers.map(lambda n: _pay(processes[n % 3], init, n), range(REQUESTS)))
            reads = list(workers.map(lambda n: call(processes[n % 3], init["base_url"], "GET",
                                                    init["pool"]["id"] + "/ledger?page=true")[0],
                                     range(REQUESTS)))
        assert statuses == [201] * REQUESTS and reads == [200] * REQUESTS
    finally:
        stop.set()
        for process in processes:
            process.stop()
    watcher.join(10)
    print(f"peak connections of the role: {peak[0]}")
    assert 0 < peak[0] <= 3 * (2 * POOL_SIZE + 1), peak[0]
    checked = cli("ledger", "--data", str(data), "commons")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"chain verified ({REQUESTS} entries" in checked.stdout, checked.stdout


def test_a_pg_dump_taken_while_serving_restores_into_a_node_that_carries_on(
    own_database: dict[str, str], tmp_path: Path
) -> None:
    data, init = _node(tmp_path)
    assert cli("migrate-db", "--from", str(data), "--to", own_database["url"]).returncode == 0
    _set(data, database_url=own_database["url"])
    (process,) = _processes(tmp_path, data, 1)
    dump = tmp_path / "poolnode.dump"
    connect = ["-h", own_database["host"], "-p", own_database["port"], "-U", own_database["role"]]
    process.start()
    try:
        for n in range(5):
            assert _pay(process, init, n) == 201
        # The docs' nightly dump, taken as the node's own role while it serves.
        subprocess.run(["pg_dump", *connect, "--format=custom", f"--file={dump}",
                        own_database["name"]], check=True, timeout=120, capture_output=True)
        head = call(process, init["base_url"], "GET", init["pool"]["id"] + "/ledger")[1]["headHash"]
    finally:
        process.stop()
    restored = own_database["name"] + "_restored"
    admin = ["-h", own_database["host"], "-p", own_database["port"], "-U", "postgres"]
    subprocess.run(["createdb", *admin, "--owner", own_database["role"], restored], check=True,
                   timeout=60)
    subprocess.run(["pg_restore", *connect, f"--dbname={restored}", str(dump)], check=True,
                   timeout=120, capture_output=True)
    _set(data, database_url=own_database["url"].rsplit("/", 1)[0] + "/" + restored)
    process.start()
    try:
        assert call(process, init["base_url"], "GET",
                    init["pool"]["id"] + "/ledger")[1]["headHash"] == head
        assert _pay(process, init, 99) == 201  # the restored id sequences go on
    finally:
        process.stop()
    checked = cli("ledger", "--data", str(data), "commons")
    assert checked.returncode == 0 and "chain verified (6 entries" in checked.stdout, \
        checked.stdout + checked.stderr
