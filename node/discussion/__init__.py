"""Discussion: a pool's threads (every proposal's, and discussions its members start), the
comments in them from this node, other poolnode nodes and Mastodon, moderation and outcome
statements (docs/PROTOCOL.md, "Discussion").

* threads: ``thread_of``, ``target_of`` (which local thread a Note answers)
* comments: ``add_comment``, ``edit_comment``, ``delete_comment``, ``moderate``
* discussions: ``open_discussion``, ``edit_discussion``, ``delete_discussion``
* outbox: ``discussion_outbox`` (a member's Note or Page posted to their outbox)
* forwarding: ``forward`` (ActivityPub §7.1.2, for the inbox worker)
"""

from node.discussion.comments import (
    add_comment,
    announce,
    delete_comment,
    edit_comment,
    moderate,
    reply_target,
)
from node.discussion.discussions import (
    DISCUSSION_TYPES,
    delete_discussion,
    draft_pool,
    edit_discussion,
    open_discussion,
)
from node.discussion.threads import Target, Thread, discussions, target_of, thread_of

__all__ = [
    "DISCUSSION_TYPES",
    "Target",
    "Thread",
    "add_comment",
    "announce",
    "delete_comment",
    "delete_discussion",
    "discussions",
    "draft_pool",
    "edit_comment",
    "edit_discussion",
    "moderate",
    "open_discussion",
    "reply_target",
    "target_of",
    "thread_of",
]
