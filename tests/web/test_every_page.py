"""Every HTML page the web app serves, checked with axe-core in Chromium at 1024 px and 390 px.

The pages are enumerated from the app's router: every GET route is either visited here (with
the demo's state: pools, members, an applicant, proposals of every kind, a flood, money,
discussions with comments, a reply, a hidden comment and an outcome statement) or listed in
SKIPPED with the reason it is not a page. A new route in neither fails the first
test, so a new page cannot go unchecked. Each page is opened as anonymous, an applicant, a
member and a steward where those differ; any serious or critical axe violation fails, and so
does a page that scrolls sideways on a 390 px phone.
"""

from __future__ import annotations

import secrets
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession

from node.appkeys import ACTORS, CONFIG, DB
from node.storage import InvitationStore, MailStore
from node.web import NEGOTIATED_PAGES
from node.web.password_reset import reset_hash
from node.web.welcome import issue_signin_link
from tests.conftest import make_node
from tests.web.axe_check import violations
from tests.web.browser import DESKTOP, PHONE, browser
from tests.web.demo_nodes import DemoNodes
from tests.web.page_catalogue import HTML_ACCEPT, MISTAKES, PAGES, SKIPPED, Demo

__all__ = ["browser"]

# The skipped routes of the web app itself (the rest are node/views: JSON only), fetched as a
# browser would to show they are not pages.
# The content a role sees, without the session's CSRF token: the same for two roles means one check.
_CONTENT = """() => document.querySelector('main').outerHTML
    .replace(/name="csrf" value="[^"]*"/g, '') + document.querySelector('header').outerHTML
    .replace(/name="csrf" value="[^"]*"/g, '').replace(/@[a-z0-9_]+<\\/span>/, '')"""
_DUPLICATE_IDS = """() => { const ids = [...document.querySelectorAll('[id]')].map(e => e.id);
    return [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))]; }"""
# The error a field is described by (aria-describedby), if it is marked invalid.
_ERROR_BESIDE = """e => e.getAttribute('aria-invalid') === 'true' && (e.getAttribute('aria-describedby') || '')
    .split(' ').map(id => document.getElementById(id))
    .filter(x => x && x.classList.contains('error') && x.textContent.trim()).length > 0"""
WEB_DOWNLOADS = ("/pools/garden/ledger.csv", "/pools/garden/balances.csv",
                 "/pools/garden/members.csv")


def get_routes(app: Any) -> set[str]:
    """The path of every GET route in the app's router."""
    found = set()
    for route in app.router.routes():
        if route.method == "GET":
            info = route.resource.get_info()
            found.add(str(info.get("formatter") or info.get("path") or info.get("prefix")).rstrip("/") or "/")
    return found


def _sample(path: str) -> str:
    values = {"{kind}": "pools", "{name}": "garden", "{what}": "objects", "{slug}": "commons",
              "{key}": "0" * 8 + "-0000-0000-0000-" + "0" * 12, "{sequence}": "1"}
    for name, value in values.items():
        path = path.replace(name, value)
    return path


async def test_every_get_route_is_a_checked_page_or_skipped_for_a_reason(tmp_path: Path) -> None:
    from node.app import create_app

    setup = await make_node(tmp_path / "data")
    routes = get_routes(create_app(setup.config))
    assert sorted(routes - PAGES.keys() - SKIPPED.keys()) == [], (
        "routes neither checked by tests/web/test_every_page.py nor skipped with a reason")
    assert sorted((PAGES.keys() | SKIPPED.keys()) - routes) == [], "entries for routes that are gone"
    assert not PAGES.keys() & SKIPPED.keys()
    for path in SKIPPED:
        # A skipped route must not be one a browser gets a page at (content negotiation).
        assert not any(pattern.match(_sample(path)) for pattern, _ in NEGOTIATED_PAGES), path


