"""A thread as a page shows it: comments in conversation order with their replies (one level),
authors by name, each shown, collapsed (from outside the pool), hidden (with the steward's
reason) or deleted, and what the reader may do (reply, edit, delete, hide)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from markupsafe import Markup

from governance.discussion import Standing, display
from node.appkeys import ACTORS, CONFIG, REMOTE_ACTORS
from node.discussion import discussions
from node.discussion.content import MAX_COMMENT_CHARS
from node.errors import InvalidRequest
from node.pools import load_bylaws
from node.request_numbers import whole_number
from node.storage import ActorRecord, Membership, StoredComment
from node.web.i18n import gettext as _

__all__ = ["Author", "CommentView", "ThreadView", "author_of", "thread_view"]


@dataclass(frozen=True, slots=True)
class Author:
    """Who wrote a comment, as a page names them."""

    name: str
    handle: str
    url: str


@dataclass(slots=True)
class CommentView:
    """One comment on a page."""

    row: StoredComment
    author: Author
    display: str
    content: Markup
    mine: bool
    replies: list[CommentView] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"comment-{self.row.id}"


@dataclass(frozen=True, slots=True)
class ThreadView:
    """What a page needs to show a thread and its forms."""

    uri: str
    comments: list[CommentView]
    later: str | None
    can_post: bool
    is_steward: bool
    outsiders: str
    max_chars: int = MAX_COMMENT_CHARS
    extra: dict[str, Any] = field(default_factory=dict)


async def author_of(app: web.Application, uri: str) -> Author:
    """A local member by name and handle; a remote actor by its name and ``@user@host``."""
    local = await app[ACTORS].by_uri(uri)
    if local is not None:
        return Author(local.display_name or local.username, f"@{local.username}", local.uri)
    remote = await app[REMOTE_ACTORS].get(uri)
    host = uri.split("/")[2] if uri.count("/") >= 2 else uri
    user = uri.rstrip("/").rsplit("/", 1)[-1]
    if remote is not None:
        username = remote.document.get("preferredUsername")
        user = username if isinstance(username, str) and username else user
        name = remote.document.get("name")
        shown = name if isinstance(name, str) and name.strip() else user
        url = remote.document.get("url")
        # Only a web address is a link: a remote document's url could be "javascript:...".
        link = url if isinstance(url, str) and url.startswith(("https://", "http://")) else uri
        return Author(shown[:100], f"@{user}@{host}", link)
    return Author(user[:100], f"@{user}@{host}", uri)


def _after(raw: str | None) -> tuple[int, int] | None:
    """The ``?after=TOP-ROW`` cursor of a thread's later page (two comment numbers); a cursor
    that is not one (too large for the database included) is a 400 with the reason."""
    if raw is None:
        return None
    top, _sep, row = raw.partition("-")
    cursor = whole_number(top), whole_number(row)
    if cursor[0] is None or cursor[1] is None:
        raise InvalidRequest(_("This link to later comments is not valid: open the page without it "
                               "to read the thread from the start."))
    return cursor[0], cursor[1]


async def thread_view(request: web.Request, pool: ActorRecord, thread_uri: str,
                      viewer: ActorRecord | None, membership: Membership | None) -> ThreadView:
    """The page's thread: one page of comments (``?after=`` pages on), and the reader's rights."""
    app = request.app
    bylaws = await load_bylaws(app[ACTORS], pool)
    limit = app[CONFIG].thread_page_size
    rows = await discussions(app).thread(thread_uri, limit=limit + 1,
                                         after=_after(request.query.get("after")))
    later = f"{rows[limit - 1].top}-{rows[limit - 1].id}" if len(rows) > limit else None
    authors: dict[str, Author] = {}
    tops: dict[int, CommentView] = {}
    shown: list[CommentView] = []
    for row in rows[:limit]:
        if row.author_uri not in authors:
            authors[row.author_uri] = await author_of(app, row.author_uri)
        view = CommentView(
            row, authors[row.author_uri],
            display(Standing(row.standing), bylaws.outside_replies, hidden=row.hidden_at is not None,
                    deleted=row.deleted_at is not None).value,
            Markup(row.content),  # sanitised on the way in (node/discussion/content.py)
            viewer is not None and viewer.uri == row.author_uri)
        parent = tops.get(row.parent_id) if row.parent_id is not None else None
        if parent is not None:
            parent.replies.append(view)
        else:
            tops[row.id] = view
            shown.append(view)
    member = membership is not None and membership.state == "member"
    return ThreadView(
        uri=thread_uri, comments=shown, later=later,
        can_post=viewer is not None and (member or bylaws.outside_replies.value != "refused"),
        is_steward=member and membership is not None and "steward" in membership.roles,
        outsiders=bylaws.outside_replies.value)
