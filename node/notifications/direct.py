"""Direct messages to members whose account lives on another server (a poolnode node, Mastodon).

The pool sends a private ``Create(Note)``: addressed to the member only (no public, no
followers), with a ``Mention`` tag naming them (Mastodon shows a Note that mentions the only
addressee as a direct message), the sentence and the link. The sentence is in the member's
language when this node has one recorded for them (the language of their account here, if they
have one), else in the pool's language (its stewards choose it; a pool made on the web starts
in its maker's), else in English; the catalogs are the web app's (node/web/i18n.py).
It goes through the delivery queue like every other activity; the stored copy lists the
member as its only reader and is in no public collection.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from node import delivery
from node.appkeys import ACTORS, DB, DELIVERY, LANGUAGES, OBJECTS, REMOTE_ACTORS
from node.documents import AS_CONTEXT
from node.pool_engine.common import iso
from node.storage import ActorRecord, NotificationStore, RemoteNotice, WebStore
from node.web.i18n import ENGLISH, Language, speaking
from node.web.notice_text import sentence

__all__ = ["direct_note", "language_of", "send_direct_round"]

_BATCH = 50


def _handle(uri: str, document: dict[str, Any]) -> str:
    """``@name@host`` (with the port when the actor's id names one), as WebFinger finds it."""
    name = document.get("preferredUsername")
    parts = urlsplit(uri)
    host = parts.hostname or ""
    try:
        port = parts.port
    except ValueError:
        port = None
    if ":" in host:
        host = f"[{host}]"
    if port is not None:
        host = f"{host}:{port}"
    return f"@{name}@{host}" if isinstance(name, str) and name else uri


def direct_note(pool_uri: str, notice: RemoteNotice, handle: str, text: str) -> dict[str, Any]:
    """The ``Create(Note)`` that tells ``notice.person_uri`` about ``notice`` (``text``: what)."""
    mention = (f'<span class="h-card"><a href="{escape(notice.person_uri)}" class="u-url mention">'
               f'{escape(handle)}</a></span>')
    note = {
        "id": notice.note_uri,
        "type": "Note",
        "attributedTo": pool_uri,
        "to": [notice.person_uri],
        "cc": [],
        "published": notice.created_at,
        "content": f'<p>{mention} {escape(text)} <a href="{escape(notice.link)}">'
                   f'{escape(notice.link)}</a></p>',
        "url": notice.link,
        "tag": [{"type": "Mention", "href": notice.person_uri, "name": handle}],
    }
    return {
        "@context": AS_CONTEXT,
        "id": notice.note_uri + "/activity",
        "type": "Create",
        "actor": pool_uri,
        "to": [notice.person_uri],
        "cc": [],
        "published": notice.created_at,
        "object": note,
    }


async def language_of(app: web.Application, pool: ActorRecord, person: str) -> Language:
    """The language to write to ``person`` in: theirs if recorded here, else the pool's, else English."""
    languages = app.get(LANGUAGES)
    if languages is None:
        return ENGLISH
    web_store = WebStore(app[DB])
    account = await app[ACTORS].by_uri(person)
    code = await web_store.locale(account.id) if account is not None else None
    found = languages.get(code) if code else None
    if found is None:
        pool_code = await web_store.locale(pool.id)
        found = languages.get(pool_code) if pool_code else None
    return found or ENGLISH


async def send_direct_round(app: web.Application, now: datetime) -> int:
    """Queue the recorded direct messages for delivery; how many."""
    store = NotificationStore(app[DB])
    notices = await store.unqueued_remote(_BATCH)
    for notice in notices:
        pool = await app[ACTORS].by_id(notice.pool_id)
        if pool is not None:
            remote = await app[REMOTE_ACTORS].get(notice.person_uri)
            handle = _handle(notice.person_uri, remote.document if remote else {})
            with speaking(await language_of(app, pool, notice.person_uri)):
                text = sentence(notice.kind, notice.title, notice.detail)
            activity = direct_note(pool.uri, notice, handle, text)
            # Stored, queued and marked are three steps: a process that died between them left
            # the message stored (its id is fixed) or queued too; each is done once.
            stored = await app[OBJECTS].get(activity["id"]) is not None
            if not stored:
                await app[OBJECTS].put_local_activity(
                    pool.id, activity, activity["object"], notice.created_at, collections=(),
                    private_recipients=(notice.person_uri,))
            if not stored or not await app[DELIVERY].store.has_activity(activity["id"]):
                await delivery.enqueue_activity(app, pool, activity, [notice.person_uri])
        await store.mark_remote_queued(notice.id, iso(now))
    return len(notices)
