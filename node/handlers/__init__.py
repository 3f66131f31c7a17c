"""What each received activity does: ONE table from (activity type, object type) to handler.

Read it top to bottom. ``None`` as object type matches any object. A more specific row
(e.g. ``("Undo", "Follow")``) wins over ``(type, None)``. Types without a row are stored
and acknowledged but have no side effect. Adding a handler is adding one line here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from node.handlers import (
    accept,
    announce,
    create,
    create_allocation,
    create_ballot,
    create_bucket,
    create_discussion,
    create_event,
    create_ledger_entry,
    create_proposal,
    delete,
    flood_attestation,
    follow,
    join,
    leave,
    poll_reply,
    reject,
    remote_results,
    undo,
    update,
    witness,
)
from node.handlers.context import Handler, Inbound
from node.handlers.local import on_local_activity
from node.handlers.refusals import REFUSALS, answer_refusal

__all__ = [
    "HANDLERS",
    "KEEPS",
    "REFUSALS",
    "Handler",
    "Inbound",
    "answer_refusal",
    "documents_kept",
    "handler_for",
    "is_ballot",
    "on_local_activity",
    "typed_rows",
]

HANDLERS: dict[tuple[str, str | None], Handler] = {
    ("Follow", None): follow.handle,
    ("Accept", "Follow"): accept.accept_follow,
    ("Reject", "Follow"): reject.reject_follow,
    ("Undo", "Follow"): undo.undo_follow,
    ("Create", None): create.handle,
    ("Create", "Proposal"): create_proposal.handle,
    ("Create", "Ballot"): create_ballot.handle,
    ("Create", "LedgerEntry"): create_ledger_entry.handle,
    ("Create", "Note"): poll_reply.handle,  # a poll reply, a comment, a "join" mention
    ("Create", "Page"): create_discussion.handle,  # a member starts a discussion in a pool
    ("Create", "Article"): create_discussion.handle,
    ("Create", "Bucket"): create_bucket.handle,  # a member's draft, or a remote pool's bucket
    ("Create", "Allocation"): create_allocation.handle,
    ("Create", "Event"): create_event.handle,  # a member books a pool's asset (target)
    ("Create", "Electorate"): remote_results.handle_electorate,  # a flood's, or a remote pool's
    ("Create", "Attestation"): flood_attestation.handle,
    ("Create", "HeadAttestation"): witness.handle,  # a witness of a local pool's ledger head
    ("Create", "LedgerConflict"): witness.handle,  # a witness found that ledger inconsistent
    ("Create", "Recount"): witness.handle,  # a pool recounted a local pool's final tally
    ("Announce", None): announce.handle,
    ("Join", None): join.handle,
    ("Leave", None): leave.handle,
    ("Update", "Tally"): remote_results.handle,
    ("Update", "BudgetResult"): remote_results.handle,
    ("Update", None): update.handle,
    ("Delete", None): delete.handle,
}


# Rows whose handling may come down to keeping documents: what they keep, or None when the
# handler has more to do for this activity. The inbox worker writes such activities' documents
# for a whole batch at once instead of running the handler; a row not here always runs.
KEEPS: dict[tuple[str, str | None], Callable[[Inbound], list[dict[str, Any]] | None]] = {
    ("Create", None): create.kept,
    ("Create", "Note"): poll_reply.kept,
}


def _row(activity_type: str, object_type: str | None) -> tuple[str, str | None] | None:
    if object_type is not None and (activity_type, object_type) in HANDLERS:
        return (activity_type, object_type)
    return (activity_type, None) if (activity_type, None) in HANDLERS else None


def handler_for(activity_type: str, object_type: str | None) -> Handler | None:
    """The handler for an activity, most specific row first; None if it has no effect."""
    row = _row(activity_type, object_type)
    return HANDLERS[row] if row is not None else None


def documents_kept(inbound: Inbound, object_type: str | None) -> list[dict[str, Any]] | None:
    """The documents (besides the activity) that handling it comes down to keeping: none for
    an activity without a handler; None when its handler has more to do than keep them."""
    row = _row(str(inbound.activity.get("type")), object_type)
    if row is None:
        return []
    kept = KEEPS.get(row)
    return kept(inbound) if kept is not None else None


def is_ballot(activity_type: str, object_type: str | None) -> bool:
    """Whether the activity is handled as a ballot for a pool (``create_ballot``)."""
    return _row(activity_type, object_type) == ("Create", "Ballot")


def typed_rows(activity_type: str) -> bool:
    """Whether the handler of this activity type depends on its object's type."""
    return any(kind == activity_type and obj is not None for kind, obj in HANDLERS)
