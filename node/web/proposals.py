"""Proposals and ballots in the browser, over the pools engine's service API.

Every action is the member's own C2S activity (``post_as``): the node signs it with the
member's key and the pool applies it exactly as it would one from any other client.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from governance import (
    Ballot,
    GovernanceError,
    Proposal,
    Tally,
    counted_ballot,
    format_money,
)
from governance.money import parse_amount
from node.appkeys import ACTORS
from node.errors import NotFound
from node.pool_engine.common import ledger_of, store
from node.pool_engine.tallies import current_tally
from node.pools import load_bylaws
from node.storage import ActorRecord, StoredProposal
from node.web.amendments import bylaws_changes, bylaws_draft, form_defaults
from node.web.engine import free_fund
from node.web.outbox import post_as
from node.web.pools import _pool, require_record, viewer_membership
from node.web.render import render
from node.web.sessions import require_user

__all__ = ["proposal_page", "proposals_page", "routes"]

routes = web.RouteTableDef()

CONSENT = [("agree", "Agree"), ("disagree", "Disagree"), ("abstain", "Abstain"), ("block", "Block")]
_KEY = r"{key:[0-9a-f-]{36}}"


async def _member(request: web.Request, pool: ActorRecord) -> bool:
    membership = await viewer_membership(request, pool)
    return membership is not None and membership.state == "member"


async def _stored(request: web.Request, pool: ActorRecord, key: str) -> StoredProposal:
    stored = await store(request.app).proposal(f"{pool.uri}/proposals/{key}")
    if stored is None:
        raise NotFound("There is no such proposal in this pool.")
    return stored


async def _tally(request: web.Request, stored: StoredProposal) -> tuple[Proposal, Tally]:
    return Proposal.from_dict(stored.proposal), await current_tally(request.app, stored)


def tally_view(proposal: Proposal, result: Tally, stored: StoredProposal) -> dict[str, Any]:
    """The numbers the proposal page and its live JSON show."""
    size = result.electorate_size
    return {
        "state": stored.state,
        "outcome": (stored.outcome or result.outcome.value) if stored.state == "closed" else None,
        "counts": dict(result.counts),
        "participation": result.participation,
        "electorate": size,
        "turnout_percent": round(100 * result.participation / size) if size else 0,
        "quorum_percent": round(100 * float(proposal.rule.quorum)),
        "quorum_met": result.quorum_met,
        "threshold_met": result.threshold_met,
        "leading": result.outcome.value,
    }


async def proposals_page(request: web.Request, params: dict[str, str]) -> web.Response:
    """A pool's proposals, newest first, and a form to make one."""
    pool = await _pool(request, params["name"])
    await require_record(request, pool)
    rows = await store(request.app).proposals_of_pool(pool.id, limit=100)
    items = []
    for stored in rows:
        items.append({"stored": stored, "title": stored.proposal.get("title", ""),
                      "key": stored.uri.rsplit("/", 1)[-1]})
    bylaws = await load_bylaws(request.app[ACTORS], pool)
    return await render(request, "proposals.html", {
        "pool": pool, "items": items, "bylaws": bylaws, "is_member": await _member(request, pool),
        "errors": {}, "values": {}, "amend": form_defaults(bylaws),
        "free_fund": await _free_fund(request, pool, bylaws),
    }, form=True)


async def _free_fund(request: web.Request, pool: ActorRecord, bylaws: Any) -> str | None:
    """The fund's free money as the form shows it (None if the ledger does not replay)."""
    try:
        ledger = await ledger_of(request.app, pool, bylaws)
        return format_money(await free_fund(request.app, pool, ledger), bylaws.currency)
    except GovernanceError:
        return None


def _sentence(reason: str) -> str:
    return reason[:1].upper() + reason[1:] + "."


