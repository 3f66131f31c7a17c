"""Capital statements: what each member paid in, what is owed back and what was paid back.

A member sees their own statement; stewards and treasurers also see the share register (every
member's capital, one line each) and anyone's statement from it. Amounts are positive, in the
pool's currency; they are read from the ledger, which the pool signs entry by entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from aiohttp import web

from governance import GovernanceError, Ledger
from governance.ledger import EntryKind, capital_account, owed_account
from governance.shares import shares_owed
from node.appkeys import ACTORS
from node.errors import Conflict, Forbidden, NotFound
from node.pool_engine.common import ledger_of, store
from node.pool_engine.shares import register_of
from node.pools import load_bylaws
from node.storage import ActorRecord, Membership
from node.web.i18n import gettext as _
from node.web.names import Names
from node.web.pools import _pool, viewer_membership
from node.web.render import render
from node.web.sessions import require_user

__all__ = ["CapitalLine", "Statement", "register", "routes", "statement"]

routes = web.RouteTableDef()
_KEEPERS = ("steward", "treasurer")


@dataclass(frozen=True, slots=True)
class CapitalLine:
    """One movement of a person's capital or refund: money paid in, owed back or paid back."""

    at: datetime
    what: str
    reference: str
    paid_in: int
    owed: int
    paid_back: int
    capital_after: int
    owed_after: int


@dataclass(frozen=True, slots=True)
class Statement:
    """A person's capital in one pool: every movement and the totals."""

    person: str
    name: str
    state: str
    lines: tuple[CapitalLine, ...]

    @property
    def contributed(self) -> int:
        """Everything the person paid in."""
        return sum(line.paid_in for line in self.lines)

    @property
    def refunded(self) -> int:
        """Everything the pool paid back."""
        return sum(line.paid_back for line in self.lines)

    @property
    def capital(self) -> int:
        """The capital the pool holds for the person now."""
        return self.lines[-1].capital_after if self.lines else 0

    @property
    def owed_now(self) -> int:
        """The refund booked as owed and not yet paid."""
        return self.lines[-1].owed_after if self.lines else 0


def statement(ledger: Ledger, person: str, name: str, state: str) -> Statement:
    """Every entry that moved ``person``'s capital or refund owed, with running balances."""
    capital, owed = capital_account(person), owed_account(person)
    lines: list[CapitalLine] = []
    held = due = 0
    for entry in ledger.entries:
        tx = entry.transaction
        legs = {p.account: p.amount for p in tx.postings if p.account in (capital, owed)}
        if not legs:
            continue
        paid_in = -legs.get(capital, 0) if tx.kind is EntryKind.CONTRIBUTION else 0
        owed_now = -legs.get(owed, 0) if tx.kind is EntryKind.REFUND_OWED else 0
        paid_back = (legs.get(capital, 0) + legs.get(owed, 0)) if tx.kind is EntryKind.REFUND else 0
        held -= legs.get(capital, 0)
        due -= legs.get(owed, 0)
        what = {EntryKind.CONTRIBUTION: _("Paid in"),
                EntryKind.REFUND_OWED: _("Refund owed (waiting for funds)"),
                EntryKind.REFUND: _("Refund paid"),
                EntryKind.SHARE_ISSUE: _("Shares issued from capital (%(shares)s)", shares=tx.memo),
                EntryKind.SHARE_REDEMPTION: _("Shares redeemed into capital (%(shares)s)",
                                              shares=tx.memo)}.get(tx.kind, tx.kind.value.replace("_", " "))
        reference = tx.reference or "" if tx.kind is EntryKind.CONTRIBUTION else ""
        lines.append(CapitalLine(tx.at.astimezone(UTC), what, reference, paid_in, owed_now, paid_back,
                                 held, due))
    return Statement(person, name, state, tuple(lines))


async def register(app: web.Application, pool: ActorRecord, ledger: Ledger, names: Names) -> list[Statement]:
    """The share register: a statement for every member, applicant and former member, by name."""
    people = await app[ACTORS].memberships_of_pool(pool.id, state=None)
    known = {m.person_uri: m.state for m in people}
    for account in ledger.balances:  # someone with capital booked but no membership row (kept anyway)
        if account.startswith(("capital:", "owed:")):
            known.setdefault(account.split(":", 1)[1], "unknown")
    rows = [statement(ledger, uri, await names.of(uri), state) for uri, state in known.items()]
    return sorted(rows, key=lambda s: (s.state != "member", s.name.casefold()))


def _keeper(membership: Membership | None) -> bool:
    return membership is not None and membership.state == "member" and any(r in membership.roles for r in _KEEPERS)


@routes.get(r"/pools/{name:[a-z0-9_]+}/capital", name="web.capital")
async def capital_page(request: web.Request) -> web.Response:
    """The signed-in person's capital statement; for stewards and treasurers the share register too."""
    user = require_user(request)
    pool = await _pool(request, request.match_info["name"])
    membership = await viewer_membership(request, pool)
    keeper = _keeper(membership)
    person = request.query.get("person", user.uri)
    if person != user.uri and not keeper:
        raise Forbidden(_("Only the pool's stewards and treasurers see other people's capital."))
    if membership is None and not keeper:
        raise Forbidden(_("You have no capital in %(pool)s: you have not applied to it.",
                          pool=pool.display_name))
    bylaws = await load_bylaws(request.app[ACTORS], pool)
    try:
        ledger = await ledger_of(request.app, pool, bylaws)
    except GovernanceError as exc:
        raise Conflict(_("The ledger does not check out (%(reason)s); statements wait for a repair.",
                         reason=exc.reason)) from None
    names = Names(request.app)
    rows = await register(request.app, pool, ledger, names) if keeper else []
    states = {s.person: s.state for s in rows}
    if person != user.uri and person not in states:
        raise NotFound(_("That person has no membership or capital in this pool."))
    own_state = states.get(person) or (membership.state if membership and person == user.uri else "")
    mine = statement(ledger, person, await names.of(person), own_state)
    shares = await register_of(request.app, pool)
    holdings = shares.holdings(person)
    row = await store(request.app).membership(pool.id, person)
    due = shares_owed(shares, bylaws, person, row.member_class) \
        if row is not None and row.state == "member" else ()
    return await render(request, "capital.html", {
        "pool": pool, "currency": bylaws.currency, "statement": mine, "own": person == user.uri,
        "register": rows, "keeper": keeper, "holdings": holdings,
        "share_capital": sum(lot.count * lot.nominal for lot in holdings), "due": due,
        "value_due": sum(d.value for d in due),
    })
