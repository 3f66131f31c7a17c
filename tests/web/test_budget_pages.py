"""A budget round in the browser without JavaScript: the form offers it, buckets and allocations
from forms, mistakes beside their fields with what was typed kept, the result after the close."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from node.accounts import create_member
from node.appkeys import ACTORS, CONFIG
from node.budget import buckets
from node.pool_engine import close_due
from node.pool_engine.common import store
from node.pools import load_bylaws
from tests.node.budget.helpers import close, contribute
from tests.web.helpers import HTML, csrf_of, page, post_form, set_password, sign_in
from tests.web.test_amendments_pages import CURRENT

pytestmark = pytest.mark.both_backends

POOL = "/pools/commons"


async def _as(client: Any, name: str) -> None:
    await post_form(client, "/signout", {}, from_page="/")
    await sign_in(client, name)


async def _round(client: Any, node: Any) -> str:
    """alice opens a round of EUR 60.00 from the proposal form; the round page's path."""
    await contribute(client, node, 10000)
    for name in ("alice", "admin"):
        await set_password(client, name)
    await sign_in(client, "alice")
    response = await post_form(client, POOL + "/propose", {
        "title": "Spring round", "kind": "budget_round", "pot": "60",
        "text": "What we do this spring"}, from_page=POOL + "/proposals")
    return str(response.headers["Location"])


async def test_the_form_offers_a_budget_round_and_opens_one(client, node) -> None:  # type: ignore[no-untyped-def]
    await set_password(client, "alice")
    await sign_in(client, "alice")
    assert 'name="kind" value="budget_round"' in await page(client, POOL + "/proposals")
    # More than the fund holds: the pot comes back beside its field, typed value kept.
    html = await page(client, POOL + "/proposals")
    response = await client.post(POOL + "/propose", data={
        "csrf": csrf_of(html), "title": "Big round", "kind": "budget_round", "pot": "12.50"},
        headers=HTML)
    text = await response.text()
    assert response.status == 422 and 'id="pot-error"' in text and 'value="12.50"' in text
    assert "The fund has EUR 0.00 free" in text
    path = await _round(client, node)
    html = await page(client, path)
    assert "EUR 60.00" in html and "EUR 30.00" in html  # the pot, and each member's equal share
    assert "What we do this spring" in html and "No bucket has been proposed yet." in html
    stored = await store(client.app).proposal("http://node.test" + path)
    assert stored is not None and stored.kind == "budget_round"


async def test_buckets_and_allocations_from_forms_then_the_result(client, node) -> None:  # type: ignore[no-untyped-def]
    path = await _round(client, node)
    # A mistake in a bucket: each field's reason beside it, what was typed kept, nothing stored.
    html = await page(client, path)
    response = await client.post(path + "/buckets", data={
        "csrf": csrf_of(html), "title": "", "description": "Seeds", "min_goal": "20,5x",
        "max_goal": "10"}, headers=HTML)
    text = await response.text()
    assert response.status == 422
    assert 'id="title-error"' in text and 'id="min_goal-error"' in text and 'value="20,5x"' in text
    assert ">Seeds</textarea>" in text
    stored = await store(client.app).proposal("http://node.test" + path)
    assert await buckets(client.app).count_buckets(stored.id) == 0
    response = await client.post(path + "/buckets", data={
        "csrf": csrf_of(html), "title": "Seeds", "min_goal": "30", "max_goal": "20"}, headers=HTML)
    assert response.status == 422 and "The maximum cannot be less than the minimum." in await response.text()

    await post_form(client, path + "/buckets", {"title": "Seeds", "description": "For the beds",
                                                "min_goal": "20", "max_goal": "40"}, from_page=path)
    await _as(client, "admin")
    await post_form(client, path + "/buckets", {"title": "Tools", "min_goal": "25",
                                                "max_goal": "30"}, from_page=path)
    html = await page(client, path)
    assert html.count('<meter id="meter-') == 2
    assert re.search(r'<meter id="meter-1"[^>]*max="4000" low="2000"', html)
    assert "needs at least EUR 20.00, takes at most EUR 40.00" in html

    # Over the allowance: the reason at the top, the amounts kept, nothing stored.
    response = await client.post(path + "/allocate", data={
        "csrf": csrf_of(html), "give-1": "20", "give-2": "10.01"}, headers=HTML)
    text = await response.text()
    assert response.status == 422
    assert "more than your allowance of EUR 30.00: take EUR 0.01 off" in text
    assert 'value="20"' in text and 'value="10.01"' in text
    response = await client.post(path + "/allocate", data={
        "csrf": csrf_of(html), "give-1": "-3", "give-2": "1"}, headers=HTML)
    text = await response.text()
    assert response.status == 422 and 'id="give-1-error"' in text and 'aria-invalid="true"' in text
    assert await buckets(client.app).count_allocations(stored.id) == 0

    await post_form(client, path + "/allocate", {"give-1": "5", "give-2": "25"}, from_page=path)
    html = await page(client, path)
    assert "You have <strong data-left>EUR 0.00</strong> left of your EUR 30.00." in html
    assert 'value="25.00"' in html  # the saved allocation fills the form
    await _as(client, "alice")
    await post_form(client, path + "/allocate", {"give-1": "20", "give-2": ""}, from_page=path)
    html = await page(client, path)
    assert "EUR 25.00 received; needs at least EUR 20.00" in html and "Minimum reached." in html

    await close(client, stored.document)
    html = await page(client, path)
    assert 'id="result"' in html and "EUR 50.00 of the EUR 60.00 pot is funded" in html
    assert "EUR 10.00 stays in the fund" in html
    assert "Your allocation" not in html and "Propose a bucket" not in html
    ledger = await page(client, POOL + "/ledger")
    assert "Seeds" in ledger and "Tools" in ledger


