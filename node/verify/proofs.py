"""Proof verdicts: a document is its author's when its FEP-8b32 proof verifies with a key that
the author's own actor document publishes and controls (docs/PROTOCOL.md §Proofs).

The check itself is the node's (``node.wire.verify_author_proof`` over
``federation.proofs``); only the keys come from :class:`~node.verify.reader.RecordReader`. A key
that could not be fetched is not a bad proof: it leaves the document unchecked (an ``error``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from node.verify.reader import RecordReader
from node.verify.report import Report, count
from node.wire import verify_author_proof
from node.wire.errors import ProofRejected

__all__ = ["ProofVerdict", "check_proofs", "proof_verdict", "proof_verdicts", "report_proof"]


@dataclass(frozen=True, slots=True)
class ProofVerdict:
    """``ok``: the author signed it (``by`` the key); else ``reason``, and ``unreadable`` when
    the key could not be had (nothing is known about the proof then)."""

    ok: bool
    by: str = ""
    reason: str = ""
    unreadable: bool = False


def _method(document: Mapping[str, Any]) -> str | None:
    proof = document.get("proof")
    if isinstance(proof, list) and len(proof) == 1:
        proof = proof[0]
    method = proof.get("verificationMethod") if isinstance(proof, dict) else None
    return method if isinstance(method, str) else None


async def proof_verdict(reader: RecordReader, document: Mapping[str, Any], author: str) -> ProofVerdict:
    """Whether ``author`` signed ``document``."""
    try:
        verified = await verify_author_proof(document, author, reader.key)
    except ProofRejected as exc:
        method = _method(document)
        failure = reader.key_failure(method) if method is not None else None
        if failure is not None:
            return ProofVerdict(False, reason=f"the key {method} could not be read: {failure}",
                                unreadable=True)
        return ProofVerdict(False, reason=exc.reason)
    return ProofVerdict(True, by=verified.verification_method)


async def proof_verdicts(reader: RecordReader,
                         signed: Sequence[tuple[Mapping[str, Any], str]]) -> list[ProofVerdict]:
    """The verdicts of many (document, author) pairs, their keys fetched a few at a time."""
    return list(await asyncio.gather(*(proof_verdict(reader, d, a) for d, a in signed)))


async def report_proof(reader: RecordReader, report: Report, check: str,
                       document: Mapping[str, Any], author: str) -> bool:
    """Check one document's proof and record it; whether it holds."""
    subject = str(document.get("id", "?"))
    verdict = await proof_verdict(reader, document, author)
    if verdict.ok:
        key = verdict.by[len(author):] if verdict.by.startswith(author + "#") else verdict.by
        report.passed(check, subject, f"signed by {author} (key {key})")
    elif verdict.unreadable:
        report.error(check, subject, verdict.reason)
    else:
        report.failed(check, subject, f"not signed by {author}: {verdict.reason}",
                      signer=_method(document), expected=author)
    return verdict.ok


async def check_proofs(reader: RecordReader, report: Report, check: str, subject: str, what: str,
                       signed: Sequence[tuple[Mapping[str, Any], str]], many: str | None = None) -> set[str]:
    """Check every (document, author) pair and record one verdict for all of them, naming each
    document whose proof fails; the ids of those whose proof holds."""
    if signed:
        reader.progress(f"  checking the proofs of {count(len(signed), what, many)}")
    verdicts = await proof_verdicts(reader, signed)
    good, bad, unread = set(), {}, {}
    for (document, _), verdict in zip(signed, verdicts, strict=True):
        uri = str(document.get("id"))
        if verdict.ok:
            good.add(uri)
        elif verdict.unreadable:
            unread[uri] = verdict.reason
        else:
            bad[uri] = verdict.reason
    if bad:
        report.failed(check, subject, f"{len(bad)} of {count(len(signed), what, many)} are not "
                      "signed by their author", rejected=bad)
    if unread:
        report.error(check, subject, f"{len(unread)} of {count(len(signed), what, many)} could "
                     "not be checked: "
                     f"{next(iter(unread.values()))}")
    if not bad and not unread:
        report.passed(check, subject, f"{count(len(signed), what, many)}, each signed by its "
                      "author")
    return good

