"""An investment proposal on the wire: the asset to buy, its price and the part from the fund
(docs/PROTOCOL.md, "Investment proposals and capital calls")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from governance import Investment

__all__ = ["investment_fields", "investment_motion"]


def investment_motion(doc: Mapping[str, Any]) -> Investment:
    """The motion of a (schema-checked) investment Proposal document."""
    return Investment(
        doc.get("assetName"), doc.get("assetKind"), doc.get("tenure"),  # type: ignore[arg-type]
        doc.get("keeper"), doc.get("price"), doc.get("currency"),  # type: ignore[arg-type]
        doc.get("fromFund", 0), doc.get("monthlyDepreciation"),
        str(doc.get("purpose", "")))


def investment_fields(motion: Investment) -> dict[str, Any]:
    """The Proposal document's fields of ``motion``."""
    fields: dict[str, Any] = {"assetName": motion.name, "assetKind": motion.asset_kind,
                              "tenure": motion.tenure, "keeper": motion.keeper,
                              "price": motion.price, "currency": motion.currency,
                              "fromFund": motion.from_fund}
    if motion.depreciation is not None:
        fields["monthlyDepreciation"] = motion.depreciation
    if motion.purpose:
        fields["purpose"] = motion.purpose
    return fields
