"""Other nodes' pools: their signed results, verified on receipt and recounted, trusting no relay.

A remote pool's opened ``Proposal``, ``Electorate``, ``Tally`` and booked ``LedgerEntry`` are kept
only when they match their JSON Schema, sit under the pool's id, and their FEP-8b32 proof
verifies with a key of the pool's ``assertionMethod``. A final Tally is then recounted from the
signed proposal, electorate and ballots (those local members sent, plus the pool's public
``{proposal}/ballots``, each verified against its voter's key); a tally we cannot reproduce is
kept as a mismatch, never as verified (docs/PROTOCOL.md §Results of other nodes' pools).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from aiohttp import web

from federation.errors import FetchError
from governance import GovernanceError, check_ballot
from governance.ledger import GENESIS
from node.appkeys import DB
from node.http import fetch_as
from node.pool_engine.common import iso, key_lookup
from node.storage import ActorRecord
from node.storage.remote_results import RemoteDocument, RemoteRecount, RemoteResultStore
from node.wire import (
    InvalidDocument,
    ballot_from_document,
    check_document,
    proposal_from_documents,
    replay_documents,
    tally_document,
    verify_author_proof,
)
from node.wire.classes import count, roll_from_documents
from node.wire.errors import ProofRejected
from node.wire.tallies import COMPARED_FIELDS, OPTIONAL_FIELDS

__all__ = ["COMPARED_FIELDS", "collection_items", "keep_ballot", "ledger_chain", "receive",
           "recount_final", "remote_pool", "remote_proposal", "results", "signed_input"]

log = logging.getLogger("poolnode.pools")

_SCHEMAS = {"Proposal": "proposal", "Electorate": "electorate", "Tally": "tally",
            "LedgerEntry": "ledger-entry", "Bucket": "bucket", "BudgetResult": "budget-result"}
_AT_PROPOSAL = {"Tally": "tally", "Electorate": "electorate", "BudgetResult": "result"}
"""Documents that live at a fixed path under their proposal's id."""


def results(app: web.Application) -> RemoteResultStore:
    """The remote results queries over the app's database."""
    return RemoteResultStore(app[DB])


def _proposal_of(document: Mapping[str, Any]) -> str | None:
    if document["type"] == "Proposal":
        return str(document["id"])
    proposal = document.get("proposal")
    return proposal if isinstance(proposal, str) else None


def _check_place(document: Mapping[str, Any]) -> str:
    """The pool that must have signed ``document``; ProofRejected if the document is not its."""
    pool = document.get("pool", document.get("attributedTo"))
    if document.get("attributedTo") != pool or not isinstance(pool, str):
        raise ProofRejected("proof rejected: a pool's result is attributed to that pool")
    if not str(document["id"]).startswith(pool + "/"):
        raise ProofRejected("proof rejected: the document's id is not under its pool")
    proposal = _proposal_of(document)
    if document["type"] != "LedgerEntry" and (proposal is None or not proposal.startswith(pool + "/")):
        raise ProofRejected("proof rejected: the proposal is not the pool's")
    place = _AT_PROPOSAL.get(document["type"])
    if place is not None and document["id"] != f"{proposal}/{place}":
        raise InvalidDocument(f"a {document['type']} lives at its proposal's id")
    return pool


async def receive(app: web.Application, document: dict[str, Any], at: datetime,
                  reader: ActorRecord | None = None) -> RemoteDocument:
    """Verify and keep a remote pool's document; recount a final tally. Refusals raise with a reason.

    ``reader``: the local actor the document reached; the recount's fetches are signed as it (a
    members-only pool serves its record to its members only).
    """
    kind = document.get("type")
    schema = _SCHEMAS.get(kind) if isinstance(kind, str) else None
    if schema is None:
        raise InvalidDocument(f"not a pool result: {kind!r}")
    check_document(schema, document)
    pool = _check_place(document)
    verified = await verify_author_proof(document, pool, lambda m: key_lookup(app, m))
    store = results(app)
    known = await store.get(document["id"])
    if (kind in ("Tally", "BudgetResult") and known is not None and known.document.get("final")
            and not document["final"]):
        return known  # a running tally (or round result) delivered after the final one changes nothing
    await store.put(uri=document["id"], type=str(kind), pool_uri=pool,
                    proposal_uri=_proposal_of(document), document=document,
                    verified_by=verified.verification_method, at=iso(at))
    if kind == "Tally" and document["final"]:
        await recount_final(app, document, at, reader)
    elif kind == "BudgetResult" and document["final"]:
        from node.pool_engine.remote_rounds import recount_round

        await recount_round(app, document, at, reader)
    kept = await store.get(document["id"])
    if kept is None or kept.pool_uri != pool:
        raise ProofRejected("proof rejected: another pool's document has this id")
    return kept


