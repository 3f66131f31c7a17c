"""The words pages show for the values the core stores: outcomes, roles, states, kinds, choices.

``{{ outcome|label("outcome") }}`` shows ``passed`` as "passed" in English and "aprobada" in
Spanish. Each group is its own gettext context, because one English word ("rejected": a
proposal, a person) may need two words in another language. A value no group knows is shown
as it is (a newer node may send one).
"""

from __future__ import annotations

from collections.abc import Callable

from node.web.i18n import pgettext

__all__ = ["GROUPS", "label"]


def _outcome() -> dict[str, str]:
    return {
        "passed": pgettext("outcome", "passed"),
        "rejected": pgettext("outcome", "rejected"),
        "no_quorum": pgettext("outcome", "no quorum"),
        "vetoed": pgettext("outcome", "vetoed"),
        "winner": pgettext("outcome", "winner"),
        "failed": pgettext("outcome", "failed"),
    }


def _role() -> dict[str, str]:
    return {
        "member": pgettext("role", "member"),
        "steward": pgettext("role", "steward"),
        "treasurer": pgettext("role", "treasurer"),
    }


def _state() -> dict[str, str]:
    return {
        "member": pgettext("membership", "member"),
        "applicant": pgettext("membership", "applicant"),
        "left": pgettext("membership", "left"),
        "expelled": pgettext("membership", "expelled"),
        "rejected": pgettext("membership", "turned down"),
        "unknown": pgettext("membership", "unknown"),
    }


def _kind() -> dict[str, str]:
    return {
        "decision": pgettext("proposal kind", "Decision"),
        "disbursement": pgettext("proposal kind", "Disbursement"),
        "bylaws_change": pgettext("proposal kind", "Bylaws change"),
        "admission": pgettext("proposal kind", "Admission"),
        "expulsion": pgettext("proposal kind", "Expulsion"),
        "join_flood": pgettext("proposal kind", "Join flood"),
        "leave_flood": pgettext("proposal kind", "Leave flood"),
        "budget_round": pgettext("proposal kind", "Budget round"),
        "role_change": pgettext("proposal kind", "Role change"),
        "surplus": pgettext("proposal kind", "Surplus distribution"),
        "investment": pgettext("proposal kind", "Investment"),
    }


def _measure() -> dict[str, str]:
    return {
        "contributions": pgettext("measure", "contributions"),
        "patronage": pgettext("measure", "patronage"),
        "equal": pgettext("measure", "equal shares"),
    }


def _ballot() -> dict[str, str]:
    return {
        "consent": pgettext("ballot", "Consent vote"),
        "single_choice": pgettext("ballot", "Single choice"),
        "approval": pgettext("ballot", "Approval vote"),
        "ranked_choice": pgettext("ballot", "Ranked vote (instant runoff)"),
        "allocation": pgettext("ballot", "Allocation"),
    }


def _choice() -> dict[str, str]:
    return {
        "agree": pgettext("choice", "Agree"),
        "disagree": pgettext("choice", "Disagree"),
        "abstain": pgettext("choice", "Abstain"),
        "block": pgettext("choice", "Block"),
    }


def _effect() -> dict[str, str]:
    return {
        "none": pgettext("effect", "nothing to carry out"),
        "pending": pgettext("effect", "being carried out"),
        "done": pgettext("effect", "carried out"),
        "committed": pgettext("effect", "committed"),
        "waiting_funds": pgettext("effect", "waiting for funds"),
        "lapsed": pgettext("effect", "lapsed"),
        "refused": pgettext("effect", "not carried out"),
    }


def _invitation() -> dict[str, str]:
    return {
        "open": pgettext("invitation", "open"),
        "revoked": pgettext("invitation", "revoked"),
        "expired": pgettext("invitation", "expired"),
        "used up": pgettext("invitation", "used up"),
    }


def _comparator() -> dict[str, str]:
    return {
        "more_than": pgettext("comparator", "more than"),
        "at_least": pgettext("comparator", "at least"),
    }


GROUPS: dict[str, Callable[[], dict[str, str]]] = {
    "outcome": _outcome,
    "role": _role,
    "state": _state,
    "kind": _kind,
    "ballot": _ballot,
    "choice": _choice,
    "effect": _effect,
    "invitation": _invitation,
    "comparator": _comparator,
    "measure": _measure,
}


def label(value: object, group: str) -> str:
    """The reader's word for ``value`` of ``group`` (e.g. an outcome); unknown values unchanged."""
    text = "" if value is None else str(value)
    return GROUPS[group]().get(text, text)
