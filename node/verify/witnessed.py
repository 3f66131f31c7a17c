"""A pool's ledger judged against the heads its witnesses attested, and the ledger conflicts
already raised about it (docs/PROTOCOL.md, "Verifying with the witnesses").

Pure: documents in (fetched, proofs already judged), verdicts out. Each attested head, and the
head each attestation says it ``extends``, is judged with the witnesses' own rule
(``governance.witness.check_extension``) against the entries the pool serves now: the entry at
the attested sequence must still have the attested hash. The chain between the attested entry
and the head is the replay's to judge (``ledger.chain``), so each head costs one comparison.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from governance import LedgerEntry
from governance.ledger_entries import GENESIS
from governance.witness import Fork, Head, Problem, check_extension
from node.verify.report import Report, Verdict, count
from node.wire import InvalidDocument, entry_from_document

__all__ = ["NO_WITNESS", "attested_heads", "check_conflicts", "check_witnessed", "evidence_key",
           "served_head"]

NO_WITNESS = ("no pool witnesses this ledger: a rewrite from the first entry could not be "
              "detected")


def served_head(entries: Mapping[int, Mapping[str, Any]]) -> Head:
    """The head of the entries served: the greatest sequence and its entry's hash."""
    if not entries:
        return Head(0, GENESIS)
    last = max(entries)
    return Head(last, str(entries[last].get("entryHash")))


def attested_heads(attestation: Mapping[str, Any]) -> list[Head]:
    """The heads an attestation vouches for: its own, and the one it ``extends``."""
    heads = [Head(int(attestation["sequence"]), str(attestation["headHash"]))]
    extends = attestation.get("extends")
    if isinstance(extends, dict):
        heads.append(Head(int(extends["sequence"]), str(extends["headHash"])))
    return heads


def _judge(head: Head, current: Head, entries: Mapping[int, Mapping[str, Any]]) -> Fork | Problem | None:
    needed: dict[int, LedgerEntry] = {}
    if 1 <= head.sequence <= current.sequence and head.sequence in entries:
        try:
            needed[head.sequence] = entry_from_document(entries[head.sequence])
        except InvalidDocument as exc:
            return Problem(f"entry {head.sequence} cannot be read: {exc.reason}")
    verdict = check_extension(head, current, needed, min(head.sequence, current.sequence))
    return None if not isinstance(verdict, (Fork, Problem)) else verdict


def check_witnessed(report: Report, pool: str, entries: Mapping[int, Mapping[str, Any]],
                    attestations: Sequence[Mapping[str, Any]], vouched: set[str] | None = None) -> None:
    """Record ``ledger.witnessed``: every head the (proof-checked) ``attestations`` of ``pool``'s
    ledger vouch for is still in the ledger the pool serves (``entries`` by sequence).

    A contradiction is a failure when its witness is ``vouched`` for (None: every witness): a
    pool of the pool's floods, or one the pool witnesses back, as a node raises an alarm only
    on their word (docs/GOVERNANCE.md). Another pool's contradicting attestation is its word
    alone (anyone may send one, and the pool lists it): recorded as ``ledger.unvouched``, a skip
    with the evidence, for a person to weigh."""
    subject = pool + "/ledger"
    if not attestations:
        report.skipped("ledger.witnessed", subject, NO_WITNESS)
        return
    current = served_head(entries)
    contradicted: list[dict[str, Any]] = []
    unvouched: list[dict[str, Any]] = []
    unjudged: dict[str, str] = {}
    judged: set[tuple[str, Head]] = set()
    holding: set[tuple[str, Head]] = set()
    for attestation in attestations:
        witness = str(attestation["attributedTo"])
        for head in attested_heads(attestation):
            if (witness, head) in judged:
                continue
            judged.add((witness, head))
            verdict = _judge(head, current, entries)
            if isinstance(verdict, Fork):
                found = entries.get(head.sequence, {}).get("entryHash") if head.sequence <= current.sequence else None
                (contradicted if vouched is None or witness in vouched else unvouched).append({
                    "witness": witness, "attestation": str(attestation["id"]),
                    "published": attestation.get("published"), "kind": verdict.kind.value,
                    "sequence": head.sequence, "attestedHash": head.hash,
                    "found": found if found is not None else f"the ledger ends at entry {current.sequence}",
                })
            elif isinstance(verdict, Problem):
                unjudged[f"{attestation['id']} (entry {head.sequence})"] = verdict.reason
            else:
                holding.add((witness, head))
    if unvouched:
        report.add("ledger.unvouched", subject, Verdict.SKIP, f"{count(len(unvouched), 'head')} "
                   "attested by pools that share no flood with this pool and that it does not "
                   "witness contradict its ledger: their word alone, not proof (a LedgerConflict "
                   "with entries the pool signed would be)", {"contradicted": unvouched})
    if contradicted:
        first = contradicted[0]
        report.failed("ledger.witnessed", subject, f"the ledger contradicts {count(len(contradicted), 'head')} "
                      f"its witnesses attested: entry {first['sequence']} is not the one "
                      f"{first['witness']} saw (rewritten or cut after it was witnessed)",
                      contradicted=contradicted)
    elif unjudged:
        report.error("ledger.witnessed", subject, f"{count(len(unjudged), 'attested head')} could "
                     f"not be judged: {next(iter(unjudged.values()))}")
    elif holding:
        witnesses = sorted({w for w, _ in holding})
        newest = max(h.sequence for _, h in holding)
        report.passed("ledger.witnessed", subject, f"the ledger holds every head "
                      f"{count(len(witnesses), 'witness', 'witnesses')} attested ({count(len(holding), 'head')}, "
                      f"up to entry {newest} of {current.sequence})", witnesses=witnesses)
    else:
        report.skipped("ledger.witnessed", subject, NO_WITNESS)


