"""Another node's budget round: its final result recounted from the signed inputs, trusting no relay.

When a verified final ``BudgetResult`` arrives (node/pool_engine/remote_results.py), the node
fetches the round's ``Proposal`` and ``Electorate``, its ``{round}/buckets`` (each verified
against the pool's key) and ``{round}/allocations`` (each verified against its member's key),
rebuilds the round with ``governance.Budget.recount`` and compares every field of
``RESULT_FIELDS`` (docs/PROTOCOL.md §Verifying a budget round). The outcome is kept as the
round's recount: ``matches``, ``mismatch`` (with the differences) or ``incomplete``.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from aiohttp import web

from federation.errors import FetchError
from governance import GovernanceError
from governance.budget import Budget
from governance.rounds import MAX_BUCKETS
from node.pool_engine.common import iso, key_lookup
from node.pool_engine.remote_results import collection_items, receive, results, signed_input
from node.storage import ActorRecord, RemoteRecount
from node.wire import (
    InvalidDocument,
    check_document,
    proposal_from_documents,
    verify_author_proof,
)
from node.wire.budget import (
    RESULT_FIELDS,
    allocation_from_document,
    bucket_from_document,
    bucket_time,
    result_document,
)
from node.wire.errors import ProofRejected

__all__ = ["recount_round"]

log = logging.getLogger("poolnode.pools")

_EXTRA = 1000
"""How many more allocations than the result lists a collection may hold before we stop reading."""


async def _items(app: web.Application, collection: str, limit: int, what: str,
                 problems: dict[str, Any], failures: list[FetchError],
                 reader: ActorRecord | None) -> list[dict[str, Any]]:
    try:
        found = await collection_items(app, collection, limit, reader, what)
    except FetchError as exc:
        failures.append(exc)
        problems[what] = f"could not be fetched: {exc.reason}"
        return []
    except InvalidDocument as exc:
        problems[what] = exc.reason
        return []
    return [item for item in found if isinstance(item, dict) and isinstance(item.get("id"), str)]


async def _buckets(app: web.Application, round_uri: str, items: list[dict[str, Any]], at: datetime,
                   problems: dict[str, Any]) -> list[dict[str, Any]]:
    """The round's buckets whose proof is the pool's, in the order of their numbers."""
    kept, rejected = [], {}
    for item in items:
        try:
            if item.get("proposal") != round_uri:
                raise InvalidDocument("a bucket of another round")
            kept.append((await receive(app, item, at)).document)
        except (InvalidDocument, ProofRejected) as exc:
            rejected[item["id"]] = exc.reason
    if rejected:
        problems["rejectedBuckets"] = rejected

    def number(document: dict[str, Any]) -> int:
        tail = str(document["id"]).rsplit("/buckets/", 1)[-1]
        return int(tail) if tail.isdigit() else 0

    return sorted(kept, key=number)


async def _allocations(app: web.Application, pool: str, round_uri: str, items: list[dict[str, Any]],
                       at: datetime, problems: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every allocation whose proof is its member's, kept, by id."""
    kept, rejected = {}, {}
    for item in items:
        try:
            if item.get("proposal") != round_uri:
                raise InvalidDocument("an allocation of another round")
            check_document("allocation", item)
            verified = await verify_author_proof(item, str(item["attributedTo"]),
                                                 lambda m: key_lookup(app, m))
        except (InvalidDocument, ProofRejected) as exc:
            rejected[item["id"]] = exc.reason
            continue
        await results(app).put(uri=item["id"], type="Allocation", pool_uri=pool, proposal_uri=round_uri,
                               document=item, verified_by=verified.verification_method, at=iso(at))
        kept[item["id"]] = item
    if rejected:
        problems["rejectedAllocations"] = rejected
    return kept


def _compare(final: dict[str, Any], proposal_doc: dict[str, Any], electorate_doc: dict[str, Any],
             buckets: list[dict[str, Any]], held: dict[str, dict[str, Any]],
             problems: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    listed = [str(a) for a in final.get("allocations", [])]
    missing = [uri for uri in listed if uri not in held]
    if missing:
        problems["missingAllocations"] = missing
    omitted = [uri for uri in held if uri not in listed]
    if omitted:
        problems["omittedAllocations"] = omitted
    try:
        proposal = proposal_from_documents(proposal_doc, electorate_doc)
        budget = Budget.recount(proposal, [(bucket_from_document(d), bucket_time(d)) for d in buckets],
                                [allocation_from_document(held[uri]) for uri in listed if uri in held])
    except (GovernanceError, InvalidDocument) as exc:
        problems["inputs"] = getattr(exc, "reason", str(exc))
        return "mismatch", None
    ours = result_document(budget, str(final["pool"]), listed, final=True,
                           updated=str(final.get("updated", "")))
    recounted = {field: ours[field] for field in RESULT_FIELDS}
    differences = {field: {"result": final.get(field), "recount": ours[field]}
                   for field in RESULT_FIELDS if final.get(field) != ours[field]}
    if differences:
        problems["fields"] = differences
    return ("mismatch" if problems else "matches"), recounted


async def recount_round(app: web.Application, final: dict[str, Any], at: datetime,
                        reader: ActorRecord | None = None) -> RemoteRecount:
    """Recount a verified final BudgetResult and record how it compares (a failed fetch is
    raised after recording, so the inbox retries later)."""
    store = results(app)
    pool, round_uri = str(final["pool"]), str(final["proposal"])
    problems: dict[str, Any] = {}
    failures: list[FetchError] = []
    proposal_doc = await signed_input(app, round_uri, "Proposal", at, problems, failures, reader)
    electorate_doc = await signed_input(app, str(final.get("electorate") or round_uri + "/electorate"),
                                        "Electorate", at, problems, failures, reader)
    bucket_items = await _items(app, round_uri + "/buckets", MAX_BUCKETS, "buckets", problems,
                                failures, reader)
    listed = final.get("allocations")
    limit = (len(listed) if isinstance(listed, list) else 0) + _EXTRA
    allocation_items = await _items(app, round_uri + "/allocations", limit, "allocations", problems,
                                    failures, reader)
    buckets = await _buckets(app, round_uri, bucket_items, at, problems)
    held = await _allocations(app, pool, round_uri, allocation_items, at, problems)
    state, recounted = "incomplete", None
    if (proposal_doc is not None and electorate_doc is not None and "buckets" not in problems
            and "allocations" not in problems):
        state, recounted = _compare(final, proposal_doc, electorate_doc, buckets, held, problems)
    await store.set_recount(round_uri, final["id"], state, recounted, problems, iso(at))
    if state != "matches":
        log.warning("final result %s of %s: %s %s", final["id"], pool, state, problems)
    if failures:
        raise failures[0]
    recount = await store.recount(round_uri)
    assert recount is not None
    return recount