@pytest.mark.multinode
async def test_the_skipped_web_routes_are_downloads_not_pages(demo_nodes: DemoNodes) -> None:
    async with ClientSession(headers=HTML_ACCEPT) as http:
        for path in WEB_DOWNLOADS:
            async with http.get(demo_nodes.url("a") + path) as response:
                assert response.status == 200, path
                assert response.content_type == "text/csv", path
        proposal = demo_nodes.made["proposals"]["seed trays"]
        async with http.get(proposal + "/live") as response:
            assert response.status == 200 and response.content_type == "application/json"
        async with http.get(demo_nodes.url("a") + "/language/es?next=/pools/garden",
                            allow_redirects=False) as response:
            assert response.status == 303 and response.headers["Location"] == "/pools/garden"
        for thread in (proposal, demo_nodes.made["discussions"]["raised beds"]):
            async with http.get(thread + "/replies") as response:  # a browser's Accept, still JSON
                assert response.status == 200, thread
                assert response.content_type == "application/activity+json", thread
                assert (await response.json())["type"] == "OrderedCollection"


async def _demo(nodes: DemoNodes) -> Demo:
    app = nodes.apps["a"]
    hana = await app[ACTORS].get("hana", "member")
    link = await issue_signin_link(app[CONFIG], InvitationStore(app[DB]), hana)
    reset = secrets.token_urlsafe(32)
    await MailStore(app[DB]).add_reset(reset_hash(reset), hana.id, "2026-01-01T00:00:00Z",
                                       "2999-01-01T00:00:00Z")
    await _witnessing(nodes)
    return Demo(nodes, link.url.removeprefix(nodes.url("a")), reset)


async def _witnessing(nodes: DemoNodes) -> None:
    """Garden (on a) witnessed by bikes (on b), an alarm about its ledger, and bikes witnessed
    by garden at a steward's choice: the pool page shows each part of its witnessing."""
    from datetime import UTC, datetime

    from governance.witness import Fork, ForkKind, Head
    from node.pool_engine.common import iso, signed, store
    from node.wire.witness import attestation_path, conflict_document, head_attestation_document
    from node.witness import witnesses
    from node.witness.alarms import keep_alarm

    a, b = nodes.apps["a"], nodes.apps["b"]
    garden, bikes = await a[ACTORS].get("garden", "pool"), await b[ACTORS].get("bikes", "pool")
    entries = await store(a).ledger(garden.id)
    now = datetime.now(UTC).replace(microsecond=0)
    head = Head(len(entries), str(entries[-1].document["entryHash"]))
    attestation = signed(head_attestation_document(
        attestation_path(bikes.uri, garden.uri, 1), bikes.uri, garden.uri, head, iso(now), None),
        bikes, now)
    await witnesses(a).put_attestation(attestation, iso(now))
    conflict = signed(conflict_document(
        bikes.uri + "/conflicts/00000000-0000-4000-8000-00000000a1a1", bikes.uri, garden.uri,
        Fork(ForkKind.REWRITTEN, head.sequence, "the entry changed"), attestation,
        [entries[-1].document], Head(head.sequence, "ab" * 32), iso(now)), bikes, now)
    await keep_alarm(a, garden, "witnessed", conflict, now)
    await witnesses(a).add_link(garden.id, bikes.uri, steward=True, added_by=garden.uri, now=iso(now))


def _person(nodes: DemoNodes, node: str, role: str) -> str:
    members = nodes.node(node)["members"]
    return {"steward": members[0], "member": members[1],
            "applicant": nodes.made["applicant"]["username"]}[role]


async def _signed_in(browser: Any, nodes: DemoNodes, node: str, role: str,
                     viewport: dict[str, int]) -> Any:
    """A tab in a browser of its own, signed in on ``node`` as the person who has ``role``."""
    context = await browser.new_context(viewport=viewport, is_mobile=viewport is PHONE)
    context.set_default_timeout(30000)
    page = await context.new_page()
    if role != "anonymous":
        await page.goto(nodes.url(node) + "/signin")
        await page.get_by_label("Username").fill(_person(nodes, node, role))
        await page.get_by_label("Password").fill(nodes.made["password"])
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_url(nodes.url(node) + "/")
    return page


