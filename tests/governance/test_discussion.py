"""The rules of a pool's threads: outsiders' replies, nesting, moderation, outcome statements."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from governance import Bylaws, Conflict, NotPermitted, OutsideReplies, RuleViolation, render_bylaws
from governance.discussion import (
    MAX_REASON,
    Display,
    Standing,
    StatementAuthor,
    check_author,
    check_outcome,
    check_reason,
    display,
    standing_of,
    top_level,
)
from tests.governance.builders import bylaws

POLICIES = st.sampled_from(list(OutsideReplies))


@given(POLICIES)
def test_members_always_take_part(policy: OutsideReplies) -> None:
    assert standing_of(True, policy) is Standing.MEMBER


def test_outsiders_are_refused_with_a_reason_only_when_the_bylaws_say_so() -> None:
    with pytest.raises(NotPermitted) as info:
        standing_of(False, OutsideReplies.REFUSED)
    assert info.value.code == "outside_replies_refused"
    assert "only members" in info.value.reason
    assert standing_of(False, OutsideReplies.COLLAPSED) is Standing.OUTSIDE
    assert standing_of(False, OutsideReplies.SHOWN) is Standing.OUTSIDE


@given(st.sampled_from(list(Standing)), POLICIES, st.booleans(), st.booleans())
def test_display_deletion_then_hiding_win(standing: Standing, policy: OutsideReplies,
                                          hidden: bool, deleted: bool) -> None:
    shown = display(standing, policy, hidden=hidden, deleted=deleted)
    if deleted:
        assert shown is Display.DELETED
    elif hidden:
        assert shown is Display.HIDDEN
    elif standing is Standing.MEMBER:
        assert shown is Display.SHOWN
    else:
        assert shown is (Display.SHOWN if policy is OutsideReplies.SHOWN else Display.COLLAPSED)


def test_nesting_is_one_level() -> None:
    assert top_level("c1", None) == "c1"  # a reply to a top-level comment hangs under it
    assert top_level("c2", "c1") == "c1"  # a reply to that reply hangs under c1 too


def test_only_the_author_edits_or_deletes() -> None:
    check_author("ana", "ana", "edit")
    with pytest.raises(NotPermitted) as info:
        check_author("ben", "ana", "delete")
    assert info.value.reason == "only the author of a comment may delete it"


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_hiding_needs_a_reason(reason: str) -> None:
    with pytest.raises(RuleViolation) as info:
        check_reason(reason)
    assert info.value.code == "reason_required"


def test_reason_is_bounded_and_tidied() -> None:
    assert check_reason("  off\ntopic  ") == "off topic"
    assert check_reason("x" * MAX_REASON) == "x" * MAX_REASON
    with pytest.raises(RuleViolation):
        check_reason("x" * (MAX_REASON + 1))


@given(st.booleans(), st.booleans(), st.booleans(), st.booleans())
def test_outcome_rules(is_author: bool, is_steward: bool, closed: bool, already: bool) -> None:
    who = StatementAuthor("ana" if is_author else "ben", "ana", is_steward)
    allowed = (is_author or is_steward) and closed and not already
    if allowed:
        check_outcome(who, closed=closed, already=already)
        return
    with pytest.raises((NotPermitted, Conflict)) as info:
        check_outcome(who, closed=closed, already=already)
    if not (is_author or is_steward):
        assert isinstance(info.value, NotPermitted)  # the role comes first
    elif not closed:
        assert info.value.code == "proposal_open"
    else:
        assert info.value.code == "outcome_published"


def test_outside_replies_setting_round_trips_and_is_rendered() -> None:
    default = bylaws()
    assert "outside_replies" not in default.to_dict()  # signed bylaws keep their bytes
    assert default.outside_replies is OutsideReplies.COLLAPSED
    assert "kept, and shown folded away" in render_bylaws(default)
    for policy, words in [(OutsideReplies.REFUSED, "are refused, and the sender is told why"),
                          (OutsideReplies.SHOWN, "are shown like members'")]:
        changed = bylaws(outside_replies=policy)
        assert changed.to_dict()["outside_replies"] == policy.value
        assert Bylaws.from_dict(changed.to_dict()) == changed
        assert words in render_bylaws(changed)
    assert "## 10. Discussion" in render_bylaws(default)


def test_unknown_outside_replies_are_refused() -> None:
    with pytest.raises(RuleViolation) as info:
        Bylaws.from_dict({**bylaws().to_dict(), "outside_replies": "anyone"})
    assert info.value.code == "invalid_document"
    with pytest.raises(RuleViolation):
        bylaws(outside_replies="collapsed")
