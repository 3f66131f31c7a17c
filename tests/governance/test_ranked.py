from fractions import Fraction

from governance import Threshold
from governance.ranked import Round, instant_runoff

MAJ = Threshold.more_than(Fraction(1, 2))


def test_majority_in_first_round() -> None:
    winner, rounds = instant_runoff(("a", "b"), [("a",), ("a", "b"), ("b",)], MAJ)
    assert winner == "a"
    assert rounds == (Round((("a", 2), ("b", 1)), None),)


def test_elimination_transfers_votes() -> None:
    rankings = [("a",)] * 4 + [("b", "a")] * 2 + [("c", "b")] * 3
    winner, rounds = instant_runoff(("a", "b", "c"), rankings, MAJ)
    assert [r.eliminated for r in rounds] == ["b", None]
    assert winner == "a"
    assert rounds[1].counts == (("a", 6), ("c", 3))


def test_tie_for_fewest_broken_by_first_preferences_then_position() -> None:
    # Round 1: a0 b1 c1 d2 -> a out (fewest). Round 2: b1 c1 d2: b and c tie on votes and on
    # first preferences, so the later-listed c is out. Round 3: d has 2 of 3 > 1/2.
    rankings = [("b",), ("c",), ("d",), ("d",)]
    winner, rounds = instant_runoff(("a", "b", "c", "d"), rankings, MAJ)
    assert [r.eliminated for r in rounds] == ["a", "c", None]
    assert winner == "d"


def test_tie_broken_by_original_first_preferences() -> None:
    rankings = [("a",), ("a",), ("c",), ("b", "c"), ("d", "a"), ("c",)]
    winner, rounds = instant_runoff(("a", "b", "c", "d"), rankings, MAJ)
    # Round 1: a2 b1 c2 d1: b and d tie on votes and first prefs: d is listed later -> out.
    assert rounds[0].eliminated == "d"
    # Round 2: a3 b1 c2 -> b out. Round 3: a3 c3: tie; first prefs a2 c2; c later -> out.
    assert [r.eliminated for r in rounds] == ["d", "b", "c", None]
    assert winner == "a"


def test_no_rankings_no_winner() -> None:
    winner, rounds = instant_runoff(("a", "b"), [(), ()], MAJ)
    assert winner is None
    assert rounds == (Round((("a", 0), ("b", 0)), None),)


def test_fewest_first_preferences_decides_a_tie_on_votes() -> None:
    rankings = [("a",)] * 3 + [("b",)] * 2 + [("c", "b")] + [("d", "a")] + [("e", "b")]
    winner, rounds = instant_runoff(("a", "b", "c", "d", "e"), rankings, MAJ)
    # Round 1: a3 b2 c1 d1 e1: c, d, e tie on votes and firsts -> e (listed last) out.
    # Round 2: a3 b3 c1 d1: c, d tie -> d out; a4 b3 c1: c out; a4 b4: tie on votes,
    # first preferences a3 > b2, so b is out and a wins.
    assert [r.eliminated for r in rounds] == ["e", "d", "c", "b", None]
    assert winner == "a"
