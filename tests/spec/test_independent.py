"""An implementation written from docs/SPEC.md alone (tests/spec/independent.py) reproduces every
vector the node's code generated (docs/vectors/) and every hash, digest and proof of the examples
of docs/PROTOCOL.md; it imports nothing of the node."""

from __future__ import annotations

import ast
import base64
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.spec import independent as spec

REPO = Path(__file__).resolve().parents[2]
VECTORS = REPO / "docs" / "vectors"
OURS = {"node", "governance", "federation", "schemas"}
# The only modules of this repository the independent side may use (each is checked too).
ALLOWED_LOCAL = {"tests.spec.independent", "tests.multinode.harness"}
INDEPENDENT = [REPO / "tests" / "spec" / name
               for name in ("independent.py", "test_independent.py", "test_independent_live.py")]


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return found


def test_the_independent_side_imports_nothing_of_the_node() -> None:
    harness = REPO / "tests" / "multinode" / "harness.py"
    for path in [*INDEPENDENT, harness]:
        imported = _imports(path)
        assert not {name.split(".")[0] for name in imported} & OURS, path.name
        local = {name for name in imported if name.split(".")[0] == "tests"}
        assert all(any(name == a or name.startswith(a) or a.startswith(name) for a in ALLOWED_LOCAL)
                   for name in local), (path.name, local)
    # And at run time: importing it loads none of the node's packages.
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, tests.spec.independent; "
         "print(sorted({m.split('.')[0] for m in sys.modules}))"],
        cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert not set(json.loads(loaded.replace("'", '"'))) & OURS


def test_the_import_check_would_catch_a_node_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from governance.codec import canonical_json\nimport node.wire\n")
    assert {name.split(".")[0] for name in _imports(bad)} & OURS == {"governance", "node"}


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((VECTORS / f"{name}.json").read_text("utf-8"))
    return data


def _canonical_json(data: dict[str, Any]) -> None:
    for v in data["vectors"]:
        assert spec.jcs(v["value"]).decode("utf-8") == v["canonical"], v["name"]
        assert spec.sha256_hex(v["canonical"].encode("utf-8")) == v["sha256"], v["name"]


def _times(data: dict[str, Any]) -> None:
    for v in data["vectors"]:
        assert spec.canonical_time(v["input"]) == v["canonical"], v["name"]


def _electorate(data: dict[str, Any]) -> None:
    for v in data["vectors"]:
        assert spec.code_point_sorted(set(v["members"])) == v["sortedMembers"], v["name"]
        assert "\n".join(v["sortedMembers"]) == v["hashed"]
        assert spec.electorate_digest(v["members"]) == v["electorateDigest"], v["name"]


def _document_key(data: dict[str, Any]) -> None:
    for v in data["vectors"]:
        assert spec.document_key(v["id"]) == v["key"], v["name"]


def _ballot_order(data: dict[str, Any]) -> None:
    for v in data["vectors"]:
        assert {voter: b["id"] for voter, b in spec.counted(v["ballots"]).items()} == v["counted"], v["name"]


def _final_tally(v: dict[str, Any]) -> None:
    tally = v["tally"]
    assert tally["final"] is True
    assert tally["ballots"] == spec.code_point_sorted(b["id"] for b in v["ballots"])
    assert tally["ballots"] != v["arrivalOrder"]  # the list is sorted, not in arrival order
    result, _ = spec.recount(v["proposal"], v["electorate"], v["ballots"])
    for field, value in result.items():
        assert tally[field] == value, field
    assert tally["electorateDigest"] == v["proposal"]["electorateDigest"]
    # §5.3: a final Tally's ballotCount and ballotsDigest are over its sorted list.
    assert tally["ballotCount"] == len(tally["ballots"])
    assert tally["ballotsDigest"] == spec.ballots_digest(tally["ballots"])


