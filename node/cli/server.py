"""``poolnode init``, ``migrate`` and ``serve``: create a node, bring its schema up to date, run it."""

from __future__ import annotations

import argparse
import asyncio
import errno
import logging
import os
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from node import __version__
from node.accounts import create_member, create_pool, issue_token, join_pool
from node.cli.common import Output, Stores, acct_uri, data_config, poolnode_command, with_stores
from node.config import (
    CONFIG_FILENAME,
    Config,
    ConfigError,
    database_from_environment,
    normalise_base_url,
    with_overrides,
    write_config,
)
from node.errors import NodeError
from node.storage import ActorStore, Database
from node.storage.database import is_postgres_url
from node.web.welcome import issue_signin_link

__all__ = ["add_init", "add_migrate", "add_serve", "check_database", "require_shared_database",
           "setup_logging"]


async def _init(args: argparse.Namespace, out: Output) -> int:
    data_dir = Path(args.data)
    if (data_dir / CONFIG_FILENAME).exists():
        raise ConfigError(f"{data_dir} already holds a node; use "
                          f"'{poolnode_command()} serve --data {data_dir}'")
    base_url = normalise_base_url(args.url)
    port = args.port if args.port is not None else _default_port(base_url)
    if not 1 <= port <= 65535:
        raise ConfigError(f"--port must be a TCP port from 1 to 65535, got {port}")
    # The file records the command line's settings; POOLNODE_DATABASE_URL (and _POOL_SIZE)
    # override it, for init as for every command, and stay out of the file (a password).
    recorded = Config(data_dir=data_dir, base_url=base_url, host=args.host or "127.0.0.1",
                      port=port, database_url=args.database_url or "")
    config = replace(recorded, **database_from_environment())  # type: ignore[arg-type]
    old_umask = os.umask(0o077)
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    finally:
        os.umask(old_umask)
    os.chmod(data_dir, 0o700)
    database = Database.for_config(config)
    from_environment = config.database_url != recorded.database_url
    out.progress(f"Creating a node in {data_dir} for {base_url}, its data in {database.location}"
                 + (" (POOLNODE_DATABASE_URL)" if from_environment else "") + " ...")

    async def work(stores: Stores) -> int:
        existing = await stores.actors.all()
        if existing:
            raise ConfigError(
                f"the database {stores.db.location} already holds a node (actors of "
                f"{existing[0].uri.rsplit('/', 2)[0]}); init makes a node in an empty database: "
                "name another database_url, or serve that node from the data directory that "
                "has its poolnode.toml"
            )
        out.progress(f"Generating keys for pool {args.pool!r} and admin {args.admin!r} ...")
        pool = await create_pool(config, stores.actors, args.pool, currency=args.currency)
        admin = await create_member(config, stores.actors, args.admin, is_admin=True)
        await join_pool(stores.actors, pool, admin.uri, ("member", "steward", "treasurer"))
        token = await issue_token(stores.tokens, admin, "created by init")
        link = await issue_signin_link(config, stores.invitations, admin)
        write_config(recorded)
        command = poolnode_command()
        curl = f"curl -H 'Accept: application/activity+json' {pool.uri}"
        out.emit(
            {
                "data_dir": str(data_dir),
                "base_url": base_url,
                "pool": {"name": pool.username, "id": pool.uri, "acct": acct_uri(config, pool.username)},
                "admin": {"name": admin.username, "id": admin.uri, "token": token.secret},
                "curl": curl,
                "listen": {"host": config.host, "port": config.port},
                "database": database.location,
                "signin_link": {"url": link.url, "expires_at": link.expires_at},
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
                f"  serve  {command} serve --data {data_dir}   "
                f"(listens on {config.host}:{config.port}, recorded in {data_dir / CONFIG_FILENAME})",
                f"Sign in as {admin.username}: open this link once (within 24 hours) and choose a password:",
                f"  {link.url}",
                f"  (another link: {command} member signin-link --data {data_dir} {admin.username})",
                *([f"The node's data is in {database.location}, named by POOLNODE_DATABASE_URL: "
                   "set it for every command and process of this node (or database_url in "
                   f"{data_dir / CONFIG_FILENAME})."] if from_environment else []),
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


def _default_port(base_url: str) -> int:
    """The port to listen on when init is not told: the URL's own on a loopback URL (nothing
    sits in front of the node there), else 8080 behind a reverse proxy."""
    parts = urlsplit(base_url)
    if parts.hostname in ("127.0.0.1", "localhost", "::1") and parts.port is not None:
        return parts.port
    return 8080


def listening_notice(config: Config, args_port: int | None, environ_port: str | None) -> str:
    """Where the port ``serve`` listens on came from, said aloud (never silently elsewhere)."""
    if args_port is not None:
        note = f"port {config.port} from --port {args_port}"
    elif environ_port is not None:
        note = f"port {config.port} from POOLNODE_PORT={environ_port}"
    else:
        note = (f"port {config.port} recorded in {config.data_dir / CONFIG_FILENAME} "
                "(--port N to listen elsewhere)")
    parts = urlsplit(config.base_url)
    url_port = parts.port or (443 if parts.scheme == "https" else 80)
    if parts.hostname in ("127.0.0.1", "localhost", "::1") and url_port != config.port:
        note += (f"; careful: this node's URL is {config.base_url}, so its links and its "
                 f"actors' ids name port {url_port}, where it does not listen now")
    return note


async def check_database(config: Config) -> None:
    """Open the database once before running, so a bad one fails with a clear message (not a
    trace), and refuse actors made for another base_url."""
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


def require_shared_database(config: Config, what: str) -> None:
    """Refuse to split a node's work over processes on a database only one process may use."""
    if not is_postgres_url(config.database_url):
        raise ConfigError(
            f"{what} needs a database several processes share (database_url = "
            "'postgresql://...', docs/OPERATIONS.md); on SQLite one 'poolnode serve' runs everything"
        )


def setup_logging(config: Config) -> None:
    """Log lines with their time, level and logger, at the configured level."""
    logging.basicConfig(
        level=config.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def _serve(args: argparse.Namespace, out: Output) -> int:
    from aiohttp import web

    from node.app import create_app

    config = with_overrides(data_config(args), host=args.host, port=args.port)
    if args.no_workers:
        require_shared_database(config, "serve --no-workers")
    setup_logging(config)
    asyncio.run(check_database(config))
    out.progress(f"poolnode {__version__} serving {config.base_url} on http://{config.host}:{config.port}")
    out.progress("  " + listening_notice(config, args.port, os.environ.get("POOLNODE_PORT")))
    if args.no_workers:
        out.progress("  without workers: 'poolnode worker' processes on the same database drain "
                     "the inbox and delivery queues and run the clocks")
    try:
        web.run_app(
            create_app(config, workers=not args.no_workers),
            host=config.host,
            port=config.port,
            print=None,
            access_log_format='%a "%r" %s %b %Tfs',
        )
    except OSError as exc:
        if exc.errno not in (errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL):
            raise
        raise NodeError(
            f"cannot listen on {config.host}:{config.port}: {os.strerror(exc.errno)}; "
            "stop the program using it or pass --port N (or --host)"
        ) from exc
    return 0


def add_init(commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    """The ``init`` command."""
    init = commands.add_parser("init", parents=[common], help="create a node with one pool and an admin")
    init.add_argument("--url", required=True, help="the node's public base URL, e.g. https://pool.example")
    init.add_argument("--pool", default="commons", help="name of the first pool (default: commons)")
    init.add_argument("--admin", default="admin", help="username of the admin member (default: admin)")
    init.add_argument("--currency", default="EUR", help="ISO 4217 currency of the pool (default: EUR)")
    init.add_argument("--host", help="address serve binds to, recorded in the config (default: 127.0.0.1)")
    init.add_argument("--port", type=int, help="port serve listens on, recorded in the config "
                      "(default: the URL's port for a loopback URL, else 8080)")
    init.add_argument("--database-url", help="where the node's data lives, recorded in the config: "
                      "a SQLite file path or postgresql://... (default: poolnode.sqlite3 in the data "
                      "directory; POOLNODE_DATABASE_URL overrides it, and keeps a password out of "
                      "the file)")
    init.set_defaults(run=_init)


def add_serve(commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    """The ``serve`` command."""
    serve = commands.add_parser("serve", parents=[common], help="serve the node over HTTP")
    serve.add_argument("--host", help="address to bind (default: the one recorded in the config)")
    serve.add_argument("--port", type=int, help="port to bind (default: the one recorded in the "
                       "config by init; serve says which it uses)")
    serve.add_argument("--no-workers", action="store_true",
                       help="answer HTTP only: leave the queues and clocks to 'poolnode worker' "
                       "processes (PostgreSQL only)")
    serve.set_defaults(sync=_serve)


def add_migrate(commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    """The ``migrate`` command."""
    migrate = commands.add_parser("migrate", parents=[common], help="apply pending schema migrations")
    migrate.set_defaults(run=_migrate)
