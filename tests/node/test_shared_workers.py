"""A process without workers (``serve --no-workers``) beside a worker process (``poolnode
worker``) on one PostgreSQL database: the first answers and queues, the second drains both
queues and runs the clocks, woken by a notice rather than its next poll.

Two apps on one database, each with its own `Database`, as two processes are
(tests/node/test_shared_database.py); tests/multinode/test_worker_process.py runs the
real commands.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace

import pytest

from node.app import create_app
from node.appkeys import FOLLOWS
from node.inbox import worker as inbox_worker
from tests.node.inbox_helpers import post_signed, processed
from tests.node.pools.helpers import propose

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

# What each process runs, by task name (node/inbox, node/delivery, node/pool_engine, node/floods).
WORKER_TASKS = ("inbox-worker", "delivery-dispatch", "delivery-flush", "pool-closing",
                "pool-obligations", "flood-closing", "inbox-retention")


async def _until(check, what: str, within: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    """Bounded: far below the 60 s polls set here, so only a notice can make it in time."""
    try:
        async with asyncio.timeout(within):
            while not check():  # noqa: ASYNC110 (a remote server's list, no event to wait on)
                await asyncio.sleep(0.02)
    except TimeoutError:
        raise AssertionError(f"not within {within} s: {what}") from None


async def test_a_worker_drains_what_a_process_without_workers_queued(fed, remote, aiohttp_client,
                                                                    monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(inbox_worker, "POLL_SECONDS", 60.0)
    config = replace(fed.config, delivery_poll_interval=60.0)
    web = await aiohttp_client(create_app(config, workers=False))
    work = await aiohttp_client(create_app(config))
    running = Counter(task.get_name() for task in asyncio.all_tasks())
    assert all(running[name] == 1 for name in WORKER_TASKS), running  # the worker's only

    # A Follow received by the web process is processed by the worker...
    bob = remote.add("bob")
    follow = bob.activity("Follow", fed.pool.uri)
    assert (await post_signed(web, bob, "/inbox", follow)).status == 202
    assert (await processed(web, follow["id"])).state == "done"
    assert await work.app[FOLLOWS].followers_of(fed.pool.uri) == [bob.uri]
    # ...which queues the Accept itself and delivers it.
    await _until(lambda: any(p["type"] == "Accept" for p in remote.posts), "the Accept delivered")

    # What the web process publishes (a proposal, to the pool's followers) the worker delivers.
    proposal = await propose(web, "admin", fed.admin_token)
    await _until(lambda: any(p["type"] == "Create" and isinstance(p["object"], dict)
                             and p["object"].get("id") == proposal["id"] + "/question"
                             for p in remote.posts),
                 "the proposal delivered to bob")