async def keep_ballot(app: web.Application, pool: str, document: dict[str, Any], at: datetime) -> None:
    """Verify a ballot of a remote pool's proposal against its voter (or the pool, if attested); keep it."""
    check_document("ballot", document)
    attested = document.get("attestedBy")
    if attested is not None and attested != pool:
        raise ProofRejected("proof rejected: only the pool's own attestations are accepted")
    author = attested or document["attributedTo"]
    verified = await verify_author_proof(document, str(author), lambda m: key_lookup(app, m))
    await results(app).put(uri=document["id"], type="Ballot", pool_uri=pool,
                           proposal_uri=str(document["proposal"]), document=document,
                           verified_by=verified.verification_method, at=iso(at))


async def signed_input(app: web.Application, uri: str, kind: str, at: datetime,
                 problems: dict[str, Any], failures: list[FetchError],
                 reader: ActorRecord | None) -> dict[str, Any] | None:
    """A signed input of a recount: kept already, or fetched from its id and verified."""
    kept = await results(app).get(uri)
    if kept is not None and kept.type == kind:
        return kept.document
    try:
        fetched = await fetch_as(app, uri, reader)
        if fetched.get("type") != kind:
            raise InvalidDocument(f"{uri} is not a {kind}")
        return (await receive(app, fetched, at)).document
    except FetchError as exc:
        failures.append(exc)
        problems[kind.lower()] = f"could not be fetched: {exc.reason}"
    except (InvalidDocument, ProofRejected) as exc:
        problems[kind.lower()] = exc.reason
    return None


_EXTRA_BALLOTS = 1000
"""How many more ballots than the final Tally lists a ballots collection may hold before we stop
reading it (an honest pool's holds exactly the listed ones; the rest are refused ballots)."""


async def collection_items(app: web.Application, collection_id: str, limit: int,
                           reader: ActorRecord | None, what: str = "ballots") -> list[Any]:
    """The items of a remote collection (``{proposal}/ballots``, a round's buckets or
    allocations): inline (``orderedItems``) or paged.

    Pages are followed from ``first`` through each ``next`` (docs/PROTOCOL.md §Recounting a
    result); every page must live under the collection's id, show at least one item when it
    has a ``next``, and not repeat; at most ``limit`` items are read. InvalidDocument says why a
    collection cannot be read to its end; FetchError propagates.
    """
    collection = await fetch_as(app, collection_id, reader)
    inline = collection.get("orderedItems")
    if isinstance(inline, list):
        return inline
    items: list[Any] = []
    seen: set[str] = set()
    page: Any = collection.get("first")
    while page is not None:
        if isinstance(page, str):
            if not page.startswith(collection_id) or page in seen:
                raise InvalidDocument(f"the page {page} is not a new page of {collection_id}")
            seen.add(page)
            page = await fetch_as(app, page, reader)
        if not isinstance(page, dict) or not isinstance(page.get("orderedItems"), list):
            raise InvalidDocument(f"a page of the {what} collection has no orderedItems")
        if not page["orderedItems"] and page.get("next") is not None:
            raise InvalidDocument(f"an empty page of the {what} collection has a next page")
        items.extend(page["orderedItems"])
        if len(items) > limit:
            raise InvalidDocument(f"the {what} collection holds more than {limit} {what}")
        page = page.get("next")
    return items


async def _fetch_ballots(app: web.Application, pool: str, proposal: str, listed: int, at: datetime,
                         problems: dict[str, Any], failures: list[FetchError],
                         reader: ActorRecord | None) -> None:
    """Keep every ballot of the pool's public ballots collection whose proof verifies."""
    try:
        items = await collection_items(app, proposal + "/ballots", listed + _EXTRA_BALLOTS, reader)
    except FetchError as exc:
        failures.append(exc)
        problems["ballots"] = f"could not be fetched: {exc.reason}"
        return
    except InvalidDocument as exc:
        problems["ballots"] = exc.reason
        return
    rejected: dict[str, str] = {}
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            continue
        if item.get("proposal") != proposal:
            rejected[item["id"]] = "a ballot of another proposal"
            continue
        try:
            await keep_ballot(app, pool, item, at)
        except (InvalidDocument, ProofRejected) as exc:
            rejected[item["id"]] = exc.reason
    if rejected:
        problems["rejectedBallots"] = rejected


