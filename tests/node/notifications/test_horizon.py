"""On PostgreSQL the notifier reads a table only up to ids that were its highest a while ago:
a row whose transaction is still open (a lower id, not yet visible) is not passed over."""

from __future__ import annotations

from node.notifications.notifier import COMMIT_LAG, CommitHorizon


def test_an_id_is_read_up_to_only_once_it_is_old_enough() -> None:
    horizon = CommitHorizon(COMMIT_LAG)
    assert horizon.upto("comments", 10, 100.0) is None
    assert horizon.upto("comments", 12, 103.0) is None
    assert horizon.upto("comments", 15, 105.0) == 10  # 10 was the highest 5 s ago
    assert horizon.upto("comments", 15, 108.5) == 12
    assert horizon.upto("comments", 20, 200.0) == 15
    assert horizon.upto("proposals", 3, 200.0) is None  # each table on its own


def test_without_a_lag_everything_seen_is_readable() -> None:
    assert CommitHorizon(0.0).upto("comments", 7, 1.0) == 7
