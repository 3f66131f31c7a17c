"""The worked examples of docs/GOVERNANCE.md, computed by the code (keep both in step)."""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

from governance import (
    Ballot,
    BallotType,
    Bylaws,
    Decision,
    Electorate,
    Flood,
    Outcome,
    Roster,
    flood_tally,
    open_flood_proposal,
    open_proposal,
    split_pro_rata,
    tally,
)

DOC = (Path(__file__).parents[2] / "docs" / "GOVERNANCE.md").read_text(encoding="utf-8")
OPENS = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
VOTED = datetime(2025, 3, 2, 9, 0, tzinfo=UTC)
BYLAWS = Bylaws(name="Commons", purpose="Share tools.", currency="EUR")  # > 1/2, quorum 1/2
MEMBERS = [f"m{i}" for i in range(1, 11)]  # m1 ... m10


def _run(kind: BallotType, options: tuple[str, ...], votes: list[tuple[str, ...]]):  # type: ignore[no-untyped-def]
    p = open_proposal(id="p1", author="m1", title="Example", motion=Decision("example"),
                      bylaws=BYLAWS, electorate=Roster.found(MEMBERS, OPENS).electorate(),
                      opens_at=OPENS, ballot_type=kind, options=options)
    ballots = [Ballot(f"b{i}", "p1", MEMBERS[i], VOTED, choice) for i, choice in enumerate(votes)]
    return tally(p.rule, p.electorate, ballots)


def test_consent_example() -> None:
    votes = [("agree",)] * 4 + [("disagree",), ("block",)] + [("abstain",)] * 2
    t = _run(BallotType.CONSENT, (), votes)
    assert (t.participation, t.votes_cast, t.abstentions) == (8, 6, 2)
    assert t.quorum_met and t.count("agree") == 4 and t.outcome is Outcome.PASSED
    assert "| consent | 8 | 6 | 4/6 | passed |" in DOC


def test_single_choice_example() -> None:
    votes = [("tuesday",)] * 4 + [("thursday",)] * 2 + [("saturday",), ()]
    t = _run(BallotType.SINGLE, ("tuesday", "thursday", "saturday"), votes)
    assert (t.participation, t.votes_cast) == (8, 7)
    assert t.outcome is Outcome.WINNER and t.winners == ("tuesday",)
    assert "| single choice | 8 | 7 | tuesday 4/7 | winner: tuesday |" in DOC


def test_approval_example() -> None:
    votes = [("drill", "saw")] * 3 + [("drill",)] * 2 + [("saw", "ladder")] + [("ladder",)]
    t = _run(BallotType.APPROVAL, ("drill", "saw", "ladder"), votes)
    assert t.counts == (("drill", 5), ("saw", 4), ("ladder", 2))
    assert t.winners == ("drill", "saw") and t.votes_cast == 7
    assert "| approval | 7 | 7 | drill 5/7, saw 4/7, ladder 2/7 | winners: drill, saw |" in DOC


def test_ranked_example() -> None:
    votes = [("a",)] * 4 + [("b",)] * 3 + [("c", "b")] * 2
    t = _run(BallotType.RANKED, ("a", "b", "c"), votes)
    assert [dict(r.counts) for r in t.rounds] == [{"a": 4, "b": 3, "c": 2}, {"a": 4, "b": 5}]
    assert [r.eliminated for r in t.rounds] == ["c", None]
    assert t.winners == ("b",)
    assert "| ranked choice | 9 | 9 | round 1: a 4, b 3, c 2 (c out); round 2: a 4, b 5 | winner: b |" in DOC


def test_flood_example() -> None:
    north = Electorate.of(["n1", "n2", "n3", "ana"])
    south = Electorate.of(["s1", "s2", "ana"])
    d = open_flood_proposal(
        id="f1", author="n1", title="Shared van", motion=Decision("Buy a van together"),
        bylaws=BYLAWS, flood=Flood("flood", frozenset({"north", "south"})),
        pool_electorates={"north": north, "south": south}, opens_at=OPENS, double_majority=True)
    answers = {"n1": "agree", "n2": "agree", "n3": "agree", "ana": "agree",
               "s1": "disagree", "s2": "disagree"}
    ballots = [Ballot(f"b-{v}", "f1", v, VOTED, (a,)) for v, a in answers.items()]
    t = flood_tally(d, ballots)
    assert t.overall.electorate_size == 6 and t.overall.count("agree") == 4
    assert t.overall.outcome is Outcome.PASSED
    assert dict(t.pools)["north"].outcome is Outcome.PASSED
    assert dict(t.pools)["south"].outcome is Outcome.REJECTED
    assert t.pools_for == 1 and t.outcome is Outcome.REJECTED
    assert split_pro_rata(10000, {"north": 2, "south": 1}) == {"north": 6667, "south": 3333}
    assert "north 6667, south 3333" in DOC
    assert "6 electors (ana counted once)" in DOC


def test_quorum_and_threshold_numbers_in_doc() -> None:
    assert BYLAWS.quorum == Fraction(1, 2)
    assert str(BYLAWS.threshold.fraction) == "1/2"
