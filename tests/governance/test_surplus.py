"""Surplus and patronage: the exact split, the proposal, the measures and the bookings."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from governance import (
    Ballot,
    Bylaws,
    Conflict,
    Kind,
    Ledger,
    NotPermitted,
    Proposal,
    Roster,
    RuleViolation,
    Tally,
    contribution,
    donation,
    open_proposal,
    tally,
)
from governance.classes import ClassRoll, class_tally
from governance.coop_rules import SurplusMeasure
from governance.ledger_entries import commitment_account, reserve_account
from governance.proposals import motion_from_dict
from governance.surplus import SurplusDistribution, split_surplus
from governance.surplus_ledger import (
    PatronageRecord,
    book_surplus,
    pay_surplus,
    record_patronage,
    surplus_commitment,
    surplus_measures,
)
from tests.governance.builders import T0, at, bylaws

MEASURES = st.sampled_from(list(SurplusMeasure))


@settings(max_examples=400, deadline=None)
@given(st.integers(0, 10**12), st.dictionaries(st.text("abcdef", min_size=1, max_size=3),
                                               st.integers(0, 10**6), min_size=1, max_size=30),
       MEASURES)
def test_the_split_is_exact(amount: int, measures: dict[str, int], measure: SurplusMeasure) -> None:
    weights = dict.fromkeys(measures, 1) if measure is SurplusMeasure.EQUAL else measures
    total = sum(weights.values())
    if not total:
        with pytest.raises(RuleViolation) as info:
            split_surplus(amount, measures, measure)
        assert info.value.code == "nothing_to_share"
        return
    shares = split_surplus(amount, measures, measure)
    assert set(shares) == set(measures)
    assert sum(shares.values()) == amount
    for person, share in shares.items():
        assert abs(share - Fraction(amount * weights[person], total)) < 1
        if measures[person] == 0 and measure is not SurplusMeasure.EQUAL:
            assert share == 0
    assert split_surplus(amount, dict(reversed(measures.items())), measure) == shares


def test_equal_remainders_go_to_the_smaller_member_id() -> None:
    assert split_surplus(10, {"c": 1, "a": 1, "b": 1}, SurplusMeasure.EQUAL) == {"a": 4, "b": 3, "c": 3}
    assert split_surplus(10, {"c": 0, "a": 5, "b": 0}, SurplusMeasure.EQUAL) == {"a": 4, "b": 3, "c": 3}
    assert split_surplus(10, {"c": 0, "a": 5, "b": 0}, SurplusMeasure.PATRONAGE) == {"a": 10, "b": 0, "c": 0}


COOP = bylaws(surplus_measure=SurplusMeasure.PATRONAGE)
MEMBERS = ("ana", "ben", "cy")
ROSTER = Roster.found(MEMBERS, T0)
MOTION = SurplusDistribution(10000, 2000, "EUR", SurplusMeasure.PATRONAGE,
                             (("cy", 0), ("ana", 3), ("ben", 1)), "2024")


def test_the_motion_is_checked_and_round_trips() -> None:
    assert MOTION.measures == (("ana", 3), ("ben", 1), ("cy", 0))
    assert MOTION.split() == {"ana": 7500, "ben": 2500, "cy": 0}
    assert motion_from_dict(MOTION.to_dict()) == MOTION
    reserve_only = SurplusDistribution(0, 500, "EUR", None, ())
    assert reserve_only.split() == {} and motion_from_dict(reserve_only.to_dict()) == reserve_only
    for args, code in [
        ((0, 0, "EUR", None, ()), "invalid_amount"),
        ((100, 0, "EUR", SurplusMeasure.EQUAL, (("a", 2),)), "invalid_motion"),
        ((0, 100, "EUR", SurplusMeasure.EQUAL, ()), "invalid_motion"),
        ((100, 0, "EUR", None, (("a", 1),)), "invalid_motion"),
        ((100, 0, "EUR", SurplusMeasure.PATRONAGE, (("a", 1), ("a", 2))), "invalid_motion"),
        ((100, 0, "EUR", SurplusMeasure.PATRONAGE, (("a", 0),)), "nothing_to_share"),
        ((-1, 100, "EUR", None, ()), "invalid_amount"),
    ]:
        with pytest.raises(RuleViolation) as info:
            SurplusDistribution(*args)
        assert info.value.code == code, args


def _open(motion: SurplusDistribution = MOTION, rules: Bylaws = COOP) -> Proposal:
    return open_proposal(id="https://pool.example/p/7", author="ana", title="Surplus 2024",
                         motion=motion, bylaws=rules, electorate=ROSTER.electorate(),
                         opens_at=T0)


def test_opening_needs_the_bylaws_measure_and_every_member() -> None:
    proposal = _open()
    assert proposal.kind is Kind.SURPLUS
    assert Proposal.from_dict(proposal.to_dict()) == proposal
    for motion, rules, code in [
        (MOTION, bylaws(), "no_surplus_measure"),
        (MOTION, bylaws(surplus_measure=SurplusMeasure.EQUAL), "wrong_measure"),
        (SurplusDistribution(100, 0, "EUR", SurplusMeasure.PATRONAGE, (("ana", 1),)), COOP,
         "invalid_motion"),
        (SurplusDistribution(100, 0, "GBP", SurplusMeasure.PATRONAGE, (("ana", 1),)), COOP,
         "currency_mismatch"),
    ]:
        with pytest.raises(RuleViolation) as info:
            _open(motion, rules)
        assert info.value.code == code
    assert _open(SurplusDistribution(0, 100, "EUR", None, ()), bylaws()).kind is Kind.SURPLUS


def test_the_measures_come_from_signed_records_in_the_period() -> None:
    ledger = Ledger("EUR")
    for n, (person, amount, minute) in enumerate([("ana", 300, 5), ("ben", 100, 6), ("ana", 50, 9000)]):
        ledger = ledger.apply(contribution(f"c{n}", at(minute), ledger, person, amount, by="ana",
                                           roster=ROSTER))
    since, until = T0, at(60)
    assert surplus_measures(SurplusMeasure.CONTRIBUTIONS, MEMBERS, ledger=ledger, since=since, until=until) == {
        "ana": 300, "ben": 100, "cy": 0}
    assert surplus_measures(SurplusMeasure.EQUAL, MEMBERS, ledger=ledger, since=since, until=until) == dict.fromkeys(MEMBERS, 1)
    records = [record_patronage("r1", at(1), "ana", 30, by="ana", roster=ROSTER),
               record_patronage("r2", at(2), "ben", 10, by="ana", roster=ROSTER),
               record_patronage("r3", at(90), "ben", 99, by="ana", roster=ROSTER)]
    got = surplus_measures(SurplusMeasure.PATRONAGE, MEMBERS, ledger=ledger,
                           patronage=[*records, records[0]], since=since, until=until)
    assert got == {"ana": 30, "ben": 10, "cy": 0}
    with pytest.raises(Conflict):
        surplus_measures(SurplusMeasure.PATRONAGE, MEMBERS, ledger=ledger, patronage=[
            records[0], PatronageRecord("r1", at(1), "ana", 31, "ana")], since=since, until=until)
    helper = Roster.found(["ana"], T0).apply("dee", T0)
    with pytest.raises(NotPermitted):
        record_patronage("r9", at(1), "ana", 5, by="dee", roster=helper)
    with pytest.raises(RuleViolation) as info:
        record_patronage("r9", at(1), "dee", 5, by="ana", roster=helper)
    assert info.value.code == "not_a_member"


def _funded(amount: int) -> Ledger:
    ledger = Ledger("EUR")
    return ledger.apply(donation("d1", at(1), ledger, "friend", amount, by="ana", roster=ROSTER))


def _passed(proposal: Proposal) -> Tally:
    ballots = [Ballot(f"b{v}", proposal.id, v, at(5), ("agree",)) for v in MEMBERS]
    return tally(proposal.rule, proposal.electorate, ballots)


def test_a_passed_distribution_books_a_commitment_per_member_and_the_reserve() -> None:
    proposal = _open()
    closed = proposal.rule.closes_at
    result = _passed(proposal)
    with pytest.raises(Conflict):
        book_surplus("s1", closed - timedelta(minutes=1), _funded(12000), proposal, result)
    with pytest.raises(RuleViolation) as info:
        book_surplus("s1", closed, _funded(11999), proposal, result)
    assert info.value.reason == "the fund holds EUR 119.99; the distribution needs EUR 120.00"
    ledger = _funded(12500)
    entries = book_surplus("s1", closed, ledger, proposal, result)
    assert [e.id for e in entries] == ["s1", "s1#reserve"]
    for entry in entries:
        ledger = ledger.apply(entry)
    assert ledger.fund == 500 and ledger.balance(reserve_account("general")) == 2000
    ana = surplus_commitment(proposal.id, "https://x/ana")
    assert ana == "https://pool.example/p/7|https://x/ana"
    assert ledger.balance(commitment_account(surplus_commitment(proposal.id, "ana"))) == 7500
    assert ledger.balance(commitment_account(surplus_commitment(proposal.id, "cy"))) == 0
    with pytest.raises(RuleViolation) as info:
        book_surplus("s2", closed, ledger, proposal, result)
    assert info.value.code == "exceeds_approved"
    again = book_surplus("s1", closed, ledger, proposal, result)
    assert again == entries and ledger.apply(again[0]) is ledger
    with pytest.raises(NotPermitted):
        pay_surplus("p1", closed, ledger, proposal, "ben", reference="x", by="nobody", roster=ROSTER)
    ledger = ledger.apply(pay_surplus("p1", closed, ledger, proposal, "ben", reference="bank 12",
                                      by="ana", roster=ROSTER))
    assert ledger.balance("external:ben") == 2500
    with pytest.raises(RuleViolation) as info:
        pay_surplus("p2", closed, ledger, proposal, "ben", reference="bank 13", by="ana", roster=ROSTER)
    assert info.value.code == "nothing_to_pay"


def test_a_rejected_or_class_counted_distribution_is_booked_only_when_it_passed() -> None:
    proposal = _open()
    ballots = [Ballot(f"b{v}", proposal.id, v, at(5), ("disagree",)) for v in MEMBERS]
    rejected = tally(proposal.rule, proposal.electorate, ballots)
    with pytest.raises(NotPermitted):
        book_surplus("s1", proposal.rule.closes_at, _funded(20000), proposal, rejected)
    classes = bylaws(surplus_measure=SurplusMeasure.PATRONAGE, member_classes=("worker", "user"),
                     class_majority=frozenset({Kind.SURPLUS}))
    strict = _open(MOTION, classes)
    roll = ClassRoll({"ana": "worker", "ben": "worker", "cy": "user"})
    votes = [Ballot(f"b{v}", strict.id, v, at(5), (c,))
             for v, c in (("ana", "agree"), ("ben", "agree"), ("cy", "disagree"))]
    overall = tally(strict.rule, strict.electorate, votes)
    with pytest.raises(RuleViolation) as info:
        book_surplus("s1", strict.rule.closes_at, _funded(20000), strict, overall)
    assert info.value.reason == "this proposal needs its tally by member class"
    counted = class_tally(strict.rule, strict.electorate, roll, votes)
    with pytest.raises(NotPermitted):
        book_surplus("s1", strict.rule.closes_at, _funded(20000), strict, counted)