async def recount_final(app: web.Application, final: dict[str, Any], at: datetime,
                        reader: ActorRecord | None = None) -> RemoteRecount:
    """Recount a verified final Tally from the signed inputs and record how it compares.

    Incomplete when the proposal, electorate or ballots cannot be had (a failed fetch is raised
    after recording, so the inbox retries later); a mismatch when a listed ballot is missing or
    does not verify, a ballot we hold and that counts is not listed, or a counted field differs.
    """
    store = results(app)
    pool, proposal_uri = str(final["pool"]), str(final["proposal"])
    problems: dict[str, Any] = {}
    failures: list[FetchError] = []
    proposal_doc = await signed_input(app, proposal_uri, "Proposal", at, problems, failures, reader)
    electorate_doc = await signed_input(app, str(final.get("electorate") or proposal_uri + "/electorate"),
                                  "Electorate", at, problems, failures, reader)
    listed = final.get("ballots")
    await _fetch_ballots(app, pool, proposal_uri, len(listed) if isinstance(listed, list) else 0, at,
                         problems, failures, reader)
    recounted: dict[str, Any] | None = None
    state = "incomplete"
    if proposal_doc is not None and electorate_doc is not None and "ballots" not in problems:
        state, recounted = _compare(final, proposal_doc, electorate_doc,
                                    {d.uri: d.document for d in await store.of_proposal(proposal_uri, "Ballot")},
                                    problems)
    await store.set_recount(proposal_uri, final["id"], state, recounted, problems, iso(at))
    if state != "matches":
        log.warning("final tally %s of %s: %s %s", final["id"], pool, state, problems)
    if failures:
        raise failures[0]
    recount = await store.recount(proposal_uri)
    assert recount is not None
    return recount


