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
    Kind,
    Proposal,
    Tally,
    counted_ballot,
)
from governance.classes import ClassTally
from node.appkeys import ACTORS
from node.assets.investment import call_view
from node.errors import Forbidden, InvalidRequest, NodeError, NotFound
from node.floods import floods
from node.pool_engine.common import ledger_of, store
from node.pool_engine.tallies import current_count, current_tally
from node.pools import load_bylaws
from node.storage import ActorRecord, StoredProposal
from node.web import budget
from node.web.amendments import bylaws_changes, form_defaults
from node.web.assets import KIND_LABELS, TENURE_LABELS
from node.web.ballot_form import choice_from_form
from node.web.discussion import proposal_thread
from node.web.engine import free_fund
from node.web.i18n import gettext as _
from node.web.labels import label
from node.web.legal_form import DISSOLUTIONS, GOVERNING_BODIES, LEGAL_FORMS
from node.web.localise import money
from node.web.names import Names
from node.web.outbox import post_as
from node.web.pools import _pool, require_record, viewer_membership
from node.web.proposal_form import BALLOT_TYPES, KINDS, ROLES, SPLIT, draft_from_form, form_values
from node.web.refusals import refusal
from node.web.render import render
from node.web.sessions import require_user
from node.web.share_rules import MEASURES
from node.web.surplus_form import proposal_split
from node.web.witnessing import proposal_recounts
from node.web.wizard import CLASS_MAJORITY_CHOICES

__all__ = ["proposal_page", "proposals_page", "routes"]

routes = web.RouteTableDef()

CONSENT = ("agree", "disagree", "abstain", "block")
_KEY = r"{key:[0-9a-f-]{36}}"


async def _member(request: web.Request, pool: ActorRecord) -> bool:
    membership = await viewer_membership(request, pool)
    return membership is not None and membership.state == "member"


async def _stored(request: web.Request, pool: ActorRecord, key: str) -> StoredProposal:
    stored = await store(request.app).proposal(f"{pool.uri}/proposals/{key}")
    if stored is None:
        raise NotFound(_("There is no such proposal in this pool."))
    return stored


async def _tally(request: web.Request, stored: StoredProposal) -> tuple[Proposal, Tally]:
    return Proposal.from_dict(stored.proposal), await current_tally(request.app, stored)


def class_rows(counted: ClassTally | None) -> list[dict[str, Any]]:
    """Each member class's own count, for a proposal that needs a majority in each class."""
    if counted is None:
        return []
    return [{"name": r.name, "agree": r.tally.count("agree"), "votes_cast": r.tally.votes_cast,
             "participation": r.tally.participation, "electorate": r.tally.electorate_size,
             "majority": r.majority} for r in counted.classes]


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
        # Instant-runoff rounds of a ranked vote: votes per continuing option, who went out.
        "rounds": [{"counts": dict(r.counts), "eliminated": r.eliminated} for r in result.rounds],
        "winners": list(result.winners),
    }


def consent_options() -> list[tuple[str, str]]:
    """The choices of a consent vote, as (value, the reader's word)."""
    return [(value, label(value, "choice")) for value in CONSENT]


def _choice_words(mine: dict[str, Any] | None, options: list[tuple[str, str]],
                  proposal: Proposal) -> str:
    """The member's counted ballot in words: "Agree", "Library › Cafe", or abstain."""
    if not mine:
        return ""
    consent = proposal.rule.ballot_type.value == "consent"
    words = {value: text.lower() if consent else text for value, text in options}
    chosen = [words.get(str(c), str(c)) for c in mine.get("choice", [])]
    ranked = proposal.rule.ballot_type.value == "ranked_choice"
    return (" › " if ranked else ", ").join(chosen) or label("abstain", "choice").lower()


async def _form_context(request: web.Request, pool: ActorRecord, bylaws: Any) -> dict[str, Any]:
    """What the proposal form offers: kinds, ballot types, members to name, floods to leave."""
    rows = await store(request.app).proposals_of_pool(pool.id, limit=100)
    items = [{"stored": s, "title": s.proposal.get("title", ""), "key": s.uri.rsplit("/", 1)[-1]}
             for s in rows]
    names = Names(request.app)
    members = [(await names.handle(m.person_uri), await names.of(m.person_uri))
               for m in await request.app[ACTORS].memberships_of_pool(pool.id, state=None)
               if m.state == "member"]
    pool_floods = sorted({(link.flood_uri, link.flood_name)
                          for link in await floods(request.app).links(pool.id)})
    return {
        "pool": pool, "items": items, "bylaws": bylaws, "is_member": await _member(request, pool),
        "amend": form_defaults(bylaws), "free_fund": await _free_fund(request, pool, bylaws),
        "kinds": KINDS, "class_kinds": CLASS_MAJORITY_CHOICES, "surplus_measures": MEASURES,
        "legal_forms": LEGAL_FORMS, "governing_bodies": GOVERNING_BODIES, "dissolutions": DISSOLUTIONS,
        "ballot_types": BALLOT_TYPES, "members": sorted(members),
        "pool_floods": pool_floods, "roles": ROLES,
        "asset_kinds": KIND_LABELS, "tenures": TENURE_LABELS,
    }


async def proposals_page(request: web.Request, params: dict[str, str]) -> web.Response:
    """A pool's proposals, newest first, and a form to make one."""
    pool = await _pool(request, params["name"])
    await require_record(request, pool)
    bylaws = await load_bylaws(request.app[ACTORS], pool)
    context = await _form_context(request, pool, bylaws)
    values = {"kind": request.query.get("kind", ""), "person": request.query.get("person", ""),
              "discussion": request.query.get("discussion", "")}
    return await render(request, "proposals.html", {**context, "errors": {}, "values": values, "split": None},
                        form=True)


