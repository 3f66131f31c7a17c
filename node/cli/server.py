"""``poolnode init``, ``migrate`` and ``serve``: create a node, bring its schema up to date, run it."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
from pathlib import Path

from node import __version__
from node.accounts import create_member, create_pool, issue_token, join_pool
from node.cli.common import Output, Stores, acct_uri, data_config, with_stores
from node.config import (
    CONFIG_FILENAME,
    Config,
    ConfigError,
    normalise_base_url,
    with_overrides,
    write_config,
)
from node.storage import ActorStore, Database

__all__ = ["add_init", "add_migrate", "add_serve"]


async def _init(args: argparse.Namespace, out: Output) -> int:
    data_dir = Path(args.data)
    if (data_dir / CONFIG_FILENAME).exists():
        raise ConfigError(f"{data_dir} already holds a node; use 'poolnode serve --data {data_dir}'")
    base_url = normalise_base_url(args.url)
    old_umask = os.umask(0o077)
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    finally:
        os.umask(old_umask)
    os.chmod(data_dir, 0o700)
    config = Config(data_dir=data_dir, base_url=base_url)
    out.progress(f"Creating a node in {data_dir} for {base_url} ...")

    async def work(stores: Stores) -> int:
        out.progress(f"Generating keys for pool {args.pool!r} and admin {args.admin!r} ...")
        pool = await create_pool(config, stores.actors, args.pool, currency=args.currency)
        admin = await create_member(config, stores.actors, args.admin, is_admin=True)
        await join_pool(stores.actors, pool, admin.uri, ("member", "steward", "treasurer"))
        token = await issue_token(stores.tokens, admin, "created by init")
        write_config(config)
        curl = f"curl -H 'Accept: application/activity+json' {pool.uri}"
        out.emit(
            {
                "data_dir": str(data_dir),
                "base_url": base_url,
                "pool": {"name": pool.username, "id": pool.uri, "acct": acct_uri(config, pool.username)},
                "admin": {"name": admin.username, "id": admin.uri, "token": token.secret},
                "curl": curl,
            },
            [
                f"Initialised a node in {data_dir}",
                f"  node   {base_url}",
                f"  pool   {pool.uri}   ({acct_uri(config, pool.username)})",
                f"  admin  {admin.uri}   (steward and treasurer of {pool.username})",
                f"  token  {token.secret}",
                "         (shown once, stored only as a hash: keep it safe)",
                "Try:",
                f"  {curl}",
                "To sign in to the web pages as the admin, set a password:",
                f"  poolnode member password --data {data_dir} {admin.username}",
            ],
        )
        return 0

    try:
        return await with_stores(config, work)
    except BaseException:
        # A half-made node is worse than none: leave no config so init can be re-run.
        (data_dir / CONFIG_FILENAME).unlink(missing_ok=True)
        raise


async def _migrate(args: argparse.Namespace, out: Output) -> int:
    config = data_config(args)
    db = Database.for_config(config)
    await db.open(migrate=False)
    try:
        applied = await db.migrate()
        version = await db.schema_version()
    finally:
        await db.close()
    out.emit(
        {"schema_version": version, "applied": [m.version for m in applied]},
        [f"Applied migration {m.version:04d} {m.name}" for m in applied]
        + [f"Schema version {version}."],
    )
    return 0


def _serve(args: argparse.Namespace, out: Output) -> int:
    from aiohttp import web

    from node.app import create_app

    config = with_overrides(data_config(args), host=args.host, port=args.port)
    logging.basicConfig(
        level=config.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )

    async def check_database() -> None:
        # Open once before serving so a bad database fails with a clear message, not a trace.
        db = Database.for_config(config)
        await db.open()
        try:
            first = (await ActorStore(db).all())[:1]
        finally:
            await db.close()
        if first and not first[0].uri.startswith(config.base_url + "/"):
            raise ConfigError(
                f"the actors in {config.data_dir} were created for {first[0].uri.rsplit('/', 2)[0]}, "
                f"but base_url is now {config.base_url}; a node's URL is part of its actors' "
                "identities and cannot change"
            )

    asyncio.run(check_database())
    out.progress(f"poolnode {__version__} serving {config.base_url} on http://{config.host}:{config.port}")
    web.run_app(
        create_app(config),
        host=config.host,
        port=config.port,
        print=None,
        access_log_format='%a "%r" %s %b %Tfs',
    )
    return 0


def add_init(commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    """The ``init`` command."""
    init = commands.add_parser("init", parents=[common], help="create a node with one pool and an admin")
    init.add_argument("--url", required=True, help="the node's public base URL, e.g. https://pool.example")
    init.add_argument("--pool", default="commons", help="name of the first pool (default: commons)")
    init.add_argument("--admin", default="admin", help="username of the admin member (default: admin)")
    init.add_argument("--currency", default="EUR", help="ISO 4217 currency of the pool (default: EUR)")
    init.set_defaults(run=_init)


def add_serve(commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    """The ``serve`` command."""
    serve = commands.add_parser("serve", parents=[common], help="serve the node over HTTP")
    serve.add_argument("--host", help="address to bind (default: from the config, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to bind (default: from the config, 8080)")
    serve.set_defaults(sync=_serve)


def add_migrate(commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    """The ``migrate`` command."""
    migrate = commands.add_parser("migrate", parents=[common], help="apply pending schema migrations")
    migrate.set_defaults(run=_migrate)
