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
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession

from node.appkeys import ACTORS, CONFIG, CSRF_SECRET, DB
from node.storage import InvitationStore, MailStore
from node.web import NEGOTIATED_PAGES
from node.web.password_reset import reset_hash
from node.web.unsubscribe_tokens import sign_token
from node.web.welcome import issue_signin_link
from tests.conftest import make_node
from tests.web.axe_check import violations
from tests.web.browser import DESKTOP, PHONE, browser
from tests.web.demo_nodes import DemoNodes

__all__ = ["browser"]

EVERYONE = ("anonymous", "member", "steward")
HTML_ACCEPT = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@dataclass(frozen=True)
class Visit:
    """A page to open on one of the demo's nodes, as each of ``roles``."""

    node: str
    path: str
    roles: tuple[str, ...] = EVERYONE


@dataclass
class Demo:
    """The demo's state as the catalogue needs it."""

    nodes: DemoNodes
    welcome: str  # the path of an unused one-time sign-in link on node a
    reset: str  # an unused password reset token of node a

    def proposals(self, node: str) -> list[str]:
        base = self.nodes.url(node)
        return [url.removeprefix(base) for url in self.nodes.made["proposals"].values()
                if url.startswith(base + "/")]

    def invite(self, pool: str, node: str) -> str:
        return str(self.nodes.made["invites"][pool]).removeprefix(self.nodes.url(node))

    def seed_trays(self) -> str:
        return str(self.nodes.made["proposals"]["seed trays"])

    def discussion(self, label: str, node: str) -> str:
        return str(self.nodes.made["discussions"][label]).removeprefix(self.nodes.url(node))

    def edit(self, comment: str) -> str:
        """The edit page of a comment the demo made, by its label (its author may open it)."""
        url = str(self.nodes.made["comments"][comment])
        pool = url.split("/pools/", 1)[1].split("/", 1)[0]
        return f"/pools/{pool}/comments/{url.rsplit('#comment-', 1)[1]}/edit"
    def asset(self, label: str) -> str:
        """The path of the demo's shared asset, by its label."""
        return "/" + str(self.nodes.made["assets"][label]).split("/", 3)[3]

    def path(self, label: str) -> str:
        """The path of one of the demo's proposals (or budget rounds), by its label."""
        return "/" + str(self.nodes.made["proposals"][label]).split("/", 3)[3]


Pages = Callable[[Demo], list[Visit]]
WITNESS_FIELD = "Witness another pool (its handle, such as @garden@pools.example, or its address)"
WITH_APPLICANT = ("anonymous", "applicant", "member", "steward")
SIGNED_IN = ("member", "steward")

