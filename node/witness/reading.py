"""Reading a witnessed pool's ledger over HTTP: its head, and a bounded stretch of its entries,
each checked to be the pool's own signed entry at its place.

GETs are signed as the witnessing pool, so a pool whose record is members-only serves them to a
flood peer (docs/FEDERATION.md, "Who may read what"). What cannot be read or is not the pool's
raises ``FetchError``, ``InvalidDocument`` or ``ProofRejected`` with the reason.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from governance import LedgerEntry
from governance.witness import Head
from node.http import fetch_as
from node.pool_engine.common import key_lookup
from node.storage import ActorRecord
from node.wire import InvalidDocument, check_document, entry_from_document, verify_author_proof
from node.wire.errors import ProofRejected

__all__ = ["MAX_PAGES", "MAX_STEP", "ledger_head", "ledger_stretch", "signed_entry"]

MAX_STEP = 500
"""At most this many entries are read and checked in one check; a witness further behind
attests the last of them and goes on from there at its next check."""
MAX_PAGES = 100
"""At most this many pages of the ledger collection are read in one check."""
_MAX_SEQUENCE = 2**53 - 1
_HEX = frozenset("0123456789abcdef")


def _is_hash(value: object) -> bool:
    return isinstance(value, str) and len(value) == 64 and set(value) <= _HEX


async def ledger_head(app: web.Application, pool: str, reader: ActorRecord) -> Head:
    """The head ``{pool}/ledger`` shows: ``totalItems`` entries, the last one's ``headHash``."""
    collection = await fetch_as(app, pool + "/ledger", reader)
    total, head = collection.get("totalItems"), collection.get("headHash")
    if isinstance(total, bool) or not isinstance(total, int) or not 0 <= total <= _MAX_SEQUENCE:
        raise InvalidDocument(f"{pool}/ledger has no totalItems (a whole number of entries)")
    if not _is_hash(head):
        raise InvalidDocument(f"{pool}/ledger has no headHash (64 hex digits)")
    return Head(total, str(head))


async def signed_entry(app: web.Application, pool: str, sequence: int,
                       document: Any) -> tuple[LedgerEntry, dict[str, Any]]:
    """A booked entry of ``pool`` at ``sequence``, as the governance entry and its document;
    InvalidDocument or ProofRejected unless the pool signed it there."""
    check_document("ledger-entry", document)
    if "postings" not in document:
        raise InvalidDocument(f"entry {sequence} of {pool} is a request, not a booked entry")
    if document["attributedTo"] != pool or document["pool"] != pool:
        raise ProofRejected(f"proof rejected: entry {sequence} is not attributed to {pool}")
    if document["sequence"] != sequence or document["id"] != f"{pool}/ledger/{sequence}":
        raise InvalidDocument(f"entry {sequence} of {pool} does not live at {pool}/ledger/{sequence}")
    await verify_author_proof(document, pool, lambda method: key_lookup(app, method))
    return entry_from_document(document), document


async def ledger_stretch(app: web.Application, pool: str, first: int, last: int,
                         reader: ActorRecord) -> dict[int, dict[str, Any]]:
    """The documents of entries ``first`` to ``last`` of ``pool``'s ledger, by sequence.

    Read from the paged collection newest first, from ``?page=true&before={last + 1}`` through
    each page's ``next`` until a page reaches ``first``; every page must be a new page of the
    collection. Entries outside the stretch are left out; a missing one is simply absent.
    """
    if not 1 <= first <= last or last - first >= MAX_STEP + 1:
        raise ValueError(f"a stretch of 1 to {MAX_STEP + 1} entries, not {first}..{last}")
    collection = pool + "/ledger"
    url: Any = f"{collection}?page=true&before={last + 1}"
    seen: set[str] = set()
    found: dict[int, dict[str, Any]] = {}
    while url is not None:
        if not isinstance(url, str) or not url.startswith(collection + "?") or url in seen:
            raise InvalidDocument(f"the page {url} is not a new page of {collection}")
        if len(seen) >= MAX_PAGES:
            raise InvalidDocument(f"{collection} needs more than {MAX_PAGES} pages to reach "
                                  f"entry {first}")
        seen.add(url)
        page = await fetch_as(app, url, reader)
        items = page.get("orderedItems")
        if not isinstance(items, list):
            raise InvalidDocument(f"a page of {collection} has no orderedItems")
        lowest = None
        for item in items:
            sequence = item.get("sequence") if isinstance(item, dict) else None
            if isinstance(sequence, bool) or not isinstance(sequence, int):
                continue
            lowest = sequence if lowest is None else min(lowest, sequence)
            if first <= sequence <= last:
                found.setdefault(sequence, item)
        if lowest is None or lowest <= first:
            break
        url = page.get("next")
    return found
