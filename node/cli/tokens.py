"""``poolnode token create|revoke|list``: API tokens."""

from __future__ import annotations

import argparse

from node.accounts import issue_token, now_iso
from node.cli.common import Output, Stores, data_config, with_stores
from node.config import (
    ConfigError,
)
from node.errors import NotFound

__all__ = ["add_token"]


async def _token_create(args: argparse.Namespace, out: Output) -> int:
    config = data_config(args)

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

    return await with_stores(config, work)


async def _token_revoke(args: argparse.Namespace, out: Output) -> int:
    config = data_config(args)
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

    return await with_stores(config, work)


async def _token_list(args: argparse.Namespace, out: Output) -> int:
    config = data_config(args)

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

    return await with_stores(config, work)


def add_token(commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    """The ``token`` command group."""
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
