"""A pool's ledger replayed from its signed entries: sequence, hash chain, balances, head.

``check_ledger`` is pure (documents in, verdicts out); it replays entry by entry with the
node's own ``governance.Ledger`` (each ``entryHash`` is SHA-256 of the canonical JSON of the
entry with ``prev_hash``; every balance invariant of docs/GOVERNANCE.md holds after each entry),
so a failure names the entry and what was expected there. ``verify_ledger`` reads the record.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from governance import GovernanceError, Ledger
from node.verify.proofs import ProofVerdict, proof_verdicts
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


_AFTER_ENTRIES = ("ledger.sequence", "ledger.chain", "ledger.head", "ledger.balances")


def _not_replayed(report: Report, pool: str, checks: Sequence[str], why: str,
                  collection: Mapping[str, Any] | None, balances: Mapping[str, Any] | None) -> None:
    """Fail each of ``checks`` that cannot be made because the record contradicts itself before
    it (a check whose input could not be read is already an error, recorded by the reader)."""
    for check in checks:
        if (check == "ledger.head" and collection is None) or (check == "ledger.balances" and balances is None):
            continue
        subject = pool + ("/ledger/balances" if check == "ledger.balances" else "/ledger")
        report.failed(check, subject, f"the ledger cannot be replayed: {why}", blockedBy=why)


def _replay(report: Report, subject: str, ordered: Sequence[Mapping[str, Any]],
            currency: str) -> Ledger | None:
    """Record ``ledger.chain``: the entries replayed in order; the replayed ledger if it holds."""
    ledger = Ledger(currency)
    for document in ordered:
        where = {"sequence": document["sequence"], "entry": document["id"]}
        try:
            entry = entry_from_document(document)
            if entry.prev_hash != ledger.head:
                report.failed("ledger.chain", subject, f"entry {document['sequence']} does not follow "
                              "the entry before it", **where, field="previousHash",
                              expected=ledger.head, found=entry.prev_hash)
                return None
            ledger = ledger.apply(entry.transaction)
        except (GovernanceError, InvalidDocument) as exc:
            report.failed("ledger.chain", subject, f"entry {document['sequence']} cannot be booked: "
                          f"{exc.reason}", **where)
            return None
        if ledger.head != entry.hash:
            report.failed("ledger.chain", subject, f"entry {document['sequence']} was altered: its "
                          "entryHash is not the hash of its contents", **where, field="entryHash",
                          expected=ledger.head, found=entry.hash)
            return None
    report.passed("ledger.chain", subject, f"{count(len(ordered), 'entry', 'entries')} chain from the genesis "
                  "hash and keep every balance rule (no overdraft, payments within their commitment)")
    return ledger


def check_ledger(report: Report, pool: str, collection: Mapping[str, Any] | None,
                 entries: Sequence[Mapping[str, Any]], balances: Mapping[str, Any] | None) -> Ledger | None:
    """Record ``ledger.entries``, ``ledger.sequence``, ``ledger.chain``, ``ledger.head`` and
    ``ledger.balances`` for the entry documents of ``pool``: each one always, failed when an
    earlier one shows the record contradicts itself; without the ``collection`` (its
    ``totalItems`` and ``headHash``) or the ``balances``, the caller records why. The replayed
    ledger when the chain holds."""
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
        _not_replayed(report, pool, _AFTER_ENTRIES, "some entries are not the pool's valid "
                      "LedgerEntry documents (ledger.entries)", collection, balances)
        return None
    report.passed("ledger.entries", subject, f"{count(len(entries), 'LedgerEntry document')} of the pool")
    ordered = sorted(entries, key=_sequence)
    problems = _sequence_problems(ordered, len(ordered) if collection is None
                                  else collection.get("totalItems"))
    if problems:
        report.failed("ledger.sequence", subject, "the entries are not numbered 1..n, each once",
                      **problems)
        if problems.get("repeated") or problems.get("missing"):
            _not_replayed(report, pool, _AFTER_ENTRIES[1:], "the entries are not numbered 1..n, "
                          "each once (ledger.sequence)", collection, balances)
            return None
    else:
        report.passed("ledger.sequence", subject, f"entries 1..{len(ordered)}, each once")
    currency = str((balances or {}).get("currency") or (ordered[0]["currency"] if ordered else "EUR"))
    ledger = _replay(report, subject, ordered, currency)
    if ledger is None:
        _not_replayed(report, pool, _AFTER_ENTRIES[2:], "an entry breaks the chain (ledger.chain)",
                      collection, balances)
        return None
    if collection is not None:  # else already an error: the head could not be read
        if collection.get("headHash") != ledger.head:
            report.failed("ledger.head", subject, "the replayed head is not the published headHash",
                          expected=ledger.head, found=collection.get("headHash"))
        else:
            report.passed("ledger.head", subject,
                          f"the replay ends at the published head {ledger.head[:16]}...")
    if balances is not None:
        _check_balances(report, pool, ledger, balances)
    return ledger


def _check_balances(report: Report, pool: str, ledger: Ledger, balances: Mapping[str, Any]) -> None:
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
    if balances is not None and not isinstance(balances, dict):
        report.failed("ledger.balances", subject + "/balances", "the published balances are not a "
                      "JSON object")
        balances = None
    documents = await _entry_documents(reader, report, subject, entries)
    if documents is None:
        return None
    results = await proof_verdicts(reader, [(d, pool) for d in documents])
    _report_proofs(report, subject, documents, results)
    by_sequence: dict[int, dict[str, Any]] = {}
    for document, verdict in zip(documents, results, strict=True):
        if verdict.ok and isinstance(document.get("sequence"), int):
            by_sequence.setdefault(document["sequence"], document)
    # Every check is made whatever the proofs say: an entry the pool did not sign is already a
    # failure (ledger.proofs), and the replay still shows what else is wrong.
    check_ledger(report, pool, collection, documents, balances)
    return by_sequence


async def _entry_documents(reader: RecordReader, report: Report, subject: str,
                           items: Sequence[Any]) -> list[dict[str, Any]] | None:
    """The entry documents a ledger collection lists, inline or by id (each id read at its URL,
    under the ledger; the request bound holds); None (an error recorded) if one cannot be had."""
    documents: list[dict[str, Any]] = []
    wanted: list[tuple[int, str]] = []
    for item in items:
        if isinstance(item, dict):
            documents.append(item)
        elif isinstance(item, str) and item.startswith(subject + "/"):
            wanted.append((len(documents), item))
            documents.append({})
        else:
            report.failed("ledger.entries", subject, "the ledger lists an item that is neither an "
                          "entry document nor the id of one of its entries", item=_shown(item))
            return None
    if wanted:
        reader.progress(f"  reading {count(len(wanted), 'ledger entry', 'ledger entries')} listed by id")
    read = await asyncio.gather(*(reader.document(uri) for _, uri in wanted), return_exceptions=True)
    for (at, uri), found in zip(wanted, read, strict=True):
        if isinstance(found, Unreadable):
            report.error("ledger.entries", found.url, found.reason)
            return None
        if isinstance(found, BaseException):
            raise found
        if found.get("id") != uri:
            report.failed("ledger.entries", uri, "the entry served at this id has another id",
                          found=found.get("id"))
            return None
        documents[at] = found
    return documents


def _report_proofs(report: Report, subject: str, documents: Sequence[Mapping[str, Any]],
                   results: Sequence[ProofVerdict]) -> None:
    """``ledger.proofs``: one verdict for every entry document served (two versions of one
    entry are judged each on its own)."""
    total = count(len(documents), "ledger entry", "ledger entries")
    bad = {str(d.get("id")): v.reason for d, v in zip(documents, results, strict=True)
           if not v.ok and not v.unreadable}
    unread = {str(d.get("id")): v.reason for d, v in zip(documents, results, strict=True) if v.unreadable}
    if bad:
        report.failed("ledger.proofs", subject, f"{len(bad)} of {total} are not signed by their "
                      "author", rejected=bad)
    if unread:
        report.error("ledger.proofs", subject, f"{len(unread)} of {total} could not be checked: "
                     f"{next(iter(unread.values()))}")
    if not bad and not unread:
        report.passed("ledger.proofs", subject, f"{total}, each signed by its author")


def _shown(item: Any) -> str:
    text = repr(item)
    return text if len(text) <= 200 else text[:200] + "..."
