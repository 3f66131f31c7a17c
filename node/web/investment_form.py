"""The investment part of the proposal form: the asset to buy, its price, the part the free
fund pays and the capital call on the members for the rest (docs/GOVERNANCE.md, "Investment
proposals and capital calls")."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from governance import Bylaws, GovernanceError
from governance.kinds import ASSET_KINDS, TENURES
from governance.money import parse_amount
from node.appkeys import ACTORS
from node.pool_engine.common import ledger_of
from node.storage import ActorRecord
from node.web.engine import free_fund
from node.web.i18n import gettext as _
from node.web.localise import money
from node.web.refusals import amount_problem

__all__ = ["INVESTMENT_FIELDS", "investment_draft"]

INVESTMENT_FIELDS = ("asset_name", "asset_kind", "tenure", "keeper", "price", "from_fund",
                     "depreciation")
"""The form's fields for an investment (beside the title and the text, its purpose)."""


def _money(values: dict[str, str], field: str, bylaws: Bylaws, errors: dict[str, str],
           hint: str, *, zero: bool = False) -> int | None:
    typed = values[field]
    if zero and not typed:
        return 0
    try:
        return parse_amount(typed, bylaws.currency, allow_zero=zero)
    except GovernanceError as exc:
        errors[field] = _("%(problem)s %(hint)s",
                          problem=amount_problem(typed, exc, bylaws.currency), hint=hint)
        return None


async def investment_draft(app: web.Application, pool: ActorRecord, bylaws: Bylaws,
                           values: dict[str, str], keeper: str,
                           errors: dict[str, str]) -> dict[str, Any]:
    """The investment's fields of the draft; ``keeper`` is the resolved member who looks after
    the asset. Errors are per field; the fund's part is checked against the free fund now."""
    if not values["asset_name"] or len(values["asset_name"]) > 200:
        errors["asset_name"] = _("Name the asset to buy (up to 200 characters).")
    if values["asset_kind"] not in ASSET_KINDS:
        errors["asset_kind"] = _("Choose what kind of asset it is.")
    if values["tenure"] not in TENURES:
        errors["tenure"] = _("Say whether the pool will own it or rent it.")
    if keeper and not any(m.person_uri == keeper and m.state == "member"
                          for m in await app[ACTORS].memberships_of_pool(pool.id, state=None)):
        errors["keeper"] = _("The asset is looked after by a member of this pool.")
    price = _money(values, "price", bylaws, errors, _("Enter what the asset costs."))
    from_fund = _money(values, "from_fund", bylaws, errors,
                       _("Enter how much of the price the fund pays, or leave it empty."), zero=True)
    if price is not None and from_fund is not None:
        if from_fund > price:
            errors["from_fund"] = _("The fund pays at most the price, %(price)s.",
                                    price=money(price, bylaws.currency))
        elif from_fund:
            free = await free_fund(app, pool, await ledger_of(app, pool, bylaws))
            if from_fund > free:
                errors["from_fund"] = _("The fund has %(free)s free, less than this: pay less "
                                        "from the fund and call more from the members.",
                                        free=money(free, bylaws.currency))
    draft: dict[str, Any] = {"assetName": values["asset_name"], "assetKind": values["asset_kind"],
                             "tenure": values["tenure"], "keeper": keeper, "price": price,
                             "fromFund": from_fund, "currency": bylaws.currency}
    if values["depreciation"]:
        depreciation = _money(values, "depreciation", bylaws, errors,
                              _("Enter what it loses in value each month, or leave it empty."))
        if depreciation is not None and price is not None and depreciation > price:
            errors["depreciation"] = _("It loses at most its price in a month.")
        draft["monthlyDepreciation"] = depreciation
    if len(values["text"]) > 5000:
        errors["text"] = _("Say what the asset is for in at most 5000 characters.")
    elif values["text"]:
        draft["purpose"] = values["text"]
    return draft
