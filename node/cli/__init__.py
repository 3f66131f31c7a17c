"""The ``poolnode`` command line: init, serve, pools, members, tokens."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from governance import GovernanceError
from node import __version__
from node.accounts import create_member, create_pool, issue_token, join_pool, now_iso
from node.backup import backup, restore
from node.config import (
    CONFIG_FILENAME,
    Config,
    ConfigError,
    load_config,
    normalise_base_url,
    with_overrides,
    write_config,
)
from node.errors import NodeError, NotFound
from node.storage import ActorStore, Database, DeliveryStore, GovernanceStore, TokenStore
from node.web.cli import add_password_command

__all__ = ["main"]


class Output:
    """Prints either human-readable lines or one JSON document (--json)."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def emit(self, data: dict[str, Any], lines: Sequence[str]) -> None:
        if self.as_json:
            print(json.dumps(data, indent=2, ensure_ascii=False))
        else:
            for line in lines:
                print(line)

    def progress(self, message: str) -> None:
        if not self.as_json:
            print(message, file=sys.stderr, flush=True)


class Stores:
    """The database of a data directory, opened (and migrated) for one command."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.actors = ActorStore(db)
        self.tokens = TokenStore(db)
        self.governance = GovernanceStore(db)


async def _with_stores(config: Config, work: Callable[[Stores], Awaitable[int]]) -> int:
    db = Database.in_data_dir(config.data_dir)
    await db.open()
    try:
        return await work(Stores(db))
    finally:
        await db.close()


def _config(args: argparse.Namespace) -> Config:
    return load_config(Path(args.data))


def _acct(config: Config, username: str) -> str:
    return f"acct:{username}@{config.domain}"


# ---- init -----------------------------------------------------------------------------------


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
                "pool": {"name": pool.username, "id": pool.uri, "acct": _acct(config, pool.username)},
                "admin": {"name": admin.username, "id": admin.uri, "token": token.secret},
                "curl": curl,
            },
            [
                f"Initialised a node in {data_dir}",
                f"  node   {base_url}",
                f"  pool   {pool.uri}   ({_acct(config, pool.username)})",
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
        return await _with_stores(config, work)
    except BaseException:
        # A half-made node is worse than none: leave no config so init can be re-run.
        (data_dir / CONFIG_FILENAME).unlink(missing_ok=True)
        raise


# ---- pools ----------------------------------------------------------------------------------


async def _pool_create(args: argparse.Namespace, out: Output) -> int:
    config = _config(args)

    async def work(stores: Stores) -> int:
        pool = await create_pool(
            config, stores.actors, args.name, purpose=args.purpose, currency=args.currency
        )
        out.emit(
            {"name": pool.username, "id": pool.uri, "acct": _acct(config, pool.username)},
            [f"Created pool {pool.username}: {pool.uri}"],
        )
        return 0

    return await _with_stores(config, work)


async def _pool_list(args: argparse.Namespace, out: Output) -> int:
    config = _config(args)

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
        out.emit({"pools": rows}, lines or ["No pools yet: 'poolnode pool create NAME'."])
        return 0

    return await _with_stores(config, work)


# ---- members --------------------------------------------------------------------------------


async def _member_add(args: argparse.Namespace, out: Output) -> int:
    config = _config(args)

    async def work(stores: Stores) -> int:
        pool = None
        if args.pool:
            pool = await stores.actors.get(args.pool, "pool")
        member = await create_member(config, stores.actors, args.username, is_admin=args.admin)
        roles = ("member", *args.role)
        if pool is not None:
            await join_pool(stores.actors, pool, member.uri, roles)
        token = await issue_token(stores.tokens, member, "created with the account")
        joined = f" and joined pool {pool.username} as {', '.join(roles)}" if pool else ""
        out.emit(
            {
                "name": member.username,
                "id": member.uri,
                "acct": _acct(config, member.username),
                "pool": pool.username if pool else None,
                "roles": list(roles) if pool else [],
                "token": token.secret,
            },
            [
                f"Created member {member.username}: {member.uri}{joined}",
                f"  token  {token.secret}",
                "         (shown once, stored only as a hash: keep it safe)",
            ],
        )
        return 0

    return await _with_stores(config, work)


async def _member_list(args: argparse.Namespace, out: Output) -> int:
    config = _config(args)

    async def work(stores: Stores) -> int:
        if args.pool:
            pool = await stores.actors.get(args.pool, "pool")
            memberships = await stores.actors.memberships_of_pool(pool.id, limit=1_000_000)
            rows: list[dict[str, Any]] = [
                {"id": m.person_uri, "roles": list(m.roles)} for m in reversed(memberships)
            ]
        else:
            members = await stores.actors.all("member")
            rows = [{"id": a.uri, "name": a.username, "admin": a.is_admin} for a in members]
        out.emit({"members": rows}, [r["id"] for r in rows] or ["No members."])
        return 0

    return await _with_stores(config, work)


# ---- tokens ---------------------------------------------------------------------------------


async def _token_create(args: argparse.Namespace, out: Output) -> int:
    config = _config(args)

    async def work(stores: Stores) -> int:
        actor = await stores.actors.get(args.username, "member")
        token = await issue_token(stores.tokens, actor, args.label)
        out.emit(
            {"username": actor.username, "token_id": token.record.id, "token": token.secret},
            [
                f"New token {token.record.id} for {actor.username}: {token.secret}",
                "(shown once, stored only as a hash: keep it safe)",
            ],
        )
        return 0

    return await _with_stores(config, work)


async def _token_revoke(args: argparse.Namespace, out: Output) -> int:
    config = _config(args)
    if args.id is None and not args.all:
        raise ConfigError("say which token to revoke: --id N (see 'poolnode token list') or --all")

    async def work(stores: Stores) -> int:
        actor = await stores.actors.get(args.username, "member")
        count = await stores.tokens.revoke(actor.id, args.id, now_iso())
        if args.id is not None and count == 0:
            raise NotFound(f"{actor.username} has no live token with id {args.id}")
        out.emit(
            {"username": actor.username, "revoked": count},
            [f"Revoked {count} token{'s' if count != 1 else ''} of {actor.username}."],
        )
        return 0

    return await _with_stores(config, work)


async def _token_list(args: argparse.Namespace, out: Output) -> int:
    config = _config(args)

    async def work(stores: Stores) -> int:
        actor = await stores.actors.get(args.username, "member")
        records = await stores.tokens.list_for(actor.id)
        rows = [
            {"id": r.id, "label": r.label, "created_at": r.created_at, "revoked_at": r.revoked_at}
            for r in records
        ]
        lines = [
            f"{r.id:>4}  {'revoked ' + r.revoked_at if r.revoked_at else 'live':<28} "
            f"{r.created_at}  {r.label}"
            for r in records
        ]
        out.emit({"username": actor.username, "tokens": rows}, lines or ["No tokens."])
        return 0

    return await _with_stores(config, work)


# ---- proposals and ledger -------------------------------------------------------------------


_EFFECT_WORDS = {"waiting_funds": "waiting for funds", "lapsed": "lapsed", "pending": "being carried out",
                 "refused": "not carried out"}


def _outcome_words(outcome: str | None, effect: str) -> str:
    """E.g. 'passed, waiting for funds': a passed proposal's effect is part of its state."""
    words = outcome or "-"
    return f"{words}, {_EFFECT_WORDS[effect]}" if outcome == "passed" and effect in _EFFECT_WORDS else words