@routes.post(r"/pools/{name:[a-z0-9_]+}/propose", name="web.propose")
async def propose(request: web.Request) -> web.StreamResponse:
    """Open a proposal: a decision in words, spending from the fund, or new bylaws."""
    user = require_user(request)
    pool = await _pool(request, request.match_info["name"])
    bylaws = await load_bylaws(request.app[ACTORS], pool)
    form = await request.post()
    values = {k: str(form.get(k, "")).strip() for k in ("title", "text", "kind", "amount", "payee")}
    errors: dict[str, str] = {}
    if not await _member(request, pool):
        # The role comes first: a non-member learns only that, whatever else the form holds.
        errors["form"] = "Only members of this pool can make proposals; ask to join it first."
    elif not values["title"] or len(values["title"]) > 200:
        errors["title"] = "Give the proposal a short title (up to 200 characters)."
    if not values["text"] and values["kind"] != "bylaws_change":
        errors["text"] = "Say what the members decide."
    draft: dict[str, Any] = {"type": "Proposal", "pool": pool.uri, "to": [pool.uri],
                             "name": values["title"]}
    if "form" in errors:
        pass
    elif values["kind"] == "disbursement":
        amount: int | None = None
        try:
            amount = parse_amount(values["amount"], bylaws.currency)
        except GovernanceError as exc:
            errors["amount"] = f"{_sentence(exc.reason)} Enter the amount to spend."
        if amount is not None and form.get("over_fund") != "yes":
            fund = await free_fund(request.app, pool, await ledger_of(request.app, pool, bylaws))
            if amount > fund:
                # A warning, not a refusal: such a decision may pass and wait for funds.
                errors["amount"] = (
                    f"The fund has {format_money(fund, bylaws.currency)} free, less than this. "
                    "If the members pass it, it waits for funds and is paid for when "
                    "contributions make it affordable (oldest decision first), or lapses after "
                    "the wait the bylaws set. Tick \u201cPropose anyway\u201d to go on.")
                values["over_fund"] = "ask"
        if not values["payee"]:
            errors["payee"] = "Say who is paid."
        draft.update(proposalKind="disbursement", amount=amount, currency=bylaws.currency,
                     payee=values["payee"], purpose=values["text"])
    elif values["kind"] == "bylaws_change":
        draft.update(bylaws_draft(form, bylaws, values, errors))
    else:
        draft.update(proposalKind="decision", content=values["text"])
    activity: dict[str, Any] = {}
    if not errors:
        try:
            activity = await post_as(request.app, user, draft)
        except GovernanceError as exc:
            errors["form"] = exc.reason
    if errors:
        rows = await store(request.app).proposals_of_pool(pool.id, limit=100)
        items = [{"stored": s, "title": s.proposal.get("title", ""), "key": s.uri.rsplit("/", 1)[-1]}
                 for s in rows]
        status = 403 if "form" in errors and "member" in errors["form"] else 422
        return await render(request, "proposals.html", {
            "pool": pool, "items": items, "bylaws": bylaws, "is_member": await _member(request, pool),
            "errors": errors, "values": values, "amend": form_defaults(bylaws),
            "free_fund": await _free_fund(request, pool, bylaws),
        }, status=status, form=True)
    opened = await store(request.app).proposal_by_source(activity["object"]["id"])
    if opened is None:
        raise NotFound("The proposal was not opened.")
    raise web.HTTPSeeOther(f"/pools/{pool.username}/proposals/{opened.uri.rsplit('/', 1)[-1]}")


async def proposal_page(request: web.Request, params: dict[str, str]) -> web.Response:
    """One proposal: text, options, the ballot form, the live tally, the result."""
    pool = await _pool(request, params["name"])
    await require_record(request, pool)
    stored = await _stored(request, pool, params["key"])
    proposal, result = await _tally(request, stored)
    mine = None
    membership = await viewer_membership(request, pool)
    if membership is not None:
        # The ballot the tally counts: the same order (governance.counting_order), not arrival.
        counted = counted_ballot(Ballot.from_dict(b.ballot) for b in
                                 await store(request.app).voter_ballots(stored.id, membership.person_uri))
        mine = counted.to_dict() if counted is not None else None
    motion = proposal.motion.to_dict()
    can_vote = (membership is not None and membership.person_uri in proposal.electorate.members
                and stored.state != "closed")
    options = CONSENT if proposal.rule.ballot_type.value == "consent" else [
        (o, o) for o in proposal.rule.options]
    return await render(request, "proposal.html", {
        "pool": pool, "stored": stored, "proposal": proposal, "motion": motion,
        "amount": format_money(motion["amount"], motion.get("currency", "EUR"))
        if "amount" in motion else None,
        "tally": tally_view(proposal, result, stored), "options": options,
        "ballot_type": proposal.rule.ballot_type.value, "can_vote": can_vote,
        "mine": mine, "key": params["key"],
        "electorate_digest": proposal.electorate.digest,
        "closes_at": proposal.rule.closes_at.strftime("%Y-%m-%d %H:%M UTC"),
        "bylaws_changes": await bylaws_changes(request.app, pool, proposal),
    }, form=True)


@routes.post(r"/pools/{name:[a-z0-9_]+}/proposals/" + _KEY + "/vote", name="web.vote")
async def vote(request: web.Request) -> web.StreamResponse:
    """Cast (or change) the member's one ballot."""
    user = require_user(request)
    pool = await _pool(request, request.match_info["name"])
    stored = await _stored(request, pool, request.match_info["key"])
    form = await request.post()
    choice = [str(c) for c in form.getall("choice", [])]
    await post_as(request.app, user, {
        "type": "Ballot", "pool": pool.uri, "proposal": stored.uri, "to": [pool.uri],
        "choice": choice,
    })
    raise web.HTTPSeeOther(request.path.removesuffix("/vote") + "#tally")


@routes.get(r"/pools/{name:[a-z0-9_]+}/proposals/" + _KEY + "/live", name="web.live")
async def live(request: web.Request) -> web.Response:
    """The current tally as small JSON, polled by the proposal page's script."""
    pool = await _pool(request, request.match_info["name"])
    await require_record(request, pool)
    stored = await _stored(request, pool, request.match_info["key"])
    proposal, result = await _tally(request, stored)
    return web.json_response(tally_view(proposal, result, stored),
                             headers={"Cache-Control": "no-store"})
