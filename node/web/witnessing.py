"""Checks by other pools, in the web app: a pool's ledger head and who witnessed it, the ledgers
it witnesses, every alarm (a ledger inconsistent with a head witnessed before), a steward's
choice of another pool to witness; and, on a proposal, how many pools recounted its result.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from node.appkeys import ACTORS, CONFIG
from node.errors import Forbidden, NodeError
from node.floods import floods
from node.handles import resolve_handle
from node.storage import ActorRecord, StoredAlarm
from node.web.i18n import gettext as _
from node.web.names import Names
from node.web.pools import _pool, viewer_membership
from node.web.reasons import said
from node.web.sessions import require_user
from node.witness import overview, recounts_of, stop_witnessing, witness_by_steward

__all__ = ["flood_recounts", "proposal_recounts", "routes", "witness_context"]

routes = web.RouteTableDef()

_POOL = r"/pools/{name:[a-z0-9_]+}"


async def _who(names: Names, uri: str) -> dict[str, str]:
    return {"name": await names.of(uri), "handle": await names.handle(uri), "url": uri}


def _alarm_text(alarm: StoredAlarm, pool: str, witness: str) -> str:
    if alarm.kind == "truncated":
        return _("The ledger of %(pool)s lost entries: it now ends before entry %(sequence)d, "
                 "which %(witness)s had witnessed.", pool=pool, sequence=alarm.sequence,
                 witness=witness)
    if alarm.kind == "broken":
        return _("The ledger of %(pool)s is broken at entry %(sequence)d: it does not follow "
                 "the entry %(witness)s had witnessed before it.", pool=pool,
                 sequence=alarm.sequence, witness=witness)
    return _("The ledger of %(pool)s was rewritten: entry %(sequence)d is not the one "
             "%(witness)s had witnessed.", pool=pool, sequence=alarm.sequence, witness=witness)


async def witness_context(request: web.Request, pool: ActorRecord) -> dict[str, Any]:
    """What the pool page shows of witnessing (its record must be visible to the reader)."""
    app = request.app
    names = Names(app)
    seen = await overview(app, pool)
    base = app[CONFIG].base_url
    alarms = []
    for alarm in seen.alarms:
        pool_name = await names.of(alarm.pool_uri)
        witness_name = await names.of(alarm.witness_uri)
        evidence = (alarm.uri if alarm.uri.startswith(base + "/")
                    else f"/pools/{pool.username}/conflicts?page=true")
        alarms.append({"text": _alarm_text(alarm, pool_name, witness_name), "at": alarm.created_at,
                       "ours": alarm.role == "witnessed", "evidence": evidence,
                       "id": f"alarm-{alarm.id}"})
    witnessed_by = [{"who": await _who(names, w.attestation.witness_uri),
                     "sequence": w.attestation.sequence, "hash": w.attestation.head_hash,
                     "at": w.attestation.published, "agrees": w.agrees}
                    for w in seen.witnesses]
    witnessing = []
    for item in seen.witnessing:
        link, latest = item.link, item.latest
        witnessing.append({
            "who": await _who(names, link.target_uri), "target": link.target_uri,
            "flood": link.by_flood, "steward": link.by_steward,
            "sequence": latest.sequence if latest else None,
            "hash": latest.head_hash if latest else None,
            "at": latest.published if latest else None, "checked_at": link.checked_at,
            "problem": said(link.problem) if link.problem else None})
    return {"head": seen.head, "witnessed_by": witnessed_by, "witnessing": witnessing,
            "alarms": alarms}


async def proposal_recounts(request: web.Request, proposal_uri: str) -> dict[str, Any]:
    """Other pools' recounts of a closed proposal's final tally: how many agree, each that differs."""
    names = Names(request.app)
    same, differing = [], []
    for report in await recounts_of(request.app, proposal_uri):
        who = await _who(names, report.reporter_uri)
        if report.matches:
            same.append(who)
        else:
            fields = report.differences.get("fields", {})
            details = [_("%(field)s: ours %(ours)s, theirs %(theirs)s", field=field,
                         ours=value.get("ours"), theirs=value.get("theirs"))
                       for field, value in sorted(fields.items())]
            reported = sorted(report.differences.get("reported", {}))
            if reported:
                details.append(_("they also report: %(what)s", what=", ".join(reported)))
            differing.append({"who": who, "details": details, "evidence": report.uri})
    return {"same": same, "differing": differing}


async def flood_recounts(request: web.Request, proposal_uri: str) -> dict[str, Any]:
    """The other pools' attestations of a flood proposal's result: how many agree with ours."""
    names = Names(request.app)
    same, differing = [], []
    for attestation in await floods(request.app).attestations(proposal_uri):
        local = await _is_local(request, attestation.pool_uri)
        if local or attestation.matches is None:
            continue
        who = await _who(names, attestation.pool_uri)
        if attestation.matches:
            same.append(who)
        else:
            differing.append({"who": who, "details": [said(attestation.reason or "")],
                              "evidence": attestation.uri})
    return {"same": same, "differing": differing}


async def _is_local(request: web.Request, uri: str) -> bool:
    return await request.app[ACTORS].by_uri(uri) is not None


async def _steward_pool(request: web.Request) -> tuple[ActorRecord, str]:
    user = require_user(request)
    pool = await _pool(request, request.match_info["name"])
    membership = await viewer_membership(request, pool)
    if membership is None or membership.state != "member" or "steward" not in membership.roles:
        raise Forbidden(_("Only a steward of this pool can choose which pools it witnesses."))
    return pool, user.uri


@routes.post(_POOL + "/witnessing/add", name="web.witness_add")
async def witness_add(request: web.Request) -> web.StreamResponse:
    """A steward has the pool witness another pool's ledger (by its handle or address)."""
    from node.web.pools import pool_page

    pool, steward = await _steward_pool(request)
    form = await request.post()
    text = str(form.get("pool", "")).strip()
    error = None
    if not text:
        error = _("Say which pool: a handle such as @garden@pools.example, or its address.")
    else:
        try:
            target = await resolve_handle(request.app, text)
            await witness_by_steward(request.app, pool, target, steward, datetime.now(UTC))
        except NodeError as exc:
            error = said(exc.reason)
    if error is not None:
        return await pool_page(request, {"name": pool.username}, witness_error=error,
                               witness_value=text, status=422)
    raise web.HTTPSeeOther(f"/pools/{pool.username}#witnesses-heading")


@routes.post(_POOL + "/witnessing/stop", name="web.witness_stop")
async def witness_stop(request: web.Request) -> web.StreamResponse:
    """A steward stops witnessing a pool the stewards chose (flood peers stay witnessed)."""
    pool, _steward = await _steward_pool(request)
    form = await request.post()
    await stop_witnessing(request.app, pool, str(form.get("target", "")))
    raise web.HTTPSeeOther(f"/pools/{pool.username}#witnesses-heading")