# Every GET route of the web app that serves a page, by its path in the router.
PAGES: dict[str, Pages] = {
    "/": lambda d: [Visit("a", "/", WITH_APPLICANT), Visit("b", "/"), Visit("c", "/")],
    "/signin": lambda d: [Visit("a", "/signin", ("anonymous",)), Visit("c", "/signin", ("anonymous",))],
    "/signup": lambda d: [Visit("a", "/signup", ("anonymous",)), Visit("c", "/signup", ("anonymous",))],
    "/settings": lambda d: [Visit("a", "/settings", SIGNED_IN)],
    "/notifications": lambda d: [Visit("a", "/notifications", SIGNED_IN)],
    "/settings/notifications": lambda d: [Visit("a", "/settings/notifications", SIGNED_IN)],
    "/unsubscribe/{token}": lambda d: [Visit("a", "/unsubscribe/" + sign_token(
        d.nodes.apps["a"][CSRF_SECRET], 1, "all"), ("anonymous",))],
    # The demo sends no mail: the page says so (a mailing node's form is checked in
    # tests/web/test_browser_notifications.py); a link mailed earlier still opens its form.
    "/reset-password": lambda d: [Visit("a", "/reset-password", ("anonymous",))],
    "/reset-password/{token}": lambda d: [Visit("a", "/reset-password/" + d.reset, ("anonymous",)),
                                          Visit("a", "/reset-password/used-up", ("anonymous",))],
    "/create-pool": lambda d: [Visit("a", "/create-pool", SIGNED_IN)],
    "/welcome/{token}": lambda d: [Visit("a", d.welcome, ("anonymous",))],
    "/invite/{token}": lambda d: [Visit("a", d.invite("garden", "a"), ("anonymous", "member")),
                                  Visit("c", d.invite("kitchen", "c"), ("anonymous",))],
    # Pools and members (content negotiation), and a page that is not there.
    "/{kind}/{name}": lambda d: [
        Visit("a", "/pools/garden", WITH_APPLICANT), Visit("a", "/pools/commons"),
        Visit("b", "/pools/bikes"), Visit("c", "/pools/kitchen"), Visit("a", "/users/ana"),
        Visit("a", "/users/hana"), Visit("a", "/pools/no_such_pool", ("anonymous",))],
    "/pools/{name}/bylaws": lambda d: [Visit("a", "/pools/garden/bylaws"),
                                       Visit("a", "/pools/garden/bylaws?form=de_eg", ("anonymous",)),
                                       Visit("c", "/pools/kitchen/bylaws", ("anonymous",))],
    # The legal text as a standalone document (its .md and .pdf are the same text as downloads:
    # tests/web/test_bylaws_files.py).
    "/pools/{name}/bylaws.{ext}": lambda d: [
        Visit("a", "/pools/garden/bylaws.html?form=uk_coop", ("anonymous",)),
        Visit("a", "/pools/garden/bylaws.html?form=us_llc&lang=es", ("anonymous",))],
    "/pools/{name}/bylaws/history": lambda d: [Visit("a", "/pools/garden/bylaws/history"),
                                               Visit("c", "/pools/kitchen/bylaws/history",
                                                     ("anonymous",))],
    # Version 2 of garden's bylaws is the demo's passed bylaws change: its diff is shown.
    "/pools/{name}/bylaws/versions/{number}": lambda d: [
        Visit("a", "/pools/garden/bylaws/versions/1", ("anonymous",)),
        Visit("a", "/pools/garden/bylaws/versions/2")],
    "/pools/{name}/join": lambda d: [Visit("a", "/pools/garden/join", WITH_APPLICANT),
                                     Visit("b", "/pools/bikes/join", ("anonymous",))],
    "/pools/{name}/application": lambda d: [
        Visit("a", "/pools/garden/application", ("applicant", "member"))],
    "/pools/{name}/leave": lambda d: [Visit("a", "/pools/garden/leave", SIGNED_IN)],
    "/pools/{name}/proposals": lambda d: [Visit("a", "/pools/garden/proposals"),
                                          Visit("a", "/pools/commons/proposals"),
                                          Visit("c", "/pools/kitchen/proposals")],
    # Every proposal the demo made: each kind and ballot, a budget round closed and one open.
    "/pools/{name}/proposals/{key}": lambda d: [
        Visit(node, path) for node in ("a", "b", "c") for path in d.proposals(node)],
    "/pools/{name}/ledger": lambda d: [Visit("a", "/pools/garden/ledger"),
                                       Visit("b", "/pools/bikes/ledger")],
    "/pools/{name}/ledger/pay": lambda d: [
        Visit("a", f"/pools/garden/ledger/pay?proposal={d.seed_trays()}", ("steward",))],
    # The asset register (content negotiation): garden's rack, booked by dan; bikes has none.
    "/pools/{name}/assets": lambda d: [Visit("a", "/pools/garden/assets"),
                                       Visit("b", "/pools/bikes/assets")],
    "/pools/{name}/assets/{key}": lambda d: [Visit("a", d.asset("tray rack"))],
    # The capital call of garden's wheelbarrow: a third paid, the rest owed (a treasurer sees
    # the payment and cancel forms).
    "/pools/{name}/proposals/{key}/call": lambda d: [Visit("a", d.path("wheelbarrow") + "/call")],
    # The share register: members only (its types, who holds what, the patronage form).
    "/pools/{name}/shares": lambda d: [Visit("a", "/pools/garden/shares", SIGNED_IN),
                                       Visit("b", "/pools/bikes/shares", SIGNED_IN)],
    "/pools/{name}/capital": lambda d: [
        Visit("a", "/pools/garden/capital", SIGNED_IN),
        Visit("a", f"/pools/garden/capital?person={d.nodes.url('a')}/users/dan", ("steward",))],
    "/pools/{name}/invitations": lambda d: [Visit("a", "/pools/garden/invitations", SIGNED_IN)],
    "/pools/{name}/moderation": lambda d: [Visit("a", "/pools/garden/moderation", SIGNED_IN)],
    "/pools/{name}/floods": lambda d: [Visit("a", "/pools/garden/floods"),
                                       Visit("b", "/pools/bikes/floods"),
                                       Visit("c", "/pools/kitchen/floods")],
    # Discussions (content negotiation): a list, an empty one, threads with a reply, a comment
    # folded away (hana's: she is not a member yet) and a hidden one; each author's edit page.
    "/pools/{name}/discussions": lambda d: [Visit("a", "/pools/garden/discussions", WITH_APPLICANT),
                                            Visit("b", "/pools/bikes/discussions"),
                                            Visit("c", "/pools/kitchen/discussions")],
    "/pools/{name}/discussions/{key}": lambda d: [
        Visit("a", d.discussion("raised beds", "a"), WITH_APPLICANT),
        Visit("b", d.discussion("saturdays", "b"))],
    "/pools/{name}/comments/{comment}/edit": lambda d: [
        Visit("a", d.edit("boards"), ("member",)), Visit("a", d.edit("hana"), ("applicant",)),
        Visit("b", d.edit("sign"), ("steward",))],
}


