"""A budget round in the browser: its buckets with their funding, proposing a bucket, allocating.

Every action is the member's own C2S activity (``post_as``): a ``Bucket`` draft or an
``Allocation`` the node signs with their key, which the pool takes exactly as from any other
client (docs/PROTOCOL.md §Budget rounds). A mistake comes back beside its field, with what was
typed kept, and nothing is posted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from governance import (
    Budget,
    BudgetRound,
    GovernanceError,
    Proposal,
)
from governance.bylaws import BucketProposers
from governance.money import minor_units, parse_amount
from node.budget import buckets, budget_of
from node.errors import Forbidden, NodeError, NotFound
from node.pool_engine.common import store
from node.storage import ActorRecord, StoredProposal
from node.web.discussion import proposal_thread
from node.web.formats import money_input
from node.web.i18n import gettext as _
from node.web.localise import money
from node.web.names import Names
from node.web.outbox import post_as
from node.web.pools import _pool, require_record, viewer_membership
from node.web.refusals import amount_problem, refusal
from node.web.render import render
from node.web.sessions import require_user

__all__ = ["round_page", "routes"]

routes = web.RouteTableDef()
_KEY = r"{key:[0-9a-f-]{36}}"
_ROUND = r"/pools/{name:[a-z0-9_]+}/proposals/" + _KEY
_BUCKET_FIELDS = ("title", "description", "min_goal", "max_goal")


def _status(exc: Exception) -> int:
    """The 4xx of a refusal from the pool (the node's errors or the core's)."""
    status = getattr(exc, "status", None) or getattr(exc, "status_hint", None)
    return status if isinstance(status, int) and 400 <= status < 500 else 422


@dataclass(frozen=True, slots=True)
class BucketView:
    """A bucket as the round page shows it (money in minor units)."""

    number: int
    id: str
    title: str
    description: str
    proposer: str
    min_goal: int
    max_goal: int
    allocated: int
    funded: int
    mine: int

    @property
    def field(self) -> str:
        """The allocation form's field for this bucket."""
        return f"give-{self.number}"

    @property
    def reached(self) -> bool:
        """Whether the allocations reach the minimum (it would be funded if the round closed now)."""
        return self.allocated >= self.min_goal

    @property
    def shown(self) -> int:
        """How full the bar is: what it received, up to its maximum."""
        return min(self.allocated, self.max_goal)


async def _round(request: web.Request, name: str, key: str) -> tuple[ActorRecord, StoredProposal]:
    pool = await _pool(request, name)
    stored = await store(request.app).proposal(f"{pool.uri}/proposals/{key}")
    if stored is None or stored.kind != "budget_round":
        raise NotFound(_("There is no such budget round in this pool."))
    return pool, stored


async def _views(request: web.Request, budget: Budget, person: str | None) -> list[BucketView]:
    names = Names(request.app)
    result = budget.result()
    totals, funded = dict(result.totals), dict(result.funded)
    counted = budget.counted.get(person) if person is not None else None
    mine = dict(counted.amounts) if counted is not None else {}
    return [
        BucketView(number, bucket.id, bucket.title, bucket.description,
                   await names.of(bucket.proposer), bucket.min_goal, bucket.max_goal,
                   totals.get(bucket.id, 0), funded.get(bucket.id, 0), mine.get(bucket.id, 0))
        for number, bucket in enumerate(budget.buckets.values(), start=1)
    ]


async def _who_gave(request: web.Request, budget: Budget) -> list[tuple[str, str, int]]:
    """(member, bucket title, amount) of every counted allocation, by member then bucket."""
    names = Names(request.app)
    rows = []
    for person, allocation in sorted(budget.counted.items()):
        for bucket_id, amount in allocation.amounts:
            if amount:
                rows.append((await names.of(person), budget.buckets[bucket_id].title, amount))
    return rows


async def round_page(request: web.Request, params: dict[str, str], *,
                     values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                     status: int = 200) -> web.Response:
    """A round: what it shares out, its buckets with their funding, the two forms, the result."""
    pool, stored = await _round(request, params["name"], params["key"])
    await require_record(request, pool)
    budget = await budget_of(request.app, stored)
    motion = budget.motion
    rules = budget.rules
    membership = await viewer_membership(request, pool)
    person = membership.person_uri if membership is not None else None
    elector = person is not None and person in budget.proposal.electorate
    is_open = stored.state == "open"
    now = datetime.now(UTC)
    views = await _views(request, budget, person)
    steward = membership is not None and membership.state == "member" and "steward" in membership.roles
    mine = sum(1 for b in budget.buckets.values() if b.proposer == person)
    may_propose = (elector and is_open and now < rules.buckets_close_at
                   and (rules.proposers is BucketProposers.MEMBERS or steward)
                   and mine < rules.max_buckets_per_member)
    given = budget.allocated_by(person) if person else 0
    currency = motion.currency
    typed = values or {}
    form_values = {view.field: typed.get(view.field, money_input(view.mine, currency) if view.mine else "")
                   for view in views}
    form_values.update({k: typed.get(k, "") for k in _BUCKET_FIELDS})
    return await render(request, "budget_round.html", {
        "pool": pool, "stored": stored, "proposal": budget.proposal, "motion": motion,
        "rules": rules, "buckets": views, "currency": currency, "pot": budget.pot,
        "allowance": budget.allowance, "given": given, "left": budget.allowance - given,
        "exponent": minor_units(currency), "elector": elector, "is_open": is_open,
        "may_propose": may_propose, "buckets_open": now < rules.buckets_close_at,
        "proposed_by_me": mine, "result": budget.result(),
        "final": await store(request.app).tally_document(stored.id) if not is_open else None,
        "who_gave": await _who_gave(request, budget) if (rules.allocations_visible or not is_open) else None,
        "values": form_values, "errors": errors or {}, "key": params["key"],
        "bucket_errors": any(k.startswith("give-") for k in errors or {}),
        **await proposal_thread(request, pool, stored.uri, stored.author_uri, not is_open),
    }, form=True, status=status)


