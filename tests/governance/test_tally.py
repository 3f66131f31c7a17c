from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from governance import (
    Ballot,
    BallotType,
    Change,
    GovernanceError,
    Outcome,
    Tally,
    TallyState,
    Threshold,
    decided_early,
    tally,
)
from tests.governance.builders import at, ballot, electorate, people, rule

V = people(10)
OPTIONS = ("a", "b", "c")
SETTINGS = settings(max_examples=150, deadline=None)


def test_consent_passes_with_abstentions_counting_for_quorum_only() -> None:
    bs = [ballot(V[0], "agree"), ballot(V[1], "agree"), ballot(V[2], "disagree"),
          ballot(V[3], "abstain"), ballot(V[4], "abstain")]
    t = tally(rule(), electorate(10), bs)
    assert (t.participation, t.votes_cast, t.abstentions) == (5, 3, 2)
    assert t.counts == (("agree", 2), ("abstain", 2), ("disagree", 1), ("block", 0))
    assert t.quorum_met and t.threshold_met and t.outcome is Outcome.PASSED
    assert t.turnout == Fraction(1, 2)


def test_consent_no_quorum_veto_and_block_as_disagree() -> None:
    four = [ballot(V[i], "agree") for i in range(4)]
    assert tally(rule(), electorate(10), four).outcome is Outcome.NO_QUORUM
    bs = [*four, ballot(V[4], "block")]
    assert tally(rule(block_vetoes=True), electorate(10), bs).outcome is Outcome.VETOED
    t = tally(rule(), electorate(10), bs)
    assert t.outcome is Outcome.PASSED and t.votes_cast == 5
    tie = [*four[:2], ballot(V[4], "block"), ballot(V[5], "disagree"), ballot(V[6], "abstain")]
    assert tally(rule(), electorate(10), tie).outcome is Outcome.REJECTED


def test_only_abstentions_is_rejected() -> None:
    bs = [ballot(V[i], "abstain") for i in range(6)]
    t = tally(rule(), electorate(10), bs)
    assert t.quorum_met and not t.threshold_met and t.outcome is Outcome.REJECTED


def test_latest_ballot_counts_ties_broken_by_greater_id() -> None:
    bs = [ballot(V[0], "agree", minute=5, id="b"), ballot(V[0], "disagree", minute=2, id="z"),
          ballot(V[0], "block", minute=5, id="a")]
    t = tally(rule(quorum=Fraction(0)), electorate(10), bs)
    assert t.count("agree") == 1 and t.participation == 1


def test_the_greater_sequence_counts_before_time_and_id() -> None:
    # abstain then agree in the same millisecond: the id would pick abstain ("z" > "a").
    bs = [Ballot("z", "p1", V[0], at(1), ("abstain",), 1),
          Ballot("a", "p1", V[0], at(1), ("agree",), 2)]
    for order in (bs, bs[::-1]):
        assert tally(rule(quorum=Fraction(0)), electorate(10), order).count("agree") == 1
        state = TallyState(rule(quorum=Fraction(0)), electorate(10))
        for b in order:
            state.add(b)
        assert state.counted()[V[0]].choice == ("agree",)
    # Sequence 2 received first, then 1: 2 still counts.
    state = TallyState(rule(quorum=Fraction(0)), electorate(10))
    assert state.add(bs[1]) is Change.COUNTED and state.add(bs[0]) is Change.SUPERSEDED


def test_a_ballot_refuses_a_bad_sequence() -> None:
    for bad in (-1, True, "2", 1.0):
        with pytest.raises(GovernanceError) as info:
            Ballot("x", "p1", V[0], at(1), ("agree",), bad)  # type: ignore[arg-type]
        assert info.value.code == "invalid_ballot"
    b = Ballot("x", "p1", V[0], at(1), ("agree",), 3)
    assert Ballot.from_dict(b.to_dict()) == b and b.to_dict()["sequence"] == 3
    assert "sequence" not in ballot(V[0], "agree").to_dict()


def test_single_choice_winner_needs_threshold_and_a_clear_lead() -> None:
    r = rule(BallotType.SINGLE, OPTIONS)
    bs = [ballot(V[i], "a") for i in range(4)] + [ballot(V[4], "b"), ballot(V[5])]
    t = tally(r, electorate(10), bs)
    assert t.outcome is Outcome.WINNER and t.winners == ("a",)
    assert (t.votes_cast, t.abstentions) == (5, 1)
    split = [ballot(V[i], "a") for i in range(3)] + [ballot(V[i], "b") for i in range(3, 6)]
    low = rule(BallotType.SINGLE, OPTIONS, threshold=Threshold.at_least(Fraction(1, 3)))
    assert tally(low, electorate(10), split).outcome is Outcome.REJECTED
    assert tally(low, electorate(10), split).winners == ()


