"""The delivery workers: claim due rows, sign and POST them, write results back in batches.

One dispatcher task claims rows (locked in the database, so a row in flight when the
process dies is sent again after a restart) and starts one task per delivery, at most
``workers`` at once and ``per_host`` per host; hosts whose breaker is open are not claimed,
so a dead peer holds at most ``per_host`` slots and never slows delivery to healthy ones.
Results go to a buffer that a flusher writes in one transaction per batch.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

import aiohttp

from federation.errors import FetchError, UnsafeAddress
from federation.httpsig import PrivateKey, sign_request
from federation.keys import load_private_key_pem
from federation.pinning import AddressPinner, Resolver, system_resolver
from node.delivery.breaker import BreakerPolicy, BreakerState, HostHealth
from node.delivery.schedule import Outcome, RetryPolicy, classify_status, parse_retry_after
from node.storage import ActorStore, ClaimedDelivery, DeliveryResult, DeliveryStore

__all__ = ["USER_AGENT", "DeliveryQueue", "DeliverySettings"]

log = logging.getLogger("poolnode.delivery")

USER_AGENT = "poolnode/0.1 (+https://codeberg.org/poolnode)"
CONTENT_TYPE = "application/activity+json"
_FLUSH_BATCH = 256
_BODY_CACHE = 256
_DNS_TTL = 60.0


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    """How hard and how often the workers try."""

    workers: int = 32
    per_host: int = 4
    timeout: float = 30.0
    poll_interval: float = 1.0
    flush_interval: float = 0.05
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    breaker: BreakerPolicy = field(default_factory=BreakerPolicy)
    allow_private_addresses: bool = False

    @property
    def lock_seconds(self) -> float:
        """How long a claimed row stays locked: well past the longest attempt."""
        return 2 * self.timeout + 60.0


class DeliveryQueue:
    """The running delivery workers of one node."""

    def __init__(
        self,
        store: DeliveryStore,
        actors: ActorStore,
        session: aiohttp.ClientSession,
        settings: DeliverySettings,
        *,
        clock: Callable[[], float] = time.time,
        unit: Callable[[], float] = random.random,
        resolver: Resolver = system_resolver,
    ) -> None:
        self.store = store
        self.actors = actors
        self.session = session
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
        self._health: dict[str, HostHealth] = {}
        self._in_flight: dict[str, int] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._probing: set[str] = set()
        # Hosts the inbox should report when they send us something (see needs_revival).
        self._tripped: set[str] = set()
        self._results: list[DeliveryResult] = []
        self._dirty: dict[str, HostHealth] = {}
        self._to_skip: set[str] = set()
        self._wake = asyncio.Event()
        self._flush_needed = asyncio.Event()
        self._bodies: OrderedDict[int, tuple[int, bytes]] = OrderedDict()
        self._keys: dict[int, tuple[str, PrivateKey]] = {}
        self._runners: list[asyncio.Task[None]] = []
        self._stopping = False
        # RSA signing releases the GIL: signing in threads overlaps it with the event loop's
        # HTTP work, which is what a fan-out to many followers spends its time on.
        self._signer = ThreadPoolExecutor(max_workers=2, thread_name_prefix="delivery-sign")

    # ---- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Unlock rows a dead process left in flight, load host health, start the tasks."""
        released = await self.store.release_locks()
        if released:
            log.info("resuming %d deliveries that were in flight when the node stopped", released)
        for record in await self.store.hosts():
            self._health[record.host] = health = HostHealth.of(record)
            self._note_tripped(health)
        self._runners = [
            asyncio.create_task(self._dispatch(), name="delivery-dispatch"),
            asyncio.create_task(self._flush_loop(), name="delivery-flush"),
        ]

    async def stop(self) -> None:
        """Stop claiming, cancel attempts in flight (their rows stay locked), write results."""
        # The dispatcher and flusher are asked to stop, not cancelled: a cancellation
        # landing inside a database transaction would leave the connection mid-transaction.
        self._stopping = True
        self._wake.set()
        self._flush_needed.set()
        await asyncio.gather(*self._runners)
        attempts = list(self._tasks)
        for task in attempts:
            task.cancel()
        await asyncio.gather(*attempts, return_exceptions=True)
        await self.flush()
        self._signer.shutdown(wait=False)

    def wake(self) -> None:
        """New rows are due: claim now rather than at the next poll."""
        self._wake.set()

    def is_unavailable(self, host: str) -> bool:
        """Whether a host is marked unavailable (new deliveries to it are skipped)."""
        health = self._health.get(host)
        return health is not None and health.unavailable

    def health(self, host: str) -> HostHealth | None:
        """What the workers know of a host."""
        return self._health.get(host)

    def needs_revival(self, host: str) -> bool:
        """Whether the host is unavailable or its breaker is not closed (a set lookup)."""
        return host in self._tripped

    def mark_alive(self, host: str) -> None:
        """The host answered (e.g. it delivered to our inbox): close its breaker."""
        health = self._health.get(host)
        if health is None or (health.consecutive_failures == 0 and not health.unavailable):
            return
        self._set_health(health.succeeded(self._clock()))
        self._flush_needed.set()
        self.wake()

    # ---- claiming ----------------------------------------------------------------------------

    async def _dispatch(self) -> None:
        while not self._stopping:
            self._wake.clear()
            self._start_probes()
            started = await self._claim_and_start()
            free = self.settings.workers - len(self._tasks)
            if started and free >= max(1, self.settings.workers // 4):
                continue
            if started:
                # Let several attempts finish before the next claim: one database round trip
                # per batch of free slots, not one per finished delivery.
                await asyncio.sleep(0.005)
                continue
            try:
                async with asyncio.timeout(self.settings.poll_interval):
                    await self._wake.wait()
            except TimeoutError:
                pass

    def _room(self, now: float) -> tuple[list[str], dict[str, int]]:
        """Hosts not to claim for, and how many more each other busy host may take."""
        per_host = self.settings.per_host
        exclude: list[str] = []
        room: dict[str, int] = {}
        for host in set(self._health) | set(self._in_flight):
            busy = self._in_flight.get(host, 0)
            health = self._health.get(host)
            state = health.state(self.settings.breaker, now) if health else BreakerState.CLOSED
            limit = per_host
            if state is BreakerState.OPEN or (health is not None and health.unavailable):
                limit = 0
            elif state is BreakerState.HALF_OPEN:
                limit = 1
            if busy >= limit:
                exclude.append(host)
            elif limit - busy < per_host:
                room[host] = limit - busy
        return exclude, room

    async def _claim_and_start(self) -> int:
        free = self.settings.workers - len(self._tasks)
        if free <= 0:
            return 0
        now = self._clock()
        exclude, room = self._room(now)
        rows = await self.store.claim(
            now=now,
            lock_until=now + self.settings.lock_seconds,
            limit=free,
            per_host=self.settings.per_host,
            exclude_hosts=exclude,
        )
        taken: dict[str, int] = {}
        extra: list[int] = []
        start: list[ClaimedDelivery] = []
        for row in rows:
            if taken.get(row.host, 0) >= room.get(row.host, self.settings.per_host):
                extra.append(row.id)
                continue
            taken[row.host] = taken.get(row.host, 0) + 1
            start.append(row)
        if extra:
            await self.store.unlock(extra)
        missing = [r.activity_id for r in start if r.activity_id not in self._bodies]
        if missing:
            for activity_id, found in (await self.store.bodies(missing)).items():
                self._remember_body(activity_id, found)
        for row in start:
            self._in_flight[row.host] = self._in_flight.get(row.host, 0) + 1
            task = asyncio.create_task(self._deliver(row, self._bodies.get(row.activity_id)))
            self._tasks.add(task)
        return len(start)

    def _remember_body(self, activity_id: int, found: tuple[int, bytes]) -> None:
        self._bodies[activity_id] = found
        self._bodies.move_to_end(activity_id)
        while len(self._bodies) > _BODY_CACHE:
            self._bodies.popitem(last=False)

    # ---- sending -----------------------------------------------------------------------------

    async def _key_of(self, sender_id: int) -> tuple[str, PrivateKey] | None:
        found = self._keys.get(sender_id)
        if found is None:
            actor = await self.actors.by_id(sender_id)
            if actor is None:
                return None
            found = self._keys[sender_id] = (actor.key_id, load_private_key_pem(actor.rsa_private_pem))
        return found

    async def _deliver(self, row: ClaimedDelivery, stored: tuple[int, bytes] | None) -> None:
        task = asyncio.current_task()
        try:
            await self._attempt(row, stored)
        finally:
            self._in_flight[row.host] -= 1
            if not self._in_flight[row.host]:
                del self._in_flight[row.host]
            if task is not None:
                self._tasks.discard(task)
            self._wake.set()

    async def _attempt(self, row: ClaimedDelivery, stored: tuple[int, bytes] | None) -> None:
        key = await self._key_of(stored[0]) if stored is not None else None
        if stored is None or key is None:
            self._finish(row, status=None, error="the activity or its sender is gone", final=True)
            return
        body = stored[1]
        try:
            pinned = await self._pinner.pin(row.inbox)
        except UnsafeAddress as exc:
            self._finish(row, status=None, error=f"unsafe inbox: {exc.reason} ({exc.detail})", final=True)
            return
        except FetchError as exc:
            self._finish(row, status=None, error=f"{exc.reason}: {exc.detail}"[:500])
            return
        headers = await asyncio.get_running_loop().run_in_executor(
            self._signer, sign_request, "POST", row.inbox, body, key[0], key[1], datetime.now(UTC)
        )
        # sign_request's Host header names the inbox's host, not the pinned address.
        headers["Content-Type"] = CONTENT_TYPE
        headers["User-Agent"] = USER_AGENT
        try:
            async with asyncio.timeout(self.settings.timeout):
                async with self.session.post(
                    pinned.url,
                    data=body,
                    headers=headers,
                    allow_redirects=False,
                    server_hostname=pinned.server_hostname,
                ) as resp:
                    await resp.read()
                    status, retry_after = resp.status, resp.headers.get("Retry-After")
        except TimeoutError:
            self._finish(row, status=None, error="timed out")
        except (aiohttp.ClientError, OSError) as exc:
            self._finish(row, status=None, error=f"{type(exc).__name__}: {exc}"[:500])
        else:
            self._finish(row, status=status, retry_after=retry_after)

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
        outcome = classify_status(status) if status is not None else Outcome.RETRY
        if final:
            outcome = Outcome.FAILED
        if status is not None and outcome is not Outcome.DELIVERED:
            error = f"HTTP {status}"
        next_at = now
        state = outcome.value
        if outcome is Outcome.RETRY:
            if self.settings.retry.exhausted(attempt):
                state = "failed"
            else:
                state = "queued"
                delay = self.settings.retry.delay(attempt, self._unit())
                asked = parse_retry_after(retry_after, now)
                next_at = now + max(delay, asked or 0.0)
        self._results.append(DeliveryResult(row.id, state, attempt, next_at, status, error))
        if not final:
            host_answered = status is not None and classify_status(status) is not Outcome.RETRY
            self._host_result(row.host, row.inbox, now, None if host_answered else error)
        self._flush_needed.set()

    def _host_result(self, host: str, url: str, now: float, error: str | None) -> None:
        health = self._health.get(host)
        if health is None:
            parts = url.split("/", 3)
            health = HostHealth(host=host, origin="/".join(parts[:3]))
        if error is None:
            if health.consecutive_failures or health.unavailable or health.last_success_at is None:
                self._set_health(health.succeeded(now))
            return
        was_unavailable = health.unavailable
        health = health.failed(self.settings.breaker, now, error)
        self._set_health(health)
        if health.unavailable and not was_unavailable:
            log.warning("host %s has failed for too long: marked unavailable", host)
            self._to_skip.add(host)

    def _set_health(self, health: HostHealth) -> None:
        self._health[health.host] = health
        self._dirty[health.host] = health
        self._note_tripped(health)

    def _note_tripped(self, health: HostHealth) -> None:
        if health.unavailable or health.consecutive_failures >= self.settings.breaker.threshold:
            self._tripped.add(health.host)
        else:
            self._tripped.discard(health.host)

    # ---- probing unavailable hosts -----------------------------------------------------------

    def _start_probes(self) -> None:
        now = self._clock()
        for host, health in self._health.items():
            if (
                health.unavailable
                and host not in self._probing
                and health.state(self.settings.breaker, now) is BreakerState.HALF_OPEN
            ):
                self._probing.add(host)
                task = asyncio.create_task(self._probe(health))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def _probe(self, health: HostHealth) -> None:
        """A GET of the host's NodeInfo links: any answer below 500 means it is back."""
        url = health.origin + "/.well-known/nodeinfo"
        error: str | None = None
        try:
            pinned = await self._pinner.pin(url)
            async with asyncio.timeout(self.settings.timeout):
                async with self.session.get(
                    pinned.url,
                    headers={"Host": pinned.host_header},
                    allow_redirects=False,
                    server_hostname=pinned.server_hostname,
                ) as resp:
                    if resp.status >= 500:
                        error = f"HTTP {resp.status}"
        except FetchError as exc:
            error = f"{exc.reason}: {exc.detail}"[:500]
        except TimeoutError:
            error = "timed out"
        except (aiohttp.ClientError, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        finally:
            self._probing.discard(health.host)
        self._host_result(health.host, url, self._clock(), error)
        if error is None:
            log.info("host %s answers again: delivering to it", health.host)
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
            await self.flush()

    async def flush(self) -> None:
        """Write buffered results and host health in one transaction."""
        results, self._results = self._results, []
        hosts, self._dirty = list(self._dirty.values()), {}
        skip, self._to_skip = self._to_skip, set()
        await self.store.record(results, hosts, self._clock())
        for host in skip:
            skipped = await self.store.skip_host(host, self._clock())
            log.warning("skipped %d queued deliveries to unavailable host %s", skipped, host)
