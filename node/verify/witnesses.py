"""A pool's ledger checked against its witnesses (docs/PROTOCOL.md, "Verifying with the
witnesses"): the attestations the pool lists, those its witnesses list of it (a pool could
leave a witness out), and the ledger conflicts either side holds.

The reads are bounded: the pool's ``witnesses`` collection (the latest attestation of each
witness, at most 100), and of at most :data:`MAX_WITNESSES_READ` witnesses (those the pool lists,
then the pools of its floods, which witness it by the protocol) the actor document, its
``witnessing`` collection and at most :data:`MAX_CONFLICTS` of its ``ledgerConflicts``. Every
attestation counts only once its proof verifies with its witness's own key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from federation.errors import RemoteAnswered
from node.verify.proofs import check_proofs, proof_verdict, proof_verdicts
from node.verify.reader import RecordReader, Unreadable
from node.verify.report import Report, count
from node.verify.witnessed import attested_heads, check_conflicts, check_witnessed, evidence_key
from schemas import validation_errors

__all__ = ["MAX_CONFLICTS", "MAX_WITNESSES_READ", "verify_witnesses"]

MAX_LISTED = 100
"""A pool lists the latest attestation of at most this many witnesses (docs/PROTOCOL.md)."""
MAX_WITNESSES_READ = 20
"""At most this many witnesses' own records are read."""
MAX_LATER = 20
"""At most this many entries booked after the ledger was read, and attested since, are read."""
MAX_CONFLICTS = 100
"""At most this many LedgerConflicts are read from one collection (newest first)."""


def _named(actor: Mapping[str, Any], name: str) -> str | None:
    """The collection the actor document names under ``name``, if it lies under the actor."""
    value = actor.get(name)
    return value if isinstance(value, str) and value.startswith(str(actor.get("id")) + "/") else None


def _attestation_of(document: Any, pool: str) -> bool:
    """Whether ``document`` is a HeadAttestation of ``pool`` by another pool, under its id."""
    if not isinstance(document, dict) or validation_errors("head-attestation", document):
        return False
    witness = str(document["attributedTo"])
    return document["pool"] == pool and witness != pool and str(document["id"]).startswith(witness + "/")


def _conflict_of(document: Any, pool: str) -> bool:
    return (isinstance(document, dict) and document.get("pool") == pool
            and not validation_errors("ledger-conflict", document))


async def newest_items(reader: RecordReader, collection_id: str, limit: int) -> list[Any]:
    """At most ``limit`` items of a collection, inline or from ``first`` through ``next``
    (newest first), each page new and under the collection."""
    collection = await reader.document(collection_id)
    inline = collection.get("orderedItems")
    if isinstance(inline, list):
        return inline[:limit]
    found: list[Any] = []
    seen: set[str] = set()
    page: Any = collection.get("first") if collection.get("totalItems") != 0 else None
    while page is not None and len(found) < limit:
        if isinstance(page, str):
            if not page.startswith(collection_id) or page in seen:
                raise Unreadable(collection_id, f"the page {page} is not a new page of it")
            seen.add(page)
            page = await reader.document(page)
        items = page.get("orderedItems") if isinstance(page, dict) else None
        if not isinstance(items, list):
            raise Unreadable(collection_id, "a page has no orderedItems")
        found.extend(items)
        page = page.get("next") if items else None
    return found[:limit]


