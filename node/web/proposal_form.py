"""The proposal form: every kind of proposal and every ballot type, read into a member's draft.

The draft is the same C2S ``Proposal`` a client would send (docs/PROTOCOL.md); the pool opens
it under its bylaws. Errors are per field, in the person's words, and nothing is posted.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from federation.one_line import as_one_line
from governance import Bylaws, GovernanceError
from governance.money import parse_amount
from node.appkeys import ACTORS
from node.errors import NodeError
from node.handles import resolve_handle
from node.pool_engine.common import ledger_of
from node.storage import ActorRecord
from node.web.amendments import bylaws_draft
from node.web.engine import free_fund
from node.web.i18n import N_
from node.web.i18n import gettext as _
from node.web.investment_form import INVESTMENT_FIELDS, investment_draft
from node.web.localise import money
from node.web.reasons import said
from node.web.refusals import amount_problem, sentence
from node.web.surplus_form import SplitRow, surplus_draft

SPLIT: web.RequestKey[list[SplitRow]] = web.RequestKey("surplus_split")
"""Where the request keeps the split a surplus form shows (its rows) for the page."""

__all__ = ["BALLOT_TYPES", "KINDS", "MAX_OPTIONS", "ROLES", "SPLIT", "draft_from_form", "form_values"]

# The labels are English catalog entries; the page shows each in the reader's language.
KINDS = [
    ("decision", N_("A decision")),
    ("disbursement", N_("Spend money from the fund")),
    ("bylaws_change", N_("Change the bylaws")),
    ("admission", N_("Admit a person")),
    ("expulsion", N_("Expel a member")),
    ("role_change", N_("Give a member a role, or take it away")),
    ("join_flood", N_("Join a flood (link with another pool)")),
    ("leave_flood", N_("Leave a flood")),
    ("budget_round", N_("A budget round: every member shares out an equal part of a pot")),
    ("surplus", N_("Share a surplus among the members, or put it into reserves")),
    ("investment", N_("Buy an asset (investment): part from the fund, the rest called from the members")),
]
BALLOT_TYPES = [
    ("consent", N_("Consent: agree, disagree, abstain or block")),
    ("single_choice", N_("Single choice: each member picks one option")),
    ("approval", N_("Approval: each member ticks every option they accept")),
    ("ranked_choice", N_("Ranked: each member orders the options (instant runoff)")),
]
MAX_OPTIONS = 50
ROLES = [("steward", N_("Steward (admits members, keeps the pool running)")),
         ("treasurer", N_("Treasurer (records money in and out)"))]
_FIELDS = ("title", "text", "kind", "amount", "payee", "ballot_type", "options", "person",
           "flood", "flood_name", "peer", "role", "role_change", "discussion", "pot", "reserve",
           *INVESTMENT_FIELDS)


def form_values(form: MultiDictProxy[Any]) -> dict[str, str]:
    """The form's text fields, stripped, for the draft and for showing the form again; the
    title one line (as a browser sends a text input: federation/one_line.py)."""
    values = {k: str(form.get(k, "")).strip() for k in _FIELDS}
    values["title"] = as_one_line(values["title"])
    return values


def _options(values: dict[str, str], errors: dict[str, str]) -> tuple[str, list[str]]:
    ballot_type = values["ballot_type"] or "consent"
    if ballot_type not in dict(BALLOT_TYPES):
        errors["ballot_type"] = _("Choose one of the ballot types listed.")
        return ballot_type, []
    options = [line.strip() for line in values["options"].splitlines() if line.strip()]
    if ballot_type != "consent" and values["kind"] not in ("", "decision"):
        errors["ballot_type"] = _("Only a decision can be a choice among options; this kind of "
                                  "proposal is a consent vote.")
    elif ballot_type == "consent" and options:
        errors["options"] = _("A consent vote has no options (members agree, disagree, abstain "
                              "or block): clear the options or choose another ballot type.")
    elif ballot_type != "consent":
        if len(options) < 2:
            errors["options"] = _("Give at least two options, one per line.")
        elif len(set(options)) != len(options):
            errors["options"] = _("Each option may appear only once.")
        elif len(options) > MAX_OPTIONS or any(len(o) > 200 for o in options):
            errors["options"] = _("Give at most %(most)d options of up to 200 characters each.",
                                  most=MAX_OPTIONS)
    return ballot_type, options


async def _person(app: web.Application, text: str, field: str, errors: dict[str, str]) -> str:
    if not text:
        errors[field] = _("Say who: a handle such as @ana or @ana@pools.example, or their address.")
        return ""
    try:
        return await resolve_handle(app, text)
    except NodeError as exc:
        errors[field] = sentence(said(exc.reason))
        return ""


async def draft_from_form(
    request: web.Request, pool: ActorRecord, bylaws: Bylaws, form: MultiDictProxy[Any],
    values: dict[str, str], errors: dict[str, str],
) -> dict[str, Any]:
    """The member's draft for this form, or field errors in ``errors`` (then nothing is posted)."""
    app = request.app
    kind = values["kind"] or "decision"
    if kind not in dict(KINDS):
        errors["kind"] = _("Choose one of the kinds of proposal listed.")
        return {}
    if not values["title"] or len(values["title"]) > 200:
        errors["title"] = _("Give the proposal a short title (up to 200 characters).")
    if not values["text"] and kind in ("decision", "disbursement"):
        errors["text"] = _("Say what the members decide.")
    if kind == "budget_round":
        return await _round_draft(app, pool, bylaws, values, errors)
    ballot_type, options = _options(values, errors)
    draft: dict[str, Any] = {"type": "Proposal", "pool": pool.uri, "to": [pool.uri],
                             "name": values["title"], "proposalKind": kind}
    if values["discussion"]:  # started from a discussion (the pool checks it is one of its own)
        draft["discussion"] = values["discussion"]
    if values["text"] and kind not in ("decision", "disbursement", "bylaws_change", "surplus",
                                       "investment"):
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
            errors["amount"] = _("%(problem)s Enter the amount to spend.",
                                 problem=amount_problem(values["amount"], exc, bylaws.currency))
        if amount is not None and form.get("over_fund") != "yes":
            fund = await free_fund(app, pool, await ledger_of(app, pool, bylaws))
            if amount > fund:
                # A warning, not a refusal: such a decision may pass and wait for funds.
                errors["amount"] = _(
                    "The fund has %(free)s free, less than this. If the members pass it, it "
                    "waits for funds and is paid for when contributions make it affordable "
                    "(oldest decision first), or lapses after the wait the bylaws set. Tick "
                    "\u201cPropose anyway\u201d to go on.", free=money(fund, bylaws.currency))
                values["over_fund"] = "ask"
        if not values["payee"]:
            errors["payee"] = _("Say who is paid.")
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
            errors["person"] = (_("Only a member of this pool can be expelled.") if kind == "expulsion"
                                else _("Only a member of this pool can hold a role."))
    elif kind == "join_flood":
        draft["peer"] = await _person(app, values["peer"], "peer", errors)
        if draft["peer"] == pool.uri:
            errors["peer"] = _("Name another pool: a pool cannot link with itself.")
        draft["flood"] = values["flood"] or _new_flood(pool, values, errors)
        if values["flood_name"]:
            draft["floodName"] = values["flood_name"][:200]
    elif kind == "surplus":  # the split is shown before it is proposed (node/web/surplus_form.py)
        fields, split = await surplus_draft(request, pool, bylaws, form, values, errors)
        draft.update(fields)
        request[SPLIT] = split
    elif kind == "investment":  # node/web/investment_form.py
        keeper = await _person(app, values["keeper"], "keeper", errors)
        draft.update(await investment_draft(app, pool, bylaws, values, keeper, errors))
    elif kind == "leave_flood":
        if not values["flood"]:
            errors["flood"] = _("Choose the flood to leave.")
        draft.update(flood=values["flood"], pool=pool.uri)
    return draft


