"""Every kind of proposal and every ballot type from the proposal form; ranked ballots in full."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from node.accounts import create_member, join_pool
from node.appkeys import ACTORS, CONFIG
from node.pool_engine import close_due
from node.pool_engine.common import store
from tests.web.helpers import HTML, csrf_of, page, post_form, set_password, sign_in

POOL = "/pools/commons"


async def _post(client: Any, path: str, data: list[tuple[str, str]], from_page: str,
                status: int = 303) -> Any:
    """POST a form whose fields repeat (checkboxes), with the CSRF token of ``from_page``."""
    token = csrf_of(await page(client, from_page))
    response = await client.post(path, data=[("csrf", token), *data], headers=HTML,
                                 allow_redirects=False)
    assert response.status == status, (response.status, (await response.text())[:800])
    return response


async def _propose(client: Any, fields: dict[str, str], status: int = 303) -> Any:
    return await post_form(client, POOL + "/propose", fields, from_page=POOL + "/proposals",
                           status=status)


async def _three_members(client: Any) -> None:
    pool = await client.app[ACTORS].get("commons", "pool")
    carol = await create_member(client.app[CONFIG], client.app[ACTORS], "carol")
    await join_pool(client.app[ACTORS], pool, carol.uri)
    for name in ("alice", "admin", "carol"):
        await set_password(client, name)


async def _as(client: Any, name: str) -> None:
    await post_form(client, "/signout", {}, from_page="/")
    await sign_in(client, name)


async def test_the_form_offers_every_kind_and_ballot_type(client) -> None:
    await set_password(client, "alice")
    await sign_in(client, "alice")
    html = await page(client, POOL + "/proposals")
    for kind in ("decision", "disbursement", "bylaws_change", "admission", "expulsion",
                 "join_flood", "leave_flood", "role_change"):
        assert f'name="kind" value="{kind}"' in html, kind
    for ballot in ("consent", "single_choice", "approval", "ranked_choice"):
        assert f'<option value="{ballot}"' in html, ballot
    assert 'name="options"' in html


async def test_a_ranked_vote_keeps_the_whole_ranking_and_shows_the_rounds(client) -> None:
    await _three_members(client)
    await sign_in(client, "alice")
    response = await _propose(client, {"title": "Where to meet", "kind": "decision",
                                       "text": "Our meeting place.", "ballot_type": "ranked_choice",
                                       "options": "Library\nCafe\nPark"})
    url = response.headers["Location"]
    html = await page(client, url)
    assert "Ranked vote (instant runoff)" in html
    assert 'id="rank-1"' in html and 'id="rank-3"' in html and "rank.js" in html
    # Alice: Park, Cafe, Library. Admin: Library, Cafe. Carol: Cafe, Park.
    await _post(client, url + "/vote", [("rank-1", "Park"), ("rank-2", "Cafe"), ("rank-3", "Library")],
                from_page=url)
    stored = await store(client.app).proposal(client.app[CONFIG].url(url))
    (ballot,) = await store(client.app).voter_ballots(stored.id, client.app[CONFIG].url("/users/alice"))
    assert ballot.ballot["choice"] == ["Park", "Cafe", "Library"]
    assert "You voted <strong>Park › Cafe › Library</strong>" in await page(client, url)
    await _as(client, "admin")
    await _post(client, url + "/vote", [("rank-1", "Library"), ("rank-2", "Cafe"), ("rank-3", "")],
                from_page=url)
    await _as(client, "carol")
    await _post(client, url + "/vote", [("rank-1", "Cafe"), ("rank-2", "Park")], from_page=url)
    await close_due(client.app, datetime.now(UTC) + timedelta(days=8))
    html = await page(client, url)
    # Round one: 1 each, Park goes (fewest first preferences tie, listed last); Cafe then wins.
    assert "Instant-runoff rounds" in html
    assert "Winner after 2 rounds: <strong>Cafe</strong>" in html
    live = await (await client.get(url + "/live")).json()
    assert live["rounds"][0] == {"counts": {"Library": 1, "Cafe": 1, "Park": 1}, "eliminated": "Park"}
    assert live["winners"] == ["Cafe"]


async def test_a_ranking_with_a_gap_or_a_repeat_is_refused_and_nothing_stored(client) -> None:
    await _three_members(client)
    await sign_in(client, "alice")
    response = await _propose(client, {"title": "Colour", "kind": "decision", "text": "Paint.",
                                       "ballot_type": "ranked_choice", "options": "Red\nBlue"})
    url = response.headers["Location"]
    gap = await _post(client, url + "/vote", [("rank-1", ""), ("rank-2", "Red")], from_page=url,
                      status=422)
    html = await gap.text()
    assert 'id="choice-error"' in html and "without gaps" in html
    # The ranking comes back as posted: the 2nd place keeps Red.
    assert html.split('id="rank-2"')[1].split("</select>")[0].count('value="Red" selected') == 1
    twice = await _post(client, url + "/vote", [("rank-1", "Red"), ("rank-2", "Red")],
                        from_page=url, status=422)
    assert "Red is ranked twice" in await twice.text()
    stored = await store(client.app).proposal(client.app[CONFIG].url(url))
    assert await store(client.app).voter_ballots(stored.id, client.app[CONFIG].url("/users/alice")) == []


async def test_approval_checkboxes_count_every_ticked_option(client) -> None:
    await _three_members(client)
    await sign_in(client, "alice")
    response = await _propose(client, {"title": "Snacks", "kind": "decision", "text": "For the AGM.",
                                       "ballot_type": "approval", "options": "Fruit\nCake\nNuts"})
    url = response.headers["Location"]
    html = await page(client, url)
    assert html.count('type="checkbox" id="choice-') == 3
    await _post(client, url + "/vote", [("choice", "Fruit"), ("choice", "Nuts")], from_page=url)
    live = await (await client.get(url + "/live")).json()
    assert live["counts"] == {"Fruit": 1, "Cake": 0, "Nuts": 1}


async def test_single_choice_and_the_ballot_type_is_on_the_wire(client) -> None:
    await _three_members(client)
    await sign_in(client, "alice")
    response = await _propose(client, {"title": "Day", "kind": "decision", "text": "Meeting day.",
                                       "ballot_type": "single_choice", "options": "Monday\nFriday"})
    url = response.headers["Location"]
    doc = await (await client.get(url, headers={"Accept": "application/activity+json"})).json()
    assert doc["ballotType"] == "single_choice" and doc["options"] == ["Monday", "Friday"]
    assert 'type="radio" id="choice-2" name="choice" value="Friday"' in await page(client, url)


async def test_option_errors_are_per_field_and_nothing_opens(client) -> None:
    await _three_members(client)
    await sign_in(client, "alice")
    cases = [
        ({"ballot_type": "approval", "options": "Only one"}, "at least two options"),
        ({"ballot_type": "ranked_choice", "options": "A\nA"}, "only once"),
        ({"ballot_type": "consent", "options": "A\nB"}, "A consent vote has no options"),
        ({"ballot_type": "plurality"}, "Choose one of the ballot types"),
        ({"kind": "expulsion", "person": "@carol", "ballot_type": "approval", "options": "A\nB"},
         "Only a decision can be a choice"),
    ]
    for fields, message in cases:
        response = await _propose(client, {"title": "T", "kind": "decision", "text": "x", **fields},
                                  status=422)
        assert message in await response.text(), message
    assert await store(client.app).proposals_of_pool(
        (await client.app[ACTORS].get("commons", "pool")).id, limit=10) == []


async def test_admission_and_expulsion_by_handle(client) -> None:
    await _three_members(client)
    await create_member(client.app[CONFIG], client.app[ACTORS], "dora")
    await sign_in(client, "alice")
    expel = await _propose(client, {"title": "Expel carol", "kind": "expulsion", "person": "@carol",
                                    "text": "Repeated harm."})
    html = await page(client, expel.headers["Location"])
    assert "Expel <strong>http://node.test/users/carol</strong>" in html
    admit = await _propose(client, {"title": "Admit dora", "kind": "admission", "person": "dora"})
    assert "Admit <strong>http://node.test/users/dora</strong>" in await page(
        client, admit.headers["Location"])
    nobody = await _propose(client, {"title": "Expel x", "kind": "expulsion", "person": "@nobody"},
                            status=422)
    assert "There is nobody called @nobody on this server" in await nobody.text()
    outsider = await _propose(client, {"title": "Expel dora", "kind": "expulsion", "person": "@dora"},
                              status=422)
    assert "Only a member of this pool can be expelled" in await outsider.text()


async def test_join_and_leave_flood_drafts_from_the_form(client) -> None:
    await _three_members(client)
    pool = await client.app[ACTORS].get("commons", "pool")
    other = await create_member(client.app[CONFIG], client.app[ACTORS], "garden")
    await sign_in(client, "alice")
    response = await _propose(client, {"title": "Join the river", "kind": "join_flood",
                                       "peer": "@garden", "flood_name": "River Commons"})
    url = response.headers["Location"]
    doc = await (await client.get(url, headers={"Accept": "application/activity+json"})).json()
    assert doc["proposalKind"] == "join_flood" and doc["peer"] == other.uri
    assert doc["flood"] == pool.uri + "/floods/river-commons"
    itself = await _propose(client, {"title": "Loop", "kind": "join_flood", "peer": "@commons",
                                     "flood_name": "x"}, status=422)
    assert "cannot link with itself" in await itself.text()
    unnamed = await _propose(client, {"title": "Leave", "kind": "leave_flood"}, status=422)
    assert "Choose the flood to leave" in await unnamed.text()
