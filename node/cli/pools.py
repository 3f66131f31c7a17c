"""``poolnode pool create|list``."""

from __future__ import annotations

import argparse

from node.accounts import create_pool
from node.cli.common import Output, Stores, acct_uri, data_config, poolnode_command, with_stores

__all__ = ["add_pool"]


async def _pool_create(args: argparse.Namespace, out: Output) -> int:
    config = data_config(args)

    async def work(stores: Stores) -> int:
        pool = await create_pool(
            config, stores.actors, args.name, purpose=args.purpose, currency=args.currency
        )
        out.emit(
            {"name": pool.username, "id": pool.uri, "acct": acct_uri(config, pool.username)},
            [f"Created pool {pool.username}: {pool.uri}"],
        )
        return 0

    return await with_stores(config, work)


async def _pool_list(args: argparse.Namespace, out: Output) -> int:
    config = data_config(args)

    async def work(stores: Stores) -> int:
        pools = await stores.actors.all("pool")
        rows = []
        for pool in pools:
            rows.append(
                {
                    "name": pool.username,
                    "id": pool.uri,
                    "members": await stores.actors.count_members(pool.id),
                }
            )
        lines = [f"{r['name']:<24} {r['members']:>6} members  {r['id']}" for r in rows]
        out.emit({"pools": rows}, lines or [f"No pools yet: '{poolnode_command()} pool create NAME'."])
        return 0

    return await with_stores(config, work)


def add_pool(commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    """The ``pool`` command group."""
    pool = commands.add_parser("pool", help="create and list pools").add_subparsers(
        dest="pool_command", metavar="ACTION", required=True
    )
    pool_create = pool.add_parser("create", parents=[common], help="create a pool")
    pool_create.add_argument("name", help="the pool's name (lowercase letters, digits, _)")
    pool_create.add_argument("--purpose", default="", help="what the pool is for")
    pool_create.add_argument("--currency", default="EUR", help="ISO 4217 currency (default: EUR)")
    pool_create.set_defaults(run=_pool_create)
    pool.add_parser("list", parents=[common], help="list pools").set_defaults(run=_pool_list)