async def _proposal_list(args: argparse.Namespace, out: Output) -> int:
    config = _config(args)

    async def work(stores: Stores) -> int:
        pool = await stores.actors.get(args.pool, "pool")
        found = await stores.governance.proposals_of_pool(pool.id, limit=args.limit)
        rows = [
            {
                "id": p.uri,
                "title": p.document.get("name", ""),
                "kind": p.kind,
                "state": p.state,
                "closes_at": p.closes_at,
                "outcome": p.outcome,
                "effect": p.effect,
                "effectReason": p.effect_reason,
            }
            for p in found
        ]
        lines = [
            f"{r['state']:<7} {_outcome_words(r['outcome'], r['effect']):<27}"
            f" closes {r['closes_at']}  {r['title']}  {r['id']}"
            for r in rows
        ]
        out.emit({"pool": pool.uri, "proposals": rows}, lines or [f"{pool.username} has no proposals yet."])
        return 0

    return await _with_stores(config, work)


async def _ledger(args: argparse.Namespace, out: Output) -> int:
    from governance import Bylaws, format_money, verify_chain
    from node.wire import entry_from_document, replay_documents

    config = _config(args)

    async def work(stores: Stores) -> int:
        pool = await stores.actors.get(args.pool, "pool")
        bylaws = Bylaws.from_dict(json.loads(await stores.actors.bylaws_json(pool.id)))
        stored = await stores.governance.ledger(pool.id)
        documents = [e.document for e in stored]
        entries = []
        bad: int | None = None
        for index, document in enumerate(documents):
            try:
                entries.append(entry_from_document(document))
            except (NodeError, GovernanceError):
                bad = index  # an entry that no longer parses is as broken as a wrong hash
                break
        if bad is None:
            bad = verify_chain(entries)
        ledger = replay_documents(bylaws.currency, documents) if bad is None else None
        data = {
            "pool": pool.uri,
            "currency": bylaws.currency,
            "entries": [e.entry for e in stored],
            "chain_ok": bad is None,
            "first_bad_entry": bad,
            "fund": ledger.fund if ledger else None,
            "balances": dict(sorted(ledger.balances.items())) if ledger else None,
            "head_hash": ledger.head if ledger else None,
        }
        lines = [f"{e.sequence:>5}  {e.entry.get('at', '')}  {e.entry.get('kind', ''):<14} {e.entry.get('memo', '')}"
                 for e in stored]
        if ledger is not None:
            lines += [f"Fund: {format_money(ledger.fund, bylaws.currency)}   chain verified ({len(stored)} entries, head {ledger.head[:16]}...)"]
        else:
            lines += [f"HASH CHAIN BROKEN at entry {bad}: the ledger was altered"]
        out.emit(data, lines if stored else [f"{pool.username}'s ledger is empty."])
        return 0 if bad is None else 1

    return await _with_stores(config, work)


