"""Benchmark 4: one activity delivered to 1,000 followers on 100 receiving hosts.

The receivers (bench.receivers) are 100 minimal HTTP/1.1 servers on 127.0.0.1 in another
process.
The node side is the real delivery queue (``node.delivery.queue.DeliveryQueue`` with the
node's settings) over a node directory made by `poolnode init`: followers are set up
through the storage layer (the pool's followers collection and cached remote actors,
each with its own inbox and no shared inbox, so there is one signed POST per follower),
recipients are expanded by ``expand_recipients`` and queued by ``DeliveryStore.enqueue``.
The clock runs from expansion until the database shows every row delivered. Compared
with the time to compute the same number of signatures alone, in the same process, right
after. Three rounds (each a new activity and a freshly started queue with no connection
open) alternate delivery and signing, and the figure is the median of the per-round ratios:
on a shared host a neighbour or the hypervisor can take a core for part of one measurement,
and each round records that CPU steal.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from bench.procs import NodeProcess, free_port, start_module, stop
from bench.report import Row, steal_seconds
from bench.sizes import Sizes
from federation.httpsig import sign_request
from federation.keys import load_private_key_pem
from node.accounts import now_iso
from node.config import Config, load_config
from node.delivery import settings_from_config
from node.delivery.queue import DeliveryQueue
from node.delivery.recipients import expand_recipients
from node.storage import (
    ActorRecord,
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
class _Round:
    elapsed: float
    counts: dict[str, int]
    signing: float
    cpu: float
    """CPU seconds of this process (every thread) from expansion until all delivered."""
    signing_cpu: float
    steal: float
    """CPU seconds the hypervisor took from this machine during the delivery and the signing."""

    @property
    def ratio(self) -> float:
        return self.elapsed / self.signing if self.signing else float("inf")


async def _setup(data_dir: Path, ports: list[int], followers: int
                 ) -> tuple[Database, ActorRecord]:
    db = Database.in_data_dir(data_dir)
    await db.open()
    actors, objects, remote = ActorStore(db), ObjectStore(db), RemoteActorStore(db)
    sender = (await actors.all("pool"))[0]
    fetched = int(time.time() * 1000)
    for n in range(followers):
        uri = _follower(ports[n % len(ports)], n)
        await objects.add_to_collection(sender.id, "followers", uri, now_iso())
        await remote.put(RemoteActor(uri, "Person", uri + "/inbox", None, uri + "#main-key",
                                     None, fetched_at=fetched))
    return db, sender


async def _round(db: Database, config: Config, sender: ActorRecord, number: int,
                 time_limit: float) -> _Round:
    """One activity to every follower by a freshly started queue (no connection open yet),
    then the same number of signatures alone."""
    actors, deliveries, remote = ActorStore(db), DeliveryStore(db), RemoteActorStore(db)
    activity_id = f"{sender.uri}/activities/fanout-{number}"
    followers = sender.uri + "/followers"
    activity = {
        "@context": AS2, "id": activity_id, "type": "Create",
        "actor": sender.uri, "to": [f"{AS2}#Public"], "cc": [followers],
        "object": {"id": f"{sender.uri}/notes/fanout-{number}", "type": "Note",
                   "attributedTo": sender.uri, "content": "Meeting on Thursday."},
    }
    body = json.dumps(activity, separators=(",", ":")).encode()

    async def inbox_of(uri: str) -> str:
        found = await remote.get(uri)
        assert found is not None
        return found.inbox

    queue = DeliveryQueue(deliveries, actors, settings_from_config(config))
    await queue.start()
    try:
        before = await deliveries.counts()
        steal0 = steal_seconds()
        started, cpu_started = time.perf_counter(), time.process_time()
        found = await expand_recipients(
            sender=sender, uris=[followers], base_url=config.base_url,
            actors=actors, deliveries=deliveries, resolve=inbox_of,
            known=lambda uris: remote.inboxes(uris, 0),
        )
        expected = len(found.inboxes)
        await deliveries.enqueue(
            sender_id=sender.id, activity_uri=activity_id, body=body,
            targets=[DeliveryTarget(i, h, "queued") for i, h in found.inboxes.items()],
            local_owner_ids=sorted(found.local_ids), now=time.time(), now_iso=now_iso(),
        )
        queue.wake()
        async with asyncio.timeout(time_limit):
            while True:
                await queue.flush()
                counts = await deliveries.counts()
                finished = sum(n - before.get(state, 0)
                               for state, n in counts.items() if state != "queued")
                if counts.get("queued", 0) == 0 and finished >= expected:
                    break
                await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
    finally:
        await queue.stop()
    key = load_private_key_pem(sender.rsa_private_pem)
    t0, cpu0 = time.perf_counter(), time.process_time()
    for inbox in found.inboxes:
        sign_request("POST", inbox, body, sender.key_id, key, datetime.now(UTC))
    signing = time.perf_counter() - t0
    counts = {state: n - before.get(state, 0) for state, n in counts.items()}
    return _Round(elapsed, counts, signing, cpu, time.process_time() - cpu0,
                  steal_seconds() - steal0)


async def _deliver(data_dir: Path, ports: list[int], followers: int, rounds: int,
                   time_limit: float) -> list[_Round]:
    """Delivery and signing alone, ``rounds`` times in turn, each in wall-clock and CPU time."""
    config = replace(load_config(data_dir), allow_private_addresses=True)
    db, sender = await _setup(data_dir, ports, followers)
    try:
        return [await _round(db, config, sender, n + 1, time_limit) for n in range(rounds)]
    finally:
        await db.close()


def run(sizes: Sizes) -> list[Row]:
    """Delivery time, signing-alone time, and their ratio (median of the rounds)."""
    receivers = start_module("bench.receivers")
    try:
        assert receivers.stdin is not None and receivers.stdout is not None
        rounds = sizes.fanout_rounds
        receivers.stdin.write(json.dumps({
            "hosts": sizes.fanout_hosts,
            "time_limit": sizes.fanout_time_limit * rounds + 60}) + "\n")
        receivers.stdin.flush()
        ports = json.loads(receivers.stdout.readline())["ports"]
        with tempfile.TemporaryDirectory(prefix="poolnode-bench-") as tmp:
            node = NodeProcess(Path(tmp) / "node", free_port())
            node.init()
            got = asyncio.run(_deliver(node.data_dir, ports, sizes.fanout_followers, rounds,
                                       sizes.fanout_time_limit))
        receivers.stdin.write("stop\n")
        receivers.stdin.flush()
        seen = json.loads(receivers.stdout.readline())
    finally:
        stop(receivers)
    n, hosts = sizes.fanout_followers, sizes.fanout_hosts
    middle = sorted(got, key=lambda r: r.ratio)[len(got) // 2]
    each = ", ".join(f"{r.ratio:.2f}" for r in got)
    steal = ", ".join(f"{r.steal * 1000:.0f}" for r in got)
    cpu_ratio = middle.cpu / middle.signing_cpu if middle.signing_cpu else float("inf")
    complete = (all(r.counts.get("delivered", 0) == n for r in got)
                and seen["distinct"] == n * rounds and seen["duplicates"] == 0)
    return [
        Row(NAME, f"deliver 1 activity to {n:,} followers on {hosts} hosts", middle.elapsed * 1000,
            "ms", note=f"the median round of {rounds} (each a new activity, a freshly started "
                       f"queue, no connection open); rows {middle.counts}",
            rounds=tuple(r.elapsed * 1000 for r in got)),
        Row(NAME, f"compute {n:,} signatures alone", middle.signing * 1000, "ms",
            note="right after that round's delivery", rounds=tuple(r.signing * 1000 for r in got)),
        Row(NAME, "receivers' CPU while receiving (the other process)",
            float(seen.get("cpu_seconds", 0.0)) * 1000 / rounds, "ms",
            note="per round; on 2 cores, CPU the receiving process takes from the sender"),
        Row(NAME, "sender's CPU while delivering (every thread)", middle.cpu * 1000, "ms",
            note=f"{cpu_ratio:.2f}x the {middle.signing_cpu * 1000:,.0f} ms of CPU of signing "
                 "alone (the ratio's floor when no core is free)",
            rounds=tuple(r.cpu * 1000 for r in got)),
        Row(NAME, "delivery / signing alone", middle.ratio, "x", "<= 2x", middle.ratio <= 2.0,
            f"median of per-round ratios ({each}); CPU steal per round {steal} ms",
            rounds=tuple(r.ratio for r in got)),
        Row(NAME, "every follower delivered once", float(complete), "", "= 1", complete,
            f"receivers got {seen['posts']} POSTs for {rounds} activities, "
            f"{seen['duplicates']} duplicates"),
    ]
