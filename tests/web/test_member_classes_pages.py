"""Member classes on the web: the bylaws-change form sets them, the wizard and a steward's
change refuse bad input with a reason and store nothing."""

from __future__ import annotations

import json

import pytest

from governance import Kind
from node.appkeys import ACTORS, DB
from node.pool_engine.common import store
from node.pools import load_bylaws
from node.storage import MemberClassStore
from tests.web.helpers import page, post_form, set_password, sign_in
from tests.web.test_amendments_pages import CURRENT

pytestmark = pytest.mark.both_backends

PROPOSALS = "/pools/commons/proposals"


async def _proposals(client) -> int:  # type: ignore[no-untyped-def]
    pool = await client.app[ACTORS].get("commons", "pool")
    return len(await store(client.app).proposals_of_pool(pool.id, limit=100))


async def test_a_bylaws_change_sets_the_classes_and_refuses_too_many(client) -> None:  # type: ignore[no-untyped-def]
    await set_password(client, "alice")
    await sign_in(client, "alice")
    form = {"title": "Become a co-op", "kind": "bylaws_change", "text": "", **CURRENT,
            "new_member_classes": "worker, consumer", "new_class_majority_decision": "1"}
    nine = {**form, "new_member_classes": ", ".join(f"c{i}" for i in range(9))}
    html = await (await post_form(client, "/pools/commons/propose", nine, from_page=PROPOSALS,
                                  status=422)).text()
    assert "at most 8 member classes" in html and await _proposals(client) == 0
    bare = {**form, "new_member_classes": ""}
    html = await (await post_form(client, "/pools/commons/propose", bare, from_page=PROPOSALS,
                                  status=422)).text()
    assert "needs member classes" in html and await _proposals(client) == 0
    response = await post_form(client, "/pools/commons/propose", form, from_page=PROPOSALS)
    stored = await store(client.app).proposal("http://node.test" + response.headers["Location"])
    assert stored is not None
    proposed = stored.proposal["motion"]["bylaws"]
    assert proposed["member_classes"] == ["worker", "consumer"]
    assert proposed["class_majority"] == ["decision"]
    html = await page(client, response.headers["Location"])
    assert "worker, consumer" in html and "Decisions" in html


async def test_the_wizard_refuses_a_class_list_it_cannot_keep(client) -> None:  # type: ignore[no-untyped-def]
    await set_password(client, "alice")
    await sign_in(client, "alice")
    base = {"name": "Corner Shop", "purpose": "", "currency": "EUR", "threshold": "more_than:1/2",
            "quorum": "1/2", "admission": "open", "min_share": "0", "voting_days": "7"}
    for extra, said in (
        ({"member_classes": ", ".join(f"c{i}" for i in range(9)), "founder_class": "c0"},
         "at most 8 member classes"),
        ({"member_classes": "worker, Worker", "founder_class": "worker"}, "declared twice"),
        ({"member_classes": "worker, consumer", "founder_class": "investor"}, "Choose your own class"),
        ({"class_majority_decision": "1"}, "needs member classes"),
    ):
        html = await (await post_form(client, "/create-pool", {**base, **extra},
                                      from_page="/create-pool", status=422)).text()
        assert said in html
        assert await client.app[ACTORS].by_uri("http://node.test/pools/corner_shop") is None
    await post_form(client, "/create-pool", {**base, "member_classes": "worker, consumer",
                                             "founder_class": "consumer",
                                             "class_majority_bylaws_change": "1"},
                    from_page="/create-pool")
    pool = await client.app[ACTORS].get("corner_shop", "pool")
    bylaws = await load_bylaws(client.app[ACTORS], pool)
    assert bylaws.member_classes == ("worker", "consumer")
    assert bylaws.class_majority == frozenset({Kind.BYLAWS_CHANGE})
    alice = await client.app[ACTORS].get("alice")
    assert (await MemberClassStore(client.app[DB]).classes(pool.id)) == {alice.uri: "consumer"}
    document = json.loads(await (await client.get(
        "/pools/corner_shop/bylaws", headers={"Accept": "application/activity+json"})).text())
    assert document["memberClasses"] == ["worker", "consumer"]
    assert document["classMajority"] == ["bylaws_change"]


async def test_only_a_steward_changes_a_class_and_only_with_a_reason(client, node) -> None:  # type: ignore[no-untyped-def]
    pool = node.pool
    actors = client.app[ACTORS]
    bylaws = await load_bylaws(actors, pool)
    from dataclasses import replace

    await actors.set_bylaws_json(pool.id, json.dumps(
        replace(bylaws, member_classes=("worker", "consumer")).to_dict()))
    alice = await store(client.app).membership(pool.id, node.alice.uri)
    assert alice is not None
    path = f"/pools/commons/members/{alice.id}/class"
    await set_password(client, "alice")
    await set_password(client, "admin")
    await sign_in(client, "alice")
    await post_form(client, path, {"member_class": "worker", "reason": "x"}, from_page="/pools/commons",
                    status=403)
    await sign_in(client, "admin")
    html = await page(client, "/pools/commons")
    assert f'action="{path}"' in html
    for form, status in (({"member_class": "investor", "reason": "x"}, 400),
                         ({"member_class": "worker", "reason": " "}, 400),
                         ({"member_class": "worker", "reason": "y" * 501}, 400)):
        await post_form(client, path, form, from_page="/pools/commons", status=status)
    classes = MemberClassStore(client.app[DB])
    assert await classes.log(pool.id) == [] and await classes.classes(pool.id) == {}
    await post_form(client, path, {"member_class": "worker", "reason": "works the till now"},
                    from_page="/pools/commons")
    assert await classes.classes(pool.id) == {node.alice.uri: "worker"}
    (change,) = await classes.log(pool.id)
    assert (change.steward_uri, change.reason) == (node.admin.uri, "works the till now")
    assert "class: worker" in await page(client, "/pools/commons")
