"""Alarms: a ledger head inconsistent with one witnessed before, kept for good with its signed
evidence (a LedgerConflict) on the page of the local pool concerned, and sent on.

Both sides keep one: the witness, which found the witnessed pool's ledger departing from the
head it attested, and the witnessed pool, which receives the witness's report (or finds for
itself that a witness attested a head its ledger no longer holds).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from aiohttp import web

from governance.witness import Fork, Head
from node.pool_engine.common import iso, signed
from node.storage import ActorRecord
from node.wire.witness import conflict_document
from node.witness.common import witnesses

__all__ = ["conflict_path", "fingerprint", "keep_alarm", "sign_conflict"]

log = logging.getLogger("poolnode.witness")


def conflict_path(signer: str) -> str:
    """A fresh id for a LedgerConflict ``signer`` signs: ``{signer}/conflicts/{uuid}``."""
    return f"{signer}/conflicts/{uuid.uuid4()}"


def fingerprint(document: Mapping[str, Any]) -> str:
    """What makes two LedgerConflicts the same conflict, whoever signed them: the witness (the
    author of the attestation), the pool, the kind, the entry, the attested hash and the hash
    shown in its place (the head's for a truncated ledger; else the last evidence entry's)."""
    attestation = document["attestation"]
    evidence = document["evidence"]
    conflicting = (document["head"]["headHash"] if document["conflict"] == "truncated" or not evidence
                   else evidence[-1]["entryHash"])
    return " ".join((attestation["attributedTo"], document["pool"], document["conflict"],
                     str(document["sequence"]), attestation["headHash"], conflicting))


def sign_conflict(signer: ActorRecord, pool: str, fork: Fork, attestation: Mapping[str, Any],
                  evidence: Sequence[Mapping[str, Any]], head: Head, now: datetime) -> dict[str, Any]:
    """A LedgerConflict signed by ``signer`` (the witness, or the witnessed pool itself)."""
    document = conflict_document(conflict_path(signer.uri), signer.uri, pool, fork, attestation,
                                 evidence, head, iso(now))
    return signed(document, signer, now)


async def keep_alarm(app: web.Application, local: ActorRecord, role: str,
                     document: dict[str, Any], now: datetime) -> bool:
    """Keep the alarm on ``local``'s page (``role``: 'witness' or 'witnessed'); True if new."""
    new = await witnesses(app).add_alarm(
        pool_id=local.id, role=role, witness_uri=document["attestation"]["attributedTo"],
        pool_uri=document["pool"], kind=document["conflict"], sequence=document["sequence"],
        reason=document["summary"], fingerprint=fingerprint(document), document=document,
        now=iso(now))
    if new:
        log.warning("ledger conflict (%s) of %s at entry %s, %s: %s", role, document["pool"],
                    document["sequence"], document["id"], document["summary"])
    return new
