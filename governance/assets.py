"""The asset register: what the pool owns (a room, a van, tools, land), what it paid, how it
loses value, and who looks after it.

A purchase is paid from a commitment (a passed disbursement or investment proposal) and booked
into ``asset:<id>`` (``book_purchase``). Depreciation is straight-line in whole minor units per
whole period since the asset was acquired, down to zero: ``Asset.book_value(at)``. Members book
assets for their use in :mod:`governance.bookings`.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from governance.codec import datetime_from_str, datetime_to_str, get_field, utc
from governance.errors import Conflict, NotPermitted, RuleViolation
from governance.kinds import ASSET_KINDS, TENURES
from governance.ledger import Ledger
from governance.ledger_entries import (
    EntryKind,
    Posting,
    Transaction,
    asset_account,
    commitment_account,
)
from governance.membership import Role, Roster
from governance.money import MAX_AMOUNT

__all__ = [
    "ASSET_KINDS",
    "MAX_ASSETS",
    "TENURES",
    "Asset",
    "AssetRegister",
    "Depreciation",
    "DepreciationPeriod",
    "book_purchase",
    "months_between",
]

MAX_ASSETS = 10_000
_MAX_NAME = 200


class DepreciationPeriod(StrEnum):
    """The period depreciation is booked by."""

    MONTH = "month"
    YEAR = "year"


def _add_months(moment: datetime, months: int) -> datetime:
    years, month = divmod(moment.month - 1 + months, 12)
    year = moment.year + years
    day = min(moment.day, monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def months_between(start: datetime, end: datetime) -> int:
    """Whole months from ``start`` to ``end`` (0 if ``end`` is earlier): a month has passed on
    the same day and time of the next month, or on its last day when it is shorter."""
    start, end = utc(start), utc(end)
    if end <= start:
        return 0
    months = (end.year - start.year) * 12 + end.month - start.month
    if _add_months(start, months) > end:
        months -= 1
    return months


@dataclass(frozen=True, slots=True)
class Depreciation:
    """Straight-line depreciation: ``amount`` minor units each whole ``period``."""

    amount: int
    period: DepreciationPeriod

    def __post_init__(self) -> None:
        amount = self.amount
        if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_AMOUNT:
            raise RuleViolation("invalid_asset", "depreciation is positive whole minor units")
        if not isinstance(self.period, DepreciationPeriod):
            raise RuleViolation("invalid_asset", "depreciation is by month or by year")


@dataclass(frozen=True, slots=True)
class Asset:
    """Something the pool owns: bought for ``purchase`` minor units at ``acquired_at``."""

    id: str
    name: str
    purchase: int
    acquired_at: datetime
    keeper: str
    depreciation: Depreciation | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id or "|" in self.id:
            raise RuleViolation("invalid_asset", "an asset needs an id")
        if not isinstance(self.name, str) or not self.name.strip() or len(self.name) > _MAX_NAME:
            raise RuleViolation("invalid_asset", f"an asset's name has 1 to {_MAX_NAME} characters")
        purchase = self.purchase
        if isinstance(purchase, bool) or not isinstance(purchase, int) or not 0 < purchase <= MAX_AMOUNT:
            raise RuleViolation("invalid_amount", "the purchase is positive whole minor units")
        object.__setattr__(self, "acquired_at", utc(self.acquired_at, "acquisition time"))
        if not isinstance(self.keeper, str) or not self.keeper or "\n" in self.keeper:
            raise RuleViolation("invalid_person", "an asset's keeper is a person id")
        if self.depreciation is not None and not isinstance(self.depreciation, Depreciation):
            raise RuleViolation("invalid_asset", "depreciation must be a Depreciation")
        if self.depreciation is not None and self.depreciation.amount > purchase:
            raise RuleViolation("invalid_asset", "an asset loses at most its purchase per period")

    def periods_elapsed(self, at: datetime) -> int:
        """Whole depreciation periods from acquisition to ``at``."""
        if self.depreciation is None:
            return 0
        months = months_between(self.acquired_at, at)
        return months if self.depreciation.period is DepreciationPeriod.MONTH else months // 12

    def book_value(self, at: datetime) -> int:
        """What the asset is worth in the books at ``at``: purchase less depreciation, from 0."""
        if self.depreciation is None:
            return self.purchase
        return max(0, self.purchase - self.depreciation.amount * self.periods_elapsed(at))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        data: dict[str, Any] = {"id": self.id, "name": self.name, "purchase": self.purchase,
                                "acquired_at": datetime_to_str(self.acquired_at),
                                "keeper": self.keeper}
        if self.depreciation is not None:
            data["depreciation"] = {"amount": self.depreciation.amount,
                                    "period": self.depreciation.period.value}
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Asset:
        """Inverse of ``to_dict``."""
        depreciation = None
        if "depreciation" in data:
            spec = get_field(data, "depreciation", dict)
            period = get_field(spec, "period", str)
            if period not in DepreciationPeriod.__members__.values():
                raise RuleViolation("invalid_document", f"unknown depreciation period {period!r}")
            depreciation = Depreciation(get_field(spec, "amount", int), DepreciationPeriod(period))
        return cls(get_field(data, "id", str), get_field(data, "name", str),
                   get_field(data, "purchase", int),
                   datetime_from_str(get_field(data, "acquired_at", str)),
                   get_field(data, "keeper", str), depreciation)


@dataclass(frozen=True, slots=True)
class AssetRegister:
    """The pool's assets by id; operations return a new register."""

    assets: Mapping[str, Asset] = field(default_factory=lambda: MappingProxyType({}))

    def get(self, asset_id: str) -> Asset:
        """The asset ``asset_id`` (``unknown_asset`` if the pool has none by that id)."""
        asset = self.assets.get(asset_id)
        if asset is None:
            raise RuleViolation("unknown_asset", "the pool has no such asset")
        return asset

    def register(self, asset: Asset, roster: Roster) -> AssetRegister:
        """Add ``asset``, looked after by a member; the same asset again changes nothing."""
        known = self.assets.get(asset.id)
        if known is not None:
            if known != asset:
                raise Conflict("asset_id_conflict", "another asset has this id")
            return self
        if len(self.assets) >= MAX_ASSETS:
            raise RuleViolation("too_many_assets", f"a pool registers at most {MAX_ASSETS} assets")
        if not roster.is_member(asset.keeper):
            raise RuleViolation("not_a_member", "an asset is looked after by a member")
        return AssetRegister(MappingProxyType({**self.assets, asset.id: asset}))

    def hand_over(self, asset_id: str, keeper: str, roster: Roster) -> AssetRegister:
        """Another member looks after ``asset_id`` from now on."""
        asset = self.get(asset_id)
        if not roster.is_member(keeper):
            raise RuleViolation("not_a_member", "an asset is looked after by a member")
        return AssetRegister(MappingProxyType({**self.assets,
                                               asset_id: replace(asset, keeper=keeper)}))


