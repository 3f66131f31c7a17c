"""Issue 14: ``poolnode migrate-db --from DATA_DIR --to postgresql://...`` copies a node's SQLite
database into an empty PostgreSQL database and verifies it, ending with ``VERIFIED`` (exit 0)
or ``NOT VERIFIED`` and each difference (exit 1); it refuses a target that holds data; a wrong
URL or a missing source is a clear error (exit 1, no traceback) and nothing is half-copied
(docs/OPERATIONS.md, "Moving a self-hosted pool onto a provider"; README, the command line)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.acceptance.issue14_env import (
    call,
    cli,
    collect,
    no_traceback,
    pg_url,
    poll,
    server_or_skip,
    signed_tally,
    sql,
    with_query,
)
from tests.multinode.harness import FAST_DELIVERY, NodeProcess, free_port, set_voting_period
from tests.pg_server import PostgresServer

__all__ = ["pg_url"]

pytestmark = pytest.mark.multinode


def _tables(url: str) -> dict[str, int]:
    """Every table of the URL's schema and its row count."""
    (schema,) = [part.split("=", 1)[1] for part in url.split("?", 1)[1].split("&")
                 if part.startswith("search_path=")]
    names = [r["table_name"] for r in sql(url, "SELECT table_name FROM information_schema.tables"
                                               " WHERE table_schema = $1", schema)]
    return {name: sql(url, f'SELECT count(*) AS n FROM "{name}"')[0]["n"] for name in names}


def _sqlite_counts(data_dir: Path) -> dict[str, int]:
    conn = sqlite3.connect(data_dir / "poolnode.sqlite3")
    try:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A self-hosted node on SQLite that has lived a little: payments, a passed spending
    proposal (closed, its commitment booked), an open proposal with a ballot; then stopped."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("POOLNODE_")}
    env.update(FAST_DELIVERY)
    node = NodeProcess("self-hosted", tmp_path_factory.mktemp("source"), free_port(), env)
    node.initialise()
    set_voting_period(node, 6)
    node.start()
    try:
        bea = json.loads(cli("member", "add", "--data", str(node.data_dir), "bea", "--pool",
                             "commons", "--json").stdout)
        pool = node.pool_id
        for n in range(3):
            node.post_outbox({"type": "LedgerEntry", "pool": pool, "entryKind": "contribution",
                              "person": node.admin_id, "amount": 500 + n, "reference": f"bank {n}"})
        node.post_outbox({"type": "Proposal", "pool": pool, "name": "Saw",
                          "proposalKind": "disbursement", "amount": 300, "currency": "EUR",
                          "payee": "https://shop.example/saw", "purpose": "a saw"})
        (saw,) = [p["id"] for p in collect(node, node.base_url, pool + "/proposals")]
        for actor, token in ((node.admin_id, node.token), (bea["id"], bea["token"])):
            status, _ = node.request("POST", actor + "/outbox", {
                "type": "Ballot", "pool": pool, "proposal": saw, "choice": ["agree"]}, token=token)
            assert status == 201
        poll(lambda: node.request("GET", saw + "/effect")[1].get("effect") == "done", 60,
             "the saw's commitment booked")
        set_voting_period(node, 86400)  # the next proposal stays open
        node.post_outbox({"type": "Proposal", "pool": pool, "name": "Paint",
                          "content": "paint the door"})
        paint = next(p["id"] for p in collect(node, node.base_url, pool + "/proposals")
                     if p["name"] == "Paint")
        status, _ = node.request("POST", bea["id"] + "/outbox", {
            "type": "Ballot", "pool": pool, "proposal": paint, "choice": ["block"]},
            token=bea["token"])
        assert status == 201
        head = node.request("GET", pool + "/ledger")[1]["headHash"]
        tallies = {p: signed_tally(node, node.base_url, p) for p in (saw, paint)}
    finally:
        node.stop()
    yield {"node": node, "head": head, "tallies": tallies, "bea": bea}


