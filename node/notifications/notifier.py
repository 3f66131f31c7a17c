"""The notifier: reads what happened (durable rows of other areas) and tells the members concerned.

Each round reads a bounded batch of every source after its cursor (or, for results and closing
reminders, what is not yet marked done) and adds, in one transaction per source row, the
notifications of local members, their mail jobs, the direct messages for members on other
servers, and the cursor's or the marker's move. A restart reads on from where the last
committed step stopped: nothing is told twice (notifications are unique per member, kind and
subject) and nothing is skipped. Several processes on PostgreSQL may run rounds at once: the
round takes a named lock (in the process, and advisory on the database), so they take turns.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from node.appkeys import ACTORS, CONFIG, DB
from node.pool_engine.common import iso, named_lock
from node.storage import (
    ActorRecord,
    EventRow,
    GovernanceStore,
    NewNotification,
    NotificationSources,
    NotificationStore,
    RemoteNotice,
)
from node.urls import new_object_uri
from node.web.notice_kinds import DEFAULT_MODES

__all__ = ["BATCH", "COMMIT_LAG", "HORIZON", "REMINDER_BEFORE", "CommitHorizon", "Event",
           "commit_horizon", "notify_round"]

log = logging.getLogger("poolnode.notifications")

BATCH = 100
REMINDER_BEFORE = timedelta(hours=24)
# Results of proposals closed longer ago than this are not told (a node back after a long
# outage does not mail a month of results).
RESULT_WINDOW = timedelta(days=7)
_MAX_TITLE = 300


@dataclass(frozen=True, slots=True)
class Event:
    """Something to tell ``recipients`` (actor ids): the kind, what it is about, where to look."""

    pool_id: int
    kind: str
    subject_uri: str
    link: str
    title: str
    detail: str
    recipients: tuple[str, ...]


def _title(proposal: dict[str, object]) -> str:
    title = proposal.get("title")
    return title[:_MAX_TITLE] if isinstance(title, str) else ""


class _Round:
    def __init__(self, app: web.Application, now: datetime) -> None:
        self.app = app
        self.now = now
        self.at = iso(now)
        self.store = NotificationStore(app[DB])
        self.sources = NotificationSources(app[DB])
        self.governance = GovernanceStore(app[DB])
        self.mail_on = bool(app[CONFIG].smtp_host)
        self._pools: dict[int, ActorRecord | None] = {}
        self._people: dict[str, ActorRecord | None] = {}

    async def pool(self, pool_id: int) -> ActorRecord | None:
        if pool_id not in self._pools:
            self._pools[pool_id] = await self.app[ACTORS].by_id(pool_id)
        return self._pools[pool_id]

    async def person(self, uri: str) -> ActorRecord | None:
        """The local member account at ``uri``; None for an account elsewhere."""
        if uri not in self._people:
            found = await self.app[ACTORS].by_uri(uri)
            self._people[uri] = found if found is not None and found.kind == "member" else None
        return self._people[uri]

    async def members(self, pool_id: int) -> tuple[str, ...]:
        return tuple(m.person_uri for m in await self.governance.memberships(pool_id)
                     if m.state == "member")

    async def _mail(self, actor_id: int, kind: str) -> tuple[str | None, int, str]:
        """How this notification is mailed: the mode, when the job is due, the digest's day."""
        if not self.mail_on or await self.store.email(actor_id) is None:
            return None, 0, ""
        mode = (await self.store.modes(actor_id)).get(kind, DEFAULT_MODES.get(kind, "none"))
        now_ms = int(self.now.timestamp() * 1000)
        if mode == "immediately":
            return mode, now_ms, ""
        if mode == "daily":
            day = self.now.date()
            hour = self.app[CONFIG].mail_digest_hour
            due = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
            if due <= self.now:
                due += timedelta(days=1)
            return mode, int(due.timestamp() * 1000), due.date().isoformat()
        return None, 0, ""

    async def tell(self, event: Event, *, cursor: tuple[str, int] | None = None,
                   marker: str | None = None, remote_members_only: bool = True) -> None:
        """Add the event's notifications and direct messages with the cursor's move."""
        pool = await self.pool(event.pool_id)
        local: list[NewNotification] = []
        remote: list[RemoteNotice] = []
        members = set(await self.members(event.pool_id)) if remote_members_only else set()
        for uri in dict.fromkeys(event.recipients):
            person = await self.person(uri)
            if person is not None:
                mail, due, day = await self._mail(person.id, event.kind)
                local.append(NewNotification(
                    person.id, event.kind, event.subject_uri, pool.uri if pool else "",
                    event.link, event.title, event.detail, self.at, mail, due, day))
            elif pool is not None and (not remote_members_only or uri in members):
                remote.append(RemoteNotice(
                    pool.id, uri, event.kind, event.subject_uri,
                    new_object_uri(self.app[CONFIG], "notes"), event.title, event.detail, event.link,
                    self.at))
        await self.store.add(local, remote, cursor=cursor,
                             marker=(marker, event.subject_uri, self.at) if marker else None)


