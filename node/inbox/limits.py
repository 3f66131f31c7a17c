"""Rate limits on the inboxes: per client address, then per verified sender.

The address limit is checked first, before the body is parsed or a signature verified,
so a flood from one address costs one dictionary lookup a request. The sender limit
needs the verified key owner, so it is checked right after verification, before
anything is stored. A refused request stores nothing and is answered 429 with
``Retry-After`` (docs/FEDERATION.md, "Rate limits").
"""

from __future__ import annotations

from dataclasses import dataclass

from node.client_address import limit_key
from node.config import Config
from node.ratelimit import TokenBuckets

__all__ = ["InboxLimits"]


@dataclass(slots=True)
class InboxLimits:
    """The two sets of token buckets every inbox POST passes."""

    by_address: TokenBuckets
    by_sender: TokenBuckets

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
