"""Issue 12, items 2, 3, 4, 5, 7 and 9, tried from outside as a treasurer, a member and a
tester would: through C2S, the web forms, the CLI and real node processes, with the issue text
and docs/PROTOCOL.md, docs/GOVERNANCE.md, docs/OPERATIONS.md as the spec."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from node.appkeys import ACTORS
from node.cli import main
from node.pool_engine import close_due, leave, sweep
from node.pool_engine.common import store
from tests.node.pools.helpers import POOL, get, post, propose, vote
from tests.web.helpers import page, post_form, set_password, sign_in

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


# -- item 2: a disbursement larger than the free fund ----------------------------------------

async def test_item2_over_the_fund_is_honest_everywhere(client, node, capsys) -> None:  # type: ignore[no-untyped-def]
    await set_password(client, "admin")
    await sign_in(client, "admin")
    form = {"title": "Buy a boat", "kind": "disbursement", "text": "A boat.", "amount": "100",
            "payee": "Boat shop"}
    warned = await post_form(client, "/pools/commons/propose", form,
                             from_page="/pools/commons/proposals", status=422)
    assert "Propose anyway" in await warned.text()
    done = await post_form(client, "/pools/commons/propose", {**form, "over_fund": "yes"},
                           from_page="/pools/commons/proposals")
    url = str(done.headers["Location"])
    (proposal,) = (await get(client, "/pools/commons/proposals?page=true"))["orderedItems"]
    for user, token in (("admin", node.admin_token), ("alice", node.alice_token)):
        assert (await vote(client, user, token, proposal["id"], "agree")).status == 201
    await close_due(client.app, _at(proposal["closesAt"]))

    effect = await get(client, proposal["id"] + "/effect")
    assert (effect["outcome"], effect["effect"]) == ("passed", "waiting_funds")
    assert (await get(client, proposal["id"] + "/tally"))["outcome"] == "passed"
    for path in (url, "/pools/commons/proposals", "/pools/commons"):
        html = await page(client, path)
        assert "waiting for funds" in html, path
    assert "Buy a boat" in await page(client, "/pools/commons/ledger")
    data = str(node.config.data_dir)
    code, out = await asyncio.to_thread(_cli, capsys, "proposal", "list", "--data", data,
                                        "commons", "--json")
    assert code == 0 and out["proposals"][0]["effect"] == "waiting_funds"
    assert out["proposals"][0]["effectReason"]
    code, text = await asyncio.to_thread(_cli, capsys, "proposal", "list", "--data", data, "commons")
    assert "passed, waiting for funds" in text
    assert await _kinds(client) == []


async def test_item2_queue_order_two_waiting_decisions_and_a_refund_owed(client, node) -> None:  # type: ignore[no-untyped-def]
    await _book(client, node, "contribution", 5000, person=node.alice.uri)
    roof = await _spend(client, node, "roof", 8000)
    c1 = _at(roof["closesAt"])
    await close_due(client.app, c1)
    assert await _effect(client, roof) == "waiting_funds"
    # Alice leaves after the roof's close: the fund (5000) covers her 5000, but an older
    # obligation waits, so her refund is owed behind it.
    pool = await client.app[ACTORS].get("commons", "pool")
    await leave(client.app, pool, node.alice.uri, c1 + timedelta(hours=1))
    balances = await _balances(client)
    assert balances["balances"][f"owed:{node.alice.uri}"] == -5000 and balances["fund"] == 5000
    paint = await _spend(client, node, "paint", 1000, "admin")
    await close_due(client.app, c1 + timedelta(hours=2))
    assert await _effect(client, paint) == "waiting_funds"

    await _book(client, node, "donation", 3000, reference="gift 1")  # fund 8000: the roof
    assert (await _effect(client, roof), await _effect(client, paint)) == ("done", "waiting_funds")
    assert (await _balances(client))["fund"] == 0
    await _book(client, node, "donation", 4000, reference="gift 2")  # covers paint, not Alice
    assert await _effect(client, paint) == "waiting_funds"
    assert (await _balances(client))["balances"][f"owed:{node.alice.uri}"] == -5000
    await _book(client, node, "donation", 1000, reference="gift 3")  # Alice is paid whole
    balances = await _balances(client)
    assert balances["balances"][f"owed:{node.alice.uri}"] == 0 and balances["fund"] == 0
    assert await _effect(client, paint) == "waiting_funds"
    await _book(client, node, "donation", 1000, reference="gift 4")
    assert await _effect(client, paint) == "done"
    assert await _kinds(client) == ["contribution", "refund_owed", "donation", "commitment",
                                    "donation", "donation", "refund", "donation", "commitment"]


async def test_item2_lapse_after_the_bylaws_funding_wait(client, node, capsys) -> None:  # type: ignore[no-untyped-def]
    await _change_bylaws(client, node, funding_wait_seconds=2 * 86400)
    bylaws = await get(client, "/pools/commons/bylaws")
    assert bylaws["fundingWait"] == "PT172800S" and "2 days" in bylaws["content"]
    boat = await _spend(client, node, "boat", 10_000)
    closed = _at(boat["closesAt"])
    await close_due(client.app, closed)
    await sweep(client.app, closed + timedelta(days=1))
    assert await _effect(client, boat) == "waiting_funds"
    await sweep(client.app, closed + timedelta(days=2, seconds=1))
    assert await _effect(client, boat) == "lapsed"
    key = boat["id"].rsplit("/", 1)[-1]
    for path in (f"/pools/commons/proposals/{key}", "/pools/commons/proposals", "/pools/commons"):
        html = await page(client, path)
        assert "lapsed" in html and "waiting for funds" not in html.replace(
            "Owed, waiting for funds", ""), path
    code, text = await asyncio.to_thread(_cli, capsys, "proposal", "list", "--data",
                                        str(node.config.data_dir), "commons")
    assert code == 0 and "passed, lapsed" in text
    await _book(client, node, "donation", 10_000, reference="late gift")
    assert await _effect(client, boat) == "lapsed" and "commitment" not in await _kinds(client)


async def test_item2_a_disbursement_behind_a_refund_owed_still_lapses(client, node) -> None:  # type: ignore[no-untyped-def]
    """A refund owed never lapses and blocks the queue; a disbursement behind it must still lapse
    after the funding wait (docs/PROTOCOL.md, "Money owed")."""
    await _book(client, node, "contribution", 5000, person=node.alice.uri)
    drill = await _spend(client, node, "drill", 4000)
    c1 = _at(drill["closesAt"])
    await close_due(client.app, c1)
    assert await _effect(client, drill) == "done"
    pool = await client.app[ACTORS].get("commons", "pool")
    await leave(client.app, pool, node.alice.uri, c1 + timedelta(hours=1))  # 5000 owed, fund 1000
    later = await _spend(client, node, "paint", 500, "admin")
    await close_due(client.app, c1 + timedelta(hours=2))
    assert await _effect(client, later) == "waiting_funds"
    await sweep(client.app, c1 + timedelta(days=89))
    assert await _effect(client, later) == "waiting_funds"
    await sweep(client.app, c1 + timedelta(days=91))  # default funding wait: 90 days
    assert await _effect(client, later) == "lapsed"
    assert (await _balances(client))["balances"][f"owed:{node.alice.uri}"] == -5000


# -- item 4: release and commitment lapse ----------------------------------------------------

async def test_item4_release_by_c2s_and_refusals(client, node, capsys) -> None:  # type: ignore[no-untyped-def]
    await _book(client, node, "donation", 5000, reference="gift")
    drill = await _spend(client, node, "drill", 3000)
    await close_due(client.app, _at(drill["closesAt"]))
    assert await _effect(client, drill) == "done"
    # A non-treasurer is refused whatever the amount; more than the commitment holds too.
    refused = await _book(client, node, "release", 1, user="alice", status=403, proposal=drill["id"])
    assert refused["code"] == "not_permitted"
    too_much = await _book(client, node, "release", 3001, status=422, proposal=drill["id"])
    assert too_much["code"] == "exceeds_approved"
    await _book(client, node, "payment", 1000, proposal=drill["id"], reference="invoice 1")
    too_much = await _book(client, node, "release", 2001, status=422, proposal=drill["id"])
    assert too_much["code"] == "exceeds_approved"
    await _book(client, node, "release", 2000, proposal=drill["id"])
    balances = await _balances(client)
    assert balances["fund"] == 4000 and balances["balances"][f"commitment:{drill['id']}"] == 0
    entry = (await get(client, "/pools/commons/ledger?page=true"))["orderedItems"][0]
    assert entry["entryKind"] == "release" and entry["recordedBy"] == node.admin.uri
    assert entry["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    code, out = await asyncio.to_thread(_cli, capsys, "ledger", "--data", str(node.config.data_dir),
                                        "commons", "--json")
    assert code == 0 and out["chain_ok"] is True and out["fund"] == 4000


async def test_item4_release_by_web_and_refusals(client, node) -> None:  # type: ignore[no-untyped-def]
    await _book(client, node, "donation", 5000, reference="gift")
    drill = await _spend(client, node, "drill", 3000)
    await close_due(client.app, _at(drill["closesAt"]))
    ledger = "/pools/commons/ledger"
    await set_password(client, "alice")
    await sign_in(client, "alice")
    await post_form(client, ledger + "/release", {"proposal": drill["id"], "amount": "5"},
                    from_page=ledger, status=403)
    await client.post("/signout", data={"csrf": ""})
    client.session.cookie_jar.clear()
    await set_password(client, "admin")
    await sign_in(client, "admin")
    # Over the commitment: the ledger page again, the reason beside the amount (issue 15's form
    # convention), nothing booked.
    await post_form(client, ledger + "/release", {"proposal": drill["id"], "amount": "30.01"},
                    from_page=ledger, status=422)
    await post_form(client, ledger + "/release", {"proposal": drill["id"], "amount": "12.50"},
                    from_page=ledger)
    balances = await _balances(client)
    assert balances["fund"] == 3250 and balances["balances"][f"commitment:{drill['id']}"] == 1750
    assert await _kinds(client) == ["donation", "commitment", "release"]


async def test_item4_commitment_lapses_per_the_bylaws(client, node, capsys) -> None:  # type: ignore[no-untyped-def]
    await _change_bylaws(client, node, commitment_lapse_seconds=10 * 86400)
    assert (await get(client, "/pools/commons/bylaws"))["commitmentLapse"] == "PT864000S"
    await _book(client, node, "donation", 5000, reference="gift")
    drill = await _spend(client, node, "drill", 3000)
    committed = _at(drill["closesAt"]) + timedelta(days=7)
    await close_due(client.app, committed)
    await _book(client, node, "payment", 500, proposal=drill["id"], reference="invoice 1")
    await sweep(client.app, committed + timedelta(days=9))
    assert (await _balances(client))["fund"] == 2000
    await sweep(client.app, committed + timedelta(days=10, seconds=1))
    await sweep(client.app, committed + timedelta(days=30))
    balances = await _balances(client)
    assert balances["fund"] == 4500 and balances["balances"][f"commitment:{drill['id']}"] == 0
    entry = (await get(client, "/pools/commons/ledger?page=true"))["orderedItems"][0]
    assert entry["entryKind"] == "release" and entry["reference"] == "lapsed"
    assert "recordedBy" not in entry and "proof" in entry
    assert (await _kinds(client)).count("release") == 1
    code, out = await asyncio.to_thread(_cli, capsys, "ledger", "--data", str(node.config.data_dir),
                                        "commons", "--json")
    assert code == 0 and out["chain_ok"] is True


# -- item 5: refunds owed --------------------------------------------------------------------

async def test_item5_leaving_with_more_capital_than_the_fund(client, node) -> None:  # type: ignore[no-untyped-def]
    await _book(client, node, "contribution", 5000, person=node.alice.uri)
    drill = await _spend(client, node, "drill", 4000)
    await close_due(client.app, _at(drill["closesAt"]))
    resp = await post(client, "alice", node.alice_token, {"type": "Leave", "object": POOL})
    assert resp.status == 201, await resp.text()
    balances = await _balances(client)
    assert balances["balances"][f"owed:{node.alice.uri}"] == -5000 and balances["fund"] == 1000
    assert "EUR 50.00" in await page(client, "/users/alice")
    await set_password(client, "admin")
    await sign_in(client, "admin")
    ledger = await page(client, "/pools/commons/ledger")
    assert "refund owed" in ledger and "EUR 50.00" in ledger
    await _book(client, node, "donation", 3999, reference="gift")
    assert (await _balances(client))["balances"][f"owed:{node.alice.uri}"] == -5000
    await _book(client, node, "donation", 1, reference="gift")
    balances = await _balances(client)
    assert balances["balances"][f"owed:{node.alice.uri}"] == 0 and balances["fund"] == 0
    assert "owes" not in await page(client, "/users/alice")


async def test_item5_expulsion_with_more_capital_than_the_fund(client, node) -> None:  # type: ignore[no-untyped-def]
    await _book(client, node, "contribution", 700, person=node.alice.uri)
    drill = await _spend(client, node, "drill", 500)
    await close_due(client.app, _at(drill["closesAt"]))
    expel = await propose(client, "admin", node.admin_token, name="Expel alice",
                          proposalKind="expulsion", person=node.alice.uri)
    for user, token in (("admin", node.admin_token), ("alice", node.alice_token)):
        assert (await vote(client, user, token, expel["id"], "agree")).status == 201
    await close_due(client.app, _at(expel["closesAt"]) + timedelta(seconds=1))
    assert await _effect(client, expel) == "done"
    balances = await _balances(client)
    assert balances["balances"][f"owed:{node.alice.uri}"] == -700
    assert "EUR 7.00" in await page(client, "/users/alice")
    await _book(client, node, "donation", 500, reference="gift")
    assert (await _balances(client))["balances"][f"owed:{node.alice.uri}"] == 0


# -- item 7: one strict, bounded money parser on every surface -------------------------------

BAD_TEXT = ["1e999000", "1e999999", "1_000", "١٠٠٠", "１２", "-5", "0", "12.345", "9" * 5000,
            "90071992547409.92", "123456789012345678901234567890"]
NONZERO = [a for a in BAD_TEXT if a != "0"]  # a minimum share of 0 means none
TOO_LARGE = {"9" * 5000, "90071992547409.92", "123456789012345678901234567890"}


async def _pools(client: Any) -> int:
    return len(await client.app[ACTORS].all("pool"))


async def _proposal_count(client: Any) -> int:
    pool = await client.app[ACTORS].get("commons", "pool")
    return len(await store(client.app).proposals_of_pool(pool.id, limit=100))


def _plain(text: str) -> None:
    assert "Traceback" not in text and "2^53" not in text and "Internal" not in text


async def _signed_in(client: Any, user: str) -> None:
    await set_password(client, user)
    await sign_in(client, user)


async def _open_commitment(client: Any, node: Any) -> dict[str, Any]:
    await _book(client, node, "donation", 5000, reference="gift")
    drill = await _spend(client, node, "drill", 3000)
    await close_due(client.app, _at(drill["closesAt"]))
    return drill


@pytest.mark.parametrize("amount", BAD_TEXT)
async def test_item7_web_forms_refuse_bad_amounts(client, node, amount: str) -> None:  # type: ignore[no-untyped-def]
    drill = await _open_commitment(client, node)
    before = await _kinds(client)
    await _signed_in(client, "admin")
    ledger = "/pools/commons/ledger"
    cases = [
        (ledger + "/record", {"person": node.alice.uri, "amount": amount, "reference": "cash"},
         ledger),
        (ledger + "/pay", {"proposal": drill["id"], "amount": amount, "reference": "inv 1"},
         ledger + "/pay?proposal=" + drill["id"]),
        (ledger + "/release", {"proposal": drill["id"], "amount": amount}, ledger),
        ("/pools/commons/propose", {"title": "Buy", "kind": "disbursement", "text": "x",
                                    "amount": amount, "payee": "Shop", "over_fund": "yes"},
         "/pools/commons/proposals"),
    ]
    if amount != "0":
        from tests.web.test_amendments_pages import CURRENT

        cases += [
            ("/pools/commons/propose", {"title": "Rules", "kind": "bylaws_change", "text": "",
                                        **CURRENT, "new_min_share": amount},
             "/pools/commons/proposals"),
            ("/create-pool", {"name": "Garden", "handle": "garden", "currency": "EUR",
                              "threshold": "more_than:1/2", "quorum": "1/2",
                              "admission": "steward", "min_share": amount, "voting_days": "7"},
             "/create-pool"),
        ]
    proposals = await _proposal_count(client)
    for path, form, origin in cases:
        html = await page(client, origin)
        from tests.web.helpers import csrf_of

        resp = await client.post(path, data={"csrf": csrf_of(html), **form},
                                 headers={"Accept": "text/html"}, allow_redirects=False)
        text = await resp.text()
        assert 400 <= resp.status < 500, (path, amount, resp.status, text[:300])
        _plain(text)
        if amount in TOO_LARGE:
            assert "too large" in text, (path, text[:2000])
    assert await _kinds(client) == before
    assert await _proposal_count(client) == proposals and await _pools(client) == 1


@pytest.mark.parametrize("amount", ["1e999999", "9" * 5000, "-5", "0", "20"])
async def test_item7_web_role_before_amount(client, node, amount: str) -> None:  # type: ignore[no-untyped-def]
    drill = await _open_commitment(client, node)
    before = await _kinds(client)
    await _signed_in(client, "alice")
    ledger = "/pools/commons/ledger"
    for path, form in ((ledger + "/record", {"person": node.alice.uri, "amount": amount}),
                       (ledger + "/pay", {"proposal": drill["id"], "amount": amount,
                                          "reference": "x"}),
                       (ledger + "/release", {"proposal": drill["id"], "amount": amount})):
        resp = await post_form(client, path, form, from_page=ledger, status=403)
        _plain(await resp.text())
    assert await _kinds(client) == before


C2S_BAD: list[tuple[str, Any, str]] = [
    ("inf", "1e999999", "x"), ("inf2", "1e999000", "x"), ("neg", -5, "invalid_amount"),
    ("zero", 0, "invalid_amount"), ("frac", 12.345, "x"), ("str", "1000", "invalid_amount"),
    ("arabic", "١٠٠٠", "invalid_amount"), ("fullwidth", "１２", "invalid_amount"),
    ("bool", True, "invalid_amount"), ("big", 2**53, "amount_too_large"),
    ("bigger", 10**30, "x"), ("long", "9" * 5000, "x"),
]


def _raw(doc: dict[str, Any], amount: Any) -> bytes:
    """The document with ``amount`` spliced in as raw JSON text where it names a number."""
    text = json.dumps({**doc, "amount": "@@"})
    if isinstance(amount, str) and (amount.startswith("1e") or (amount.isascii() and amount.isdigit()
                                                                  and len(amount) > 100)):
        return text.replace('"@@"', amount).encode()
    return text.replace('"@@"', json.dumps(amount)).encode()


@pytest.mark.parametrize(("name", "amount", "code"), C2S_BAD, ids=[c[0] for c in C2S_BAD])
async def test_item7_c2s_amounts(client, node, name: str, amount: Any, code: str) -> None:  # type: ignore[no-untyped-def]
    entry = {"type": "LedgerEntry", "pool": POOL, "entryKind": "contribution",
             "person": node.alice.uri, "reference": "bank"}
    spend = {"type": "Proposal", "pool": POOL, "name": "Buy", "proposalKind": "disbursement",
             "currency": "EUR", "payee": "https://shop.example/x", "purpose": "x"}
    headers = {"Content-Type": "application/activity+json"}
    for user, token, doc, status in (("admin", node.admin_token, entry, 400),
                                     ("alice", node.alice_token, entry, 403),
                                     ("alice", node.alice_token, spend, 400)):
        resp = await client.post(f"/users/{user}/outbox", data=_raw(doc, amount),
                                 headers={**headers, "Authorization": f"Bearer {token}"})
        text = await resp.text()
        if status == 403 and name in ("inf", "inf2", "long"):
            # JSON the node will not read at all (a number beyond the bounds) is a 400 before
            # anything, the role included.
            assert resp.status == 400, (name, text)
        else:
            assert resp.status == status, (user, doc["type"], name, resp.status, text)
        body = json.loads(text)
        _plain(body["error"])
        if status == 400 and code != "x":
            assert body["code"] == code, (doc["type"], name, body)
        if code == "amount_too_large" and status == 400:
            assert "too large" in body["error"]
    assert await _kinds(client) == [] and await _proposal_count(client) == 0


# -- item 9: Idempotency-Key on C2S ----------------------------------------------------------

KEY = "0f6b1c1e-8d1c-4f0e-9d86-2b7d2a5c9e41"


async def _keyed(client: Any, user: str, token: str, body: bytes, key: str | None) -> Any:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/activity+json"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return await client.post(f"/users/{user}/outbox", data=body, headers=headers)


def _contribution(node: Any, amount: int = 5000) -> bytes:
    return json.dumps({"type": "LedgerEntry", "pool": POOL, "entryKind": "contribution",
                       "person": node.alice.uri, "amount": amount, "reference": "bank 17"}).encode()


async def test_item9_retry_reused_key_and_per_actor(client, node) -> None:  # type: ignore[no-untyped-def]
    first = await _keyed(client, "admin", node.admin_token, _contribution(node), f'"{KEY}"')
    assert first.status == 201
    body = await first.read()
    again = await _keyed(client, "admin", node.admin_token, _contribution(node), f'"{KEY}"')
    assert again.status == 201 and await again.read() == body
    assert again.headers["Location"] == first.headers["Location"]
    other = await _keyed(client, "admin", node.admin_token, _contribution(node, 7000), f'"{KEY}"')
    assert other.status == 422
    assert await other.json() == {"error": "this Idempotency-Key was used for a different "
                                  "request body; use a new key", "code": "idempotency_key_reused"}
    assert await _kinds(client) == ["contribution"]
    # Per actor: alice's equal key with the very same body is not admin's first response.
    stranger = await _keyed(client, "alice", node.alice_token, _contribution(node), f'"{KEY}"')
    assert stranger.status == 403
    # ... and her equal key is hers to use (a proposal she may make).
    proposal = json.dumps({"type": "Proposal", "pool": POOL, "name": "Meet"}).encode()
    assert (await _keyed(client, "alice", node.alice_token, proposal, KEY)).status == 201
    # A refused request forgets its key.
    refused = await _keyed(client, "alice", node.alice_token, _contribution(node), "k-2")
    assert refused.status == 403
    other_proposal = json.dumps({"type": "Proposal", "pool": POOL, "name": "Picnic"}).encode()
    assert (await _keyed(client, "alice", node.alice_token, other_proposal, "k-2")).status == 201
    assert await _kinds(client) == ["contribution"] and await _proposal_count(client) == 2


async def test_item9_concurrent_same_key(client, node) -> None:  # type: ignore[no-untyped-def]
    seen: list[int] = []
    for round_ in range(3):
        body = _contribution(node, 100 + round_)
        responses = await asyncio.gather(*(_keyed(client, "admin", node.admin_token, body,
                                                  f"same-{round_}") for _ in range(2)))
        statuses = sorted(r.status for r in responses)
        assert statuses in ([201, 409], [201, 201]), statuses
        for r in responses:
            if r.status == 409:
                assert (await r.json())["code"] == "idempotency_key_in_use"
        seen += statuses
    assert 409 in seen  # two at once: the second finds the first in flight
    assert await _kinds(client) == ["contribution"] * 3


@pytest.mark.parametrize("key", ["", '""', "x" * 256, '"a"b"', 'a"b', "a\\b", "ключ", "a b",
                                 '"a", "b"', "\t", '"x"; p=1'])
async def test_item9_malformed_keys(client, node, key: str) -> None:  # type: ignore[no-untyped-def]
    resp = await _keyed(client, "admin", node.admin_token, _contribution(node), key)
    assert resp.status == 400, (key, resp.status, await resp.text())
    body = await resp.json()
    assert body["code"] and "Idempotency-Key" in body["error"]
    assert await _kinds(client) == []


# -- item 3: a real node killed between the close and the effect, for each effect kind -------

def _cli_json(node: Any, *argv: str) -> dict[str, Any]:
    import subprocess
    import sys

    from tests.multinode.harness import REPO

    out = subprocess.run([sys.executable, "-m", "node.cli", *argv, "--data", str(node.data_dir),
                          "--json"], capture_output=True, env=node.env, cwd=REPO, timeout=60,
                         check=True)
    return dict(json.loads(out.stdout))


def _set_admission(node: Any, policy: str) -> None:
    import sqlite3

    conn = sqlite3.connect(node.data_dir / "poolnode.sqlite3")
    try:
        row = conn.execute("SELECT actor_id, bylaws_json FROM pools").fetchone()
        conn.execute("UPDATE pools SET bylaws_json = ? WHERE actor_id = ?",
                     (json.dumps({**json.loads(row[1]), "admission": policy}), row[0]))
        conn.commit()
    finally:
        conn.close()


def _crash_on_close(node: Any, propose_and_vote: Any) -> str:
    """Start the node with the fault point set, let ``propose_and_vote`` open a proposal and
    vote; the node dies right after the close commits; start it again without the fault point.
    The proposal's id."""
    from node.pool_engine.effects import CRASH_AFTER_CLOSE
    from tests.multinode.harness import poll

    node.stop()
    node.env[CRASH_AFTER_CLOSE] = "1"
    node.start()
    proposal = str(propose_and_vote())
    proc = node.proc
    poll(lambda: proc.poll() is not None, 60, "the node to die right after the close commits")
    assert proc.returncode == 70
    node.proc = None
    (row,) = node.query("SELECT state, outcome, effect FROM proposals WHERE uri = ?", (proposal,))
    assert (row["state"], row["outcome"], row["effect"]) == ("closed", "passed", "pending")
    del node.env[CRASH_AFTER_CLOSE]
    node.start()
    poll(lambda: node.query("SELECT 1 FROM proposals WHERE uri = ? AND effect = 'done'",
                            (proposal,)), 30, "the effect to be carried out after the restart")
    status, effect = node.request("GET", proposal + "/effect")
    assert status == 200 and effect["effect"] == "done", effect

    def final_tally_published() -> bool:
        for row in node.query("SELECT document FROM objects WHERE type = 'Update'"):
            obj = json.loads(row["document"]).get("object")
            if isinstance(obj, dict) and obj.get("id") == proposal + "/tally" and obj.get("final"):
                return True
        return False

    # The members and followers hear the final tally although the node died before sending it.
    poll(final_tally_published, 30, "the final tally's Update to be published after the restart")
    return proposal


