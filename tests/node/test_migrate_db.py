"""`poolnode migrate-db`: a self-hosted node's SQLite database copied into PostgreSQL and proven."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace

import pytest

from node.app import create_app
from node.cli import main
from node.cli.database import compare
from node.storage import Database
from node.storage.transfer import table_order
from tests.conftest import make_node
from tests.node.pools.helpers import POOL, get, post, propose, vote

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def _cli(capsys, *argv: str) -> tuple[int, dict, str]:  # type: ignore[no-untyped-def,type-arg]
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if "--json" in argv else {"text": captured.out}, captured.err


async def _busy_node(tmp_path, aiohttp_client):  # type: ignore[no-untyped-def]
    """A SQLite node with proposals, ballots and ledger entries."""
    node = await make_node(tmp_path / "data", database_url="")
    client = await aiohttp_client(create_app(node.config))
    for name in ("Buy a drill", "Paint the shed"):
        proposal = await propose(client, "admin", node.admin_token, name=name)
        assert (await vote(client, "admin", node.admin_token, proposal["id"], "agree")).status == 201
        assert (await vote(client, "alice", node.alice_token, proposal["id"], "disagree")).status == 201
    for amount in (2500, 700):
        contribution = {"type": "LedgerEntry", "pool": POOL, "entryKind": "contribution",
                        "person": node.alice.uri, "amount": amount, "currency": "EUR"}
        assert (await post(client, "admin", node.admin_token, contribution)).status == 201
    ledger = await get(client, "/pools/commons/ledger?page=true")
    proposals = await get(client, "/pools/commons/proposals?page=true")
    await client.close()
    return node, ledger, proposals


async def test_copy_verifies_and_the_node_serves_the_same_from_postgresql(
    tmp_path, database_url, aiohttp_client, capsys
) -> None:  # type: ignore[no-untyped-def]
    node, ledger, proposals = await _busy_node(tmp_path, aiohttp_client)
    data = str(node.config.data_dir)
    code, out, err = await asyncio.to_thread(
        _cli, capsys, "migrate-db", "--from", data, "--to", database_url)
    assert code == 0, out
    assert "copied ledger_entries: 2 rows" in err and "copied ballots: 4 rows" in err
    assert "VERIFIED: row counts, ledger heads and chains, and tallies" in out["text"]
    assert "set database_url = " in out["text"]

    # The same node, now on PostgreSQL, serves the same ledger and proposals, and keeps going:
    # new rows get ids after the copied ones (the sequences were moved on).
    moved = replace(node.config, database_url=database_url)
    client = await aiohttp_client(create_app(moved))
    assert await get(client, "/pools/commons/ledger?page=true") == ledger
    assert await get(client, "/pools/commons/proposals?page=true") == proposals
    third = await propose(client, "admin", node.admin_token, name="A third one")
    assert third["id"] not in [p["id"] for p in proposals["orderedItems"]]
    assert (await vote(client, "alice", node.alice_token, third["id"], "agree")).status == 201


async def test_a_second_copy_into_the_same_database_is_refused(
    tmp_path, database_url, aiohttp_client, capsys
) -> None:  # type: ignore[no-untyped-def]
    node, _, _ = await _busy_node(tmp_path, aiohttp_client)
    data = str(node.config.data_dir)
    code, out, _ = await asyncio.to_thread(
        _cli, capsys, "migrate-db", "--from", data, "--to", database_url, "--json")
    assert code == 0 and out["ok"] is True and out["problems"] == [], out
    assert out["rows"]["ballots"] == 4 and out["rows"]["ledger_entries"] == 2
    code, out, _ = await asyncio.to_thread(
        _cli, capsys, "migrate-db", "--from", data, "--to", database_url, "--json")
    assert code == 1 and "already holds data" in out["error"]
    code, out, _ = await asyncio.to_thread(
        _cli, capsys, "migrate-db", "--from", data, "--to", "mysql://h/db", "--json")
    assert code == 1 and "postgresql://" in out["error"]


async def test_the_verification_finds_a_changed_ledger_or_ballot(
    tmp_path, database_url, aiohttp_client, capsys
) -> None:  # type: ignore[no-untyped-def]
    node, _, _ = await _busy_node(tmp_path, aiohttp_client)
    data = str(node.config.data_dir)
    assert (await asyncio.to_thread(_cli, capsys, "migrate-db", "--from", data, "--to", database_url, "--json"))[0] == 0
    source, target = Database.for_config(node.config), Database.from_url(database_url, tmp_path)
    await source.open()
    await target.open()
    try:
        tables = await table_order(source)  # type: ignore[arg-type]
        assert await compare(source, target, tables) == []
        row = await target.fetchone("SELECT id, document FROM ledger_entries ORDER BY id LIMIT 1")
        doc = json.loads(row["document"])
        doc["postings"][0]["amount"] += 1
        await target.execute("UPDATE ledger_entries SET document = ? WHERE id = ?", (json.dumps(doc), row["id"]))
        await target.execute("DELETE FROM ballots WHERE id = (SELECT MAX(id) FROM ballots)")
        problems = await compare(source, target, tables)
    finally:
        await source.close()
        await target.close()
    assert "ballots: 4 rows in SQLite, 3 in PostgreSQL" in problems
    assert any(p.startswith("ledger ") and "differs" in p for p in problems), problems
    assert any(p.startswith("tally ") for p in problems), problems