def _copy(source: dict[str, Any], tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(source["node"].data_dir, target)
    return target


def test_migrate_db_copies_everything_says_verified_and_the_copy_serves_the_same(
    source: dict[str, Any], pg_url: str, tmp_path: Path
) -> None:
    data = _copy(source, tmp_path)
    result = cli("migrate-db", "--from", str(data), "--to", pg_url)
    assert result.returncode == 0, result.stdout + result.stderr
    no_traceback(result)
    output = result.stdout + result.stderr
    assert "VERIFIED" in output and "NOT VERIFIED" not in output, output
    for table in ("actors", "ledger_entries", "proposals", "ballots", "tallies"):
        assert table in output, f"{table} not reported as copied"
    counts = _tables(pg_url)
    for table, rows in _sqlite_counts(data).items():
        if table != "schema_migrations":
            assert counts.get(table) == rows, (table, counts.get(table), rows)

    # The same ledger and proposals from both databases, through the command line.
    on_pg = {"POOLNODE_DATABASE_URL": pg_url}
    for argv in (("ledger", "--data", str(data), "commons", "--json"),
                 ("proposal", "list", "--data", str(data), "commons", "--json")):
        before, after = cli(*argv), cli(*argv, env=on_pg)
        assert before.returncode == after.returncode == 0, after.stderr
        assert json.loads(before.stdout) == json.loads(after.stdout)

    # Served from PostgreSQL: the same head hash and signed tallies; new writes continue the
    # chain and new rows get new ids (the sequences moved past the copied ones).
    node: NodeProcess = source["node"]
    served = NodeProcess("moved", tmp_path, node.port, {**os.environ, **on_pg}, init=node.init)
    served.root = tmp_path
    served.start()
    try:
        pool = node.pool_id
        assert served.request("GET", pool + "/ledger")[1]["headHash"] == source["head"]
        for proposal, tallied in source["tallies"].items():
            assert served.request("GET", proposal + "/tally")[1] == tallied
        served.post_outbox({"type": "LedgerEntry", "pool": pool, "entryKind": "contribution",
                            "person": node.admin_id, "amount": 1, "reference": "after the move"})
        served.post_outbox({"type": "Proposal", "pool": pool, "name": "Moved", "content": "?"})
        status, body = call(served, node.base_url, "POST", source["bea"]["id"] + "/outbox",
                            {"type": "Note", "content": "still here"}, token=source["bea"]["token"])
        assert status == 201, body
    finally:
        served.stop()
    checked = cli("ledger", "--data", str(data), "commons", env=on_pg)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    sequences = [r["sequence"] for r in sql(pg_url, "SELECT sequence FROM ledger_entries"
                                                     " ORDER BY sequence")]
    assert sequences == list(range(1, len(sequences) + 1)) and len(sequences) == 5


def test_migrate_db_json_says_verified(source: dict[str, Any], pg_url: str, tmp_path: Path) -> None:
    result = cli("migrate-db", "--from", str(_copy(source, tmp_path)), "--to", pg_url, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is True and not report.get("problems"), report
    assert report["rows"]["ledger_entries"] == 4 and report["rows"]["ballots"] == 3, report


def test_migrate_db_refuses_a_target_that_holds_data(
    source: dict[str, Any], pg_url: str, tmp_path: Path
) -> None:
    data = _copy(source, tmp_path)
    assert cli("migrate-db", "--from", str(data), "--to", pg_url).returncode == 0
    before = _tables(pg_url)
    again = cli("migrate-db", "--from", str(data), "--to", pg_url)
    assert again.returncode == 1
    no_traceback(again)
    assert "already holds data" in again.stderr, again.stderr
    assert "VERIFIED" not in again.stdout
    assert _tables(pg_url) == before


def test_migrate_db_refuses_a_schema_holding_another_applications_rows(
    source: dict[str, Any], pg_url: str, tmp_path: Path
) -> None:
    sql(pg_url, "CREATE TABLE invoices (n integer)")
    sql(pg_url, "INSERT INTO invoices VALUES (1)")
    result = cli("migrate-db", "--from", str(_copy(source, tmp_path)), "--to", pg_url)
    assert result.returncode == 1, result.stdout
    assert set(_tables(pg_url)) == {"invoices"}


def test_a_wrong_target_url_is_a_clear_error_and_touches_nothing(
    source: dict[str, Any], postgres_server: PostgresServer | str, tmp_path: Path
) -> None:
    server = server_or_skip(postgres_server)
    data = _copy(source, tmp_path)
    secret = "Sh0uldNotBePrinted"
    base = server.url.split("://", 1)[1].split("@", 1)[1]  # host:port/db
    host = base.split("/", 1)[0]
    wrong = [
        ("mysql://root@127.0.0.1/poolnode", "postgresql://"),
        (str(tmp_path / "other.sqlite3"), "postgresql://"),
        (f"postgresql://postgres:{secret}@127.0.0.1:{free_port()}/poolnode", "cannot connect"),
        (f"postgresql://postgres:{secret}@{host}/no_such_database", "no_such_database"),
        (with_query(f"postgresql://postgres:{secret}@{base}", search_path="no_such_schema"),
         "no_such_schema"),
        (f"postgresql://postgres:{secret}@[::1/poolnode", "database_url"),
    ]
    problems = []
    for url, says in wrong:
        result = cli("migrate-db", "--from", str(data), "--to", url, timeout=90)
        text = result.stdout + result.stderr
        if (result.returncode != 1 or "Traceback" in text or says not in text
                or secret in text or "VERIFIED" in text):
            problems.append((url.replace(secret, "***"), result.returncode,
                             text[-400:].replace(secret, "<SECRET>")))
    assert not problems, problems
    assert not (tmp_path / "other.sqlite3").exists()


def test_a_missing_or_empty_source_is_a_clear_error_and_creates_nothing(
    pg_url: str, tmp_path: Path, source: dict[str, Any]
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    config_only = tmp_path / "config-only"  # a data directory whose database is not there
    config_only.mkdir()
    shutil.copy(source["node"].data_dir / "poolnode.toml", config_only / "poolnode.toml")
    problems = []
    for folder in (tmp_path / "missing", empty, config_only):
        result = cli("migrate-db", "--from", str(folder), "--to", pg_url)
        text = result.stdout + result.stderr
        if result.returncode != 1 or "Traceback" in text or "VERIFIED" in text:
            problems.append((folder.name, result.returncode, text[-400:]))
        if _tables(pg_url):
            problems.append((folder.name, "tables made in the target", sorted(_tables(pg_url))))
    assert not problems, problems
    assert not (tmp_path / "missing").exists()
    assert list(empty.iterdir()) == []
    assert [p.name for p in config_only.iterdir()] == ["poolnode.toml"]


def test_a_copy_that_fails_midway_is_a_clear_error_and_leaves_the_target_empty(
    source: dict[str, Any], pg_url: str, tmp_path: Path
) -> None:
    data = _copy(source, tmp_path)
    # A text PostgreSQL cannot hold (NUL), late in the copy: an API token's label.
    conn = sqlite3.connect(data / "poolnode.sqlite3")
    conn.execute("UPDATE tokens SET label = 'laptop' || char(0) || 'old'")
    conn.commit()
    conn.close()
    result = cli("migrate-db", "--from", str(data), "--to", pg_url)
    assert result.returncode == 1
    assert "VERIFIED" not in result.stdout
    rows = {t: n for t, n in _tables(pg_url).items() if n and t != "schema_migrations"}
    assert rows == {}, rows
    # Nothing half-copied: a good copy may be made into the same target afterwards.
    good = cli("migrate-db", "--from", str(_copy(source, tmp_path / "good")), "--to", pg_url)
    assert good.returncode == 0 and "VERIFIED" in good.stdout, good.stderr[-600:]
    no_traceback(result)
    assert "tokens" in result.stderr, result.stderr[-600:]


def test_a_broken_ledger_chain_is_not_verified_and_the_difference_names_the_entry(
    source: dict[str, Any], pg_url: str, tmp_path: Path
) -> None:
    data = _copy(source, tmp_path)
    conn = sqlite3.connect(data / "poolnode.sqlite3")
    (document,) = conn.execute("SELECT document FROM ledger_entries WHERE sequence = 2").fetchone()
    altered = document.replace('"amount":501', '"amount":9501').replace('"amount":-501',
                                                                       '"amount":-9501')
    assert altered != document
    conn.execute("UPDATE ledger_entries SET document = ? WHERE sequence = 2", (altered,))
    conn.commit()
    conn.close()
    result = cli("migrate-db", "--from", str(data), "--to", pg_url)
    no_traceback(result)
    assert result.returncode == 1, result.stdout
    assert "NOT VERIFIED" in result.stdout, result.stdout
    difference = result.stdout.split("NOT VERIFIED", 1)[1]
    assert source["node"].pool_id in difference
    # The ledger lists entries by sequence (1, 2, 3...): the altered one is entry 2.
    assert "entry 2" in difference, difference


def test_migrate_db_takes_the_source_from_the_configured_database_path(
    source: dict[str, Any], pg_url: str, tmp_path: Path
) -> None:
    data = _copy(source, tmp_path)
    elsewhere = tmp_path / "disk" / "node.sqlite3"
    elsewhere.parent.mkdir()
    (data / "poolnode.sqlite3").rename(elsewhere)
    config = (data / "poolnode.toml").read_text()
    assert 'database_url = ""' in config
    (data / "poolnode.toml").write_text(config.replace('database_url = ""',
                                                       f'database_url = "{elsewhere}"'))
    result = cli("migrate-db", "--from", str(data), "--to", pg_url)
    assert result.returncode == 0 and "VERIFIED" in result.stdout, result.stderr
    assert _tables(pg_url)["ledger_entries"] == 4
    assert not (data / "poolnode.sqlite3").exists()
