"""The recount of one pool proposal from its signed documents, compared with the pool's Tally.

Pure: documents in (already fetched, proofs already judged), verdicts out. Every rule is the
node's own: ``governance.electorate_digest``, ``governance.check_ballot`` and
``governance.tally`` (each voter's greatest ``(sequence, published, id)`` counts once), the
documents read with ``node.wire`` exactly as a node reads a remote pool's result
(docs/PROTOCOL.md §Verifying a result as a third party, §Results of other nodes' pools).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from governance import Ballot, GovernanceError, Proposal, check_ballot, electorate_digest, tally
from node.verify.report import Report, a, count
from node.wire import InvalidDocument, ballot_from_document, tally_document
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


def _ballot_digests(document: Mapping[str, Any]) -> list[str]:
    """The fields by which a Tally names its ballots by digest (e.g. ``ballotsDigest``)."""
    return sorted(k for k in document if k.lower().startswith("ballot") and "digest" in k.lower())


def _listed(document: Mapping[str, Any]) -> list[str] | None:
    listed = document.get("ballots")
    return [str(b) for b in listed] if isinstance(listed, list) else None


def recount_tally(report: Report, proposal: Proposal, pool: str, document: Mapping[str, Any],
                  ballots: Mapping[str, Ballot], collection: set[str]) -> bool:
    """Compare the pool's Tally with the recount: ``tally.ballots`` (the ballots it lists are
    the collection's) and ``tally.recount`` (every compared field); whether both hold."""
    subject = str(document.get("id"))
    final = document.get("final") is True
    listed = _listed(document)
    held = True
    counted = dict(ballots)
    digests = _ballot_digests(document)
    if listed is None:  # a final Tally lists them (its schema requires it)
        report.skipped("tally.ballots", subject, "this running Tally does not list its ballots"
                       + (f" (it names them by {', '.join(digests)}, which this verifier cannot "
                          "check yet)" if digests else "") + "; the final one lists them")
    else:
        missing = sorted(set(listed) - collection)
        unlisted = sorted(collection - set(listed)) if final else []
        if missing or unlisted:
            held = False
            report.failed("tally.ballots", subject,
                          f"the Tally lists {count(len(missing), 'ballot')} the ballots collection "
                          f"lacks and omits {len(unlisted)} it holds",
                          missing=missing, unlisted=unlisted)
        else:
            report.passed("tally.ballots", subject, f"it lists exactly the collection's "
                          f"{count(len(listed), 'ballot')}" if final
                          else f"its {count(len(listed), 'ballot')} are in the collection")
        if not final:  # ballots accepted after this running Tally was signed are not in it yet
            counted = {uri: b for uri, b in ballots.items() if uri in set(listed)}
    result = tally(proposal.rule, proposal.electorate, list(counted.values()))
    ours = tally_document(result, pool, sorted(counted), final=final, updated="")
    differences = {}
    for field in COMPARED_FIELDS:
        theirs = document.get(field, ours[field]) if field in OPTIONAL_FIELDS else document.get(field)
        if theirs != ours[field]:
            differences[field] = {"tally": theirs, "recount": ours[field]}
    if differences and listed is None and not final:
        # Which ballots it counted is not known: ballots may have come since it was signed.
        report.skipped("tally.recount", subject, "this running Tally does not list the ballots it "
                       "counted, and the ballots served now count differently "
                       f"({', '.join(differences)}): the final Tally is recounted")
        return held
    if differences:
        report.failed("tally.recount", subject, "the recount from the signed ballots differs from "
                      f"the signed Tally in {', '.join(differences)}", differences=differences)
        return False
    report.passed("tally.recount", subject, f"recounted {count(result.participation, 'voter')} of "
                  f"{result.electorate_size}: {_counts(ours['counts'])}, {result.outcome.value}"
                  + ("" if final else " (running)"))
    return held


def _counts(counts: Mapping[str, Any]) -> str:
    return ", ".join(f"{option} {n}" for option, n in counts.items())
