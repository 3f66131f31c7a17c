"""The member-class settings of the bylaws-change form: the classes and the kinds of proposal
that need a majority in each (docs/GOVERNANCE.md, "Member classes in the node")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from governance import Bylaws, Kind
from node.web.i18n import gettext as _
from node.web.wizard import CLASS_MAJORITY_CHOICES

__all__ = ["CLASS_FIELDS", "class_defaults", "class_rows", "read_class_rules"]

CLASS_FIELDS = ("new_member_classes", "new_class_majority")
_MAX_TEXT = 400


def class_defaults(bylaws: Bylaws) -> dict[str, str]:
    """The fields prefilled with the settings in force."""
    return {"new_member_classes": ", ".join(bylaws.member_classes),
            "new_class_majority": ",".join(sorted(k.value for k in bylaws.class_majority))}


def read_class_rules(form: Mapping[str, Any], current: Bylaws, values: dict[str, str],
                     errors: dict[str, str]) -> dict[str, Any]:
    """The class settings typed, as ``Bylaws`` fields (the whole Bylaws check comes after);
    a form from before these settings existed sends none of them: the ones in force stay."""
    if "new_member_classes" not in form:
        values.update(class_defaults(current))
        return {}
    text = str(form.get("new_member_classes", "")).strip()
    ticked = [kind for kind, _label in CLASS_MAJORITY_CHOICES if form.get("new_class_majority_" + kind)]
    values.update({"new_member_classes": text, "new_class_majority": ",".join(ticked)})
    if len(text) > _MAX_TEXT:
        errors["new_member_classes"] = _("Keep the list of classes under %(n)d characters.",
                                         n=_MAX_TEXT)
        return {}
    classes = tuple(name.strip() for name in text.split(",") if name.strip())
    if ticked and not classes:
        errors["new_member_classes"] = _("A majority in each class needs member classes: list them.")
        return {}
    # Kinds the form does not offer (a flood's) stay as they are in force.
    offered = {kind for kind, _label in CLASS_MAJORITY_CHOICES}
    kept = {k for k in current.class_majority if k.value not in offered} if classes else set()
    return {"member_classes": classes,
            "class_majority": frozenset({Kind(k) for k in ticked} | kept)}


def class_rows(bylaws: Bylaws) -> list[tuple[str, str]]:
    """The class settings as a bylaws change shows them, in force and proposed."""
    labels = dict(CLASS_MAJORITY_CHOICES)
    kinds = [_(labels[k.value]) if k.value in labels else k.value
             for k in sorted(bylaws.class_majority, key=lambda k: k.value)]
    return [
        (_("Member classes"), ", ".join(bylaws.member_classes) or _("none")),
        (_("A majority in each class is needed for"), ", ".join(kinds) or _("none")),
    ]
