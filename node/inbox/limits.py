"""Rate limits on the inboxes: per client address, then per verified sender.

The address limit is checked first, before the body is parsed or a signature verified,
so a flood from one address costs one dictionary lookup a request. The sender limit
needs the verified key owner, so it is checked right after verification, before
anything is stored. A refused request stores nothing and is answered 429 with
``Retry-After`` (docs/FEDERATION.md, "Rate limits").

A forwarded activity (signed by another server than its actor's, node/inbox/forwarded.py)
passes two more buckets, per forwarding server and per origin it makes us ask, and at most
:data:`CHECKS_AT_ONCE` origin checks run at once in a process: a stranger's POST costs us a
GET to a third server only at a bounded rate, so forwarding cannot turn us into a flood.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from node.client_address import limit_key
from node.config import Config
from node.errors import RateLimited
from node.ratelimit import TokenBuckets

__all__ = ["CHECKS_AT_ONCE", "FORWARDED_PER_MINUTE", "InboxLimits"]

FORWARDED_PER_MINUTE = (60, 120)
"""Forwarded activities a minute (rate, burst) from one forwarding server."""
ORIGIN_CHECKS_PER_MINUTE = (120, 240)
"""Origin checks a minute (rate, burst) sent to one origin (scheme, host and port)."""
CHECKS_AT_ONCE = 4
"""Origin checks of forwarded activities in flight at once; one more is answered 429."""


@dataclass(slots=True)
class InboxLimits:
    """The two sets of token buckets every inbox POST passes."""

    by_address: TokenBuckets
    by_sender: TokenBuckets
    by_forwarder: TokenBuckets = field(default_factory=lambda: TokenBuckets(*FORWARDED_PER_MINUTE))
    by_origin: TokenBuckets = field(default_factory=lambda: TokenBuckets(*ORIGIN_CHECKS_PER_MINUTE))
    checks_in_flight: int = 0

    @classmethod
    def from_config(cls, config: Config) -> InboxLimits:
        """Buckets sized by ``inbox_address_*`` and ``inbox_sender_*`` in poolnode.toml."""
        return cls(
            TokenBuckets(config.inbox_address_rate, config.inbox_address_burst),
            TokenBuckets(config.inbox_sender_rate, config.inbox_sender_burst),
        )

    def check_address(self, address: str) -> None:
        """429 if the client's address (node.client_address) sent too many requests lately."""
        self.by_address.check(limit_key(address), "too many requests from this address")

    def check_sender(self, actor: str) -> None:
        """429 if this verified sender sent too many activities lately."""
        self.by_sender.check(actor, "too many activities from this sender")

    def check_forwarder(self, signer: str) -> None:
        """429 if this server forwarded too many activities lately."""
        self.by_forwarder.check(signer, "too many forwarded activities from this sender")

    @asynccontextmanager
    async def origin_check(self, origin: str) -> AsyncIterator[None]:
        """Hold one of the :data:`CHECKS_AT_ONCE` slots for a GET to ``origin``; 429 if the
        origin was asked too often lately or every slot is taken."""
        if self.checks_in_flight >= CHECKS_AT_ONCE:
            raise RateLimited("too many forwarded activities are being checked now; retry later",
                              retry_after=5)
        self.by_origin.check(origin, "this origin was asked to confirm too many forwarded activities")
        self.checks_in_flight += 1
        try:
            yield
        finally:
            self.checks_in_flight -= 1