@pytest.mark.multinode
def test_item3_each_effect_kind_survives_a_kill_after_the_close(cluster) -> None:  # type: ignore[no-untyped-def]
    from tests.multinode.harness import set_voting_period

    b = cluster.node("b")
    b.stop()
    set_voting_period(b, 4)
    _set_admission(b, "vote")
    pool = b.pool_id
    alice = _cli_json(b, "member", "add", "alice", "--pool", "commons")
    carol = _cli_json(b, "member", "add", "carol")
    b.start()
    b.post_outbox({"type": "LedgerEntry", "pool": pool, "entryKind": "contribution",
                   "person": alice["id"], "amount": 5000, "reference": "bank 1"})

    def newest() -> str:
        return str(b.request("GET", pool + "/proposals?page=true")[1]["orderedItems"][0]["id"])

    def agree(proposal: str) -> str:
        b.post_outbox({"type": "Ballot", "pool": pool, "proposal": proposal, "choice": ["agree"]})
        return proposal

    def disbursement() -> str:
        b.post_outbox({"type": "Proposal", "pool": pool, "name": "Buy a drill",
                       "proposalKind": "disbursement", "amount": 3000, "currency": "EUR",
                       "payee": "https://shop.example/tools", "purpose": "a drill"})
        return agree(newest())

    spend = _crash_on_close(b, disbursement)
    assert len(b.query("SELECT 1 FROM ledger_entries WHERE source_uri = ?",
                       (spend + "#commitment",))) == 1

    def admission() -> str:
        status, _ = b.request("POST", carol["id"] + "/outbox",
                              {"type": "Join", "object": pool}, token=carol["token"])
        assert status == 201
        return agree(newest())

    admit = _crash_on_close(b, admission)
    (row,) = b.query("SELECT state FROM memberships WHERE person_uri = ?", (carol["id"],))
    assert row["state"] == "member", admit

    def expulsion() -> str:
        b.post_outbox({"type": "Proposal", "pool": pool, "name": "Expel alice",
                       "proposalKind": "expulsion", "person": alice["id"]})
        proposal = newest()
        status, body = b.request("POST", carol["id"] + "/outbox", {
            "type": "Ballot", "pool": pool, "proposal": proposal, "choice": ["agree"]},
            token=carol["token"])
        assert status == 201, body
        return agree(proposal)

    expel = _crash_on_close(b, expulsion)
    (row,) = b.query("SELECT state FROM memberships WHERE person_uri = ?", (alice["id"],))
    assert row["state"] == "expelled"
    refunds = b.query("SELECT kind FROM ledger_entries WHERE source_uri LIKE ?", (expel + "#%",))
    # The fund (2000 after the drill) does not cover her 5000: owed, booked once.
    assert [r["kind"] for r in refunds] == ["refund_owed"]
    status, bylaws = b.request("GET", pool + "/bylaws")
    current = dict(bylaws)

    def bylaws_change() -> str:
        rows = b.query("SELECT bylaws_json FROM pools")
        proposed = {**json.loads(rows[0]["bylaws_json"]), "quorum": "1/3"}
        b.post_outbox({"type": "Proposal", "pool": pool, "name": "Lower quorum",
                       "proposalKind": "bylaws_change", "proposedBylaws": proposed})
        proposal = newest()
        status, body = b.request("POST", carol["id"] + "/outbox", {
            "type": "Ballot", "pool": pool, "proposal": proposal, "choice": ["agree"]},
            token=carol["token"])
        assert status == 201, body
        return agree(proposal)

    _crash_on_close(b, bylaws_change)
    status, bylaws = b.request("GET", pool + "/bylaws")
    assert status == 200 and current["quorum"] == "1/2" and bylaws["quorum"] == "1/3"
    assert _cli_json(b, "ledger", "commons")["chain_ok"] is True


