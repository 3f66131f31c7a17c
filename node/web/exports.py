"""The ledger, the balances and the members as CSV, for a spreadsheet or the accountant.

The files follow the bylaws' visibility exactly as the pages do: a members-only pool exports to
its members only. Amounts are decimal strings in the pool's currency (``30.00``), never floats.
A cell a spreadsheet would run as a formula (it starts with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return) is written with a leading ``'`` so it is read as text (OWASP, CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from aiohttp import web

from governance import GovernanceError, Ledger
from node.appkeys import ACTORS
from node.errors import Conflict
from node.pool_engine.common import ledger_of
from node.pools import load_bylaws
from node.storage import ActorRecord
from node.web.capital import register
from node.web.formats import money_input
from node.web.ledger_view import Labels, account_lines, entry_lines
from node.web.pools import _pool, require_record

__all__ = ["csv_text", "routes", "safe_cell"]

routes = web.RouteTableDef()
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A cell's text, quoted with ``'`` when a spreadsheet would take it for a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """RFC 4180 CSV (CRLF line ends), every cell made safe for spreadsheets."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return out.getvalue()


def _download(pool: ActorRecord, what: str, text: str) -> web.Response:
    return web.Response(text=text, content_type="text/csv", charset="utf-8", headers={
        "Content-Disposition": f'attachment; filename="{pool.username}-{what}.csv"',
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Vary": "Cookie",
    })


async def _readable(request: web.Request) -> tuple[ActorRecord, Ledger, str]:
    pool = await _pool(request, request.match_info["name"])
    await require_record(request, pool)
    bylaws = await load_bylaws(request.app[ACTORS], pool)
    try:
        return pool, await ledger_of(request.app, pool, bylaws), bylaws.currency
    except GovernanceError as exc:
        raise Conflict(f"The ledger does not check out ({exc.reason}); nothing to export until "
                       "it is repaired.") from None


@routes.get(r"/pools/{name:[a-z0-9_]+}/ledger.csv", name="web.ledger_csv")
async def ledger_csv(request: web.Request) -> web.Response:
    """Every ledger entry, oldest first: money in and out as positive amounts, with the reference."""
    pool, ledger, currency = await _readable(request)
    lines = await entry_lines(Labels(request.app, pool), ledger)
    return _download(pool, "ledger", csv_text(
        ("number", "time_utc", "kind", "what", "party", "reference", "money_in", "money_out",
         "currency", "entry", "hash"),
        ((e.number, e.at.strftime("%Y-%m-%dT%H:%M:%SZ"), e.kind, e.what, e.party, e.reference,
          money_input(e.money_in, currency) if e.money_in else "",
          money_input(e.money_out, currency) if e.money_out else "", currency, e.entry_id, e.hash)
         for e in lines)))


@routes.get(r"/pools/{name:[a-z0-9_]+}/balances.csv", name="web.balances_csv")
async def balances_csv(request: web.Request) -> web.Response:
    """Every non-zero balance with its name, the fund first."""
    pool, ledger, currency = await _readable(request)
    lines = await account_lines(Labels(request.app, pool), ledger)
    return _download(pool, "balances", csv_text(
        ("account", "label", "amount", "currency"),
        ((a.account, a.label, money_input(a.amount, currency), currency) for a in lines)))


@routes.get(r"/pools/{name:[a-z0-9_]+}/members.csv", name="web.members_csv")
async def members_csv(request: web.Request) -> web.Response:
    """Every member, applicant and former member with their capital (the share register)."""
    pool, ledger, currency = await _readable(request)
    labels = Labels(request.app, pool)
    roles = {m.person_uri: " ".join(m.roles)
             for m in await request.app[ACTORS].memberships_of_pool(pool.id, state=None)}
    rows = await register(request.app, pool, ledger, labels.names)
    return _download(pool, "members", csv_text(
        ("name", "actor", "state", "roles", "paid_in", "capital", "refund_owed", "refunds_paid", "currency"),
        ((s.name, s.person, s.state, roles.get(s.person, ""), money_input(s.contributed, currency),
          money_input(s.capital, currency), money_input(s.owed_now, currency),
          money_input(s.refunded, currency), currency) for s in rows)))
