"""The ledger as people read it: names for accounts, money in and out as positive amounts.

Money *in* and *out* are what a bank statement of the pool would show: the change in what the
pool holds (its free fund plus the money set aside for approved payees). A contribution or a
donation is money in; a payment to a payee or a refund to a member is money out; setting money
aside, releasing it and booking a refund as owed move money inside the pool and are neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from aiohttp import web

from governance import Ledger
from governance.ledger import EntryKind, LedgerEntry
from node.assets import assets
from node.storage import ActorRecord
from node.web.i18n import N_
from node.web.i18n import gettext as _
from node.web.names import Names
from node.web.treasury import bucket_of, disbursement_of

__all__ = ["AccountLine", "EntryLine", "Labels", "account_lines", "entry_lines", "held_change"]

_FUND = "fund"


def held_change(entry: LedgerEntry) -> int:
    """How much the money the pool holds (fund and commitments) changed with this entry."""
    return sum(p.amount for p in entry.transaction.postings
               if p.account == _FUND or p.account.startswith("commitment:"))


@dataclass(frozen=True, slots=True)
class EntryLine:
    """One ledger entry as a row: what happened, with whom, and the money in or out."""

    number: int
    at: datetime
    kind: str
    what: str
    party: str
    reference: str
    money_in: int
    money_out: int
    moved: int
    entry_id: str
    hash: str


@dataclass(frozen=True, slots=True)
class AccountLine:
    """A balance with a readable name; ``amount`` is never negative."""

    account: str
    label: str
    amount: int


class Labels:
    """Names for the parties and commitments of one pool's ledger (looked up once each)."""

    def __init__(self, app: web.Application, pool: ActorRecord) -> None:
        self._app, self._pool = app, pool
        self.names = Names(app)
        self._titles: dict[str, str] = {}

    async def title(self, ref: str) -> str:
        """The title of the proposal a commitment was booked for."""
        if ref not in self._titles:
            found = await disbursement_of(self._app, self._pool, ref)
            bucket = await bucket_of(self._app, self._pool, ref) if found is None else None
            self._titles[ref] = (found[0].title if found is not None else bucket.title if bucket is not None
                                 else await self.names.of(ref))
        return self._titles[ref]

    async def party(self, account: str) -> str:
        """Who or what an account stands for, by name."""
        prefix, _sep, rest = account.partition(":")
        if prefix == "commitment":
            return await self.title(rest)
        if prefix == "asset":
            found = await assets(self._app).by_uri(rest)
            return found.name if found is not None else rest
        return await self.names.of(rest) if rest else _("the fund")

    async def account(self, account: str, balance: int) -> str:
        """A balance's label as the reader sees it."""
        prefix = account.partition(":")[0]
        name = await self.party(account)
        if prefix == "fund":
            return _("Fund: free to spend")
        if prefix == "capital":
            return _("Capital of %(name)s", name=name)
        if prefix == "commitment":
            return _("Set aside for %(name)s", name=name)
        if prefix == "owed":
            return _("Refund owed to %(name)s", name=name)
        if prefix == "asset":
            return _("Asset: %(name)s (what it cost)", name=name)
        if prefix == "external":
            return _("Paid to %(name)s", name=name) if balance > 0 else _("Given by %(name)s", name=name)
        return account


# What each kind of entry is called on the page (English catalog entries, shown translated).
_WHAT = {
    EntryKind.CONTRIBUTION: N_("Contribution"),
    EntryKind.DONATION: N_("Donation"),
    EntryKind.COMMITMENT: N_("Set aside"),
    EntryKind.PAYMENT: N_("Payment"),
    EntryKind.RELEASE: N_("Returned to the fund"),
    EntryKind.REFUND: N_("Refund paid"),
    EntryKind.REFUND_OWED: N_("Refund owed"),
    EntryKind.ASSET_PURCHASE: N_("Asset bought"),
    EntryKind.CALL_PAYMENT: N_("Paid toward a capital call"),
}


async def _party_of(labels: Labels, entry: LedgerEntry) -> tuple[str, str | None]:
    tx = entry.transaction
    accounts = [p.account for p in tx.postings if p.account != _FUND]
    people = [a for a in accounts if a.startswith(("capital:", "external:", "owed:", "asset:"))]
    commitments = [a for a in accounts if a.startswith("commitment:")]
    who = await labels.party(people[0]) if people else ""
    for_what = await labels.party(commitments[0]) if commitments else None
    return who, for_what


async def entry_lines(labels: Labels, ledger: Ledger) -> list[EntryLine]:
    """Every entry as a readable row, oldest first."""
    lines = []
    for number, entry in enumerate(ledger.entries, start=1):
        tx = entry.transaction
        who, for_what = await _party_of(labels, entry)
        party = _("%(who)s for %(what)s", who=who, what=for_what) if who and for_what \
            else (who or for_what or "")
        change = held_change(entry)
        moved = 0 if change else sum(p.amount for p in tx.postings if p.amount > 0)
        # A refund's reference is the person refunded (a URL): their name is already shown.
        reference = "" if tx.kind in (EntryKind.REFUND, EntryKind.REFUND_OWED, EntryKind.COMMITMENT) \
            else (tx.reference or "")
        lines.append(EntryLine(
            number, tx.at.astimezone(UTC), tx.kind.value,
            _(_WHAT[tx.kind]) if tx.kind in _WHAT else tx.kind.value, party,
            reference, max(change, 0), max(-change, 0), moved, tx.id, entry.hash,
        ))
    return lines


async def account_lines(labels: Labels, ledger: Ledger) -> list[AccountLine]:
    """Every non-zero balance with its name, the fund first, then by label."""
    lines = [AccountLine(account, await labels.account(account, balance), abs(balance))
             for account, balance in ledger.balances.items() if balance]
    return sorted(lines, key=lambda line: (line.account != _FUND, line.label.casefold()))
