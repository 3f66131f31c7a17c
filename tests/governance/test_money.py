import pytest
from hypothesis import given
from hypothesis import strategies as st

from governance.errors import RuleViolation
from governance.money import (
    MAX_AMOUNT,
    check_amount,
    check_currency,
    format_money,
    minor_units,
    parse_amount,
)


def test_format_money_uses_minor_units() -> None:
    assert format_money(2500, "EUR") == "EUR 25.00"
    assert format_money(5, "USD") == "USD 0.05"
    assert format_money(500, "JPY") == "JPY 500"
    assert format_money(1234, "KWD") == "KWD 1.234"
    assert format_money(-150, "GBP") == "GBP -1.50"
    assert minor_units("XYZ") == 2


@pytest.mark.parametrize("code", ["eur", "EU", "EURO", "E1R", ""])
def test_bad_currency_codes(code: str) -> None:
    with pytest.raises(RuleViolation) as info:
        check_currency(code)
    assert info.value.code == "invalid_currency"


# --- typed amounts: the one parser every surface uses (issue 12, item 7) ---


def test_parse_amount_reads_minor_units() -> None:
    assert parse_amount("12", "EUR") == 1200 and parse_amount(" 12.5 ", "EUR") == 1250
    assert parse_amount("12,50", "EUR") == 1250 and parse_amount("500", "JPY") == 500
    assert parse_amount("1.234", "KWD") == 1234 and parse_amount("0", "EUR", allow_zero=True) == 0
    assert parse_amount("90071992547409.91", "EUR") == MAX_AMOUNT


@pytest.mark.parametrize("text", [
    "1e999000", "1e999999", "1E3", "1_000", "١٠٠٠", "１２", "-5", "+5", "12.345", "1.2.3", "12,",
    ".5", "", " ", "NaN", "Infinity", "0x10", "1 000", "12.5€", "1" * 10_000 + "x",
])
def test_parse_amount_refuses_every_other_form(text: str) -> None:
    with pytest.raises(RuleViolation) as info:
        parse_amount(text, "EUR")
    assert info.value.code == "invalid_amount" and "EUR" in info.value.reason


@pytest.mark.parametrize("text", ["90071992547409.92", "99999999999999999999", "9" * 999_999])
def test_too_large_amounts_say_so_in_plain_words(text: str) -> None:
    with pytest.raises(RuleViolation) as info:
        parse_amount(text, "EUR")
    assert info.value.code == "amount_too_large"
    assert info.value.reason == "the amount is too large: at most EUR 90071992547409.91"
    assert "2^53" not in info.value.reason


def test_zero_and_jpy_decimals_are_refused() -> None:
    with pytest.raises(RuleViolation, match="more than zero"):
        parse_amount("0", "EUR")
    with pytest.raises(RuleViolation, match="JPY has no minor unit"):
        parse_amount("1.5", "JPY")


@pytest.mark.parametrize("value", [1.5, "12", True, None, -1, 0, 2**53, 2**80])
def test_check_amount_takes_whole_minor_units_in_range(value: object) -> None:
    with pytest.raises(RuleViolation) as info:
        check_amount(value, "EUR")
    assert info.value.code in ("invalid_amount", "amount_too_large")


@given(st.integers(min_value=1, max_value=MAX_AMOUNT), st.sampled_from(["EUR", "JPY", "KWD"]),
       st.sampled_from([".", ","]))
def test_parse_amount_round_trips_every_amount_in_range(amount: int, currency: str, sep: str) -> None:
    shown = format_money(amount, currency).split(" ", 1)[1].replace(".", sep)
    assert parse_amount(shown, currency) == amount


@given(st.text(max_size=40))
def test_parse_amount_either_reads_ascii_digits_or_refuses(text: str) -> None:
    try:
        amount = parse_amount(text, "EUR")
    except RuleViolation as exc:
        assert exc.code in ("invalid_amount", "amount_too_large")
    else:
        assert 1 <= amount <= MAX_AMOUNT
        assert set(text.strip()) <= set("0123456789.,")
