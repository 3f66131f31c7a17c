"""The demo's budget rounds, clicked through the web pages like the rest of the story.

Garden shares out EUR 30 in a round that closes with the short votes: dan and eve each propose
a bucket, the three members allocate their equal EUR 10, and at the close the bucket that
reached its minimum is funded and set aside in the ledger while the rest stays in the fund. In
commons, whose votes last a week, ana opens a round that stays open: two buckets and her
allocation, for the pages to show.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from demo_web import Browser, DemoError, Page

if TYPE_CHECKING:
    from demo_story import Story

__all__ = ["open_round", "spring_round"]


async def _fill(person: Browser, where: str, action: str, typed: dict[str, str]) -> Page:
    page = await person.open(where)
    return await person.submit(page.form(action), typed)


async def _open(person: Browser, pool: str, title: str, pot: str, text: str) -> str:
    """Open a round with the proposals page's form; the round page's path."""
    page = await _fill(person, f"/pools/{pool}/proposals", f"/pools/{pool}/propose", {
        "title": title, "kind": "budget_round", "pot": pot, "text": text})
    if "/proposals/" not in page.path:
        raise DemoError(f"{person.who}'s round {title!r} ended at {page.url}")
    return page.path


async def _bucket(person: Browser, round_path: str, title: str, text: str, least: str,
                  most: str) -> None:
    """Propose a bucket with the round page's form (a refusal stops the demo with its reason)."""
    await _fill(person, round_path, round_path + "/buckets", {
        "title": title, "description": text, "min_goal": least, "max_goal": most})


async def _allocate(person: Browser, round_path: str, amounts: dict[str, str]) -> None:
    """Type an amount beside each named bucket of the allocation form, as its labels say, and
    save it."""
    page = await person.open(round_path)
    fields = {title: name for name, title in re.findall(r'<label for="(give-[0-9]+)">To (.*?)</label>',
                                                         page.html)}
    if not fields:
        raise DemoError(f"{person.who} sees no allocation form at {page.url}")
    await person.submit(page.form(round_path + "/allocate"),
                        {fields[title]: amount for title, amount in amounts.items()})


async def spring_round(story: Story) -> None:
    """Garden's round: opened, two buckets, every member's allocation; it closes with the votes."""
    ana, dan, eve = (story.people[who] for who in ("ana", "dan", "eve"))
    path = await _open(ana, "garden", "Spring round", "30",
                       "What the garden does this spring with EUR 30 of its fund.")
    story.proposals["spring round"] = ana.base_url + path
    await _bucket(dan, path, "Compost bins", "Two bins by the shed.", "10", "20")
    await _bucket(eve, path, "Rain barrel", "A barrel under the shed's gutter.", "20", "25")
    await _allocate(ana, path, {"Compost bins": "10"})
    await _allocate(dan, path, {"Compost bins": "5", "Rain barrel": "5"})
    await _allocate(eve, path, {"Rain barrel": "10"})
    story.say("   a budget round of EUR 30: EUR 10 each to allocate to dan's compost bins "
              "(at least EUR 10) and eve's rain barrel (at least EUR 20)")


async def open_round(story: Story) -> None:
    """Commons' round, open for a week: a contribution to its fund, two buckets, an allocation."""
    ana = story.people["ana"]
    story.say("\n8. In commons, ana records her contribution and opens a budget round for the summer.")
    await _fill(ana, "/pools/commons/ledger", "/pools/commons/ledger/record", {
        "person": f"{ana.base_url}/users/ana", "amount": "40", "reference": "first contribution"})
    path = await _open(ana, "commons", "Summer round", "40", "What the commons pays for this summer.")
    story.proposals["summer round"] = ana.base_url + path
    await _bucket(ana, path, "Hall chairs", "Twenty folding chairs for the hall.", "15", "30")
    await _bucket(ana, path, "Notice board", "A board by the door for the week's plans.", "10", "15")
    await _allocate(ana, path, {"Hall chairs": "20"})
    story.say(f"   open until next week: {story.proposals['summer round']}")