def _compare(final: Mapping[str, Any], proposal_doc: Mapping[str, Any],
             electorate_doc: Mapping[str, Any], held: Mapping[str, dict[str, Any]],
             problems: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    """('matches' | 'mismatch', the recounted Tally fields); ``problems`` gains each difference."""
    try:
        proposal = proposal_from_documents(proposal_doc, electorate_doc)
        roll = roll_from_documents(proposal_doc, electorate_doc, proposal.electorate.members)
    except InvalidDocument as exc:
        problems["proposal"] = exc.reason
        return "mismatch", None
    listed = [str(b) for b in final["ballots"]]
    missing = [uri for uri in listed if uri not in held]
    if missing:
        problems["missingBallots"] = missing
    counted, invalid = [], {}
    for uri in listed:
        if uri in held:
            ballot = ballot_from_document(held[uri])
            try:
                check_ballot(proposal.rule, proposal.electorate, ballot)
            except GovernanceError as exc:
                invalid[uri] = exc.code
                continue
            counted.append(ballot)
    if invalid:
        problems["invalidBallots"] = invalid
    omitted = []
    for uri, document in held.items():
        if uri not in listed:
            try:
                check_ballot(proposal.rule, proposal.electorate, ballot_from_document(document))
            except (GovernanceError, InvalidDocument):
                continue  # a ballot the pool rightly refused
            omitted.append(uri)
    if omitted:
        problems["omittedBallots"] = omitted
    result, classes = count(proposal, roll, counted)
    ours = tally_document(result, str(final["pool"]), listed, final=True,
                          updated=str(final.get("updated", "")), classes=classes)
    recounted = {field: ours.get(field) for field in COMPARED_FIELDS}
    differences = {}
    for field in COMPARED_FIELDS:
        theirs = final.get(field, ours.get(field)) if field in OPTIONAL_FIELDS else final.get(field)
        if theirs != ours.get(field):
            differences[field] = {"tally": theirs, "recount": ours.get(field)}
    if differences:
        problems["fields"] = differences
    if proposal_doc.get("electorateDigest") != final.get("electorateDigest"):
        problems["electorateDigest"] = "the tally's electorate is not the proposal's"
    return ("mismatch" if problems else "matches"), recounted


def _entry(kept: RemoteDocument | None) -> dict[str, Any] | None:
    if kept is None:
        return None
    return {"document": kept.document, "verified": True, "verifiedBy": kept.verified_by,
            "verifiedAt": kept.verified_at}


def result_state(tally_doc: RemoteDocument | None, recount: RemoteRecount | None) -> str:
    """'verified' only when our recount reproduces the final tally; else what we know."""
    if tally_doc is None:
        return "no_tally"
    if not tally_doc.document.get("final"):
        return "running"
    if recount is None:
        return "unchecked"
    return "verified" if recount.state == "matches" else recount.state


async def remote_proposal(app: web.Application, proposal_uri: str) -> dict[str, Any] | None:
    """What this node knows of a remote proposal (None if nothing): documents, ballots, recount."""
    store = results(app)
    kept = await store.of_proposal(proposal_uri)
    if not kept:
        return None
    by_type: dict[str, RemoteDocument] = {}
    for document in kept:
        if document.type not in ("Ballot", "Allocation", "Bucket"):
            by_type[document.type] = document
    recount = await store.recount(proposal_uri)
    tally_doc = by_type.get("Tally") or by_type.get("BudgetResult")  # a budget round's result
    documents = {kind.lower(): _entry(by_type.get(kind)) for kind in ("Proposal", "Electorate", "Tally")}
    if "BudgetResult" in by_type:
        documents["result"] = _entry(by_type["BudgetResult"])
    return {
        "proposal": proposal_uri,
        "pool": kept[0].pool_uri,
        "result": result_state(tally_doc, recount),
        "documents": documents,
        "ballots": [{"id": d.uri, "voter": d.document.get("attributedTo"), "verifiedBy": d.verified_by}
                    for d in kept if d.type in ("Ballot", "Allocation")],
        "recount": None if recount is None else {
            "state": recount.state, "tally": recount.tally_uri, "recount": recount.recount,
            "differences": recount.differences, "checkedAt": recount.checked_at},
    }


async def remote_pool(app: web.Application, pool_uri: str) -> dict[str, Any] | None:
    """What this node knows of a remote pool: its proposals (with their result) and ledger entries."""
    store = results(app)
    proposals = await store.of_pool(pool_uri, "Proposal")
    tallies = [*await store.of_pool(pool_uri, "Tally"), *await store.of_pool(pool_uri, "BudgetResult")]
    entries = await store.of_pool(pool_uri, "LedgerEntry")
    if not (proposals or tallies or entries):
        return None
    known = {t.proposal_uri: t for t in tallies}
    listed = []
    for uri in dict.fromkeys([*(p.uri for p in proposals), *(t.proposal_uri or "" for t in tallies)]):
        name = next((p.document.get("name") for p in proposals if p.uri == uri), None)
        listed.append({"id": uri, "name": name,
                       "result": result_state(known.get(uri), await store.recount(uri))})
    ordered = sorted(entries, key=lambda e: int(e.document.get("sequence", 0)))
    return {
        "pool": pool_uri,
        "proposals": listed,
        "ledger": [_entry(e) for e in ordered],
        "ledgerChain": ledger_chain([e.document for e in ordered]),
    }


def ledger_chain(documents: list[dict[str, Any]]) -> dict[str, Any]:
    """A remote pool's ledger entries we hold, replayed from its first entry.

    Each entry's proof was checked on receipt; the replay checks what no single entry can
    show: that they link into one hash chain from the genesis, that each entry hash is the
    hash of its contents, and that every balance invariant holds (no overdraft, payments
    within their commitment). ``state``: ``verified`` (entries 1..n, all of them),
    ``incomplete`` (the entries up to the first missing sequence number are verified; the
    rest cannot be until it arrives) or ``broken`` (with the reason). ``through`` counts the
    entries verified; ``head`` and ``fund`` are the ledger's as of the last of them.
    """
    if not documents:
        return {"state": "verified", "through": 0, "head": GENESIS, "fund": 0}
    contiguous: list[dict[str, Any]] = []
    for expected, document in enumerate(documents, start=1):
        if document.get("sequence") != expected:
            break
        contiguous.append(document)
    currency = str(documents[0].get("currency", ""))
    try:
        ledger = replay_documents(currency, contiguous)
    except (GovernanceError, InvalidDocument) as exc:
        return {"state": "broken", "through": 0, "problem": exc.reason}
    state = "verified" if len(contiguous) == len(documents) else "incomplete"
    chain: dict[str, Any] = {"state": state, "through": len(contiguous), "head": ledger.head,
                             "fund": ledger.fund}
    if state == "incomplete":
        chain["missing"] = len(contiguous) + 1
    return chain
