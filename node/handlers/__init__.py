"""What each received activity does: ONE table from (activity type, object type) to handler.

Read it top to bottom. ``None`` as object type matches any object. A more specific row
(e.g. ``("Undo", "Follow")``) wins over ``(type, None)``. Types without a row are stored
and acknowledged but have no side effect. Adding a handler is adding one line here.
"""

from __future__ import annotations

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

__all__ = ["HANDLERS", "Handler", "Inbound", "handler_for", "on_local_activity"]

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


def handler_for(activity_type: str, object_type: str | None) -> Handler | None:
    """The handler for an activity, most specific row first; None if it has no effect."""
    if object_type is not None:
        specific = HANDLERS.get((activity_type, object_type))
        if specific is not None:
            return specific
    return HANDLERS.get((activity_type, None))