@dataclass(frozen=True)
class Mistake:
    """A form sent with a mistake: the page that comes back shows it beside the field."""

    node: str
    role: str
    path: Callable[[Demo], str]
    typed: tuple[tuple[str, str], ...]  # (label, what is typed)
    button: str
    # (label, text) of each field that comes back marked invalid, its error beside it (its
    # aria-describedby), with the text that was typed still in it.
    beside: tuple[tuple[str, str], ...] = ()
    # Sent as a client that does not enforce maxlength would (a browser stops the typing there):
    # the server's own limit answers.
    unlimited: bool = False


# Every form whose answer to a mistake is a page of its own state (errors beside the fields).
MISTAKES = [
    Mistake("a", "anonymous", lambda d: "/signin", (("Username", "nobody"), ("Password", "not it at all")),
            "Sign in"),
    Mistake("a", "anonymous", lambda d: "/signup", (("Username", "Not A Name"), ("Password", "short"),
                                                    ("The same password again", "other")),
            "Create my account"),
    Mistake("a", "anonymous", lambda d: d.welcome, (("New password", "short"),), "Set my password and sign in"),
    Mistake("a", "anonymous", lambda d: d.invite("garden", "a"), (("Username", "Not A Name"),),
            "Create my account and apply"),
    Mistake("a", "member", lambda d: "/settings", (("Current password", "not my password"),),
            "Change password"),
    Mistake("a", "member", lambda d: "/create-pool", (), "Create the pool and see its bylaws"),
    Mistake("a", "member", lambda d: "/pools/garden/proposals", (), "Open the proposal"),
    Mistake("a", "member", lambda d: "/pools/garden/floods", (), "Open the flood proposal"),
    Mistake("a", "steward", lambda d: "/pools/garden/ledger", (("Amount in EUR", "12.345"),),
            "Record the contribution"),
    Mistake("a", "steward", lambda d: "/pools/garden/shares", (("Patronage in EUR", "12.345"),),
            "Record the patronage", beside=(("Patronage in EUR", "12.345"),)),
    Mistake("a", "steward", lambda d: "/pools/garden/invitations", (("Valid for how many days", "0"),),
            "Make an invite link"),
    Mistake("a", "steward", lambda d: "/pools/garden/moderation",
            (("Account or domain", "not a domain!"), ("Why? (logged for the other stewards)", "spam")),
            "Block", beside=(("Account or domain", "not a domain!"),)),
    Mistake("a", "steward", lambda d: "/pools/garden/assets", (("Price paid in EUR", "12.345"),),
            "Register and book the purchase"),
    Mistake("a", "steward", lambda d: f"/pools/garden/ledger/pay?proposal={d.seed_trays()}",
            (("Amount paid to Garden centre in EUR", "500"), ("Payment reference", "invoice 1")),
            "Record the payment"),
    # A comment of spaces only; a discussion with no title and too long a text; an edit too long.
    Mistake("a", "member", lambda d: d.discussion("raised beds", "a"), (("Your comment", "   "),),
            "Post the comment", beside=(("Your text", "   "),)),
    Mistake("a", "member", lambda d: "/pools/garden/discussions",
            (("Title", ""), ("What do you want to talk about?", "x" * 5001)), "Start the discussion",
            beside=(("Title", ""), ("What do you want to talk about?", "x" * 5001)), unlimited=True),
    Mistake("a", "member", lambda d: d.edit("boards"), (("Your text", "y" * 5001),), "Save",
            beside=(("Your text", "y" * 5001),), unlimited=True),
    # The open budget round in commons, where ana (the steward) is the one member.
    Mistake("a", "steward", lambda d: d.path("summer round"), (("The least it needs, in EUR", "12.345"),),
            "Propose this bucket"),
    Mistake("a", "steward", lambda d: d.path("summer round"), (("To Hall chairs", "45"),),
            "Save my allocation"),
    # A pool to witness that is not a handle.
    Mistake("a", "steward", lambda d: "/pools/garden", ((WITNESS_FIELD, "not a handle!"),),
            "Witness this pool", beside=((WITNESS_FIELD, "not a handle!"),)),
]
_COLLECTION = "an ActivityStreams collection (JSON) for ActivityPub clients"
_DOCUMENT = "an ActivityPub document (JSON) another node verifies and recounts"
# Every other GET route, and why it is not a page.
SKIPPED: dict[str, str] = {
    "/.well-known/webfinger": "WebFinger (JRD JSON), for finding an account by its handle",
    "/.well-known/nodeinfo": "NodeInfo discovery links (JSON)",
    "/nodeinfo/2.1": "NodeInfo (JSON) about the node's software and usage",
    "/.well-known/host-meta": "host-meta (XRD XML), for WebFinger clients",
    "/{kind}/{name}/outbox": _COLLECTION,
    "/{kind}/{name}/inbox": _COLLECTION + ", readable by its owner's token only",
    "/{kind}/{name}/followers": _COLLECTION,
    "/{kind}/{name}/following": _COLLECTION,
    "/pools/{name}/members": _COLLECTION,
    "/{what}/{key}": "an activity or object (JSON) of the node's outboxes",
    "/ns/v1": "the JSON-LD context of the governance vocabulary",
    "/pools/{name}/proposals/{key}/electorate": _DOCUMENT,
    "/pools/{name}/proposals/{key}/question": _DOCUMENT,
    "/pools/{name}/proposals/{key}/tally": _DOCUMENT,
    "/pools/{name}/proposals/{key}/effect": _DOCUMENT,
    "/pools/{name}/proposals/{key}/ballots": _COLLECTION,
    "/pools/{name}/proposals/{key}/live": "the live tally (JSON) the proposal page's script polls",
    "/pools/{name}/proposals/{key}/result": "a budget round's signed result (JSON), for recounting",
    "/pools/{name}/proposals/{key}/buckets": _COLLECTION,
    "/pools/{name}/proposals/{key}/buckets/{number}": _DOCUMENT,
    "/pools/{name}/proposals/{key}/allocations": _COLLECTION,
    "/pools/{name}/applications": _COLLECTION,
    "/pools/{name}/ledger/balances": _DOCUMENT,
    "/pools/{name}/ledger/{sequence}": _DOCUMENT,
    "/pools/{name}/ledger.csv": "a CSV download linked from the ledger page",
    "/pools/{name}/balances.csv": "a CSV download linked from the ledger page",
    "/pools/{name}/members.csv": "a CSV download linked from the ledger page",
    "/pools/{name}/floods/tally": _DOCUMENT,
    "/pools/{name}/floods/proposals/{key}": _DOCUMENT,
    "/pools/{name}/floods/electorates/{key}": _DOCUMENT,
    "/pools/{name}/floods/ballots/{key}": _COLLECTION,
    "/pools/{name}/floods/attestations/{key}": _DOCUMENT,
    "/pools/{name}/floods/{slug}": "a flood's document (JSON): its pools, for other nodes",
    "/remote": "what this node verified of other nodes' pools (JSON)",
    "/static": "the style sheet and scripts the pages load",
    "/language/{code}": "a link that chooses the pages' language (a cookie) and goes back (303)",
    "/pools/{name}/discussions/{key}/replies": _COLLECTION + ": a discussion's comments",
    "/pools/{name}/witnesses": _COLLECTION + ": the latest attestation of each witness",
    "/pools/{name}/witnessing": _COLLECTION + ": the pool's attestations of other ledgers",
    "/pools/{name}/witnessing/{key}/{number}": _DOCUMENT,
    "/pools/{name}/conflicts": _COLLECTION + ": the ledger conflicts (alarms) the pool holds",
    "/pools/{name}/conflicts/{key}": _DOCUMENT,
    "/pools/{name}/recounts/{key}": _DOCUMENT,
    "/pools/{name}/proposals/{key}/replies": _COLLECTION + ": a proposal's comments",
    "/pools/{name}/bookings/{key}": "a booking's Event (JSON), as the pool federates it",
    "/pools/{name}/bookings.ics": "an iCalendar feed of the pool's bookings, linked from its assets page",
    "/pools/{name}/assets/{key}/bookings.ics": "an iCalendar feed of one asset's bookings, linked from its page",
}
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
