from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from governance import Decision, Electorate, GovernanceError, Outcome, Threshold
from governance.flood import (
    Flood,
    flood_electorate,
    flood_tally,
    open_flood_proposal,
    split_pro_rata,
)
from tests.governance.builders import T0, ballot, bylaws

NORTH = Electorate.of(["n1", "n2", "n3", "both"])
SOUTH = Electorate.of(["s1", "s2", "both"])
FLOOD = Flood("https://flood.example/f", frozenset({"north", "south"}))


def decision(double: bool = False, quorum: Fraction = Fraction(1, 2)):  # type: ignore[no-untyped-def]
    return open_flood_proposal(
        id="p1", author="n1", title="t", motion=Decision("Share a van"),
        bylaws=bylaws(quorum=quorum), flood=FLOOD,
        pool_electorates={"north": NORTH, "south": SOUTH}, opens_at=T0, double_majority=double,
    )


def test_a_person_in_two_pools_counts_once() -> None:
    d = decision()
    assert d.proposal.electorate.size == 6
    t = flood_tally(d, [ballot("both", "agree"), ballot("n1", "agree"), ballot("s1", "disagree")])
    assert t.overall.participation == 3 and t.overall.outcome is Outcome.PASSED
    assert dict(t.pools)["north"].participation == 2 and dict(t.pools)["south"].participation == 2


def test_double_majority_needs_most_pools() -> None:
    votes = [ballot(v, "agree") for v in ("n1", "n2", "n3")] + [
        ballot("s1", "disagree"), ballot("s2", "disagree")]
    plain = flood_tally(decision(), votes)
    assert plain.outcome is Outcome.PASSED
    double = flood_tally(decision(double=True), votes)
    assert double.pools_for == 1 and double.outcome is Outcome.REJECTED
    votes.append(ballot("both", "agree"))
    # south: both agrees, s1 and s2 disagree -> rejected there; one pool of two is not a majority
    assert flood_tally(decision(double=True), votes).outcome is Outcome.REJECTED


def test_flood_validation() -> None:
    with pytest.raises(GovernanceError):
        Flood("f", frozenset())
    d = decision()
    from dataclasses import replace

    with pytest.raises(GovernanceError) as info:
        replace(d, pool_electorates={"north": NORTH})
    assert info.value.code == "invalid_flood"
    with pytest.raises(GovernanceError) as info:
        replace(d, proposal=replace(d.proposal, electorate=NORTH), pool_electorates={
            "north": NORTH, "south": SOUTH})
    assert info.value.code == "invalid_flood"


def test_split_pro_rata_largest_remainder() -> None:
    assert split_pro_rata(100, {"a": 1, "b": 1, "c": 1}) == {"a": 34, "b": 33, "c": 33}
    assert split_pro_rata(10, {"a": 3, "b": 7}) == {"a": 3, "b": 7}
    assert split_pro_rata(10, {"z": 1, "y": 1, "x": 0}) == {"z": 5, "y": 5, "x": 0}
    assert split_pro_rata(5, {"b": 1, "a": 1}) == {"a": 3, "b": 2}
    for bad in ((-1, {"a": 1}), (5, {"a": 0}), (5, {"a": -1})):
        with pytest.raises(GovernanceError) as info:
            split_pro_rata(*bad)  # type: ignore[arg-type]
        assert info.value.code == "invalid_amount"


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(["p1", "p2", "p3", "p4"]),
                       st.frozensets(st.sampled_from([f"u{i}" for i in range(12)])), min_size=1))
def test_flood_electorate_dedupes_people(pools) -> None:  # type: ignore[no-untyped-def]
    electorates = {k: Electorate(v) for k, v in pools.items()}
    union = flood_electorate(electorates)
    assert union.members == frozenset().union(*pools.values())
    assert union.size == len({p for members in pools.values() for p in members})
    assert union.size <= sum(e.size for e in electorates.values())


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 10**9),
       st.dictionaries(st.text(min_size=1, max_size=3), st.integers(0, 10**6), min_size=1)
       .filter(lambda d: sum(d.values()) > 0))
def test_pro_rata_shares_sum_to_the_amount(amount, pledges) -> None:  # type: ignore[no-untyped-def]
    shares = split_pro_rata(amount, pledges)
    assert sum(shares.values()) == amount
    total = sum(pledges.values())
    for pool, pledge in pledges.items():
        exact = Fraction(amount * pledge, total)
        assert exact - 1 < shares[pool] < exact + 1
    assert split_pro_rata(amount, dict(reversed(list(pledges.items())))) == shares


def test_threshold_is_the_flood_rule() -> None:
    d = open_flood_proposal(
        id="p1", author="n1", title="t", motion=Decision("x"),
        bylaws=bylaws(threshold=Threshold.at_least(Fraction(2, 3)), quorum=Fraction(0)),
        flood=FLOOD, pool_electorates={"north": NORTH, "south": SOUTH}, opens_at=T0)
    t = flood_tally(d, [ballot("n1", "agree"), ballot("s1", "disagree")])
    assert t.outcome is Outcome.REJECTED
