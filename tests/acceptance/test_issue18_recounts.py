"""Issue 18: "recounted by N pools: same result (or the mismatch with its evidence)". The other
pool's genuine recount shows as the same result; a recount that differs, and one that says
"matches" while its values differ, show as a mismatch with a link to the signed recount; a
Recount signed with a key its author does not publish is refused. Recounts are signed here by
tests/acceptance/issue18_spec.py with a's pool key (what a's pool could say)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from tests.acceptance import issue18_spec as spec
from tests.acceptance.issue18_live import PERIOD, Reader, changed_vote, html, world_with_witnesses
from tests.multinode.harness import poll
from tests.multinode.verify_cluster import World
from tests.multinode.witness_tools import post_signed

pytestmark = pytest.mark.multinode

FIELDS = ("electorateDigest", "electorateSize", "participation", "abstentions", "votesCast", "counts",
          "quorumMet", "thresholdMet", "outcome", "winner", "rounds")
SAME = "Recounted by 1 other pool: same result."


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, str]]:
    with world_with_witnesses(tmp_path_factory.mktemp("i18recount")) as built:
        yield built, changed_vote(built)


def _recount(world: World, proposal: str, result: str, change: dict[str, Any],
             key: ed25519.Ed25519PrivateKey | None = None) -> dict[str, Any]:
    a, b = world.a.pool_id, world.b.pool_id
    tally = Reader().get(proposal + "/tally")
    values = {name: tally[name] for name in FIELDS}
    values.update(change)
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    document = {"@context": ["https://www.w3.org/ns/activitystreams",
                             "https://w3id.org/security/data-integrity/v2", "https://poolnode.org/ns/v1"],
                "id": f"{a}/recounts/{spec.document_key(proposal)}", "type": "Recount", "attributedTo": a,
                "pool": b, "proposal": proposal, "tally": tally["id"], "result": result, "recount": values,
                "differences": {} if result == "matches" else {k: {"tally": tally[k], "recount": v}
                                                               for k, v in change.items()},
                "published": stamp, "to": [b]}
    (row,) = world.a.query("SELECT ed25519_private_pem FROM actors WHERE uri = ?", (a,))
    own = load_pem_private_key(row[0].encode(), None)
    assert isinstance(own, ed25519.Ed25519PrivateKey)
    return spec.sign(document, key or own, a, stamp)


def _send(world: World, recount: dict[str, Any]) -> None:
    create = {"@context": "https://www.w3.org/ns/activitystreams", "type": "Create",
              "id": f"{world.a.base_url}/activities/{uuid.uuid4().hex}", "actor": world.a.pool_id,
              "object": recount, "to": [world.b.pool_id]}
    assert post_signed(world.a, world.a.pool_id, world.b.pool_id + "/inbox", create) in (200, 202)


def test_the_other_pools_own_recount_shows_the_same_result(world: tuple[World, str]) -> None:
    w, changed = world
    poll(lambda: SAME in html(w.b, changed), 10 * PERIOD + 40, "a's recount on b's page")


def test_a_recount_that_differs_is_shown_with_its_evidence(world: tuple[World, str]) -> None:
    w, changed = world
    poll(lambda: SAME in html(w.b, changed), 10 * PERIOD + 40, "a's genuine recount first")
    tally = Reader().get(changed + "/tally")
    forged = _recount(w, changed, "mismatch", {"counts": {**tally["counts"], "agree": tally["counts"]["agree"] + 1}})
    _send(w, forged)
    page = poll(lambda: (p := html(w.b, changed)) and "differs from this result" in p and p, 90,
                "the mismatch on b's page")
    assert forged["id"] in page and SAME not in page


def test_a_recount_saying_matches_with_other_values_is_a_mismatch(world: tuple[World, str]) -> None:
    w, _ = world
    proposal = w.proposal
    poll(lambda: SAME in html(w.b, proposal), 10 * PERIOD + 40, "a's genuine recount of the disbursement")
    _send(w, _recount(w, proposal, "matches", {"outcome": "rejected", "thresholdMet": False}))
    page = poll(lambda: (p := html(w.b, proposal)) and "differs from this result" in p and p, 90,
                "the 'matches' that is not shown as a mismatch")
    assert "outcome" in page and SAME not in page


def test_a_recount_signed_with_an_unpublished_key_is_refused(world: tuple[World, str]) -> None:
    w, _ = world
    before = w.b.query("SELECT count(*) FROM objects WHERE type = 'Reject'")[0][0]
    _send(w, _recount(w, w.proposal, "mismatch", {"participation": 99},
                      key=ed25519.Ed25519PrivateKey.generate()))
    poll(lambda: w.b.query("SELECT count(*) FROM objects WHERE type = 'Reject'")[0][0] > before, 90,
         "b's refusal")
    shown = html(w.b, w.proposal)
    differing = " ".join(re.sub(r'href="[^"]*"', "", line) for line in shown.splitlines()
                         if "differs from this result" in line)
    assert not re.search(r"\b99\b", differing), differing  # the forged participation, not a hash in a link
