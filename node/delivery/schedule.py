"""When to try a delivery again, and what an inbox's answer means (pure: no clock, no I/O).

Time and randomness are passed in: ``now`` is Unix seconds, ``unit`` a number in [0, 1).
"""

from __future__ import annotations

import email.utils
import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC

__all__ = [
    "Outcome",
    "RetryPolicy",
    "classify_status",
    "next_state",
    "parse_retry_after",
]

MAX_RETRY_AFTER = 24 * 3600.0
"""A Retry-After further away than a day is taken as a day: we never park a row longer."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Jittered exponential backoff: ``base * 2**(n-1)``, capped, ±``jitter``; ``attempts`` tries."""

    base: float = 30.0
    cap: float = 10 * 3600.0
    attempts: int = 15
    jitter: float = 0.2

    def delay(self, attempt: int, unit: float) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        raw = min(self.base * 2.0 ** (attempt - 1), self.cap)
        return raw * (1.0 - self.jitter + 2.0 * self.jitter * unit)

    def exhausted(self, attempt: int) -> bool:
        """Whether attempt number ``attempt`` was the last one."""
        return attempt >= self.attempts

    def nominal_schedule(self) -> list[float]:
        """The waits between attempts without jitter (for docs and operators)."""
        return [min(self.base * 2.0 ** (n - 1), self.cap) for n in range(1, self.attempts)]


class Outcome(enum.Enum):
    """What to do with a delivery after one attempt."""

    DELIVERED = "delivered"
    RETRY = "retry"
    FAILED = "failed"


def classify_status(status: int) -> Outcome:
    """2xx delivered; 408, 429 and 5xx retried; any other status is a permanent refusal."""
    if 200 <= status < 300:
        return Outcome.DELIVERED
    if status in (408, 429) or status >= 500:
        return Outcome.RETRY
    return Outcome.FAILED


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header: delay-seconds or an HTTP-date (RFC 9110 §10.2.3)."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return min(float(text), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        # RFC 9110 HTTP-dates are GMT; a zone-less parse means the date said so.
        when = when.replace(tzinfo=UTC)
    return min(max(when.timestamp() - now, 0.0), MAX_RETRY_AFTER)


def next_state(
    policy: RetryPolicy,
    attempt: int,
    status: int | None,
    retry_after: str | None,
    final: bool,
    now: float,
    unit: Callable[[], float],
) -> tuple[str, float]:
    """A row's state and next-attempt time after attempt number ``attempt`` (1-based).

    ``status`` is None when no answer came; ``final`` fails the row whatever the answer.
    A retry waits the policy's jittered delay, or longer when ``Retry-After`` asks for it.
    """
    outcome = classify_status(status) if status is not None else Outcome.RETRY
    if final:
        outcome = Outcome.FAILED
    if outcome is not Outcome.RETRY:
        return outcome.value, now
    if policy.exhausted(attempt):
        return "failed", now
    delay = policy.delay(attempt, unit())
    asked = parse_retry_after(retry_after, now)
    return "queued", now + max(delay, asked or 0.0)
