import re
from fractions import Fraction

from governance import AdmissionPolicy, Bylaws, Kind, Threshold, render_bylaws
from governance.coop_rules import BookingLimits, ShareType, SurplusMeasure
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


def _coop() -> Bylaws:
    return bylaws(
        member_classes=("worker", "consumer", "supporter"),
        class_majority=frozenset({Kind.SURPLUS, Kind.BYLAWS_CHANGE}),
        share_types=(ShareType("Member share", 5000, 1, (("worker", 3),)),
                     ShareType("Supporter share", 10000, 0, (("supporter", 1),))),
        surplus_measure=SurplusMeasure.EQUAL,
        booking_limits=BookingLimits(hours_per_month=1, equal_turns=True),
    )


def test_the_coop_settings_are_stated_when_set_and_numbered_on() -> None:
    text = render_bylaws(_coop())
    titles = re.findall(r"^## (\d+)\. (.+)$", text, re.MULTILINE)
    assert titles[11:] == [("12", "Member classes"), ("13", "Shares"), ("14", "Surplus"),
                           ("15", "Shared assets")]
    for needle in (
        "exactly one member class: worker, consumer, supporter",
        "every member still has exactly one vote",
        "within each member class that has members: changes of these bylaws, surplus distributions.",
        "- Member share: nominal value EUR 50.00; minimum holding 1. Members of the class worker: 3.",
        "- Supporter share: nominal value EUR 100.00; minimum holding 0. Members of the class "
        "supporter: 1.",
        "redeemed at the value they were issued at when the member leaves",
        "divided in equal shares, exactly to the smallest unit of EUR",
        "at most 1 hour in a calendar month (UTC).",
        "Equal turns: a member holds at most one booking of an asset that has not ended",
    ):
        assert needle in text, needle


def test_each_coop_setting_alone_gets_the_next_number_and_nothing_unset_is_said() -> None:
    only_assets = render_bylaws(bylaws(booking_limits=BookingLimits(hours_per_month=30)))
    assert "## 12. Shared assets" in only_assets and "30 hours" in only_assets
    assert "Equal turns" not in only_assets and "## 13." not in only_assets
    classes = render_bylaws(bylaws(member_classes=("worker",)))
    assert "## 12. Member classes" in classes and "These proposals pass only" not in classes
    by_patronage = render_bylaws(bylaws(surplus_measure=SurplusMeasure.PATRONAGE))
    assert "## 12. Surplus" in by_patronage and "patronage a treasurer recorded" in by_patronage
    by_capital = render_bylaws(bylaws(surplus_measure=SurplusMeasure.CONTRIBUTIONS))
    assert "capital each member contributed" in by_capital
    plain = render_bylaws(bylaws())
    assert "## 12." not in plain
    for word in ("class", "Shares", "Surplus", "Shared assets", "nominal"):
        assert word not in plain, word


def test_the_coop_sections_go_through_the_translations() -> None:
    text = render_bylaws(_coop(), _Shouting(), lambda amount, currency: f"<{amount} {currency}>")
    for needle in ("## 12. MEMBER CLASSES", "## 15. SHARED ASSETS", "<5000 EUR>",
                   "CHANGES OF THESE BYLAWS, SURPLUS DISTRIBUTIONS", "worker, consumer"):
        assert needle in text, needle