def _proven(conflict: Mapping[str, Any], pool: str, entries: Mapping[int, Mapping[str, Any]],
            signed: set[str]) -> list[str]:
    """What the pool's own signatures in ``conflict``'s evidence show against its ledger now."""
    shown = []
    by_sequence: dict[int, set[str]] = {}
    for entry in conflict.get("evidence", []):
        if not isinstance(entry, dict) or entry.get("attributedTo") != pool or not isinstance(
                entry.get("sequence"), int) or evidence_key(entry) not in signed:
            continue
        sequence, digest = entry["sequence"], str(entry.get("entryHash"))
        by_sequence.setdefault(sequence, set()).add(digest)
        served = entries.get(sequence, {}).get("entryHash")
        if served != digest:
            shown.append(f"the pool signed entry {sequence} with the hash {digest[:12]}…, its "
                         + ("ledger now ends before it" if served is None
                            else f"ledger now serves {str(served)[:12]}…"))
    shown.extend(f"the pool signed two entries {s}" for s, found in by_sequence.items() if len(found) > 1)
    return shown


def evidence_key(entry: Mapping[str, Any]) -> str:
    """How an evidence entry is told apart from another at the same place (its proof value)."""
    proof = entry.get("proof")
    return f"{entry.get('id')} {proof.get('proofValue') if isinstance(proof, dict) else ''}"


def check_conflicts(report: Report, pool: str, entries: Mapping[int, Mapping[str, Any]],
                    held: Sequence[Mapping[str, Any]], elsewhere: Sequence[Mapping[str, Any]],
                    signed: set[str], other: int) -> None:
    """Record ``ledger.conflicts``: ``held`` are the LedgerConflicts about ``pool`` it holds
    itself (each one: it was caught), ``elsewhere`` those its witnesses hold (a finding when the
    pool's own signed evidence entries, ``signed`` by :func:`evidence_key`, contradict its ledger);
    ``other`` counts those the pool holds about ledgers it witnesses."""
    subject = pool + "/conflicts"
    found: dict[str, dict[str, Any]] = {}
    for by_pool, conflict in [*((True, c) for c in held), *((False, c) for c in elsewhere)]:
        uri = str(conflict.get("id"))
        proven = _proven(conflict, pool, entries, signed)
        if by_pool or proven:
            attestation = conflict.get("attestation") or {}
            found.setdefault(uri, {
                "heldBy": "the pool" if by_pool else str(conflict.get("attributedTo")),
                "witness": attestation.get("attributedTo"), "conflict": conflict.get("conflict"),
                "sequence": conflict.get("sequence"), "summary": conflict.get("summary"),
                "published": conflict.get("published"), "shown": proven})
    about_others = f"; it holds {count(other, 'conflict')} about ledgers it witnesses" if other else ""
    if found:
        report.failed("ledger.conflicts", subject, f"{count(len(found), 'ledger conflict')} about this "
                      f"pool: its ledger departed from a head its witnesses attested{about_others}",
                      conflicts=found)
    else:
        unproven = len({str(c.get("id")) for c in elsewhere})
        note = (f"; {count(unproven, 'report')} by witnesses that the pool's own signed entries "
                "do not bear out") if unproven else ""
        report.passed("ledger.conflicts", subject, f"no ledger conflict about this pool{note}{about_others}")
