"""The proposal form: every kind of proposal and every ballot type, read into a member's draft.

The draft is the same C2S ``Proposal`` a client would send (docs/PROTOCOL.md); the pool opens
it under its bylaws. Errors are per field, in the person's words, and nothing is posted.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from governance import Bylaws, GovernanceError, format_money
from governance.money import parse_amount
from node.appkeys import ACTORS
from node.errors import NodeError
from node.handles import resolve_handle
from node.pool_engine.common import ledger_of
from node.storage import ActorRecord
from node.web.amendments import bylaws_draft
from node.web.engine import free_fund

__all__ = ["BALLOT_TYPES", "KINDS", "MAX_OPTIONS", "ROLES", "draft_from_form", "form_values"]

KINDS = [
    ("decision", "A decision"),
    ("disbursement", "Spend money from the fund"),
    ("bylaws_change", "Change the bylaws"),
    ("admission", "Admit a person"),
    ("expulsion", "Expel a member"),
    ("role_change", "Give a member a role, or take it away"),
    ("join_flood", "Join a flood (link with another pool)"),
    ("leave_flood", "Leave a flood"),
    ("budget_round", "A budget round: every member shares out an equal part of a pot"),
]
BALLOT_TYPES = [
    ("consent", "Consent: agree, disagree, abstain or block"),
    ("single_choice", "Single choice: each member picks one option"),
    ("approval", "Approval: each member ticks every option they accept"),
    ("ranked_choice", "Ranked: each member orders the options (instant runoff)"),
]
MAX_OPTIONS = 50
ROLES = [("steward", "Steward (admits members, keeps the pool running)"),
         ("treasurer", "Treasurer (records money in and out)")]
_FIELDS = ("title", "text", "kind", "amount", "payee", "ballot_type", "options", "person",
           "flood", "flood_name", "peer", "role", "role_change", "pot")


def form_values(form: MultiDictProxy[Any]) -> dict[str, str]:
    """The form's text fields, stripped, for the draft and for showing the form again."""
    return {k: str(form.get(k, "")).strip() for k in _FIELDS}


def _sentence(reason: str) -> str:
    return reason[:1].upper() + reason[1:] + "."


def _options(values: dict[str, str], errors: dict[str, str]) -> tuple[str, list[str]]:
    ballot_type = values["ballot_type"] or "consent"
    if ballot_type not in dict(BALLOT_TYPES):
        errors["ballot_type"] = "Choose one of the ballot types listed."
        return ballot_type, []
    options = [line.strip() for line in values["options"].splitlines() if line.strip()]
    if ballot_type != "consent" and values["kind"] not in ("", "decision"):
        errors["ballot_type"] = ("Only a decision can be a choice among options; this kind of "
                                 "proposal is a consent vote.")
    elif ballot_type == "consent" and options:
        errors["options"] = ("A consent vote has no options (members agree, disagree, abstain "
                             "or block): clear the options or choose another ballot type.")
    elif ballot_type != "consent":
        if len(options) < 2:
            errors["options"] = "Give at least two options, one per line."
        elif len(set(options)) != len(options):
            errors["options"] = "Each option may appear only once."
        elif len(options) > MAX_OPTIONS or any(len(o) > 200 for o in options):
            errors["options"] = f"Give at most {MAX_OPTIONS} options of up to 200 characters each."
    return ballot_type, options


async def _person(app: web.Application, text: str, field: str, errors: dict[str, str]) -> str:
    if not text:
        errors[field] = "Say who: a handle such as @ana or @ana@pools.example, or their address."
        return ""
    try:
        return await resolve_handle(app, text)
    except NodeError as exc:
        errors[field] = _sentence(exc.reason)
        return ""


