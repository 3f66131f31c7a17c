"""BallotBox: the same ballots as columns, and the recount's paths that read them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from governance import Ballot, BallotBox, BallotType, GovernanceError, tally
from tests.governance.builders import T0, at, ballot, electorate, people, rule

V = people(12)
OPTIONS = ("a", "b", "c")
SETTINGS = settings(max_examples=120, deadline=None)


def _reference(r, e, bs):  # type: ignore[no-untyped-def]
    """The latest ballot per voter by (sequence, time, id), counted the slow, obvious way."""
    latest: dict[str, Ballot] = {}
    for b in bs:
        current = latest.get(b.voter)
        if current is None or (current.sequence, current.cast_at, current.id) < (
            b.sequence, b.cast_at, b.id
        ):
            latest[b.voter] = b
    return tally(r, e, [latest[v] for v in sorted(latest)])


@st.composite
def many_ballots(draw: st.DrawFn) -> tuple[object, list[Ballot]]:
    """Up to 300 ballots with few distinct times (so runs of equal times are long), often
    the same voter twice at one time, in time order or not; sequences none (as before they
    existed), in the voter's arrival order, or drawn freely (out of order, repeated)."""
    kind = draw(st.sampled_from([BallotType.CONSENT, BallotType.SINGLE, BallotType.APPROVAL,
                                 BallotType.RANKED]))
    if kind is BallotType.CONSENT:
        choice = st.sampled_from(["agree", "abstain", "disagree", "block"]).map(lambda c: (c,))
    elif kind is BallotType.SINGLE:
        choice = st.sampled_from([(), ("a",), ("b",), ("c",)])
    else:
        choice = st.permutations(OPTIONS).flatmap(
            lambda p: st.integers(0, 3).map(lambda k: tuple(p[:k]))
        )
    r = rule(kind, () if kind is BallotType.CONSENT else OPTIONS, quorum=Fraction(0))
    raw = draw(st.lists(st.tuples(st.sampled_from(V), choice, st.integers(0, 2),
                                  st.integers(0, 9), st.integers(0, 4)), max_size=300))
    numbering = draw(st.sampled_from(["none", "arrival", "free"]))
    unique: dict[str, Ballot] = {}
    for voter, ch, minute, tag, drawn in raw:
        b = Ballot(f"{voter}/{minute}/{tag}", "p1", voter, at(minute), ch, drawn)
        unique.setdefault(b.id, b)
    bs = list(unique.values())
    if numbering != "free":
        cast: dict[str, int] = {}
        for i, b in enumerate(bs):
            cast[b.voter] = cast.get(b.voter, 0) + 1
            seq = cast[b.voter] if numbering == "arrival" else 0
            bs[i] = Ballot(b.id, "p1", b.voter, b.cast_at, b.choice, seq)
    if draw(st.booleans()):
        bs.sort(key=lambda b: b.cast_at)  # stable: ties keep an arbitrary id order
    return r, bs


@SETTINGS
@given(many_ballots())
def test_a_box_and_a_list_count_the_same_as_the_obvious_count(case) -> None:  # type: ignore[no-untyped-def]
    r, bs = case
    e = electorate(12)
    expected = _reference(r, e, bs)
    assert tally(r, e, bs) == expected
    assert tally(r, e, BallotBox.of("p1", bs)) == expected


def test_time_order_with_a_voter_twice_at_one_time_takes_the_greater_id() -> None:
    # 40 ballots at two times: long runs, and V[0] casts twice at the last time.
    bs = [ballot(V[i % 10], "agree", minute=1, id=f"x{i:02d}") for i in range(20)]
    bs += [ballot(V[i % 10], "disagree", minute=2, id=f"y{i:02d}") for i in range(18)]
    bs += [ballot(V[0], "block", minute=2, id="y99"), ballot(V[0], "agree", minute=2, id="y00a")]
    for form in (bs, BallotBox.of("p1", bs)):
        t = tally(rule(quorum=Fraction(0)), electorate(12), form)
        assert t.count("block") == 1 and t.count("agree") == 0 and t.participation == 10


def test_the_greater_sequence_counts_whatever_the_time_and_the_arrival() -> None:
    # Two ballots of one voter in one millisecond: the sequence decides, not the random id.
    same_ms = [Ballot("z-first", "p1", V[0], at(1), ("abstain",), 1),
               Ballot("a-second", "p1", V[0], at(1), ("agree",), 2)]
    # Out of order: sequence 2 arrives before 1 (and carries an earlier time).
    swapped = [Ballot("s2", "p1", V[1], at(1), ("block",), 2),
               Ballot("s1", "p1", V[1], at(3), ("disagree",), 1)]
    # A legacy ballot (sequence 0) is superseded by any sequenced one.
    legacy = [Ballot("new", "p1", V[2], at(1), ("agree",), 1),
              Ballot("old", "p1", V[2], at(9), ("disagree",))]
    r, e = rule(quorum=Fraction(0)), electorate(12)
    bs = same_ms + swapped + legacy
    for form in (bs, BallotBox.of("p1", bs), list(reversed(bs))):
        t = tally(r, e, form)
        assert (t.count("agree"), t.count("block"), t.count("abstain"), t.count("disagree")) == (
            2, 1, 0, 0)
        assert t == _reference(r, e, bs)


