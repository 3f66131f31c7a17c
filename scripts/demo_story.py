"""What the demo's people do, step by step, through the web pages a person uses.

Three founders open the one-time sign-in link ``poolnode init`` printed and create a pool each
with the wizard; people sign up, ask to join or come in by an invite link; treasurers record
the shares paid; a steward admits; members make proposals of every kind and vote (consent,
single choice, approval, a ranking) and share out money in budget rounds (demo_budget.py); the
pools vote to link into a flood, which then decides a spending together (then they talk it over:
demo_talk.py). Every action is a form submitted by that person's browser (demo_web.py).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from demo_assets import share_an_asset
from demo_budget import open_round, spring_round
from demo_web import Browser, DemoError, Page

__all__ = ["PASSWORD", "POOLS", "Pool", "Story", "run"]

PASSWORD = "poolnode-demo"
T = TypeVar("T")


@dataclass(frozen=True)
class Pool:
    """One node of the demo and the pool its founder creates there."""

    node: str
    handle: str
    name: str
    purpose: str
    founder: str
    admission: str  # open, steward, vote
    share: str  # the minimum share, as typed into the wizard
    open_registrations: bool


POOLS = [
    Pool("a", "garden", "Green Street Garden", "Seeds, tools and a shed for the Green Street "
         "allotments.", "ana", "steward", "20", True),
    Pool("b", "bikes", "Bike Kitchen", "A repair stand and spare parts for the neighbourhood "
         "bike kitchen.", "ben", "open", "15", True),
    Pool("c", "kitchen", "Community Kitchen", "Pots, pans and a freezer for the community "
         "kitchen.", "cleo", "vote", "10", False),
]


@dataclass
class Story:
    """The nodes (URL and the founder's sign-in link by node name), the people's browsers, and
    what the demo made, for the summary."""

    urls: dict[str, str]
    signin_links: dict[str, str]
    vote_seconds: int
    say: Callable[[str], None]
    people: dict[str, Browser] = field(default_factory=dict)
    members: dict[str, list[str]] = field(default_factory=dict)
    proposals: dict[str, str] = field(default_factory=dict)
    invites: dict[str, str] = field(default_factory=dict)
    results: dict[str, str] = field(default_factory=dict)
    discussions: dict[str, str] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)  # a comment's URL (#comment-N) by label
    assets: dict[str, str] = field(default_factory=dict)  # an asset's page by label
    flood: str = ""

    def pool_url(self, pool: Pool) -> str:
        return f"{self.urls[pool.node]}/pools/{pool.handle}"

    def handle(self, pool: Pool) -> str:
        return f"@{pool.handle}@{self.urls[pool.node].removeprefix('http://')}"

    def browser(self, node: str, who: str) -> Browser:
        if who not in self.people:
            self.people[who] = Browser(self.urls[node], who)
        return self.people[who]

    async def close(self) -> None:
        for person in self.people.values():
            await person.close()


async def until(check: Callable[[], Awaitable[T | None]], seconds: float, what: str) -> T:
    """Poll ``check`` (a page read) until it answers; the demo fails with ``what`` otherwise."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = await check()
        if value:
            return value
        await asyncio.sleep(0.5)
    raise DemoError(f"timed out waiting for {what}")


# -- the people's actions, one form each ---------------------------------------------------------

async def fill(person: Browser, where: str, action: str, typed: dict[str, Any], **find: str) -> Page:
    """Open ``where``, fill the form that posts to ``action`` and submit it."""
    page = await person.open(where)
    return await person.submit(page.form(action, **find), typed)


def account(who: str) -> dict[str, str]:
    return {"username": who, "display_name": who.capitalize(), "password": PASSWORD,
            "password2": PASSWORD}


async def found_pool(story: Story, pool: Pool) -> None:
    """The founder sets a password through the sign-in link, then creates the pool."""
    founder = story.browser(pool.node, pool.founder)
    link = story.signin_links[pool.node]
    path = link.removeprefix(story.urls[pool.node])
    await fill(founder, link, path, {"password": PASSWORD, "password2": PASSWORD})
    page = await fill(founder, "/create-pool", "/create-pool", {
        "name": pool.name, "handle": pool.handle, "purpose": pool.purpose, "currency": "EUR",
        "min_share": pool.share, "threshold": "more_than:1/2", "quorum": "0",
        "voting_days": f"{story.vote_seconds} seconds", "admission": pool.admission})
    if not page.path.endswith(f"/pools/{pool.handle}/bylaws"):
        raise DemoError(f"creating {pool.name} ended at {page.url}")
    story.members[pool.handle] = [pool.founder]


async def sign_up_and_ask(story: Story, pool: Pool, who: str) -> None:
    person = story.browser(pool.node, who)
    await fill(person, "/signup", "/signup", account(who))
    await fill(person, f"/pools/{pool.handle}/join", f"/pools/{pool.handle}/join", {})


async def invite_link(story: Story, pool: Pool, note: str) -> str:
    steward = story.people[pool.founder]
    page = await fill(steward, f"/pools/{pool.handle}/invitations", f"/pools/{pool.handle}/invitations",
                      {"days": "30", "max_uses": "10", "note": note})
    story.invites[pool.handle] = page.by_id("new-link")
    return story.invites[pool.handle]


async def accept_invite(story: Story, pool: Pool, who: str, link: str, reference: str) -> None:
    person = story.browser(pool.node, who)
    page = await fill(person, link, link.removeprefix(story.urls[pool.node]),
                      {**account(who), "reference": reference})
    if not page.path.endswith("/application"):
        raise DemoError(f"{who}'s application ended at {page.url}")


async def record_share(story: Story, pool: Pool, who: str, reference: str) -> None:
    treasurer = story.people[pool.founder]
    await fill(treasurer, f"/pools/{pool.handle}/ledger", f"/pools/{pool.handle}/ledger/record",
               {"person": f"{story.urls[pool.node]}/users/{who}", "amount": pool.share,
                "reference": reference})


async def admit(story: Story, pool: Pool, who: str) -> None:
    steward = story.people[pool.founder]
    page = await steward.open(f"/pools/{pool.handle}")
    await steward.submit(page.form(button=f"Admit {who.capitalize()}"))
    story.members[pool.handle].append(who)


async def propose(story: Story, pool: Pool, who: str, label: str, typed: dict[str, Any]) -> str:
    """A member opens a proposal with the proposals page's form; its page's path."""
    page = await fill(story.people[who], f"/pools/{pool.handle}/proposals",
                      f"/pools/{pool.handle}/propose", typed)
    if "/proposals/" not in page.path:
        raise DemoError(f"{who}'s proposal {typed['title']!r} ended at {page.url}")
    story.proposals[label] = page.url
    return page.path


async def vote(story: Story, who: str, proposal: str, choice: str | list[str]) -> None:
    """Cast a ballot with the proposal page's form: a choice, ticked options, or a ranking."""
    person = story.people[who]
    page = await person.open(proposal)
    form = page.form(proposal + "/vote")
    if any(control.name == "rank-1" for control in form.controls):
        typed: dict[str, Any] = {f"rank-{n}": option for n, option in enumerate(choice, 1)}
    else:
        typed = {"choice": choice}
    await person.submit(form, typed)


async def outcome(story: Story, who: str, proposal: str) -> str | None:
    """The result on the proposal page once voting closed (None while it is open): the badge,
    and for a choice among options the option that won."""
    page = await story.people[who].open(proposal)
    shown = page.data_field("outcome")
    if not shown or shown[0] != "winner":
        return shown[0] if shown else None
    ranked = re.search(r"Winner after ([0-9]+) rounds?: <strong>(.*?)</strong>", page.html)
    if ranked:
        return f"{ranked[2]} won after {ranked[1]} rounds of instant runoff"
    counts = {o: int(n) for o, n in re.findall(r'data-count="([^"]+)">([0-9]+)<', page.html)}
    best = max(counts, key=lambda o: counts[o])
    return f"{best} won ({', '.join(f'{o} {n}' for o, n in counts.items())})"


async def settle(story: Story) -> None:
    """Wait until every proposal made so far has closed; keep each result for the summary."""
    founders = {pool.node: pool.founder for pool in POOLS}
    for label, url in story.proposals.items():
        node = next(n for n, base in story.urls.items() if url.startswith(base + "/"))
        path = url.removeprefix(story.urls[node])
        story.results[label] = await until(lambda who=founders[node], path=path: outcome(story, who, path),
                                           story.vote_seconds + 60, f"the result of {label!r}")


# -- the story -----------------------------------------------------------------------------------

async def gather(story: Story) -> None:
    """Each founder creates a pool; people join it by the paths the pool's rules allow."""
    garden, bikes, kitchen = POOLS
    story.say("\n1. Three founders sign in with the link 'poolnode init' printed and create a pool each.")
    for pool in POOLS:
        await found_pool(story, pool)
        story.say(f"   {pool.founder} created {pool.name} at {story.pool_url(pool)} "
                  f"(admission: {pool.admission}, minimum share EUR {pool.share})")

    story.say("\n2. People join: by signing up and asking, or by a steward's invite link.")
    await sign_up_and_ask(story, garden, "dan")
    link = await invite_link(story, garden, "Pay the EUR 20 share by transfer to the garden's account.")
    await accept_invite(story, garden, "eve", link, "transfer 1187")
    await sign_up_and_ask(story, garden, "hana")
    await sign_up_and_ask(story, bikes, "finn")
    link = await invite_link(story, kitchen, "Bring the EUR 10 share to the next cooking night.")
    await accept_invite(story, kitchen, "gus", link, "cash at cooking night")
    story.say("   garden: dan signed up and asked; eve came by an invite link; hana asked too")
    story.say("   bikes: finn signed up and joined; kitchen (sign-up closed): gus came by an invite link")

    story.say("\n3. Treasurers record the shares paid; a steward admits; the kitchen votes on gus.")
    for pool, people in ((garden, ["ana", "dan", "eve"]), (bikes, ["ben", "finn"]),
                         (kitchen, ["cleo", "gus"])):
        for who in people:
            await record_share(story, pool, who, f"share of {who}")
    await admit(story, garden, "dan")
    await admit(story, garden, "eve")
    story.members[bikes.handle].append("finn")
    admission = (await story.people["cleo"].open("/pools/kitchen/proposals")).links("/pools/kitchen/proposals/")
    story.proposals["admit gus"] = story.urls[kitchen.node] + admission[0][0]
    await vote(story, "cleo", admission[0][0], "agree")
    story.say("   garden: ana, dan, eve (hana waits); bikes: ben, finn; kitchen: cleo, and gus by vote")


async def decide(story: Story) -> None:
    """Garden decides by every ballot type; the three pools vote to link into a flood."""
    garden, _, kitchen = POOLS
    story.say(f"\n4. Garden decides (votes last {story.vote_seconds} s): every kind of ballot.")
    everyone = ["ana", "dan", "eve"]
    await spring_round(story)
    seeds = await propose(story, garden, "dan", "seed trays", {
        "title": "Buy seed trays", "kind": "disbursement", "amount": "15", "payee": "Garden centre",
        "text": "Forty seed trays for the spring sowing."})
    for who, choice in zip(everyone, ["agree", "agree", "disagree"], strict=True):
        await vote(story, who, seeds, choice)
    day = await propose(story, garden, "eve", "work day", {
        "title": "Which day is our work day?", "kind": "decision", "ballot_type": "ranked_choice",
        "options": "Saturday\nSunday\nWednesday", "text": "Rank the days that suit you."})
    for who, ranking in zip(everyone, [["Saturday", "Sunday", "Wednesday"], ["Sunday", "Saturday"],
                                       ["Wednesday", "Sunday"]], strict=True):
        await vote(story, who, day, ranking)
    tools = await propose(story, garden, "ana", "tools", {
        "title": "Which tools do we share?", "kind": "decision", "ballot_type": "approval",
        "options": "Wheelbarrow\nHedge trimmer\nRotavator", "text": "Tick every tool worth sharing."})
    for who, ticked in zip(everyone, [["Wheelbarrow", "Rotavator"], ["Wheelbarrow"],
                                      ["Wheelbarrow", "Hedge trimmer"]], strict=True):
        await vote(story, who, tools, ticked)
    shed = await propose(story, garden, "dan", "shed colour", {
        "title": "What colour is the shed?", "kind": "decision", "ballot_type": "single_choice",
        "options": "Green\nBlue\nRed", "text": "One colour, one vote each."})
    for who, colour in zip(everyone, ["Green", "Green", "Blue"], strict=True):
        await vote(story, who, shed, colour)
    quorum = await propose(story, garden, "ana", "quorum", {
        "title": "A third of us must take part", "kind": "bylaws_change", "new_quorum": "1/3"})
    role = await propose(story, garden, "ana", "dan treasurer", {
        "title": "Dan keeps the books too", "kind": "role_change", "person": "@dan",
        "role": "treasurer", "role_change": "grant", "text": "A second treasurer for the holidays."})
    barrow = await propose(story, garden, "eve", "wheelbarrow", {
        "title": "Buy a wheelbarrow together", "kind": "investment", "asset_name": "Wheelbarrow",
        "asset_kind": "tool", "tenure": "owned", "keeper": "@eve", "price": "30",
        "text": "A sturdy wheelbarrow for the beds: each of us pays a third."})
    for path in (quorum, role, barrow):
        for who in everyone:
            await vote(story, who, path, "agree")

    story.say("\n5. Each pool votes to link with the other two: a flood forms by mutual follows.")
    story.flood = f"{story.pool_url(garden)}/floods/commons"
    for pool in POOLS:
        for peer in POOLS:
            if peer is pool:
                continue
            # Garden names a new flood; the others join it by the address garden's page shows.
            path = await propose(story, pool, pool.founder, f"{pool.handle} links with {peer.handle}", {
                "title": f"Join the Commons flood with {peer.name}", "kind": "join_flood",
                "peer": story.handle(peer), "flood_name": "Commons" if pool is garden else story.flood})
            for who in story.members[pool.handle]:
                await vote(story, who, path, "agree")
    story.say(f"   votes cast; the proposals close after {story.vote_seconds} s ...")
    await settle(story)
    story.members[kitchen.handle].append("gus")
    for label in ("seed trays", "work day", "tools", "shed colour", "quorum", "dan treasurer",
                  "spring round"):
        story.say(f"   {label}: {story.results[label]}")
    for pool in POOLS:
        peers = [story.pool_url(p) for p in POOLS if p is not pool]

        async def linked(pool: Pool = pool, peers: list[str] = peers) -> bool:
            page = await story.people[pool.founder].open(f"/pools/{pool.handle}/floods")
            return all(f'href="{peer}"' in page.html for peer in peers)

        await until(linked, 90, f"the flood on {pool.name}'s flood page")
    story.say(f"   flood formed: {story.flood} ({', '.join(p.handle for p in POOLS)})")


async def flood_decides(story: Story) -> None:
    """Bike Kitchen proposes a shared cargo bike to the flood; every member votes in their pool."""
    story.say("\n6. The flood decides together: finn proposes a cargo bike for all three pools.")
    await fill(story.people["finn"], "/pools/bikes/floods", "/pools/bikes/floods/propose", {
        "title": "A shared cargo bike", "kind": "disbursement", "amount": "12",
        "payee": "Cargo bike co-op", "text": "A cargo bike every pool can borrow."}, flood=story.flood)
    for pool in POOLS:
        for who in story.members[pool.handle]:
            person, floods = story.people[who], f"/pools/{pool.handle}/floods"

            async def voted(person: Browser = person, floods: str = floods) -> bool:
                page = await person.open(floods)
                if "Vote in the flood" not in page.html:
                    return False  # not here yet: the proposal travels to each pool's node
                try:
                    await person.submit(page.form(floods + "/vote"), {"choice": "agree"})
                except DemoError:
                    return False  # the pool is still freezing its electorate and pledge
                return True

            await until(voted, 60, f"{who} to vote in the flood")

    async def final() -> str | None:
        page = await story.people["ben"].open("/pools/bikes/floods")
        found = re.search(r'badge outcome-([a-z_]+)">[a-z_]+</span><span class="badge">final', page.html)
        return found[1] if found else None

    story.results["cargo bike"] = await until(final, story.vote_seconds + 90, "the flood's result")
    people = sum(len(m) for m in story.members.values())
    story.say(f"   result: {story.results['cargo bike']} ({people} people across 3 pools)")


async def leave_things_to_see(story: Story) -> None:
    """A payment half made, an applicant waiting, and an open proposal that needs a vote."""
    garden = POOLS[0]
    story.say("\n7. Garden's treasurer pays part of the seed trays; ana opens a week-long ranked vote in commons.")
    await fill(story.people["ana"], f"/pools/{garden.handle}/ledger",
               f"/pools/{garden.handle}/ledger/pay", {"amount": "10", "reference": "invoice 311"},
               proposal=story.proposals["seed trays"])
    await share_an_asset(story, garden.node, garden.handle)
    call = story.proposals["wheelbarrow"].removeprefix(story.urls[garden.node]) + "/call"
    story.say("   eve pays her third of the wheelbarrow's capital call; ana records it")
    await fill(story.people["ana"], call, call + "/pay", {
        "person": f"{story.urls[garden.node]}/users/eve", "amount": "10", "reference": "cash"})
    page = await fill(story.people["ana"], "/pools/commons/proposals", "/pools/commons/propose", {
        "title": "When does the hall open to everyone?", "kind": "decision",
        "ballot_type": "ranked_choice", "options": "Sunday afternoon\nFriday evening\nSaturday morning",
        "text": "The hall opens once a week for anyone to use: rank the times that suit you."})
    story.proposals["hall"] = page.url


async def run(story: Story) -> None:
    """The whole story, in order."""
    await gather(story)
    await decide(story)
    await flood_decides(story)
    await leave_things_to_see(story)
    await open_round(story)