async def test_item2_the_form_warns_when_older_obligations_take_the_fund(client, node) -> None:  # type: ignore[no-untyped-def]
    """Money a refund owed waits for is not free: a new decision queues behind it, so the form
    warns although the fund's balance alone would cover the amount."""
    await _book(client, node, "contribution", 5000, person=node.alice.uri)
    drill = await _spend(client, node, "drill", 4500)
    await close_due(client.app, _at(drill["closesAt"]))
    assert (await post(client, "alice", node.alice_token, {"type": "Leave", "object": POOL})).status == 201
    assert (await _balances(client))["fund"] == 500  # and 50.00 owed to alice
    await _signed_in(client, "admin")
    form = {"title": "Buy a saw", "kind": "disbursement", "text": "A saw.", "amount": "1",
            "payee": "Tool shop"}
    assert "The fund has EUR 0.00 free" in await page(client, "/pools/commons/proposals")
    warned = await post_form(client, "/pools/commons/propose", form,
                             from_page="/pools/commons/proposals", status=422)
    assert "Propose anyway" in await warned.text()


async def _published_to(client: Any, kind: str) -> list[str]:
    """Who the pool addressed its Create of the newest ``kind`` ledger entry to."""
    from node.appkeys import DB

    rows = await client.app[DB].fetchall(
        "SELECT document FROM objects WHERE type = 'Create' ORDER BY id DESC")
    for row in rows:
        activity = json.loads(row["document"])
        obj = activity.get("object")
        if isinstance(obj, dict) and obj.get("entryKind") == kind:
            return list(activity.get("to", [])) + list(activity.get("cc", []))
    raise AssertionError(f"no Create of a {kind} entry was published")