def test_from_columns_carries_sequences() -> None:
    box = BallotBox.from_columns("p1", ["a", "b"], [V[0], V[0]], [at(1), at(1)],
                                 [("agree",), ("block",)], [2, 1])
    assert [b.sequence for b in box] == [2, 1]
    t = tally(rule(quorum=Fraction(0)), electorate(12), box)
    assert t.count("agree") == 1 and t.count("block") == 0


def test_time_order_with_distinct_times_counts_each_voters_last() -> None:
    bs = [ballot(V[i % 5], ("agree", "disagree")[i % 2], minute=i) for i in range(40)]
    t = tally(rule(quorum=Fraction(0)), electorate(12), BallotBox.of("p1", bs))
    assert t == _reference(rule(quorum=Fraction(0)), electorate(12), bs)
    assert t.participation == 5


@pytest.mark.parametrize(
    ("b", "code"),
    [
        (ballot("https://outsider.example", "agree"), "not_in_electorate"),
        (ballot(V[0], "agree", minute=24 * 60), "proposal_closed"),
        (ballot(V[0], "agree", minute=-1), "proposal_not_open"),
        (ballot(V[0], "nope", minute=3), "invalid_choice"),
    ],
)
def test_a_box_names_the_first_bad_ballot(b: Ballot, code: str) -> None:
    good = [ballot(V[i], "agree", minute=1) for i in range(5)]
    with pytest.raises(GovernanceError) as info:
        tally(rule(), electorate(10), BallotBox.of("p1", [*good, b]))
    assert info.value.code == code


def test_a_box_for_another_proposal_and_a_reused_id_are_refused() -> None:
    box = BallotBox.of("p9", [ballot(V[0], "agree", proposal="p9")])
    with pytest.raises(GovernanceError) as info:
        tally(rule(), electorate(10), box)
    assert info.value.code == "wrong_proposal"
    b = ballot(V[0], "agree")
    with pytest.raises(GovernanceError) as info:
        tally(rule(), electorate(10), BallotBox.of("p1", [b, Ballot(b.id, "p1", V[0], at(1), ("block",))]))
    assert info.value.code == "ballot_id_conflict"
    again = tally(rule(quorum=Fraction(0)), electorate(10), BallotBox.of("p1", [b, b]))
    assert again.participation == 1


def test_append_refuses_another_proposals_ballot_and_iteration_gives_ballots() -> None:
    box = BallotBox("p1")
    with pytest.raises(GovernanceError) as info:
        box.append(ballot(V[0], "agree", proposal="p2"))
    assert info.value.code == "wrong_proposal" and len(box) == 0
    bs = [ballot(V[0], "agree"), ballot(V[1], minute=2)]
    box = BallotBox.of("p1", bs)
    assert list(box) == bs and len(box) == 2
    assert tally(rule(), electorate(10), BallotBox("p1")) == tally(rule(), electorate(10), [])


def test_extend_adds_another_box_in_order_and_refuses_another_proposals() -> None:
    first = [ballot(V[0], "agree"), ballot(V[1], minute=2)]
    later = [Ballot("late", "p1", V[0], at(3), ("block",), 2), ballot(V[2], minute=4)]
    box = BallotBox.of("p1", first)
    box.extend(BallotBox.of("p1", later))
    assert list(box) == first + later
    with pytest.raises(GovernanceError) as info:
        box.extend(BallotBox.of("p2", [ballot(V[3], proposal="p2")]))
    assert info.value.code == "wrong_proposal" and len(box) == 4


def _columns(**changes: object) -> dict[str, object]:
    columns: dict[str, object] = {
        "ids": ["a", "b"], "voters": [V[0], V[1]], "cast_at": [at(1), at(2)],
        "choices": [("agree",), ("block",)],
    }
    columns.update(changes)
    return columns


def test_from_columns_takes_good_columns() -> None:
    box = BallotBox.from_columns("p1", **_columns())  # type: ignore[arg-type]
    assert [b.id for b in box] == ["a", "b"] and box.cast_at[1] == at(2)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"ids": ["a"]}, "invalid_ballot"),
        ({"ids": ["a", ""]}, "invalid_ballot"),
        ({"voters": [V[0], 7]}, "invalid_ballot"),
        ({"cast_at": [at(1), datetime(2025, 3, 1, 12, 5)]}, "invalid_time"),
        ({"cast_at": [at(1), T0.astimezone(timezone(timedelta(hours=2)))]}, "invalid_time"),
        ({"cast_at": [at(1), "2025-03-01T12:00:00Z"]}, "invalid_time"),
        ({"choices": [("agree",), ["block"]]}, "invalid_choice"),
        ({"choices": [("agree",), (3,)]}, "invalid_choice"),
        ({"sequences": [1]}, "invalid_ballot"),
        ({"sequences": [1, -1]}, "invalid_ballot"),
        ({"sequences": [1, True]}, "invalid_ballot"),
    ],
)
def test_from_columns_refuses_what_a_ballot_would_refuse(changes: dict[str, object], code: str) -> None:
    with pytest.raises(GovernanceError) as info:
        BallotBox.from_columns("p1", **_columns(**changes))  # type: ignore[arg-type]
    assert info.value.code == code
    with pytest.raises(GovernanceError):
        BallotBox("")
