"""A node with something on every page, for the tests that read every page in a language.

Everything the test itself writes (names, titles, options, payees, references, notes) holds
``qx``, so a page check can tell the test's data from the node's own words. The pool is
``qxgarden``: qxana is its steward and treasurer, qxben a member, qxcara an applicant, qxdan
has an account and no pool; ``qxorchard`` is a second pool in a flood with qxgarden, whose
bylaws refuse replies from outside it. Every proposal kind and ballot type the form offers is
made through the web forms, some left open, some closed. qxgarden has a discussion with a
comment, a reply, a deleted comment, a hidden one, one from outside the pool (folded away) and
more than a page of them, a proposal started from it, and a deleted discussion; two closed
proposals have outcome statements (one hidden), one waits for its outcome. qxgarden's budget
round is closed (one bucket funded, one not), qxorchard's is open under other round rules
(stewards propose, a bucket window, private allocations).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient, TestServer

from governance import AdmissionPolicy, BucketProposers, Bylaws, OutsideReplies
from node.accounts import create_member, create_pool, join_pool, now_iso
from node.app import create_app
from node.appkeys import ACTORS, CONFIG, DB, FOLLOWS, LANGUAGES
from node.assets import assets
from node.assets.bookings import bookings
from node.config import Config, write_config
from node.discussion import discussions
from node.pool_engine import close_due
from node.storage import ActorStore, Database, InvitationStore
from node.web.i18n import Language
from node.web.outbox import post_as
from node.web.welcome import issue_signin_link, token_hash
from tests.web.helpers import HTML, PASSWORD, csrf_of, set_password

__all__ = ["DATA", "Browser", "World", "world"]

BASE = "http://node.test"
POOL, OTHER = "qxgarden", "qxorchard"
# A thread page holds this many comments: the discussion has more, so it links to later ones.
THREAD_PAGE = 5
# The test's data as it shows on pages without "qx" in it: the node's domain and currency.
DATA = ("node.test", "EUR")


class Browser:
    """One person's browser: its own cookies, HTML accepted, redirects not followed."""

    def __init__(self, client: TestClient, cookies: dict[str, str] | None = None) -> None:
        self.client = client
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        if cookies:
            self.session.cookie_jar.update_cookies(cookies, client.make_url("/"))

    async def get(self, path: str, headers: dict[str, str] | None = None) -> aiohttp.ClientResponse:
        """GET as a browser does."""
        return await self.session.get(self.client.make_url(path), headers={**HTML, **(headers or {})},
                                      allow_redirects=False)

    async def text(self, path: str) -> str:
        """The HTML of a page."""
        async with await self.get(path) as response:
            return await response.text()

    async def post(self, path: str, data: dict[str, str], from_page: str | None = None,
                   *, expect: int | None = 303) -> aiohttp.ClientResponse:
        """POST a form with the CSRF token of the page it is on."""
        token = csrf_of(await self.text(from_page or path))
        response = await self.session.post(self.client.make_url(path), data={"csrf": token, **data},
                                           headers=HTML, allow_redirects=False)
        if expect is not None:
            assert response.status == expect, (path, response.status, (await response.text())[:600])
        return response

    async def sign_in(self, username: str) -> None:
        """Sign in through the form."""
        await self.post("/signin", {"username": username, "password": PASSWORD})

    async def close(self) -> None:
        """Forget the cookies."""
        await self.session.close()


@dataclass
class World:
    """The node, a browser per role, and a sample value for every parameter a page's URL has."""

    client: TestClient
    anonymous: Browser
    member: Browser
    steward: Browser
    samples: dict[str, list[str]] = field(default_factory=dict)
    pages: dict[str, str] = field(default_factory=dict)
    """Where the thread states show: "discussion", "outcome", "hidden outcome", "no outcome yet",
    "from a discussion", "members only" (a thread qxben may read but not post in)."""

    @property
    def browsers(self) -> dict[str, Browser]:
        """The roles the pages are read as."""
        return {"anonymous": self.anonymous, "member": self.member, "steward": self.steward}


