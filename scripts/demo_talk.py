"""The demo's people talk things over, through the web pages: discussions, comments and replies.

Garden's members discuss raised beds (hana, who still waits to be admitted, joins in and is
shown folded away); a steward hides an advert with a reason everyone sees; an author corrects
a comment; a proposal grows out of the discussion; the author of a closed proposal states what
was decided. On Bike Kitchen's node two members plan repair Saturdays. A person comments only
through their own node's pages, in their own node's pools: a comment from another node arrives
by federation, which the web pages do not offer, so each thread here is one node's.
"""

from __future__ import annotations

import html
import re

from demo_story import POOLS, Pool, Story, fill, vote
from demo_web import DemoError, Page

__all__ = ["talk"]


def comment_anchor(page: Page, text: str) -> str:
    """The anchor (``comment-N``) of the comment on ``page`` whose text has ``text`` in it."""
    for anchor, body in re.findall(r'<article [^>]*id="(comment-[0-9]+)"[^>]*>(.*?)</article>',
                                   page.html, flags=re.S):
        if text in html.unescape(body):
            return str(anchor)
    raise DemoError(f"{page.url} shows no comment saying {text!r}")


async def start_discussion(story: Story, pool: Pool, who: str, label: str, title: str, text: str) -> str:
    page = await fill(story.people[who], f"/pools/{pool.handle}/discussions",
                      f"/pools/{pool.handle}/discussions", {"title": title, "text": text})
    if "/discussions/" not in page.path:
        raise DemoError(f"{who}'s discussion {title!r} ended at {page.url}")
    story.discussions[label] = page.url
    return page.path


async def comment(story: Story, pool: Pool, who: str, label: str, thread: str, text: str, *,
                  reply_to: str | None = None) -> str:
    """``who`` comments on a thread's page, or replies to the comment by ``reply_to`` (a name);
    the comment's anchor on the page."""
    page = await story.people[who].open(thread)
    form = page.form(f"/pools/{pool.handle}/comments", button="Post the reply" if reply_to else
                     "Post the comment", label=f"Your reply to {reply_to}" if reply_to else None)
    page = await story.people[who].submit(form, {"text": text})
    anchor = comment_anchor(page, text[:40])
    story.comments[label] = f"{story.urls[pool.node]}{thread}#{anchor}"
    return anchor


async def talk(story: Story) -> None:
    """Garden's members talk about raised beds (hana, not yet a member, joins in); ana hides an
    advert with a reason; dan corrects his comment; eve proposes from the discussion; dan states
    what became of the seed trays. On Bike Kitchen's node, ben and finn plan repair Saturdays."""
    garden, bikes, _ = POOLS
    story.say("\n8. Members talk: a discussion, comments, a reply, a hidden advert, a proposal from it.")
    beds = await start_discussion(story, garden, "eve", "raised beds", "Raised beds by the fence",
                                  "The border by the fence floods every spring. Shall we build raised "
                                  "beds there? @dan, is there wood for them?")
    boards = await comment(story, garden, "dan", "boards", beds,
                           "Eight old scaffold boards lie behind the shed: enough for two beds.")
    await comment(story, garden, "eve", "screws", beds, "Thanks, Dan. I will bring screws on Saturday.",
                  reply_to="Dan")
    await comment(story, garden, "ana", "trays", beds,
                  "Two beds, then. The new seed trays can stand on them once the frost is over.")
    await comment(story, garden, "hana", "hana", beds,  # hana is not a member yet: shown folded away
                  "I built beds like these at my last garden; happy to help once I am in.")
    advert = await comment(story, garden, "dan", "advert", beds,
                           "For sale: my old rotavator, 40 euros, call 555-0142.")
    await fill(story.people["ana"], beds, f"/pools/{garden.handle}/comments/"
               f"{advert.removeprefix('comment-')}/hide",
               {"reason": "Sales go on the notice board by the gate, please."})
    edit = f"/pools/{garden.handle}/comments/{boards.removeprefix('comment-')}/edit"
    if (edit, "Edit") not in (await story.people["dan"].open(beds)).links(edit):
        raise DemoError(f"{beds} offers dan no link to edit his comment")
    await fill(story.people["dan"], edit, edit, {
        "text": "Eight old scaffold boards lie behind the shed: enough for two beds of 2 m each."})
    page = await story.people["eve"].open(beds)  # "Make a proposal from this discussion"
    start = re.search(rf'href="(/pools/{garden.handle}/proposals\?discussion=[^"]+)"', page.html)
    if start is None:
        raise DemoError(f"{page.url} offers no link to make a proposal from the discussion")
    proposed = await fill(story.people["eve"], html.unescape(start[1]), f"/pools/{garden.handle}/propose", {
        "title": "Build two raised beds by the fence", "kind": "decision",
        "text": "Two beds of 2 m from the old scaffold boards, built on the next work day."})
    story.proposals["raised beds"] = proposed.url
    for who in ("eve", "dan"):
        await vote(story, who, proposed.path, "agree")
    seeds = story.proposals["seed trays"].removeprefix(story.urls[garden.node])
    await fill(story.people["dan"], seeds, f"/pools/{garden.handle}/comments", {
        "text": "Forty trays ordered from the Garden centre; EUR 10 paid (invoice 311), the rest on "
                "delivery."}, button="Publish the outcome")
    story.say(f"   {story.discussions['raised beds']}: eve, dan, ana and hana; the advert hidden")
    saturdays = await start_discussion(story, bikes, "ben", "saturdays", "Repair Saturdays",
                                       "Shall we open the stand every Saturday morning from April?")
    await comment(story, bikes, "finn", "first two", saturdays, "Yes! I can take the first two.")
    await comment(story, bikes, "ben", "sign", saturdays, "Great, I will put up a sign.", reply_to="Finn")
    story.say(f"   {story.discussions['saturdays']}: ben and finn")
