"""Comments in a pool's threads: adding one (written here or received), its author's edit and
deletion, a steward hiding it, and the pool's ``Announce`` of members' comments (FEP-1b12).

Whoever the comment comes from (the web app, a C2S client, another server), the same rules
apply here: the thread must be a local one, the content is sanitised and bounded, the author's
rate is bounded, the bylaws decide about replies from outside the pool
(governance/discussion.py), an actor a local author blocked may not reply to them, one the
pool's stewards blocked takes no part in its threads (node/discussion/blocks.py), and a
proposal's outcome statement is its author's or a steward's, once it closed. A refusal is a
GovernanceError or NodeError with the reason: C2S answers it, the inbox sends a ``Reject``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from governance.discussion import (
    Standing,
    StatementAuthor,
    check_author,
    check_outcome,
    check_reason,
    standing_of,
)
from node.appkeys import ACTORS, CONFIG, DB
from node.discussion.blocks import check_not_blocked
from node.discussion.content import MAX_COMMENT_CHARS, MAX_HTML_CHARS, sanitize, visible_length
from node.discussion.documents import tombstone
from node.discussion.mentions import check_mentions, mentioned_actors
from node.discussion.threads import Target, discussions, target_of, thread_of
from node.errors import Conflict, Forbidden, Gone, InvalidRequest, NotFound, RateLimited
from node.pool_engine.common import iso, publish, store
from node.pools import load_bylaws
from node.storage import ActorRecord, BlockStore, NewComment, StoredComment
from schemas import AS_PUBLIC

__all__ = [
    "add_comment",
    "announce",
    "check_rate",
    "clean_content",
    "delete_comment",
    "edit_comment",
    "moderate",
    "reply_target",
]


_THREAD_FIELDS = ("inReplyTo", "outcomeOf", "attributedTo")
"""What ties a comment to its author and its place: no edit changes them."""


def reply_target(note: dict[str, Any]) -> str | None:
    """What a Note answers: the proposal of an outcome statement, else its ``inReplyTo``."""
    for key in ("outcomeOf", "inReplyTo"):
        value = note.get(key)
        if isinstance(value, dict):
            value = value.get("id")
        if isinstance(value, str) and value:
            return value
    return None


def clean_content(note: dict[str, Any]) -> str:
    """The Note's content, sanitised; InvalidRequest when it is missing, empty or too long."""
    content = note.get("content")
    if not isinstance(content, str) or not content.strip():
        raise InvalidRequest("a comment needs some text in 'content'")
    if len(content) > MAX_HTML_CHARS:
        raise InvalidRequest(f"a comment is at most {MAX_HTML_CHARS} characters of HTML")
    clean = sanitize(content)
    if not visible_length(clean):
        raise InvalidRequest("a comment needs some text in 'content'")
    if visible_length(clean) > MAX_COMMENT_CHARS:
        raise InvalidRequest(f"a comment is at most {MAX_COMMENT_CHARS} characters")
    return clean


async def check_rate(app: web.Application, author: str, at: datetime) -> None:
    """At most ``comments_per_hour`` comments and discussions per actor (0: no limit)."""
    limit = app[CONFIG].comments_per_hour
    if limit and await discussions(app).recent_posts(author, iso(at - timedelta(hours=1))) >= limit:
        raise RateLimited(f"at most {limit} comments and discussions an hour: try again later",
                          retry_after=600)


async def _is_member(app: web.Application, pool: ActorRecord, person: str) -> tuple[bool, bool]:
    """(member, steward) of the pool now."""
    membership = await store(app).membership(pool.id, person)
    member = membership is not None and membership.state == "member"
    return member, member and membership is not None and "steward" in membership.roles


async def _check_not_blocked(app: web.Application, replied: StoredComment, author: str) -> None:
    local = await app[ACTORS].by_uri(replied.author_uri)
    if local is not None and await BlockStore(app[DB]).any_blocks([local.id], author):
        raise Forbidden("the author of the comment you reply to does not take replies from you",
                        code="blocked")


