"""Issue 12 items 1, 6, 13 and 14, checked from outside against the docs as the spec.

The recount, the proof hashing and the error expectations below are written from
docs/PROTOCOL.md (§Errors, §Ballots, §Ballot order, §Fediverse members) and docs/FEDERATION.md
(§Object integrity proofs, §Mastodon interop) with hashlib, rfc8785 and cryptography only:
no code of the node is used to build or check what is compared with the node.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import io
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from tests.conftest import BASE_URL, NodeSetup
from tests.node.inbox_helpers import FakeActor, post_signed, processed
from tests.web.helpers import page, post_form, set_password, sign_in

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
    ballots = await every_ballot(client, proposal)
    counted = recount(ballots)
    tally = await get_json(client, proposal + "/tally")
    # §Verifying a result: the Tally's `ballots` lists every ballot id the recount starts from.
    assert sorted(tally["ballots"]) == sorted(b["id"] for b in ballots)
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


# =========================================================================== item 1


async def _you_voted(client: Any, proposal: str) -> str:
    html = await page(client, proposal.removeprefix(BASE_URL))
    found = re.search(r"You voted <strong>([^<]*)</strong>", html)
    assert found, "the page shows no ballot"
    return found[1]


async def test_item1_c2s_and_web_ballots_in_one_instant_the_last_counts_everywhere(client, node) -> None:  # type: ignore[no-untyped-def]
    proposal = await propose(client, node.admin_token)
    await set_password(client, "alice")
    await sign_in(client, "alice")
    url = proposal.removeprefix(BASE_URL)
    sequence = 0
    for n, choice in enumerate(["abstain", "agree", "disagree", "agree", "abstain", "block", "agree"]):
        if n % 2:  # the web vote form
            await post_form(client, url + "/vote", {"choice": choice}, from_page=url)
        else:
            resp = await outbox_post(client, "alice", node.alice_token,
                                     {"type": "Ballot", "pool": POOL, "proposal": proposal,
                                      "choice": [choice], "sequence": 999})
            assert resp.status == 201, await resp.text()
            assert (await resp.json())["object"]["sequence"] == sequence + 1  # the node's number
        counted = await check_recount(client, proposal)
        mine = counted[node.alice.uri]
        assert mine["choice"] == [choice] and mine["sequence"] == sequence + 1
        sequence += 1
        assert await _you_voted(client, proposal) == choice


async def test_item1_concurrent_c2s_ballots_take_distinct_sequences(client, node) -> None:  # type: ignore[no-untyped-def]
    proposal = await propose(client, node.admin_token)
    choices = ["agree", "disagree", "abstain", "block", "agree", "disagree"]
    responses = await asyncio.gather(*(
        outbox_post(client, "alice", node.alice_token,
                    {"type": "Ballot", "pool": POOL, "proposal": proposal, "choice": [c]})
        for c in choices))
    objects = []
    for resp in responses:
        assert resp.status == 201, await resp.text()
        objects.append((await resp.json())["object"])
    assert sorted(o["sequence"] for o in objects) == list(range(1, len(choices) + 1))
    last = max(objects, key=lambda o: o["sequence"])
    counted = await check_recount(client, proposal)
    assert counted[node.alice.uri]["id"] == last["id"]


async def test_item1_client_signed_sequence_then_node_numbered_reuse_and_legacy(client, node) -> None:  # type: ignore[no-untyped-def]
    proposal = await propose(client, node.admin_token)
    key, method = private_of(node.alice), node.alice.uri + "#ed25519-key"
    at = now_z()

    def signed(choice: str, sequence: int | None, published: str = at) -> dict[str, Any]:
        doc = {"@context": THREE, "id": f"{BASE_URL}/objects/{uuid.uuid4()}", "type": "Ballot",
               "attributedTo": node.alice.uri, "pool": POOL, "proposal": proposal,
               "inReplyTo": proposal, "choice": [choice], "to": [POOL], "published": published}
        if sequence is not None:
            doc["sequence"] = sequence
        return prove(doc, key, method, "with_context")

    async def send(ballot: dict[str, Any]) -> Any:
        return await outbox_post(client, "alice", node.alice_token, {"type": "Create", "object": ballot})

    assert (await send(signed("disagree", 5))).status == 201
    numbered = await outbox_post(client, "alice", node.alice_token,
                                 {"type": "Ballot", "pool": POOL, "proposal": proposal, "choice": ["agree"]})
    assert numbered.status == 201
    assert (await numbered.json())["object"]["sequence"] == 6  # after the client's own 5
    assert (await check_recount(client, proposal))[node.alice.uri]["choice"] == ["agree"]

    # A different ballot reusing sequence 6: 409 with the documented code, nothing stored.
    reuse = await send(signed("block", 6))
    assert reuse.status == 409
    body = await reuse.json()
    assert body["code"] == "ballot_sequence_conflict" and body["error"]
    assert len(await every_ballot(client, proposal)) == 2

    # A ballot without a sequence after numbered ones would never count: refused with the
    # reason, nothing stored (not a silent no-op).
    later = (datetime.now(UTC) + timedelta(seconds=30)).isoformat(timespec="seconds").replace("+00:00", "Z")
    unnumbered = await send(signed("block", None, later))
    assert unnumbered.status == 409
    assert (await unnumbered.json())["code"] == "ballot_sequence_missing"
    assert len(await every_ballot(client, proposal)) == 2
    # A greater sequence wins whatever the times say (dated at the proposal's opening).
    opened = (await get_json(client, proposal))["opensAt"]
    assert (await send(signed("abstain", 9, opened))).status == 201
    counted = await check_recount(client, proposal)
    assert counted[node.alice.uri]["choice"] == ["abstain"] and counted[node.alice.uri]["sequence"] == 9
    await set_password(client, "alice")
    await sign_in(client, "alice")
    assert await _you_voted(client, proposal) == "abstain"
    # The web form then numbers after 9.
    url = proposal.removeprefix(BASE_URL)
    await post_form(client, url + "/vote", {"choice": "agree"}, from_page=url)
    counted = await check_recount(client, proposal)
    assert counted[node.alice.uri]["sequence"] == 10 and await _you_voted(client, proposal) == "agree"


@pytest.fixture
def s2s(fed_client):  # type: ignore[no-untyped-def]
    return fed_client


async def test_item1_s2s_same_instant_out_of_order_reuse_and_legacy(s2s, fed, remote) -> None:  # type: ignore[no-untyped-def]
    client = s2s
    bo, cy, di = person(remote, "bo"), person(remote, "cy"), person(remote, "di")
    for actor in (bo, cy, di):
        await admit(client, fed, actor)
    proposal = await propose(client, fed.admin_token)
    at = now_z(ms=True)
    # bo: sequence 2 (smaller id) arrives before sequence 1, both in one millisecond.
    await deliver(client, bo, bo.ballot(proposal, ["agree"], ballot_id=bo.uri + "/b/a", published=at, sequence=2))
    await deliver(client, bo, bo.ballot(proposal, ["abstain"], ballot_id=bo.uri + "/b/z", published=at, sequence=1))
    # A different ballot reusing sequence 2, relayed by someone else: refused with a reason.
    reuse = bo.ballot(proposal, ["block"], ballot_id=bo.uri + "/b/m", published=at, sequence=2)
    await deliver(client, cy, reuse)
    assert any("sequence 2" in r for r in await rejections(remote))
    # cy: legacy ballots, one instant: the greater id counts; di: instants, not strings, compare.
    await deliver(client, cy, cy.ballot(proposal, ["block"], ballot_id=cy.uri + "/b/b", published=at))
    await deliver(client, cy, cy.ballot(proposal, ["disagree"], ballot_id=cy.uri + "/b/a", published=at))
    whole = at[:19] + "Z"
    fraction = at[:19] + ".900Z"
    await deliver(client, di, di.ballot(proposal, ["disagree"], ballot_id=di.uri + "/b/0", published=fraction))
    await deliver(client, di, di.ballot(proposal, ["agree"], ballot_id=di.uri + "/b/z", published=whole))
    counted = await check_recount(client, proposal)
    assert reuse["id"] not in {b["id"] for b in await every_ballot(client, proposal)}
    assert counted[bo.uri]["choice"] == ["agree"]
    assert counted[cy.uri]["choice"] == ["block"]
    assert counted[di.uri]["choice"] == ["disagree"]


# =========================================================================== item 6


def reply(actor: FakeActor, proposal: str, option: str, n: int, published: str) -> dict[str, Any]:
    return {"id": f"{actor.uri}/statuses/{n}", "type": "Note", "attributedTo": actor.uri,
            "name": option, "inReplyTo": proposal + "/question", "to": [POOL],
            "published": published}


async def _attested_recount(client: Any, proposal: str, fed: NodeSetup) -> dict[str, dict[str, Any]]:
    """Recount from signed ballots only: each proof checked by our verifier."""
    pool = await get_json(client, POOL)
    pool_key = public_of(pool["assertionMethod"][0]["publicKeyMultibase"])
    for ballot in await every_ballot(client, proposal):
        if "attestedBy" in ballot:
            assert ballot["attestedBy"] == POOL and verifies(ballot, pool_key)
    return await check_recount(client, proposal)


async def test_item6_anyof_replies_out_of_order_repeated_merge(s2s, fed, remote) -> None:  # type: ignore[no-untyped-def]
    client = s2s
    mo = person(remote, "mo")
    await admit(client, fed, mo)
    proposal = await propose(client, fed.admin_token, ballotType="approval", options=["red", "green", "blue"])
    question = await get_json(client, proposal + "/question")
    assert [o["name"] for o in question["anyOf"]] == ["red", "green", "blue"] and "oneOf" not in question
    at = now_z()
    notes = [reply(mo, proposal, "blue", 13, at), reply(mo, proposal, "red", 11, at),
             reply(mo, proposal, "blue", 13, at), reply(mo, proposal, "red", 14, at),
             reply(mo, proposal, "green", 12, at)]
    for note in notes:
        item = await deliver(client, mo, note)
        assert item.state == "done", item
    counted = (await _attested_recount(client, proposal, fed))[mo.uri]
    assert counted["choice"] == ["red", "green", "blue"]
    assert counted["sequence"] == 3 and counted["id"] == notes[4]["id"]
    assert counted["evidence"] == [notes[0]["id"], notes[1]["id"], notes[4]["id"]]
    assert len(await every_ballot(client, proposal)) == 3
    question = await get_json(client, proposal + "/question")
    assert question["votersCount"] == 1
    assert [o["replies"]["totalItems"] for o in question["anyOf"]] == [1, 1, 1]


async def test_item6_anyof_replies_arriving_together(s2s, fed, remote) -> None:  # type: ignore[no-untyped-def]
    client = s2s
    mo, ny = person(remote, "mo"), person(remote, "ny")
    await admit(client, fed, mo)
    await admit(client, fed, ny)
    proposal = await propose(client, fed.admin_token, ballotType="approval", options=["red", "green", "blue"])
    at = now_z()
    activities = []
    for actor in (mo, ny):
        for n, option in enumerate(["red", "green", "blue"]):
            activities.append((actor, actor.activity("Create", reply(actor, proposal, option, n, at), to=[POOL])))
    responses = await asyncio.gather(*(post_signed(client, a, "/pools/commons/inbox", act)
                                       for a, act in activities))
    assert [r.status for r in responses] == [202] * len(activities)
    for _, act in activities:
        assert (await processed(client, act["id"], within=30)).state == "done"
    counted = await _attested_recount(client, proposal, fed)
    assert counted[mo.uri]["choice"] == counted[ny.uri]["choice"] == ["red", "green", "blue"]


async def test_item6_oneof_poll_later_reply_replaces(s2s, fed, remote) -> None:  # type: ignore[no-untyped-def]
    client = s2s
    mo = person(remote, "mo")
    await admit(client, fed, mo)
    for fields, first, second in (({}, "agree", "block"),
                                  ({"ballotType": "single_choice", "options": ["tea", "coffee"]}, "tea", "coffee")):
        proposal = await propose(client, fed.admin_token, **fields)
        question = await get_json(client, proposal + "/question")
        assert "oneOf" in question and "anyOf" not in question
        at = now_z()
        await deliver(client, mo, reply(mo, proposal, first, 1, at))
        await deliver(client, mo, reply(mo, proposal, second, 2, at))
        await deliver(client, mo, reply(mo, proposal, first, 1, at))  # a repeat changes nothing
        counted = (await _attested_recount(client, proposal, fed))[mo.uri]
        assert choice_of(counted) == [second] and counted["sequence"] == 2


async def test_item6_ranked_proposal_is_a_first_preference_poll(s2s, fed, remote) -> None:  # type: ignore[no-untyped-def]
    client = s2s
    mo = person(remote, "mo")
    await admit(client, fed, mo)
    proposal = await propose(client, fed.admin_token, ballotType="ranked_choice", options=["a", "b", "c"])
    question = await get_json(client, proposal + "/question")
    assert [o["name"] for o in question["oneOf"]] == ["a", "b", "c"] and "anyOf" not in question
    assert "first preference" in question["content"].lower()
    await deliver(client, mo, reply(mo, proposal, "b", 1, now_z()))
    (ballot,) = await every_ballot(client, proposal)
    assert choice_of(ballot) == ["b"] and ballot["attestedBy"] == POOL
    tally = await get_json(client, proposal + "/tally")
    assert tally["participation"] == 1 and tally["ballots"] == [ballot["id"]]
    assert tally["rounds"][0]["counts"] == {"a": 0, "b": 1, "c": 0}  # b as first preference


async def test_item6_a_self_signed_ballot_then_a_reply_starts_a_new_ballot(s2s, fed, remote) -> None:  # type: ignore[no-untyped-def]
    client = s2s
    mo = person(remote, "mo")
    await admit(client, fed, mo)
    proposal = await propose(client, fed.admin_token, ballotType="approval", options=["red", "green", "blue"])
    await deliver(client, mo, mo.ballot(proposal, ["red", "green"], sequence=1))
    await deliver(client, mo, reply(mo, proposal, "blue", 5, now_z()))
    counted = (await _attested_recount(client, proposal, fed))[mo.uri]
    assert counted["choice"] == ["blue"] and counted["sequence"] == 2


# =========================================================================== item 13


def _doc_block(name: str) -> str:
    """The fenced text block of docs/FEDERATION.md that follows ``name``."""
    text = (ROOT / "docs" / "FEDERATION.md").read_text()
    return text.split(name, 1)[1].split("```text", 1)[1].split("```", 1)[0]


FEP_KEY = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
FEP_PROOF_VALUE = ("z3sXaxjKs4M3BRicwWA9peyNPJvJqxtGsDmpt1jjoHCjgeUf71TRFz56osPSfDErszyLp5Ks1"
                   "EhYSgpDaNM977Rg2")


def test_item13_documented_hash_inputs_are_exact() -> None:
    lines = _doc_block("gives these exact inputs").strip().splitlines()
    doc_jcs, doc_hash = lines[1], lines[2].split(": ")[1]
    opt1_jcs, opt1_hash = lines[4], lines[5].split(": ")[1]
    opt2_jcs, opt2_hash = lines[7], lines[8].split(": ")[1]
    document, options = json.loads(doc_jcs), json.loads(opt1_jcs)
    assert rfc8785.dumps(document).decode() == doc_jcs
    assert rfc8785.dumps(options).decode() == opt1_jcs
    assert rfc8785.dumps({"@context": document["@context"], **options}).decode() == opt2_jcs
    assert sha(document).hex() == doc_hash and sha(options).hex() == opt1_hash
    assert sha(json.loads(opt2_jcs)).hex() == opt2_hash
    assert lines[9].startswith(f"hashData (1) = {opt1_hash[:4]}…{opt1_hash[-4:]} || {doc_hash[:4]}")
    signed = {**document, "proof": {**options, "proofValue": FEP_PROOF_VALUE}}
    key = public_of(FEP_KEY)
    key.verify(b58decode(FEP_PROOF_VALUE[1:]), sha(options) + sha(document))  # variant (1)
    with pytest.raises(InvalidSignature):
        key.verify(b58decode(FEP_PROOF_VALUE[1:]), sha(json.loads(opt2_jcs)) + sha(document))
    assert verifies(signed, key)


FORMS = ["with_context", "extended", "bare", "fedify"]


def _alice_ballot(node: NodeSetup, proposal: str, form: str, choice: str = "agree") -> dict[str, Any]:
    doc = {"@context": THREE, "id": f"{BASE_URL}/objects/{uuid.uuid4()}", "type": "Ballot",
           "attributedTo": node.alice.uri, "pool": POOL, "proposal": proposal, "inReplyTo": proposal,
           "choice": [choice], "to": [POOL], "published": now_z()}
    key, method = private_of(node.alice), node.alice.uri + "#ed25519-key"
    if form == "extended":
        return prove(doc, key, method, "with_context", signed_context=[AS2, DI2])
    return prove(doc, key, method, form)


def _tampered(ballot: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    choice = copy.deepcopy(ballot)
    choice["choice"] = ["block"]
    out.append(("choice", choice))
    created = copy.deepcopy(ballot)
    created["proof"]["created"] = "2020-01-01T00:00:00Z"
    out.append(("created", created))
    if "@context" not in ballot["proof"]:
        extended = copy.deepcopy(ballot)
        extended["@context"] = [*THREE, {"x": "https://example.org/x"}]
        out.append(("extended context", extended))
        shortened = copy.deepcopy(ballot)
        shortened["@context"] = [AS2, DI2]
        out.append(("shortened context", shortened))
    else:
        moved = copy.deepcopy(ballot)
        moved["@context"] = [PN, AS2, DI2]
        out.append(("not a prefix", moved))
    return out


@pytest.mark.parametrize("form", FORMS)
async def test_item13_c2s_every_documented_form_verifies_and_tampering_fails(client, node, form) -> None:  # type: ignore[no-untyped-def]
    proposal = await propose(client, node.admin_token)
    ballot = _alice_ballot(node, proposal, form)
    alice = await get_json(client, node.alice.uri)
    assert verifies(ballot, public_of(alice["assertionMethod"][0]["publicKeyMultibase"]))
    for what, bad in _tampered(ballot):
        bad["id"] += "-" + what.replace(" ", "-")
        resp = await outbox_post(client, "alice", node.alice_token, {"type": "Create", "object": bad})
        assert resp.status == 422, (what, resp.status, await resp.text())
        body = await resp.json()
        assert body["code"] == "proof_rejected" and body["error"].startswith("proof rejected"), (what, body)
    resp = await outbox_post(client, "alice", node.alice_token, {"type": "Create", "object": ballot})
    assert resp.status == 201, await resp.text()
    assert (await resp.json())["object"] == ballot
    assert [b["id"] for b in await every_ballot(client, proposal)] == [ballot["id"]]


@pytest.mark.parametrize("form", FORMS)
async def test_item13_s2s_every_documented_form_verifies_and_tampering_fails(s2s, fed, remote, form) -> None:  # type: ignore[no-untyped-def]
    client = s2s
    bo = person(remote, "bo")
    await admit(client, fed, bo)
    proposal = await propose(client, fed.admin_token)
    if form == "extended":
        doc = bo.ballot(proposal, ["agree"])
        ballot = prove(doc, bo.proof_key, bo.uri + "#ed25519-key", "with_context", signed_context=[AS2, DI2])
    else:
        ballot = bo.ballot(proposal, ["agree"], form=form)
    for what, bad in _tampered(ballot):
        bad["id"] += "-" + what.replace(" ", "-")
        await deliver(client, bo, bad)
    assert await every_ballot(client, proposal) == []
    reasons = await rejections(remote, len(_tampered(ballot)))
    assert len(reasons) == len(_tampered(ballot))
    assert all("proof" in r for r in reasons), reasons
    await deliver(client, bo, ballot)
    assert [b["id"] for b in await every_ballot(client, proposal)] == [ballot["id"]]


# =========================================================================== item 14


async def _committed(client: Any, node: NodeSetup, amount: int, fund: int) -> str:
    from node.pool_engine import close_due

    if fund:
        resp = await outbox_post(client, "admin", node.admin_token, {
            "type": "LedgerEntry", "pool": POOL, "entryKind": "contribution",
            "person": node.alice.uri, "amount": fund, "reference": "bank 1"})
        assert resp.status == 201, await resp.text()
    proposal = await propose(client, node.admin_token, proposalKind="disbursement", amount=amount,
                             currency="EUR", payee="Tool shop", purpose="a drill")
    for user, token in (("admin", node.admin_token), ("alice", node.alice_token)):
        resp = await outbox_post(client, user, token,
                                 {"type": "Ballot", "pool": POOL, "proposal": proposal, "choice": ["agree"]})
        assert resp.status == 201
    await close_due(client.app, datetime.now(UTC) + timedelta(days=30))
    return proposal


@pytest.mark.parametrize("fund", [3000, 10_000])
async def test_item14_overpaying_a_commitment_is_exceeds_approved(client, node, fund) -> None:  # type: ignore[no-untyped-def]
    proposal = await _committed(client, node, 3000, fund)
    pay = {"type": "LedgerEntry", "pool": POOL, "entryKind": "payment", "proposal": proposal,
           "reference": "invoice 9"}
    resp = await outbox_post(client, "admin", node.admin_token, {**pay, "amount": 3001})
    assert resp.status == 422, await resp.text()
    assert (await resp.json())["code"] == "exceeds_approved"
    ok = await outbox_post(client, "admin", node.admin_token, {**pay, "amount": 2000})
    assert ok.status == 201, await ok.text()
    resp = await outbox_post(client, "admin", node.admin_token, {**pay, "amount": 1001, "reference": "i10"})
    assert resp.status == 422 and (await resp.json())["code"] == "exceeds_approved"
    release = await outbox_post(client, "admin", node.admin_token, {
        "type": "LedgerEntry", "pool": POOL, "entryKind": "release", "proposal": proposal, "amount": 1001})
    assert release.status == 422 and (await release.json())["code"] == "exceeds_approved"


async def test_item14_every_json_4xx_has_a_code(client, node) -> None:  # type: ignore[no-untyped-def]
    proposal = await propose(client, node.admin_token)
    auth = {"Authorization": f"Bearer {node.alice_token}"}
    ct = {"Content-Type": AP}
    deep = b"[" * 100_000 + b"]" * 100_000
    probes: list[tuple[str, str, Any, dict[str, str], int]] = [
        ("POST", "/users/alice/outbox", b"{}", ct, 401),
        ("POST", "/users/alice/outbox", b"{}", {**ct, "Authorization": "Bearer nope"}, 401),
        ("POST", "/users/admin/outbox", b"{}", {**ct, **auth}, 403),
        ("POST", "/users/alice/outbox", b"{not json", {**ct, **auth}, 400),
        ("POST", "/users/alice/outbox", b"[1]", {**ct, **auth}, 400),
        ("POST", "/users/alice/outbox", deep, {**ct, **auth}, 400),
        ("POST", "/users/alice/outbox", b'{"type": "Note", "n": ' + b"9" * 5000 + b"}", {**ct, **auth}, 400),
        ("POST", "/users/alice/outbox", json.dumps({"type": "Ballot", "pool": POOL, "proposal": proposal,
                                                    "choice": ["maybe"]}).encode(), {**ct, **auth}, 422),
        ("POST", "/users/alice/outbox", json.dumps({"type": "Ballot", "pool": POOL,
                                                    "proposal": POOL + "/proposals/" + str(uuid.uuid4()),
                                                    "choice": ["agree"]}).encode(), {**ct, **auth}, 404),
        ("POST", "/users/alice/outbox", json.dumps({"type": "Ballot", "pool": POOL}).encode(), {**ct, **auth}, 400),
        ("POST", "/users/alice/outbox", json.dumps({"type": "LedgerEntry", "pool": POOL, "entryKind": "donation",
                                                    "amount": 5, "reference": "x"}).encode(), {**ct, **auth}, 403),
        ("POST", "/users/admin/outbox", json.dumps({"type": "LedgerEntry", "pool": POOL, "entryKind": "donation",
                                                    "amount": 1.5, "reference": "x"}).encode(),
         {**ct, "Authorization": f"Bearer {node.admin_token}"}, 400),
        ("POST", "/users/admin/outbox", json.dumps({"type": "LedgerEntry", "pool": POOL, "entryKind": "donation",
                                                    "amount": 2**60, "reference": "x"}).encode(),
         {**ct, "Authorization": f"Bearer {node.admin_token}"}, 400),
        ("POST", "/users/admin/outbox", json.dumps({"type": "Proposal", "pool": POOL, "name": "x",
                                                    "threshold": 0.5}).encode(),
         {**ct, "Authorization": f"Bearer {node.admin_token}"}, 400),
        ("POST", "/users/alice/outbox", b'{"type": "Note"}', {**ct, **auth, "Idempotency-Key": '"a\\b"'}, 400),
        ("POST", "/users/nobody/outbox", b"{}", {**ct, **auth}, 404),
        ("POST", "/inbox", b"{}", ct, 400),
        ("POST", "/inbox", b"{not json", ct, 400),
        ("POST", "/inbox", deep, ct, 400),
        ("POST", "/inbox", json.dumps({"id": "https://x.example/a", "type": "Create",
                                       "actor": "https://x.example/u"}).encode(), ct, 401),
        ("POST", "/pools/commons/inbox", b"x" * (2 * 1024 * 1024), ct, 413),
        ("POST", "/pools/nobody/inbox", b"{}", ct, 404),
        ("GET", "/objects/" + str(uuid.uuid4()), None, {"Accept": AP}, 404),
        ("GET", "/users/nobody", None, {"Accept": AP}, 404),
        ("GET", "/pools/commons/ledger/999", None, {"Accept": AP}, 404),
        ("GET", "/pools/commons/ledger?page=true&before=abc", None, {"Accept": AP}, 400),
        ("GET", proposal.removeprefix(BASE_URL) + "/ballots?page=maybe", None, {"Accept": AP}, 400),
        ("GET", "/pools/commons/proposals/" + str(uuid.uuid4()) + "/tally", None, {"Accept": AP}, 404),
        ("GET", "/users/alice/inbox", None, {"Accept": AP}, 401),
        ("GET", "/pools/commons/applications", None, {"Accept": AP, **auth}, 403),
        ("PUT", "/inbox", b"{}", ct, 405),
        ("DELETE", "/users/alice/outbox", None, auth, 405),
        ("GET", "/.well-known/webfinger?resource=acct:nobody@node.test", None, {}, 404),
        ("GET", "/.well-known/webfinger", None, {}, 400),
    ]
    failures = []
    for method, path, body, headers, status in probes:
        data = io.BytesIO(body) if isinstance(body, bytes) and len(body) > 65536 else body
        resp = await client.request(method, path, data=data, headers=headers)
        text = await resp.text()
        if resp.status != status:
            failures.append((method, path[:60], "status", resp.status, status, text[:200]))
            continue
        if "json" not in resp.headers.get("Content-Type", ""):
            failures.append((method, path[:60], "not JSON", resp.headers.get("Content-Type"), text[:200]))
            continue
        data = json.loads(text)
        if not (isinstance(data.get("code"), str) and data["code"] and isinstance(data.get("error"), str)):
            failures.append((method, path[:60], "no code", data))
    assert failures == []


async def test_item14_c2s_governance_objects_signed_with_the_documented_context(client, node) -> None:  # type: ignore[no-untyped-def]
    alice = await get_json(client, node.alice.uri)
    admin = await get_json(client, node.admin.uri)
    keys = {node.alice.uri: alice, node.admin.uri: admin}
    proposal = await propose(client, node.admin_token)
    for context in (None, AS2, [AS2], [AS2, {"note": "https://example.org/ns#note"}]):
        extra = {} if context is None else {"@context": context}
        bodies = [
            ("alice", node.alice_token, {**extra, "type": "Proposal", "pool": POOL, "name": "x"}),
            ("alice", node.alice_token, {**extra, "type": "Ballot", "pool": POOL, "proposal": proposal,
                                         "choice": ["agree"]}),
            ("admin", node.admin_token, {**extra, "type": "LedgerEntry", "pool": POOL, "entryKind": "donation",
                                         "amount": 100, "reference": "cash"}),
            # inheriting the Create's context
            ("alice", node.alice_token, {**extra, "type": "Create",
                                         "object": {"type": "Ballot", "pool": POOL, "proposal": proposal,
                                                    "choice": ["block"]}}),
        ]
        for user, token, body in bodies:
            resp = await outbox_post(client, user, token, body)
            assert resp.status == 201, (body, await resp.text())
            obj = (await resp.json())["object"]
            additions = [c for c in (context if isinstance(context, list) else [context]) if isinstance(c, dict)]
            assert obj["@context"] == [*THREE, *additions], (body, obj["@context"])
            assert obj["proof"]["@context"] == obj["@context"]
            served = await get_json(client, obj["id"])
            assert served == obj
            actor = keys[obj["attributedTo"]]
            assert verifies(served, public_of(actor["assertionMethod"][0]["publicKeyMultibase"]))


# =========================================================================== item 1, floods


async def test_item1_flood_ballots_are_numbered_and_a_reused_sequence_is_refused_even_at_once(s2s, fed, remote) -> None:  # type: ignore[no-untyped-def]
    from tests.node.floods.test_relayed import _flood

    client = s2s
    _, _, _, pid = await _flood(client, remote)
    for choice in ("disagree", "agree"):
        resp = await outbox_post(client, "alice", fed.alice_token,
                                 {"type": "Ballot", "pool": POOL, "proposal": pid, "choice": [choice]})
        assert resp.status == 201, await resp.text()
    key, method = private_of(fed.alice), fed.alice.uri + "#ed25519-key"
    at = now_z()

    def signed(choice: str) -> dict[str, Any]:
        return prove({"@context": THREE, "id": f"{BASE_URL}/objects/{uuid.uuid4()}", "type": "Ballot",
                      "attributedTo": fed.alice.uri, "pool": POOL, "proposal": pid, "inReplyTo": pid,
                      "choice": [choice], "to": [POOL], "published": at, "sequence": 7},
                     key, method, "with_context")

    # Two different ballots with one sequence, sent at once: one is kept, the other is a 409.
    answers = await asyncio.gather(*(
        outbox_post(client, "alice", fed.alice_token, {"type": "Create", "object": signed(c)})
        for c in ("block", "abstain", "disagree")))
    statuses = sorted(a.status for a in answers)
    assert statuses == [201, 409, 409], [(a.status, await a.text()) for a in answers]
    for answer in answers:
        if answer.status == 409:
            assert (await answer.json())["code"] == "ballot_sequence_conflict"
    # What river got relayed: alice's ballots numbered 1, 2 and one 7.
    async with asyncio.timeout(20):
        while True:
            relayed = []
            for post in remote.posts:
                if post.get("type") == "Announce":
                    objects = post["object"] if isinstance(post["object"], list) else [post["object"]]
                    relayed += [o for o in objects if isinstance(o, dict) and o.get("attributedTo") == fed.alice.uri]
            if len(relayed) >= 3:
                break
            await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)
    assert sorted(o.get("sequence") for o in relayed) == [1, 2, 7]


async def test_item1_pool_ballots_reusing_a_sequence_at_once_one_is_kept(client, node) -> None:  # type: ignore[no-untyped-def]
    proposal = await propose(client, node.admin_token)
    key, method, at = private_of(node.alice), node.alice.uri + "#ed25519-key", now_z()
    ballots = [prove({"@context": THREE, "id": f"{BASE_URL}/objects/{uuid.uuid4()}", "type": "Ballot",
                      "attributedTo": node.alice.uri, "pool": POOL, "proposal": proposal,
                      "inReplyTo": proposal, "choice": [c], "to": [POOL], "published": at,
                      "sequence": 3}, key, method, "with_context")
               for c in ("agree", "block", "abstain")]
    answers = await asyncio.gather(*(outbox_post(client, "alice", node.alice_token,
                                                 {"type": "Create", "object": b}) for b in ballots))
    assert sorted(a.status for a in answers) == [201, 409, 409]
    assert len(await every_ballot(client, proposal)) == 1
    await check_recount(client, proposal)


# =========================================================================== item 13, details


async def _c2s(client: Any, node: NodeSetup, ballot: dict[str, Any]) -> Any:
    return await outbox_post(client, "alice", node.alice_token, {"type": "Create", "object": ballot})


async def test_item13_details_of_the_documented_rules(client, node) -> None:  # type: ignore[no-untyped-def]
    proposal = await propose(client, node.admin_token)
    key, method = private_of(node.alice), node.alice.uri + "#ed25519-key"

    def doc() -> dict[str, Any]:
        return {"@context": THREE, "id": f"{BASE_URL}/objects/{uuid.uuid4()}", "type": "Ballot",
                "attributedTo": node.alice.uri, "pool": POOL, "proposal": proposal, "inReplyTo": proposal,
                "choice": ["agree"], "to": [POOL], "published": now_z()}

    # A string P is a one-element list: the document's context starts with it.
    ballot = prove(doc(), key, method, "with_context", signed_context=AS2)
    assert ballot["proof"]["@context"] == AS2
    resp = await _c2s(client, node, ballot)
    assert resp.status == 201, await resp.text()
    # A governance document's schema takes one proof object: a list, even of one, is refused
    # before its proof is checked (docs/FEDERATION.md §Object integrity proofs).
    listed = prove(doc(), key, method, "bare")
    listed["proof"] = [listed["proof"]]
    resp = await _c2s(client, node, listed)
    assert resp.status == 422 and (await resp.json())["code"] == "invalid_document"
    # A legacy LD `signature` is removed before hashing.
    legacy = prove(doc(), key, method, "fedify")
    legacy["signature"] = {"type": "RsaSignature2017", "signatureValue": "abc"}
    resp = await _c2s(client, node, legacy)
    assert resp.status == 201, await resp.text()
    # Two proofs are refused; so is a proof of another cryptosuite or purpose.
    two = prove(doc(), key, method, "bare")
    two["proof"] = [two["proof"], two["proof"]]
    other_suite = prove(doc(), key, method, "bare")
    other_suite["proof"]["cryptosuite"] = "eddsa-rdfc-2022"
    other_purpose = prove(doc(), key, method, "bare")
    other_purpose["proof"]["proofPurpose"] = "authentication"
    for bad in (two, other_suite, other_purpose):
        resp = await _c2s(client, node, bad)
        assert resp.status == 422, await resp.text()
        assert (await resp.json())["code"] in ("proof_rejected", "invalid_document")
    # The documented reasons.
    not_prefix = prove(doc(), key, method, "with_context")
    not_prefix["@context"] = [PN, AS2, DI2]
    resp = await _c2s(client, node, not_prefix)
    assert (await resp.json())["error"] == "proof rejected: proof @context does not match the document @context"
    altered = prove(doc(), key, method, "fedify")
    altered["choice"] = ["block"]
    resp = await _c2s(client, node, altered)
    assert await resp.json() == {"error": "proof rejected: proof does not verify", "code": "proof_rejected"}


async def test_item14_rate_limit_and_body_timeout_bodies_have_their_code(tmp_path, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    from node.app import create_app
    from tests.conftest import make_node

    setup = await make_node(tmp_path / "limits", inbox_address_rate=1, inbox_address_burst=1,
                            body_read_timeout=1)
    client = await aiohttp_client(create_app(setup.config))
    first = await client.post("/inbox", data=b"{}", headers={"Content-Type": AP})
    assert first.status == 400
    limited = await client.post("/inbox", data=b"{}", headers={"Content-Type": AP})
    assert limited.status == 429 and int(limited.headers["Retry-After"]) >= 1
    body = await limited.json()
    assert body["code"] == "rate_limited" and body["error"].startswith("too many")

    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    writer.write(b"POST /users/alice/outbox HTTP/1.1\r\nHost: node.test\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 100\r\n\r\n{")
    await writer.drain()
    answer = await reader.read()
    writer.close()
    head, _, payload = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408"), answer[:300]
    body = json.loads(payload.split(b"\r\n")[-1] if b"chunked" in head.lower() else payload)
    assert body["code"] == "request_timeout" and body["error"].startswith("the request body did not arrive")


@pytest.mark.parametrize("sequence", [0, -1, 2**53, True, 1.5, "2"])
async def test_item1_a_sequence_outside_the_schema_is_refused(client, node, sequence) -> None:  # type: ignore[no-untyped-def]
    proposal = await propose(client, node.admin_token)
    ballot = prove({"@context": THREE, "id": f"{BASE_URL}/objects/{uuid.uuid4()}", "type": "Ballot",
                    "attributedTo": node.alice.uri, "pool": POOL, "proposal": proposal,
                    "inReplyTo": proposal, "choice": ["agree"], "to": [POOL], "published": now_z(),
                    "sequence": sequence}, private_of(node.alice), node.alice.uri + "#ed25519-key",
                   "with_context") if sequence != 2**53 else {
        "@context": THREE, "id": f"{BASE_URL}/objects/x", "type": "Ballot", "attributedTo": node.alice.uri,
        "pool": POOL, "proposal": proposal, "choice": ["agree"], "published": now_z(), "sequence": sequence,
        "proof": {"type": "DataIntegrityProof"}}
    resp = await _c2s(client, node, ballot)
    assert 400 <= resp.status < 500, await resp.text()
    assert (await resp.json())["code"] in ("invalid_document", "invalid_request", "proof_rejected")
    assert await every_ballot(client, proposal) == []
