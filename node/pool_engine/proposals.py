"""Opening proposals: a member's draft (C2S or S2S) or the pool's own admission proposal."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from aiohttp import web

from governance import Admission, BallotType, Bylaws, NotPermitted, Proposal, Roster, open_proposal
from governance.classes import ClassRoll
from governance.proposals import Motion
from node.appkeys import DB
from node.pool_engine.common import (
    iso,
    local_pool,
    new_id,
    pool_lock,
    publish,
    roster_of,
    signed,
    store,
)
from node.pool_engine.surplus import distribution
from node.pool_engine.tallies import question_of, recount
from node.storage import (
    ActorRecord,
    DiscussionStore,
    MemberClassStore,
    StoredDiscussion,
    StoredProposal,
)
from node.wire import (
    InvalidDocument,
    check_document,
    draft_from_document,
    electorate_document,
    proposal_document,
)
from node.wire.classes import ROLL_KEY, count
from node.wire.surplus import SurplusDraft

__all__ = ["freeze_roll", "open_admission", "propose"]


async def propose(app: web.Application, draft_document: dict[str, Any], at: datetime) -> StoredProposal:
    """Open a member's (already proof-checked) draft in the pool it names; the same draft twice opens once.

    A draft for a flood proposal is not this engine's: its callers route it (node/routing.py)."""
    draft = draft_from_document(check_document("proposal", draft_document))
    if "electorate" in draft_document:
        raise InvalidDocument("send a draft: the pool freezes the rule and the electorate")
    pool = await local_pool(app, draft.pool)
    async with pool_lock(app, pool):
        known = await store(app).proposal_by_source(draft.id)
        if known is not None:
            return known
        roster, bylaws, ledger = await roster_of(app, pool)
        if not roster.is_member(draft.author):
            raise NotPermitted("not_a_member", "only a member of the pool may propose")
        discussion = await _discussion(app, pool, draft_document.get("discussion"))
        motion = draft.motion
        if isinstance(motion, SurplusDraft):  # the pool freezes every member's measure now
            motion = await distribution(app, pool, motion, roster, ledger, at)
        proposal = open_proposal(
            id=new_id(pool, "proposals"), author=draft.author, title=draft.title,
            motion=motion, bylaws=bylaws, electorate=roster.electorate(), opens_at=at.replace(microsecond=0),
            ballot_type=draft.ballot_type, options=draft.options,
        )
        roll = await freeze_roll(app, pool, proposal, bylaws)
        return await _store_and_publish(app, pool, proposal, draft.id, at, discussion, roll)


async def freeze_roll(app: web.Application, pool: ActorRecord, proposal: Proposal,
                      bylaws: Bylaws) -> ClassRoll | None:
    """The electors' member classes, frozen as the proposal opens, when its kind needs a
    majority in each class; ``class_missing`` if an elector has none (a steward assigns it)."""
    if not proposal.rule.class_majority:
        return None
    return ClassRoll.freeze(proposal.electorate, await MemberClassStore(app[DB]).classes(pool.id),
                            bylaws)


async def _discussion(app: web.Application, pool: ActorRecord, uri: object) -> StoredDiscussion | None:
    """The discussion of this pool a draft says it was started from (its ``discussion``)."""
    if uri is None:
        return None
    found = await DiscussionStore(app[DB]).discussion(uri) if isinstance(uri, str) else None
    if found is None or found.pool_id != pool.id or found.deleted_at is not None:
        raise InvalidDocument("'discussion' names no discussion of this pool")
    return found


async def open_admission(
    app: web.Application, pool: ActorRecord, roster: Roster, person: str, at: datetime
) -> StoredProposal:
    """The pool itself proposes to admit an applicant (admission policy ``vote``)."""
    from node.appkeys import ACTORS
    from node.pools import load_bylaws

    bylaws = await load_bylaws(app[ACTORS], pool)
    electorate = roster.electorate()
    motion: Motion = Admission(person)
    # open_proposal wants an author in the electorate; the pool is the proposer here.
    proposal = open_proposal(
        id=new_id(pool, "proposals"), author=min(electorate.members), title=f"Admit {person}",
        motion=motion, bylaws=bylaws, electorate=electorate, opens_at=at.replace(microsecond=0),
        ballot_type=BallotType.CONSENT,
    )
    roll = await freeze_roll(app, pool, proposal, bylaws)
    proposal = dataclasses.replace(proposal, author=pool.uri)
    return await _store_and_publish(app, pool, proposal, None, at, None, roll)


async def _store_and_publish(
    app: web.Application, pool: ActorRecord, proposal: Proposal, source: str | None, at: datetime,
    discussion: StoredDiscussion | None = None, roll: ClassRoll | None = None,
) -> StoredProposal:
    published = iso(at)
    document = signed(proposal_document(
        proposal, pool.uri, published, thread=True,
        discussion=discussion.uri if discussion is not None else None, roll=roll), pool, at)
    electorate = signed(electorate_document(proposal, pool.uri, published, roll), pool, at)
    governance = store(app)
    # The first tally is over no ballots; recount needs the stored row, so sign it directly.
    from node.wire import tally_document

    empty, classes = count(proposal, roll, [])
    first = signed(tally_document(empty, pool.uri, [], final=False, updated=published,
                                  classes=classes), pool, at)
    stored_value = proposal.to_dict()
    if roll is not None:
        stored_value[ROLL_KEY] = roll.to_dict()
    await governance.add_proposal(
        pool_id=pool.id, uri=proposal.id, source_uri=source, author_uri=proposal.author,
        kind=proposal.kind.value, closes_at=iso(proposal.rule.closes_at),
        proposal=stored_value, document=document, electorate_document=electorate,
        tally_document=first, outcome=empty.outcome.value, created_at=published,
    )
    stored = await governance.proposal(proposal.id)
    assert stored is not None
    if discussion is not None:
        await DiscussionStore(app[DB]).link_proposal(discussion.id, proposal.id, published)
    await publish(app, pool, "Create", document, followers=False)
    await publish(app, pool, "Create", await question_of(app, pool, stored), members=False)
    return stored


__all__ += ["recount"]
