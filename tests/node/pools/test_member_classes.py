"""Member classes in the node: the class chosen on joining, the roll a class-majority proposal
freezes as it opens, its per-class Tally, and the recounts that reproduce it."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from governance import AdmissionPolicy, Kind
from governance.classes import ClassRoll
from node.accounts import create_member, issue_token
from node.appkeys import ACTORS, DB, TOKENS
from node.pool_engine import close_due
from node.pool_engine.common import store
from node.pool_engine.running import sign_due
from node.pools import load_bylaws
from node.storage import MemberClassStore
from node.wire import ballot_from_document, check_document, proposal_from_documents
from node.wire.classes import count, roll_from_documents
from tests.node.pools.helpers import POOL, get, post, propose, vote

pytestmark = pytest.mark.both_backends

WORKERS, CONSUMERS = ("admin", "bob"), ("alice", "carol", "dave")


async def coop(client: Any, node: Any, *, classes: bool = True) -> dict[str, str]:
    """The pool as a two-class co-op (admin and bob workers; alice, carol, dave consumers), a
    decision needing a majority in each class; every member's token by name."""
    app = client.app
    pool = node.pool
    bylaws = dataclasses.replace(
        await load_bylaws(app[ACTORS], pool), admission=AdmissionPolicy.OPEN,
        member_classes=("worker", "consumer") if classes else (),
        class_majority=frozenset({Kind.DECISION}) if classes else frozenset())
    await app[ACTORS].set_bylaws_json(pool.id, json.dumps(bylaws.to_dict()))
    tokens = {"admin": node.admin_token, "alice": node.alice_token}
    if classes:
        for name, chosen in (("admin", "worker"), ("alice", "consumer")):
            person = node.admin.uri if name == "admin" else node.alice.uri
            assert await MemberClassStore(app[DB]).change(
                pool.id, person, chosen, steward_uri=node.admin.uri, reason="founding member",
                at="2026-01-01T00:00:00Z")
    for name in ("bob", "carol", "dave"):
        person = await create_member(node.config, app[ACTORS], name)
        tokens[name] = (await issue_token(app[TOKENS], person)).secret
        join: dict[str, Any] = {"type": "Join", "object": POOL, "to": [POOL]}
        if classes:
            join["memberClass"] = "worker" if name in WORKERS else "consumer"
        resp = await post(client, name, tokens[name], join)
        assert resp.status == 201, await resp.text()
    return tokens


async def vote_all(client: Any, tokens: dict[str, str], proposal: str) -> None:
    for name, token in tokens.items():
        choice = "disagree" if name in WORKERS else "agree"
        assert (await vote(client, name, token, proposal, choice)).status == 201


async def close(client: Any, proposal: dict[str, Any]) -> dict[str, Any]:
    closes = datetime.fromisoformat(proposal["closesAt"].replace("Z", "+00:00"))
    assert await close_due(client.app, closes - timedelta(seconds=1)) == []
    assert await close_due(client.app, closes) == [proposal["id"]]
    return await get(client, proposal["id"] + "/tally")


async def test_a_pass_overall_short_in_one_class_is_rejected(client, node) -> None:  # type: ignore[no-untyped-def]
    tokens = await coop(client, node)
    proposal = await propose(client, "alice", node.alice_token, content="Longer opening hours")
    check_document("proposal", proposal)
    electorate = await get(client, proposal["id"] + "/electorate")
    check_document("electorate", electorate)
    roll = ClassRoll({node.admin.uri: "worker", node.alice.uri: "consumer",
                      **{f"{node.config.base_url}/users/{n}": ("worker" if n in WORKERS else "consumer")
                         for n in ("bob", "carol", "dave")}})
    assert proposal["classMajority"] is True and proposal["classRollDigest"] == roll.digest
    assert electorate["memberClasses"] == dict(sorted(roll.classes.items()))
    await vote_all(client, tokens, proposal["id"])
    # The running-tally clock signs what was counted (driven here, a moment past its interval).
    await sign_due(client.app, datetime.now(UTC) + timedelta(seconds=5))
    running = await get(client, proposal["id"] + "/tally")
    assert running["ballotCount"] == 5 and running["final"] is False
    assert running["outcome"] == "rejected" and running["thresholdMet"] is True
    assert [(c["name"], c["majority"]) for c in running["classes"]] == [
        ("consumer", True), ("worker", False)]
    final = await close(client, proposal)
    check_document("tally", final)
    assert final["outcome"] == "rejected" and final["counts"]["agree"] == 3
    assert final["classes"] == [
        {"name": "consumer", "electorateSize": 3, "participation": 3, "votesCast": 3,
         "counts": {"agree": 3, "disagree": 0, "block": 0, "abstain": 0}, "majority": True},
        {"name": "worker", "electorateSize": 2, "participation": 2, "votesCast": 2,
         "counts": {"agree": 0, "disagree": 2, "block": 0, "abstain": 0}, "majority": False},
    ]
    stored = await store(client.app).proposal(proposal["id"])
    assert stored is not None and stored.outcome == "rejected" and stored.effect == "none"

    # Anyone recounts it from the signed documents, classes and all.
    rebuilt = proposal_from_documents(proposal, electorate)
    again = roll_from_documents(proposal, electorate, rebuilt.electorate.members)
    collection = await get(client, proposal["id"] + "/ballots")
    ballots = [ballot_from_document(b) for b in (await get(client, collection["first"]))["orderedItems"]]
    result, classes = count(rebuilt, again, ballots)
    assert result.outcome.value == "rejected" and classes is not None
    assert [r.majority for r in classes.classes] == [True, False]