async def _seed(data_dir: Path) -> Config:
    data_dir.mkdir(parents=True, exist_ok=True)
    config = Config(data_dir=data_dir, base_url=BASE, thread_page_size=THREAD_PAGE)
    write_config(config)
    db = Database.for_config(config)
    await db.open()
    try:
        actors = ActorStore(db)
        garden = await create_pool(config, actors, POOL, purpose="Qxseeds, qxtools.",
                                   display_name="Qxgarden")
        bylaws = Bylaws.from_dict(json.loads(await actors.bylaws_json(garden.id)))
        await actors.set_bylaws_json(garden.id, json.dumps(replace(
            bylaws, name="Qxgarden", purpose="Qxseeds, qxtools.", min_share=2000,
            admission=AdmissionPolicy.STEWARD).to_dict()))
        orchard = await create_pool(config, actors, OTHER, purpose="Qxapples.",
                                    display_name="Qxorchard")
        bylaws = Bylaws.from_dict(json.loads(await actors.bylaws_json(orchard.id)))
        await actors.set_bylaws_json(orchard.id, json.dumps(replace(
            bylaws, outside_replies=OutsideReplies.REFUSED, bucket_proposers=BucketProposers.STEWARDS,
            bucket_window=timedelta(days=1), allocations_visible=False).to_dict()))
        names = {"qxana": "Qxana", "qxben": "Qxben", "qxcara": "Qxcara", "qxdan": "Qxdan"}
        people = {u: await create_member(config, actors, u, display_name=n) for u, n in names.items()}
        await join_pool(actors, garden, people["qxana"].uri, ("member", "steward", "treasurer"))
        await join_pool(actors, garden, people["qxben"].uri)
        await join_pool(actors, orchard, people["qxana"].uri, ("member", "steward", "treasurer"))
    finally:
        await db.close()
    return config


async def _propose(steward: Browser, pool: str, fields: dict[str, str]) -> str:
    response = await steward.post(f"/pools/{pool}/propose", fields, f"/pools/{pool}/proposals")
    return str(response.headers["Location"])


async def _bucket(browser: Browser, url: str, title: str, least: str, most: str) -> None:
    await browser.post(url + "/buckets", {"title": title, "description": title + ".",
                                          "min_goal": least, "max_goal": most}, url)


async def _vote(browser: Browser, url: str, *pairs: tuple[str, str]) -> None:
    form = aiohttp.FormData([("csrf", csrf_of(await browser.text(url))), *pairs])
    async with browser.session.post(browser.client.make_url(url + "/vote"), data=form, headers=HTML,
                                    allow_redirects=False) as response:
        assert response.status == 303, (url, response.status, (await response.text())[:600])


