"""The share settings of the wizard and the bylaws-change form: share types (one a line:
``name; nominal value; minimum[; class=minimum, ...]``) and the measure a surplus is shared by
(docs/GOVERNANCE.md, "Shares and surplus in the node")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from governance import Bylaws, GovernanceError, ShareType, SurplusMeasure
from governance.coop_rules import MAX_MINIMUM, MAX_SHARE_TYPES
from governance.money import parse_amount
from node.web.formats import money_input
from node.web.i18n import N_
from node.web.i18n import gettext as _
from node.web.refusals import sentence

__all__ = ["MEASURES", "SHARE_FIELDS", "read_share_rules", "share_defaults", "share_rows",
           "share_types_from_text", "share_types_text", "surplus_measure_from"]

SHARE_FIELDS = ("new_share_types", "new_surplus_measure")
MEASURES = [
    ("", N_("No surplus is shared among the members (reserves only)")),
    ("contributions", N_("By contributions: what each member paid in during the period")),
    ("patronage", N_("By patronage: what the treasurer recorded for each member")),
    ("equal", N_("In equal shares: every member the same")),
]
_MAX_TEXT = 2000


def share_types_text(bylaws: Bylaws) -> str:
    """The share types in force as the form writes them."""
    lines = []
    for t in bylaws.share_types:
        line = f"{t.name}; {money_input(t.nominal, bylaws.currency)}; {t.minimum}"
        if t.class_minimums:
            line += "; " + ", ".join(f"{name}={count}" for name, count in t.class_minimums)
        lines.append(line)
    return "\n".join(lines)


def _count(text: str) -> int | None:
    text = text.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 6 or int(text) > MAX_MINIMUM:
        return None
    return int(text)


def share_types_from_text(text: str, currency: str, field: str,
                          errors: dict[str, str]) -> tuple[ShareType, ...]:
    """The share types typed, one a line; the first problem in ``errors[field]``."""
    if len(text) > _MAX_TEXT:
        errors[field] = _("Keep the share types under %(n)d characters.", n=_MAX_TEXT)
        return ()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_SHARE_TYPES:
        errors[field] = _("Declare at most %(n)d share types.", n=MAX_SHARE_TYPES)
        return ()
    found = []
    for number, line in enumerate(lines, 1):
        parts = [part.strip() for part in line.split(";")]
        if len(parts) not in (3, 4):
            errors[field] = _("Line %(n)d: write the name, the nominal value and the minimum "
                              "holding, separated by semicolons, e.g. member share; 25.00; 1.",
                              n=number)
            return ()
        minimum = _count(parts[2])
        pairs: list[tuple[str, int]] = []
        for item in (parts[3].split(",") if len(parts) == 4 and parts[3] else []):
            name, _sep, count = item.partition("=")
            value = _count(count)
            if not _sep or value is None:
                errors[field] = _("Line %(n)d: write each class's minimum as class=number, e.g. "
                                  "worker=2.", n=number)
                return ()
            pairs.append((name.strip(), value))
        if minimum is None:
            errors[field] = _("Line %(n)d: the minimum holding is a whole number from 0 to "
                              "%(most)d.", n=number, most=MAX_MINIMUM)
            return ()
        try:
            nominal = parse_amount(parts[1], currency)
            found.append(ShareType(parts[0], nominal, minimum, tuple(pairs)))
        except GovernanceError as exc:
            errors[field] = _("Line %(n)d: %(problem)s", n=number, problem=sentence(exc.reason))
            return ()
    return tuple(found)


def surplus_measure_from(value: str, field: str, errors: dict[str, str]) -> SurplusMeasure | None:
    """The measure chosen (empty: none)."""
    if value not in {v for v, _label in MEASURES}:
        errors[field] = _("Choose how a surplus is shared among the members.")
        return None
    return SurplusMeasure(value) if value else None


def share_defaults(bylaws: Bylaws) -> dict[str, str]:
    """The bylaws-change fields prefilled with the settings in force."""
    return {"new_share_types": share_types_text(bylaws),
            "new_surplus_measure": bylaws.surplus_measure.value if bylaws.surplus_measure else ""}


def read_share_rules(form: Mapping[str, Any], current: Bylaws, values: dict[str, str],
                     errors: dict[str, str]) -> dict[str, Any]:
    """The share settings typed, as ``Bylaws`` fields (the whole check comes after); a form from
    before these settings existed sends none of them: the ones in force stay."""
    if "new_share_types" not in form:
        values.update(share_defaults(current))
        return {}
    text = str(form.get("new_share_types", "")).strip()
    chosen = str(form.get("new_surplus_measure", "")).strip()
    values.update({"new_share_types": text, "new_surplus_measure": chosen})
    types = share_types_from_text(text, current.currency, "new_share_types", errors)
    measure = surplus_measure_from(chosen, "new_surplus_measure", errors)
    return {"share_types": types, "surplus_measure": measure}


def share_rows(bylaws: Bylaws) -> list[tuple[str, str]]:
    """The share settings as a bylaws change shows them, in force and proposed."""
    labels = dict(MEASURES)
    measure = bylaws.surplus_measure.value if bylaws.surplus_measure else ""
    return [
        (_("Share types"), share_types_text(bylaws).replace("\n", " · ") or _("none")),
        (_("A surplus is shared"), _(labels[measure])),
    ]
