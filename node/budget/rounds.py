"""Opening a budget round from a member's draft, and closing it: its final, signed result.

A round is a proposal of kind ``budget_round`` answered by allocations instead of ballots. It
opens like any proposal (rule and electorate frozen, and the bylaws' round rules with them)
but only for a pot the fund's free money covers now; it closes at its end time through the
pool engine's close (node/pool_engine/closing.py), which asks :func:`final_result` for the
result in place of a tally. Its funded buckets then wait in the pool's queue of obligations
like a passed disbursement, and :func:`commit_buckets` books them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from governance import (
    Budget,
    Bylaws,
    Ledger,
    NotPermitted,
    Roster,
    RuleViolation,
    Transaction,
    format_money,
    open_proposal,
)
from governance.proposals import BudgetRound
from node.budget.common import budget_of, signed_result
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
from node.pool_engine.ledger import Build, book
from node.pool_engine.obligations import free_fund
from node.storage import ActorRecord, StoredProposal
from node.wire import InvalidDocument, check_document, draft_from_document, electorate_document
from node.wire import proposal_document as proposal_doc
from node.wire.budget import result_document

__all__ = ["commit_buckets", "final_result", "is_round_draft", "open_round"]


def is_round_draft(document: dict[str, Any]) -> bool:
    """Whether a member's Proposal draft asks for a budget round."""
    return document.get("proposalKind") == "budget_round"


async def open_round(app: web.Application, draft_document: dict[str, Any], at: datetime) -> StoredProposal:
    """Open a member's (proof-checked) budget round draft; the same draft twice opens once.

    Refused with ``pot_exceeds_fund`` when the pot is more than the fund's free money (the fund
    less what the queue of obligations already waits for): a round shares out money the pool
    holds, and everything it does not fund stays in the fund."""
    draft = draft_from_document(check_document("proposal", draft_document))
    if "electorate" in draft_document:
        raise InvalidDocument("send a draft: the pool freezes the rule and the electorate")
    if not isinstance(draft.motion, BudgetRound):
        raise InvalidDocument("not a budget round")
    pool = await local_pool(app, draft.pool)
    async with pool_lock(app, pool):
        known = await store(app).proposal_by_source(draft.id)
        if known is not None:
            return known
        roster, bylaws, ledger = await roster_of(app, pool)
        if not roster.is_member(draft.author):
            raise NotPermitted("not_a_member", "only a member of the pool may propose")
        free = await free_fund(app, pool, ledger)
        if draft.motion.pot > free:
            raise RuleViolation("pot_exceeds_fund", f"the fund has {format_money(free, bylaws.currency)} "
                                "free: a budget round shares out money the fund holds now")
        opens = at.replace(microsecond=0)
        proposal = open_proposal(
            id=new_id(pool, "proposals"), author=draft.author, title=draft.title,
            motion=draft.motion, bylaws=bylaws, electorate=roster.electorate(), opens_at=opens,
            ballot_type=draft.ballot_type,
        )
        published = iso(at)
        document = signed(proposal_doc(proposal, pool.uri, published), pool, at)
        electorate = signed(electorate_document(proposal, pool.uri, published), pool, at)
        first = signed(result_document(Budget(proposal), pool.uri, [], final=False,
                                       updated=published), pool, at)
        governance = store(app)
        await governance.add_proposal(
            pool_id=pool.id, uri=proposal.id, source_uri=draft.id, author_uri=proposal.author,
            kind=proposal.kind.value, closes_at=iso(proposal.rule.closes_at),
            proposal=proposal.to_dict(), document=document, electorate_document=electorate,
            tally_document=first, outcome=str(first["outcome"]), created_at=published,
        )
        stored = await governance.proposal(proposal.id)
        assert stored is not None
    # A round is no poll (no Question): its members and followers get the Proposal itself.
    await publish(app, pool, "Create", document)
    return stored


async def final_result(app: web.Application, pool: ActorRecord, stored: StoredProposal,
                       at: datetime) -> tuple[str, dict[str, Any]]:
    """The round's final result at its close, signed ('passed' when a bucket is funded).

    The pool engine's close calls it under the pool's lock (BUDGET_RESULT)."""
    budget = await budget_of(app, stored)
    document = await signed_result(app, pool, stored, budget, at, final=True)
    return str(document["outcome"]), document


async def commit_buckets(app: web.Application, pool: ActorRecord, stored: StoredProposal,
                         at: datetime) -> None:
    """Book each funded bucket's commitment once (source ``<bucket>#commitment``), in the
    order the buckets were proposed. A bucket the fund cannot cover raises ``overdraft``: the
    queue of obligations waits, and books the rest when the fund allows (BUDGET_COMMIT)."""
    budget = await budget_of(app, stored)
    for bucket_id, _ in budget.result().funded:
        await book(app, pool, _committing(budget, bucket_id, at), bucket_id + "#commitment", at)


def _committing(budget: Budget, bucket_id: str, at: datetime) -> Build:
    def build(id: str, ledger: Ledger, roster: Roster, bylaws: Bylaws) -> Transaction:
        return budget.commit(id, at, ledger, bucket_id)
    return build

