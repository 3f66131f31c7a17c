"""``poolnode member add|list|password``: member accounts."""

from __future__ import annotations

import argparse
from typing import Any

from node.accounts import create_member, issue_token, join_pool
from node.cli.common import Output, Stores, acct_uri, data_config, with_stores
from node.web.cli import add_password_command

__all__ = ["add_member"]


async def _member_add(args: argparse.Namespace, out: Output) -> int:
    config = data_config(args)

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
                "acct": acct_uri(config, member.username),
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

    return await with_stores(config, work)


async def _member_list(args: argparse.Namespace, out: Output) -> int:
    config = data_config(args)

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

    return await with_stores(config, work)


def add_member(commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    """The ``member`` command group."""
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