async def _listed(reader: RecordReader, report: Report, actor: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The attestations the pool lists, proof-checked (``ledger.witnesses``)."""
    pool = str(actor["id"])
    collection = _named(actor, "witnesses")
    if collection is None:
        report.skipped("ledger.witnesses", pool, "the pool names no witnesses collection")
        return []
    try:
        items = await newest_items(reader, collection, MAX_LISTED + 1)
    except Unreadable as exc:
        report.error("ledger.witnesses", exc.url, exc.reason)
        return []
    strangers = [str(d.get("id")) if isinstance(d, dict) else str(d) for d in items
                 if not _attestation_of(d, pool)]
    if strangers or len(items) > MAX_LISTED:
        report.failed("ledger.witnesses", collection, "it lists what is not a witness's "
                      f"HeadAttestation of this pool, or more than {MAX_LISTED}", items=strangers,
                      listed=len(items))
        return []
    good = await check_proofs(reader, report, "ledger.witnesses", collection, "attestation", [
        (d, str(d["attributedTo"])) for d in items])
    return [d for d in items if str(d["id"]) in good]


def _refused(exc: Unreadable) -> bool:
    cause = exc.__cause__
    return isinstance(cause, RemoteAnswered) and cause.remote_status in (401, 403)


async def _witness_record(reader: RecordReader, pool: str,
                          witness: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(its attestations of ``pool``, its conflicts about ``pool``) as ``witness`` lists them."""
    actor = await reader.document(witness)
    attestations: list[dict[str, Any]] = []
    conflicts: list[dict[str, Any]] = []
    witnessing = _named(actor, "witnessing")
    if witnessing is not None:
        attestations = [d for d in await newest_items(reader, witnessing, MAX_LISTED + MAX_LISTED)
                        if _attestation_of(d, pool) and d["attributedTo"] == witness]
    held = _named(actor, "ledgerConflicts")
    if held is not None:
        conflicts = [d for d in await newest_items(reader, held, MAX_CONFLICTS) if _conflict_of(d, pool)]
    return attestations, conflicts


async def _elsewhere(reader: RecordReader, report: Report, pool: str, witnesses: list[str],
                     listed: set[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """What the witnesses' own records hold about ``pool`` (``ledger.witnessing``)."""
    subject = pool + "/witnesses"
    attestations: list[dict[str, Any]] = []
    conflicts: list[dict[str, Any]] = []
    closed: dict[str, str] = {}
    failed: dict[str, str] = {}
    for witness in witnesses:
        try:
            found, held = await _witness_record(reader, pool, witness)
        except Unreadable as exc:
            (closed if _refused(exc) else failed)[witness] = exc.reason
            continue
        attestations.extend(found)
        conflicts.extend(held)
    if not witnesses:
        report.skipped("ledger.witnessing", subject, "no witness to ask: the pool lists none and "
                       "is in no flood")
        return [], []
    unlisted = [d for d in attestations if str(d["id"]) not in listed]
    verdicts = await proof_verdicts(reader, [(d, str(d["attributedTo"])) for d in unlisted])
    forged = {str(d["id"]): v.reason for d, v in zip(unlisted, verdicts, strict=True)
              if not v.ok and not v.unreadable}
    failed.update({str(d["id"]): v.reason for d, v in zip(unlisted, verdicts, strict=True) if v.unreadable})
    said = (f"{count(len(attestations), 'attestation')} and {count(len(conflicts), 'ledger conflict')} "
            f"about this pool in the records of {count(len(witnesses), 'witness', 'witnesses')}")
    if forged:
        report.failed("ledger.witnessing", subject, f"{said}; {len(forged)} of them are not signed "
                      "by their witness", rejected=forged)
    elif failed:
        report.error("ledger.witnessing", subject, f"{said}; {count(len(failed), 'record')} could not "
                     f"be read or checked: {next(iter(failed.items()))}")
    else:
        notes = [f"{count(len(unlisted), 'attestation')} the pool does not list, signed by its "
                 "witness and checked too"] if unlisted else []
        notes += [f"{count(len(closed), 'record')} not open to this reader"] if closed else []
        extra: dict[str, Any] = {"unlisted": sorted(str(d["id"]) for d in unlisted)} if unlisted else {}
        extra.update({"unreadable": closed} if closed else {})
        report.passed("ledger.witnessing", subject, said + (f" ({'; '.join(notes)})" if notes else ""),
                      **extra)
    return [d for d, v in zip(unlisted, verdicts, strict=True) if v.ok], conflicts


async def _witnessed_back(reader: RecordReader, actor: Mapping[str, Any]) -> set[str]:
    """The pools whose ledgers the pool itself witnesses (its ``witnessing``: its own word)."""
    pool = str(actor["id"])
    collection = _named(actor, "witnessing")
    if collection is None:
        return set()
    try:
        items = await newest_items(reader, collection, MAX_LISTED + MAX_LISTED)
    except Unreadable:
        return set()  # then only the pools of its floods vouch
    return {str(d["pool"]) for d in items if isinstance(d, dict) and d.get("attributedTo") == pool
            and isinstance(d.get("pool"), str)}


async def _held(reader: RecordReader, report: Report,
                actor: Mapping[str, Any]) -> tuple[list[dict[str, Any]], int] | None:
    """(the conflicts about itself the pool holds, how many about others), None if unread."""
    pool = str(actor["id"])
    collection = _named(actor, "ledgerConflicts")
    if collection is None:
        return [], 0
    try:
        items = await newest_items(reader, collection, MAX_CONFLICTS)
    except Unreadable as exc:
        report.error("ledger.conflicts", exc.url, exc.reason)
        return None
    about = [d for d in items if _conflict_of(d, pool)]
    return about, len(items) - len(about)


async def _since_read(reader: RecordReader, report: Report, pool: str,
                      entries: Mapping[int, Mapping[str, Any]], attestations: list[dict[str, Any]],
                      ) -> tuple[dict[int, Mapping[str, Any]], list[dict[str, Any]]]:
    """(the entries, and the attestations that can be judged) once the entries a witness
    attested after the ledger was read are read too: a head beyond the ledger read is judged
    against the pool's entry there (404: the pool cut its ledger), not taken for a cut."""
    end = max(entries, default=0)
    grown: dict[int, Mapping[str, Any]] = dict(entries)
    beyond = sorted({h.sequence for d in attestations for h in attested_heads(d) if h.sequence > end})
    unknown = set(beyond[MAX_LATER:])
    for sequence in beyond[:MAX_LATER]:
        url = f"{pool}/ledger/{sequence}"
        try:
            document = await reader.maybe_document(url)
        except Unreadable as exc:
            unknown.add(sequence)
            report.error("ledger.witnessed", exc.url, f"a witness attested entry {sequence}, "
                         f"booked after the ledger was read, and it cannot be read: {exc.reason}")
            continue
        if document is None:
            continue  # the pool serves no such entry: the witness saw a ledger it has cut
        if (document.get("attributedTo") != pool or document.get("sequence") != sequence
                or not (await proof_verdict(reader, document, pool)).ok):
            unknown.add(sequence)
            report.failed("ledger.witnessed", url, f"entry {sequence} is not the pool's signed entry")
            continue
        grown[sequence] = document
    judged = [d for d in attestations if not {h.sequence for h in attested_heads(d)} & unknown]
    return grown, judged


async def verify_witnesses(reader: RecordReader, report: Report, actor: Mapping[str, Any],
                           entries: Mapping[int, Mapping[str, Any]], peers: Iterable[str]) -> None:
    """Check the signed ``entries`` of the pool whose actor document is ``actor`` (by sequence)
    against its witnesses; ``peers`` are the pools of its floods (witnesses by the protocol)."""
    pool = str(actor["id"])
    reader.progress(f"witnesses of {pool}")
    listed = await _listed(reader, report, actor)
    candidates = list(dict.fromkeys([str(d["attributedTo"]) for d in listed]
                                    + [p for p in peers if p != pool]))[:MAX_WITNESSES_READ]
    found, conflicts = await _elsewhere(reader, report, pool, candidates, {str(d["id"]) for d in listed})
    held = await _held(reader, report, actor)
    conflicts = [*(held[0] if held else []), *conflicts]
    embedded = [c["attestation"] for c in conflicts if c["attestation"].get("pool") == pool]
    verdicts = await proof_verdicts(reader, [(d, str(d["attributedTo"])) for d in embedded])
    attestations = [*listed, *found, *(d for d, v in zip(embedded, verdicts, strict=True) if v.ok)]
    unique = list({str(d["id"]): d for d in attestations}.values())
    grown, judged = await _since_read(reader, report, pool, entries, unique)
    vouched = {p for p in peers if p != pool} | await _witnessed_back(reader, actor)
    check_witnessed(report, pool, grown, judged, vouched)
    if held is None:
        return
    evidence = list({evidence_key(e): e for c in conflicts for e in c["evidence"]
                     if e.get("attributedTo") == pool}.values())
    signed = {evidence_key(e) for e, v in zip(
        evidence, await proof_verdicts(reader, [(e, pool) for e in evidence]), strict=True) if v.ok}
    check_conflicts(report, pool, grown, held[0], conflicts[len(held[0]):], signed, held[1])
