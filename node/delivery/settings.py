"""How hard and how often the delivery workers try: the settings the queue is built with."""

from __future__ import annotations

from dataclasses import dataclass, field

from node.delivery.breaker import BreakerPolicy
from node.delivery.schedule import RetryPolicy

__all__ = ["DeliverySettings"]


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
