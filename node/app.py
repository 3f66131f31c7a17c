"""The application factory: one aiohttp app per node, resources as cleanup contexts."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web

from node.appkeys import (
    ACTORS,
    CONFIG,
    DB,
    FOLLOWS,
    IDEMPOTENCY,
    IDEMPOTENCY_IN_FLIGHT,
    OBJECTS,
    REMOTE_ACTORS,
    TOKENS,
    WORKERS,
)
from node.assets.investment import carry_on
from node.budget import RUNNING_RESULTS, commit_buckets, final_result
from node.config import Config
from node.delivery import delivery_ctx
from node.errors import error_middleware
from node.floods import decided, flood_disbursement, floods_ctx
from node.http import http_ctx
from node.inbox import view as inbox_view
from node.inbox.retention import retention_ctx
from node.inbox.worker import inbox_ctx
from node.notifications import notifications_ctx
from node.pool_engine import closing_ctx, effects_ctx
from node.pool_engine.extensions import (
    BUDGET_COMMIT,
    BUDGET_RESULT,
    FLOOD_DISBURSEMENT,
    FLOOD_LINK_EFFECT,
    INVESTMENT_EFFECT,
)
from node.request_body import body_deadline
from node.storage import (
    ActorStore,
    Database,
    FollowStore,
    IdempotencyStore,
    ObjectStore,
    RemoteActorStore,
    TokenStore,
)
from node.views import (
    actors,
    assets,
    budget,
    discovery,
    discussion,
    governance,
    objects,
    outbox,
    remote,
    shares,
    witness,
)
from node.views import floods as flood_views
from node.web import setup_web
from node.witness import witness_ctx

__all__ = ["create_app"]

log = logging.getLogger("poolnode")


def _database_ctx(config: Config):  # type: ignore[no-untyped-def]
    async def database(app: web.Application) -> AsyncIterator[None]:
        db = Database.for_config(config)
        await db.open()
        app[DB] = db
        app[ACTORS] = ActorStore(db)
        app[TOKENS] = TokenStore(db)
        app[OBJECTS] = ObjectStore(db)
        app[REMOTE_ACTORS] = RemoteActorStore(db)
        app[FOLLOWS] = FollowStore(db)
        app[IDEMPOTENCY] = IdempotencyStore(db)
        app[IDEMPOTENCY_IN_FLIGHT] = set()
        yield
        await db.close()

    return database


def create_app(config: Config, *, workers: bool = True) -> web.Application:
    """Build the node's web application for one data directory; without ``workers`` it
    leaves the queues and the clocks to ``poolnode worker`` processes (app key WORKERS)."""
    app = web.Application(
        middlewares=[error_middleware, body_deadline],
        client_max_size=config.max_body_bytes,
    )
    app[CONFIG] = config
    app[WORKERS] = workers
    # The pool engine's two calls up into floods, handed in (node/pool_engine/extensions.py).
    app[FLOOD_LINK_EFFECT] = decided
    app[FLOOD_DISBURSEMENT] = flood_disbursement
    # And its two calls up into budget rounds (node/budget): a round's result, its commitments.
    app[BUDGET_RESULT] = final_result
    app[BUDGET_COMMIT] = commit_buckets
    # And its call up into the asset register: the next step of a passed investment.
    app[INVESTMENT_EFFECT] = carry_on
    app[RUNNING_RESULTS] = {}
    app.cleanup_ctx.append(_database_ctx(config))
    app.cleanup_ctx.append(http_ctx)
    app.cleanup_ctx.append(inbox_ctx)
    app.cleanup_ctx.append(retention_ctx)
    app.cleanup_ctx.append(delivery_ctx)
    app.cleanup_ctx.append(closing_ctx)
    app.cleanup_ctx.append(effects_ctx)
    app.cleanup_ctx.append(floods_ctx)
    app.cleanup_ctx.append(notifications_ctx)
    app.cleanup_ctx.append(witness_ctx)
    for module in (discovery, actors, outbox, objects, inbox_view, governance, budget, flood_views,
                   remote, discussion, shares, witness, assets):
        app.router.add_routes(module.routes)
    setup_web(app)
    return app
