"""Creating pools, member accounts and tokens: shared by the CLI and the HTTP API."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from federation.keys import generate_actor_keys
from node.config import Config
from node.errors import InvalidRequest
from node.pools import default_bylaws_json
from node.storage import ActorRecord, ActorStore, Membership, TokenRecord, TokenStore
from node.urls import actor_uri, check_username

__all__ = ["IssuedToken", "create_member", "create_pool", "issue_token", "now_iso"]

ROLES = ("member", "steward", "treasurer")


def now_iso() -> str:
    """The current time as an ISO 8601 UTC timestamp with seconds precision."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A token as issued: the secret is shown once and never stored."""

    secret: str
    record: TokenRecord


async def create_pool(
    config: Config, actors: ActorStore, name: str, *, purpose: str = "", currency: str = "EUR",
    display_name: str | None = None,
) -> ActorRecord:
    """Create a pool (a Group actor with fresh keys and default bylaws)."""
    username = check_username(name)
    keys = generate_actor_keys()
    title = display_name or username.replace("_", " ").title()
    return await actors.create(
        username=username,
        kind="pool",
        uri=actor_uri(config, "pool", username),
        display_name=title,
        summary=purpose,
        is_admin=False,
        rsa_private_pem=keys.rsa_private_pem,
        rsa_public_pem=keys.rsa_public_pem,
        ed25519_private_pem=keys.ed25519_private_pem,
        ed25519_public_multibase=keys.ed25519_public_multibase,
        created_at=now_iso(),
        bylaws_json=default_bylaws_json(title, purpose, currency),
    )


async def create_member(
    config: Config, actors: ActorStore, name: str, *, is_admin: bool = False,
    display_name: str | None = None,
) -> ActorRecord:
    """Create a local member account (a Person actor with fresh keys)."""
    username = check_username(name)
    keys = generate_actor_keys()
    return await actors.create(
        username=username,
        kind="member",
        uri=actor_uri(config, "member", username),
        display_name=display_name or username,
        summary="",
        is_admin=is_admin,
        rsa_private_pem=keys.rsa_private_pem,
        rsa_public_pem=keys.rsa_public_pem,
        ed25519_private_pem=keys.ed25519_private_pem,
        ed25519_public_multibase=keys.ed25519_public_multibase,
        created_at=now_iso(),
    )


async def join_pool(
    actors: ActorStore, pool: ActorRecord, person_uri: str, roles: tuple[str, ...] = ("member",)
) -> Membership:
    """Record a person as a member of a local pool with the given roles."""
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise InvalidRequest(f"unknown role {unknown[0]!r}; roles are {', '.join(ROLES)}")
    if "member" not in roles:
        roles = ("member", *roles)
    return await actors.add_membership(pool.id, person_uri, roles, now_iso())


async def issue_token(tokens: TokenStore, actor: ActorRecord, label: str = "") -> IssuedToken:
    """A new random bearer token for an actor: 256 bits, prefixed so it is recognisable."""
    secret = "pn_" + secrets.token_urlsafe(32)
    record = await tokens.add(actor.id, secret, label, now_iso())
    return IssuedToken(secret, record)
