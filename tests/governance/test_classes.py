"""Member classes: the bylaws setting, the class roll, and a majority in each class."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from governance import (
    Bylaws,
    Decision,
    Disbursement,
    Kind,
    Outcome,
    RuleViolation,
    Threshold,
    tally,
)
from governance.ballots import Ballot
from governance.classes import ClassRoll, class_tally
from governance.electorate import Electorate
from governance.proposals import BallotType, FrozenRule, open_proposal
from tests.governance.builders import T0, at, bylaws, rule

CLASSES = ("worker", "consumer", "supporter")
COOP = bylaws(member_classes=CLASSES, class_majority=frozenset({Kind.BYLAWS_CHANGE, Kind.DECISION}))


@pytest.mark.parametrize(("changes", "reason"), [
    ({"member_classes": tuple(f"c{i}" for i in range(9))},
     "the bylaws declare at most 8 member classes"),
    ({"member_classes": ("worker", "Worker")}, "the member class 'Worker' is declared twice"),
    ({"member_classes": ("x" * 41,)}, "a member class name has at most 40 characters"),
    ({"member_classes": ("",)}, "a member class needs a name"),
    ({"member_classes": (" worker",)}, "the member class name 'worker' has spaces around it"),
    ({"member_classes": ("wor\u0000ker",)}, "the member class name 'wor\\x00ker' holds a control character"),
    ({"class_majority": frozenset({Kind.DECISION})},
     "a majority in each member class needs member classes"),
    ({"member_classes": ("worker",), "class_majority": frozenset({Kind.BUDGET_ROUND})},
     "a budget round is shared out, not passed by a majority in each class"),
    ({"member_classes": ("worker",), "class_majority": frozenset({"decision"})},
     "class majority is set per kind of proposal"),
    ({"member_classes": "worker"}, "member classes and share types are lists"),
])
def test_member_class_settings_are_bounded_with_reasons(changes: dict[str, object], reason: str) -> None:
    with pytest.raises(RuleViolation) as info:
        bylaws(**changes)
    assert info.value.code == "invalid_bylaws" and info.value.reason == reason


def test_the_settings_are_written_only_when_set_and_read_back() -> None:
    plain = bylaws()
    assert not {"member_classes", "class_majority"} & set(plain.to_dict())
    data = COOP.to_dict()
    assert data["member_classes"] == ["worker", "consumer", "supporter"]
    assert data["class_majority"] == ["bylaws_change", "decision"]
    assert Bylaws.from_dict(data) == COOP
    with pytest.raises(RuleViolation) as info:
        Bylaws.from_dict({**data, "class_majority": ["weighted"]})
    assert info.value.code == "invalid_document"


def test_opening_freezes_the_class_majority_and_only_for_consent() -> None:
    electorate = Electorate.of(["a", "b"])
    chosen = open_proposal(id="p1", author="a", title="t", motion=Decision("x"), bylaws=COOP,
                           electorate=electorate, opens_at=T0)
    assert chosen.rule.class_majority and chosen.rule.to_dict()["class_majority"] is True
    assert FrozenRule.from_dict(chosen.rule.to_dict()) == chosen.rule
    other = open_proposal(id="p2", author="a", title="t",
                          motion=Disbursement(100, "EUR", "shop", "tools"), bylaws=COOP,
                          electorate=electorate, opens_at=T0)
    assert not other.rule.class_majority and "class_majority" not in other.rule.to_dict()
    with pytest.raises(RuleViolation) as info:
        open_proposal(id="p3", author="a", title="t", motion=Decision("x"), bylaws=COOP,
                      electorate=electorate, opens_at=T0, ballot_type=BallotType.SINGLE,
                      options=("x", "y"))
    assert info.value.code == "ballot_type_not_allowed"
    with pytest.raises(RuleViolation):
        replace(rule(BallotType.SINGLE, ("x", "y")), class_majority=True)


def test_the_roll_needs_every_elector_in_a_declared_class() -> None:
    electorate = Electorate.of(["a", "b"])
    with pytest.raises(RuleViolation) as info:
        ClassRoll.freeze(electorate, {"a": "worker", "b": "worker"}, bylaws())
    assert info.value.code == "no_member_classes"
    with pytest.raises(RuleViolation) as info:
        ClassRoll.freeze(electorate, {"a": "worker"}, COOP)
    assert info.value.code == "class_missing" and info.value.reason == "b belongs to no member class"
    with pytest.raises(RuleViolation) as info:
        ClassRoll.freeze(electorate, {"a": "worker", "b": "investor"}, COOP)
    assert info.value.code == "unknown_class"
    roll = ClassRoll.freeze(electorate, {"a": "worker", "b": "consumer", "c": "worker"}, COOP)
    assert dict(roll.classes) == {"a": "worker", "b": "consumer"}
    assert ClassRoll.from_dict(roll.to_dict()) == roll
    with pytest.raises(RuleViolation) as info:
        ClassRoll.from_dict({**roll.to_dict(), "classes": {"a": "consumer", "b": "consumer"}})
    assert info.value.code == "digest_mismatch"
    with pytest.raises(RuleViolation) as info:
        class_tally(rule(), Electorate.of(["a", "b", "z"]), roll, [])
    assert info.value.code == "class_roll_mismatch"


def _consent(choices: dict[str, str]) -> list[Ballot]:
    return [Ballot(f"{v}#1", "p1", v, at(1), (c,)) for v, c in choices.items()]


def test_a_class_outvoted_overall_still_stops_a_class_majority_proposal() -> None:
    roll = ClassRoll({"w1": "worker", "w2": "worker", "w3": "worker",
                      "c1": "consumer", "c2": "consumer"})
    electorate = Electorate.of(roll.classes)
    ballots = _consent({"w1": "disagree", "w2": "disagree", "c1": "agree", "c2": "agree",
                        "w3": "agree"})
    plain = class_tally(rule(), electorate, roll, ballots)
    assert plain.outcome is Outcome.PASSED and plain.classes_for == 1
    strict = class_tally(replace(rule(), class_majority=True), electorate, roll, ballots)
    assert strict.overall == tally(replace(rule(), class_majority=True), electorate, ballots)
    assert strict.overall.outcome is Outcome.PASSED and strict.outcome is Outcome.REJECTED
    assert [(r.name, r.majority, r.tally.count("agree")) for r in strict.classes] == [
        ("consumer", True, 2), ("worker", False, 1)]
    silent = class_tally(replace(rule(), class_majority=True), electorate, roll,
                         _consent({"c1": "agree", "c2": "agree", "w3": "abstain"}))
    assert silent.overall.outcome is Outcome.PASSED and silent.outcome is Outcome.REJECTED
    assert strict.to_dict()["outcome"] == "rejected"


THRESHOLDS = st.sampled_from([Threshold.more_than(Fraction(1, 2)), Threshold.at_least(Fraction(2, 3)),
                              Threshold.more_than(Fraction(0)), Threshold.unanimity()])
CHOICES = st.sampled_from(["agree", "disagree", "block", "abstain"])


@st.composite
def votes(draw: st.DrawFn) -> tuple[FrozenRule, ClassRoll, list[Ballot], str, str]:
    size = draw(st.integers(1, 12))
    voters = [f"v{i:02d}" for i in range(size)]
    roll = ClassRoll({v: draw(st.sampled_from(CLASSES)) for v in voters})
    ballots = [Ballot(f"{v}#{n}", "p1", v, at(n), (draw(CHOICES),))
               for v in voters for n in range(draw(st.integers(0, 2)))]
    counted = rule(threshold=draw(THRESHOLDS), quorum=draw(st.sampled_from([Fraction(0), Fraction(1, 2)])),
                   block_vetoes=draw(st.booleans()))
    return counted, roll, ballots, draw(st.sampled_from(voters)), draw(st.sampled_from(CLASSES))


@settings(max_examples=300, deadline=None)
@given(votes())
def test_one_vote_each_whatever_the_classes(case: tuple[FrozenRule, ClassRoll, list[Ballot], str, str]) -> None:
    counted, roll, ballots, mover, target = case
    electorate = Electorate.of(roll.classes)
    before = class_tally(counted, electorate, roll, ballots)
    moved = ClassRoll({**roll.classes, mover: target})
    after = class_tally(counted, electorate, moved, ballots)
    assert before.overall == after.overall == tally(counted, electorate, ballots)
    for result in (before, after):
        # Each ballot that counts overall counts in exactly one class, once.
        assert sum(r.tally.participation for r in result.classes) == result.overall.participation
        for option, n in result.overall.counts:
            assert sum(r.tally.count(option) for r in result.classes) == n
        assert sum(r.tally.electorate_size for r in result.classes) == electorate.size


@settings(max_examples=300, deadline=None)
@given(votes())
def test_a_class_majority_only_makes_passing_harder(case: tuple[FrozenRule, ClassRoll, list[Ballot], str, str]) -> None:
    counted, roll, ballots, _, _ = case
    electorate = Electorate.of(roll.classes)
    plain = class_tally(counted, electorate, roll, ballots)
    strict = class_tally(replace(counted, class_majority=True), electorate, roll, ballots)
    assert plain.outcome is plain.overall.outcome
    if strict.outcome is Outcome.PASSED:
        assert plain.outcome is Outcome.PASSED
    if plain.outcome is not Outcome.PASSED:
        assert strict.outcome is plain.outcome
    one_class = ClassRoll(dict.fromkeys(roll.classes, "worker"))
    single = class_tally(replace(counted, class_majority=True), electorate, one_class, ballots)
    assert single.outcome is tally(counted, electorate, ballots).outcome
