"""The web app shows who checks a pool: its ledger head and witnesses on the pool page, every
alarm at the top of it, a steward's choice of pools to witness, and on a closed proposal how
many other pools recounted its result."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from federation.proofs import create_proof
from governance.witness import Fork, ForkKind, Head
from node.accounts import create_pool
from node.appkeys import ACTORS, CONFIG
from node.pool_engine import close_due
from node.pool_engine.common import signed, store
from node.wire.witness import attestation_path, conflict_document, head_attestation_document
from node.witness import witnesses
from node.witness.alarms import keep_alarm
from tests.node.pools.helpers import POOL, post, propose, vote
from tests.web.helpers import HTML, page, post_form, set_password, sign_in

pytestmark = pytest.mark.both_backends

NOW = datetime.now(UTC).replace(microsecond=0)
STAMP = NOW.isoformat().replace("+00:00", "Z")


async def _steward(client) -> None:  # type: ignore[no-untyped-def]
    await set_password(client, "admin")
    await sign_in(client, "admin")


async def test_the_pool_page_shows_the_head_and_a_steward_chooses_pools_to_witness(client) -> None:  # type: ignore[no-untyped-def]
    html = await page(client, "/pools/commons")
    assert "Checked by other pools" in html and "Ledger head: entry 0" in html
    assert "No other pool has attested this ledger yet." in html
    assert "Witness this pool" not in html  # the form is a steward's

    garden = await create_pool(client.app[CONFIG], client.app[ACTORS], "garden", purpose="Beds")
    await _steward(client)
    response = await post_form(client, "/pools/commons/witnessing/add", {"pool": "not a handle!"},
                               from_page="/pools/commons", status=422)
    text = await response.text()
    assert 'aria-invalid="true"' in text and "is not a handle" in text
    await post_form(client, "/pools/commons/witnessing/add", {"pool": "@garden"},
                    from_page="/pools/commons")
    commons = await client.app[ACTORS].get("commons", "pool")
    (link,) = await witnesses(client.app).links(commons.id)
    assert (link.target_uri, link.by_steward, link.added_by) == (garden.uri, True, commons.uri.replace(
        "/pools/commons", "/users/admin"))
    html = await page(client, "/pools/commons")
    assert "This pool witnesses" in html and "chosen by a steward" in html and "not attested yet" in html
    await post_form(client, "/pools/commons/witnessing/stop", {"target": garden.uri},
                    from_page="/pools/commons")
    assert not (await witnesses(client.app).links(commons.id))[0].active
    assert "This pool witnesses" not in await page(client, "/pools/commons")


async def test_a_non_steward_cannot_choose_pools_to_witness(client) -> None:  # type: ignore[no-untyped-def]
    await set_password(client, "alice")
    await sign_in(client, "alice")
    html = await page(client, "/pools/commons")
    from tests.web.helpers import csrf_of

    response = await client.post("/pools/commons/witnessing/add", headers=HTML,
                                 data={"csrf": csrf_of(html), "pool": "@commons"}, allow_redirects=False)
    assert response.status == 403
    commons = await client.app[ACTORS].get("commons", "pool")
    assert await witnesses(client.app).links(commons.id) == []


async def test_witnesses_and_alarms_are_shown_on_the_pool_page(client, node) -> None:  # type: ignore[no-untyped-def]
    resp = await post(client, "admin", node.admin_token, {
        "type": "LedgerEntry", "pool": POOL, "entryKind": "contribution", "person": node.alice.uri,
        "amount": 5000, "reference": "bank"})
    assert resp.status == 201
    commons = await client.app[ACTORS].get("commons", "pool")
    entry = (await store(client.app).ledger(commons.id))[0].document
    mill = await create_pool(client.app[CONFIG], client.app[ACTORS], "mill", purpose="Flour")
    attestation = signed(head_attestation_document(
        attestation_path(mill.uri, POOL, 1), mill.uri, POOL, Head(1, entry["entryHash"]), STAMP,
        None), mill, NOW)
    await witnesses(client.app).put_attestation(attestation, STAMP)
    html = await page(client, "/pools/commons")
    assert "Witnessed by" in html and "our ledger holds it" in html and "Ledger alarm" not in html

    fork = Fork(ForkKind.REWRITTEN, 1, "entry 1 now has another hash")
    conflict = signed(conflict_document(f"{mill.uri}/conflicts/00000000-0000-4000-8000-000000000001",
                                        mill.uri, POOL, fork, attestation, [entry],
                                        Head(1, "ab" * 32), STAMP), mill, NOW)
    assert await keep_alarm(client.app, commons, "witnessed", conflict, NOW)
    html = await page(client, "/pools/commons")
    assert 'role="alert"' in html and "Ledger alarm" in html
    assert "The ledger of Commons was rewritten: entry 1 is not the one Mill had witnessed." in html
    assert "/pools/mill/conflicts/00000000-0000-4000-8000-000000000001" in html


async def test_a_closed_proposal_shows_how_many_pools_recounted_it(client, node) -> None:  # type: ignore[no-untyped-def]
    proposal = await propose(client, "admin", node.admin_token)
    for user, token in (("admin", node.admin_token), ("alice", node.alice_token)):
        assert (await vote(client, user, token, proposal["id"], "agree")).status == 201
    closes = datetime.fromisoformat(proposal["closesAt"].replace("Z", "+00:00"))
    await close_due(client.app, closes)
    path = "/pools/commons/proposals/" + proposal["id"].rsplit("/", 1)[1]
    assert "No other pool has told us its recount of this result yet." in await page(client, path)

    stored = await store(client.app).proposal(proposal["id"])
    final = await store(client.app).tally_document(stored.id)  # type: ignore[union-attr]
    for name, participation in (("mill", 2), ("quay", 1)):
        reporter = await create_pool(client.app[CONFIG], client.app[ACTORS], name, purpose="x")
        document = create_proof({
            "id": f"{reporter.uri}/recounts/x", "type": "Recount", "attributedTo": reporter.uri,
            "pool": POOL, "proposal": proposal["id"], "tally": final["id"],  # type: ignore[index]
            "result": "matches", "differences": {}, "published": STAMP}, _key(reporter),
            reporter.proof_key_id, NOW)
        matches = participation == 2
        differences = {} if matches else {"fields": {"participation": {"ours": 2, "theirs": 1}}}
        await witnesses(client.app).put_report(document, matches, differences, STAMP)
    html = await page(client, path)
    assert "Recounted by 1 other pool: same result." in html
    assert "The recount of Quay differs from this result: participation: ours 2, theirs 1" in html


def _key(actor):  # type: ignore[no-untyped-def]
    from federation.keys import load_private_key_pem

    return load_private_key_pem(actor.ed25519_private_pem)


async def test_a_closed_flood_proposal_shows_the_other_pools_attestations(client) -> None:  # type: ignore[no-untyped-def]
    from node.floods import floods

    commons = await client.app[ACTORS].get("commons", "pool")
    flood = POOL + "/floods/delta"
    river, quay = "https://river.example/pools/river", "https://quay.example/pools/quay"
    store_ = floods(client.app)
    await store_.set_link(commons.id, flood, "delta", river, "approved", POOL + "/proposals/x", STAMP)
    uri = POOL + "/floods/proposals/00000000-0000-4000-8000-000000000009"
    await store_.add_proposal(uri=uri, flood_uri=flood, origin_pool=POOL, pools=[POOL, river, quay],
                              document={"id": uri, "name": "Shared van"}, closes_at=STAMP, now=STAMP)
    await store_.close_proposal(uri, "passed", {"counts": {"agree": 2}}, STAMP)
    await store_.put_attestation(uri, POOL, {"id": uri + "/a"}, True, None, STAMP)  # our own
    await store_.put_attestation(uri, river, {"id": river + "/floods/attestations/1"}, True, None, STAMP)
    await store_.put_attestation(uri, quay, {"id": quay + "/floods/attestations/1"}, False,
                                 "differs in outcome (theirs 'rejected', ours 'passed')", STAMP)
    await set_password(client, "alice")
    await sign_in(client, "alice")
    html = await page(client, "/pools/commons/floods")
    assert "Recounted by 1 other pool: same result." in html
    assert "The recount of @quay@quay.example differs from this result: differs in outcome" in html
