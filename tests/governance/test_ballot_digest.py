"""The digest of the counted ballots, and the running count it goes with."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from governance import BallotDigest, RuleViolation, TallyState, ballots_digest, tally
from tests.governance.builders import ballot, electorate, people, rule


@given(st.lists(st.text(alphabet=st.characters(blacklist_characters="\n"), min_size=1), max_size=30))
def test_adding_one_by_one_equals_hashing_them_all(ids: list[str]) -> None:
    digest = BallotDigest()
    for n, ballot_id in enumerate(ids):
        digest.add(ballot_id)
        assert digest.hexdigest() == ballots_digest(ids[:n + 1])  # readable at any point
    assert digest.count == len(ids)
    assert digest.hexdigest() == hashlib.sha256("".join(i + "\n" for i in ids).encode()).hexdigest()


@pytest.mark.parametrize("bad", ["", "https://a.example/b\nhttps://a.example/c"])
def test_an_id_that_would_make_the_bytes_ambiguous_is_refused(bad: str) -> None:
    with pytest.raises(RuleViolation):
        BallotDigest().add(bad)


def test_a_state_that_keeps_no_ids_counts_as_a_recount() -> None:
    frozen, voters = rule(), electorate(3)
    ana, bo, cy = people(3)
    ballots = [ballot(ana, "agree", minute=1), ballot(bo, "block", minute=2),
               ballot(ana, "disagree", minute=3), ballot(cy, "abstain", minute=4)]
    state = TallyState(frozen, voters, track_ids=False)
    for item in ballots:
        state.add(item)
    assert state.result() == tally(frozen, voters, ballots)
