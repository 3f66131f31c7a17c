"""What the pool engine leaves to the layers above it: two functions the shell hands in.

The engine knows one pool. Two things it carries out concern floods, which build on the engine
(node/floods), so the engine cannot call them by import: the app factory (node/app.py) stores
node/floods' functions under these keys (docs/ARCHITECTURE.md, "The pool engine and floods").
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from aiohttp import web

from governance import Proposal
from node.storage import ActorRecord, StoredProposal

__all__ = ["FLOOD_DISBURSEMENT", "FLOOD_LINK_EFFECT", "FloodDisbursement", "FloodLinkEffect"]

FloodLinkEffect = Callable[[web.Application, ActorRecord, StoredProposal, datetime], Awaitable[None]]
FloodDisbursement = Callable[[web.Application, ActorRecord, str], Awaitable[Proposal | None]]

FLOOD_LINK_EFFECT: web.AppKey[FloodLinkEffect] = web.AppKey("flood_link_effect")
"""Carries out a pool's passed JoinFlood or LeaveFlood proposal (the flood link):
``node.floods.decided``. Called by ``carry_out`` (node/pool_engine/effects.py)."""

FLOOD_DISBURSEMENT: web.AppKey[FloodDisbursement] = web.AppKey("flood_disbursement")
"""The passed flood disbursement a pool committed a share to, by proposal id, else None:
``node.floods.flood_disbursement``. A treasurer's payment against it is booked by
``record_request`` (node/pool_engine/ledger.py)."""
