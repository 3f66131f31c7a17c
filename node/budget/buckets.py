"""A member proposes a bucket in an open round: the pool numbers it, signs it and publishes it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from governance import Bucket, Conflict, Role
from node.budget.common import buckets, budget_of, round_of
from node.pool_engine.common import iso, pool_lock, publish, roster_of, signed, store
from node.storage import StoredBucket
from node.wire import InvalidDocument, check_document
from node.wire.budget import bucket_document, bucket_from_document

__all__ = ["propose_bucket"]


async def propose_bucket(app: web.Application, draft: dict[str, Any], at: datetime) -> StoredBucket:
    """Accept a member's (proof-checked) Bucket draft in the round it names; the same draft twice
    is one bucket. Refused (nothing stored) outside the round's bucket window, beyond the
    bylaws' buckets per member, from someone who may not propose buckets, or malformed."""
    check_document("bucket", draft)
    if "proposedBy" in draft:
        raise InvalidDocument("send a draft: the pool numbers and signs the bucket")
    pool, stored = await round_of(app, draft["proposal"])
    if draft.get("pool", pool.uri) != pool.uri:
        raise InvalidDocument("the round is not this pool's")
    author = str(draft["attributedTo"])
    bucket = bucket_from_document(draft, proposer=author)  # checked before the lock is taken
    when = at.replace(microsecond=0)
    async with pool_lock(app, pool):
        known = await buckets(app).bucket_by_source(str(draft["id"]))
        if known is not None:
            return known
        stored = await store(app).proposal(stored.uri) or stored
        if stored.state != "open":
            raise Conflict("proposal_closed", "the budget round is closed")
        budget = await budget_of(app, stored)
        roster, bylaws, _ = await roster_of(app, pool)
        member = roster.get(author)
        number = len(budget.buckets) + 1
        bucket = Bucket(f"{stored.uri}/buckets/{number}", bucket.title, author, bucket.min_goal,
                        bucket.max_goal, bucket.description)
        budget = budget.propose(bucket, when, steward=member is not None and member.has(Role.STEWARD))
        document = signed(bucket_document(bucket, stored.uri, pool.uri, bylaws.currency, iso(when)),
                          pool, at)
        if not await buckets(app).add_bucket(
            stored.id, number=number, uri=bucket.id, source_uri=str(draft["id"]),
            proposer_uri=author, bucket=bucket.to_dict(), document=document, created_at=iso(at),
        ):
            raise Conflict("bucket_id_conflict", "another bucket was stored with this id")
    await publish(app, pool, "Create", document)
    accepted = await buckets(app).bucket(bucket.id)
    assert accepted is not None
    return accepted