async def test_only_members_of_the_round_take_part(client, node) -> None:  # type: ignore[no-untyped-def]
    path = await _round(client, node)
    await post_form(client, path + "/buckets", {"title": "Seeds", "min_goal": "1",
                                                "max_goal": "2"}, from_page=path)
    outsider = await create_member(client.app[CONFIG], client.app[ACTORS], "zed")
    assert outsider is not None
    await set_password(client, "zed")
    await _as(client, "zed")
    html = await page(client, path)
    assert "Your allocation" not in html and "Propose a bucket" not in html
    for action, data in (("/allocate", {"give-1": "1"}), ("/buckets", {"title": "Mine", "min_goal": "1",
                                                                      "max_goal": "2"})):
        response = await client.post(path + action, data={"csrf": csrf_of(html), **data}, headers=HTML)
        assert response.status == 403, action
    live = await client.get(path + "/live")
    assert live.status == 404


async def test_the_round_rules_are_bylaws_settings_changed_by_a_bylaws_change(client, node) -> None:  # type: ignore[no-untyped-def]
    for name in ("alice", "admin"):
        await set_password(client, name)
    await sign_in(client, "alice")
    html = await page(client, POOL + "/proposals")
    assert 'id="new_max_buckets" name="new_max_buckets" inputmode="numeric" value="3"' in html
    assert 'id="new_allocations_visible" name="new_allocations_visible" value="on" checked' in html
    form = {"title": "Rounds for stewards", "kind": "bylaws_change", **CURRENT,
            "new_bucket_proposers": "stewards", "new_bucket_window": "2 days",
            "new_max_buckets": "51", "new_allocations_visible": ""}
    response = await post_form(client, POOL + "/propose", form, from_page=POOL + "/proposals", status=422)
    text = await response.text()
    assert 'id="new_max_buckets-error"' in text and 'value="51"' in text and 'value="2 days"' in text
    response = await post_form(client, POOL + "/propose", {**form, "new_max_buckets": "1"},
                               from_page=POOL + "/proposals")
    path = str(response.headers["Location"])
    html = await page(client, path)
    assert "Who may propose buckets in a budget round" in html and "Stewards only" in html
    for name in ("alice", "admin"):
        await _as(client, name)
        await post_form(client, path + "/vote", {"choice": "agree"}, from_page=path)
    await close_due(client.app, datetime.now(UTC) + timedelta(days=8))
    pool = await client.app[ACTORS].by_username("commons", "pool")
    bylaws = await load_bylaws(client.app[ACTORS], pool)
    assert (bylaws.bucket_proposers.value, bylaws.bucket_window, bylaws.max_buckets_per_member,
            bylaws.allocations_visible) == ("stewards", timedelta(days=2), 1, False)
    document = await (await client.get(POOL + "/bylaws", headers={"Accept": "application/activity+json"})).json()
    assert document["bucketProposers"] == "stewards" and document["bucketWindow"] == "PT172800S"
    assert document["maxBucketsPerMember"] == 1 and document["allocationsVisible"] is False
    rendered = await page(client, POOL + "/bylaws")
    assert "Budget rounds" in rendered and "A steward may propose buckets" in rendered


async def test_needs_your_vote_lists_a_round_until_the_member_allocates(client, node) -> None:  # type: ignore[no-untyped-def]
    path = await _round(client, node)
    await post_form(client, path + "/buckets", {"title": "Seeds", "min_goal": "1", "max_goal": "2"},
                    from_page=path)
    assert "Spring round" in await page(client, "/")
    await post_form(client, path + "/allocate", {"give-1": "1"}, from_page=path)
    assert "Spring round" not in await page(client, "/")


async def test_a_round_has_its_thread_and_its_outcome_like_any_proposal(client, node) -> None:  # type: ignore[no-untyped-def]
    path = await _round(client, node)
    html = await page(client, path)
    assert 'id="discussion-heading"' in html and "No comments yet." in html
    response = await post_form(client, POOL + "/comments", {
        "in_reply_to": "http://node.test" + path, "text": "Seeds first, then tools?"}, from_page=path)
    assert response.headers["Location"].startswith(path + "#comment-")
    assert "Seeds first, then tools?" in await page(client, path)
    stored = await store(client.app).proposal("http://node.test" + path)
    await close(client, stored.document)
    assert "Publish the outcome" in await page(client, path)  # alice opened it
    await post_form(client, POOL + "/comments", {
        "outcome_of": "http://node.test" + path, "text": "Nothing reached its minimum this time."},
        from_page=path)
    html = await page(client, path)
    assert 'id="outcome-heading">Outcome' in html and "Nothing reached its minimum" in html


async def test_a_round_reads_in_spanish(client, node) -> None:  # type: ignore[no-untyped-def]
    path = await _round(client, node)
    await post_form(client, path + "/buckets", {"title": "Seeds", "min_goal": "1", "max_goal": "2"},
                    from_page=path)
    html = await page(client, path + "?lang=es")
    assert "Ronda de presupuesto" in html and "Tu reparto" in html and "Proponer una partida" in html
    assert '<strong id="allowance">30,00\xa0EUR</strong>' in html and 'data-zero="0,00\xa0EUR"' in html
    response = await client.post(path + "/allocate?lang=es", data={
        "csrf": csrf_of(html), "give-1": "31"}, headers=HTML)
    assert response.status == 422
    assert "más que tu asignación de 30,00\xa0EUR: quita 1,00\xa0EUR." in await response.text()
    bylaws = await page(client, POOL + "/bylaws?lang=es")
    assert "11. Rondas de presupuesto" in bylaws and "Cualquier miembro puede proponer partidas" in bylaws