async def sweep(browser: Any, nodes: DemoNodes, viewport: dict[str, int]) -> tuple[int, list[str]]:
    """Open every catalogued page as each of its roles: how many were checked, and every
    problem found, in words."""
    demo = await _demo(nodes)
    visits = [visit for pages in PAGES.values() for visit in pages(demo)]
    problems: list[str] = []
    tabs: dict[tuple[str, str], Any] = {}
    seen: set[tuple[str, str]] = set()

    async def tab(node: str, role: str) -> Any:
        if (node, role) not in tabs:
            tabs[node, role] = await _signed_in(browser, nodes, node, role, viewport)
        return tabs[node, role]

    async def check(page: Any, node: str, where: str) -> None:
        # A role that sees the same content as another (a closed vote, a public page) adds
        # nothing: the header each role sees is checked on the pages where they differ.
        content = await page.evaluate(_CONTENT)
        if (node, content) not in seen:
            seen.add((node, content))
            problems.extend(f"{where}: {v}" for v in await violations(page))
            twice = await page.evaluate(_DUPLICATE_IDS)
            if twice:
                problems.append(f"{where}: ids used twice (a label may name the wrong field): {twice}")
        if viewport is PHONE:
            # Against the phone's width, not innerWidth: a mobile browser widens its layout
            # viewport to fit content that spills, so innerWidth grows with the page.
            wide = await page.evaluate("document.scrollingElement.scrollWidth")
            if wide > PHONE["width"]:
                problems.append(f"{where}: scrolls sideways ({wide} px wide)")

    for visit in visits:
        for role in visit.roles:
            page = await tab(visit.node, role)
            response = await page.goto(nodes.url(visit.node) + visit.path)
            where = f"{visit.path} on node {visit.node} as {role} at {viewport['width']} px"
            if response is None or not response.headers.get("content-type", "").startswith("text/html"):
                problems.append(f"{where}: not an HTML page")
            await check(page, visit.node, where)
    for mistake in MISTAKES:
        page = await tab(mistake.node, mistake.role)
        path = mistake.path(demo)
        await page.goto(nodes.url(mistake.node) + path)
        if mistake.unlimited:
            await page.evaluate("document.querySelectorAll('[maxlength]')"
                                ".forEach(e => e.removeAttribute('maxlength'))")
        for label, text in mistake.typed:
            await page.get_by_label(label, exact=True).fill(text)
        async with page.expect_response(lambda r: r.request.method == "POST") as posted:
            await page.get_by_role("button", name=mistake.button).click()
        await page.wait_for_load_state()
        where = f"the mistake sent from {path} as {mistake.role} at {viewport['width']} px"
        if not 400 <= (await posted.value).status < 500:
            problems.append(f"{where}: answered {(await posted.value).status}, not a 4xx page")
        for label, text in mistake.beside:
            field = page.get_by_label(label, exact=True)
            if await field.input_value() != text:
                problems.append(f"{where}: {label!r} lost what was typed")
            if not await field.evaluate(_ERROR_BESIDE):
                problems.append(f"{where}: {label!r} is not marked with its error beside it")
        await check(page, mistake.node, where)
    for page in tabs.values():
        await page.context.close()
    return len(seen), problems


def _templates() -> set[str]:
    folder = resources.files("node") / "templates"
    return {entry.name for entry in folder.iterdir() if entry.name.endswith(".html")}


@pytest.mark.browser
@pytest.mark.multinode
@pytest.mark.timeout(900)
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
async def test_every_page_passes_axe(demo_nodes: DemoNodes, browser: Any,
                                     viewport: dict[str, int]) -> None:
    checked, problems = await sweep(browser, demo_nodes, viewport)
    assert problems == [], "\n".join(problems)
    assert checked >= 80, "the sweep checked fewer pages than the demo has"
    # Every template was rendered by some page: a page reached only by a new route shows here.
    assert sorted(_templates() - demo_nodes.rendered) == []
