"""A pool's ledger replayed from its signed entries: sequence, hash chain, balances, head.

``check_ledger`` is pure (documents in, verdicts out); it replays entry by entry with the
node's own ``governance.Ledger`` (each ``entryHash`` is SHA-256 of the canonical JSON of the
entry with ``prev_hash``; every balance invariant of docs/GOVERNANCE.md holds after each entry),
so a failure names the entry and what was expected there. ``verify_ledger`` reads the record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from governance import GovernanceError, Ledger
from node.verify.proofs import check_proofs
from node.verify.reader import RecordReader, Unreadable
from node.verify.report import Report, count
from node.wire import InvalidDocument, entry_from_document
from schemas import validation_errors

__all__ = ["check_ledger", "verify_ledger"]

_MAX_ENTRIES = 1_000_000
"""Entries read from the pages alone, when the collection (and its totalItems) cannot be had;
the request bound (--max-requests) stops a longer read first."""

def _sequence(document: Mapping[str, Any]) -> int:
    sequence = document.get("sequence")
    return sequence if isinstance(sequence, int) else -1


def _sequence_problems(ordered: Sequence[Mapping[str, Any]], total: Any) -> dict[str, Any]:
    sequences = [d.get("sequence") for d in ordered]
    expected = list(range(1, len(ordered) + 1))
    problems: dict[str, Any] = {}
    if sequences != expected:
        gaps = sorted(set(expected) - {s for s in sequences if isinstance(s, int)})
        doubles = sorted({s for s in sequences if sequences.count(s) > 1}, key=str)
        problems.update(missing=gaps, repeated=doubles)
    if total != len(ordered):
        problems["totalItems"] = {"stated": total, "read": len(ordered)}
    return problems


def check_ledger(report: Report, pool: str, collection: Mapping[str, Any] | None,
                 entries: Sequence[Mapping[str, Any]], balances: Mapping[str, Any] | None) -> None:
    """Record ``ledger.entries``, ``ledger.sequence``, ``ledger.chain``, ``ledger.head`` and
    ``ledger.balances`` for the (proof-checked) entry documents of ``pool``; without the
    ``collection`` (its ``totalItems`` and ``headHash``) only what the entries show."""
    subject = pool + "/ledger"
    misplaced = {}
    for document in entries:
        wrong = validation_errors("ledger-entry", document)[:1]
        if document.get("attributedTo") != pool or not str(document.get("id")).startswith(pool + "/"):
            wrong.append(f"attributed to {document.get('attributedTo')}, not to the pool")
        if wrong:
            misplaced[str(document.get("id"))] = wrong[0]
    if misplaced:
        report.failed("ledger.entries", subject, f"{len(misplaced)} entries are not the pool's "
                      "valid LedgerEntry documents", entries=misplaced)
        return
    report.passed("ledger.entries", subject, f"{count(len(entries), 'LedgerEntry document')} of the pool")
    ordered = sorted(entries, key=_sequence)
    problems = _sequence_problems(ordered, len(ordered) if collection is None
                                  else collection.get("totalItems"))
    if problems:
        report.failed("ledger.sequence", subject, "the entries are not numbered 1..n, each once",
                      **problems)
        return
    report.passed("ledger.sequence", subject, f"entries 1..{len(ordered)}, each once")
    currency = str((balances or {}).get("currency") or (ordered[0]["currency"] if ordered else "EUR"))
    ledger = Ledger(currency)
    for document in ordered:
        where = {"sequence": document["sequence"], "entry": document["id"]}
        try:
            entry = entry_from_document(document)
            if entry.prev_hash != ledger.head:
                report.failed("ledger.chain", subject, f"entry {document['sequence']} does not follow "
                              "the entry before it", **where, field="previousHash",
                              expected=ledger.head, found=entry.prev_hash)
                return
            ledger = ledger.apply(entry.transaction)
        except (GovernanceError, InvalidDocument) as exc:
            report.failed("ledger.chain", subject, f"entry {document['sequence']} cannot be booked: "
                          f"{exc.reason}", **where)
            return
        if ledger.head != entry.hash:
            report.failed("ledger.chain", subject, f"entry {document['sequence']} was altered: its "
                          "entryHash is not the hash of its contents", **where, field="entryHash",
                          expected=ledger.head, found=entry.hash)
            return
    report.passed("ledger.chain", subject, f"{count(len(ordered), 'entry', 'entries')} chain from the genesis "
                  "hash and keep every balance rule (no overdraft, payments within their commitment)")
    if collection is not None:  # else already an error: the head could not be read
        if collection.get("headHash") != ledger.head:
            report.failed("ledger.head", subject, "the replayed head is not the published headHash",
                          expected=ledger.head, found=collection.get("headHash"))
        else:
            report.passed("ledger.head", subject,
                          f"the replay ends at the published head {ledger.head[:16]}...")
    if balances is None:
        return
    replayed = {"fund": ledger.fund, "balances": dict(sorted(ledger.balances.items())),
                "entries": len(ledger.entries), "headHash": ledger.head}
    differences = {k: {"published": balances.get(k), "replayed": v}
                   for k, v in replayed.items() if balances.get(k) != v}
    if differences:
        report.failed("ledger.balances", pool + "/ledger/balances", "the published balances are "
                      "not those of the replay", differences=differences)
    else:
        report.passed("ledger.balances", pool + "/ledger/balances",
                      f"the published balances are the replay's (fund {ledger.fund} minor units)")


async def verify_ledger(reader: RecordReader, report: Report, pool: str) -> dict[int, dict[str, Any]] | None:
    """Read every page of ``{pool}/ledger`` and ``{pool}/ledger/balances``; check them. The
    entries signed by the pool, by sequence (None if the ledger could not be read)."""
    subject = pool + "/ledger"
    reader.progress(f"ledger of {pool}")
    report.scope = subject
    collection: dict[str, Any] | None = None
    try:
        try:
            collection, entries = await reader.items(subject, "ledger entries")
        except Unreadable as exc:
            # A node that finds its own chain broken refuses the collection (its head); the
            # pages (docs/PROTOCOL.md: ``first`` is ``{ledger}?page=true``) still show why.
            report.error("ledger.head", exc.url, f"the ledger's head cannot be read: {exc.reason}")
            entries = await reader.pages(subject, subject + "?page=true", _MAX_ENTRIES, "ledger entries")
    except Unreadable as exc:
        report.error("ledger.entries", exc.url, exc.reason)
        return None
    balances: Any = None
    try:
        balances = await reader.json(subject + "/balances")
    except Unreadable as exc:
        report.error("ledger.balances", exc.url, f"the published balances cannot be read: {exc.reason}")
    documents = [e for e in entries if isinstance(e, dict)]
    signed = await check_proofs(reader, report, "ledger.proofs", subject, "ledger entry",
                                [(d, pool) for d in documents], "ledger entries")
    by_sequence: dict[int, dict[str, Any]] = {}
    for document in documents:
        if str(document.get("id")) in signed and isinstance(document.get("sequence"), int):
            by_sequence.setdefault(document["sequence"], document)
    if len(signed) == len(documents):  # else an entry not signed by the pool is the finding
        check_ledger(report, pool, collection, documents, balances if isinstance(balances, dict) else None)
    return by_sequence
