"""A pool on a loopback server whose ledger the node witnesses: entries signed with the pool's
Ed25519 key and served as poolnode serves them (the collection with ``headHash``, newest-first
pages, one document per entry), which a test can grow, rewrite or cut; and a node whose
witnessing clock the test drives itself."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from federation.proofs import create_proof
from governance import Ledger, Roster, donation
from node.wire import ledger_entry_document
from tests.node.inbox_helpers import AP
from tests.node.pools.test_federated_ballots import ProofActor

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@dataclass
class RemotePool:
    """A remote pool: its actor (a Group with a ledger) and the ledger it serves."""

    base: str
    actor: ProofActor
    amounts: list[int] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 2
    reachable: bool = True
    posts: list[dict[str, Any]] = field(default_factory=list)
    others: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def uri(self) -> str:
        return self.actor.uri

    def _sign(self, document: dict[str, Any]) -> dict[str, Any]:
        return create_proof(document, self.actor.proof_key, self.uri + "#ed25519-key", T0)

    def _rebuild(self) -> None:
        """Book every amount again from the genesis and sign each entry (an operator who
        edits a row and recomputes and re-signs the chain does exactly this)."""
        roster = Roster.found([self.uri + "/treasurer"], T0)
        ledger = Ledger("EUR")
        documents = []
        for n, amount in enumerate(self.amounts, start=1):
            ledger = ledger.apply(donation(f"{self.uri}/ledger/{n}", T0 + timedelta(minutes=n),
                                           ledger, "donor", amount, by=self.uri + "/treasurer",
                                           roster=roster))
            documents.append(self._sign(ledger_entry_document(ledger.entries[-1], self.uri, n)))
        self.documents = documents

    def book(self, *amounts: int) -> None:
        """Honest growth: new entries after the last (the earlier ones stay byte for byte)."""
        kept = list(self.documents)
        self.amounts.extend(amounts)
        self._rebuild()
        assert self.documents[:len(kept)] == kept
        assert all(d["proof"] == k["proof"] for d, k in zip(self.documents, kept, strict=False))

    def rewrite(self, sequence: int, amount: int) -> None:
        """History rewritten: entry ``sequence`` gets another amount, the chain is recomputed
        and every entry re-signed with the pool's own key."""
        self.amounts[sequence - 1] = amount
        self._rebuild()

    def cut(self, keep: int) -> None:
        """The ledger loses its entries after ``keep``."""
        self.amounts = self.amounts[:keep]
        self._rebuild()

    @property
    def head_hash(self) -> str:
        return str(self.documents[-1]["entryHash"]) if self.documents else "0" * 64

    def document(self) -> dict[str, Any]:
        actor = self.actor.document()
        actor["ledger"] = self.uri + "/ledger"
        return actor

    def serve(self, path_qs: str) -> dict[str, Any] | None:
        url = self.base + path_qs
        collection = self.uri + "/ledger"
        if url == self.uri:
            return self.document()
        if url in self.others:
            return self.others[url]
        if url == collection:
            return {"@context": "https://www.w3.org/ns/activitystreams", "id": collection,
                    "type": "OrderedCollection", "totalItems": len(self.documents),
                    "first": collection + "?page=true", "headHash": self.head_hash}
        if url.startswith(collection + "?page=true"):
            before = int(url.split("before=")[1]) if "before=" in url else len(self.documents) + 1
            older = [d for d in reversed(self.documents) if d["sequence"] < before]
            shown = older[:self.page_size]
            page: dict[str, Any] = {"id": url, "type": "OrderedCollectionPage", "partOf": collection,
                                    "orderedItems": shown}
            if len(older) > len(shown):
                page["next"] = f"{collection}?page=true&before={shown[-1]['sequence']}"
            return page
        if url.startswith(collection + "/"):
            tail = url.rsplit("/", 1)[1]
            if tail.isdigit() and 1 <= int(tail) <= len(self.documents):
                return self.documents[int(tail) - 1]
        return None


async def start_remote_pool(aiohttp_server: Any, name: str = "river") -> RemotePool:
    """A remote pool ``name`` with an empty ledger, on its own loopback server."""
    holder: list[RemotePool] = []

    async def get(request: web.Request) -> web.Response:
        pool = holder[0]
        if not pool.reachable:
            raise web.HTTPServiceUnavailable()
        document = pool.serve(request.path_qs)
        if document is None:
            raise web.HTTPNotFound()
        return web.Response(text=json.dumps(document), content_type=AP)

    async def post(request: web.Request) -> web.Response:
        holder[0].posts.append(json.loads(await request.read()))
        return web.Response(status=202)

    app = web.Application()
    app.router.add_get("/{tail:.*}", get)
    app.router.add_post("/{tail:.*}", post)
    server = await aiohttp_server(app, host="127.0.0.1")
    base = f"http://127.0.0.1:{server.port}"
    pool = RemotePool(base, ProofActor(f"{base}/pools/{name}", "Group"))
    holder.append(pool)
    return pool


def attestation(witness: RemotePool, pool: str, sequence: int, head_hash: str, *,
                number: int = 1, key: Any = None, **changes: Any) -> dict[str, Any]:
    """A HeadAttestation by ``witness`` of ``pool``'s head, signed with its key (or ``key``)."""
    from governance.witness import Head
    from node.wire.witness import attestation_path, head_attestation_document

    now = datetime.now(UTC).replace(microsecond=0)
    document = head_attestation_document(
        attestation_path(witness.uri, pool, number), witness.uri, pool, Head(sequence, head_hash),
        now.isoformat().replace("+00:00", "Z"), None)
    document.update(changes)
    return create_proof(document, key or witness.actor.proof_key, witness.uri + "#ed25519-key", now)


async def rewrite_own_ledger(app: Any, pool: Any, sequence: int, amount: int) -> None:
    """What an operator with the database and the pool's key (both in the data directory) can
    do: edit entry ``sequence``'s amount, recompute the chain and re-sign every entry."""
    import dataclasses

    from governance import Posting
    from node.appkeys import DB
    from node.pool_engine.common import store
    from node.wire import entry_from_document, sign_document

    rows = await store(app).ledger(pool.id)
    ledger = Ledger(str(rows[0].document["currency"]))
    for row in rows:
        transaction = entry_from_document(row.document).transaction
        if row.sequence == sequence:
            transaction = dataclasses.replace(transaction, postings=tuple(
                Posting(p.account, amount if p.amount > 0 else -amount) for p in transaction.postings))
        ledger = ledger.apply(transaction)
        sealed = ledger.entries[-1]
        document = sign_document(ledger_entry_document(sealed, pool.uri, row.sequence), pool, T0)
        await app[DB].execute(
            "UPDATE ledger_entries SET entry_json = ?, document = ?, hash = ? WHERE pool_id = ?"
            " AND sequence = ?",
            (json.dumps(sealed.to_dict()), json.dumps(document), sealed.hash, pool.id, row.sequence))


async def received(pool: RemotePool, kind: str, count: int) -> list[dict[str, Any]]:
    """The documents of ``kind`` delivered to ``pool``'s inbox, once ``count`` have come."""
    import asyncio

    async with asyncio.timeout(10):
        while True:
            found = [p["object"] for p in pool.posts
                     if isinstance(p.get("object"), dict) and p["object"].get("type") == kind]
            if len(found) >= count:
                return found
            await asyncio.sleep(0.05)
