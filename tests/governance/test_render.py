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
