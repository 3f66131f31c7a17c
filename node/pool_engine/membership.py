"""Joining and leaving a pool under its admission policy (open, steward, member vote)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from governance import (
    AdmissionPolicy,
    Bylaws,
    Kind,
    MemberState,
    Proposal,
    Role,
    Roster,
    RuleViolation,
    Tally,
)
from governance.classes import ClassRoll
from node.appkeys import DB
from node.errors import NotFound
from node.pool_engine import shares
from node.pool_engine.common import iso, pool_lock, roster_of, store
from node.storage import ActorRecord, MemberClassStore

__all__ = ["accept_join", "admit_by_vote", "admit_if_share_paid", "chosen_class", "expel", "join", "leave",
           "reject_join", "share_claim"]

log_name = "poolnode.pools"


def _roles(roster: Roster, person: str) -> tuple[str, ...]:
    entry = roster.get(person)
    return tuple(sorted(r.value for r in entry.roles)) if entry is not None else ()


async def _answer(app: web.Application, pool: ActorRecord, kind: str, join_id: str | None,
                  person: str, reason: str | None = None) -> None:
    from node.delivery.replies import reply

    obj: object = join_id or {"type": "Join", "actor": person, "object": pool.uri}
    await reply(app, pool, kind, obj, person, summary=reason)


def share_claim(value: object) -> dict[str, Any] | None:
    """The ``sharePayment`` of a Join as we keep it (amount in minor units), or None if unusable."""
    if not isinstance(value, dict):
        return None
    amount = value.get("amount")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
        return None
    claim: dict[str, Any] = {"amount": amount}
    for field in ("currency", "reference"):
        if isinstance(value.get(field), str):
            claim[field] = value[field][:500]
    return claim


def _paid_up(roster: Roster, bylaws: Bylaws, person: str, member_class: str | None) -> bool:
    """Whether the capital ``person`` paid in covers the minimum share and the co-op shares
    their class must hold (issued from that capital as they are admitted)."""
    entry = roster.get(person)
    paid = entry.share_paid if entry is not None else 0
    return paid >= bylaws.min_share and paid >= shares.shares_due(bylaws, member_class)


def chosen_class(bylaws: Bylaws, member_class: object) -> str | None:
    """The class an applicant chose, checked against the bylaws: required when they declare
    classes (``class_missing``), one of them (``unknown_class``), refused when they declare none
    (``no_member_classes``)."""
    if not bylaws.member_classes:
        if member_class is not None:
            raise RuleViolation("no_member_classes", "this pool's bylaws declare no member classes")
        return None
    if member_class is None or member_class == "":
        raise RuleViolation("class_missing", "this pool's members each belong to a class: choose "
                            "one of " + ", ".join(bylaws.member_classes))
    if not isinstance(member_class, str) or member_class not in bylaws.member_classes:
        raise RuleViolation("unknown_class", "the member class must be one of "
                            + ", ".join(bylaws.member_classes))
    return member_class


async def join(
    app: web.Application, pool: ActorRecord, person: str, join_id: str | None, at: datetime,
    claim: dict[str, Any] | None = None, member_class: object = None,
) -> str:
    """``person`` applies; returns the state now ('member' or 'applicant').

    open: admitted at once (once the minimum share is confirmed); steward: waits for a
    steward's Accept; vote: an admission proposal opens and its outcome decides. ``claim``
    (the Join's ``sharePayment``) is kept for the treasurer; it confirms no money.
    ``member_class`` (the Join's ``memberClass``): one of the classes the bylaws declare, which
    a pool with classes requires (docs/GOVERNANCE.md, "Member classes in the node").
    """
    async with pool_lock(app, pool):
        roster, bylaws, ledger = await roster_of(app, pool)
        chosen = chosen_class(bylaws, member_class)
        if bylaws.admission is AdmissionPolicy.VOTE and Kind.ADMISSION in bylaws.class_majority:
            # The admission proposal will freeze the class roll: refuse before storing anything
            # if it could not (an elector without a class: ``class_missing``).
            ClassRoll.freeze(roster.electorate(), await MemberClassStore(app[DB]).classes(pool.id),
                             bylaws)
        roster = roster.apply(person, at)
        state: str = "applicant"
        roles: tuple[str, ...] = ()
        if bylaws.admission is AdmissionPolicy.OPEN and _paid_up(roster, bylaws, person, chosen):
            roster = roster.admit(person, at, bylaws)
            state, roles = "member", _roles(roster, person)
        entries = await shares.change_membership(
            app, pool, bylaws, ledger, person, state=state, roles=roles, at=at,
            join_activity=join_id, member_class=chosen)
        if state == "applicant":
            await store(app).set_share_claim(pool.id, person, claim)
    await shares.publish_entries(app, pool, entries)
    if state == "member":
        await _answer(app, pool, "Accept", join_id, person)
    elif bylaws.admission is AdmissionPolicy.VOTE:
        from node.pool_engine.proposals import open_admission

        await open_admission(app, pool, roster, person, at)
    return state


async def admit_if_share_paid(app: web.Application, pool: ActorRecord, person: str, at: datetime) -> bool:
    """Open policy: an applicant whose confirmed capital reaches the minimum share is admitted."""
    roster, bylaws, _ = await roster_of(app, pool)
    entry = roster.get(person)
    row = await store(app).membership(pool.id, person)
    if (bylaws.admission is not AdmissionPolicy.OPEN or entry is None or row is None
            or entry.state is not MemberState.APPLICANT
            or not _paid_up(roster, bylaws, person, row.member_class)):
        return False
    await admit(app, pool, person, at)
    return True


async def accept_join(
    app: web.Application, pool: ActorRecord, steward: str, join_id: str, at: datetime
) -> str:
    """A steward admits the applicant whose Join this is (steward or open policy)."""
    person = await store(app).person_of_join(pool.id, join_id)
    if person is None:
        raise NotFound("no such Join to this pool")
    await admit(app, pool, person, at, by=steward)
    return person


async def admit(app: web.Application, pool: ActorRecord, person: str, at: datetime, *,
                by: str | None = None, vote: tuple[object, object] | None = None) -> None:
    """Admit an applicant (by a steward, or by a passed admission vote) and tell them."""
    async with pool_lock(app, pool):
        roster, bylaws, ledger = await roster_of(app, pool)
        if vote is not None:
            roster = roster.admit_by_vote(vote[0], vote[1], at, bylaws)  # type: ignore[arg-type]
        else:
            roster = roster.admit(person, at, bylaws, by=by)
        entries = await shares.change_membership(
            app, pool, bylaws, ledger, person, state="member", roles=_roles(roster, person), at=at,
            by=by)
    await shares.publish_entries(app, pool, entries)
    await _answer(app, pool, "Accept", await store(app).join_activity(pool.id, person), person)


async def admit_by_vote(app: web.Application, pool: ActorRecord, proposal: Proposal, result: Tally,
                        at: datetime) -> None:
    """A passed admission proposal admits its applicant (once: a member already admitted stays).

    Carried out again after a crash (the effect was still pending), the admission may have been
    stored while the ``Accept`` never went out: it is sent then (a second Accept of one Join is
    harmless to the receiver; a lost one leaves the applicant waiting for good).
    """
    person = str(getattr(proposal.motion, "person", ""))
    row = await store(app).membership(pool.id, person)
    if row is not None and row.state == "member":
        await _answer(app, pool, "Accept", await store(app).join_activity(pool.id, person), person)
        return
    await admit(app, pool, person, at, vote=(proposal, result))


async def reject_join(
    app: web.Application, pool: ActorRecord, steward: str, join_id: str, at: datetime,
    reason: str | None = None,
) -> str:
    """A steward turns an application down; the pool's Reject carries ``reason``.

    The person may apply again later; a share they already paid is refunded.
    """
    person = await store(app).person_of_join(pool.id, join_id)
    if person is None:
        raise NotFound("no pending Join with this id")
    async with pool_lock(app, pool):
        roster, bylaws, _ = await roster_of(app, pool)
        roster.reject(person, at, bylaws, by=steward)
        await store(app).set_membership(pool.id, person, state="left", roles=(), at=iso(at))
    await _refund(app, pool, person, f"{pool.uri}#refund:{person}:{iso(at)}", at)
    await _answer(app, pool, "Reject", join_id, person, reason)
    return person


async def leave(app: web.Application, pool: ActorRecord, person: str, at: datetime) -> None:
    """A member leaves; their capital is refunded, or booked as owed until the fund allows."""
    async with pool_lock(app, pool):
        roster, bylaws, ledger = await roster_of(app, pool)
        roster = roster.leave(person, at)
        entries = await shares.change_membership(app, pool, bylaws, ledger, person, state="left",
                                                 roles=(), at=at)
    await shares.publish_entries(app, pool, entries, tell=person)
    await _refund(app, pool, person, f"{pool.uri}#refund:{person}:{iso(at)}", at)


async def expel(app: web.Application, pool: ActorRecord, proposal: Proposal, result: Tally,
                at: datetime) -> str:
    """Expel the subject of a passed expulsion proposal and refund them as one who leaves.

    Idempotent: an effect repaired after a crash finds them expelled and only books the refund
    (once, under the proposal's own source).
    """
    person = str(getattr(proposal.motion, "person", ""))
    async with pool_lock(app, pool):
        row = await store(app).membership(pool.id, person)
        entries = []
        if row is None or row.state != "expelled":
            roster, bylaws, ledger = await roster_of(app, pool)
            roster = roster.expel(proposal, result, at)
            entries = await shares.change_membership(app, pool, bylaws, ledger, person,
                                                     state="expelled", roles=(), at=at)
    await shares.publish_entries(app, pool, entries, tell=person)
    await _refund(app, pool, person, proposal.id + "#refund", at)
    return person


async def change_role(app: web.Application, pool: ActorRecord, proposal: Proposal, result: Tally,
                      at: datetime) -> None:
    """Grant or revoke the role a passed role-change proposal names (idempotent)."""
    person = str(getattr(proposal.motion, "person", ""))
    async with pool_lock(app, pool):
        roster, _, _ = await roster_of(app, pool)
        entry = roster.change_role(proposal, result).entries[person]
        roles = tuple(r.value for r in sorted(entry.roles, key=lambda r: list(Role).index(r)))
        await store(app).set_membership(pool.id, person, state="member", roles=roles, at=iso(at))


async def _refund(app: web.Application, pool: ActorRecord, person: str, source: str,
                  at: datetime) -> None:
    from node.pool_engine.obligations import refund_or_owe

    await refund_or_owe(app, pool, person, source, at)
