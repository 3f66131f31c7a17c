"""Issue 15, "Every decision type": every kind and ballot from the web form, approval by
checkboxes, a full ranking without JavaScript (ordered selects), results with the instant-runoff
rounds; mistakes in a ballot refused with a reason and nothing counted."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.acceptance.issue15_web import (
    PASSWORD,
    Person,
    ServedNode,
    cli,
    close_all,
    node15,
    set_password,
    text_of,
)
from tests.web.browser import browser

__all__ = ["browser", "node15"]

pytestmark = pytest.mark.timeout(300)

KINDS = ("decision", "disbursement", "bylaws_change", "admission", "expulsion", "role_change",
         "join_flood", "leave_flood")
BALLOTS = ("consent", "single_choice", "approval", "ranked_choice")


async def add_members(served: ServedNode, *names: str) -> None:
    data = str(served.setup.config.data_dir)
    for name in names:
        code, _, err = await cli("member", "add", "--data", data, name, "--pool", "commons")
        assert code == 0, err
    for name in ("admin", "alice", *names):
        await set_password(served.setup, name)


def rounds(html: str) -> list[list[str]]:
    """The instant-runoff table's rows, each as its cells' text."""
    table = re.search(r'<table[^>]*class="rounds".*?</table>', html, re.S)
    assert table, "no instant-runoff rounds table on the page"
    body = table[0].split("<tbody>", 1)[1]
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


async def test_the_form_offers_every_kind_and_every_ballot(node15: ServedNode) -> None:
    await set_password(node15.setup, "admin")
    async with Person(node15.url) as admin:
        await admin.sign_in("admin")
        html = await admin.get("/pools/commons/proposals")
    for kind in KINDS:
        assert re.search(rf'name="kind" value="{kind}"', html), f"the form lacks the kind {kind}"
    for ballot in BALLOTS:
        assert f'<option value="{ballot}"' in html, f"the form lacks the ballot {ballot}"


async def test_the_person_field_suggests_handles_not_urls(node15: ServedNode) -> None:
    await set_password(node15.setup, "admin")
    async with Person(node15.url) as admin:
        await admin.sign_in("admin")
        html = await admin.get("/pools/commons/proposals")
    # A handle, not a URL, is what a person types and is offered.
    suggestions = re.findall(r'<datalist id="pool-members">(.*?)</datalist>', html, re.S)
    assert suggestions and "http" not in suggestions[0], (
        "the person field suggests members by URL, not by handle: " + suggestions[0][:200])


async def test_a_full_ranking_without_javascript_decides_by_instant_runoff(node15: ServedNode, browser: Any) -> None:
    await add_members(node15, "bob", "cy", "dan")
    async with Person(node15.url) as admin:
        await admin.sign_in("admin")
        prop = await admin.propose("commons", {
            "title": "Which colour for the shed", "kind": "decision", "text": "Paint it.",
            "ballot_type": "ranked_choice", "options": "Red\nGreen\nBlue"})
    # admin ranks in Chromium with JavaScript off: the ordered selects are the whole ballot.
    context = await browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = await context.new_page()
    await page.goto(node15.url + "/signin")
    await page.fill("#username", "admin")
    await page.fill("#password", PASSWORD)
    await page.click("main button[type=submit]")
    await page.goto(node15.url + prop)
    await page.select_option("#rank-1", "Red")
    await page.select_option("#rank-2", "Green")
    await page.click("form[action$='/vote'] button[type=submit]")
    await page.wait_for_load_state()
    assert "Red" in await page.inner_text("main")
    await context.close()
    ballots = {"alice": ("Red", "Green"), "bob": ("Green", "Red"), "cy": ("Blue", "Green"), "dan": ("Blue", "Green")}
    for name, order in ballots.items():
        async with Person(node15.url) as voter:
            await voter.sign_in(name)
            await voter.vote(prop, {f"rank-{i + 1}": o for i, o in enumerate(order)})
    await close_all(node15)
    async with Person(node15.url) as reader:
        html = await reader.get(prop)
    table = rounds(html)
    # Round 1: Red 2, Green 1, Blue 2; Green goes out and bob's second choice moves to Red: 3 of 5.
    assert len(table) >= 2, table
    assert table[0][1:4] == ["2", "1", "2"], table
    assert "Green" in table[0][4] or "Green" in table[1][-1], table
    assert table[1][1] == "3", f"the second preference did not move: {table}"
    words = text_of(html)
    assert re.search(r"Red", words) and re.search(r"(?i)winner after 2 rounds: Red", words), words[:800]


async def test_a_ranking_with_a_repeat_or_a_gap_is_refused_with_a_reason(node15: ServedNode) -> None:
    await set_password(node15.setup, "admin")
    async with Person(node15.url) as admin:
        await admin.sign_in("admin")
        prop = await admin.propose("commons", {
            "title": "Rank me", "kind": "decision", "text": "x",
            "ballot_type": "ranked_choice", "options": "A\nB\nC"})
        for bad in ({"rank-1": "A", "rank-2": "A"}, {"rank-1": "", "rank-2": "B"},
                    {"rank-1": "Z"}):
            status, _, html = await admin.post(prop + "/vote", bad, from_page=prop)
            assert 400 <= status < 500, (bad, status)
            assert "Traceback" not in html and len(text_of(html)) > 20
        page = await admin.get(prop)
    assert re.search(r'data-field="participation">0<', page), "a refused ballot was counted"


async def test_approval_is_ticked_in_checkboxes_and_each_tick_counts(node15: ServedNode, browser: Any) -> None:
    await add_members(node15)
    async with Person(node15.url) as admin:
        await admin.sign_in("admin")
        prop = await admin.propose("commons", {
            "title": "Which evenings suit", "kind": "decision", "text": "Meetings.",
            "ballot_type": "approval", "options": "Monday\nTuesday\nFriday"})
    context = await browser.new_context(viewport={"width": 1024, "height": 768})
    page = await context.new_page()
    await page.goto(node15.url + "/signin")
    await page.fill("#username", "alice")
    await page.fill("#password", PASSWORD)
    await page.click("main button[type=submit]")
    await page.goto(node15.url + prop)
    assert await page.locator("input[type=checkbox][name=choice]").count() == 3
    await page.get_by_label("Monday").check()
    await page.get_by_label("Friday").check()
    await page.click("form[action$='/vote'] button[type=submit]")
    await page.wait_for_load_state()
    await context.close()
    async with Person(node15.url) as admin:
        await admin.sign_in("admin")
        await admin.vote(prop, [("choice", "Friday")])
    await close_all(node15)
    async with Person(node15.url) as reader:
        html = await reader.get(prop)
    counts = dict(re.findall(r'<dt>(\w+)</dt><dd[^>]*>(\d+)</dd>', html))
    assert counts.get("Monday") == "1" and counts.get("Friday") == "2" and counts.get("Tuesday") == "0", counts
    assert re.search(r"Friday", text_of(html))


async def test_single_choice_and_consent_from_the_form(node15: ServedNode) -> None:
    await add_members(node15)
    async with Person(node15.url) as admin, Person(node15.url) as alice:
        await admin.sign_in("admin")
        await alice.sign_in("alice")
        single = await admin.propose("commons", {
            "title": "Where to meet", "kind": "decision", "text": "x",
            "ballot_type": "single_choice", "options": "Park\nLibrary"})
        consent = await admin.propose("commons", {
            "title": "Buy a kettle", "kind": "decision", "text": "x", "ballot_type": "consent"})
        # A single choice takes exactly one option.
        status, _, _ = await alice.post(single + "/vote", [("choice", "Park"), ("choice", "Library")],
                                        from_page=single)
        assert 400 <= status < 500, status
        await alice.vote(single, {"choice": "Library"})
        await admin.vote(single, {"choice": "Library"})
        await alice.vote(consent, {"choice": "agree"})
        await admin.vote(consent, {"choice": "agree"})
        # Consent with options makes no sense: refused, the form comes back with what was typed.
        status, _, html = await admin.post("/pools/commons/propose", {
            "title": "Consent with options", "kind": "decision", "text": "x",
            "ballot_type": "consent", "options": "A\nB"}, from_page="/pools/commons/proposals")
        assert 400 <= status < 500 and "Consent with options" in html, status
    await close_all(node15)
    async with Person(node15.url) as reader:
        assert "Library" in text_of(await reader.get(single))
        assert re.search(r"(?i)passed|approved|carried", text_of(await reader.get(consent)))
