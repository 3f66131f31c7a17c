"""The home page's "needs your vote": open proposals in the reader's pools they have not voted on."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from governance import Proposal
from node.appkeys import ACTORS
from node.budget import buckets
from node.pool_engine.common import store
from node.web.sessions import current_user

__all__ = ["VoteDue", "needs_your_vote"]


@dataclass(frozen=True, slots=True)
class VoteDue:
    """An open proposal the signed-in member may vote on and has not."""

    title: str
    url: str
    pool_name: str
    closes_at: str


async def needs_your_vote(request: web.Request) -> list[VoteDue]:
    """Proposals in the viewer's pools whose electorate holds them and that lack their ballot."""
    user = current_user(request)
    if user is None:
        return []
    actors, governance = request.app[ACTORS], store(request.app)
    pools = {m.pool_id: m for m in await actors.pools_of_person(user.uri) if m.state == "member"}
    due = []
    for stored in await governance.open_proposals_of_pools(sorted(pools)):
        if user.uri not in Proposal.from_dict(stored.proposal).electorate:
            continue  # joined after it opened: the frozen electorate does not hold them
        if stored.kind == "budget_round":  # a round needs the member's allocation, not a ballot
            if await buckets(request.app).voter_allocations(stored.id, user.uri):
                continue
        elif await governance.voter_ballots(stored.id, user.uri):
            continue
        pool = await actors.by_id(stored.pool_id)
        if pool is None:
            continue
        due.append(VoteDue(str(stored.proposal.get("title", "")),
                           f"/pools/{pool.username}/proposals/{stored.uri.rsplit('/', 1)[-1]}",
                           pool.display_name, stored.closes_at))
    return due