def _running_tally(v: dict[str, Any]) -> None:
    tally = v["tally"]
    assert tally["final"] is False and "ballots" not in tally
    # §5.3: the first ballotCount ballots in the order accepted, each id + LF, hashed.
    counted = v["arrivalOrder"][:tally["ballotCount"]]
    assert "".join(i + "\n" for i in counted) == v["digestInput"]
    assert spec.sha256_hex(v["digestInput"].encode("utf-8")) == tally["ballotsDigest"]
    assert spec.ballots_digest(counted) == tally["ballotsDigest"]
    assert spec.ballots_digest(spec.code_point_sorted(counted)) != tally["ballotsDigest"]  # order matters
    by_id = {b["id"]: b for b in v["ballots"]}
    result, _ = spec.recount(v["proposal"], v["electorate"], [by_id[i] for i in counted])
    for field, value in result.items():
        assert tally[field] == value, field
    assert spec.ballots_digest([]) == spec.sha256_hex(b"")


# One checker per kind of tally vector: a vector of a kind without one fails the test.
TALLY_KINDS: dict[str, Callable[[dict[str, Any]], None]] = {"final": _final_tally,
                                                             "running": _running_tally}


def _tally(data: dict[str, Any]) -> None:
    for v in data["vectors"]:
        assert v["kind"] in TALLY_KINDS, f"no independent check for tally vectors of kind {v['kind']!r}"
        TALLY_KINDS[v["kind"]](v)


def _ledger(data: dict[str, Any]) -> None:
    for v in data["vectors"]:
        assert spec.jcs(spec.entry_hash_input(v["document"])).decode("utf-8") == v["hashInput"], v["name"]
        assert spec.entry_hash(v["document"]) == v["entryHash"] == v["document"]["entryHash"], v["name"]
    documents = [v["document"] for v in data["vectors"]]
    assert spec.chain_head(documents) == data["headHash"]
    edited = [dict(d) for d in documents]
    edited[2]["postings"] = [{**p, "amount": p["amount"] * 2} for p in edited[2]["postings"]]
    with pytest.raises(ValueError, match="entry 3's entryHash"):
        spec.chain_head(edited)


def _flood(data: dict[str, Any]) -> None:
    for v in data["vectors"]:
        attestation = v["attestation"]
        covered = {field: attestation[field] for field in spec.SUMMARY}
        assert spec.jcs(covered).decode("utf-8") == v["digestInput"], v["name"]
        assert spec.attestation_digest(attestation) == v["tallyDigest"] == attestation["tallyDigest"]
        for electorate in v["electorates"]:
            assert spec.electorate_digest(electorate["members"]) == electorate["electorateDigest"]
            assert electorate["id"].endswith("/" + spec.document_key(v["proposal"]["id"]))
        ours = spec.flood_result(v["proposal"], v["electorates"], v["ballots"])
        assert {k: attestation[k] for k in (*spec.SUMMARY, "ballots")} == ours, v["name"]
        assert ours["ballots"] == v["countedBallots"]


def _proofs(data: dict[str, Any]) -> None:
    keys = {k["actor"]: k for k in data["keys"] + data["exampleKeys"]}
    for key in keys.values():
        assert spec.public_multibase(key["privateKeySeed"]) == key["publicKeyMultibase"]
    for v in data["vectors"]:
        document = v["document"]
        key = keys[spec.signer(document)]
        assert document["proof"]["verificationMethod"] == key["verificationMethod"]
        assert spec.hash_data(document).hex() == v["hashData"]
        options = {k: x for k, x in document["proof"].items() if k != "proofValue"}
        assert spec.jcs(options).decode() == v["proofOptionsJcs"]
        assert spec.verify_proof(document, key["publicKeyMultibase"]), v["name"]
        resigned = spec.sign(document, key["privateKeySeed"], key["verificationMethod"],
                             document["proof"]["created"])
        assert resigned == document  # the same proofValue: Ed25519 is deterministic
        tampered = {**document, "published": "2025-03-01T12:00:01Z"}
        assert not spec.verify_proof(tampered, key["publicKeyMultibase"])


def _http_digests(data: dict[str, Any]) -> None:
    for v in data["vectors"]:
        body = base64.b64decode(v["bodyBase64"])
        assert spec.digest_header(body) == v["digest"], v["name"]
        assert spec.content_digest_header(body) == v["contentDigest"], v["name"]