async def _opened(r: _Round, row: EventRow) -> list[Event]:
    proposal = row.data["proposal"]
    recipients = [m for m in await r.members(row.pool_id) if m != row.data["author"]]
    return [Event(row.pool_id, "proposal_opened", row.uri, row.uri, _title(proposal), "",
                  tuple(recipients))]


async def _comment(r: _Round, row: EventRow) -> list[Event]:
    """A reply tells the author of the comment it answers (not the top-level comment's author
    it is filed under, when it answers a reply); nobody is told of their own."""
    replied, author = row.data["replied_author"], row.data["author"]
    if replied is None or replied == author:
        return []
    return [Event(row.pool_id, "reply", row.uri, row.data["thread"], "", "", (replied,))]


async def _mention(r: _Round, row: EventRow) -> list[Event]:
    mentioned = row.data["mentioned"]
    if mentioned == row.data["author"]:
        return []
    return [Event(row.pool_id, "mention", row.uri, row.data["thread"], "", "", (mentioned,))]


async def _entry(r: _Round, row: EventRow) -> list[Event]:
    """Each person whose capital or owed account an entry moves is told the amount."""
    pool = await r.pool(row.pool_id)
    if pool is None:
        return []
    events = []
    for posting in row.data.get("postings", []):
        account, amount = str(posting.get("account", "")), posting.get("amount")
        prefix, _, person = account.partition(":")
        if prefix in ("capital", "owed") and person and isinstance(amount, int):
            detail = f"{prefix}|{amount}|{row.data.get('currency', '')}"
            events.append(Event(row.pool_id, "money", row.uri, pool.uri + "/ledger",
                                str(row.data.get("memo") or row.data.get("kind") or "")[:_MAX_TITLE],
                                detail, (person,)))
    return events


async def _flood(r: _Round, row: EventRow) -> list[Event]:
    events = []
    name = row.data["document"].get("name")
    for pool_uri in row.data["pools"]:
        pool = await r.app[ACTORS].by_uri(pool_uri) if isinstance(pool_uri, str) else None
        if pool is None or pool.kind != "pool":
            continue
        events.append(Event(pool.id, "flood", row.uri, pool.uri + "/floods",
                            name[:_MAX_TITLE] if isinstance(name, str) else "", "",
                            await r.members(pool.id)))
    return events


async def _answer(r: _Round, row: EventRow) -> list[Event]:
    """The pool's Accept or Reject of a Join: the applicant is told (with the reason)."""
    document = row.data
    target, to = document.get("object"), document.get("to")
    person = to[0] if isinstance(to, list) and to and isinstance(to[0], str) else None
    if person is None:
        return []
    if isinstance(target, dict):
        is_join = target.get("type") == "Join"
    else:
        is_join = await r.governance.person_of_join(row.pool_id, str(target)) == person
    if not is_join:
        return []
    pool = await r.pool(row.pool_id)
    if pool is None:
        return []
    kind = "admitted" if document.get("type") == "Accept" else "turned_down"
    reason = document.get("summary")
    return [Event(row.pool_id, kind, row.uri, pool.uri, pool.display_name[:_MAX_TITLE],
                  reason[:1000] if isinstance(reason, str) else "", (person,))]


