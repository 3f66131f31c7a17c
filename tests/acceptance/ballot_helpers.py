"""What the issue-12 ballot and proof acceptance tests share: a recount, the proof hashing
and the remote members they need, written from docs/PROTOCOL.md and docs/FEDERATION.md with
hashlib, rfc8785 and cryptography only (no code of the node builds or checks what is
compared with the node)."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from tests.conftest import BASE_URL, NodeSetup
from tests.node.inbox_helpers import FakeActor, post_signed, processed
from tests.node.pools.helpers import signed_tally

ROOT = Path(__file__).resolve().parents[2]
AP = "application/activity+json"
POOL = BASE_URL + "/pools/commons"
AS2 = "https://www.w3.org/ns/activitystreams"
DI2 = "https://w3id.org/security/data-integrity/v2"
PN = "https://poolnode.org/ns/v1"
THREE = [AS2, DI2, PN]  # docs/PROTOCOL.md §Vocabulary and documents

# --------------------------------------------------------------------------- our own crypto

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58encode(data: bytes) -> str:
    n, out = int.from_bytes(data, "big"), ""
    while n:
        n, r = divmod(n, 58)
        out = _B58[r] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def b58decode(text: str) -> bytes:
    n = 0
    for ch in text:
        n = n * 58 + _B58.index(ch)
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def sha(value: Any) -> bytes:
    return hashlib.sha256(rfc8785.dumps(value)).digest()


def public_of(multibase: str) -> ed25519.Ed25519PublicKey:
    raw = b58decode(multibase.removeprefix("z"))
    assert raw[:2] == b"\xed\x01"  # multicodec ed25519-pub
    return ed25519.Ed25519PublicKey.from_public_bytes(raw[2:])


def now_z(ms: bool = False) -> str:
    moment = datetime.now(UTC)
    text = moment.isoformat(timespec="milliseconds" if ms else "seconds")
    return text.replace("+00:00", "Z")


def prove(document: dict[str, Any], key: ed25519.Ed25519PrivateKey, method: str, form: str,
          *, signed_context: Any = None) -> dict[str, Any]:
    """A proof made per docs/FEDERATION.md's table.

    ``with_context``: the proof carries @context P (the document's, or ``signed_context``: the
    document's context is then extended after signing); ``bare``: no @context, as FEP-8b32's
    vector (variant 1); ``fedify``: hashed with {"@context": C} + options, sent without (variant 2).
    """
    doc = {k: v for k, v in document.items() if k != "proof"}
    options = {"type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022",
               "verificationMethod": method, "proofPurpose": "assertionMethod",
               "created": now_z()}
    if form == "with_context":
        context = signed_context if signed_context is not None else doc["@context"]
        options = {"@context": context, **options}
        hashed_options, hashed_doc = options, {**doc, "@context": context}
    elif form == "bare":
        hashed_options, hashed_doc = options, doc
    elif form == "fedify":
        hashed_options, hashed_doc = {"@context": doc["@context"], **options}, doc
    else:
        raise AssertionError(form)
    signature = key.sign(sha(hashed_options) + sha(hashed_doc))
    return {**doc, "proof": {**options, "proofValue": "z" + b58encode(signature)}}


def verifies(document: dict[str, Any], public: ed25519.Ed25519PublicKey) -> bool:
    """Our own verifier of the documented inputs (docs/FEDERATION.md §Object integrity proofs)."""
    proof = document["proof"]
    doc = {k: v for k, v in document.items() if k not in ("proof", "signature")}
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    signature = b58decode(proof["proofValue"].removeprefix("z"))
    if "@context" in proof:
        p = proof["@context"] if isinstance(proof["@context"], list) else [proof["@context"]]
        c = doc.get("@context")
        c = c if isinstance(c, list) else [c]
        if c[: len(p)] != p:
            return False
        candidates = [(options, {**doc, "@context": proof["@context"]})]
    else:
        candidates = [(options, doc)]
        if "@context" in doc:
            candidates.append(({"@context": doc["@context"], **options}, doc))
    for hashed_options, hashed_doc in candidates:
        try:
            public.verify(signature, sha(hashed_options) + sha(hashed_doc))
            return True
        except InvalidSignature:
            continue
    return False


def private_of(actor: Any) -> ed25519.Ed25519PrivateKey:
    key = serialization.load_pem_private_key(actor.ed25519_private_pem.encode(), password=None)
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    return key


# --------------------------------------------------------------------------- reading the node


async def get_json(client: Any, url: str, status: int = 200) -> Any:
    resp = await client.get(url.removeprefix(BASE_URL), headers={"Accept": AP})
    assert resp.status == status, (url, resp.status, await resp.text())
    return await resp.json(content_type=None)


async def outbox_post(client: Any, user: str, token: str, body: Any, **headers: str) -> Any:
    return await client.post(f"/users/{user}/outbox", json=body,
                             headers={"Authorization": f"Bearer {token}", **headers})


async def propose(client: Any, token: str, user: str = "admin", **fields: Any) -> str:
    resp = await outbox_post(client, user, token,
                             {"type": "Proposal", "pool": POOL, "name": "A question", **fields})
    assert resp.status == 201, await resp.text()
    page_ = await get_json(client, "/pools/commons/proposals?page=true")
    return str(page_["orderedItems"][0]["id"])


async def every_ballot(client: Any, proposal: str) -> list[dict[str, Any]]:
    """Every signed ballot, by the collection's `first` and each page's `next` (§Verifying)."""
    collection = await get_json(client, proposal + "/ballots")
    ballots, url = [], collection["first"]
    while url:
        page_ = await get_json(client, url if isinstance(url, str) else url["id"])
        ballots.extend(page_["orderedItems"])
        url = page_.get("next")
    assert len(ballots) == collection["totalItems"]
    return ballots


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def recount(ballots: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """docs/PROTOCOL.md §Ballot order: per voter the greatest (sequence, published, id)."""
    best: dict[str, tuple[tuple[int, datetime, str], dict[str, Any]]] = {}
    for ballot in ballots:
        key = (ballot.get("sequence", 0), instant(ballot["published"]), ballot["id"])
        voter = ballot["attributedTo"]
        if voter not in best or key > best[voter][0]:
            best[voter] = (key, ballot)
    return {voter: ballot for voter, (_, ballot) in best.items()}


def choice_of(ballot: dict[str, Any]) -> list[str]:
    return list(ballot.get("ranking") or ballot.get("choice") or [])


async def check_recount(client: Any, proposal: str) -> dict[str, dict[str, Any]]:
    """Recount from the collection alone; it must agree with the pool-signed Tally."""
    tally = await signed_tally(client, proposal)  # the clock signed every ballot stored
    ballots = await every_ballot(client, proposal)
    counted = recount(ballots)
    # §Running tallies: `ballotCount` and `ballotsDigest` are of every ballot the recount starts
    # from, in the order the pool accepted them (the collection read oldest first); a final
    # Tally lists them too.
    oldest_first = [b["id"] for b in reversed(ballots)]
    assert tally["ballotCount"] == len(oldest_first)
    assert tally["ballotsDigest"] == hashlib.sha256(
        b"".join(i.encode("utf-8") + b"\n" for i in oldest_first)).hexdigest()
    if tally["final"]:
        assert tally["ballots"] == oldest_first
    assert tally["participation"] == len(counted)
    expected: dict[str, int] = {}
    for ballot in counted.values():
        for option in choice_of(ballot):
            expected[option] = expected.get(option, 0) + 1
    assert {k: v for k, v in tally["counts"].items() if v} == expected, (tally["counts"], counted)
    return counted


# --------------------------------------------------------------------------- remote members


@dataclass
class ProofPerson(FakeActor):
    """A remote member with an Ed25519 assertionMethod Multikey (FEP-521a)."""

    proof_key: ed25519.Ed25519PrivateKey = field(default_factory=ed25519.Ed25519PrivateKey.generate)

    def document(self) -> dict[str, Any]:
        doc = super().document()
        raw = self.proof_key.public_key().public_bytes(serialization.Encoding.Raw,
                                                       serialization.PublicFormat.Raw)
        doc["assertionMethod"] = [{"id": self.uri + "#ed25519-key", "type": "Multikey",
                                   "controller": self.uri,
                                   "publicKeyMultibase": "z" + b58encode(b"\xed\x01" + raw)}]
        return doc

    def ballot(self, proposal: str, choice: list[str], *, ballot_id: str | None = None,
               published: str | None = None, sequence: int | None = None,
               form: str = "with_context", **extra: Any) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "@context": THREE, "id": ballot_id or f"{self.uri}/ballots/{uuid.uuid4()}",
            "type": "Ballot", "attributedTo": self.uri, "pool": POOL, "proposal": proposal,
            "inReplyTo": proposal, "choice": choice, "to": [POOL],
            "published": published or now_z(), **extra}
        if sequence is not None:
            doc["sequence"] = sequence
        return prove(doc, self.proof_key, self.uri + "#ed25519-key", form)


def person(remote: Any, name: str) -> ProofPerson:
    actor = ProofPerson(f"{remote.base}/users/{name}", "Person")
    remote.actors[actor.uri] = actor
    return actor


async def deliver(client: Any, actor: FakeActor, obj: Any, path: str = "/pools/commons/inbox") -> Any:
    activity = actor.activity("Create", obj, to=[POOL])
    resp = await post_signed(client, actor, path, activity)
    assert resp.status == 202, await resp.text()
    return await processed(client, activity["id"])


async def admit(client: Any, fed: NodeSetup, actor: FakeActor) -> None:
    join = actor.activity("Join", POOL, to=[POOL])
    resp = await post_signed(client, actor, "/pools/commons/inbox", join)
    assert resp.status == 202
    await processed(client, join["id"])
    accept = await outbox_post(client, "admin", fed.admin_token, {"type": "Accept", "object": join["id"]})
    assert accept.status == 201, await accept.text()


async def rejections(remote: Any, at_least: int = 1, within: float = 20.0) -> list[str]:
    """The summaries of the Rejects the pool delivered to the remote server's inboxes."""
    async with asyncio.timeout(within):
        while True:
            found = [a.get("summary", "") for a in remote.posts if a.get("type") == "Reject"]
            if len(found) >= at_least:
                return found
            await asyncio.sleep(0.05)


async def _c2s(client: Any, node: NodeSetup, ballot: dict[str, Any]) -> Any:
    return await outbox_post(client, "alice", node.alice_token, {"type": "Create", "object": ballot})