async def _fill(world: World) -> None:
    app, ana, ben = world.client.server.app, world.steward, world.member
    garden = f"/pools/{POOL}"
    await ana.post(garden + "/ledger/record", {"person": f"{BASE}/users/qxben", "amount": "50",
                                               "reference": "qx-transfer-17"}, garden + "/ledger")
    # A budget round of EUR 20 (10 each): qxseedbox reaches its minimum, qxshed does not.
    spring = await _propose(ana, POOL, {"title": "Qxspring", "kind": "budget_round", "pot": "20",
                                        "text": "Qxspring."})
    await _bucket(ana, spring, "Qxseedbox", "5", "15")
    await _bucket(ben, spring, "Qxshed", "10", "20")
    await ana.post(spring + "/allocate", {"give-1": "10"}, spring)
    await ben.post(spring + "/allocate", {"give-1": "5", "give-2": "5"}, spring)
    drill = await _propose(ana, POOL, {"title": "Qxdrill", "kind": "disbursement", "text": "Qxdrill.",
                                       "amount": "30", "payee": "Qxshop"})
    van = await _propose(ana, POOL, {"title": "Qxvan", "kind": "disbursement", "text": "Qxvan.",
                                     "amount": "900", "payee": "Qxvans", "over_fund": "yes"})
    colour = await _propose(ana, POOL, {"title": "Qxcolour", "kind": "decision", "text": "Qxpaint.",
                                        "ballot_type": "ranked_choice", "options": "Qxred\nQxblue\nQxgreen"})
    for url in (drill, van):
        await _vote(ana, url, ("choice", "agree"))
        await _vote(ben, url, ("choice", "agree"))
    await _vote(ana, colour, ("rank-1", "Qxred"), ("rank-2", "Qxblue"))
    await _vote(ben, colour, ("rank-1", "Qxblue"), ("rank-2", "Qxgreen"))
    # A flood: both pools pass a join_flood proposal naming each other (as tests/web do).
    river = f"{BASE}/pools/{POOL}/floods/qxriver"
    await _propose(ana, POOL, {"title": "Qxjoin", "kind": "join_flood", "peer": f"@{OTHER}@node.test",
                               "flood_name": "Qxriver"})
    await _propose(ana, OTHER, {"title": "Qxjoin", "kind": "join_flood", "peer": f"@{POOL}",
                                "flood_name": river})
    joins = await _open_proposals(app)
    for url in joins:
        await _vote(ana, url, ("choice", "agree"))
    world.pages["members only"] = next(u for u in joins if u.startswith(f"/pools/{OTHER}/"))
    await close_due(app, datetime.now(UTC) + timedelta(days=8))
    pools = (f"{BASE}/pools/{POOL}", f"{BASE}/pools/{OTHER}")
    for a, b in (pools, pools[::-1]):
        await app[FOLLOWS].put(a, b, f"{a}#follow", "accepted", now_iso())
    await ana.post(garden + "/ledger/pay", {"proposal": BASE + drill, "amount": "10",
                                            "reference": "qx-invoice-4"}, garden + "/ledger")
    # A shared asset bought with EUR 5 of the drill's commitment, kept and booked by qxben.
    await ana.post(garden + "/assets", {
        "name": "Qxrack", "kind": "tool", "tenure": "owned", "commitment": BASE + drill,
        "purchase": "5", "acquired": "2025-01-10", "reference": "qx-invoice-5",
        "keeper": f"{BASE}/users/qxben", "depreciation": "1", "period": "month"}, garden + "/assets")
    rack = (await assets(app).of_pool((await app[ACTORS].get(POOL, "pool")).id))[0].uri
    rack_page = f"{garden}/assets/{rack.rsplit('/', 1)[-1]}"
    day = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%d")
    await ben.post(rack_page + "/bookings", {"start_date": day, "start_time": "09:00",
                                             "end_date": day, "end_time": "10:00",
                                             "note": "Qxsowing"}, rack_page)
    booked = [b.uri for b in await bookings(app).of_pool((await app[ACTORS].get(POOL, "pool")).id)]
    await ana.post(garden + "/floods/propose", {"flood": river, "title": "Qxsharedvan",
                                                "kind": "decision", "text": "Qxboth."},
                   garden + "/floods")
    # qxorchard's round stays open: its fund gets qxana's contribution first.
    await ana.post(f"/pools/{OTHER}/ledger/record", {"person": f"{BASE}/users/qxana", "amount": "10",
                                                     "reference": "qx-cash-1"}, f"/pools/{OTHER}/ledger")
    summer = await _propose(ana, OTHER, {"title": "Qxsummer", "kind": "budget_round", "pot": "10"})
    await _bucket(ana, summer, "Qxladder", "2", "8")
    await ana.post(summer + "/allocate", {"give-1": "4"}, summer)
    # Open proposals of every other kind and ballot type, for the forms and the live tallies.
    opened = [
        await _propose(ana, POOL, {"title": "Qxapprove", "kind": "decision", "text": "Qxpick.",
                                   "ballot_type": "approval", "options": "Qxtea\nQxcoffee"}),
        await _propose(ana, POOL, {"title": "Qxsingle", "kind": "decision", "text": "Qxone.",
                                   "ballot_type": "single_choice", "options": "Qxmon\nQxtue"}),
        await _propose(ana, POOL, {"title": "Qxconsent", "kind": "decision", "text": "Qxok?"}),
        await _propose(ana, POOL, {"title": "Qxrules", "kind": "bylaws_change",
                                   "new_threshold_comparator": "at_least", "new_threshold": "2/3",
                                   "new_quorum": "1/2", "new_voting_period": "7 days",
                                   "new_admission": "steward", "new_min_share": "20",
                                   "new_block_vetoes": "on", "new_amendment_comparator": "at_least",
                                   "new_amendment_threshold": "3/4", "new_visibility": "public",
                                   "new_funding_wait": "90 days", "new_commitment_lapse": ""}),
        await _propose(ana, POOL, {"title": "Qxrole", "kind": "role_change", "person": "@qxben",
                                   "role": "treasurer", "role_change": "grant"}),
        await _propose(ana, POOL, {"title": "Qxexpel", "kind": "expulsion", "person": "@qxben"}),
    ]
    await _vote(ben, opened[2], ("choice", "block"))
    await _vote(ben, opened[0], ("choice", "Qxtea"), ("choice", "Qxcoffee"))
    cara = Browser(world.client)
    await cara.sign_in("qxcara")
    await cara.post(garden + "/join", {}, garden + "/join")
    await cara.close()
    invitations = InvitationStore(app[DB])
    token = secrets.token_urlsafe(24)
    ana_id = (await app[ACTORS].get("qxana", "member")).id
    pool_id = (await app[ACTORS].get(POOL, "pool")).id
    await invitations.create(pool_id, token_hash(token), ana_id, "Qxpay qxtransfer", now_iso(),
                             "2099-01-01T00:00:00Z", 5)
    link = await issue_signin_link(app[CONFIG], invitations, await app[ACTORS].get("qxdan", "member"))
    membership = (await app[ACTORS].memberships_of_pool(pool_id, state="applicant"))[0].id
    talks, comments = await _discuss(world, drill, colour)
    world.pages["no outcome yet"] = van
    world.samples.update({
        "key": [u.rsplit("/", 1)[-1] for u in (drill, van, colour, spring, summer, *opened, *talks,
                                                rack, *booked)],
        "comment": comments,
        "action": ["hide", "show"],
        "token": [token, link.url.rsplit("/", 1)[-1]],
        "membership": [str(membership)],
        "code": ["es", "en"],
        "token_id": ["1"],
        "invitation": ["1"],
        # The bylaws as files (the .html one is a page) and the versions of the bylaws.
        "ext": ["html", "md"],
        "number": ["1"],
    })


