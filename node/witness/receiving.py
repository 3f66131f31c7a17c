"""What a witnessed pool receives from its witnesses: HeadAttestations of its ledger (kept, the
latest of each witness, and compared with its own ledger) and LedgerConflicts (kept as an alarm
once the evidence is checked). Refusals raise with the reason (the inbox answers a ``Reject``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from governance.ledger_entries import GENESIS
from governance.witness import Fork, ForkKind, Head
from node.appkeys import ACTORS
from node.errors import Forbidden, NotFound
from node.pool_engine.common import iso, key_lookup, store
from node.storage import ActorRecord, StoredEntry
from node.wire import InvalidDocument, check_document, verify_author_proof
from node.wire.errors import ProofRejected
from node.wire.witness import head_of
from node.witness.alarms import keep_alarm, sign_conflict
from node.witness.common import FUTURE_SKEW, MAX_WITNESSES, witnesses

__all__ = ["our_head", "receive", "receive_attestation", "receive_conflict", "witnessed_pool"]


async def receive(app: web.Application, sender: str, document: dict[str, Any], at: datetime) -> None:
    """A witness's HeadAttestation, LedgerConflict or Recount for a local pool."""
    kind = document.get("type")
    if kind == "HeadAttestation":
        await receive_attestation(app, sender, document, at)
    elif kind == "LedgerConflict":
        await receive_conflict(app, sender, document, at)
    elif kind == "Recount":
        from node.witness.recounts import receive_recount

        await receive_recount(app, sender, document, at)
    else:
        raise InvalidDocument(f"not a witness's document: {kind!r}")


async def witnessed_pool(app: web.Application, sender: str, document: dict[str, Any],
                         at: datetime) -> ActorRecord:
    """The local pool a witness's document is about, once the document is the sender's own:
    ``attributedTo`` the sender, its id under the sender, ``published`` not in the future, and
    its proof made with the sender's key."""
    if document["attributedTo"] != sender:
        raise ProofRejected(f"proof rejected: a {document['type']} is sent by its own author, "
                            f"not {sender}")
    if not str(document["id"]).startswith(sender + "/"):
        raise ProofRejected("proof rejected: the document's id is not under its author")
    pool = await app[ACTORS].by_uri(document["pool"])
    if pool is None or not pool.is_pool:
        raise NotFound(f"no pool {document['pool']} on this node")
    if sender == pool.uri:
        raise InvalidDocument("a pool does not witness itself")
    published = datetime.fromisoformat(str(document["published"]).replace("Z", "+00:00"))
    if published.tzinfo is None or published > at + FUTURE_SKEW:
        raise InvalidDocument("published in the future (or without a time zone)")
    await verify_author_proof(document, sender, lambda method: key_lookup(app, method))
    return pool


async def _entry_at(app: web.Application, pool: ActorRecord, sequence: int) -> StoredEntry | None:
    return await store(app).entry(f"{pool.uri}/ledger/{sequence}")


async def our_head(app: web.Application, pool: ActorRecord) -> tuple[Head, dict[str, Any] | None]:
    newest = await store(app).ledger_page(pool.id, limit=1)
    if not newest:
        return Head(0, GENESIS), None
    return Head(newest[0].sequence, str(newest[0].document["entryHash"])), newest[0].document


