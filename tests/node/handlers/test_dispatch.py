"""The dispatch table and the pools' follow policy."""

from __future__ import annotations

from node.handlers import (
    Inbound,
    accept,
    create,
    create_discussion,
    delete,
    documents_kept,
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


def _note_inbound(note: dict[str, object], *recipients: ActorRecord) -> Inbound:
    activity = {"id": "https://x.example/a/create/1", "type": "Create",
                "actor": "https://x.example/a", "object": note}
    return Inbound(None, activity, "https://x.example/a", recipients)  # type: ignore[arg-type]


def test_only_a_plain_note_comes_down_to_keeping_it() -> None:
    """The inbox worker writes what ``documents_kept`` names instead of running the handler:
    it must name nothing for a Note the handler does more with."""
    pool = _pool()
    plain = {"id": "https://x.example/n/1", "type": "Note", "content": "hello",
             "attributedTo": "https://x.example/a"}
    assert documents_kept(_note_inbound(plain, pool), "Note") == [plain]
    assert documents_kept(_note_inbound(plain), "Question") == [plain]  # ("Create", None)
    no_id = {k: v for k, v in plain.items() if k != "id"}
    assert documents_kept(_note_inbound(no_id), "Note") == []
    for note in [
        {**plain, "inReplyTo": "https://x.example/n/0"},  # may answer a thread here
        {**plain, "inReplyTo": {"id": pool.uri + "/proposals/p"}},
        {**plain, "outcomeOf": pool.uri + "/proposals/p"},  # an outcome statement
        {**plain, "content": "", "name": "agree", "inReplyTo": pool.uri + "/proposals/p/question"},
        {**plain, "content": "@commons join", "tag": [{"type": "Mention", "href": pool.uri}]},
    ]:
        assert documents_kept(_note_inbound(note, pool), "Note") is None, note
    # Rows that always run their handler; types without a row keep nothing more.
    assert documents_kept(_note_inbound(plain, pool), "Ballot") is None
    follow_activity = Inbound(None, {"type": "Follow", "object": pool.uri},  # type: ignore[arg-type]
                              "https://x.example/a", ())
    assert documents_kept(follow_activity, None) is None
    dance = Inbound(None, {"type": "Dance"}, "https://x.example/a", ())  # type: ignore[arg-type]
    assert documents_kept(dance, None) == []
