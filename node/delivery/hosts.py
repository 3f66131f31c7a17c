"""What the delivery workers know of each receiving host, and what changed since the last flush.

Each host has a ``HostHealth`` (``node.delivery.breaker``): its run of failures, whether its
breaker is open, and whether it has failed for so long that it is marked unavailable. The
queue asks how many deliveries a host may have in flight, records every attempt's outcome
here, and takes the changed records (and the hosts newly marked unavailable, whose queued
rows are to be skipped) when it writes its results.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from node.delivery.breaker import BreakerPolicy, BreakerState, HostHealth
from node.storage import HostRecord

__all__ = ["HostBook"]

log = logging.getLogger("poolnode.delivery")


class HostBook:
    """The health of every host the node delivers to, kept in memory and written in batches."""

    def __init__(self, breaker: BreakerPolicy, per_host: int, clock: Callable[[], float]) -> None:
        self._breaker = breaker
        self._per_host = per_host
        self._clock = clock
        self._health: dict[str, HostHealth] = {}
        # Hosts the inbox should report when they send us something (see ``needs_revival``).
        self._tripped: set[str] = set()
        self._dirty: dict[str, HostHealth] = {}
        self._to_skip: set[str] = set()
        # Hosts that answered again after failing: their waiting rows are made due at once.
        self._revived: set[str] = set()
        # Hosts failing below the threshold, and the run of failures (its start) already hastened.
        self._failing: set[str] = set()
        self._hastened: dict[str, float | None] = {}

    def load(self, records: Iterable[HostRecord]) -> None:
        """Take the stored health of each host (at start-up)."""
        for record in records:
            health = self._health[record.host] = HostHealth.of(record)
            self._note_tripped(health)

    def get(self, host: str) -> HostHealth | None:
        """What is known of ``host``, if anything."""
        return self._health.get(host)

    def limit(self, host: str) -> int:
        """How many deliveries to ``host`` may be in flight now, from its breaker."""
        health = self._health.get(host)
        if health is None:
            return self._per_host
        if health.unavailable:
            return 0
        state = health.state(self._breaker, self._clock())
        if state is BreakerState.OPEN:
            return 0
        return 1 if state is BreakerState.HALF_OPEN else self._per_host

    def is_unavailable(self, host: str) -> bool:
        """Whether a host is marked unavailable (new deliveries to it are skipped)."""
        health = self._health.get(host)
        return health is not None and health.unavailable

    def needs_revival(self, host: str) -> bool:
        """Whether the host has failed since its last success, so that a sign of it being up
        matters (a set lookup)."""
        return host in self._tripped or host in self._failing

    def is_tripped(self, host: str) -> bool:
        """Whether the host is unavailable or its breaker has opened."""
        return host in self._tripped

    def hasten_once(self, host: str) -> bool:
        """A host failing below the threshold was seen up: make its waiting rows due now, once
        per run of failures. Its count is kept, so a peer whose outbox works while its inbox
        fails still trips the breaker; whether any rows were marked."""
        health = self._health.get(host)
        if health is None or host not in self._failing or self._hastened.get(host) == health.failing_since:
            return False
        self._hastened[host] = health.failing_since
        self._revived.add(host)
        return True

    def troubled(self) -> set[str]:
        """Hosts with a failure since their last success, or marked unavailable."""
        return {h for h, health in self._health.items()
                if health.consecutive_failures or health.unavailable}

    def probes_due(self, now: float, probing: set[str]) -> list[HostHealth]:
        """Hosts whose breaker is open (or that are unavailable) and due a probe: after each
        cooldown a GET tells whether they are back, whether or not a delivery to them is due
        (a row waiting out its retry back-off would otherwise keep the breaker open)."""
        return [
            self._health[host] for host in self._tripped
            if host not in probing and host in self._health
            and self._health[host].state(self._breaker, now) is BreakerState.HALF_OPEN
        ]

    def put(self, health: HostHealth) -> None:
        """Replace a host's health; it is written with the next flush."""
        before = self._health.get(health.host)
        if before is not None and before.consecutive_failures and not health.consecutive_failures:
            self._revived.add(health.host)
        self._health[health.host] = health
        self._dirty[health.host] = health
        self._note_tripped(health)

    def record(self, host: str, url: str, now: float, error: str | None) -> HostHealth | None:
        """Note the outcome of a request to ``url`` (None: the host answered).

        Returns the host's new health when it changed, else None. A host newly marked
        unavailable is logged and its queued rows are to be skipped at the next flush.
        """
        health = self._health.get(host)
        if health is None:
            health = HostHealth(host=host, origin="/".join(url.split("/", 3)[:3]))
        if error is None:
            if health.consecutive_failures or health.unavailable or health.last_success_at is None:
                self.put(health := health.succeeded(now))
                return health
            return None
        was_unavailable = health.unavailable
        self.put(health := health.failed(self._breaker, now, error))
        if health.unavailable and not was_unavailable:
            log.warning("host %s has failed for too long: marked unavailable", host)
            self._to_skip.add(host)
        return health

    def probed(self, host: str, now: float) -> None:
        """A probe of ``host`` was answered (see ``HostHealth.probed``)."""
        health = self._health.get(host)
        if health is not None:
            self.put(health.probed(now))

    def take_changes(self) -> tuple[list[HostHealth], set[str]]:
        """The records changed since the last call, and the hosts whose queued rows to skip."""
        hosts, self._dirty = list(self._dirty.values()), {}
        skip, self._to_skip = self._to_skip, set()
        return hosts, skip

    def give_back(self, hosts: list[HostHealth], skip: set[str], revived: set[str]) -> None:
        """Changes taken by ``take_changes``/``take_revived`` that could not be written: they
        go with the next flush (a record changed since is newer and stays)."""
        for health in hosts:
            self._dirty.setdefault(health.host, self._health.get(health.host, health))
        self._to_skip |= skip
        self._revived |= revived

    def take_revived(self) -> set[str]:
        """Hosts that answered again after failing since the last call (rows to make due)."""
        revived, self._revived = self._revived, set()
        return revived

    def _note_tripped(self, health: HostHealth) -> None:
        if health.unavailable or health.consecutive_failures >= self._breaker.threshold:
            self._tripped.add(health.host)
        else:
            self._tripped.discard(health.host)
        if health.consecutive_failures and health.host not in self._tripped:
            self._failing.add(health.host)
        else:
            self._failing.discard(health.host)
            self._hastened.pop(health.host, None)
