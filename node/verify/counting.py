"""The recount of one pool proposal from its signed documents, compared with the pool's Tally.

Pure: documents in (already fetched, proofs already judged), verdicts out. Every rule is the
node's own: ``governance.electorate_digest``, ``governance.check_ballot`` and
``governance.tally`` (each voter's greatest ``(sequence, published, id)`` counts once), the
documents read with ``node.wire`` exactly as a node reads a remote pool's result
(docs/PROTOCOL.md §Verifying a result as a third party, §Results of other nodes' pools).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from governance import (
    Ballot,
    GovernanceError,
    Proposal,
    ballots_digest,
    check_ballot,
    electorate_digest,
)
from governance.classes import ClassRoll
from node.verify.report import Report, Verdict, a, count
from node.wire import InvalidDocument, ballot_from_document, tally_document
from node.wire.classes import count as count_votes
from node.wire.tallies import COMPARED_FIELDS, OPTIONAL_FIELDS
from schemas import validation_errors

__all__ = ["as_listed", "check_document_place", "check_electorate", "counted_ballots", "recount_tally"]


def check_document_place(report: Report, check: str, schema: str, document: Mapping[str, Any],
                         pool: str, place: str | None = None) -> bool:
    """The document matches its JSON Schema, is attributed to ``pool`` and lives under it (at
    ``place`` when given); records one verdict."""
    subject = str(document.get("id", "?"))
    problems = validation_errors(schema, document)[:3]
    if document.get("attributedTo") != pool or document.get("pool", pool) != pool:
        problems.append(f"attributed to {document.get('attributedTo')!r}, not to the pool {pool}")
    if not subject.startswith(pool + "/"):
        problems.append(f"its id is not under the pool {pool}")
    if place is not None and subject != place:
        problems.append(f"it is served as {place} but its id is {subject}")
    if problems:
        report.failed(check, subject, f"not a valid {document.get('type', schema)} of the pool",
                      problems=problems)
        return False
    report.passed(check, subject, f"{a(str(document['type']))} of {pool}, matching its schema")
    return True


def check_electorate(report: Report, proposal: Mapping[str, Any], electorate: Mapping[str, Any]) -> bool:
    """The electorate's members hash to its ``electorateDigest``, and it is the one the proposal
    froze (same digest, size and proposal); records ``electorate.digest`` and ``electorate.proposal``."""
    subject = str(electorate.get("id"))
    members = electorate.get("members")
    stated = electorate.get("electorateDigest")
    if not isinstance(members, list) or not all(isinstance(m, str) and m for m in members):
        report.failed("electorate.digest", subject, "its members are not a list of actor ids")
        return False
    held = True
    computed = electorate_digest(members)
    if computed != stated:
        report.failed("electorate.digest", subject, "its members do not hash to its electorateDigest",
                      expected=computed, found=stated, members=len(members))
        held = False
    elif len(set(members)) != len(members) or electorate.get("electorateSize") != len(members):
        report.failed("electorate.digest", subject, "its electorateSize is not the number of its members",
                      expected=len(set(members)), found=electorate.get("electorateSize"))
        held = False
    else:
        report.passed("electorate.digest", subject,
                      f"{count(len(members), 'member')}; SHA-256 of the sorted ids joined by LF is {computed[:16]}...")
    differences = {field: {"proposal": proposal.get(field), "electorate": electorate.get(field)}
                   for field in ("electorateDigest", "electorateSize")
                   if proposal.get(field) != electorate.get(field)}
    if electorate.get("proposal") != proposal.get("id"):
        differences["proposal"] = {"proposal": proposal.get("id"), "electorate": electorate.get("proposal")}
    if differences:
        report.failed("electorate.proposal", subject, "it is not the electorate the proposal froze",
                      differences=differences)
        return False
    report.passed("electorate.proposal", subject, "the electorate the proposal froze (digest and size)")
    return held


def counted_ballots(report: Report, proposal: Proposal, pool: str,
                    documents: Iterable[Mapping[str, Any]], signed: set[str]) -> dict[str, Ballot]:
    """The ballots of the collection that may be counted: signed by their voter (or attested by
    the pool), of this proposal, and valid under its frozen rule and electorate
    (``governance.check_ballot``); records ``ballots.rules`` and ``ballots.order``."""
    subject = proposal.id + "/ballots"
    kept: dict[str, Ballot] = {}
    refused: dict[str, str] = {}
    attested = 0
    for document in documents:
        uri = str(document.get("id"))
        if uri not in signed:
            continue  # its proof failed: recorded under ballots.proofs
        problems = validation_errors("ballot", document)
        if problems:
            refused[uri] = problems[0]
            continue
        if document.get("attestedBy") not in (None, pool):
            refused[uri] = f"attested by {document['attestedBy']}, not by the pool"
            continue
        attested += "attestedBy" in document
        try:
            ballot = ballot_from_document(document)
            check_ballot(proposal.rule, proposal.electorate, ballot)
        except (GovernanceError, InvalidDocument) as exc:
            refused[uri] = f"{exc.code}: {exc.reason}"
            continue
        known = kept.get(uri)
        if known is not None and known != ballot:
            refused[uri] = "ballot_id_conflict: two different ballots with this id"
            continue
        kept[uri] = ballot
    if refused:
        report.failed("ballots.rules", subject, f"{count(len(refused), 'ballot')} the pool accepted "
                      "break the proposal's rules", refused=refused)
    else:
        note = f" ({attested} attested by the pool from poll replies: they rest on its word)" if attested else ""
        report.passed("ballots.rules", subject, f"{count(len(kept), 'ballot')}, each valid under the "
                      f"frozen rule and electorate{note}")
    twins: dict[tuple[str, int], list[str]] = {}
    for ballot in kept.values():
        if ballot.sequence:
            twins.setdefault((ballot.voter, ballot.sequence), []).append(ballot.id)
    doubled = {f"{voter} #{seq}": sorted(ids) for (voter, seq), ids in twins.items() if len(ids) > 1}
    if doubled:
        report.failed("ballots.order", subject, "a voter has two different ballots with the same "
                      "sequence (the pool must refuse the second)", ballots=doubled)
    else:
        voters = len({b.voter for b in kept.values()})
        report.passed("ballots.order", subject, f"{count(len(kept), 'ballot')} of "
                      f"{count(voters, 'voter')}; each voter's greatest (sequence, published, id) counts")
    return kept


def as_listed(tally_document: Mapping[str, Any]) -> Mapping[str, Any]:
    """The Tally as its schema is checked: a running Tally may name its ballots by a digest
    instead of listing them (the final one lists them), so it is checked as if it listed none."""
    if tally_document.get("final") is True or "ballots" in tally_document:
        return tally_document
    return {**tally_document, "ballots": []}


def _listed(document: Mapping[str, Any]) -> list[str] | None:
    listed = document.get("ballots")
    return [str(b) for b in listed] if isinstance(listed, list) else None


def _check_list(report: Report, subject: str, listed: list[str], served: list[str],
                final: bool) -> bool:
    """``tally.ballots`` for a Tally that lists its ballots: a final one lists each ballot of the
    collection exactly once, sorted (docs/SPEC.md §5.2); a running one only served ballots."""
    collection = set(served)
    missing = sorted(set(listed) - collection)
    unlisted = sorted(collection - set(listed)) if final else []
    repeated = sorted(uri for uri, n in Counter(listed).items() if n > 1)
    unsorted = final and listed != sorted(listed)
    if missing or unlisted or repeated or unsorted:
        problems: dict[str, Any] = {"missing": missing, "unlisted": unlisted}
        if repeated:
            problems["repeated"] = repeated
        if unsorted:
            problems["sorted"] = False
        said = (f"the Tally lists {count(len(missing), 'ballot')} the ballots collection lacks and "
                f"omits {len(unlisted)} it holds")
        if repeated:
            said += f"; it lists {count(len(repeated), 'ballot')} more than once"
        if unsorted:
            said += "; its list is not sorted by id"
        report.failed("tally.ballots", subject, said, **problems)
        return False
    report.passed("tally.ballots", subject, f"it lists exactly the collection's "
                  f"{count(len(listed), 'ballot')}, each once, sorted" if final
                  else f"its {count(len(listed), 'ballot')} are in the collection")
    return True


def _check_digest(report: Report, subject: str, document: Mapping[str, Any],
                  oldest_first: list[str]) -> list[str]:
    """``tally.ballots`` for a running Tally that names its ballots by ``ballotCount`` and
    ``ballotsDigest``: they are the first ``ballotCount`` ballots of the collection read oldest
    first (docs/SPEC.md §5.3). The ballots it counted (as many as there are when it fails)."""
    stated, digest = document.get("ballotCount"), document.get("ballotsDigest")
    if isinstance(stated, bool) or not isinstance(stated, int) or stated < 0:
        report.failed("tally.ballots", subject, "this running Tally lists no ballots and states no "
                      "ballotCount", found=stated)
        return oldest_first
    first = oldest_first[:stated]
    if stated > len(oldest_first):
        report.failed("tally.ballots", subject, f"the Tally counted {count(stated, 'ballot')} but "
                      f"the ballots collection holds {len(oldest_first)}",
                      ballotCount=stated, served=len(oldest_first))
        return first
    computed = ballots_digest(first)
    if computed != digest:
        report.failed("tally.ballots", subject, f"its ballotsDigest is not the digest of the first "
                      f"{count(stated, 'ballot')} of the collection, oldest first: the pool "
                      "dropped, reordered or added a ballot", ballotCount=stated,
                      expected=computed, found=digest)
        return first
    report.passed("tally.ballots", subject, f"its ballotsDigest is that of the first "
                  f"{count(stated, 'ballot')} of the collection, oldest first "
                  f"({len(oldest_first) - stated} accepted since)")
    return first


def recount_tally(report: Report, proposal: Proposal, pool: str, document: Mapping[str, Any],
                  ballots: Mapping[str, Ballot], oldest_first: Sequence[str],
                  roll: ClassRoll | None = None) -> bool:
    """Compare the pool's Tally with the recount: ``tally.ballots`` (the ballots it lists, or
    names by digest, are the collection's) and ``tally.recount`` (every compared field, with
    ``roll`` each member class's count too); whether both hold. ``oldest_first`` is every ballot
    id of ``{proposal}/ballots`` in the order the pool accepted them."""
    subject = str(document.get("id"))
    final = document.get("final") is True
    served = list(oldest_first)
    listed = _listed(document)
    counted = dict(ballots)
    named: list[str] = sorted(counted)
    if listed is None and final:  # its schema requires the list
        report.failed("tally.ballots", subject, "a final Tally that does not list its ballots")
        held = False
    elif listed is None:
        named = _check_digest(report, subject, document, served)
        held = report.checks[-1].verdict is Verdict.PASS
        counted = {uri: b for uri, b in ballots.items() if uri in set(named)}
    else:
        held = _check_list(report, subject, listed, served, final)
        if not final:  # ballots accepted after this running Tally was signed are not in it yet
            counted = {uri: b for uri, b in ballots.items() if uri in set(listed)}
            named = listed
    result, classes = count_votes(proposal, roll, list(counted.values()))
    ours = tally_document(result, pool, named, final=final, updated="", classes=classes)
    differences = {}
    for field in COMPARED_FIELDS:
        theirs = document.get(field, ours.get(field)) if field in OPTIONAL_FIELDS else document.get(field)
        if theirs != ours.get(field):
            differences[field] = {"tally": theirs, "recount": ours.get(field)}
    if differences:
        report.failed("tally.recount", subject, "the recount from the signed ballots differs from "
                      f"the signed Tally in {', '.join(differences)}", differences=differences)
        return False
    report.passed("tally.recount", subject, f"recounted {count(result.participation, 'voter')} of "
                  f"{result.electorate_size}: {_counts(ours['counts'])}, {result.outcome.value}"
                  + ("" if final else f" (running, {count(len(named), 'ballot')})"))
    if classes is not None:
        short = [r.name for r in classes.classes if not r.majority]
        report.passed("tally.classes", subject, "recounted in each member class: "
                      + (f"no majority in {', '.join(short)}" if short else "a majority in every one")
                      + f", {classes.outcome.value}")
    return held


def _counts(counts: Mapping[str, Any]) -> str:
    return ", ".join(f"{option} {n}" for option, n in counts.items())
