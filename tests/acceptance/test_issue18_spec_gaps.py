"""Issue 18: places where an implementation written from docs/SPEC.md and docs/PROTOCOL.md alone
had to guess (tests/acceptance/issue18_spec.py marks them). Each test asks the documents for
the missing sentence; the strict xfails are the spec's bugs, the passing ones the questions the
issue raised that the documents now answer."""

from __future__ import annotations

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"
SPEC = (DOCS / "SPEC.md").read_text("utf-8")
PROTOCOL = (DOCS / "PROTOCOL.md").read_text("utf-8")
EVERYTHING = SPEC + PROTOCOL + (DOCS / "OPERATIONS.md").read_text("utf-8") + (DOCS / "FEDERATION.md").read_text("utf-8")


def test_the_guesses_the_issue_lists_are_now_written_down() -> None:
    # entryHash's input: at/published with microseconds, kind/entryKind, recorded_by, prev_hash,
    # null for an absent reference.
    for needle in ("| `at` | `published`", "| `kind` | `entryKind`", "| `recorded_by` | `recordedBy`",
                   "| `prev_hash` | `previousHash`", "| `reference` | `reference` | `null` |"):
        assert needle in SPEC, needle
    # tallyDigest: the flood in, electorates as the list, only counted ballots.
    assert re.search(r"`flood`,\s+`electorates` \(the list\)", SPEC)
    assert "never a replaced one" in SPEC
    # how flood ids are shared and where flood proposals are listed.
    assert "A flood's id, and where floods and their proposals are listed." in PROTOCOL


def test_the_balances_view_is_defined_member_by_member() -> None:
    assert re.search(r"`balances`[^.\n]*(object|account)", EVERYTHING), "the accounts' member is not named"


def test_a_flood_ballots_pool_is_part_of_its_validity_in_the_spec() -> None:
    section = SPEC.split("### 5.1", 1)[1].split("### 5.2", 1)[0]
    assert re.search(r"ballot's `pool`|its `pool`", section), "§5.1 says nothing of a ballot's pool"


def test_the_ledger_collection_says_whether_items_are_inline() -> None:
    line = next(line for line in PROTOCOL.splitlines() if "`{pool}/ledger` (paged by sequence" in line)
    assert "document" in line, line


def test_the_running_tally_digest_is_defined() -> None:
    """§5.3 (issue 17's running Tally) is no longer a placeholder: it gives the digest's input."""
    section = SPEC.split("### 5.3", 1)[1].split("### 5.4", 1)[0]
    assert "Placeholder" not in section
    assert "`ballotsDigest`" in section and "oldest first" in section and "vector:tally/running" in section
