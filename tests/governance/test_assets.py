"""The asset register: depreciation, keepers and the purchase in the ledger."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from governance import Conflict, Ledger, NotPermitted, Roster, RuleViolation, donation
from governance.assets import (
    Asset,
    AssetRegister,
    Depreciation,
    DepreciationPeriod,
    book_purchase,
    months_between,
)
from governance.ledger_entries import FUND, EntryKind, Posting, Transaction, commitment_account

ROSTER = Roster.found(["ana", "ben"], datetime(2025, 1, 1, tzinfo=UTC)).apply("zoe", datetime(2025, 1, 1, tzinfo=UTC))


def _t(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_whole_months_pass_on_the_same_day_or_the_last_of_a_shorter_month() -> None:
    assert months_between(_t(2025, 1, 31, 10), _t(2025, 2, 28, 9, 59)) == 0
    assert months_between(_t(2025, 1, 31, 10), _t(2025, 2, 28, 10)) == 1
    assert months_between(_t(2024, 1, 31, 10), _t(2024, 2, 29, 10)) == 1
    assert months_between(_t(2025, 3, 15), _t(2026, 3, 14)) == 11
    assert months_between(_t(2025, 3, 15), _t(2026, 3, 15)) == 12
    assert months_between(_t(2025, 3, 15), _t(2025, 1, 1)) == 0


def test_book_value_is_straight_line_in_whole_units_down_to_zero() -> None:
    van = Asset("van", "Cargo van", 1_200_000, _t(2025, 1, 10), "ana",
                Depreciation(25_000, DepreciationPeriod.MONTH))
    assert van.book_value(_t(2025, 1, 9)) == 1_200_000
    assert van.book_value(_t(2025, 6, 10)) == 1_200_000 - 5 * 25_000
    assert van.book_value(_t(2035, 1, 10)) == 0
    land = Asset("land", "Orchard", 5_000_000, _t(2020, 5, 1), "ben")
    assert land.book_value(_t(2045, 1, 1)) == 5_000_000
    tools = Asset("tools", "Tool wall", 90_000, _t(2024, 2, 1), "ben",
                  Depreciation(30_000, DepreciationPeriod.YEAR))
    assert [tools.book_value(_t(y, 2, 1)) for y in (2024, 2025, 2026, 2027, 2028)] == [
        90_000, 60_000, 30_000, 0, 0]
    assert Asset.from_dict(van.to_dict()) == van and Asset.from_dict(land.to_dict()) == land


@pytest.mark.parametrize(("args", "code"), [
    (("", "Van", 100, _t(2025, 1, 1), "ana"), "invalid_asset"),
    (("van", " ", 100, _t(2025, 1, 1), "ana"), "invalid_asset"),
    (("van", "Van", 0, _t(2025, 1, 1), "ana"), "invalid_amount"),
    (("van", "Van", 100, datetime(2025, 1, 1), "ana"), "naive_datetime"),
    (("van", "Van", 100, _t(2025, 1, 1), "ana", Depreciation(101, DepreciationPeriod.YEAR)),
     "invalid_asset"),
])
def test_assets_are_checked(args: tuple[object, ...], code: str) -> None:
    with pytest.raises(RuleViolation) as info:
        Asset(*args)  # type: ignore[arg-type]
    assert info.value.code == code


def test_a_member_keeps_each_asset() -> None:
    van = Asset("van", "Cargo van", 100, _t(2025, 1, 1), "ana")
    register = AssetRegister().register(van, ROSTER)
    assert register.register(van, ROSTER) is register
    with pytest.raises(Conflict):
        register.register(Asset("van", "Other van", 100, _t(2025, 1, 1), "ana"), ROSTER)
    with pytest.raises(RuleViolation) as info:
        AssetRegister().register(Asset("x", "X", 1, _t(2025, 1, 1), "zoe"), ROSTER)
    assert info.value.code == "not_a_member"
    assert register.hand_over("van", "ben", ROSTER).get("van").keeper == "ben"
    with pytest.raises(RuleViolation) as info:
        register.get("bike")
    assert info.value.code == "unknown_asset"


def test_the_purchase_is_paid_from_a_commitment_into_the_asset_account() -> None:
    ledger = Ledger("EUR")
    ledger = ledger.apply(donation("d", _t(2025, 1, 2), ledger, "friend", 500_000, by="ana",
                                   roster=ROSTER))
    ledger = ledger.apply(Transaction("c", _t(2025, 1, 3), EntryKind.COMMITMENT, "EUR",
                                      (Posting(commitment_account("p9"), 400_000),
                                       Posting(FUND, -400_000)), reference="p9"))
    van = Asset("van", "Cargo van", 380_000, _t(2025, 1, 5), "ana")
    with pytest.raises(NotPermitted):
        book_purchase("buy", _t(2025, 1, 5), ledger, van, "p9", reference="inv 1", by="zoe",
                      roster=ROSTER)
    with pytest.raises(RuleViolation) as info:
        book_purchase("buy", _t(2025, 1, 5), ledger, van, "p8", reference="inv 1", by="ana",
                      roster=ROSTER)
    assert info.value.code == "exceeds_approved"
    entry = book_purchase("buy", _t(2025, 1, 5), ledger, van, "p9", reference="inv 1", by="ana",
                          roster=ROSTER)
    ledger = ledger.apply(entry)
    assert ledger.balance("asset:van") == 380_000 and ledger.balance(commitment_account("p9")) == 20_000
    assert entry.kind is EntryKind.ASSET_PURCHASE and entry.memo == "Cargo van"
    with pytest.raises(Conflict) as conflict:
        book_purchase("buy2", _t(2025, 1, 6), ledger, van, "p9", reference="inv 2", by="ana",
                      roster=ROSTER)
    assert conflict.value.code == "asset_booked"
