"""`poolnode migrate-db` copies budget rounds into PostgreSQL and proves each round's result by a
recount of its buckets and allocations on both sides; a changed allocation is found."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace

import pytest

from node.app import create_app
from node.cli.database import compare
from node.storage import Database
from node.storage.transfer import table_order
from tests.conftest import make_node
from tests.node.budget.helpers import allocate, bucket, close, contribute, open_round, result
from tests.node.test_migrate_db import _cli

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


async def test_a_round_is_copied_proven_and_served_the_same(tmp_path, database_url, aiohttp_client,
                                                            capsys) -> None:  # type: ignore[no-untyped-def]
    node = await make_node(tmp_path / "data", database_url="")
    client = await aiohttp_client(create_app(node.config))
    await contribute(client, node, 6000)
    round_doc = await open_round(client, node)
    rid = round_doc["id"]
    await bucket(client, "alice", node.alice_token, rid, "Party", 1000, 4000)
    await allocate(client, "alice", node.alice_token, rid, b1=3000)
    await allocate(client, "admin", node.admin_token, rid, b1=2000)
    await close(client, round_doc)
    final = await result(client, rid)
    await client.close()

    code, out, _ = await asyncio.to_thread(
        _cli, capsys, "migrate-db", "--from", str(node.config.data_dir), "--to", database_url, "--json")
    assert code == 0 and out["problems"] == [], out
    assert out["rows"]["budget_buckets"] == 1 and out["rows"]["budget_allocations"] == 2
    # The node, now on PostgreSQL, serves the same signed result.
    # Without its clocks: a notification round of its own would add rows only PostgreSQL has.
    again = await aiohttp_client(create_app(replace(node.config, database_url=database_url),
                                            workers=False))
    assert await result(again, rid) == final
    await again.close()

    source, target = Database.for_config(node.config), Database.from_url(database_url, tmp_path)
    await source.open()
    await target.open()
    try:
        tables = await table_order(source)  # type: ignore[arg-type]
        row = await target.fetchone("SELECT id, allocation_json FROM budget_allocations ORDER BY id LIMIT 1")
        changed = json.loads(row["allocation_json"])
        changed["amounts"][0]["amount"] = 100
        await target.execute("UPDATE budget_allocations SET allocation_json = ? WHERE id = ?",
                             (json.dumps(changed), row["id"]))
        problems = await compare(source, target, tables)
    finally:
        await source.close()
        await target.close()
    assert problems == [f"result {rid} differs"]