def _member_of_round(user: ActorRecord, stored: StoredProposal) -> Proposal:
    proposal = Proposal.from_dict(stored.proposal)
    if user.uri not in proposal.electorate.members:
        # The role first: someone outside the frozen electorate learns only that.
        raise Forbidden(_("Only the members of the pool when this round opened take part in it."))
    return proposal


@routes.post(_ROUND + "/buckets", name="web.propose_bucket")
async def propose_bucket(request: web.Request) -> web.StreamResponse:
    """Propose a bucket: a title, what it is for, a minimum and a maximum."""
    user = require_user(request)
    pool, stored = await _round(request, request.match_info["name"], request.match_info["key"])
    proposal = _member_of_round(user, stored)
    motion = proposal.motion
    assert isinstance(motion, BudgetRound)
    form = await request.post()
    values = {k: str(form.get(k, "")).strip() for k in _BUCKET_FIELDS}
    errors: dict[str, str] = {}
    if not values["title"] or len(values["title"]) > 200:
        errors["title"] = _("Give the bucket a short title (up to 200 characters).")
    if len(values["description"]) > 5000:
        errors["description"] = _("Say what the money is for in at most 5000 characters.")
    goals: dict[str, int] = {}
    for field in ("min_goal", "max_goal"):
        try:
            goals[field] = parse_amount(values[field], motion.currency)
        except GovernanceError as exc:
            problem = amount_problem(values[field], exc, motion.currency)
            errors[field] = (_("%(problem)s Enter the least the bucket needs.", problem=problem)
                             if field == "min_goal" else
                             _("%(problem)s Enter the most the bucket can use.", problem=problem))
    if len(goals) == 2 and goals["min_goal"] > goals["max_goal"]:
        errors["max_goal"] = _("The maximum cannot be less than the minimum.")
    if not errors:
        draft = {"type": "Bucket", "pool": pool.uri, "to": [pool.uri], "proposal": stored.uri,
                 "name": values["title"], "minGoal": goals["min_goal"], "maxGoal": goals["max_goal"]}
        if values["description"]:
            draft["content"] = values["description"]
        try:
            activity = await post_as(request.app, user, draft)
        except (GovernanceError, NodeError) as exc:
            errors["bucket_form"] = refusal(exc)
            status = _status(exc)
        else:
            accepted = await buckets(request.app).bucket_by_source(activity["object"]["id"])
            number = accepted.number if accepted is not None else ""
            raise web.HTTPSeeOther(request.path.removesuffix("/buckets") + f"#bucket-{number}")
    else:
        status = 422
    return await round_page(request, dict(request.match_info), values=values, errors=errors,
                            status=status)


@routes.post(_ROUND + "/allocate", name="web.allocate")
async def allocate(request: web.Request) -> web.StreamResponse:
    """Save the member's allocation: one amount per bucket, within their allowance."""
    user = require_user(request)
    pool, stored = await _round(request, request.match_info["name"], request.match_info["key"])
    _member_of_round(user, stored)
    budget = await budget_of(request.app, stored)
    form = await request.post()
    currency = budget.motion.currency
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    amounts: list[dict[str, Any]] = []
    for number, bucket in enumerate(budget.buckets.values(), start=1):
        field = f"give-{number}"
        values[field] = str(form.get(field, "")).strip()
        try:
            amount = parse_amount(values[field] or "0", currency, allow_zero=True)
        except GovernanceError as exc:
            errors[field] = _("%(problem)s Enter 0 to give this bucket nothing.",
                              problem=amount_problem(values[field], exc, currency))
            continue
        if amount:
            amounts.append({"bucket": bucket.id, "amount": amount})
    total = sum(a["amount"] for a in amounts)
    if not errors and total > budget.allowance:
        errors["allocation"] = _("That is %(total)s in all, more than your allowance of %(allowance)s: "
                                 "take %(over)s off.", total=money(total, currency),
                                 allowance=money(budget.allowance, currency),
                                 over=money(total - budget.allowance, currency))
    status = 422
    if not errors:
        try:
            await post_as(request.app, user, {"type": "Allocation", "pool": pool.uri, "to": [pool.uri],
                                              "proposal": stored.uri, "amounts": amounts})
        except (GovernanceError, NodeError) as exc:
            errors["allocation"] = refusal(exc)
            status = _status(exc)
        else:
            raise web.HTTPSeeOther(request.path.removesuffix("/allocate") + "#allocate")
    return await round_page(request, dict(request.match_info), values=values, errors=errors,
                            status=status)
