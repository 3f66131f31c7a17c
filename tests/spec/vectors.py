"""The test vectors of docs/SPEC.md, built by the node's own code with fixed keys and times.

``python scripts/spec_vectors.py`` (``make vectors``) writes each ``docs/vectors/<name>.json`` and
rewrites the ``<!-- vector:<name>/<case> -->`` blocks of docs/SPEC.md; tests/spec/test_vectors.py
fails when either is stale. One more vector file: a function returning ``{"description",
"vectors": [...]}`` (each vector a dict with a ``name``) added to :data:`VECTORS`, and a checker
for it in tests/spec/test_independent.py (which fails on a file it does not check).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from federation.canonical import canonicalize
from federation.digests import content_digest_header, digest_header
from federation.keys import ed25519_public_to_multibase, private_key_to_pem
from governance import (
    Ballot,
    Bylaws,
    Disbursement,
    Ledger,
    Role,
    Roster,
    commit_disbursement,
    contribution,
    counted_ballot,
    donation,
    electorate_digest,
    open_proposal,
    owe_refund,
    tally,
)
from governance.codec import canonical_json, datetime_from_str, datetime_to_str
from governance.ledger import FUND, EntryKind, Posting, Transaction, commitment_account
from node.storage import ActorRecord
from node.wire import (
    ballot_document,
    ballot_from_document,
    ledger_entry_document,
    proposal_document,
    sign_document,
    tally_document,
)
from node.wire.floods import document_key
from tests.spec.flood_vectors import flood_vectors

REPO = Path(__file__).resolve().parents[2]
VECTOR_DIR = REPO / "docs" / "vectors"
SPEC = REPO / "docs" / "SPEC.md"
AT = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
POOL = "https://pool.example/pools/commons"
ANA, BO = "https://ana.example/users/ana", "https://pool.example/users/bo"
PROPOSAL = POOL + "/proposals/5f0c2a8e-1d4b-4c6a-9e3f-7b8d0a1c2e4f"
# The actors of docs/PROTOCOL.md's examples (tests/node/pools/protocol_examples.py): seed n.
EXAMPLE_SEEDS = {"https://b.example/pools/commons": 1, "https://a.example/users/ana": 2,
                 "https://b.example/users/bo": 3, "https://c.example/pools/river": 4,
                 "https://c.example/users/cy": 5}


def actor(uri: str, seed: int) -> ActorRecord:
    """An actor whose Ed25519 private key is 32 bytes of ``seed`` (published with the vectors)."""
    key = ed25519.Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32)
    return ActorRecord(seed, uri.rsplit("/", 1)[1], "member", uri, "", "", False, "", "",
                       private_key_to_pem(key), ed25519_public_to_multibase(key.public_key()),
                       "2025-01-01T00:00:00Z")


def keys_of(actors: list[ActorRecord]) -> list[dict[str, str]]:
    return [{"actor": a.uri, "verificationMethod": a.uri + "#ed25519-key",
             "privateKeySeed": (bytes([a.id]) * 32).hex(), "publicKeyMultibase": a.ed25519_public_multibase}
            for a in actors]


def _jcs_text(value: Any) -> str:
    out = canonical_json(value)
    assert out == canonicalize(value), "governance and federation canonicalise alike"
    return out.decode("utf-8")


def canonical_json_vectors() -> dict[str, Any]:
    values = {
        "members-sorted": {"b": 1, "a": [True, False, None], "c": {"z": "", "y": -0}},
        "utf16-member-order": {"\ufb01": 1, "\U0001f600": 2, "a": 3, "\u00e9": 4},
        "string-escapes": {"s": "quote \" backslash \\ tab \t newline \n cr \r bs \b ff \f"
                                " nul-free \u001f del \u007f ls \u2028 é 🌱"},
        "safe-integers": [9007199254740991, -9007199254740991, 0, 1000],
        "empty": {"o": {}, "l": []},
    }
    return {"description": "RFC 8785 canonical JSON of values the node hashes or signs",
            "vectors": [{"name": name, "value": value, "canonical": _jcs_text(value),
                         "sha256": hashlib.sha256(canonical_json(value)).hexdigest()}
                        for name, value in values.items()]}


def time_vectors() -> dict[str, Any]:
    inputs = {"whole-second": "2025-03-01T12:00:00Z", "microseconds": "2025-03-01T12:00:00.250000Z",
              "one-digit-fraction": "2025-03-01T12:00:00.5Z", "zero-fraction": "2025-03-01T12:00:00.000000Z",
              "last-microsecond": "2025-03-01T23:59:59.999999Z"}
    return {"description": "the canonical form of a signed time (an instant in UTC)",
            "vectors": [{"name": name, "input": text, "canonical": datetime_to_str(datetime_from_str(text))}
                        for name, text in inputs.items()]}


def electorate_vectors() -> dict[str, Any]:
    cases = {
        "two-members": ["https://b.example/users/bo", "https://a.example/users/ana"],
        "empty": [],
        "duplicates-collapse": ["https://x.example/u/1", "https://x.example/u/1", "https://x.example/u/0"],
        "code-point-order": ["https://x.example/u/\ufb01", "https://x.example/u/\U0001f600",
                             "https://x.example/u/z", "https://x.example/u/\u00e9"],
    }
    out = []
    for name, members in cases.items():
        ordered = sorted(set(members))
        out.append({"name": name, "members": members, "sortedMembers": ordered,
                    "hashed": "\n".join(ordered), "electorateDigest": electorate_digest(members)})
    return {"description": "electorateDigest of a set of member ids", "vectors": out}


def document_key_vectors() -> dict[str, Any]:
    ids = [PROPOSAL, "https://b.example/pools/commons/floods/proposals/2b7e9c41-5d3a-4f60-8e12-9a4b6c8d0e21",
           "https://p.example/pools/gärten/floods/proposals/1"]
    return {"description": "{key}: the path segment a pool names its documents about a flood proposal by",
            "vectors": [{"name": f"id-{n}", "id": uri, "key": document_key(uri)} for n, uri in enumerate(ids)]}


def _ballot(voter: str, key: str, published: str, choice: str, sequence: int = 0) -> dict[str, Any]:
    ballot = Ballot(f"{voter.rsplit('/users/', 1)[0]}/ballots/{key}", PROPOSAL, voter,
                    datetime_from_str(published), (choice,), sequence)
    document = ballot_document(ballot, POOL)
    document["published"] = published  # kept as signed, even where not in canonical form
    return {k: v for k, v in document.items() if k != "@context"}


def ballot_order_vectors() -> dict[str, Any]:
    cases = {
        "sequence-beats-time": [_ballot(ANA, "b2", "2025-03-01T12:00:00Z", "agree", 2),
                                _ballot(ANA, "b1", "2025-03-01T13:00:00Z", "block", 1)],
        "unnumbered-is-sequence-0": [_ballot(ANA, "n", "2025-03-01T14:00:00Z", "agree"),
                                     _ballot(ANA, "s", "2025-03-01T12:00:00Z", "disagree", 1)],
        "time-compared-as-instants": [_ballot(ANA, "x", "2025-03-01T12:00:00Z", "agree"),
                                      _ballot(ANA, "y", "2025-03-01T12:00:00.000001Z", "disagree")],
        "id-by-code-point": [_ballot(ANA, "\ufb01", "2025-03-01T12:00:00Z", "agree", 3),
                             _ballot(ANA, "\U0001f600", "2025-03-01T12:00:00Z", "disagree", 3),
                             _ballot(BO, "Z", "2025-03-01T12:00:00Z", "agree"),
                             _ballot(BO, "a", "2025-03-01T12:00:00Z", "abstain")],
    }
    out = []
    for name, ballots in cases.items():
        parsed = [ballot_from_document(b) for b in ballots]
        voters = sorted({b.voter for b in parsed})
        counted = {v: counted_ballot(b for b in parsed if b.voter == v) for v in voters}
        out.append({"name": name, "ballots": ballots,
                    "counted": {v: b.id for v, b in counted.items() if b is not None}})
    return {"description": "which of a voter's ballots on a proposal counts", "vectors": out}


def tally_vectors() -> dict[str, Any]:
    roster = Roster.found([ANA, BO], AT - timedelta(days=30))
    proposal = open_proposal(id=PROPOSAL, author=ANA, title="Buy a drill",
                             motion=Disbursement(3000, "EUR", "Tool shop", "a shared drill"),
                             bylaws=Bylaws("Commons", "Share tools.", "EUR"),
                             electorate=roster.electorate(), opens_at=AT)
    ballots = [_ballot(BO, "9", "2025-03-01T12:30:00Z", "disagree", 1),
               _ballot(ANA, "10", "2025-03-01T13:00:00.500000Z", "agree", 1),
               _ballot(BO, "11", "2025-03-01T14:00:00Z", "agree", 2)]
    arrival = [b["id"] for b in ballots]
    result = tally(proposal.rule, proposal.electorate, [ballot_from_document(b) for b in ballots])
    document = tally_document(result, POOL, arrival, final=True, updated="2025-03-08T12:00:00Z")
    final = {"name": "final", "kind": "final", "proposal": proposal_document(proposal, POOL, "2025-03-01T12:00:00Z"),
             "electorate": sorted(proposal.electorate.members), "ballots": ballots, "arrivalOrder": arrival,
             "tally": {k: v for k, v in document.items() if k != "@context"}}
    # A running Tally signed after the first two ballots arrived: it counts them and names them
    # by ballotCount and ballotsDigest (their ids in arrival order), not by a list.
    before = ballots[:2]
    result = tally(proposal.rule, proposal.electorate, [ballot_from_document(b) for b in before])
    document = tally_document(result, POOL, [b["id"] for b in before], final=False,
                              updated="2025-03-01T13:00:01Z")
    running = {"name": "running", "kind": "running",
               "proposal": proposal_document(proposal, POOL, "2025-03-01T12:00:00Z"),
               "electorate": sorted(proposal.electorate.members), "ballots": ballots,
               "arrivalOrder": arrival,
               "digestInput": "".join(b["id"] + "\n" for b in before),
               "tally": {k: v for k, v in document.items() if k != "@context"}}
    return {"description": "the ballots a final Tally lists, and its counts; a running Tally's "
            "ballotCount and ballotsDigest", "vectors": [final, running]}


def ledger_vectors() -> dict[str, Any]:
    treasurer = "https://pool.example/users/tess"
    roster = Roster.found([ANA, BO, treasurer], AT - timedelta(days=30)).grant(treasurer, Role.TREASURER)
    proposal = open_proposal(id=PROPOSAL, author=ANA, title="Buy a drill",
                             motion=Disbursement(3000, "EUR", "Tool shop", "a shared drill"),
                             bylaws=Bylaws("Commons", "Share tools.", "EUR"),
                             electorate=Roster.found([ANA, BO], AT).electorate(), opens_at=AT)
    closes = proposal.rule.closes_at
    result = tally(proposal.rule, proposal.electorate,
                   [Ballot.consent(ANA + "/b/1", PROPOSAL, ANA, AT + timedelta(hours=1), "agree")])
    ledger = Ledger("EUR")
    steps = [
        lambda lg: contribution(POOL + "/ledger/1", AT + timedelta(microseconds=250), lg, ANA, 5000,
                                by=treasurer, roster=roster, reference="bank transfer 17"),
        lambda lg: donation(POOL + "/ledger/2", AT + timedelta(hours=1), lg, "Friends of the shed", 700,
                            by=treasurer, roster=roster),
        lambda lg: commit_disbursement(POOL + "/ledger/3", closes, lg, proposal, result, 3000),
        lambda lg: Transaction(POOL + "/ledger/4", closes + timedelta(seconds=1), EntryKind.COMMITMENT, "EUR",
                               (Posting(commitment_account(PROPOSAL + "/buckets/1"), 900), Posting(FUND, -900)),
                               memo="Gärten 🌱 \"seeds\"", reference=PROPOSAL + "/buckets/1"),
        lambda lg: owe_refund(POOL + "/ledger/5", closes + timedelta(days=1, microseconds=1), lg, ANA,
                              roster.leave(ANA, closes + timedelta(days=1))),
    ]
    out = []
    for sequence, step in enumerate(steps, start=1):
        ledger = ledger.apply(step(ledger))
        entry = ledger.entries[-1]
        document = ledger_entry_document(entry, POOL, sequence)
        hashed = {**entry.transaction.to_dict(), "prev_hash": entry.prev_hash}
        out.append({"name": f"entry-{sequence}", "document": {k: v for k, v in document.items() if k != "@context"},
                    "hashInput": _jcs_text(hashed), "entryHash": entry.hash})
    return {"description": "entryHash of each entry of one chain, and the head",
            "vectors": out, "headHash": ledger.head}


def proof_vectors() -> dict[str, Any]:
    ana, pool = actor(ANA, 7), actor(POOL, 8)
    unsigned = {k: v for k, v in _ballot(ANA, "p1", "2025-03-01T13:00:00Z", "agree", 1).items()}
    unsigned = {"@context": ballot_document(ballot_from_document(unsigned), POOL)["@context"], **unsigned}
    signed = [("ballot", sign_document(unsigned, ana, AT + timedelta(hours=1))),
              ("electorate-with-unicode", sign_document({
                  "@context": unsigned["@context"], "id": PROPOSAL + "/electorate", "type": "Electorate",
                  "attributedTo": POOL, "pool": POOL, "proposal": PROPOSAL, "members": [ANA, BO],
                  "electorateDigest": electorate_digest([ANA, BO]), "electorateSize": 2,
                  "name": "Gärten 🌱", "published": "2025-03-01T12:00:00Z"}, pool, AT))]
    out = []
    for name, document in signed:
        proof = document["proof"]
        options = {k: v for k, v in proof.items() if k != "proofValue"}
        bare = {k: v for k, v in document.items() if k != "proof"}
        hash_data = hashlib.sha256(canonicalize(options)).digest() + hashlib.sha256(canonicalize(bare)).digest()
        out.append({"name": name, "document": document, "proofOptionsJcs": canonicalize(options).decode(),
                    "documentJcs": canonicalize(bare).decode(), "hashData": hash_data.hex()})
    return {"description": "eddsa-jcs-2022 proofs as the node makes them", "keys": keys_of([ana, pool]),
            "exampleKeys": keys_of([actor(uri, seed) for uri, seed in EXAMPLE_SEEDS.items()]),
            "vectors": out}


def http_digest_vectors() -> dict[str, Any]:
    bodies = {"activity": json.dumps({"type": "Create", "actor": ANA}).encode(), "empty": b"",
              "utf-8": "Gärten 🌱".encode()}
    return {"description": "Digest (RFC 3230) and Content-Digest (RFC 9530) of a request body",
            "vectors": [{"name": name, "bodyBase64": base64.b64encode(body).decode(),
                         "digest": digest_header(body), "contentDigest": content_digest_header(body)}
                        for name, body in bodies.items()]}


VECTORS: dict[str, Callable[[], dict[str, Any]]] = {
    "canonical-json": canonical_json_vectors,
    "times": time_vectors,
    "electorate-digest": electorate_vectors,
    "document-key": document_key_vectors,
    "ballot-order": ballot_order_vectors,
    "tally": tally_vectors,
    "ledger": ledger_vectors,
    "flood-attestation": flood_vectors,
    "proofs": proof_vectors,
    "http-digests": http_digest_vectors,
}


def build() -> dict[str, str]:
    """Every vector file's text, by name."""
    return {name: json.dumps({"spec": "docs/SPEC.md", **make()}, indent=2, ensure_ascii=False) + "\n"
            for name, make in VECTORS.items()}


_BLOCK = re.compile(r"(<!-- vector:([a-z0-9-]+)/([a-z0-9-]+)(?:/([A-Za-z]+))? -->\n```(?:json|text)\n)(.*?)(\n```)", re.S)


def render_spec(text: str, files: dict[str, str]) -> str:
    """SPEC.md with each ``<!-- vector:file/case[/field] -->`` block replaced by that vector
    (or one field of it, a string shown as is)."""
    loaded = {name: json.loads(body) for name, body in files.items()}

    def block(match: re.Match[str]) -> str:
        (case,) = [v for v in loaded[match[2]]["vectors"] if v["name"] == match[3]]
        shown = case[match[4]] if match[4] else case
        body = shown if isinstance(shown, str) else json.dumps(shown, indent=2, ensure_ascii=False)
        return match[1] + body + match[6]

    return _BLOCK.sub(block, text)


def main() -> None:
    files = build()
    VECTOR_DIR.mkdir(parents=True, exist_ok=True)
    for name, body in files.items():
        (VECTOR_DIR / f"{name}.json").write_text(body, "utf-8")
    SPEC.write_text(render_spec(SPEC.read_text("utf-8"), files), "utf-8")


if __name__ == "__main__":
    main()
