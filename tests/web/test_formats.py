"""What people type becomes exact values: integer minor units, Fractions, whole seconds."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

import pytest

from node.web.formats import money_input, parse_period, parse_share, period_input


@pytest.mark.parametrize(("raw", "value"), [
    ("2/3", Fraction(2, 3)), (" 1 / 2 ", Fraction(1, 2)), ("66.5%", Fraction(133, 200)),
    ("60 %", Fraction(3, 5)), ("0.1", Fraction(1, 10)), (".25", Fraction(1, 4)), ("1", Fraction(1)),
    ("0", Fraction(0)), ("100%", Fraction(1)), ("0%", Fraction(0)),
])
def test_shares_are_exact(raw: str, value: Fraction) -> None:
    parsed = parse_share(raw)
    assert parsed == value and isinstance(parsed, Fraction)


@pytest.mark.parametrize("raw", ["", "1/0", "3/2", "150%", "1.5", "-1/2", "nan", "inf", "1e-3",
                                 "0.1.2", "two thirds", "1//2", "50%%", "１/２"])
def test_unusable_shares_are_refused(raw: str) -> None:
    assert parse_share(raw) is None


@pytest.mark.parametrize(("raw", "seconds"), [
    ("7", 7 * 86400), ("7 days", 7 * 86400), ("1 day 12 hours", 36 * 3600), ("36h", 36 * 3600),
    ("90 minutes", 5400), ("15 seconds", 15), ("2d, 3h", 2 * 86400 + 3 * 3600),
])
def test_periods(raw: str, seconds: int) -> None:
    period = parse_period(raw)
    assert period == timedelta(seconds=seconds)
    assert period is not None and parse_period(period_input(period)) == period


@pytest.mark.parametrize("raw", ["", "0", "0 days", "forever", "7 weeks", "days", "367 days",
                                 "1.5 days", "-1 day", "7 days ago", "²", "٣ days"])
def test_unusable_periods_are_refused(raw: str) -> None:
    assert parse_period(raw) is None


def test_money_input_shows_minor_units() -> None:
    assert money_input(1250, "EUR") == "12.50" and money_input(500, "JPY") == "500"
    assert money_input(5, "BHD") == "0.005"
