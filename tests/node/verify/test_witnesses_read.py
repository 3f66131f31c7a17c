"""The verifier reads a pool's witnesses over HTTP (a real aiohttp server serving fixture
documents): each attestation counts once its witness's own key verifies it; a witness the pool
does not list is found through the pool's floods; a forged attestation is named."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from federation.fetch import Fetcher
from federation.keys import generate_actor_keys
from governance import Ledger, Roster, contribution
from governance.witness import Head
from node.storage import ActorRecord
from node.verify.reader import Limits, RecordReader
from node.verify.report import Report, Verdict
from node.verify.witnesses import verify_witnesses
from node.wire import ledger_entry_document, sign_document
from node.wire.witness import attestation_path, head_attestation_document
from tests.node.verify.test_checks import ANA, AT
from tests.node.verify.test_witnessed import _entries

AS2 = "application/activity+json"
_RIVER, _STRAY = generate_actor_keys(), generate_actor_keys()


@pytest.fixture
async def served(aiohttp_server: Any) -> tuple[str, dict[str, Any]]:
    """(the server's base URL, the documents it serves by path and query)."""
    documents: dict[str, Any] = {}

    async def serve(request: web.Request) -> web.Response:
        found = documents.get(request.path_qs)
        if found is None:
            raise web.HTTPNotFound()
        if isinstance(found, int):  # a status: the record is not open to this reader
            return web.json_response({"error": "members only", "code": "unauthorized"}, status=found)
        return web.Response(body=json.dumps(found).encode(), headers={"Content-Type": AS2})

    app = web.Application()
    app.router.add_get("/{rest:.*}", serve)
    server = await aiohttp_server(app, host="127.0.0.1")
    return f"http://127.0.0.1:{server.port}", documents


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


def _pool(base: str, name: str, keys: Any = _RIVER) -> ActorRecord:
    return ActorRecord(2, name, "pool", f"{base}/pools/{name}", "", "", False, keys.rsa_private_pem,
                       keys.rsa_public_pem, keys.ed25519_private_pem, keys.ed25519_public_multibase,
                       "2025-01-01T00:00:00Z")


def _actor(pool: ActorRecord) -> dict[str, Any]:
    return {"id": pool.uri, "type": "Group", "ledger": pool.uri + "/ledger",
            "witnesses": pool.uri + "/witnesses", "witnessing": pool.uri + "/witnessing",
            "ledgerConflicts": pool.uri + "/conflicts",
            "assertionMethod": [{"id": pool.proof_key_id, "type": "Multikey", "controller": pool.uri,
                                 "publicKeyMultibase": pool.ed25519_public_multibase}]}


def _collection(uri: str, items: list[Any]) -> dict[str, Any]:
    return {"id": uri, "type": "OrderedCollection", "totalItems": len(items), "orderedItems": items}


def _world(base: str, documents: dict[str, Any], commons_lists: list[Any],
           river_lists: list[Any]) -> dict[str, Any]:
    commons, river = _pool(base, "commons", _STRAY), _pool(base, "river")
    for pool, listed in ((commons, commons_lists), (river, [])):
        path = pool.uri[len(base):]
        documents[path] = _actor(pool)
        documents[path + "/witnesses"] = _collection(pool.uri + "/witnesses", listed)
        documents[path + "/conflicts"] = _collection(pool.uri + "/conflicts", [])
    documents["/pools/river/witnessing"] = _collection(river.uri + "/witnessing", river_lists)
    return dict(documents["/pools/commons"])


def _attestation(base: str, head: Head, *, signer: ActorRecord | None = None) -> dict[str, Any]:
    river = _pool(base, "river")
    pool = base + "/pools/commons"
    return sign_document(head_attestation_document(attestation_path(river.uri, pool, 1), river.uri,
                                                   pool, head, "2025-03-01T13:00:00Z", None),
                         signer or river, AT)


def _reader(session: aiohttp.ClientSession) -> RecordReader:
    return RecordReader(Fetcher(session, allow_private_addresses=True),
                        Limits(allow_private_addresses=True), lambda _: None)


async def _verify(session: Any, actor: dict[str, Any], entries: dict[int, dict[str, Any]],
                  peers: list[str]) -> dict[str, Any]:
    report = Report(actor["id"])
    read = _reader(session)
    await verify_witnesses(read, report, actor, entries, peers)
    assert read.requests <= 10
    return {c.check: c for c in report.checks}


async def test_a_listed_signed_attestation_the_ledger_holds_passes(served: Any, session: Any) -> None:
    base, documents = served
    entries = _entries(1000, 2000)
    attested = _attestation(base, Head(2, entries[2]["entryHash"]))
    actor = _world(base, documents, [attested], [attested])
    checks = await _verify(session, actor, entries, [])
    assert {name: c.verdict for name, c in checks.items()} == {
        "ledger.witnesses": Verdict.PASS, "ledger.witnessing": Verdict.PASS,
        "ledger.witnessed": Verdict.PASS, "ledger.conflicts": Verdict.PASS}


async def test_a_hidden_witness_is_found_through_the_floods(served: Any, session: Any) -> None:
    base, documents = served
    honest, rewritten = _entries(1000, 2000), _entries(1000, 6000)
    attested = _attestation(base, Head(2, honest[2]["entryHash"]))
    actor = _world(base, documents, [], [attested])  # the pool lists no witness
    checks = await _verify(session, actor, rewritten, [base + "/pools/river"])
    assert checks["ledger.witnessing"].evidence == {"unlisted": [attested["id"]]}
    assert checks["ledger.witnessed"].verdict is Verdict.FAIL
    (found,) = checks["ledger.witnessed"].evidence["contradicted"]
    assert (found["witness"], found["found"]) == (base + "/pools/river", rewritten[2]["entryHash"])


async def test_no_witness_anywhere_is_a_skip(served: Any, session: Any) -> None:
    base, documents = served
    actor = _world(base, documents, [], [])
    checks = await _verify(session, actor, _entries(1000), [])
    assert checks["ledger.witnessed"].verdict is Verdict.SKIP
    assert checks["ledger.witnessing"].verdict is Verdict.SKIP


async def test_an_attestation_not_signed_by_its_witness_is_named(served: Any, session: Any) -> None:
    base, documents = served
    entries = _entries(1000)
    forged = _attestation(base, Head(1, entries[1]["entryHash"]), signer=_pool(base, "river", _STRAY))
    actor = _world(base, documents, [forged], [])
    checks = await _verify(session, actor, entries, [])
    assert checks["ledger.witnesses"].verdict is Verdict.FAIL
    assert list(checks["ledger.witnesses"].evidence["rejected"]) == [forged["id"]]
    assert checks["ledger.witnessed"].verdict is Verdict.SKIP  # a forged head vouches for nothing


async def test_a_forged_attestation_in_a_witness_record_is_named(served: Any, session: Any) -> None:
    base, documents = served
    entries = _entries(1000)
    forged = _attestation(base, Head(1, entries[1]["entryHash"]), signer=_pool(base, "river", _STRAY))
    actor = _world(base, documents, [], [forged])
    checks = await _verify(session, actor, entries, [base + "/pools/river"])
    assert checks["ledger.witnessing"].verdict is Verdict.FAIL
    assert list(checks["ledger.witnessing"].evidence["rejected"]) == [forged["id"]]


async def test_a_witness_record_closed_to_the_reader_is_noted_not_an_error(served: Any,
                                                                          session: Any) -> None:
    base, documents = served
    actor = _world(base, documents, [], [])
    documents["/pools/river/witnessing"] = 401
    checks = await _verify(session, actor, _entries(1000), [base + "/pools/river"])
    assert checks["ledger.witnessing"].verdict is Verdict.PASS
    assert list(checks["ledger.witnessing"].evidence["unreadable"]) == [base + "/pools/river"]
    documents["/pools/river/witnessing"] = 500
    checks = await _verify(session, actor, _entries(1000), [base + "/pools/river"])
    assert checks["ledger.witnessing"].verdict is Verdict.ERROR


def _signed_entries(base: str, *amounts: int) -> dict[int, dict[str, Any]]:
    """The entries of the served pool (``commons``), signed with its key."""
    commons = _pool(base, "commons", _STRAY)
    roster = Roster.found([ANA], AT)
    ledger, documents = Ledger("EUR"), {}
    for seq, amount in enumerate(amounts, start=1):
        ledger = ledger.apply(contribution(f"{commons.uri}/ledger/{seq}", AT + timedelta(minutes=seq),
                                           ledger, ANA, amount, by=ANA, roster=roster))
        documents[seq] = sign_document(ledger_entry_document(ledger.entries[-1], commons.uri, seq),
                                       commons, AT)
    return documents


async def test_a_head_attested_after_the_ledger_was_read_is_judged_not_taken_for_a_cut(
        served: Any, session: Any) -> None:
    base, documents = served
    entries = _signed_entries(base, 1000, 2000)
    attested = _attestation(base, Head(2, entries[2]["entryHash"]))
    actor = _world(base, documents, [attested], [attested])
    read_before = {1: entries[1]}  # the ledger as read, before entry 2 was booked and attested
    documents["/pools/commons/ledger/2"] = entries[2]
    river = [base + "/pools/river"]
    checks = await _verify(session, actor, read_before, river)
    assert checks["ledger.witnessed"].verdict is Verdict.PASS, checks["ledger.witnessed"]
    del documents["/pools/commons/ledger/2"]  # the pool serves no entry 2: it cut its ledger
    checks = await _verify(session, actor, read_before, river)
    (found,) = checks["ledger.witnessed"].evidence["contradicted"]
    assert (found["kind"], found["found"]) == ("truncated", "the ledger ends at entry 1")
    rewritten = _signed_entries(base, 1000, 8000)
    documents["/pools/commons/ledger/2"] = rewritten[2]
    checks = await _verify(session, actor, read_before, river)
    (found,) = checks["ledger.witnessed"].evidence["contradicted"]
    assert (found["kind"], found["found"]) == ("rewritten", rewritten[2]["entryHash"])


async def test_a_contradiction_by_a_pool_that_vouches_for_nothing_is_its_word_alone(
        served: Any, session: Any) -> None:
    base, documents = served
    honest, rewritten = _entries(1000, 2000), _entries(1000, 6000)
    attested = _attestation(base, Head(2, honest[2]["entryHash"]))
    actor = _world(base, documents, [attested], [attested])  # river: no flood, not witnessed back
    checks = await _verify(session, actor, rewritten, [])
    assert checks["ledger.unvouched"].verdict is Verdict.SKIP
    assert checks["ledger.unvouched"].evidence["contradicted"][0]["witness"] == base + "/pools/river"
    assert checks["ledger.witnessed"].verdict is Verdict.SKIP
    # The pool witnesses river back (its own witnessing says so): river's word is a finding.
    commons = _pool(base, "commons", _STRAY)
    back = sign_document(head_attestation_document(
        attestation_path(commons.uri, base + "/pools/river", 1), commons.uri, base + "/pools/river",
        Head(0, "0" * 64), "2025-03-01T13:00:00Z", None), commons, AT)
    documents["/pools/commons/witnessing"] = _collection(commons.uri + "/witnessing", [back])
    checks = await _verify(session, actor, rewritten, [])
    assert checks["ledger.witnessed"].verdict is Verdict.FAIL
    assert "ledger.unvouched" not in checks
