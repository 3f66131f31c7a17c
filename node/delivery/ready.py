"""Claimed deliveries waiting for a worker, handed out one host after another (no I/O).

The workers take rows from here instead of getting a task each: a worker that finishes a
delivery takes the next one at once, and hosts take turns (round-robin, one row per turn)
so a host with many rows never starves the others. A host never has more rows in flight
than its limit, which the caller decides from its breaker (see ``node.delivery.breaker``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["ReadyRows"]

T = TypeVar("T")


class ReadyRows(Generic[T]):
    """Rows by host, and how many of each host's rows are in flight."""

    def __init__(self) -> None:
        self._rows: dict[str, deque[T]] = {}
        # Hosts that have rows and had room when last seen, each at most once, in turn order.
        self._turns: deque[str] = deque()
        self._queued: set[str] = set()
        self._busy: dict[str, int] = {}
        self._count = 0

    def __len__(self) -> int:
        """Rows waiting (not in flight)."""
        return self._count

    def waiting(self, host: str) -> int:
        """Rows of ``host`` waiting."""
        rows = self._rows.get(host)
        return len(rows) if rows else 0

    def busy(self, host: str) -> int:
        """Rows of ``host`` in flight."""
        return self._busy.get(host, 0)

    def busy_hosts(self) -> dict[str, int]:
        """Hosts with rows in flight, and how many."""
        return dict(self._busy)

    def hosts(self) -> list[str]:
        """Hosts with rows waiting."""
        return list(self._rows)

    def add(self, host: str, item: T) -> None:
        """Queue a row behind the host's other rows."""
        rows = self._rows.get(host)
        if rows is None:
            rows = self._rows[host] = deque()
        rows.append(item)
        self._count += 1
        self._queue(host)

    def take(self, limit: Callable[[str], int]) -> tuple[str, T] | None:
        """The next host's next row, counted in flight; None if no host has both rows and room."""
        while self._turns:
            host = self._turns.popleft()
            self._queued.discard(host)
            rows = self._rows.get(host)
            if not rows:
                continue
            busy = self._busy.get(host, 0)
            room = limit(host)
            if busy >= room:
                # Back in turn when one of its deliveries ends (``done``), or never while its
                # limit is 0 (the caller gives such rows back with ``drop``).
                continue
            item = rows.popleft()
            self._count -= 1
            if not rows:
                del self._rows[host]
            self._busy[host] = busy + 1
            if rows and busy + 1 < room:
                self._queue(host)
            return host, item
        return None

    def done(self, host: str) -> None:
        """A row of ``host`` is no longer in flight: its next row may take a turn."""
        busy = self._busy.get(host, 0) - 1
        if busy > 0:
            self._busy[host] = busy
        else:
            self._busy.pop(host, None)
        if host in self._rows:
            self._queue(host)

    def requeue(self, host: str) -> None:
        """Give ``host`` a turn again (its limit may have risen)."""
        if host in self._rows:
            self._queue(host)

    def drop(self, host: str) -> list[T]:
        """Remove and return every waiting row of ``host``."""
        rows = self._rows.pop(host, None)
        if not rows:
            return []
        self._count -= len(rows)
        return list(rows)

    def drop_all(self) -> list[T]:
        """Remove and return every waiting row."""
        out = [item for rows in self._rows.values() for item in rows]
        self._rows.clear()
        self._turns.clear()
        self._queued.clear()
        self._count = 0
        return out

    def _queue(self, host: str) -> None:
        if host not in self._queued:
            self._queued.add(host)
            self._turns.append(host)
