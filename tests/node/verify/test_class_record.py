"""``poolnode verify`` on a served node's class-majority proposal: the class roll and each
class's count are recomputed from the signed record and agree with the pool's Tally."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta
from typing import Any

import aiohttp

from governance import AdmissionPolicy, Kind
from node.accounts import create_member, issue_token
from node.appkeys import ACTORS, DB, TOKENS
from node.pool_engine import close_due
from node.pools import load_bylaws
from node.storage import MemberClassStore
from node.verify import Limits, RecordReader, Verdict, verify_url
from tests.web.browser import ServedNode, served

__all__ = ["served"]

WORKERS = ("admin", "bob")


async def _post(session: aiohttp.ClientSession, url: str, user: str, token: str,
                body: dict[str, Any]) -> dict[str, Any]:
    async with session.post(f"{url}/users/{user}/outbox", json=body,
                            headers={"Authorization": f"Bearer {token}"}) as resp:
        assert resp.status == 201, await resp.text()
        data: dict[str, Any] = await resp.json(content_type=None)
        return data


async def test_verify_recounts_each_class_of_a_served_proposal(served: ServedNode) -> None:
    app, setup, url = served.app, served.setup, served.url
    pool = setup.pool
    bylaws = dataclasses.replace(await load_bylaws(app[ACTORS], pool), admission=AdmissionPolicy.OPEN,
                                 member_classes=("worker", "consumer"),
                                 class_majority=frozenset({Kind.DECISION}))
    await app[ACTORS].set_bylaws_json(pool.id, json.dumps(bylaws.to_dict()))
    for person, chosen in ((setup.admin.uri, "worker"), (setup.alice.uri, "consumer")):
        await MemberClassStore(app[DB]).change(pool.id, person, chosen, steward_uri=setup.admin.uri,
                                               reason="founding member", at="2026-01-01T00:00:00Z")
    tokens = {"admin": setup.admin_token, "alice": setup.alice_token}
    async with aiohttp.ClientSession() as session:
        for name in ("bob", "carol"):
            person = await create_member(setup.config, app[ACTORS], name)
            tokens[name] = (await issue_token(app[TOKENS], person)).secret
            await _post(session, url, name, tokens[name], {
                "type": "Join", "object": pool.uri, "to": [pool.uri],
                "memberClass": "worker" if name in WORKERS else "consumer"})
        await _post(session, url, "alice", tokens["alice"],
                    {"type": "Proposal", "pool": pool.uri, "name": "Open on Sundays"})
        async with session.get(f"{url}/pools/commons/proposals?page=true",
                               headers={"Accept": "application/activity+json"}) as resp:
            proposal = (await resp.json(content_type=None))["orderedItems"][0]
        for name, token in tokens.items():
            await _post(session, url, name, token, {
                "type": "Ballot", "pool": pool.uri, "proposal": proposal["id"],
                "choice": ["disagree" if name in WORKERS else "agree"]})
        closes = datetime.fromisoformat(proposal["closesAt"].replace("Z", "+00:00"))
        assert await close_due(app, closes) == [proposal["id"]]
        from federation.fetch import Fetcher

        reader = RecordReader(Fetcher(session, allow_private_addresses=True),
                              Limits(allow_private_addresses=True), lambda _: None)
        report = await verify_url(reader, proposal["id"], closes + timedelta(minutes=1))
    verdicts = {c.check: c.verdict for c in report.checks}
    assert verdicts["electorate.classes"] is Verdict.PASS
    assert verdicts["tally.recount"] is Verdict.PASS
    (classes,) = [c for c in report.checks if c.check == "tally.classes"]
    assert classes.verdict is Verdict.PASS and "no majority in worker" in classes.detail
    assert not [c for c in report.checks if c.verdict is Verdict.FAIL]
