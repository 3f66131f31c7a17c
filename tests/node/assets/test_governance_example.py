"""docs/GOVERNANCE.md's worked example of shared assets in the node, recomputed through it."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import icalendar
import pytest

from governance import GovernanceError
from governance.assets import Asset, Depreciation, DepreciationPeriod
from governance.coop_rules import BookingLimits
from node.appkeys import ACTORS
from node.assets import AssetRequest, register_asset
from node.assets.bookings import book, bookings, cancel
from node.errors import NodeError
from node.pool_engine.common import roster_of
from node.pools import load_bylaws
from tests.node.assets.helpers import funded_commitment
from tests.node.pools.helpers import POOL, post

pytestmark = pytest.mark.both_backends

DOC = (Path(__file__).resolve().parents[3] / "docs" / "GOVERNANCE.md").read_text("utf-8")
DAY = (datetime.now(UTC) + timedelta(days=2)).replace(hour=0, minute=0, second=0, microsecond=0)


def _lines() -> list[str]:
    found = re.search(r"^```example assets-node\n(.*?)^```$", DOC, re.MULTILINE | re.DOTALL)
    assert found, "no example block assets-node in docs/GOVERNANCE.md"
    return found[1].splitlines()


def _at(clock: str) -> datetime:
    hour, minute = clock.split(":")
    return DAY.replace(hour=int(hour), minute=int(minute))


async def test_the_worked_example(client, node) -> None:  # type: ignore[no-untyped-def]
    lines = _lines()
    people = {"ana": node.alice.uri, "ben": node.admin.uri}
    assert lines[0] == "paid in: ana 1500000"
    amount = int(re.fullmatch(r"passed: Buy a cargo van, disbursement of (\d+)", lines[1])[1])  # type: ignore[index]
    commitment = await funded_commitment(client, node, amount)
    topped = await post(client, "admin", node.admin_token, {
        "type": "LedgerEntry", "pool": POOL, "entryKind": "contribution", "person": node.alice.uri,
        "amount": 1_500_000 - amount, "reference": "bank 2"})
    assert topped.status == 201
    name, kind, tenure, price, acquired, loss, keeper = re.fullmatch(
        r"registered: (.+?), (\w+), (\w+), (\d+), acquired (\S+), (\d+) a month, kept by (\w+)",
        lines[2]).groups()  # type: ignore[union-attr]
    van = await register_asset(client.app, node.pool, AssetRequest(
        name, kind, tenure, int(price), datetime.fromisoformat(acquired).replace(tzinfo=UTC),
        people[keeper], commitment, "invoice 7",
        Depreciation(int(loss), DepreciationPeriod.MONTH)), by=node.admin.uri, at=datetime.now(UTC))
    _, _, ledger = await roster_of(client.app, node.pool)
    assert lines[3] == (f"balances: fund {ledger.fund}, commitment "
                        f"{ledger.balance('commitment:' + commitment)}, asset "
                        f"{ledger.balance('asset:' + van.uri)}")
    moment, value = re.fullmatch(r"book value at (\S+): (\d+)", lines[4]).groups()  # type: ignore[union-attr]
    assert Asset.from_dict(van.asset).book_value(
        datetime.fromisoformat(moment).replace(tzinfo=UTC)) == int(value)
    hours = int(re.fullmatch(r"limits: (\d+) hours a month, equal turns", lines[5])[1])  # type: ignore[index]
    actors = client.app[ACTORS]
    bylaws = replace(await load_bylaws(actors, node.pool),
                     booking_limits=BookingLimits(hours_per_month=hours, equal_turns=True))
    await actors.set_bylaws_json(node.pool.id, json.dumps(bylaws.to_dict()))

    now = datetime.now(UTC)
    held: dict[str, str] = {}
    for line in lines[6:10]:
        who, start, end, expected = re.fullmatch(r"(\w+) (\S+) (\S+): (.+)", line).groups()  # type: ignore[union-attr]
        try:
            booked = await book(client.app, node.pool, van.uri, people[who], _at(start), _at(end),
                                at=now)
            outcome = "booked"
            held[f"{who} {start} {end}"] = booked.uri
        except (NodeError, GovernanceError) as refused:
            outcome = str(refused.code)
            if refused.code == "booking_overlap":
                clash = next(k for k, uri in held.items() if uri in refused.reason)
                outcome += f" ({clash})"
        assert outcome == expected, line
    who, start, end = re.fullmatch(r"(\w+) cancels (\S+) (\S+)", lines[10]).groups()  # type: ignore[union-attr]
    await cancel(client.app, node.pool, held[f"{who} {start} {end}"], by=people[who], at=now)
    feed = icalendar.Calendar.from_ical(await (await client.get("/pools/commons/bookings.ics")).read())
    names = {uri: key for key, uri in held.items()}
    shown = [names[str(e["UID"])] for e in feed.walk("VEVENT")]
    assert lines[11] == "feed: " + ", ".join(shown)
    assert len(await bookings(client.app).of_asset(van.id)) == 1
