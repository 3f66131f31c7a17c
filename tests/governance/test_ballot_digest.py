"""The digest of the counted ballots (docs/PROTOCOL.md, "Running tallies"), checked against the
spec's own words and examples, and the running count it goes with."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from governance import BallotDigest, RuleViolation, TallyState, ballots_digest, tally
from tests.governance.builders import ballot, electorate, people, rule

DOC = Path(__file__).resolve().parents[2] / "docs" / "PROTOCOL.md"


def _section() -> str:
    text = DOC.read_text("utf-8")
    return text[text.index("#### Running tallies"):text.index("#### Effects")]


def test_the_digest_is_the_one_the_spec_text_defines() -> None:
    section = _section()
    # "No ballot: the SHA-256 of nothing, `<hex>`."
    empty = re.search(r"SHA-256 of nothing, `([0-9a-f]{64})`", section)
    assert empty is not None and ballots_digest([]) == empty[1] == hashlib.sha256(b"").hexdigest()
    # "For ids `A` then `B` it is the SHA-256 of the 70 bytes `A\nB\n`."
    example = re.search(r"For ids `([^`]+)` then `([^`]+)` it is\s+the SHA-256 of the (\d+) bytes"
                        r" `([^`]+)`", section)
    assert example is not None
    first, second, size, text = example.groups()
    data = text.replace("\\n", "\n").encode("utf-8")
    assert len(data) == int(size) and data == f"{first}\n{second}\n".encode()
    assert ballots_digest([first, second]) == hashlib.sha256(data).hexdigest()


def test_the_spec_examples_carry_the_digest_of_their_ballots() -> None:
    text = DOC.read_text("utf-8")
    blocks = dict(re.findall(r"<!-- example:([a-z-]+) -->\n```json\n(.*?)\n```", text, re.S))
    final = json.loads(blocks["update-tally"])["object"]
    listed = final["ballots"]
    assert final["final"] is True and final["ballotCount"] == len(listed) == 2
    assert final["ballotsDigest"] == hashlib.sha256(
        b"".join(i.encode("utf-8") + b"\n" for i in listed)).hexdigest()
    running = json.loads(blocks["update-running-tally"])
    assert running["to"] == ["https://b.example/pools/commons/members"]
    counted = running["object"]
    assert counted["final"] is False and "ballots" not in counted
    # The running Tally counted the first of the final's ballots, in the order accepted.
    assert counted["ballotCount"] == 1
    assert counted["ballotsDigest"] == hashlib.sha256(listed[0].encode() + b"\n").hexdigest()


@given(st.lists(st.text(alphabet=st.characters(blacklist_characters="\n",
                                                 blacklist_categories=("Cs",)),
                                  min_size=1), max_size=30))
def test_adding_one_by_one_equals_hashing_them_all(ids: list[str]) -> None:
    digest = BallotDigest()
    for n, ballot_id in enumerate(ids):
        digest.add(ballot_id)
        assert digest.hexdigest() == ballots_digest(ids[:n + 1])  # readable at any point
    assert digest.count == len(ids)
    assert digest.hexdigest() == hashlib.sha256("".join(i + "\n" for i in ids).encode()).hexdigest()


@pytest.mark.parametrize("bad", ["", "https://a.example/b\nhttps://a.example/c",
                                 "https://a.example/\ud800"])
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