def book_purchase(id: str, at: datetime, ledger: Ledger, asset: Asset, commitment: str, *,
                  reference: str, by: str, roster: Roster) -> Transaction:
    """A treasurer records that the purchase of ``asset`` was paid from ``commitment`` (the
    passed proposal that approved it): ``asset:<id>`` +P, ``commitment:<ref>`` -P."""
    entry = roster.get(by)
    if entry is None or not entry.has(Role.TREASURER):
        raise NotPermitted("not_permitted", "only a treasurer may record this")
    if not reference:
        raise RuleViolation("missing_reference", "a payment needs a reference")
    account = asset_account(asset.id)
    if any(e.transaction.kind is EntryKind.ASSET_PURCHASE and e.id != id
           and any(p.account == account for p in e.transaction.postings) for e in ledger.entries):
        raise Conflict("asset_booked", "the purchase of this asset is booked already")
    if asset.purchase > ledger.balance(commitment_account(commitment)):
        raise RuleViolation("exceeds_approved", "the commitment holds less than the purchase")
    return Transaction(
        id, at, EntryKind.ASSET_PURCHASE, ledger.currency,
        (Posting(account, asset.purchase), Posting(commitment_account(commitment), -asset.purchase)),
        memo=asset.name, reference=reference, recorded_by=by,
    )
