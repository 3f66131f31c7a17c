"""What a proposal decides (its kind) and how electors answer it (its ballot type)."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["BallotType", "Kind"]


class Kind(StrEnum):
    """What a proposal decides."""

    DECISION = "decision"
    DISBURSEMENT = "disbursement"
    BYLAWS_CHANGE = "bylaws_change"
    ADMISSION = "admission"
    EXPULSION = "expulsion"
    JOIN_FLOOD = "join_flood"
    LEAVE_FLOOD = "leave_flood"
    BUDGET_ROUND = "budget_round"
    ROLE_CHANGE = "role_change"
    SURPLUS = "surplus"


class BallotType(StrEnum):
    """How electors answer."""

    CONSENT = "consent"
    SINGLE = "single_choice"
    APPROVAL = "approval"
    RANKED = "ranked_choice"
    ALLOCATION = "allocation"
