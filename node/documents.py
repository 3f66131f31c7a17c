"""The ActivityStreams documents a node serves for its actors and collections."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from node.config import Config
from node.storage import ActorRecord
from schemas import ACTOR_CONTEXT, AS_CONTEXT_URL

__all__ = [
    "ACTOR_CONTEXT",
    "AS_CONTEXT",
    "actor_document",
    "actor_paths",
    "collection_document",
    "collection_page_document",
    "keyset_page_document",
]

AS_CONTEXT = AS_CONTEXT_URL


def actor_paths(actor: ActorRecord) -> dict[str, str]:
    """The actor's endpoints, all under its own id."""
    paths = {
        "inbox": actor.uri + "/inbox",
        "outbox": actor.uri + "/outbox",
        "followers": actor.uri + "/followers",
        "following": actor.uri + "/following",
    }
    if actor.is_pool:
        paths["members"] = actor.uri + "/members"
        paths["bylaws"] = actor.uri + "/bylaws"
        paths["proposals"] = actor.uri + "/proposals"
        paths["ledger"] = actor.uri + "/ledger"
        paths["floods"] = actor.uri + "/floods"
        paths["witnesses"] = actor.uri + "/witnesses"
        paths["witnessing"] = actor.uri + "/witnessing"
        paths["ledgerConflicts"] = actor.uri + "/conflicts"
    return paths


def actor_document(config: Config, actor: ActorRecord) -> dict[str, Any]:
    """A Mastodon-compatible actor: Group for a pool, Person for a member."""
    paths = actor_paths(actor)
    document: dict[str, Any] = {
        "@context": ACTOR_CONTEXT,
        "id": actor.uri,
        "type": "Group" if actor.is_pool else "Person",
        "preferredUsername": actor.username,
        "name": actor.display_name,
        "summary": actor.summary,
        "url": actor.uri,
        "inbox": paths["inbox"],
        "outbox": paths["outbox"],
        "followers": paths["followers"],
        "following": paths["following"],
        "endpoints": {"sharedInbox": config.url("/inbox")},
        "manuallyApprovesFollowers": False,
        "discoverable": True,
        "published": actor.created_at,
        "publicKey": {
            "id": actor.key_id,
            "owner": actor.uri,
            "publicKeyPem": actor.rsa_public_pem,
        },
        "assertionMethod": [
            {
                "id": actor.proof_key_id,
                "type": "Multikey",
                "controller": actor.uri,
                "publicKeyMultibase": actor.ed25519_public_multibase,
            }
        ],
    }
    if actor.is_pool:
        document["members"] = paths["members"]
        document["bylaws"] = paths["bylaws"]
        document["proposals"] = paths["proposals"]
        document["ledger"] = paths["ledger"]
        # Where its floods, their pools and their proposals are listed (docs/PROTOCOL.md §Floods).
        document["floods"] = paths["floods"]
        # Witnessed ledger heads (docs/PROTOCOL.md): who attested this pool's head, the heads it
        # attested of other pools, and every ledger conflict it holds.
        document["witnesses"] = paths["witnesses"]
        document["witnessing"] = paths["witnessing"]
        document["ledgerConflicts"] = paths["ledgerConflicts"]
    return document


def collection_document(collection_id: str, total: int) -> dict[str, Any]:
    """An OrderedCollection whose items are served in pages, newest first."""
    return {
        "@context": AS_CONTEXT,
        "id": collection_id,
        "type": "OrderedCollection",
        "totalItems": total,
        "first": collection_id + "?page=true",
    }


def collection_page_document(
    collection_id: str, items: list[Any], *, before: int | None, next_before: int | None
) -> dict[str, Any]:
    """One OrderedCollectionPage; ``next`` continues to older items."""
    page_id = collection_id + "?page=true" + (f"&before={before}" if before is not None else "")
    page: dict[str, Any] = {
        "@context": AS_CONTEXT,
        "id": page_id,
        "type": "OrderedCollectionPage",
        "partOf": collection_id,
        "orderedItems": items,
    }
    if next_before is not None:
        page["next"] = f"{collection_id}?page=true&before={next_before}"
    return page


_Row = TypeVar("_Row")


def keyset_page_document(
    collection_id: str,
    rows: Sequence[_Row],
    *,
    limit: int,
    before: int | None,
    item: Callable[[_Row], Any],
    cursor: Callable[[_Row], int],
) -> dict[str, Any]:
    """A page from ``limit + 1`` rows fetched newest first: the extra row only says there is more."""
    shown = rows[:limit]
    more = len(rows) > limit and bool(shown)
    return collection_page_document(
        collection_id,
        [item(r) for r in shown],
        before=before,
        next_before=cursor(shown[-1]) if more else None,
    )