async def receive_attestation(app: web.Application, sender: str, document: dict[str, Any],
                              at: datetime) -> None:
    """Keep a witness's attestation of a local pool's head; a head our ledger no longer holds
    raises the alarm on our side (signed by the pool itself, the attestation as evidence)."""
    check_document("head-attestation", document)
    pool = await witnessed_pool(app, sender, document, at)
    head = head_of(document)
    if head.sequence == 0 and head.hash != GENESIS:
        raise InvalidDocument("an empty ledger's head hash is 64 zeros")
    store_ = witnesses(app)
    if (await store_.attestation(sender, pool.uri) is None
            and await store_.count_witnesses(pool.uri) >= MAX_WITNESSES):
        raise Forbidden(f"this pool keeps the attestations of at most {MAX_WITNESSES} witnesses")
    await store_.put_attestation(document, iso(at))
    ours, newest = await our_head(app, pool)
    if head.sequence == 0 or not await _witnessed_back(app, pool, sender):
        # A stranger's word alone raises no alarm here: its attestation is kept and shown
        # beside our head; an alarm of its rests on our own signatures (a LedgerConflict).
        return
    entry = await _entry_at(app, pool, head.sequence)
    if entry is None:
        fork = Fork(ForkKind.TRUNCATED, head.sequence,
                    f"{sender} attested entry {head.sequence}, but our ledger ends at entry "
                    f"{ours.sequence}")
        evidence = [newest] if newest is not None else []
    elif entry.document.get("entryHash") != head.hash:
        fork = Fork(ForkKind.REWRITTEN, head.sequence,
                    f"{sender} attested entry {head.sequence} with the hash {head.hash[:12]}…, "
                    f"our ledger holds {str(entry.document.get('entryHash'))[:12]}…")
        evidence = [entry.document]
    else:
        return
    conflict = sign_conflict(pool, pool.uri, fork, document, evidence, ours, at)
    await keep_alarm(app, pool, "witnessed", conflict, at)


async def _witnessed_back(app: web.Application, pool: ActorRecord, witness: str) -> bool:
    """Whether ``pool`` witnesses ``witness`` too (a flood peer, or its stewards' choice)."""
    return any(link.target_uri == witness and link.active
               for link in await witnesses(app).links(pool.id))


async def receive_conflict(app: web.Application, sender: str, document: dict[str, Any],
                           at: datetime) -> None:
    """A witness reports that a local pool's ledger departs from a head it attested: kept as an
    alarm when the evidence holds (the witness's own attestation of this pool, entries this pool
    signed), and shows a conflict (with our ledger, or between the entries themselves)."""
    check_document("ledger-conflict", document)
    pool = await witnessed_pool(app, sender, document, at)
    attestation = document["attestation"]
    if attestation["attributedTo"] != sender or attestation["pool"] != pool.uri:
        raise ProofRejected("proof rejected: the attestation in a conflict is the witness's own, "
                            "of this pool")
    await verify_author_proof(attestation, sender, lambda method: key_lookup(app, method))
    evidence = document["evidence"]
    for entry in evidence:
        if (entry.get("attributedTo") != pool.uri or "postings" not in entry
                or not isinstance(entry.get("sequence"), int)
                or entry.get("id") != f"{pool.uri}/ledger/{entry['sequence']}"):
            raise ProofRejected("proof rejected: the evidence holds an entry that is not this "
                                "pool's")
        await verify_author_proof(entry, pool.uri, lambda method: key_lookup(app, method))
    if not await _shows_conflict(app, pool, head_of(attestation), evidence):
        raise InvalidDocument("the evidence shows no conflict: our own signed entries agree "
                              "with each other and with our ledger")
    await keep_alarm(app, pool, "witnessed", document, at)


async def _shows_conflict(app: web.Application, pool: ActorRecord, attested: Head,
                          evidence: list[dict[str, Any]]) -> bool:
    """Whether the pool's own signatures show the conflict: two evidence entries at one place
    with two hashes, one not following the evidence entry before it, or the attested entry as
    the pool signed it, which its ledger no longer holds. A witness's word alone never does."""
    hashes: dict[int, set[str]] = {}
    for item in evidence:
        hashes.setdefault(item["sequence"], set()).add(item["entryHash"])
    if any(len(found) > 1 for found in hashes.values()):
        return True
    by_sequence = {entry["sequence"]: entry for entry in evidence}
    if any(sequence - 1 in by_sequence
           and entry["previousHash"] != by_sequence[sequence - 1]["entryHash"]
           for sequence, entry in by_sequence.items()):
        return True
    signed_then = by_sequence.get(attested.sequence)
    if attested.sequence < 1 or signed_then is None or signed_then["entryHash"] != attested.hash:
        return False
    ours = await _entry_at(app, pool, attested.sequence)
    return ours is None or ours.document.get("entryHash") != attested.hash
