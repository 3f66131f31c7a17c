"""Create(Note) answering a thread of a local pool (a proposal, its Question, a discussion or a
comment in one): a comment, from another poolnode node or from Mastodon (node/discussion).

The Note is its sender's: ``attributedTo`` must be the actor (the inbox took a Note without
one as the actor's). A refusal (outside the pool under the bylaws, too long, too many, blocked,
an outcome statement by someone else) is a ``Reject`` from the pool, with the reason.
"""

from __future__ import annotations

from datetime import UTC, datetime

from node.discussion import add_comment, reply_target, target_of, thread_of
from node.errors import Forbidden
from node.handlers import create
from node.handlers.context import Inbound
from node.handlers.refusals import refusing

__all__ = ["handle", "may_be_comment"]


def may_be_comment(note: object) -> bool:
    """Whether ``handle`` has to look for a local thread the Note answers (False: it has none)."""
    return (isinstance(note, dict) and isinstance(note.get("id"), str)
            and (reply_target(note) is not None or isinstance(note.get("outcomeOf"), str)))


async def handle(inbound: Inbound) -> bool:
    """Put the Note in its local thread; False when it answers no thread of this node."""
    note = inbound.object
    if not isinstance(note, dict) or not isinstance(note.get("id"), str):
        return False
    app = inbound.app
    replied = reply_target(note)
    target = await target_of(app, replied) if replied else None
    outcome = note.get("outcomeOf")
    thread = target.thread if target is not None else (
        await thread_of(app, outcome) if isinstance(outcome, str) else None)
    if thread is None:
        return False

    async def work() -> None:
        if note.get("attributedTo") != inbound.actor:
            raise Forbidden("a comment is attributed to the actor who sends it")
        await add_comment(app, note, inbound.actor, datetime.now(UTC))
        await create.handle(inbound)  # kept like any received object, once it is accepted

    await refusing(inbound, thread.pool, work)
    return True
