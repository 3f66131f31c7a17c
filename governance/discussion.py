"""Who may say what in a pool's threads: replies, moderation and outcome statements.

A thread is a proposal's or a discussion's; comments in it nest one level (a reply to a reply
joins the first comment's replies, as Loomio does). Members always take part; the bylaws'
``outside_replies`` decides about everyone else. Stewards hide a comment with a reason (kept,
shown hidden); only its author edits or deletes it. When a proposal has closed, its author or a
steward may publish one outcome statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from governance.bylaws import OutsideReplies
from governance.errors import Conflict, NotPermitted, RuleViolation

__all__ = [
    "Display",
    "Standing",
    "StatementAuthor",
    "check_author",
    "check_outcome",
    "check_reason",
    "display",
    "standing_of",
    "top_level",
]

MAX_REASON = 500
"""The longest reason a steward gives for hiding a comment, in characters."""


class Standing(StrEnum):
    """Whether a comment's author was a member of the pool when the pool received it."""

    MEMBER = "member"
    OUTSIDE = "outside"


class Display(StrEnum):
    """How a thread shows a comment."""

    SHOWN = "shown"
    COLLAPSED = "collapsed"
    HIDDEN = "hidden"
    DELETED = "deleted"


def standing_of(is_member: bool, policy: OutsideReplies) -> Standing:
    """The standing of a new comment; NotPermitted when the bylaws refuse outsiders' replies."""
    if is_member:
        return Standing.MEMBER
    if policy is OutsideReplies.REFUSED:
        raise NotPermitted(
            "outside_replies_refused",
            "only members of the pool may take part in its discussions (bylaws: replies from "
            "outside the pool are refused)")
    return Standing.OUTSIDE


def display(standing: Standing, policy: OutsideReplies, *, hidden: bool, deleted: bool) -> Display:
    """How to show a comment under the bylaws in force now (a deletion or a hiding wins)."""
    if deleted:
        return Display.DELETED
    if hidden:
        return Display.HIDDEN
    if standing is Standing.OUTSIDE and policy is not OutsideReplies.SHOWN:
        return Display.COLLAPSED
    return Display.SHOWN


_Ref = TypeVar("_Ref")


def top_level(replied_to: _Ref, parent_of_replied: _Ref | None) -> _Ref:
    """The top-level comment a reply to ``replied_to`` (a comment) hangs under: the comment
    itself, or its own parent when it is already a reply (one level of nesting)."""
    return parent_of_replied if parent_of_replied is not None else replied_to


def check_author(actor: str, author: str, doing: str) -> None:
    """Only a comment's author edits or deletes it (stewards hide, they do not rewrite)."""
    if actor != author:
        raise NotPermitted("not_the_author", f"only the author of a comment may {doing} it")


def check_reason(reason: str) -> str:
    """A steward's reason for hiding a comment: required, at most :data:`MAX_REASON` characters."""
    text = " ".join(reason.split())
    if not text:
        raise RuleViolation("reason_required", "say why the comment is hidden: the reason is shown in its place")
    if len(text) > MAX_REASON:
        raise RuleViolation("reason_too_long", f"the reason is at most {MAX_REASON} characters")
    return text


@dataclass(frozen=True, slots=True)
class StatementAuthor:
    """Who wants to publish a proposal's outcome statement, and what the pool knows of them."""

    actor: str
    proposal_author: str
    is_steward: bool


def check_outcome(who: StatementAuthor, *, closed: bool, already: bool) -> None:
    """An outcome statement: once the proposal has closed, by its author or a steward, once."""
    if who.actor != who.proposal_author and not who.is_steward:
        raise NotPermitted("not_permitted",
                           "only the proposal's author or a steward may publish its outcome")
    if not closed:
        raise Conflict("proposal_open", "the outcome is published once voting has closed")
    if already:
        raise Conflict("outcome_published",
                       "this proposal's outcome is already published: edit that statement instead")