async def _comment(browser: Browser, thread: str, text: str, reply_to: str | None = None,
                   outcome_of: str | None = None) -> int:
    """Post a comment (a reply, an outcome statement) through the thread's form; its row id."""
    fields = {"text": text, "in_reply_to": reply_to or BASE + thread}
    if outcome_of:
        fields = {"text": text, "outcome_of": BASE + outcome_of}
    response = await browser.post(f"/pools/{POOL}/comments", fields, thread)
    return int(response.headers["Location"].rsplit("#comment-", 1)[1])


async def _discuss(world: World, drill: str, colour: str) -> tuple[list[str], list[str]]:
    """Discussions, their comments and outcome statements; the discussions' URLs and the rows
    of comments one edits (each role's own, a hidden one, an outcome statement)."""
    app, ana, ben = world.client.server.app, world.steward, world.member
    garden = f"/pools/{POOL}"
    response = await ben.post(garden + "/discussions", {
        "title": "Qxtools", "text": "Qxwhich qxtools, @qxana? Qxsee https://qx.example/qxlist"},
        garden + "/discussions")
    talk = str(response.headers["Location"])
    first = await _comment(ana, talk, "Qxdrill qxfirst.")
    row = await discussions(app).comment_by_row(first)
    assert row is not None
    reply = await _comment(ben, talk, "Qxagreed.", reply_to=row.uri)
    oops = await _comment(ben, talk, "Qxoops.")
    await ben.post(f"{garden}/comments/{oops}/delete", {}, talk)
    spam = await _comment(ben, talk, "Qxcheap qxdrills!")
    await ana.post(f"{garden}/comments/{spam}/hide", {"reason": "Qxadvert"}, talk)
    dan = Browser(world.client)
    await dan.sign_in("qxdan")
    await _comment(dan, talk, "Qxnice qxpool.")  # from outside the pool: folded away
    await dan.close()
    for text in ("Qxsaw qxnext.", "Qxladder qxlast."):  # past the first page of the thread
        await _comment(ana, talk, text)
    world.pages["discussion"] = talk
    world.pages["from a discussion"] = await _propose(ana, POOL, {
        "title": "Qxbuy", "kind": "decision", "text": "Qxbuy qxit.", "discussion": BASE + talk})
    # A discussion its author deleted (there is no web form for that: its C2S Delete).
    gone = await ben.post(garden + "/discussions", {"title": "Qxgone", "text": "Qxsoon qxgone."},
                          garden + "/discussions")
    deleted = await discussions(app).discussion(BASE + gone.headers["Location"])
    assert deleted is not None
    await post_as(app, await app[ACTORS].get("qxben", "member"),
                  {"type": "Delete", "object": deleted.source_uri})
    outcome = await _comment(ana, drill, "Qxbought qxit.", outcome_of=drill)
    hidden = await _comment(ana, colour, "Qxred qxwon.", outcome_of=colour)
    await ana.post(f"{garden}/comments/{hidden}/hide", {"reason": "Qxwrong"}, colour)
    world.pages.update({"outcome": drill, "hidden outcome": colour})
    keys = [talk.rsplit("/", 1)[-1], str(gone.headers["Location"]).rsplit("/", 1)[-1]]
    return keys, [str(n) for n in (first, reply, spam, outcome)]


async def _open_proposals(app: Any) -> list[str]:
    from node.pool_engine.common import store

    pools = [(await app[ACTORS].get(name, "pool")) for name in (POOL, OTHER)]
    rows = await store(app).open_proposals_of_pools(sorted(p.id for p in pools))
    by_id = {p.id: p.username for p in pools}
    return [f"/pools/{by_id[r.pool_id]}/proposals/{r.uri.rsplit('/', 1)[-1]}" for r in rows
            if r.proposal.get("title") == "Qxjoin"]


async def world(tmp_path: Path, cookies: dict[str, str],
                languages: tuple[Language, ...] = ()) -> AsyncIterator[World]:
    """The node with its data (speaking ``languages`` too), and a browser per role, each
    sending ``cookies``."""
    config = await _seed(tmp_path / "data")
    app = create_app(config)
    async with TestClient(TestServer(app)) as client:
        for language in languages:
            app[LANGUAGES].add(language)
        for username in ("qxana", "qxben", "qxcara", "qxdan"):
            await set_password(client, username)
        made = World(client, Browser(client, cookies), Browser(client, cookies),
                     Browser(client, cookies))
        await made.member.sign_in("qxben")
        await made.steward.sign_in("qxana")
        try:
            await _fill(made)
            yield made
        finally:
            for browser in made.browsers.values():
                await browser.close()