async def _target(app: web.Application, note: dict[str, Any]) -> Target | None:
    outcome = note.get("outcomeOf")
    if outcome is None:
        target = reply_target(note)
        return await target_of(app, target) if target else None
    thread = await thread_of(app, outcome) if isinstance(outcome, str) else None
    if thread is None or thread.kind != "proposal" or thread.uri != outcome:
        raise NotFound("'outcomeOf' names no proposal of this node")
    return Target(thread, None, None)


async def add_comment(app: web.Application, note: dict[str, Any], author: str,
                      at: datetime) -> StoredComment | None:
    """Put a Note in its local thread; None if it answers no local thread. The same Note again
    changes nothing. A member's comment is announced to the pool's followers and members."""
    target = await _target(app, note)
    if target is None:
        return None
    content = clean_content(note)
    check_mentions(note)
    known = await discussions(app).comment(note["id"])
    if known is not None:
        return known
    thread, pool = target.thread, target.thread.pool
    await check_not_blocked(app, pool, author)
    await check_rate(app, author, at)
    if target.replied is not None:
        await _check_not_blocked(app, target.replied, author)
    member, steward = await _is_member(app, pool, author)
    kind = "comment"
    if "outcomeOf" in note:
        proposal = await store(app).proposal(thread.uri)
        assert proposal is not None
        already = await discussions(app).outcome_of(thread.uri) is not None
        check_outcome(StatementAuthor(author, proposal.author_uri, steward),
                      closed=proposal.state == "closed", already=already)
        kind = "outcome"
    bylaws = await load_bylaws(app[ACTORS], pool)
    standing = standing_of(member, bylaws.outside_replies)
    document = {**note, "content": content}
    stored = await discussions(app).add_comment(NewComment(
        pool_id=pool.id, thread_uri=thread.uri, uri=note["id"],
        parent_id=target.parent.id if target.parent is not None else None, author_uri=author,
        kind=kind, standing=standing.value, content=content, document=document,
        created_at=iso(at), mentions=mentioned_actors(note)))
    if stored is None:  # the same Note, or a second outcome statement, arrived meanwhile
        again = await discussions(app).comment(note["id"])
        if again is None:
            raise Conflict("this proposal's outcome is already published: edit that statement instead",
                           code="outcome_published")
        return again
    if standing is Standing.MEMBER:
        await announce(app, pool, document)
    return stored


async def announce(app: web.Application, pool: ActorRecord, obj: dict[str, Any]) -> None:
    """The pool relays a member's comment (or its Update or Delete) to its members and followers,
    as FEP-1b12 groups do; a members-only pool to its members only (``publish`` decides)."""
    bylaws = await load_bylaws(app[ACTORS], pool)
    public = [AS_PUBLIC] if bylaws.visibility.value == "public" else []
    relayed = {k: v for k, v in obj.items() if k not in ("bto", "bcc")}
    await publish(app, pool, "Announce", relayed, public)


async def _authored(app: web.Application, uri: str, actor: str, doing: str) -> StoredComment | None:
    comment = await discussions(app).comment(uri)
    if comment is None:
        return None
    check_author(actor, comment.author_uri, doing)
    if comment.deleted_at is not None:
        raise Gone("this comment was deleted")
    return comment


def _link(value: object) -> str | None:
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else None


