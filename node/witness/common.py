"""What the witness services share: the store, the limits, and sending to a pool that may be
local (a local pool gets the document handed to it, as its inbox would)."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from node.appkeys import DB
from node.storage import WitnessStore

__all__ = ["FUTURE_SKEW", "MAX_WITNESSES", "RESTATE_AFTER", "witnesses"]

MAX_WITNESSES = 100
"""A pool keeps the attestations of at most this many witnesses (its flood peers and the pools
whose stewards chose to witness it); another witness's first attestation is refused."""
RESTATE_AFTER = timedelta(days=1)
"""A witness whose check finds the head unchanged signs it again only when its latest
attestation is older than this (or the exchange period, if that is longer)."""
FUTURE_SKEW = timedelta(minutes=5)
"""How far in the future (by our clock) a received document's ``published`` may lie."""


def witnesses(app: web.Application) -> WitnessStore:
    """The witness queries over the app's database (stateless, so built on demand)."""
    return WitnessStore(app[DB])
