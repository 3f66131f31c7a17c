"""`poolnode proposal list` and `poolnode ledger` read what the pool decided and booked."""

from __future__ import annotations

import asyncio
import json

import pytest

from node.cli import main
from node.storage import Database
from tests.node.pools.helpers import POOL, get, post, propose

pytestmark = pytest.mark.both_backends


def _cli(capsys, *argv: str) -> tuple[int, dict]:  # type: ignore[no-untyped-def,type-arg]
    code = main(list(argv))
    return code, json.loads(capsys.readouterr().out)


async def test_proposal_list_and_ledger(client, node, capsys) -> None:  # type: ignore[no-untyped-def]
    pool = await get(client, "/pools/commons")
    assert pool["proposals"] == POOL + "/proposals" and pool["ledger"] == POOL + "/ledger"
    assert pool["floods"] == POOL + "/floods"  # where its floods and flood proposals are listed
    proposal = await propose(client, "admin", node.admin_token, name="Buy a drill")
    contribution = {"type": "LedgerEntry", "pool": POOL, "entryKind": "contribution",
                    "person": node.alice.uri, "amount": 2500, "currency": "EUR"}
    assert (await post(client, "admin", node.admin_token, contribution)).status == 201
    data = str(node.config.data_dir)

    code, out = await asyncio.to_thread(_cli, capsys, "proposal", "list", "--data", data, "commons", "--json")
    assert code == 0
    assert [p["id"] for p in out["proposals"]] == [proposal["id"]]
    assert out["proposals"][0]["state"] == "open"

    code, out = await asyncio.to_thread(_cli, capsys, "ledger", "--data", data, "commons", "--json")
    assert code == 0 and out["chain_ok"] is True
    assert out["fund"] == 2500 and len(out["entries"]) == 1

    # An edit to stored history is caught by the hash chain.
    db = Database.for_config(node.config)
    await db.open()
    try:
        row = await db.fetchone("SELECT id, document FROM ledger_entries")
        doc = json.loads(row[1])
        for posting in doc["postings"]:  # still balanced, so only the hash chain can tell
            posting["amount"] *= 2
        await db.execute("UPDATE ledger_entries SET document = ? WHERE id = ?", (json.dumps(doc), row[0]))
    finally:
        await db.close()
    code, out = await asyncio.to_thread(_cli, capsys, "ledger", "--data", data, "commons", "--json")
    # Named by its sequence, as the ledger lists it (1, 2, ...).
    assert code == 1 and out.get("chain_ok") is False and out["first_bad_entry"] == 1, out


async def test_proposal_list_says_a_passed_disbursement_waits_for_funds(client, node, capsys) -> None:  # type: ignore[no-untyped-def]
    from datetime import datetime, timedelta

    from node.pool_engine import close_due
    from tests.node.pools.helpers import vote

    proposal = await propose(client, "admin", node.admin_token, name="Buy a boat",
                             proposalKind="disbursement", amount=10_000, currency="EUR",
                             payee="https://shop.example/boats", purpose="a boat")
    await vote(client, "admin", node.admin_token, proposal["id"], "agree")
    await vote(client, "alice", node.alice_token, proposal["id"], "agree")
    closes = datetime.fromisoformat(proposal["closesAt"].replace("Z", "+00:00"))
    await close_due(client.app, closes + timedelta(seconds=1))
    data = str(node.config.data_dir)
    code, out = await asyncio.to_thread(_cli, capsys, "proposal", "list", "--data", data, "commons", "--json")
    assert code == 0 and out["proposals"][0]["outcome"] == "passed"
    assert out["proposals"][0]["effect"] == "waiting_funds"
    code = await asyncio.to_thread(main, ["proposal", "list", "--data", data, "commons"])
    assert code == 0 and "passed, waiting for funds" in capsys.readouterr().out


async def test_a_broken_chain_is_named_by_the_entry_the_ledger_lists(client, node, capsys) -> None:  # type: ignore[no-untyped-def]
    for amount in (100, 200, 300):
        contribution = {"type": "LedgerEntry", "pool": POOL, "entryKind": "contribution",
                        "person": node.alice.uri, "amount": amount, "currency": "EUR"}
        assert (await post(client, "admin", node.admin_token, contribution)).status == 201
    db = Database.for_config(node.config)
    await db.open()
    try:
        row = await db.fetchone("SELECT id, document FROM ledger_entries WHERE sequence = 2")
        doc = json.loads(row[1])
        for posting in doc["postings"]:
            posting["amount"] *= 2
        await db.execute("UPDATE ledger_entries SET document = ? WHERE id = ?", (json.dumps(doc), row[0]))
    finally:
        await db.close()
    data = str(node.config.data_dir)
    code, out = await asyncio.to_thread(_cli, capsys, "ledger", "--data", data, "commons", "--json")
    assert code == 1 and out["first_bad_entry"] == 2, out
    code = await asyncio.to_thread(main, ["ledger", "--data", data, "commons"])
    printed = capsys.readouterr().out
    assert code == 1 and "HASH CHAIN BROKEN at entry 2:" in printed, printed
