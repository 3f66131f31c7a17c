"""The asset register in the browser: the list with book values, a treasurer's form to register
an asset paid from an approved commitment, and each asset's page (keeper, bookings, the form to
book it; node/web/bookings.py takes the bookings' forms). A form with a mistake re-renders the
page with the reason and what was typed (4xx); nothing is stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from aiohttp import web

from governance import GovernanceError
from governance.assets import Asset, Depreciation, DepreciationPeriod
from governance.money import parse_amount
from node.appkeys import ACTORS
from node.assets import AssetRequest, assets, hand_over, register_asset
from node.assets.bookings import bookings
from node.assets.documents import ASSET_KINDS, TENURES
from node.errors import Forbidden, NodeError, NotFound
from node.pool_engine.common import ledger_of
from node.pools import load_bylaws
from node.storage import ActorRecord, StoredAsset, StoredBooking
from node.web.i18n import N_
from node.web.i18n import gettext as _
from node.web.names import Names
from node.web.pools import _pool, require_record, viewer_membership
from node.web.refusals import amount_problem, refusal
from node.web.render import render
from node.web.sessions import current_user, require_user
from node.web.treasury import open_commitments, treasurer_of

__all__ = ["KIND_LABELS", "AssetView", "asset_here", "asset_page", "assets_page", "render_asset",
           "routes"]

routes = web.RouteTableDef()
POOL = r"/pools/{name:[a-z0-9_]+}"
KEY = r"{key:[0-9a-f-]{36}}"
_INVALID = 422
KIND_LABELS = {"room": N_("Room"), "vehicle": N_("Vehicle"), "tool": N_("Tool"),
               "equipment": N_("Equipment"), "land": N_("Land"), "building": N_("Building"),
               "other": N_("Other")}
TENURE_LABELS = {"owned": N_("Owned"), "rented": N_("Rented")}
_FIELDS = ("name", "kind", "tenure", "purchase", "acquired", "keeper", "commitment", "reference",
           "depreciation", "period")


@dataclass(frozen=True, slots=True)
class AssetView:
    """An asset as its pages show it."""

    stored: StoredAsset
    asset: Asset
    keeper: str
    book_value: int

    @property
    def key(self) -> str:
        """The last part of its id, as in its page's URL."""
        return self.stored.uri.rsplit("/", 1)[-1]


async def asset_here(request: web.Request, pool: ActorRecord, key: str) -> StoredAsset:
    """The pool's asset with this key; 404 in the reader's language otherwise."""
    found = await assets(request.app).by_uri(f"{pool.uri}/assets/{key}")
    if found is None or found.pool_id != pool.id:
        raise NotFound(_("%(pool)s has no such asset.", pool=pool.display_name))
    return found


async def _view(stored: StoredAsset, names: Names, now: datetime) -> AssetView:
    asset = Asset.from_dict(stored.asset)
    return AssetView(stored, asset, await names.of(stored.keeper_uri), asset.book_value(now))


async def _members(request: web.Request, pool: ActorRecord, names: Names) -> list[tuple[str, str]]:
    rows = await request.app[ACTORS].memberships_of_pool(pool.id, state="member", limit=100_000)
    return sorted([(m.person_uri, await names.of(m.person_uri)) for m in rows],
                  key=lambda p: p[1].casefold())


def _role(membership: Any, *roles: str) -> bool:
    return membership is not None and membership.state == "member" and any(
        r in membership.roles for r in roles)


async def render_assets(request: web.Request, pool: ActorRecord, *,
                        values: dict[str, str] | None = None,
                        errors: dict[str, str] | None = None, status: int = 200) -> web.Response:
    """The register page; a treasurer also sees the form to register an asset."""
    await require_record(request, pool)
    bylaws = await load_bylaws(request.app[ACTORS], pool)
    names, now = Names(request.app), datetime.now(UTC)
    membership = await viewer_membership(request, pool)
    treasurer = _role(membership, "treasurer")
    commitments = []
    if treasurer:
        ledger = await ledger_of(request.app, pool, bylaws)
        commitments = await open_commitments(request.app, pool, ledger)
    rows = [await _view(s, names, now) for s in await assets(request.app).of_pool(pool.id)]
    return await render(request, "assets.html", {
        "pool": pool, "currency": bylaws.currency, "assets": rows, "treasurer": treasurer,
        "commitments": commitments, "members": await _members(request, pool, names) if treasurer else [],
        "kinds": KIND_LABELS, "tenures": TENURE_LABELS, "values": values or {"kind": "other",
                                                                            "tenure": "owned"},
        "errors": errors or {}, "total": sum(r.book_value for r in rows),
    }, status=status, form=treasurer)


async def assets_page(request: web.Request, params: dict[str, str]) -> web.Response:
    """GET /pools/NAME/assets for a browser (other clients get the Asset collection)."""
    return await render_assets(request, await _pool(request, params["name"]))