async def _free_fund(request: web.Request, pool: ActorRecord, bylaws: Any) -> str | None:
    """The fund's free money as the form shows it (None if the ledger does not replay)."""
    try:
        ledger = await ledger_of(request.app, pool, bylaws)
        return money(await free_fund(request.app, pool, ledger), bylaws.currency)
    except GovernanceError:
        return None


@routes.post(r"/pools/{name:[a-z0-9_]+}/propose", name="web.propose")
async def propose(request: web.Request) -> web.StreamResponse:
    """Open a proposal of any kind, with any ballot type (node/web/proposal_form.py)."""
    user = require_user(request)
    pool = await _pool(request, request.match_info["name"])
    bylaws = await load_bylaws(request.app[ACTORS], pool)
    form = await request.post()
    values = form_values(form)
    errors: dict[str, str] = {}
    draft: dict[str, Any] = {}
    member = await _member(request, pool)
    if not member:
        # The role comes first: a non-member learns only that, whatever else the form holds.
        errors["form"] = _("Only members of this pool can make proposals; ask to join it first.")
    else:
        draft = await draft_from_form(request, pool, bylaws, form, values, errors)
    activity: dict[str, Any] = {}
    if not errors:
        try:
            activity = await post_as(request.app, user, draft)
        except (GovernanceError, NodeError) as exc:
            errors["form"] = refusal(exc)
    if errors:
        status = 422 if member else 403
        context = await _form_context(request, pool, bylaws)
        return await render(request, "proposals.html", {**context, "errors": errors,
                                                        "values": values,
                                                        "split": request.get(SPLIT)},
                            status=status, form=True)
    opened = await store(request.app).proposal_by_source(activity["object"]["id"])
    if opened is None:
        # A flood proposal is opened by the flood, not as a pool proposal: its page lists it.
        raise web.HTTPSeeOther(f"/pools/{pool.username}/floods")
    raise web.HTTPSeeOther(f"/pools/{pool.username}/proposals/{opened.uri.rsplit('/', 1)[-1]}")


async def proposal_page(request: web.Request, params: dict[str, str], *,
                        vote_error: str | None = None, posted: list[str] | None = None,
                        status: int = 200) -> web.Response:
    """One proposal: text, options, the ballot form, the live tally, the result."""
    pool = await _pool(request, params["name"])
    await require_record(request, pool)
    stored = await _stored(request, pool, params["key"])
    if stored.kind == "budget_round":  # buckets and allocations, not a ballot (node/web/budget.py)
        return await budget.round_page(request, params)
    proposal = Proposal.from_dict(stored.proposal)
    result, by_class = await current_count(request.app, stored)
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
    options = consent_options() if proposal.rule.ballot_type.value == "consent" else [
        (o, o) for o in proposal.rule.options]
    return await render(request, "proposal.html", {
        "pool": pool, "stored": stored, "proposal": proposal, "motion": motion,
        "amount": money(motion["amount"], motion.get("currency", "EUR"))
        if "amount" in motion and proposal.kind is not Kind.SURPLUS else None,
        "split": await proposal_split(request.app, proposal),
        "call": await call_view(request.app, pool, stored) if proposal.kind is Kind.INVESTMENT
        else None,
        "tally": tally_view(proposal, result, stored), "options": options,
        "class_rows": class_rows(by_class),
        "ballot_type": proposal.rule.ballot_type.value, "can_vote": can_vote,
        "mine": mine, "mine_words": _choice_words(mine, options, proposal), "key": params["key"],
        "vote_error": vote_error, "posted": posted,
        "electorate_digest": proposal.electorate.digest,
        "closes_at": proposal.rule.closes_at.strftime("%Y-%m-%d %H:%M UTC"),
        "bylaws_changes": await bylaws_changes(request.app, pool, proposal),
        "recounts": (await proposal_recounts(request, stored.uri)
                     if stored.state == "closed" else None),
        **await proposal_thread(request, pool, stored.uri, stored.author_uri, stored.state == "closed"),
    }, form=True, status=status)


@routes.post(r"/pools/{name:[a-z0-9_]+}/proposals/" + _KEY + "/vote", name="web.vote")
async def vote(request: web.Request) -> web.StreamResponse:
    """Cast (or change) the member's one ballot."""
    user = require_user(request)
    pool = await _pool(request, request.match_info["name"])
    stored = await _stored(request, pool, request.match_info["key"])
    form = await request.post()
    proposal = Proposal.from_dict(stored.proposal)
    if user.uri not in proposal.electorate.members:
        # The role comes first: someone outside the frozen electorate learns only that.
        raise Forbidden(_("Only the members of the pool when this proposal opened can vote on it."))
    try:
        choice = choice_from_form(proposal, form)
    except InvalidRequest as exc:
        # The ranking comes back as it was posted, with the reason; nothing is cast.
        posted = [str(form.get(f"rank-{n}", "")) for n in range(1, 51)]
        return await proposal_page(request, dict(request.match_info), vote_error=exc.reason,
                                   posted=posted, status=422)
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
    if stored.kind == "budget_round":
        raise NotFound(_("A budget round has no tally: its page shows each bucket's funding."))
    proposal, result = await _tally(request, stored)
    return web.json_response(tally_view(proposal, result, stored),
                             headers={"Cache-Control": "no-store"})