async def _check_thread_links(app: web.Application, comment: StoredComment, note: dict[str, Any],
                              actor: str) -> None:
    """An edit keeps the comment where it is: refused (with the reason) when it names another
    ``inReplyTo`` or ``outcomeOf``; a comment never becomes the outcome statement by an edit, and
    someone who may not publish the outcome is told so (``not_permitted``)."""
    outcome = _link(comment.document.get("outcomeOf"))
    if "outcomeOf" in note and _link(note["outcomeOf"]) != outcome:
        if outcome is not None:
            raise InvalidRequest("an outcome statement stays its proposal's: an Update does not "
                                 "change 'outcomeOf'")
        proposal = await store(app).proposal(comment.thread_uri)
        if proposal is not None:
            pool = await app[ACTORS].by_id(comment.pool_id)
            steward = pool is not None and (await _is_member(app, pool, actor))[1]
            check_outcome(StatementAuthor(actor, proposal.author_uri, steward), closed=True, already=False)
        raise InvalidRequest("a comment does not become the outcome statement: publish the "
                             "statement as a new Note with 'outcomeOf'")
    if "inReplyTo" in note and _link(note["inReplyTo"]) != _link(comment.document.get("inReplyTo")):
        raise InvalidRequest("a comment stays where it was posted: an Update does not change 'inReplyTo'")


def _as_kept(app: web.Application, activity: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    """The Update the pool relays: a local one carries the comment as kept; another server's
    goes as it came (its object may be signed), its links having been checked equal."""
    local = str(activity.get("actor", "")).startswith(app[CONFIG].base_url + "/")
    return {**activity, "object": document} if local and isinstance(activity.get("object"), dict) else activity


async def edit_comment(app: web.Application, actor: str, note: dict[str, Any],
                       activity: dict[str, Any], at: datetime) -> StoredComment | None:
    """The author's new version of a comment (its Update); None if it is no comment here. It
    stays in its thread and place: its ``inReplyTo``, ``outcomeOf`` and ``attributedTo`` are
    kept as they were (another value is refused). A member's edit is announced as the Update."""
    comment = await _authored(app, note["id"], actor, "edit")
    if comment is None:
        return None
    pool = await app[ACTORS].by_id(comment.pool_id)
    if pool is not None:
        await check_not_blocked(app, pool, actor)
    content = clean_content(note)
    check_mentions(note)
    await _check_thread_links(app, comment, note, actor)
    document = {**note, "content": content}
    for key in _THREAD_FIELDS:
        if key in comment.document:
            document[key] = comment.document[key]
        elif key != "attributedTo":  # a link it never had is not added
            document.pop(key, None)
    await discussions(app).change_comment(comment.uri, content, document, iso(at))
    if comment.standing == Standing.MEMBER.value and pool is not None:
        await announce(app, pool, _as_kept(app, activity, document))
    return await discussions(app).comment(comment.uri)


async def delete_comment(app: web.Application, actor: str, uri: str, activity: dict[str, Any],
                         at: datetime) -> StoredComment | None:
    """The author deletes a comment: a Tombstone stays in its place (ActivityPub §6.4)."""
    comment = await _authored(app, uri, actor, "delete")
    if comment is None:
        return None
    gone = tombstone(uri, "Note", iso(at), inReplyTo=comment.document.get("inReplyTo"))
    await discussions(app).change_comment(uri, "", gone, iso(at), deleted=True)
    if comment.standing == Standing.MEMBER.value:
        pool = await app[ACTORS].by_id(comment.pool_id)
        if pool is not None:
            await announce(app, pool, activity)
    return await discussions(app).comment(uri)


async def moderate(app: web.Application, pool: ActorRecord, steward: str, row_id: int,
                   reason: str, at: datetime, *, hide: bool) -> StoredComment:
    """A steward of the pool hides a comment with a reason (kept, shown hidden, logged), or
    shows it again."""
    comment = await discussions(app).comment_by_row(row_id)
    if comment is None or comment.pool_id != pool.id:
        raise NotFound("there is no such comment in this pool")
    _, is_steward = await _is_member(app, pool, steward)
    if not is_steward:
        raise Forbidden("only a steward of the pool may hide or show a comment")
    text = check_reason(reason) if hide else (" ".join(reason.split())[:500] or "shown again")
    await discussions(app).moderate(comment, steward, text, iso(at), hide=hide)
    changed = await discussions(app).comment(comment.uri)
    assert changed is not None
    return changed
