"""What a proposal decides (its kind), how electors answer it (its ballot type), and the kinds
of asset the register records."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ASSET_KINDS", "TENURES", "BallotType", "Kind"]

ASSET_KINDS = ("room", "vehicle", "tool", "equipment", "land", "building", "other")
"""What an asset is, as the register records it (and an investment proposal names)."""
TENURES = ("owned", "rented")
"""Whether the pool owns the asset or rents it."""


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
    INVESTMENT = "investment"


class BallotType(StrEnum):
    """How electors answer."""

    CONSENT = "consent"
    SINGLE = "single_choice"
    APPROVAL = "approval"
    RANKED = "ranked_choice"
    ALLOCATION = "allocation"