async def test_item5_the_person_owed_is_told_wherever_they_are(client, node) -> None:  # type: ignore[no-untyped-def]
    """A member who left is no longer among the members the pool writes to; the entries that
    owe and pay their refund are addressed to them too (a remote member has no page here)."""
    await _book(client, node, "contribution", 5000, person=node.alice.uri)
    drill = await _spend(client, node, "drill", 4500)
    await close_due(client.app, _at(drill["closesAt"]))
    assert (await post(client, "alice", node.alice_token, {"type": "Leave", "object": POOL})).status == 201
    assert node.alice.uri in await _published_to(client, "refund_owed")
    await _book(client, node, "donation", 4500, reference="gift")
    assert node.alice.uri in await _published_to(client, "refund")


async def test_item2_a_release_serves_the_queue_too(client, node) -> None:  # type: ignore[no-untyped-def]
    await _book(client, node, "donation", 3000, reference="gift")
    drill = await _spend(client, node, "drill", 3000)
    await close_due(client.app, _at(drill["closesAt"]))
    boat = await _spend(client, node, "boat", 2000)
    await close_due(client.app, _at(boat["closesAt"]) + timedelta(seconds=1))
    assert await _effect(client, boat) == "waiting_funds"
    await _book(client, node, "release", 2500, proposal=drill["id"])
    assert await _effect(client, boat) == "done"
    assert (await _balances(client))["fund"] == 500


async def test_item4_release_of_nothing_is_a_clear_refusal(client, node) -> None:  # type: ignore[no-untyped-def]
    await _book(client, node, "donation", 3000, reference="gift")
    meet = await propose(client, "admin", node.admin_token, name="Meet on Thursdays")
    for proposal in (POOL + "/proposals/nope", meet["id"], "https://elsewhere.example/p/1", None):
        fields = {"proposal": proposal} if proposal else {}
        resp = await post(client, "admin", node.admin_token, {
            "type": "LedgerEntry", "pool": POOL, "entryKind": "release", "amount": 100, **fields})
        assert 400 <= resp.status < 500, (proposal, resp.status, await resp.text())
        assert (await resp.json())["code"]
    assert await _kinds(client) == ["donation"]
