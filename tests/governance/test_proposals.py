from datetime import timedelta
from fractions import Fraction

import pytest

from governance import (
    Admission,
    BallotType,
    BudgetRound,
    BylawsChange,
    Decision,
    Disbursement,
    Expulsion,
    FrozenRule,
    GovernanceError,
    JoinFlood,
    LeaveFlood,
    Proposal,
    RuleViolation,
    Threshold,
    open_proposal,
)
from governance.proposals import motion_from_dict
from tests.governance.builders import DECISION, T0, bylaws, electorate, people, rule

ALICE = people(3)[0]


def open_(motion=DECISION, **kw):  # type: ignore[no-untyped-def]
    args = {
        "id": "p1",
        "author": ALICE,
        "title": "Drill",
        "motion": motion,
        "bylaws": bylaws(),
        "electorate": electorate(3),
        "opens_at": T0,
    }
    args.update(kw)
    return open_proposal(**args)


def test_opening_freezes_rule_and_electorate() -> None:
    p = open_()
    assert p.rule.threshold == Threshold.more_than(Fraction(1, 2))
    assert p.rule.closes_at == T0 + timedelta(days=7)
    assert p.electorate == electorate(3)
    assert p.rule.is_open(T0) and not p.rule.is_open(p.rule.closes_at)


def test_bylaws_change_uses_the_amendment_threshold() -> None:
    p = open_(BylawsChange(bylaws(quorum=Fraction(1, 4))))
    assert p.rule.threshold == Threshold.at_least(Fraction(2, 3))


@pytest.mark.parametrize(
    ("kw", "code", "status"),
    [
        ({"author": "https://elsewhere.example/u/x"}, "not_in_electorate", 403),
        ({"ballot_type": BallotType.RANKED, "motion": Disbursement(100, "EUR", "shop", "drill")},
         "ballot_type_not_allowed", 422),
        ({"ballot_type": BallotType.ALLOCATION}, "ballot_type_not_allowed", 422),
        ({"motion": Disbursement(100, "USD", "shop", "drill")}, "currency_mismatch", 422),
        ({"motion": BudgetRound(100, "USD"), "ballot_type": BallotType.ALLOCATION}, "currency_mismatch", 422),
        ({"motion": BylawsChange(bylaws(currency="USD"))}, "currency_mismatch", 422),
        ({"motion": Admission(ALICE)}, "already_member", 409),
        ({"motion": Expulsion("https://nobody.example")}, "not_a_member", 422),
        ({"closes_at": T0}, "invalid_period", 422),
        ({"options": ("a", "b")}, "invalid_options", 422),
        ({"ballot_type": BallotType.SINGLE, "options": ("a",)}, "invalid_options", 422),
        ({"ballot_type": BallotType.SINGLE, "options": ("a", "a")}, "invalid_options", 422),
        ({"ballot_type": BallotType.SINGLE, "options": ("a", "")}, "invalid_options", 422),
        ({"id": ""}, "invalid_proposal", 422),
    ],
)
def test_opening_rejections(kw: dict[str, object], code: str, status: int) -> None:
    with pytest.raises(GovernanceError) as info:
        open_(**kw)
    assert (info.value.code, info.value.status_hint) == (code, status)


@pytest.mark.parametrize(
    ("factory", "code"),
    [
        (lambda: Disbursement(0, "EUR", "x", "y"), "invalid_amount"),
        (lambda: Disbursement(True, "EUR", "x", "y"), "invalid_amount"),
        (lambda: Disbursement(5, "eu", "x", "y"), "invalid_currency"),
        (lambda: Disbursement(5, "EUR", "", "y"), "invalid_motion"),
        (lambda: BudgetRound(0, "EUR"), "invalid_amount"),
        (lambda: Admission(""), "invalid_motion"),
        (lambda: JoinFlood("", "pool"), "invalid_motion"),
    ],
)
def test_invalid_motions(factory, code: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RuleViolation) as info:
        factory()
    assert info.value.code == code


@pytest.mark.parametrize(
    "motion",
    [
        Decision("Buy a drill"),
        Disbursement(4999, "EUR", "https://shop.example", "a drill"),
        BylawsChange(bylaws(min_share=0)),
        Admission("https://x.example/u/new"),
        Expulsion(people(3)[1]),
        JoinFlood("https://flood.example/f", "https://pool.example"),
        LeaveFlood("https://flood.example/f", "https://pool.example"),
        BudgetRound(10000, "EUR"),
    ],
)
def test_motion_and_proposal_round_trip(motion) -> None:  # type: ignore[no-untyped-def]
    assert motion_from_dict(motion.to_dict()) == motion
    ballot_type = BallotType.ALLOCATION if isinstance(motion, BudgetRound) else BallotType.CONSENT
    p = open_(motion, ballot_type=ballot_type)
    assert Proposal.from_dict(p.to_dict()) == p


def test_proposal_dict_shape() -> None:
    p = open_(ballot_type=BallotType.SINGLE, options=("red", "blue"))
    data = p.to_dict()
    assert data["motion"] == {"kind": "decision", "text": "Buy a drill"}
    assert data["rule"] == {
        "proposal": "p1",
        "ballot_type": "single_choice",
        "options": ["red", "blue"],
        "threshold": {"comparator": "more_than", "fraction": "1/2"},
        "quorum": "1/2",
        "opens_at": "2025-03-01T12:00:00Z",
        "closes_at": "2025-03-08T12:00:00Z",
        "block_vetoes": False,
    }
    assert data["electorate"]["digest"] == electorate(3).digest
    with pytest.raises(RuleViolation):
        Proposal.from_dict(data | {"id": "other"})
    with pytest.raises(RuleViolation):
        motion_from_dict({"kind": "coup"})


def test_frozen_rule_round_trip() -> None:
    r = rule(BallotType.APPROVAL, ("a", "b", "c"), quorum=Fraction(0))
    assert FrozenRule.from_dict(r.to_dict()) == r