def test_approval_winners_ordered_by_approvals_then_option_order() -> None:
    r = rule(BallotType.APPROVAL, OPTIONS)
    bs = [ballot(V[0], "a", "b"), ballot(V[1], "c", "b"), ballot(V[2], "c"), ballot(V[3], "a"),
          ballot(V[4])]
    t = tally(r, electorate(8), bs)
    # 4 non-empty ballots; b, c and a each have 2 approvals: not more than half.
    assert t.outcome is Outcome.REJECTED
    r2 = rule(BallotType.APPROVAL, OPTIONS, threshold=Threshold.at_least(Fraction(1, 2)))
    t2 = tally(r2, electorate(8), bs)
    assert t2.winners == ("a", "b", "c") and t2.outcome is Outcome.WINNER


def test_ranked_tally_reports_rounds() -> None:
    r = rule(BallotType.RANKED, OPTIONS)
    bs = [ballot(V[0], "a"), ballot(V[1], "a"), ballot(V[2], "b", "a"), ballot(V[3], "c", "b"),
          ballot(V[4], "c", "b")]
    t = tally(r, electorate(6), bs)
    assert t.counts == (("a", 2), ("b", 1), ("c", 2))
    assert [x.eliminated for x in t.rounds] == ["b", None]
    assert t.winners == ("a",)


def test_choice_ballots_without_quorum_have_no_winner() -> None:
    t = tally(rule(BallotType.SINGLE, OPTIONS), electorate(10), [ballot(V[0], "a")])
    assert t.outcome is Outcome.NO_QUORUM and t.winners == () and t.threshold_met


def test_duplicates_are_no_ops_and_id_reuse_is_a_conflict() -> None:
    state = TallyState(rule(), electorate(10))
    b = ballot(V[0], "agree")
    assert state.add(b) is Change.COUNTED
    assert state.add(b) is Change.UNCHANGED
    assert state.add(ballot(V[0], "disagree", minute=3)) is Change.REPLACED
    assert state.add(ballot(V[0], "block", minute=2)) is Change.SUPERSEDED
    with pytest.raises(GovernanceError) as info:
        state.add(Ballot(b.id, "p1", V[0], at(1), ("block",)))
    assert (info.value.code, info.value.status_hint) == ("ballot_id_conflict", 409)
    with pytest.raises(GovernanceError):
        tally(rule(), electorate(10), [b, Ballot(b.id, "p1", V[0], at(1), ("block",))])
    assert tally(rule(quorum=Fraction(0)), electorate(10), [b, b]).participation == 1


@pytest.mark.parametrize(
    ("b", "code"),
    [
        (ballot("https://outsider.example", "agree"), "not_in_electorate"),
        (ballot(V[0], "agree", minute=24 * 60), "proposal_closed"),
        (ballot(V[0], "nope"), "invalid_choice"),
        (ballot(V[0], "agree", proposal="p9"), "wrong_proposal"),
    ],
)
def test_rejections_in_both_paths(b: Ballot, code: str) -> None:
    with pytest.raises(GovernanceError) as info:
        TallyState(rule(), electorate(10)).add(b)
    assert info.value.code == code
    with pytest.raises(GovernanceError) as info:
        tally(rule(), electorate(10), [b])
    assert info.value.code == code


def test_allocation_rules_are_not_tallied() -> None:
    r = rule(BallotType.ALLOCATION)
    with pytest.raises(GovernanceError):
        tally(r, electorate(2), [])
    with pytest.raises(GovernanceError):
        TallyState(r, electorate(2))


def test_tally_dict_round_trip() -> None:
    r = rule(BallotType.RANKED, OPTIONS)
    bs = [ballot(V[0], "a"), ballot(V[1], "b", "a"), ballot(V[2], "c"), ballot(V[3], "c")]
    t = tally(r, electorate(6), bs)
    data = t.to_dict()
    assert data["outcome"] == "winner" and data["rounds"][0]["eliminated"] == "b"
    assert Tally.from_dict(data) == t
    consent = tally(rule(), electorate(3), [ballot(V[0], "agree"), ballot(V[1], "block")])
    assert consent.to_dict()["counts"] == {"agree": 1, "abstain": 0, "disagree": 0, "block": 1}
    assert Tally.from_dict(consent.to_dict()) == consent


# --- decided early ---------------------------------------------------------------------------


def test_decided_early_consent() -> None:
    e = electorate(10)
    six = [ballot(V[i], "agree") for i in range(6)]
    assert decided_early(tally(rule(), e, six)) is Outcome.PASSED
    assert decided_early(tally(rule(), e, six[:5])) is None
    against = [ballot(V[i], "disagree") for i in range(5)]
    assert decided_early(tally(rule(), e, against)) is Outcome.REJECTED
    assert decided_early(tally(rule(quorum=Fraction(1)), e, against)) is None
    blocked = [ballot(V[0], "block"), *six[1:5]]
    assert decided_early(tally(rule(block_vetoes=True), e, blocked)) is Outcome.VETOED
    assert decided_early(tally(rule(block_vetoes=True), e, six)) is None
    assert decided_early(tally(rule(), electorate(2), six[:1])) is None


