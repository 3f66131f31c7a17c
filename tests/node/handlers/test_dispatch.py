"""The dispatch table and the pools' follow policy."""

from __future__ import annotations

from node.handlers import (
    accept,
    create,
    create_discussion,
    delete,
    follow,
    handler_for,
    poll_reply,
    reject,
    undo,
    update,
)
from node.storage import ActorRecord, RemoteActor


def _remote(kind: str) -> RemoteActor:
    return RemoteActor("https://x.example/a", kind, "https://x.example/a/inbox", None, None, None)


def _pool() -> ActorRecord:
    return ActorRecord(1, "commons", "pool", "http://node.test/pools/commons", "Commons", "",
                       False, "", "", "", "", "2026-01-01T00:00:00Z")


def test_specific_rows_win_over_any_object() -> None:
    assert handler_for("Accept", "Follow") is accept.accept_follow
    assert handler_for("Reject", "Follow") is reject.reject_follow
    assert handler_for("Undo", "Follow") is undo.undo_follow
    assert handler_for("Follow", None) is follow.handle
    # A Note may be a Mastodon poll reply to a pool's Question; poll_reply stores other Notes.
    assert handler_for("Create", "Note") is poll_reply.handle
    # A Page or an Article may start a discussion in a pool; create_discussion stores the rest.
    assert handler_for("Create", "Page") is create_discussion.handle
    assert handler_for("Create", "Article") is create_discussion.handle
    assert handler_for("Create", "Question") is create.handle
    assert handler_for("Update", "Person") is update.handle
    assert handler_for("Delete", None) is delete.handle


def test_unknown_combinations_have_no_handler() -> None:
    assert handler_for("Undo", "Like") is None
    assert handler_for("Accept", "Offer") is None
    assert handler_for("Dance", None) is None


def test_pools_accept_people_and_hold_other_pools() -> None:
    assert follow.follow_policy(_pool(), _remote("Person")) == "accept"
    assert follow.follow_policy(_pool(), _remote("Group")) == "pending"
    assert follow.follow_policy(_pool(), _remote("Service")) == "pending"