def _purchase_request(values: dict[str, str], currency: str,
                      errors: dict[str, str]) -> AssetRequest | None:
    """The register form as an AssetRequest, or the mistakes by field."""
    if not values["name"] or len(values["name"]) > 200:
        errors["name"] = _("Name the asset in at most 200 characters.")
    if values["kind"] not in ASSET_KINDS:
        errors["kind"] = _("Choose what kind of asset it is.")
    if values["tenure"] not in TENURES:
        errors["tenure"] = _("Say whether the pool owns or rents it.")
    amounts: dict[str, int | None] = {}
    for field in ("purchase", "depreciation"):
        if field == "depreciation" and not values[field]:
            amounts[field] = None
            continue
        try:
            amounts[field] = parse_amount(values[field], currency)
        except GovernanceError as exc:
            errors[field] = amount_problem(values[field], exc, currency)
    acquired: date | None = None
    try:
        acquired = date.fromisoformat(values["acquired"])
    except ValueError:
        errors["acquired"] = _("Give the date it was bought as YYYY-MM-DD.")
    if values["period"] not in ("month", "year"):
        errors["period"] = _("Depreciation is by month or by year.")
    if not values["reference"] or len(values["reference"]) > 200:
        errors["reference"] = _("Give the payment's reference, e.g. the invoice's number, in at "
                                "most 200 characters.")
    if not values["commitment"]:
        errors["commitment"] = _("Choose the approved commitment the purchase was paid from.")
    if errors or acquired is None:
        return None
    purchase, loss = amounts["purchase"], amounts["depreciation"]
    assert purchase is not None
    return AssetRequest(
        values["name"], values["kind"], values["tenure"], purchase,
        datetime(acquired.year, acquired.month, acquired.day, tzinfo=UTC), values["keeper"],
        values["commitment"], values["reference"],
        None if loss is None else Depreciation(loss, DepreciationPeriod(values["period"])))


@routes.post(POOL + "/assets", name="web.register_asset")
async def register(request: web.Request) -> web.StreamResponse:
    """A treasurer registers an asset; its purchase is booked from the chosen commitment."""
    pool = await _pool(request, request.match_info["name"])
    user = await treasurer_of(request, pool)
    form = await request.post()
    values = {k: str(form.get(k, "")).strip() for k in _FIELDS}
    bylaws = await load_bylaws(request.app[ACTORS], pool)
    errors: dict[str, str] = {}
    members = {uri for uri, _name in await _members(request, pool, Names(request.app))}
    if values["keeper"] not in members:
        errors["keeper"] = _("Choose a member of the pool to look after it.")
    asset_request = _purchase_request(values, bylaws.currency, errors)
    status = _INVALID
    if asset_request is not None:
        try:
            stored = await register_asset(request.app, pool, asset_request, by=user.uri,
                                          at=datetime.now(UTC))
        except GovernanceError as exc:
            errors["form"], status = refusal(exc), exc.status_hint
        except NodeError as exc:
            errors["form"], status = refusal(exc), exc.status
        else:
            raise web.HTTPSeeOther(f"/pools/{pool.username}/assets/{stored.uri.rsplit('/', 1)[-1]}")
    return await render_assets(request, pool, values=values, errors=errors, status=status)


async def render_asset(request: web.Request, pool: ActorRecord, key: str, *,
                       values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                       status: int = 200) -> web.Response:
    """An asset's page: what it is and is worth, who keeps it, its bookings and the forms."""
    await require_record(request, pool)
    stored = await asset_here(request, pool, key)
    bylaws = await load_bylaws(request.app[ACTORS], pool)
    names, now = Names(request.app), datetime.now(UTC)
    membership = await viewer_membership(request, pool)
    member = membership is not None and membership.state == "member"
    steward = _role(membership, "steward")
    user = current_user(request)
    mine = user.uri if user is not None else None
    rows: list[tuple[StoredBooking, str, bool]] = []
    for row in await bookings(request.app).of_asset(stored.id, since=_iso(now)):
        rows.append((row, await names.of(row.member_uri), steward or row.member_uri == mine))
    may_hand_over = steward or _role(membership, "treasurer") or stored.keeper_uri == mine
    return await render(request, "asset.html", {
        "pool": pool, "currency": bylaws.currency, "view": await _view(stored, names, now),
        "kind": KIND_LABELS.get(stored.kind, stored.kind), "tenure": TENURE_LABELS.get(stored.tenure),
        "bookings": rows, "member": member, "may_hand_over": may_hand_over,
        "members": await _members(request, pool, names) if may_hand_over else [],
        "handovers": [(h.at, await names.of(h.keeper_uri))
                      for h in await assets(request.app).handovers(stored.id, limit=20)],
        "limits": bylaws.booking_limits, "values": values or {}, "errors": errors or {},
    }, status=status, form=member or may_hand_over)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def asset_page(request: web.Request, params: dict[str, str]) -> web.Response:
    """GET /pools/NAME/assets/ID for a browser (other clients get the Asset document)."""
    return await render_asset(request, await _pool(request, params["name"]), params["key"])


@routes.post(POOL + "/assets/" + KEY + "/keeper", name="web.asset_keeper")
async def change_keeper(request: web.Request) -> web.StreamResponse:
    """The keeper, a steward or a treasurer hands the asset to another member."""
    user = require_user(request)
    pool = await _pool(request, request.match_info["name"])
    key = request.match_info["key"]
    await asset_here(request, pool, key)
    form = await request.post()
    keeper = str(form.get("keeper", ""))
    members = {uri for uri, _name in await _members(request, pool, Names(request.app))}
    if keeper not in members:
        return await render_asset(request, pool, key, status=422, errors={
            "keeper": _("Choose a member of the pool to look after it.")})
    try:
        await hand_over(request.app, pool, f"{pool.uri}/assets/{key}", keeper, by=user.uri,
                        at=datetime.now(UTC))
    except GovernanceError as exc:
        if exc.status_hint == 403:
            raise Forbidden(_("Only its keeper, a steward or a treasurer hands an asset over."))\
                from None
        reason = _("This member looks after it already.") if exc.code == "same_keeper" \
            else refusal(exc)
        return await render_asset(request, pool, key, errors={"keeper": reason},
                                  status=exc.status_hint)
    raise web.HTTPSeeOther(f"/pools/{pool.username}/assets/{key}#keeper")