# (cursor name, table, reader, what a row means)
_APPEND_ONLY = (
    ("proposals", "proposals", NotificationSources.proposals_after, _opened),
    ("comments", "comments", NotificationSources.comments_after, _comment),
    ("mentions", "mentions", NotificationSources.mentions_after, _mention),
    ("ledger_entries", "ledger_entries", NotificationSources.entries_after, _entry),
    ("flood_proposals", "flood_proposals", NotificationSources.floods_after, _flood),
    ("answers", "objects", NotificationSources.answers_after, _answer),
)

COMMIT_LAG = 5.0
"""PostgreSQL: seconds a row id must have been a table's highest before the notifier reads up
to it. Ids are handed out at insert, so a row with a lower id may still be uncommitted (hence
invisible) when a higher one is read; a cursor moved past it would skip it for good. Every
transaction that writes these rows is short, far under this."""


class CommitHorizon:
    """How far each source table may be read: on PostgreSQL, the highest id seen at least
    ``lag`` seconds ago; one SQLite process sees all there is at once (``lag`` 0)."""

    def __init__(self, lag: float) -> None:
        self.lag = lag
        self._seen: dict[str, list[tuple[float, int]]] = {}

    def upto(self, table: str, highest: int, now: float) -> int | None:
        """The bound to read ``table`` up to now (None: nothing is old enough yet)."""
        seen = self._seen.setdefault(table, [])
        seen.append((now, highest))
        old = [(t, i) for t, i in seen if now - t >= self.lag]
        seen[:] = old[-1:] + [(t, i) for t, i in seen if now - t < self.lag]
        return old[-1][1] if old else None


HORIZON: web.AppKey[CommitHorizon] = web.AppKey("notify_horizon", CommitHorizon)


def commit_horizon(app: web.Application) -> CommitHorizon:
    """The app's horizon (node/notifications/__init__.py makes it at start-up)."""
    return CommitHorizon(COMMIT_LAG if app[DB].dialect == "postgresql" else 0.0)


async def _explain_rows(r: _Round, source: str, rows: list[EventRow], explain: Any) -> int:
    """Tell each row's events, moving the source's cursor past the row with its last one."""
    for row in rows:
        events = await explain(r, row)
        if not events:
            await r.store.set_cursor(source, row.id)
        for i, event in enumerate(events):
            last = i == len(events) - 1
            await r.tell(event, cursor=(source, row.id) if last else None,
                         remote_members_only=event.kind not in ("admitted", "turned_down"))
    return len(rows)


async def notify_round(app: web.Application, now: datetime) -> int:
    """One round over every source; how many source rows and markers it handled."""
    async with named_lock(app, "notifier"):
        r = _Round(app, now)
        handled = 0
        clock = time.monotonic()
        horizon = app[HORIZON] if HORIZON in app else commit_horizon(app)
        for source, table, read, explain in _APPEND_ONLY:
            upto = horizon.upto(table, await r.sources.last_id(table), clock)
            position = await r.store.cursor(source) or 0
            if upto is None or upto <= position:
                continue
            rows = await read(r.sources, position, BATCH, upto)
            handled += await _explain_rows(r, source, rows, explain)
            # A source read to its bound moves there (answers are a few of the objects' rows:
            # the next round does not read the others again).
            if len(rows) < BATCH:
                await r.store.set_cursor(source, upto)
        for row in await r.sources.results_unmarked(iso(now - RESULT_WINDOW), BATCH):
            proposal = row.data["proposal"]
            await r.tell(Event(row.pool_id, "result", row.uri, row.uri, _title(proposal),
                               str(row.data["outcome"] or ""),
                               await r.members(row.pool_id)), marker="result")
            handled += 1
        for row in await r.sources.closing_unmarked(r.at, iso(now + REMINDER_BEFORE), BATCH):
            electorate = row.data["proposal"].get("electorate", {}).get("members", [])
            voters = set(row.data["voters"])
            await r.tell(Event(row.pool_id, "closing_soon", row.uri, row.uri,
                               _title(row.data["proposal"]), row.data["closes_at"],
                               tuple(m for m in electorate if m not in voters)),
                         marker="closing_soon")
            handled += 1
        return handled
