"""Issue 12 item 13 (the documented integrity-proof forms, byte for byte), checked from
outside against docs/FEDERATION.md §Object integrity proofs as the spec.

The recount, the proof hashing and the error expectations are written from
docs/PROTOCOL.md and docs/FEDERATION.md with hashlib, rfc8785 and cryptography only
(tests/acceptance/ballot_helpers.py): no code of the node builds or checks what is
compared with the node.
"""

from __future__ import annotations

import copy
import json
import uuid
from typing import Any

import pytest
import rfc8785
from cryptography.exceptions import InvalidSignature

from tests.acceptance.ballot_helpers import (
    AS2,
    DI2,
    PN,
    POOL,
    ROOT,
    THREE,
    _c2s,
    admit,
    b58decode,
    deliver,
    every_ballot,
    get_json,
    now_z,
    outbox_post,
    person,
    private_of,
    propose,
    prove,
    public_of,
    rejections,
    sha,
    verifies,
)
from tests.conftest import BASE_URL, NodeSetup

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


# =========================================================================== item 13, details


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
