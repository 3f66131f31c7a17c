"""What the issue-12 money acceptance tests share: booking, spending and reading a pool's
money through C2S, the web forms and the CLI, as a treasurer or a member would."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from node.appkeys import ACTORS
from node.cli import main
from node.pool_engine import close_due
from node.pool_engine.common import store
from tests.node.pools.helpers import POOL, get, post, propose, vote
from tests.web.helpers import set_password, sign_in

HTML = {"Accept": "text/html"}


# -- helpers ---------------------------------------------------------------------------------

def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def _book(client: Any, node: Any, kind: str, amount: Any, *, user: str = "admin",
                status: int = 201, **fields: Any) -> dict[str, Any]:
    token = node.admin_token if user == "admin" else node.alice_token
    body = {"type": "LedgerEntry", "pool": POOL, "entryKind": kind, "amount": amount, **fields}
    resp = await post(client, user, token, body)
    text = await resp.text()
    assert resp.status == status, text
    return json.loads(text) if text else {}


async def _spend(client: Any, node: Any, title: str, amount: int, *voters: str) -> dict[str, Any]:
    proposal = await propose(client, "admin", node.admin_token, name=title,
                             proposalKind="disbursement", amount=amount, currency="EUR",
                             payee="https://shop.example/" + title, purpose=title)
    tokens = {"admin": node.admin_token, "alice": node.alice_token}
    for user in voters or ("admin", "alice"):
        assert (await vote(client, user, tokens[user], proposal["id"], "agree")).status == 201
    return proposal


async def _effect(client: Any, proposal: dict[str, Any]) -> str:
    return str((await get(client, proposal["id"] + "/effect"))["effect"])


async def _balances(client: Any) -> dict[str, Any]:
    return await get(client, "/pools/commons/ledger/balances")


async def _kinds(client: Any) -> list[str]:
    pool = await client.app[ACTORS].get("commons", "pool")
    return [e.entry["kind"] for e in await store(client.app).ledger(pool.id)]


def _cli(capsys: Any, *argv: str) -> tuple[int, Any]:
    code = main(list(argv))
    out = capsys.readouterr().out
    return code, (json.loads(out) if "--json" in argv else out)


async def _change_bylaws(client: Any, node: Any, **changes: Any) -> None:
    """The documented way a pool sets its bylaws: a passed bylaws_change proposal."""
    from node.pools import load_bylaws

    pool = await client.app[ACTORS].get("commons", "pool")
    current = (await load_bylaws(client.app[ACTORS], pool)).to_dict()
    proposal = await propose(client, "admin", node.admin_token, name="New waits",
                             proposalKind="bylaws_change", proposedBylaws={**current, **changes})
    for user, token in (("admin", node.admin_token), ("alice", node.alice_token)):
        assert (await vote(client, user, token, proposal["id"], "agree")).status == 201
    assert await close_due(client.app, _at(proposal["closesAt"])) == [proposal["id"]]
    assert await _effect(client, proposal) == "done"


async def _signed_in(client: Any, user: str) -> None:
    await set_password(client, user)
    await sign_in(client, user)
