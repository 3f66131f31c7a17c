"""docs/GOVERNANCE.md's worked example of an investment and its capital call, recomputed through
the node: seven members, a donation, the proposal passed, the dues, an over-payment refused, the
payments, and the asset registered with the balances the example states."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from node.accounts import create_member, issue_token, join_pool
from node.appkeys import ACTORS, CONFIG, DB
from node.assets.investment import call_view
from node.pool_engine import close_due
from node.pool_engine.common import roster_of, store
from node.storage import TokenStore
from node.storage.assets import AssetStore
from tests.node.pools.helpers import POOL, post, proposals, vote

pytestmark = pytest.mark.both_backends

DOC = (Path(__file__).resolve().parents[3] / "docs" / "GOVERNANCE.md").read_text("utf-8")


def _lines() -> list[str]:
    found = re.search(r"^```example investment\n(.*?)^```$", DOC, re.MULTILINE | re.DOTALL)
    assert found, "no example block investment in docs/GOVERNANCE.md"
    return found[1].splitlines()


def _match(pattern: str, line: str) -> tuple[str, ...]:
    found = re.fullmatch(pattern, line)
    assert found, f"{line!r} does not read as {pattern!r}"
    return found.groups()


async def test_the_worked_example(client, node) -> None:  # type: ignore[no-untyped-def]
    app, lines = client.app, _lines()
    names = lines[0].removeprefix("members: ").split()
    voters = [("admin", node.admin_token), ("alice", node.alice_token)]
    for n in range(3, len(names) + 1):
        member = await create_member(app[CONFIG], app[ACTORS], f"m{n}")
        await join_pool(app[ACTORS], node.pool, member.uri)
        voters.append((f"m{n}", (await issue_token(TokenStore(app[DB]), member)).secret))
    uris = sorted(m.person_uri for m in await app[ACTORS].memberships_of_pool(node.pool.id, state=None))
    people = dict(zip(names, uris, strict=True))  # m1 < m2 < ... as the example says
    treasurer = node.admin.uri
    assert people["m1"] == treasurer and people["m2"] == node.alice.uri

    donated = int(_match(r"donated: (\d+)", lines[1])[0])
    resp = await post(client, "admin", node.admin_token, {
        "type": "LedgerEntry", "pool": POOL, "entryKind": "donation", "amount": donated})
    assert resp.status == 201
    name, kind, tenure, price, fund, monthly, keeper = _match(
        r"proposed: (.+?), (\w+), (\w+), price (\d+), from the fund (\d+), (\d+) a month, kept by (\w+)",
        lines[2])
    resp = await post(client, "alice", node.alice_token, {
        "type": "Proposal", "pool": POOL, "name": f"Buy a {name}", "proposalKind": "investment",
        "assetName": name, "assetKind": kind, "tenure": tenure, "keeper": people[keeper],
        "price": int(price), "fromFund": int(fund), "monthlyDepreciation": int(monthly),
        "currency": "EUR"})
    assert resp.status == 201, await resp.text()
    proposal = (await proposals(client))[0]
    for user, token in voters:
        assert (await vote(client, user, token, proposal["id"], "agree")).status == 201
    closes = datetime.fromisoformat(proposal["closesAt"].replace("Z", "+00:00"))
    assert await close_due(app, closes + timedelta(seconds=1)) == [proposal["id"]]
    stored = await store(app).proposal(proposal["id"])
    assert stored is not None and stored.effect == "pending"
    _, _, ledger = await roster_of(app, node.pool)
    view = await call_view(app, node.pool, stored)
    assert view is not None
    assert lines[3] == (f"passed: fund {ledger.fund}, commitment "
                        f"{ledger.balance('commitment:' + stored.uri)}, call {view.call.amount}")
    by_name = {uri: short for short, uri in people.items()}
    assert lines[4] == "dues: " + ", ".join(f"{by_name[p]} {due}" for p, due in view.call.dues)

    async def pay(who: str, amount: int) -> Any:
        return await post(client, "admin", node.admin_token, {
            "type": "LedgerEntry", "pool": POOL, "entryKind": "call_payment",
            "proposal": stored.uri, "person": people[who], "amount": amount, "reference": "bank"})

    who, amount, outcome = _match(r"(\w+) pays (\d+): (\w+)", lines[5])
    refused = await pay(who, int(amount))
    assert refused.status == 422 and (await refused.json())["code"] == outcome
    who, amount, paid, total = _match(r"(\w+) pays (\d+): paid (\d+) of (\d+)", lines[6])
    assert (await pay(who, int(amount))).status == 201
    view = await call_view(app, node.pool, stored)
    assert view is not None and (view.paid, view.call.amount) == (int(paid), int(total))
    first, last, paid, total = _match(r"(\w+)\.\.(\w+) pay their dues: paid (\d+) of (\d+)", lines[7])
    for short in names[names.index(first):names.index(last) + 1]:
        assert (await pay(short, dict(view.call.dues)[people[short]])).status == 201
    view = await call_view(app, node.pool, stored)
    assert view is not None and (view.paid, view.call.amount) == (int(paid), int(total))

    name, price, keeper = _match(r"registered: (.+?), (\d+), kept by (\w+)", lines[8])
    asset = await AssetStore(app[DB]).by_source(stored.uri)
    assert asset is not None and (asset.name, asset.asset["purchase"], asset.keeper_uri) == (
        name, int(price), people[keeper])
    assert (await store(app).proposal(stored.uri)).effect == "done"  # type: ignore[union-attr]
    _, _, ledger = await roster_of(app, node.pool)
    assert lines[9] == (f"balances: fund {ledger.fund}, commitment "
                        f"{ledger.balance('commitment:' + stored.uri)}, asset "
                        f"{ledger.balance('asset:' + asset.uri)}, capital of m1 "
                        f"{ledger.capital_of(people['m1'])}")
