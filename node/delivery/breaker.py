"""Per-host circuit breaker and availability, as plain data and pure transitions.

closed: deliveries flow (at most the per-host concurrency). After ``threshold`` consecutive
failures the breaker opens for ``cooldown`` seconds: nothing is sent to the host. Then it is
half-open: a GET of its NodeInfo probes it (and one delivery may go through); success closes
it, failure opens it again. Any sign of the host being back (an inbound activity, a fetch it
answers, a probe) closes it at once and makes its waiting deliveries due.
A host that has not answered for ``unavailable_after`` seconds is unavailable: its queued
deliveries are skipped, new ones are not queued, and only a probe every ``cooldown`` (or an
inbound activity from it) can bring it back.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, fields, replace

from node.storage.deliveries import HostRecord

__all__ = ["BreakerPolicy", "BreakerState", "HostHealth"]


class BreakerState(enum.Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


@dataclass(frozen=True, slots=True)
class BreakerPolicy:
    """Thresholds of the breaker, in failures and seconds."""

    threshold: int = 10
    cooldown: float = 30.0
    unavailable_after: float = 2 * 86400.0


@dataclass(frozen=True, slots=True)
class HostHealth(HostRecord):
    """What we know of one host's recent answers, with the breaker's transitions."""

    @classmethod
    def of(cls, record: HostRecord) -> HostHealth:
        """The health of a stored host."""
        return cls(**{f.name: getattr(record, f.name) for f in fields(HostRecord)})

    def state(self, policy: BreakerPolicy, now: float) -> BreakerState:
        """The breaker's state at ``now``."""
        if not self.unavailable and self.consecutive_failures < policy.threshold:
            return BreakerState.CLOSED
        if self.open_until is not None and now < self.open_until:
            return BreakerState.OPEN
        return BreakerState.HALF_OPEN

    def succeeded(self, now: float) -> HostHealth:
        """The host answered: close the breaker and forget the failures."""
        return replace(
            self, consecutive_failures=0, failing_since=None, last_success_at=now,
            open_until=None, unavailable=False, last_error=None,
        )

    def probed(self, now: float) -> HostHealth:
        """A probe was answered: an unavailable host is available again; an open breaker closes,
        but the run of failures keeps its start, so an inbox that keeps failing behind a
        NodeInfo that answers still ends unavailable."""
        if self.unavailable:
            return self.succeeded(now)
        return replace(self, consecutive_failures=0, open_until=None)

    def failed(self, policy: BreakerPolicy, now: float, error: str) -> HostHealth:
        """The host did not answer usefully: count it, open the breaker or mark it unavailable."""
        failures = self.consecutive_failures + 1
        since = self.failing_since if self.failing_since is not None else now
        unavailable = self.unavailable or now - since >= policy.unavailable_after
        open_until = self.open_until
        if unavailable or failures >= policy.threshold:
            open_until = now + policy.cooldown
        return replace(
            self, consecutive_failures=failures, failing_since=since, open_until=open_until,
            unavailable=unavailable, last_error=error[:500],
        )