async def test_the_same_ballots_pass_with_classes_off(client, node) -> None:  # type: ignore[no-untyped-def]
    tokens = await coop(client, node, classes=False)
    proposal = await propose(client, "alice", node.alice_token, content="Longer opening hours")
    assert "classMajority" not in proposal and "classRollDigest" not in proposal
    assert "memberClasses" not in await get(client, proposal["id"] + "/electorate")
    await vote_all(client, tokens, proposal["id"])
    final = await close(client, proposal)
    assert final["outcome"] == "passed" and "classes" not in final


async def test_a_kind_outside_class_majority_counts_plainly(client, node) -> None:  # type: ignore[no-untyped-def]
    await coop(client, node)
    stored_bylaws = await load_bylaws(client.app[ACTORS], node.pool)
    assert stored_bylaws.member_classes == ("worker", "consumer")
    proposal = await propose(client, "alice", node.alice_token, proposalKind="expulsion",
                             person=node.admin.uri)
    assert "classMajority" not in proposal


async def test_a_join_naming_no_class_or_an_unknown_one_is_refused(client, node) -> None:  # type: ignore[no-untyped-def]
    await coop(client, node)
    for name, extra, code in (("erin", {}, "class_missing"),
                              ("frank", {"memberClass": "investor"}, "unknown_class"),
                              ("gina", {"memberClass": ["worker"]}, "unknown_class")):
        person = await create_member(node.config, client.app[ACTORS], name)
        token = (await issue_token(client.app[TOKENS], person)).secret
        resp = await post(client, name, token, {"type": "Join", "object": POOL, "to": [POOL], **extra})
        assert resp.status == 422, await resp.text()
        assert (await resp.json())["code"] == code
        assert await store(client.app).membership(node.pool.id, person.uri) is None


async def test_a_member_without_a_class_stops_a_class_majority_proposal_opening(client, node) -> None:  # type: ignore[no-untyped-def]
    await coop(client, node)
    await store(client.app).set_membership(node.pool.id, node.config.base_url + "/users/zed",
                                           state="member", roles=("member",), at="2026-01-01T00:00:00Z")
    draft = {"type": "Proposal", "pool": POOL, "name": "Buy a drill"}
    resp = await post(client, "alice", node.alice_token, draft)
    assert resp.status == 422 and (await resp.json())["code"] == "class_missing"
    assert await store(client.app).count_proposals(node.pool.id) == 0


async def test_the_steward_log_keeps_each_change(client, node) -> None:  # type: ignore[no-untyped-def]
    await coop(client, node)
    classes = MemberClassStore(client.app[DB])
    assert await classes.change(node.pool.id, node.alice.uri, "worker", steward_uri=node.admin.uri,
                                reason="now works here", at="2026-02-01T00:00:00Z")
    assert not await classes.change(node.pool.id, node.alice.uri, "worker",
                                    steward_uri=node.admin.uri, reason="again", at="2026-02-02T00:00:00Z")
    log = await classes.log(node.pool.id)
    assert [(c.person_uri, c.old_class, c.new_class, c.reason) for c in log[:2]] == [
        (node.alice.uri, "consumer", "worker", "now works here"),
        (node.alice.uri, None, "consumer", "founding member")]
    assert (await classes.classes(node.pool.id))[node.alice.uri] == "worker"


async def test_a_vote_admission_that_could_not_open_stores_no_applicant(client, node) -> None:  # type: ignore[no-untyped-def]
    await coop(client, node)
    bylaws = dataclasses.replace(await load_bylaws(client.app[ACTORS], node.pool),
                                 admission=AdmissionPolicy.VOTE,
                                 class_majority=frozenset({Kind.ADMISSION}))
    await client.app[ACTORS].set_bylaws_json(node.pool.id, json.dumps(bylaws.to_dict()))
    await store(client.app).set_membership(node.pool.id, node.config.base_url + "/users/zed",
                                           state="member", roles=("member",), at="2026-01-01T00:00:00Z")
    person = await create_member(node.config, client.app[ACTORS], "erin")
    token = (await issue_token(client.app[TOKENS], person)).secret
    resp = await post(client, "erin", token, {"type": "Join", "object": POOL, "to": [POOL],
                                              "memberClass": "worker"})
    assert resp.status == 422 and (await resp.json())["code"] == "class_missing"
    assert await store(client.app).membership(node.pool.id, person.uri) is None
    assert await store(client.app).count_proposals(node.pool.id) == 0