CHECKS: dict[str, Callable[[dict[str, Any]], None]] = {
    "canonical-json": _canonical_json, "times": _times, "electorate-digest": _electorate,
    "document-key": _document_key, "ballot-order": _ballot_order, "tally": _tally,
    "ledger": _ledger, "flood-attestation": _flood, "proofs": _proofs, "http-digests": _http_digests,
}


def test_every_vector_file_has_an_independent_check() -> None:
    assert {p.stem for p in VECTORS.glob("*.json")} == set(CHECKS)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_the_independent_implementation_reproduces_the_vectors(name: str) -> None:
    data = _load(name)
    assert data["vectors"], name
    CHECKS[name](data)


def _examples() -> dict[str, Any]:
    text = (REPO / "docs" / "PROTOCOL.md").read_text("utf-8")
    blocks = re.finditer(r"<!-- example:([a-z-]+) -->\n```json\n(.*?)\n```", text, re.S)
    return {m[1]: json.loads(m[2]) for m in blocks}


def _signed_documents(examples: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for example in examples.values():
        inner = example.get("object")
        for document in [example, *(inner if isinstance(inner, list) else [inner])]:
            if isinstance(document, dict) and "proof" in document:
                found.append(document)
    return found


def test_every_proof_in_the_protocol_examples_verifies() -> None:
    keys = {k["actor"]: k["publicKeyMultibase"] for k in _load("proofs")["exampleKeys"]}
    signed = _signed_documents(_examples())
    assert len(signed) >= 20
    for document in signed:
        author = spec.signer(document)
        assert document["proof"]["verificationMethod"] == author + "#ed25519-key", document["id"]
        assert spec.verify_proof(document, keys[author]), document["id"]


def test_the_digests_and_hashes_of_the_protocol_examples() -> None:
    examples = _examples()
    inner = {name: e["object"] if isinstance(e.get("object"), dict) else e for name, e in examples.items()}
    for document in inner.values():
        if "members" in document and "electorateDigest" in document:
            assert spec.electorate_digest(document["members"]) == document["electorateDigest"]
            assert document["electorateSize"] == len(document["members"])
    assert inner["create-proposal"]["electorateDigest"] == inner["electorate"]["electorateDigest"]
    assert inner["update-tally"]["electorateDigest"] == inner["electorate"]["electorateDigest"]
    assert inner["update-tally"]["ballots"] == spec.code_point_sorted(inner["update-tally"]["ballots"])
    # The three booked entries chain from 64 zeros; each hash is its contents'.
    chain = [inner["ledger-entry"], inner["create-ledger-entry"], inner["refund-owed-entry"]]
    assert [e["sequence"] for e in chain] == [1, 2, 3]
    assert spec.chain_head(chain) == chain[-1]["entryHash"]


def test_the_flood_attestation_example_is_reproduced() -> None:
    examples = _examples()
    attestation = examples["create-attestation"]["object"]
    proposal = examples["announce-flood-proposal"]["object"]
    river = examples["create-flood-electorate"]["object"]
    assert spec.attestation_digest(attestation) == attestation["tallyDigest"]
    key = spec.document_key(proposal["id"])
    assert attestation["id"].endswith("/attestations/" + key) and river["id"].endswith("/electorates/" + key)
    digests = {e["pool"]: e["electorateDigest"] for e in attestation["electorates"]}
    assert digests == {proposal["pool"]: proposal["electorateDigest"], river["pool"]: river["electorateDigest"]}
    assert [e["pool"] for e in attestation["electorates"]] == spec.code_point_sorted(digests)
    ballots = [examples["announce-flood-ballot"]["object"], *examples["announce-flood-ballots"]["object"]]
    assert {b["id"] for b in spec.counted(ballots).values()} == set(attestation["ballots"])
    assert attestation["ballots"] == spec.code_point_sorted(attestation["ballots"])
    assert attestation["flood"] == proposal["flood"]
    # The union: commons' members are not in the examples, but its size is: ana is in both.
    assert attestation["electorateSize"] == proposal["electorateSize"] + river["electorateSize"] - 1
