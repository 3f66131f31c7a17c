"""A surplus distribution on the web: the proposal form's fields, the split shown before it is
proposed, and the split on the proposal's page (docs/GOVERNANCE.md, "Shares and surplus in the
node")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from governance import Bylaws, GovernanceError, Proposal, SurplusDistribution
from governance.money import parse_amount
from node.pool_engine.common import roster_of
from node.pool_engine.surplus import distribution
from node.storage import ActorRecord
from node.web.i18n import gettext as _
from node.web.names import Names
from node.web.refusals import amount_problem, refusal
from node.wire.surplus import SurplusDraft

__all__ = ["SplitRow", "split_rows", "surplus_draft"]


@dataclass(frozen=True, slots=True)
class SplitRow:
    """One member's line of a split: their measure and their share (minor units)."""

    person: str
    name: str
    measure: int
    share: int


async def split_rows(app: web.Application, motion: SurplusDistribution) -> list[SplitRow]:
    """Every listed member's measure and share, by name."""
    names = Names(app)
    shares = motion.split()
    rows = [SplitRow(p, await names.of(p), m, shares.get(p, 0)) for p, m in motion.measures]
    return sorted(rows, key=lambda r: r.name.casefold())


def _amount(values: dict[str, str], field: str, currency: str, errors: dict[str, str]) -> int:
    if not values[field]:
        return 0
    try:
        return parse_amount(values[field], currency)
    except GovernanceError as exc:
        errors[field] = amount_problem(values[field], exc, currency)
        return 0


async def surplus_draft(
    request: web.Request, pool: ActorRecord, bylaws: Bylaws, form: MultiDictProxy[Any],
    values: dict[str, str], errors: dict[str, str],
) -> tuple[dict[str, Any], list[SplitRow]]:
    """The draft of a distribution, and the split the member sees before proposing it: until
    they confirm it (``split_seen``) the form comes back with the split and nothing is posted."""
    amount = _amount(values, "amount", bylaws.currency, errors)
    reserve = _amount(values, "reserve", bylaws.currency, errors)
    draft = {"surplus": amount, "reserve": reserve, "currency": bylaws.currency,
             "purpose": values["text"]}
    if errors:
        return draft, []
    if not amount and not reserve:
        errors["amount"] = _("Give the amount to share among the members, the amount to put "
                             "into reserves, or both.")
        return draft, []
    roster, _bylaws, ledger = await roster_of(request.app, pool)
    asked = SurplusDraft(amount, reserve, bylaws.currency, values["text"][:500], "general")
    try:
        motion = await distribution(request.app, pool, asked, roster, ledger, datetime.now(UTC))
    except GovernanceError as exc:
        errors["amount"] = refusal(exc)
        return draft, []
    rows = await split_rows(request.app, motion)
    if form.get("split_seen") != "yes":
        values["split_seen"] = "ask"
        errors["split"] = _("Check each member's share below, then tick \u201cPropose this "
                            "split\u201d. The pool freezes the measures as the proposal opens.")
    return draft, rows


async def proposal_split(app: web.Application, proposal: Proposal) -> list[SplitRow] | None:
    """The split of a distribution for its page (None for any other kind)."""
    motion = proposal.motion
    return await split_rows(app, motion) if isinstance(motion, SurplusDistribution) else None


__all__ += ["proposal_split"]
