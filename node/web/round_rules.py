"""The bylaws' budget round settings in the bylaws-change form, and how a change shows them.

Who may propose buckets, for how long after a round opens, how many each, and whether members
see who allocated what while a round is open. Equality of allowance is no setting: every member
of a round allocates the same share of its pot.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from governance import BucketProposers, Bylaws
from governance.bylaws import MAX_BUCKETS_PER_MEMBER
from node.web.formats import parse_period, period_input
from node.web.i18n import N_
from node.web.i18n import gettext as _

__all__ = ["PROPOSERS", "ROUND_FIELDS", "read_round_rules", "round_defaults", "round_rows"]

ROUND_FIELDS = ("new_bucket_proposers", "new_bucket_window", "new_max_buckets",
                "new_allocations_visible")
# English catalog entries; each is shown in the reader's language.
PROPOSERS = [(BucketProposers.MEMBERS.value, N_("Any member")),
             (BucketProposers.STEWARDS.value, N_("Stewards only"))]
_LONGEST = timedelta(days=10 * 366)


def round_defaults(bylaws: Bylaws) -> dict[str, str]:
    """The round settings' fields prefilled with the bylaws in force."""
    return {
        "new_bucket_proposers": bylaws.bucket_proposers.value,
        "new_bucket_window": period_input(bylaws.bucket_window) if bylaws.bucket_window else "",
        "new_max_buckets": str(bylaws.max_buckets_per_member),
        "new_allocations_visible": "on" if bylaws.allocations_visible else "",
    }


def read_round_rules(form: Mapping[str, Any], current: Bylaws, values: dict[str, str],
                     errors: dict[str, str]) -> dict[str, Any]:
    """The round settings a member typed, as ``Bylaws`` fields; problems go into ``errors``.

    A form from before these settings existed sends none of them: the values in force stay."""
    if not any(field in form for field in ROUND_FIELDS):
        values.update(round_defaults(current))
        return {}
    values.update({field: str(form.get(field, "")).strip() for field in ROUND_FIELDS})
    changes: dict[str, Any] = {}
    if values["new_bucket_proposers"] not in {value for value, _label in PROPOSERS}:
        errors["new_bucket_proposers"] = _("Choose who may propose buckets: any member or stewards only.")
    else:
        changes["bucket_proposers"] = BucketProposers(values["new_bucket_proposers"])
    window: timedelta | None = timedelta(0)
    if values["new_bucket_window"] not in ("", "0"):
        window = parse_period(values["new_bucket_window"], _LONGEST)
        if window is None:
            errors["new_bucket_window"] = _("Say for how long after a round opens buckets may be "
                                            "proposed, e.g. 3 days, or leave it empty for the whole "
                                            "round (at most ten years).")
    if window is not None:
        changes["bucket_window"] = window
    count = values["new_max_buckets"]
    if not (count.isascii() and count.isdigit() and 1 <= int(count) <= MAX_BUCKETS_PER_MEMBER):
        errors["new_max_buckets"] = _("Give a whole number from 1 to %(most)d.", most=MAX_BUCKETS_PER_MEMBER)
    else:
        changes["max_buckets_per_member"] = int(count)
    if values["new_allocations_visible"] not in ("", "on"):
        errors["new_allocations_visible"] = _("Tick the box or leave it empty.")
    changes["allocations_visible"] = values["new_allocations_visible"] == "on"
    return changes


def round_rows(bylaws: Bylaws) -> list[tuple[str, str]]:
    """The round settings as (label, value) rows of a bylaws comparison."""
    window = bylaws.bucket_window
    return [
        (_("Who may propose buckets in a budget round"), _(dict(PROPOSERS)[bylaws.bucket_proposers.value])),
        (_("Buckets may be proposed"),
         _("for %(period)s after a round opens", period=period_input(window)) if window
         else _("until the round closes")),
        (_("Buckets per member in a round"), str(bylaws.max_buckets_per_member)),
        (_("Members see who allocated what during a round"),
         _("yes") if bylaws.allocations_visible else _("no (after it closes)")),
    ]