async def draft_from_form(
    request: web.Request, pool: ActorRecord, bylaws: Bylaws, form: MultiDictProxy[Any],
    values: dict[str, str], errors: dict[str, str],
) -> dict[str, Any]:
    """The member's draft for this form, or field errors in ``errors`` (then nothing is posted)."""
    app = request.app
    kind = values["kind"] or "decision"
    if kind not in dict(KINDS):
        errors["kind"] = "Choose one of the kinds of proposal listed."
        return {}
    if not values["title"] or len(values["title"]) > 200:
        errors["title"] = "Give the proposal a short title (up to 200 characters)."
    if not values["text"] and kind in ("decision", "disbursement"):
        errors["text"] = "Say what the members decide."
    if kind == "budget_round":
        return await _round_draft(app, pool, bylaws, values, errors)
    ballot_type, options = _options(values, errors)
    draft: dict[str, Any] = {"type": "Proposal", "pool": pool.uri, "to": [pool.uri],
                             "name": values["title"], "proposalKind": kind}
    if values["text"] and kind not in ("decision", "disbursement", "bylaws_change"):
        draft["content"] = values["text"]
    if kind == "decision":
        draft.update(content=values["text"], ballotType=ballot_type)
        if options:
            draft["options"] = options
    elif kind == "disbursement":
        amount: int | None = None
        try:
            amount = parse_amount(values["amount"], bylaws.currency)
        except GovernanceError as exc:
            errors["amount"] = f"{_sentence(exc.reason)} Enter the amount to spend."
        if amount is not None and form.get("over_fund") != "yes":
            fund = await free_fund(app, pool, await ledger_of(app, pool, bylaws))
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
        draft.update(amount=amount, currency=bylaws.currency, payee=values["payee"],
                     purpose=values["text"])
    elif kind == "bylaws_change":
        draft.update(bylaws_draft(form, bylaws, values, errors))
    elif kind in ("admission", "expulsion", "role_change"):
        draft["person"] = await _person(app, values["person"], "person", errors)
        if kind == "role_change":
            draft.update(_role(values, errors))
        if kind != "admission" and draft["person"] and not any(
                m.person_uri == draft["person"] and m.state == "member"
                for m in await app[ACTORS].memberships_of_pool(pool.id, state=None)):
            errors["person"] = ("Only a member of this pool can be expelled." if kind == "expulsion"
                                else "Only a member of this pool can hold a role.")
    elif kind == "join_flood":
        draft["peer"] = await _person(app, values["peer"], "peer", errors)
        if draft["peer"] == pool.uri:
            errors["peer"] = "Name another pool: a pool cannot link with itself."
        draft["flood"] = values["flood"] or _new_flood(pool, values, errors)
        if values["flood_name"]:
            draft["floodName"] = values["flood_name"][:200]
    elif kind == "leave_flood":
        if not values["flood"]:
            errors["flood"] = "Choose the flood to leave."
        draft.update(flood=values["flood"], pool=pool.uri)
    return draft


async def _round_draft(app: web.Application, pool: ActorRecord, bylaws: Bylaws,
                       values: dict[str, str], errors: dict[str, str]) -> dict[str, Any]:
    """A budget round: its pot (the fund must hold it free now) and what it is for."""
    if values["options"]:
        errors["options"] = ("A budget round has no options: members propose buckets in it once "
                             "it is open. Clear the options.")
    pot: int | None = None
    try:
        pot = parse_amount(values["pot"], bylaws.currency)
    except GovernanceError as exc:
        errors["pot"] = f"{_sentence(exc.reason)} Enter the pot the members share out."
    if pot is not None:
        fund = await free_fund(app, pool, await ledger_of(app, pool, bylaws))
        if pot > fund:
            errors["pot"] = (f"The fund has {format_money(fund, bylaws.currency)} free, less than "
                             "this pot: a round shares out money the fund holds now.")
    if len(values["text"]) > 5000:
        errors["text"] = "Say what the round is for in at most 5000 characters."
    draft: dict[str, Any] = {"type": "Proposal", "pool": pool.uri, "to": [pool.uri],
                             "name": values["title"], "proposalKind": "budget_round",
                             "ballotType": "allocation", "pot": pot, "currency": bylaws.currency}
    if values["text"]:
        draft["purpose"] = values["text"]
    return draft


def _role(values: dict[str, str], errors: dict[str, str]) -> dict[str, str]:
    if values["role"] not in dict(ROLES):
        errors["role"] = "Choose the role: steward or treasurer."
    if values["role_change"] not in ("grant", "revoke"):
        errors["role_change"] = "Say whether the member gets the role or loses it."
    return {"role": values["role"], "roleChange": values["role_change"]}


def _new_flood(pool: ActorRecord, values: dict[str, str], errors: dict[str, str]) -> str:
    """The flood to join: an existing flood's address (another pool's flood page shows it), or
    a new flood under the proposing pool, named by the members."""
    text = values["flood_name"]
    if text.startswith(("https://", "http://")):
        return text
    slug = "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")
    if not slug:
        errors["flood_name"] = ("Name the new flood, give the address of the flood to join, or "
                                "choose one the pool is already in.")
        return ""
    return f"{pool.uri}/floods/{slug[:60]}"
