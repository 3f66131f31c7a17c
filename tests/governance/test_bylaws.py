from datetime import timedelta
from fractions import Fraction

import pytest

from governance import AdmissionPolicy, Bylaws, Comparator, RuleViolation, Threshold
from tests.governance.builders import bylaws


def test_threshold_comparators_are_exact() -> None:
    half = Threshold.more_than(Fraction(1, 2))
    assert not half.met(5, 10) and half.met(6, 10)
    at_least = Threshold.at_least(Fraction(1, 2))
    assert at_least.met(5, 10) and not at_least.met(4, 10)
    assert Threshold.unanimity().met(3, 3) and not Threshold.unanimity().met(2, 3)
    assert not half.met(0, 0)
    assert Threshold.more_than(Fraction(0)).met(1, 9) and not Threshold.more_than(Fraction(0)).met(0, 9)


@pytest.mark.parametrize(
    ("comparator", "fraction"),
    [
        (Comparator.MORE_THAN, Fraction(1)),
        (Comparator.AT_LEAST, Fraction(0)),
        (Comparator.AT_LEAST, Fraction(3, 2)),
        (Comparator.MORE_THAN, Fraction(-1, 2)),
    ],
)
def test_invalid_thresholds(comparator: Comparator, fraction: Fraction) -> None:
    with pytest.raises(RuleViolation) as info:
        Threshold(comparator, fraction)
    assert info.value.code == "invalid_bylaws"


def test_threshold_strictness_order() -> None:
    assert Threshold.more_than(Fraction(1, 2)).strictness() > Threshold.at_least(Fraction(1, 2)).strictness()
    assert Threshold.at_least(Fraction(2, 3)).strictness() > Threshold.more_than(Fraction(1, 2)).strictness()


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"quorum": Fraction(3, 2)}, "quorum must be a fraction between 0 and 1"),
        ({"quorum": 0.5}, "quorum must be a fraction between 0 and 1"),
        ({"currency": "eur"}, "currency must be an ISO 4217 code (3 letters A-Z)"),
        ({"min_share": -1}, "minimum share cannot be negative"),
        ({"min_share": 2.5}, "minimum share must be an integer number of minor units"),
        ({"name": " "}, "the pool needs a name"),
        ({"voting_period": timedelta(0)}, "voting period must be positive"),
        ({"voting_period": timedelta(seconds=1.5)}, "voting period must be a whole number of seconds"),
        (
            {"threshold": Threshold.at_least(Fraction(3, 4))},
            "bylaws changes need a threshold at least as strict as decisions",
        ),
        (
            {"amendment_threshold": Threshold.at_least(Fraction(1, 2))},
            "bylaws changes need a threshold at least as strict as decisions",
        ),
        ({"admission": "anyone"}, "admission must be open, steward or vote"),
    ],
)
def test_invalid_bylaws_have_clear_reasons(changes: dict[str, object], reason: str) -> None:
    with pytest.raises(RuleViolation) as info:
        bylaws(**changes)
    assert info.value.code == "invalid_bylaws"
    assert info.value.reason == reason


def test_bylaws_dict_round_trip() -> None:
    b = bylaws(admission=AdmissionPolicy.VOTE, block_vetoes=True, quorum=Fraction(1, 3))
    data = b.to_dict()
    assert data == {
        "name": "Commons",
        "purpose": "Share tools.",
        "currency": "EUR",
        "min_share": 2500,
        "threshold": {"comparator": "more_than", "fraction": "1/2"},
        "quorum": "1/3",
        "voting_period_seconds": 604800,
        "admission": "vote",
        "block_vetoes": True,
        "amendment_threshold": {"comparator": "at_least", "fraction": "2/3"},
    }
    assert Bylaws.from_dict(data) == b


def test_bylaws_dict_carries_funding_settings_only_when_not_default() -> None:
    b = bylaws(funding_wait=timedelta(days=30), commitment_lapse=timedelta(days=60))
    data = b.to_dict()
    assert data["funding_wait_seconds"] == 30 * 86400
    assert data["commitment_lapse_seconds"] == 60 * 86400
    assert Bylaws.from_dict(data) == b


def test_bylaws_written_before_the_funding_settings_take_the_defaults() -> None:
    data = bylaws().to_dict()
    assert "funding_wait_seconds" not in data and "commitment_lapse_seconds" not in data
    assert Bylaws.from_dict(data) == bylaws()


@pytest.mark.parametrize(
    "mutation",
    [{"funding_wait_seconds": 0}, {"funding_wait_seconds": -1}, {"commitment_lapse_seconds": -5},
     {"funding_wait_seconds": "90"}, {"commitment_lapse_seconds": 11 * 366 * 86400}],
)
def test_bad_funding_settings_are_refused(mutation: dict[str, object]) -> None:
    with pytest.raises(RuleViolation):
        Bylaws.from_dict({**bylaws().to_dict(), **mutation})


@pytest.mark.parametrize(
    "mutation",
    [
        {"min_share": True},
        {"quorum": 0.5},
        {"admission": "nobody"},
        {"threshold": {"comparator": "about", "fraction": "1/2"}},
    ],
)
def test_bylaws_from_bad_dict(mutation: dict[str, object]) -> None:
    data = bylaws().to_dict() | mutation
    with pytest.raises(RuleViolation) as info:
        Bylaws.from_dict(data)
    assert info.value.code == "invalid_document"
