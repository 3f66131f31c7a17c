"""Ledger entries on the wire: one pool-signed LedgerEntry per transaction, hash-chained."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from governance import GovernanceError, Ledger, LedgerEntry
from governance.codec import datetime_to_str
from node.wire.errors import InvalidDocument
from schemas import OBJECT_CONTEXT

__all__ = ["entry_from_document", "ledger_entry_document", "replay_documents"]


def ledger_entry_document(entry: LedgerEntry, pool: str, sequence: int) -> dict[str, Any]:
    """The LedgerEntry document (unsigned); its ``id`` is the transaction id."""
    tx = entry.transaction
    doc: dict[str, Any] = {
        "@context": OBJECT_CONTEXT,
        "id": tx.id,
        "type": "LedgerEntry",
        "attributedTo": pool,
        "pool": pool,
        "sequence": sequence,
        "entryKind": tx.kind.value,
        "published": datetime_to_str(tx.at),
        "currency": tx.currency,
        "postings": [{"account": p.account, "amount": p.amount} for p in tx.postings],
        "memo": tx.memo,
        "previousHash": entry.prev_hash,
        "entryHash": entry.hash,
    }
    if tx.reference is not None:
        doc["reference"] = tx.reference
    if tx.recorded_by is not None:
        doc["recordedBy"] = tx.recorded_by
    return doc


def entry_from_document(doc: Mapping[str, Any]) -> LedgerEntry:
    """The governance LedgerEntry of a LedgerEntry document (hash not checked here)."""
    try:
        return LedgerEntry.from_dict(
            {
                "id": doc["id"],
                "at": doc["published"],
                "kind": doc["entryKind"],
                "currency": doc["currency"],
                "postings": doc["postings"],
                "memo": doc.get("memo", ""),
                "reference": doc.get("reference"),
                "recorded_by": doc.get("recordedBy"),
                "prev_hash": doc["previousHash"],
                "hash": doc["entryHash"],
            }
        )
    except GovernanceError as exc:
        raise InvalidDocument(f"invalid ledger entry: {exc.reason}", detail=exc.code, code=exc.code) from exc
    except KeyError as exc:
        raise InvalidDocument(f"invalid ledger entry: missing {exc}") from exc


def replay_documents(currency: str, docs: Iterable[Mapping[str, Any]]) -> Ledger:
    """Replay LedgerEntry documents oldest first: balances, hash chain and every invariant."""
    ordered = sorted(docs, key=lambda d: int(d["sequence"]))
    return Ledger.replay(currency, [entry_from_document(d) for d in ordered])
