"""A flood proposal checked from outside, across every pool of ``floodPools``
(docs/PROTOCOL.md §Verifying a flood result as a third party, §Result and attestations).

Each pool's signed electorate (or its answer that it has none), its complete ballot list and
every ballot listed (each on its voter's own proof, under the relay rules), then the recount
every node makes (``node.wire.floods.recount``: the union electorate, ``governance.check_ballot``,
``governance.flood_tally``), compared with each pool's signed Attestation.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from governance import Ballot, GovernanceError
from governance.codec import datetime_from_str
from node.verify.counting import check_document_place
from node.verify.flood_checks import check_attestation, check_flood_electorate, relay_refusal
from node.verify.proofs import check_proofs, report_proof
from node.verify.proposals import CLOSE_GRACE, ballot_author
from node.verify.reader import RecordReader, Unreadable
from node.verify.report import Report, count
from node.wire import InvalidDocument, ballot_from_document
from node.wire.floods import ballot_list_id, document_key, recount

__all__ = ["verify_flood"]


def _list_url(pool: str, proposal: str, electorate: Mapping[str, Any]) -> str:
    """The pool's ballot list as its electorate names it (on the pool's origin), else the default."""
    named = electorate.get("ballots")
    if isinstance(named, str) and urlsplit(named)[:2] == urlsplit(pool)[:2]:
        return named
    return ballot_list_id(pool, proposal)


async def _electorates(reader: RecordReader, report: Report, document: Mapping[str, Any],
                       pools: list[str]) -> dict[str, dict[str, Any]] | None:
    """Each pool's electorate that counts (frozen, signed, before the close); None if one could
    not be read (nothing can be recounted then)."""
    key = document_key(str(document["id"]))
    found: dict[str, dict[str, Any]] = {}
    for pool in pools:
        place = f"{pool}/floods/electorates/{key}"
        try:
            electorate = await reader.maybe_document(place)
        except Unreadable as exc:
            report.error("flood.electorate", exc.url, exc.reason)
            return None
        if electorate is None:
            report.passed("flood.electorate", place, f"{pool} froze no electorate: it takes no part "
                          "(it must be in absentPools)")
            continue
        if not (check_document_place(report, "flood.electorate", "electorate", electorate, pool, place)
                and await report_proof(reader, report, "flood.electorate.proof", electorate, pool)):
            return None
        standing = check_flood_electorate(report, document, electorate, pool)
        if standing == "bad":
            return None  # the recount would rest on it
        if standing == "counts":
            found[pool] = electorate
    origin = found.get(str(document["pool"]))
    if origin is not None:  # the proposal states its own pool's electorate when it opened
        differences = {field: {"proposal": document.get(field), "electorate": origin.get(name)}
                       for field, name in (("electorate", "id"), ("electorateDigest", "electorateDigest"),
                                           ("electorateSize", "electorateSize"))
                       if document.get(field) != origin.get(name)}
        if differences:
            report.failed("flood.electorate", str(origin.get("id")), "the proposal states another "
                          "electorate than its pool serves", differences=differences)
            return None
    return found


async def _ballots(reader: RecordReader, report: Report, document: Mapping[str, Any],
                   electorates: Mapping[str, Mapping[str, Any]], closed: bool) -> list[Ballot] | None:
    """Every ballot the pools list, each on its own proof and the relay rules; None if a list or
    a ballot could not be read."""
    uri = str(document["id"])
    closes = datetime_from_str(str(document["closesAt"]))
    listed: dict[str, str] = {}  # ballot id -> the pool that lists it
    for pool, electorate in electorates.items():
        url = _list_url(pool, uri, electorate)
        try:
            ballot_list = await reader.document(url)
        except Unreadable as exc:
            report.error("flood.ballots.list", exc.url, exc.reason)
            return None
        items = ballot_list.get("orderedItems")
        problems = []
        if ballot_list.get("attributedTo") != pool or ballot_list.get("proposal") != uri:
            problems.append("it names another pool or proposal")
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            problems.append("its orderedItems are not a list of ballot ids")
        if problems or not isinstance(items, list):
            report.failed("flood.ballots.list", url, "not the pool's ballot list", problems=problems)
            return None
        if closed and ballot_list.get("complete") is not True:
            report.error("flood.ballots.list", url, "the list is not complete yet; run verify again")
            return None
        report.passed("flood.ballots.list", url, f"{pool} lists {count(len(items), 'ballot')} of its members"
                      + ("" if ballot_list.get("complete") is True else " so far"))
        for item in items:
            listed.setdefault(item, pool)
    reader.progress(f"  fetching {count(len(listed), 'flood ballot')} from their voters' servers")
    fetched = await asyncio.gather(*(reader.document(u) for u in listed), return_exceptions=True)
    documents: list[tuple[dict[str, Any], str]] = []
    for uri_, result in zip(listed, fetched, strict=True):
        if isinstance(result, Unreadable):
            report.error("flood.ballots.proofs", result.url, result.reason)
            return None
        if isinstance(result, BaseException):
            raise result
        documents.append((result, listed[uri_]))
    signed = await check_proofs(reader, report, "flood.ballots.proofs", uri, "listed ballot",
                                [(d, ballot_author(d, pool)) for d, pool in documents])
    ballots, refused = [], {}
    for doc, pool in documents:
        if str(doc.get("id")) not in signed:
            continue
        reason = relay_refusal(doc, pool, uri, electorates[pool], closes)
        if reason is None:
            try:
                ballots.append(ballot_from_document(doc))
            except (GovernanceError, InvalidDocument) as exc:
                reason = exc.reason
        if reason is not None:
            refused[str(doc.get("id"))] = f"listed by {pool}: {reason}"
    if refused:
        report.failed("flood.ballots.rules", uri, f"{count(len(refused), 'listed ballot')} break the "
                      "relay rules (a pool accepts only its own electors' ballots, cast by the close)",
                      refused=refused)
    else:
        report.passed("flood.ballots.rules", uri, f"{count(len(ballots), 'listed ballot')}: each of its "
                      "pool's electors, cast by the close")
    return ballots


async def verify_flood(reader: RecordReader, report: Report, document: Mapping[str, Any],
                       now: datetime) -> None:
    """Check a flood proposal, every pool's electorate and ballots, and every attestation."""
    uri, origin = str(document.get("id")), str(document.get("pool"))
    reader.progress(f"flood proposal {uri}")
    report.scope = uri
    if not (check_document_place(report, "proposal.document", "proposal", document, origin)
            and await report_proof(reader, report, "proposal.proof", document, origin)):
        return
    pools = document.get("floodPools")
    if not isinstance(pools, list) or len(pools) < 2 or not all(isinstance(p, str) for p in pools):
        report.failed("flood.pools", uri, "floodPools is not a list of at least two pools")
        return
    closes = datetime_from_str(str(document["closesAt"]))
    electorates = await _electorates(reader, report, document, [str(p) for p in pools])
    if electorates is None:
        return
    ballots = await _ballots(reader, report, document, electorates, now >= closes)
    if ballots is None:
        return
    counted = recount(document, electorates, ballots, final=True)
    if counted is None:
        report.failed("flood.recount", uri, "no pool of the proposal froze an electorate")
        return
    result, summary, ids = counted
    counts = ", ".join(f"{k} {v}" for k, v in summary["counts"].items())
    report.passed("flood.recount", uri, f"{result.overall.participation} of {result.overall.electorate_size}"
                  f" electors across {count(len(electorates), 'pool')}: {counts}; {summary['outcome']}"
                  + ("" if now >= closes else " (open: a running count)"))
    key = document_key(uri)
    for pool in pools:
        place = f"{pool}/floods/attestations/{key}"
        try:
            attestation = await reader.maybe_document(place)
        except Unreadable as exc:
            report.error("flood.attestation", exc.url, exc.reason)
            continue
        if attestation is None:
            if pool not in electorates:
                continue  # an absent pool attests nothing
            if now < closes + CLOSE_GRACE:
                report.skipped("flood.attestation", place, f"{pool} has not attested a final result yet")
            else:
                report.error("flood.attestation", place, f"{pool} has attested no final result "
                             f"{int(CLOSE_GRACE.total_seconds())} s after the close (still reconciling?)")
            continue
        if (check_document_place(report, "flood.attestation", "attestation", attestation, pool, place)
                and await report_proof(reader, report, "flood.attestation.proof", attestation, pool)):
            check_attestation(report, attestation, summary, ids)