async def _round_draft(app: web.Application, pool: ActorRecord, bylaws: Bylaws,
                       values: dict[str, str], errors: dict[str, str]) -> dict[str, Any]:
    """A budget round: its pot (the fund must hold it free now) and what it is for."""
    if values["options"]:
        errors["options"] = _("A budget round has no options: members propose buckets in it once "
                              "it is open. Clear the options.")
    pot: int | None = None
    try:
        pot = parse_amount(values["pot"], bylaws.currency)
    except GovernanceError as exc:
        errors["pot"] = _("%(problem)s Enter the pot the members share out.",
                          problem=amount_problem(values["pot"], exc, bylaws.currency))
    if pot is not None:
        fund = await free_fund(app, pool, await ledger_of(app, pool, bylaws))
        if pot > fund:
            errors["pot"] = _("The fund has %(free)s free, less than this pot: a round shares out "
                              "money the fund holds now.", free=money(fund, bylaws.currency))
    if len(values["text"]) > 5000:
        errors["text"] = _("Say what the round is for in at most 5000 characters.")
    draft: dict[str, Any] = {"type": "Proposal", "pool": pool.uri, "to": [pool.uri],
                             "name": values["title"], "proposalKind": "budget_round",
                             "ballotType": "allocation", "pot": pot, "currency": bylaws.currency}
    if values["discussion"]:  # started from a discussion (the pool checks it is one of its own)
        draft["discussion"] = values["discussion"]
    if values["text"]:
        draft["purpose"] = values["text"]
    return draft


def _role(values: dict[str, str], errors: dict[str, str]) -> dict[str, str]:
    if values["role"] not in dict(ROLES):
        errors["role"] = _("Choose the role: steward or treasurer.")
    if values["role_change"] not in ("grant", "revoke"):
        errors["role_change"] = _("Say whether the member gets the role or loses it.")
    return {"role": values["role"], "roleChange": values["role_change"]}


def _new_flood(pool: ActorRecord, values: dict[str, str], errors: dict[str, str]) -> str:
    """The flood to join: an existing flood's address (another pool's flood page shows it), or
    a new flood under the proposing pool, named by the members."""
    text = values["flood_name"]
    if text.startswith(("https://", "http://")):
        return text
    slug = "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")
    if not slug:
        errors["flood_name"] = _("Name the new flood, give the address of the flood to join, or "
                                 "choose one the pool is already in.")
        return ""
    return f"{pool.uri}/floods/{slug[:60]}"
