"""Verifying an inbox request's HTTP signature with cached, parsed keys.

Keys come from the in-memory :class:`~node.inbox.keys.KeyCache`, then from
:func:`node.remote.resolve_actor` (database cache, then a signed fetch through the
SSRF-safe Fetcher). When a cached key does not verify, the key is fetched again once
(at most once a minute per keyId) before the request is refused with 401.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from federation.errors import FetchError, SignatureInvalid
from federation.httpsig import verify_request
from federation.keys import PublicKey, ed25519_public_from_multibase, load_public_key_pem
from node.appkeys import CONFIG, DB, KEY_CACHE
from node.remote import key_owner_uri, resolve_actor
from node.storage import RemoteActor

__all__ = ["KEY_TOPIC", "forget_actor_keys", "verify_signer"]


def _key_of(actor: RemoteActor, key_id: str) -> PublicKey | None:
    try:
        if key_id == actor.key_id and actor.public_key_pem is not None:
            return load_public_key_pem(actor.public_key_pem)
        multibase = actor.ed25519_keys.get(key_id)
        if multibase is not None:
            return ed25519_public_from_multibase(multibase)
    except ValueError as exc:
        raise SignatureInvalid("the signing key cannot be parsed", detail=repr(exc)) from exc
    return None


async def _fetch_key(app: web.Application, key_id: str, refresh: bool) -> tuple[PublicKey, str]:
    try:
        actor = await resolve_actor(app, key_owner_uri(key_id), refresh=refresh)
        key = _key_of(actor, key_id)
        if key is None and not refresh and app[KEY_CACHE].may_refresh(key_id):
            # A cached document from before a key was added: look once more.
            actor = await resolve_actor(app, key_owner_uri(key_id), refresh=True)
            key = _key_of(actor, key_id)
    except FetchError as exc:
        raise SignatureInvalid(
            f"signing key could not be fetched: {exc.reason}", detail=exc.detail
        ) from exc
    if key is None:
        raise SignatureInvalid("the signing key is not in its actor's document")
    app[KEY_CACHE].put(key_id, key, actor.uri)
    return key, actor.uri


async def verify_signer(request: web.Request, body: bytes) -> str:
    """Verify the request's signature (draft-cavage or RFC 9421); returns the signer's actor id."""
    app = request.app
    cache = app[KEY_CACHE]
    config = app[CONFIG]
    owners: dict[str, str] = {}

    async def resolver(key_id: str, refresh: bool) -> PublicKey:
        if not refresh:
            hit = cache.get(key_id)
            if hit is not None:
                owners[key_id] = hit.owner
                return hit.key
        elif not cache.may_refresh(key_id):
            raise SignatureInvalid("signature does not verify")
        key, owners[key_id] = await _fetch_key(app, key_id, refresh)
        return key

    verified = await verify_request(
        request.method,
        request.raw_path,
        request.headers,
        body,
        resolver,
        datetime.now(UTC),
        config.signature_window_seconds,
        scheme=config.base_url.partition(":")[0],
    )
    return owners[verified.key_id]


async def forget_actor_keys(app: web.Application, owner: str) -> None:
    """Drop an actor's parsed keys (after its Update or Delete), here and in every other
    process on the database (``KEY_TOPIC`` notices, which ``inbox_ctx`` listens to)."""
    app[KEY_CACHE].forget_owner(owner)
    await app[DB].notify(KEY_TOPIC, owner)


KEY_TOPIC = "actor-keys"
"""The notice other processes send when an actor's keys must be fetched again."""