# ---- backup and restore ---------------------------------------------------------------------


async def _backup(args: argparse.Namespace, out: Output) -> int:
    info = await backup(Path(args.data), Path(args.out))
    out.emit(
        {"backup": str(info.path), "schema_version": info.schema_version, "bytes": info.size_bytes},
        [f"Backed up {args.data} to {info.path} ({info.size_bytes} bytes, schema {info.schema_version})."],
    )
    return 0


async def _restore(args: argparse.Namespace, out: Output) -> int:
    info = await restore(Path(args.backup), Path(args.data))
    out.emit(
        {"data_dir": str(info.path), "schema_version": info.schema_version},
        [
            f"Restored {args.backup} into {info.path} (schema {info.schema_version}).",
            f"Start it with: poolnode serve --data {info.path}",
        ],
    )
    return 0


# ---- deliveries -----------------------------------------------------------------------------


async def _deliveries(args: argparse.Namespace, out: Output) -> int:
    config = _config(args)

    async def work(stores: Stores) -> int:
        deliveries = DeliveryStore(stores.db)
        counts = await deliveries.counts()
        hosts = await deliveries.failing_hosts()
        rows = [
            {
                "host": h.host, "queued": h.queued, "failed": h.failed, "skipped": h.skipped,
                "consecutive_failures": h.consecutive_failures,
                "failing_since": h.failing_since, "unavailable": h.unavailable,
                "last_error": h.last_error,
            }
            for h in hosts
        ]
        lines = ["  ".join(f"{state} {n}" for state, n in counts.items())]
        for h in hosts:
            mark = "unavailable" if h.unavailable else f"{h.consecutive_failures} failures"
            lines.append(
                f"{h.host:<32} {mark:<14} queued {h.queued} failed {h.failed} "
                f"skipped {h.skipped}  {h.last_error or ''}"
            )
        out.emit({"counts": counts, "failing_hosts": rows}, lines)
        return 0

    return await _with_stores(config, work)


# ---- migrate and serve ----------------------------------------------------------------------


async def _migrate(args: argparse.Namespace, out: Output) -> int:
    config = _config(args)
    db = Database.in_data_dir(config.data_dir)
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

    config = with_overrides(_config(args), host=args.host, port=args.port)
    logging.basicConfig(
        level=config.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )

    async def check_database() -> None:
        # Open once before serving so a bad database fails with a clear message, not a trace.
        db = Database.in_data_dir(config.data_dir)
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


