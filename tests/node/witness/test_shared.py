"""Two processes on one PostgreSQL database both run the witnessing clock: a due check is
claimed by one of them (the time of the next check moves on in the database), so the ledger is
attested once, not twice; and the clock runs in ``poolnode worker``, not in ``serve
--no-workers``."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime

import pytest

from node.app import create_app
from node.appkeys import ACTORS
from node.witness import WITNESS_CLOCK, witness_by_steward, witness_round, witnesses
from tests.node.witness.helpers import received

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


async def test_one_of_two_processes_checks_a_due_ledger(witness_node, river, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    first, second = create_app(witness_node.config), create_app(witness_node.config)
    for app in (first, second):
        app[WITNESS_CLOCK] = False
    one, two = await aiohttp_client(first), await aiohttp_client(second)
    river.book(100, 200)
    now = datetime.now(UTC).replace(microsecond=0)
    pool = await one.app[ACTORS].get("commons", "pool")
    await witness_by_steward(one.app, pool, river.uri, witness_node.admin.uri, now)

    checked = await asyncio.gather(witness_round(one.app, now), witness_round(two.app, now))
    assert sorted(checked) == [0, 1]
    await received(river, "HeadAttestation", 1)
    await asyncio.sleep(0.3)
    assert len([p for p in river.posts if p["object"]["type"] == "HeadAttestation"]) == 1
    (link,) = await witnesses(two.app).links(pool.id)
    assert link.sequence == 2 and link.next_check_at > now.strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_the_clock_runs_in_worker_processes_only(witness_node, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    await aiohttp_client(create_app(witness_node.config, workers=False))
    assert Counter(t.get_name() for t in asyncio.all_tasks())["witnessing"] == 0
    await aiohttp_client(create_app(witness_node.config))
    assert Counter(t.get_name() for t in asyncio.all_tasks())["witnessing"] == 1
