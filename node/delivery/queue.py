"""The delivery workers: claim due rows, sign them ahead, POST them, write results in batches.

A dispatcher claims due rows in batches (locked in the database, so a row in flight when
the process dies is sent again after a restart), at most twice the per-host limit per host,
and has them signed at once in a two-thread pool while earlier rows are being sent. A fixed
set of ``workers`` long-lived tasks take the claimed rows host by host in turn
(``node.delivery.ready``), at most ``per_host`` in flight per host: a worker that finishes a
delivery takes the next row itself, with no task, claim or lock per delivery. Hosts whose
breaker is open are not claimed for and their waiting rows are given back, so a dead peer
holds at most ``per_host`` workers and never slows delivery to healthy ones. Results go to
a buffer that a flusher writes in one transaction per batch.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from federation.errors import FetchError, UnsafeAddress
from federation.httpsig import PrivateKey
from federation.pinning import AddressPinner, Resolver, system_resolver
from node.delivery.breaker import HostHealth
from node.delivery.hosts import HostBook
from node.delivery.http1 import HTTP1Client, Limits
from node.delivery.material import SigningMaterial
from node.delivery.ready import ReadyRows
from node.delivery.results import write_results
from node.delivery.schedule import Outcome, classify_status, next_state
from node.delivery.sending import USER_AGENT, Claimed, post, probe, sign_chunk
from node.delivery.settings import DeliverySettings
from node.storage import ActorStore, ClaimedDelivery, DeliveryResult, DeliveryStore

__all__ = ["USER_AGENT", "DeliveryQueue", "DeliverySettings"]

log = logging.getLogger("poolnode.delivery")

_FLUSH_BATCH = 256
_DNS_TTL = 60.0
_SIGN_CHUNK = 8
"""Rows signed per job in the signing threads: one wake-up of the event loop per chunk."""
_SEND_MARGIN = 30.0
"""A claimed row is sent only while its lock has a whole attempt plus this much left."""


class DeliveryQueue:
    """The running delivery workers of one node."""

    def __init__(
        self,
        store: DeliveryStore,
        actors: ActorStore,
        settings: DeliverySettings,
        *,
        clock: Callable[[], float] = time.time,
        unit: Callable[[], float] = random.random,
        resolver: Resolver = system_resolver,
        http: HTTP1Client | None = None,
    ) -> None:
        self.store = store
        self.actors = actors
        self.settings = settings
        self._clock = clock
        self._unit = unit
        # The same SSRF guard as the Fetcher's GETs: every address the inbox's host
        # resolves to is checked, and the POST goes to the checked address.
        self._pinner = AddressPinner(
            allow_private_addresses=settings.allow_private_addresses,
            resolver=resolver,
            timeout=min(settings.timeout, 10.0),
            verb="deliver to",
            cache_ttl=_DNS_TTL,
        )
        # POSTs and probes go through a small HTTP/1.1 client (aiohttp's costs the fan-out's
        # event loop about three times as much per request); it is closed when the queue stops.
        self.http = http if http is not None else HTTP1Client(Limits(per_origin=settings.per_host))
        self._hosts = HostBook(settings.breaker, settings.per_host, clock)
        self._ready: ReadyRows[Claimed] = ReadyRows()
        self._claimed: set[int] = set()  # ids waiting or in flight in this process
        # Claim again when fewer rows than workers wait; hold up to four rounds.
        self._low_water = max(1, settings.workers)
        self._backlog = 4 * max(1, settings.workers)
        self._more_due = False
        self._capped: set[str] = set()  # hosts left out of the last claim for want of room
        self._idle: list[asyncio.Future[None]] = []
        self._workers: list[asyncio.Task[None]] = []
        self._probes: set[asyncio.Task[None]] = set()
        self._probing: set[str] = set()
        self._results: list[DeliveryResult] = []
        self._to_unlock: list[int] = []
        self._wake = asyncio.Event()
        self._flush_needed = asyncio.Event()
        self._flushing = asyncio.Lock()
        self._runners: list[asyncio.Task[None]] = []
        self._stopping = False
        # RSA signing releases the GIL: signing in threads overlaps it with the event loop's
        # HTTP work, which is what a fan-out to many followers spends its time on.
        self._signer = ThreadPoolExecutor(max_workers=2, thread_name_prefix="delivery-sign")
        self._material = SigningMaterial(store, actors, self._signer)

    # ---- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Unlock rows a dead process left in flight, load host health, start the tasks."""
        released = await self.store.release_locks()
        if released:
            log.info("resuming %d deliveries that were in flight when the node stopped", released)
        self._hosts.load(await self.store.hosts())
        # Start both signing threads now: a thread started under load can take tens of
        # milliseconds to come up, which would otherwise delay the first deliveries.
        ready = threading.Barrier(2)
        loop = asyncio.get_running_loop()
        await asyncio.gather(
            *(loop.run_in_executor(self._signer, ready.wait, 10.0) for _ in range(2))
        )
        self._runners = [
            asyncio.create_task(self._dispatch(), name="delivery-dispatch"),
            asyncio.create_task(self._flush_loop(), name="delivery-flush"),
        ]
        self._workers = [
            asyncio.create_task(self._work(), name=f"delivery-worker-{n}")
            for n in range(max(1, self.settings.workers))
        ]

    async def stop(self) -> None:
        """Stop claiming, cancel attempts in flight (their rows stay locked), write results."""
        # The dispatcher and flusher are asked to stop, not cancelled: a cancellation
        # landing inside a database transaction would leave the connection mid-transaction.
        self._stopping = True
        self._wake.set()
        self._flush_needed.set()
        await asyncio.gather(*self._runners)
        attempts = [*self._workers, *self._probes]
        for task in attempts:
            task.cancel()
        await asyncio.gather(*attempts, return_exceptions=True)
        # Rows claimed but never attempted go back to the queue now, not when their lock ends.
        self._to_unlock.extend(item.row.id for item in self._ready.drop_all())
        try:
            await self.flush()
        except Exception:  # the rows stay locked and are attempted again when the lock ends
            log.error("delivery results could not be written while stopping; the rows they "
                      "concern are attempted again when their lock ends", exc_info=True)
        await self.http.close()
        self._signer.shutdown(wait=False, cancel_futures=True)

    def wake(self) -> None:
        """New rows are due: claim now rather than at the next poll."""
        self._wake.set()

    def is_unavailable(self, host: str) -> bool:
        """Whether a host is marked unavailable (new deliveries to it are skipped)."""
        return self._hosts.is_unavailable(host)

    def health(self, host: str) -> HostHealth | None:
        """What the workers know of a host."""
        return self._hosts.get(host)

    def in_flight(self, host: str) -> int:
        """How many deliveries to ``host`` are being attempted now."""
        return self._ready.busy(host)

    def needs_revival(self, host: str) -> bool:
        """Whether the host has failed since its last success (a set lookup)."""
        return self._hosts.needs_revival(host)

    def mark_alive(self, host: str) -> None:
        """The host answered (e.g. it delivered to our inbox): close its breaker; below the
        threshold, make its waiting rows due (once per run of failures)."""
        health = self._hosts.get(host)
        if health is None or (health.consecutive_failures == 0 and not health.unavailable):
            return
        if not self._hosts.is_tripped(host):
            if self._hosts.hasten_once(host):
                self._flush_needed.set()
            return
        self._set_health(health.succeeded(self._clock()))
        self._flush_needed.set()
        self.wake()

    # ---- claiming ----------------------------------------------------------------------------

    def _limit(self, host: str) -> int:
        """How many deliveries to ``host`` may be in flight now, from its breaker."""
        return self._hosts.limit(host)

    async def _dispatch(self) -> None:
        while not self._stopping:
            self._wake.clear()
            self._start_probes()
            claimed = 0
            if len(self._ready) < self._low_water:
                try:
                    claimed = await self._claim()
                except Exception:  # a database busy for a moment: the next poll claims them
                    log.warning("claiming deliveries failed; trying again in %g s",
                                self.settings.poll_interval, exc_info=True)
            if claimed and self._more_due and len(self._ready) < self._low_water:
                continue
            try:
                async with asyncio.timeout(self.settings.poll_interval):
                    await self._wake.wait()
            except TimeoutError:
                pass

    def _room(self) -> tuple[list[str], dict[str, int]]:
        """Hosts not to claim for, and how many more rows each other busy host may take."""
        cap = 2 * self.settings.per_host
        exclude: list[str] = []
        room: dict[str, int] = {}
        hosts = set(self._ready.hosts()) | set(self._ready.busy_hosts()) | self._hosts.troubled()
        for host in hosts:
            held = self._ready.waiting(host) + self._ready.busy(host)
            left = 2 * self._limit(host) - held
            if left <= 0:
                exclude.append(host)
            elif left < cap:
                room[host] = left
        return exclude, room

    async def _claim(self) -> int:
        """Claim due rows up to the backlog, have them signed, hand them to the workers."""
        now = self._clock()
        exclude, room = self._room()
        limit = self._backlog - len(self._ready)
        rows = await self.store.claim(
            now=now,
            lock_until=now + self.settings.lock_seconds,
            limit=limit,
            per_host=2 * self.settings.per_host,
            exclude_hosts=exclude,
        )
        self._more_due = len(rows) >= limit
        self._capped = {h for h in exclude if self._limit(h) > 0}
        taken: dict[str, int] = {}
        extra: list[int] = []
        start: list[ClaimedDelivery] = []
        for row in rows:
            if row.id in self._claimed:
                continue  # already ours (its lock ran out while it waited): never send twice
            if self._limit(row.host) == 0:
                extra.append(row.id)  # its breaker opened while we were claiming
                continue
            if taken.get(row.host, 0) >= room.get(row.host, 2 * self.settings.per_host):
                extra.append(row.id)
                self._capped.add(row.host)
                continue
            taken[row.host] = taken.get(row.host, 0) + 1
            start.append(row)
        # A host that got its whole share may have more due rows than one claim takes.
        self._capped |= {h for h, n in taken.items() if n >= 2 * self.settings.per_host}
        if extra:
            await self.store.unlock(extra)
        jobs: list[tuple[ClaimedDelivery, bytes, tuple[str, PrivateKey]]] = []
        for row, found in zip(start, await self._material.for_rows(start), strict=True):
            if found is None:
                self._finish(row, status=None, error="the activity or its sender is gone", final=True)
                continue
            jobs.append((row, *found))
        loop = asyncio.get_running_loop()
        send_by = now + self.settings.timeout + _SEND_MARGIN
        for first in range(0, len(jobs), _SIGN_CHUNK):
            chunk = jobs[first : first + _SIGN_CHUNK]
            signed = loop.run_in_executor(
                self._signer, sign_chunk,
                [(row.inbox, body, key[0], key[1]) for row, body, key in chunk], datetime.now(UTC),
            )
            for index, (row, body, _key) in enumerate(chunk):
                if self._limit(row.host) == 0:
                    # Its breaker opened while the rows were read: give it back, do not hold it.
                    self._to_unlock.append(row.id)
                    self._flush_needed.set()
                    continue
                self._claimed.add(row.id)
                self._ready.add(row.host, Claimed(row, body, signed, index, send_by))
        self._wake_workers(len(jobs))
        return len(rows)

    def _give_back(self, host: str) -> None:
        """Unlock the waiting rows of a host we must not send to now (breaker open)."""
        for item in self._ready.drop(host):
            self._claimed.discard(item.row.id)
            self._to_unlock.append(item.row.id)
        self._flush_needed.set()

    # ---- sending -----------------------------------------------------------------------------

    def _wake_workers(self, n: int) -> None:
        while n > 0 and self._idle:
            waiter = self._idle.pop()
            if not waiter.done():
                waiter.set_result(None)
                n -= 1

    async def _work(self) -> None:
        """One worker: take the next host's next row, attempt it, repeat."""
        loop = asyncio.get_running_loop()
        while True:
            taken = self._ready.take(self._limit)
            if taken is None:
                waiter = loop.create_future()
                self._idle.append(waiter)
                await waiter
                continue
            host, item = taken
            if len(self._ready) < self._low_water and (self._more_due or host in self._capped):
                self._wake.set()
            try:
                if self._clock() > item.send_by:
                    # Waited so long its lock may end mid-attempt: let a later claim take it.
                    self._to_unlock.append(item.row.id)
                    self._flush_needed.set()
                else:
                    await self._attempt(item)
            finally:
                self._claimed.discard(item.row.id)
                self._ready.done(host)
                if self._idle and len(self._ready):
                    self._wake_workers(1)

    async def _attempt(self, item: Claimed) -> None:
        row = item.row
        try:
            pinned = await self._pinner.pin(row.inbox)
        except UnsafeAddress as exc:
            self._finish(row, status=None, error=f"unsafe inbox: {exc.reason} ({exc.detail})", final=True)
            return
        except FetchError as exc:
            self._finish(row, status=None, error=f"{exc.reason}: {exc.detail}"[:500])
            return
        headers = (await item.signed)[item.index]
        if isinstance(headers, str):
            self._finish(row, status=None, error=headers, final=True)
            return
        answer = await post(self.http, pinned, item.body, headers, self.settings.timeout)
        if isinstance(answer, str):
            self._finish(row, status=None, error=answer)
        else:
            self._finish(row, status=answer[0], retry_after=answer[1])

    def _finish(
        self,
        row: ClaimedDelivery,
        *,
        status: int | None,
        error: str | None = None,
        retry_after: str | None = None,
        final: bool = False,
    ) -> None:
        """Decide a row's next state and the host's health; buffer both for the flusher."""
        now = self._clock()
        attempt = row.attempts + 1
        if status is not None and (final or classify_status(status) is not Outcome.DELIVERED):
            error = f"HTTP {status}"
        state, next_at = next_state(
            self.settings.retry, attempt, status, retry_after, final, now, self._unit
        )
        self._results.append(DeliveryResult(row.id, state, attempt, next_at, status, error))
        if not final:
            host_answered = status is not None and classify_status(status) is not Outcome.RETRY
            self._host_result(row.host, row.inbox, now, None if host_answered else error)
        self._flush_needed.set()

    def _host_result(self, host: str, url: str, now: float, error: str | None) -> None:
        changed = self._hosts.record(host, url, now, error)
        if changed is not None:
            self._requeue(host)
        if error is not None and self._ready.waiting(host) and self._limit(host) == 0:
            # Unlocked before the flush skips the host's queued rows, in the same flush.
            self._give_back(host)

    def _set_health(self, health: HostHealth) -> None:
        self._hosts.put(health)
        self._requeue(health.host)

    def _requeue(self, host: str) -> None:
        if self._ready.waiting(host):
            # Its limit may have risen (breaker closed): more workers may take its rows.
            self._ready.requeue(host)
            self._wake_workers(self.settings.per_host)

    # ---- probing unavailable hosts -----------------------------------------------------------

    def _start_probes(self) -> None:
        for health in self._hosts.probes_due(self._clock(), self._probing):
            self._probing.add(health.host)
            task = asyncio.create_task(self._probe(health))
            self._probes.add(task)
            task.add_done_callback(self._probes.discard)

    async def _probe(self, health: HostHealth) -> None:
        """A GET of the host's NodeInfo links: any answer below 500 means it is back."""
        url = health.origin + "/.well-known/nodeinfo"
        try:
            error = await probe(self.http, self._pinner, url, self.settings.timeout)
        finally:
            self._probing.discard(health.host)
        if error is None:
            self._hosts.probed(health.host, self._clock())
            self._requeue(health.host)
            log.info("host %s answers again: delivering to it", health.host)
        else:
            self._host_result(health.host, url, self._clock(), error)
        self._flush_needed.set()
        self._wake.set()

    # ---- writing results ---------------------------------------------------------------------

    async def _flush_loop(self) -> None:
        while not self._stopping:
            await self._flush_needed.wait()
            if self._stopping:
                break
            if len(self._results) < _FLUSH_BATCH:
                await asyncio.sleep(self.settings.flush_interval)
            self._flush_needed.clear()
            try:
                await self.flush()
            except Exception:  # flush gave back what it took: the next round writes it
                log.warning("writing delivery results failed; trying again in %g s",
                            self.settings.poll_interval, exc_info=True)
                self._flush_needed.set()
                await asyncio.sleep(self.settings.poll_interval)

    async def flush(self) -> None:
        """Write buffered results and host health, and unlock rows given back, in one transaction."""
        # One flush at a time: when a caller's flush returns, whatever was buffered before it
        # was called is written, even if the flusher had taken it a moment earlier.
        async with self._flushing:
            results, self._results = self._results, []
            unlock, self._to_unlock = self._to_unlock, []
            try:
                revived = await write_results(self.store, self._hosts, self._clock, results, unlock)
            except BaseException:  # none of it was written: it goes with the next flush
                self._results[:0] = results
                self._to_unlock[:0] = unlock
                raise
        if revived:
            self.wake()
