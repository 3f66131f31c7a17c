"""The kinds of notification a member gets, their names, and how each is mailed unless chosen.

The notifier (node/notifications) adds them; the list, the settings and the mails name them
with these words, translated where shown.
"""

from __future__ import annotations

from node.web.i18n import N_, gettext

__all__ = ["DEFAULT_MODES", "KINDS", "MODES", "kind_label", "mode_label"]

KINDS = ("proposal_opened", "closing_soon", "result", "reply", "mention", "admitted",
         "turned_down", "money", "flood")
MODES = ("none", "immediately", "daily")

# What a member who has not chosen gets by email: what needs them at once, the rest daily.
DEFAULT_MODES = {
    "proposal_opened": "daily", "closing_soon": "immediately", "result": "daily",
    "reply": "daily", "mention": "immediately", "admitted": "immediately",
    "turned_down": "immediately", "money": "daily", "flood": "daily",
}

_KIND_LABELS = {
    "proposal_opened": N_("A proposal opened in my pool"),
    "closing_soon": N_("Voting closes in 24 hours and I have not voted"),
    "result": N_("The result of a proposal"),
    "reply": N_("A reply to me"),
    "mention": N_("A mention of me"),
    "admitted": N_("My application was admitted"),
    "turned_down": N_("My application was turned down"),
    "money": N_("Money recorded for me or owed to me"),
    "flood": N_("A flood proposal my pool takes part in"),
}

_MODE_LABELS = {
    "none": N_("No email"),
    "immediately": N_("Email at once"),
    "daily": N_("Daily digest"),
}


def kind_label(kind: str) -> str:
    """The kind's name in the current language."""
    return gettext(_KIND_LABELS[kind]) if kind in _KIND_LABELS else kind


def mode_label(mode: str) -> str:
    return gettext(_MODE_LABELS[mode]) if mode in _MODE_LABELS else mode
