"""The pure checks of a flood proposal: a pool's electorate, a listed ballot under the relay
rules, and a pool's Attestation against the recount (docs/PROTOCOL.md §Floods)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

from governance import electorate_digest
from governance.codec import datetime_from_str
from node.verify.report import Report, count
from node.wire.floods import summary_digest, summary_of_attestation
from schemas import validation_errors

__all__ = ["check_attestation", "check_flood_electorate", "relay_refusal"]


def _time(value: Any) -> datetime | None:
    try:
        return datetime_from_str(str(value))
    except (ValueError, TypeError):
        return None


def check_flood_electorate(report: Report, proposal: Mapping[str, Any], electorate: Mapping[str, Any],
                           pool: str) -> Literal["counts", "late", "bad"]:
    """A pool's flood electorate: ``counts`` when its members hash to its digest and it names the
    proposal and flood; ``late`` when it was frozen at or after the close (the pool takes no
    part, as for every node); ``bad`` otherwise. Records ``flood.electorate.digest``."""
    subject = str(electorate.get("id"))
    members = electorate.get("members")
    if not isinstance(members, list) or not all(isinstance(m, str) and m for m in members):
        report.failed("flood.electorate.digest", subject, "its members are not a list of actor ids")
        return "bad"
    problems: dict[str, Any] = {}
    computed = electorate_digest(members)
    if computed != electorate.get("electorateDigest"):
        problems["electorateDigest"] = {"expected": computed, "found": electorate.get("electorateDigest")}
    if electorate.get("electorateSize") != len(set(members)) or len(set(members)) != len(members):
        problems["electorateSize"] = {"expected": len(set(members)), "found": electorate.get("electorateSize")}
    for field, expected in (("proposal", proposal.get("id")), ("flood", proposal.get("flood"))):
        if electorate.get(field) != expected:
            problems[field] = {"expected": expected, "found": electorate.get(field)}
    if problems:
        report.failed("flood.electorate.digest", subject, f"{pool}'s electorate does not hold: "
                      f"{', '.join(problems)}", **problems)
        return "bad"
    published, closes = _time(electorate.get("published")), _time(proposal.get("closesAt"))
    if published is None or closes is None or published >= closes:
        report.passed("flood.electorate.digest", subject, f"{pool} froze its electorate at or after the "
                      "close: it takes no part (it must be in absentPools)")
        return "late"
    report.passed("flood.electorate.digest", subject, f"{count(len(members), 'member')} of {pool}, hashing to "
                  f"{computed[:16]}..., frozen before the close")
    return "counts"


def relay_refusal(document: Mapping[str, Any], pool: str, proposal: str,
                  electorate: Mapping[str, Any], closes: datetime) -> str | None:
    """Why a pool should not have accepted a listed ballot (its proof already holds), or None:
    the receiver rules of a relayed ballot (docs/PROTOCOL.md §Ballots and relays)."""
    problems = validation_errors("ballot", document)
    if problems:
        return problems[0]
    if document.get("attestedBy") not in (None, pool):
        return "attested by another pool"
    if document.get("pool") != pool:
        return f"a ballot of {document.get('pool')}, not of the pool listing it"
    if document.get("proposal") != proposal:
        return "a ballot of another proposal"
    if document.get("attributedTo") not in electorate.get("members", []):
        return "its voter is not in the pool's electorate"
    cast = _time(document.get("published"))
    if cast is None or cast > closes:
        return "cast after the close"
    return None


def check_attestation(report: Report, attestation: Mapping[str, Any], summary: Mapping[str, Any],
                      counted: Sequence[str]) -> None:
    """A pool's signed Attestation against the recount: ``flood.attestation.result`` (every
    field of the result summary), ``.digest`` (its ``tallyDigest``) and ``.ballots``."""
    subject = str(attestation.get("id"))
    stated = summary_of_attestation(attestation)
    differences = {field: {"attestation": stated.get(field), "recount": value}
                   for field, value in summary.items() if stated.get(field) != value}
    if attestation.get("final") is not True or attestation.get("pendingPools", []) != []:
        differences["final"] = {"attestation": attestation.get("final"), "recount": True}
    if differences:
        report.failed("flood.attestation.result", subject, "the attested result is not the recount's "
                      f"in {', '.join(differences)}", differences=differences)
    else:
        report.passed("flood.attestation.result", subject, f"attests the recount: {summary['outcome']}")
    digest = summary_digest(summary)
    if attestation.get("tallyDigest") != digest:
        report.failed("flood.attestation.digest", subject, "its tallyDigest is not the digest of "
                      "the recounted result", expected=digest, found=attestation.get("tallyDigest"))
    else:
        report.passed("flood.attestation.digest", subject, f"tallyDigest {digest[:16]}... is the recount's")
    listed = attestation.get("ballots")
    listed = [str(b) for b in listed] if isinstance(listed, list) else []
    missing, extra = sorted(set(counted) - set(listed)), sorted(set(listed) - set(counted))
    if missing or extra or len(listed) != len(set(listed)):
        report.failed("flood.attestation.ballots", subject, "its ballots are not the ones the "
                      "recount counts", missing=missing, extra=extra)
    else:
        report.passed("flood.attestation.ballots", subject, f"lists the {count(len(listed), 'ballot')} counted")
