import pytest

from governance.errors import RuleViolation
from governance.money import check_currency, format_money, minor_units


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
