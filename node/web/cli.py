"""``poolnode member password|signin-link USERNAME``: how a member comes to sign in to the web app."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any

from node.accounts import now_iso
from node.config import ConfigError, load_config
from node.storage import ActorStore, Database, InvitationStore, WebStore
from node.web.passwords import hash_password, password_problem
from node.web.welcome import issue_signin_link

__all__ = ["add_password_command"]


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("New password: ")
    if getpass.getpass("The same password again: ") != first:
        raise ConfigError("the two passwords are not the same")
    return first


async def _member_password(args: argparse.Namespace, out: Any) -> int:
    config = load_config(Path(args.data))
    password = _read_password(args)
    problem = password_problem(password)
    if problem:
        raise ConfigError(f"password not accepted: {problem}")
    db = Database.for_config(config)
    await db.open()
    try:
        member = await ActorStore(db).get(args.username, "member")
        web = WebStore(db)
        await web.set_password(member.id, await hash_password(password), now_iso())
        ended = await web.delete_sessions_of(member.id)
    finally:
        await db.close()
    out.emit(
        {"name": member.username, "password_set": True, "sessions_ended": ended},
        [f"Set the web sign-in password of {member.username}; "
         f"sign in at {config.url('/signin')}" + (f" ({ended} session(s) ended)" if ended else "")],
    )
    return 0


async def _member_signin_link(args: argparse.Namespace, out: Any) -> int:
    config = load_config(Path(args.data))
    db = Database.for_config(config)
    await db.open()
    try:
        member = await ActorStore(db).get(args.username, "member")
        link = await issue_signin_link(config, InvitationStore(db), member)
    finally:
        await db.close()
    out.emit(
        {"name": member.username, "url": link.url, "expires_at": link.expires_at},
        [f"Sign in as {member.username}: open this link once (before {link.expires_at}) "
         "and choose a password:", f"  {link.url}"],
    )
    return 0


def add_password_command(member: Any, common: argparse.ArgumentParser) -> None:
    """Register ``member password`` on the ``member`` sub-command parsers."""
    command = member.add_parser("password", parents=[common],
                                help="set a member's password for the web app (ends their sessions)")
    command.add_argument("username")
    command.add_argument("--password-stdin", action="store_true",
                         help="read the password from the first line of standard input")
    command.set_defaults(run=_member_password)
    link = member.add_parser("signin-link", parents=[common],
                             help="print a one-time link with which a member sets a password and signs in")
    link.add_argument("username")
    link.set_defaults(run=_member_signin_link)