# ---- parser ---------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data", default=os.environ.get("POOLNODE_DATA", "./data"),
        help="the node's data directory (default: $POOLNODE_DATA or ./data)",
    )
    common.add_argument("--json", action="store_true", help="print machine-readable JSON")

    parser = argparse.ArgumentParser(
        prog="poolnode",
        description="Run a node that hosts pools: small co-ops deciding one person, one vote.",
    )
    parser.add_argument("--version", action="version", version=f"poolnode {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    init = commands.add_parser("init", parents=[common], help="create a node with one pool and an admin")
    init.add_argument("--url", required=True, help="the node's public base URL, e.g. https://pool.example")
    init.add_argument("--pool", default="commons", help="name of the first pool (default: commons)")
    init.add_argument("--admin", default="admin", help="username of the admin member (default: admin)")
    init.add_argument("--currency", default="EUR", help="ISO 4217 currency of the pool (default: EUR)")
    init.set_defaults(run=_init)

    serve = commands.add_parser("serve", parents=[common], help="serve the node over HTTP")
    serve.add_argument("--host", help="address to bind (default: from the config, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to bind (default: from the config, 8080)")
    serve.set_defaults(sync=_serve)

    deliveries = commands.add_parser(
        "deliveries", parents=[common], help="outgoing deliveries by state, and failing hosts"
    )
    deliveries.set_defaults(run=_deliveries)

    migrate = commands.add_parser("migrate", parents=[common], help="apply pending schema migrations")
    migrate.set_defaults(run=_migrate)

    proposal = commands.add_parser("proposal", help="list a pool's proposals").add_subparsers(
        dest="proposal_command", metavar="ACTION", required=True
    )
    proposal_list = proposal.add_parser("list", parents=[common], help="a pool's proposals, newest first")
    proposal_list.add_argument("pool", help="the pool's name")
    proposal_list.add_argument("--limit", type=int, default=50, help="how many (default 50)")
    proposal_list.set_defaults(run=_proposal_list)

    ledger_cmd = commands.add_parser(
        "ledger", parents=[common], help="a pool's ledger: entries, balances, hash-chain check"
    )
    ledger_cmd.add_argument("pool", help="the pool's name")
    ledger_cmd.set_defaults(run=_ledger)

    backup_cmd = commands.add_parser(
        "backup", parents=[common], help="copy the node's data consistently, even while serving"
    )
    backup_cmd.add_argument("out", help="a new directory to write the backup to")
    backup_cmd.set_defaults(run=_backup)
    restore_cmd = commands.add_parser(
        "restore", parents=[common], help="restore a backup into a new data directory"
    )
    restore_cmd.add_argument("backup", help="a directory written by 'poolnode backup'")
    restore_cmd.set_defaults(run=_restore)

    pool = commands.add_parser("pool", help="create and list pools").add_subparsers(
        dest="pool_command", metavar="ACTION", required=True
    )
    pool_create = pool.add_parser("create", parents=[common], help="create a pool")
    pool_create.add_argument("name", help="the pool's name (lowercase letters, digits, _)")
    pool_create.add_argument("--purpose", default="", help="what the pool is for")
    pool_create.add_argument("--currency", default="EUR", help="ISO 4217 currency (default: EUR)")
    pool_create.set_defaults(run=_pool_create)
    pool.add_parser("list", parents=[common], help="list pools").set_defaults(run=_pool_list)

    member = commands.add_parser("member", help="create and list member accounts").add_subparsers(
        dest="member_command", metavar="ACTION", required=True
    )
    member_add = member.add_parser("add", parents=[common], help="create a member (prints a token)")
    member_add.add_argument("username", help="the member's username (lowercase letters, digits, _)")
    member_add.add_argument("--pool", help="also make them a member of this pool")
    member_add.add_argument(
        "--role", action="append", default=[], choices=["steward", "treasurer"],
        help="a duty in the pool (repeatable); roles never add votes",
    )
    member_add.add_argument("--admin", action="store_true", help="make the account a node admin")
    member_add.set_defaults(run=_member_add)
    member_list = member.add_parser("list", parents=[common], help="list members")
    member_list.add_argument("--pool", help="list this pool's members")
    member_list.set_defaults(run=_member_list)
    add_password_command(member, common)

    token = commands.add_parser("token", help="create, list and revoke API tokens").add_subparsers(
        dest="token_command", metavar="ACTION", required=True
    )
    token_create = token.add_parser("create", parents=[common], help="create a token (shown once)")
    token_create.add_argument("username")
    token_create.add_argument("--label", default="", help="a note to recognise the token by")
    token_create.set_defaults(run=_token_create)
    token_revoke = token.add_parser("revoke", parents=[common], help="revoke a token or all tokens")
    token_revoke.add_argument("username")
    token_revoke.add_argument("--id", type=int, help="the token id to revoke (see 'token list')")
    token_revoke.add_argument("--all", action="store_true", help="revoke every live token")
    token_revoke.set_defaults(run=_token_revoke)
    token_list = token.add_parser("list", parents=[common], help="list a member's tokens")
    token_list.add_argument("username")
    token_list.set_defaults(run=_token_list)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``poolnode`` console script."""
    args = _parser().parse_args(argv)
    out = Output(getattr(args, "json", False))
    try:
        if hasattr(args, "sync"):
            return int(args.sync(args, out))
        return int(asyncio.run(args.run(args, out)))
    except (NodeError, GovernanceError) as exc:
        if out.as_json:
            print(json.dumps({"error": exc.reason}))
        else:
            print(f"poolnode: error: {exc.reason}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
