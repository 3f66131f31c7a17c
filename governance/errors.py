"""The one error hierarchy of the governance core: a machine ``code``, a client-safe ``reason``."""

from __future__ import annotations

__all__ = [
    "Conflict",
    "GovernanceError",
    "NotPermitted",
    "RuleViolation",
]


class GovernanceError(Exception):
    """Base: ``code`` is stable for machines, ``reason`` is safe to show, ``status_hint`` is HTTP-ish."""

    status_hint: int = 422

    def __init__(self, code: str, reason: str, *, status_hint: int | None = None) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason
        if status_hint is not None:
            self.status_hint = status_hint


class RuleViolation(GovernanceError):
    """The request breaks a rule of the bylaws or of the model (422)."""

    status_hint = 422


class NotPermitted(GovernanceError):
    """The actor is not allowed to do this (403)."""

    status_hint = 403


class Conflict(GovernanceError):
    """The request conflicts with what is already recorded or with the current state (409)."""

    status_hint = 409