def test_decided_early_no_quorum_and_single_choice() -> None:
    e = electorate(10)
    r = rule(quorum=Fraction(1))
    late = tally(r, e, [ballot(V[0], "agree")])
    assert decided_early(late) is None
    s = rule(BallotType.SINGLE, OPTIONS)
    assert decided_early(tally(s, e, [ballot(V[i], "a") for i in range(6)])) is Outcome.WINNER
    assert decided_early(tally(s, e, [ballot(V[i], "a") for i in range(5)])) is None
    spread = [ballot(V[i], o) for i, o in enumerate("aabbcc")] + [ballot(V[6])] * 0
    assert decided_early(tally(s, electorate(7), spread)) is Outcome.REJECTED
    a = rule(BallotType.APPROVAL, OPTIONS)
    assert decided_early(tally(a, electorate(3), [ballot(V[0], "a")])) is None
    full = tally(a, electorate(2), [ballot(V[0], "a"), ballot(V[1], "a")])
    assert decided_early(full) is Outcome.WINNER


# --- properties ------------------------------------------------------------------------------

KINDS = [BallotType.CONSENT, BallotType.SINGLE, BallotType.APPROVAL, BallotType.RANKED]


@st.composite
def scenario(draw: st.DrawFn) -> tuple[object, object, list[Ballot]]:
    kind = draw(st.sampled_from(KINDS))
    n = draw(st.integers(1, 8))
    voters = people(n)
    if kind is BallotType.CONSENT:
        choice = st.sampled_from(["agree", "abstain", "disagree", "block"]).map(lambda c: (c,))
    elif kind is BallotType.SINGLE:
        choice = st.sampled_from([(), ("a",), ("b",), ("c",)])
    elif kind is BallotType.APPROVAL:
        choice = st.sets(st.sampled_from(OPTIONS)).map(lambda s: tuple(sorted(s)))
    else:
        choice = st.permutations(OPTIONS).flatmap(
            lambda p: st.integers(0, 3).map(lambda k: tuple(p[:k]))
        )
    threshold = draw(st.sampled_from([
        Threshold.more_than(Fraction(1, 2)), Threshold.at_least(Fraction(2, 3)),
        Threshold.at_least(Fraction(1, 3)), Threshold.unanimity(),
    ]))
    r = rule(kind, () if kind is BallotType.CONSENT else OPTIONS, threshold=threshold,
             quorum=draw(st.sampled_from([Fraction(0), Fraction(1, 2), Fraction(1)])),
             block_vetoes=draw(st.booleans()))
    raw = draw(st.lists(st.tuples(st.sampled_from(voters), choice, st.integers(0, 5),
                                  st.sampled_from("xyz"), st.integers(0, 3)), max_size=30))
    ballots = {}
    for voter, ch, minute, tag, seq in raw:
        b = Ballot(f"{voter}/{minute}/{tag}", "p1", voter, at(minute), ch, seq)
        ballots.setdefault(b.id, b)
    return r, electorate(n), list(ballots.values())


@SETTINGS
@given(scenario(), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_arrival_order(case, rnd) -> None:  # type: ignore[no-untyped-def]
    r, e, bs = case
    shuffled = list(bs)
    rnd.shuffle(shuffled)
    assert tally(r, e, bs) == tally(r, e, shuffled)
    assert tally(r, e, bs).to_dict() == tally(r, e, shuffled + bs).to_dict()


@SETTINGS
@given(scenario())
def test_incremental_equals_full_recount(case) -> None:  # type: ignore[no-untyped-def]
    r, e, bs = case
    state = TallyState(r, e)
    for i, b in enumerate(bs):
        state.add(b)
        assert state.result() == tally(r, e, bs[: i + 1])
    assert state.result() == tally(r, e, bs)


@SETTINGS
@given(scenario())
def test_decided_early_never_contradicts_the_final_result(case) -> None:  # type: ignore[no-untyped-def]
    r, e, bs = case
    early = decided_early(tally(r, e, bs))
    if early is None:
        return
    voted = {b.voter for b in bs}
    rest = sorted(e.members - voted)
    # Try the extreme completions: every remaining elector answers the same way.
    if r.ballot_type is BallotType.CONSENT:
        answers = [("agree",), ("disagree",), ("block",), ("abstain",)]
    else:
        answers = [(), *((o,) for o in OPTIONS)]
    for answer in answers:
        extra = [Ballot(f"late/{v}", "p1", v, at(9), answer) for v in rest]
        assert tally(r, e, bs + extra).outcome is early
