"""What the pool engine leaves to the layers above it: functions the shell hands in.

The engine knows one pool. Two things it carries out concern floods, which build on the engine
(node/floods), two concern budget rounds (node/budget) and one the asset register (node/assets),
so the engine cannot call them by import: the app factory (node/app.py) stores their functions under these keys
(docs/ARCHITECTURE.md, "The pool engine and floods").
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiohttp import web

from governance import Proposal
from node.storage import ActorRecord, StoredProposal

__all__ = [
    "BUDGET_COMMIT",
    "BUDGET_RESULT",
    "FLOOD_DISBURSEMENT",
    "FLOOD_LINK_EFFECT",
    "INVESTMENT_EFFECT",
    "BudgetCommit",
    "BudgetResultOf",
    "FloodDisbursement",
    "FloodLinkEffect",
    "InvestmentEffect",
]

FloodLinkEffect = Callable[[web.Application, ActorRecord, StoredProposal, datetime], Awaitable[None]]
FloodDisbursement = Callable[[web.Application, ActorRecord, str], Awaitable[Proposal | None]]

FLOOD_LINK_EFFECT: web.AppKey[FloodLinkEffect] = web.AppKey("flood_link_effect")
"""Carries out a pool's passed JoinFlood or LeaveFlood proposal (the flood link):
``node.floods.decided``. Called by ``carry_out`` (node/pool_engine/effects.py)."""

FLOOD_DISBURSEMENT: web.AppKey[FloodDisbursement] = web.AppKey("flood_disbursement")
"""The passed flood disbursement a pool committed a share to, by proposal id, else None:
``node.floods.flood_disbursement``. A treasurer's payment against it is booked by
``record_request`` (node/pool_engine/ledger.py)."""

BudgetResultOf = Callable[[web.Application, ActorRecord, StoredProposal, datetime],
                          Awaitable[tuple[str, dict[str, Any]]]]
BudgetCommit = Callable[[web.Application, ActorRecord, StoredProposal, datetime], Awaitable[None]]

BUDGET_RESULT: web.AppKey[BudgetResultOf] = web.AppKey("budget_result")
"""The final, pool-signed BudgetResult of a budget round closing, with its outcome ('passed'
when a bucket is funded): ``node.budget.final_result``. Called by the close
(node/pool_engine/closing.py) under the pool's lock, in place of a tally."""

BUDGET_COMMIT: web.AppKey[BudgetCommit] = web.AppKey("budget_commit")
"""Books the commitments of a closed round's funded buckets, each once, in the order they were
proposed; raises ``overdraft`` when the fund cannot cover the next one:
``node.budget.commit_buckets``. Called when the pool's queue of obligations serves the round
(node/pool_engine/obligations.py), as it serves a passed disbursement."""

InvestmentEffect = Callable[[web.Application, ActorRecord, StoredProposal, Proposal, datetime],
                            Awaitable[tuple[str, str | None]]]

INVESTMENT_EFFECT: web.AppKey[InvestmentEffect] = web.AppKey("investment_effect")
"""Takes a passed investment proposal's next step (open its capital call, register the asset
once it is paid, or give a cancelled call back): ``node.assets.investment.carry_on``, the effect
state it is in and its note. Called by ``carry_out`` (node/pool_engine/effects.py)."""
