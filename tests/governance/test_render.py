import re
from fractions import Fraction

from governance import AdmissionPolicy, Threshold, render_bylaws
from governance.render import fraction_words, threshold_words
from tests.governance.builders import bylaws


def test_fraction_and_threshold_words() -> None:
    assert threshold_words(Threshold.more_than(Fraction(1, 2))) == "more than half (1/2)"
    assert threshold_words(Threshold.at_least(Fraction(2, 3))) == "at least two thirds (2/3)"
    assert threshold_words(Threshold.unanimity()) == "unanimity (1/1)"
    assert fraction_words(Fraction(5, 7)) == "5/7"


def test_rendered_bylaws_contain_the_pools_numbers() -> None:
    text = render_bylaws(
        bylaws(admission=AdmissionPolicy.VOTE, block_vetoes=True, quorum=Fraction(1, 3))
    )
    assert text.startswith("# Bylaws of Commons\n")
    for needle in (
        "Share tools.",
        "EUR 25.00",
        "admission proposal",
        "One member, one vote",
        "more than half (1/2)",
        "one third (1/3)",
        "7 days",
        "A single block vetoes",
        "at least two thirds (2/3)",
        "## 6. Withdrawal of capital",
        "## 8. Dissolution",
        "## 5. Finances and the fund",
    ):
        assert needle in text, needle


def test_rendering_is_deterministic() -> None:
    assert render_bylaws(bylaws()) == render_bylaws(bylaws())
    assert "does not veto" in render_bylaws(bylaws())


class _Shouting:
    """Translations into an upper-case 'language' (placeholders kept), to see what goes through."""

    def gettext(self, message: str, /) -> str:
        parts = re.split(r"(%\([a-z_]+\)[sd])", message)
        return "".join(p if p.startswith("%(") else p.upper() for p in parts)

    def ngettext(self, singular: str, plural: str, n: int, /) -> str:
        return self.gettext(singular if n == 1 else plural)


def test_the_bylaws_take_translations_and_a_money_writer_and_stay_pure() -> None:
    """The node hands in its catalog and Babel's money; the core only calls them."""
    text = render_bylaws(bylaws(quorum=Fraction(1, 3)), _Shouting(),
                         lambda amount, currency: f"<{amount} {currency}>")
    assert text.startswith("# BYLAWS OF Commons\n")  # the pool's own name is not translated
    for needle in ("## 3. ONE MEMBER, ONE VOTE", "<2500 EUR>", "MORE THAN HALF (1/2)",
                   "ONE THIRD (1/3)", "7 DAYS", "Share tools."):
        assert needle in text, needle
    assert "EUR 25.00" not in text and "One member" not in text
    assert threshold_words(Threshold.unanimity(), _Shouting()) == "UNANIMITY (1/1)"
