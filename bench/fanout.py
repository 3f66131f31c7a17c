"""Benchmark 4: one activity delivered to 1,000 followers on 100 receiving hosts.

The receivers (bench.receivers) are 100 minimal HTTP/1.1 servers on 127.0.0.1 in another
process.
The node side is the real delivery queue (``node.delivery.queue.DeliveryQueue`` with the
node's settings) over a node directory made by `poolnode init`: followers are set up
through the storage layer (the pool's followers collection and cached remote actors,
each with its own inbox and no shared inbox, so there is one signed POST per follower),
recipients are expanded by ``expand_recipients`` and queued by ``DeliveryStore.enqueue``.
The clock runs from expansion until the database shows every row delivered. Compared
with the time to compute the same number of signatures alone, in the same process.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from bench.procs import NodeProcess, free_port, start_module, stop
from bench.report import Row
from bench.sizes import Sizes
from federation.httpsig import sign_request
from federation.keys import load_private_key_pem
from node.accounts import now_iso
from node.config import load_config
from node.delivery import settings_from_config
from node.delivery.queue import DeliveryQueue
from node.delivery.recipients import expand_recipients
from node.storage import (
    ActorStore,
    Database,
    DeliveryStore,
    DeliveryTarget,
    ObjectStore,
    RemoteActor,
    RemoteActorStore,
)

__all__ = ["run"]

NAME = "4 fan-out"
AS2 = "https://www.w3.org/ns/activitystreams"


def _follower(port: int, n: int) -> str:
    return f"http://127.0.0.1:{port}/users/f{n}"


@dataclass(frozen=True, slots=True)
class _Measured:
    elapsed: float
    counts: dict[str, int]
    signing: float
    cpu: float
    """CPU seconds of this process (every thread) from expansion until all delivered."""
    signing_cpu: float


async def _deliver(data_dir: Path, ports: list[int], followers: int, time_limit: float,
                   ) -> _Measured:
    """Delivery and signing alone, each in wall-clock and CPU seconds."""
    config = replace(load_config(data_dir), allow_private_addresses=True)
    db = Database.in_data_dir(data_dir)
    await db.open()
    try:
        actors, deliveries = ActorStore(db), DeliveryStore(db)
        remote, objects = RemoteActorStore(db), ObjectStore(db)
        sender = (await actors.all("pool"))[0]
        fetched = int(time.time() * 1000)
        for n in range(followers):
            uri = _follower(ports[n % len(ports)], n)
            await objects.add_to_collection(sender.id, "followers", uri, now_iso())
            await remote.put(RemoteActor(uri, "Person", uri + "/inbox", None, uri + "#main-key",
                                         None, fetched_at=fetched))
        activity = {
            "@context": AS2, "id": sender.uri + "/activities/fanout-1", "type": "Create",
            "actor": sender.uri, "to": [f"{AS2}#Public"], "cc": [sender.uri + "/followers"],
            "object": {"id": sender.uri + "/notes/fanout-1", "type": "Note",
                       "attributedTo": sender.uri, "content": "Meeting on Thursday."},
        }
        body = json.dumps(activity, separators=(",", ":")).encode()

        async def inbox_of(uri: str) -> str:
            found = await remote.get(uri)
            assert found is not None
            return found.inbox

        settings = settings_from_config(config)
        queue = DeliveryQueue(deliveries, actors, settings)
        await queue.start()
        try:
            started, cpu_started = time.perf_counter(), time.process_time()
            found = await expand_recipients(
                sender=sender, uris=activity["cc"], base_url=config.base_url,
                actors=actors, deliveries=deliveries, resolve=inbox_of,
                known=lambda uris: remote.inboxes(uris, 0),
            )
            expected = len(found.inboxes)
            await deliveries.enqueue(
                sender_id=sender.id, activity_uri=activity["id"], body=body,
                targets=[DeliveryTarget(i, h, "queued") for i, h in found.inboxes.items()],
                local_owner_ids=sorted(found.local_ids), now=time.time(), now_iso=now_iso(),
            )
            queue.wake()
            enqueued = time.perf_counter() - started
            async with asyncio.timeout(time_limit):
                while True:
                    await queue.flush()
                    counts = await deliveries.counts()
                    finished = sum(n for state, n in counts.items() if state != "queued")
                    if counts.get("queued", 0) == 0 and finished >= expected:
                        break
                    await asyncio.sleep(0.05)
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu_started
            print(f"bench: fan-out enqueue {enqueued * 1000:.0f} ms of {elapsed * 1000:.0f} ms",
                  file=sys.stderr)
        finally:
            await queue.stop()
        key = load_private_key_pem(sender.rsa_private_pem)
        inboxes = list(found.inboxes)
        t0, cpu0 = time.perf_counter(), time.process_time()
        for inbox in inboxes:
            sign_request("POST", inbox, body, sender.key_id, key, datetime.now(UTC))
        signing = time.perf_counter() - t0
        return _Measured(elapsed, counts, signing, cpu, time.process_time() - cpu0)
    finally:
        await db.close()


def run(sizes: Sizes) -> list[Row]:
    """Delivery time, signing-alone time, and their ratio."""
    receivers = start_module("bench.receivers")
    try:
        assert receivers.stdin is not None and receivers.stdout is not None
        receivers.stdin.write(json.dumps({"hosts": sizes.fanout_hosts,
                                          "time_limit": sizes.fanout_time_limit + 60}) + "\n")
        receivers.stdin.flush()
        ports = json.loads(receivers.stdout.readline())["ports"]
        with tempfile.TemporaryDirectory(prefix="poolnode-bench-") as tmp:
            node = NodeProcess(Path(tmp) / "node", free_port())
            node.init()
            got = asyncio.run(
                _deliver(node.data_dir, ports, sizes.fanout_followers, sizes.fanout_time_limit))
        receivers.stdin.write("stop\n")
        receivers.stdin.flush()
        seen = json.loads(receivers.stdout.readline())
    finally:
        stop(receivers)
    n, hosts = sizes.fanout_followers, sizes.fanout_hosts
    elapsed, counts, signing = got.elapsed, got.counts, got.signing
    ratio = elapsed / signing if signing else float("inf")
    cpu_ratio = got.cpu / got.signing_cpu if got.signing_cpu else float("inf")
    complete = counts.get("delivered", 0) == n and seen["distinct"] == n
    return [
        Row(NAME, f"deliver 1 activity to {n:,} followers on {hosts} hosts", elapsed * 1000, "ms",
            note=f"rows {counts}; receivers got {seen['posts']} POSTs, "
                 f"{seen['duplicates']} duplicates"),
        Row(NAME, f"compute {n:,} signatures alone", signing * 1000, "ms"),
        Row(NAME, "receivers' CPU while receiving (the other process)",
            float(seen.get("cpu_seconds", 0.0)) * 1000, "ms",
            note="on 2 cores, CPU the receiving process takes from the sender"),
        Row(NAME, "sender's CPU while delivering (every thread)", got.cpu * 1000, "ms",
            note=f"{cpu_ratio:.2f}x the {got.signing_cpu * 1000:,.0f} ms of CPU of signing alone "
                 "(the ratio's floor when no core is free)"),
        Row(NAME, "delivery / signing alone", ratio, "x", "<= 2x", ratio <= 2.0),
        Row(NAME, "every follower delivered once", float(complete), "", "= 1", complete),
    ]
