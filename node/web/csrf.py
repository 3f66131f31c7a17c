"""CSRF tokens for visitors who are not signed in: a signed double-submit cookie.

A signed-in member's forms carry their session's token (node/web/sessions.py). A visitor
without a session gets no database row: the first page with a form sets the cookie
``pn_csrf`` to ``<issued>.<nonce>.<mac>``, where ``mac`` is an HMAC-SHA256 under the
node's web secret (the file ``web_secret`` in the data directory), and the form carries
the same value. A POST without a session must send both, equal, with a valid mac, issued
within a day. Another site can neither read the cookie nor, since it is ``SameSite=Lax``,
have the browser send it with a cross-site POST, and it cannot make a valid one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path

from aiohttp import web

from node.appkeys import CONFIG, CSRF_SECRET

__all__ = [
    "ANONYMOUS_LIFETIME_SECONDS",
    "CSRF_COOKIE",
    "anonymous_token",
    "load_secret",
    "set_csrf_cookie",
    "valid_anonymous_token",
]

CSRF_COOKIE = "pn_csrf"
ANONYMOUS_LIFETIME_SECONDS = 86_400
SECRET_FILE = "web_secret"
# A token is re-issued when it has less than this left, so a form shown is good for hours.
_RENEW_BEFORE_SECONDS = 3_600
_NEW_TOKEN: web.RequestKey[str] = web.RequestKey("web_new_csrf_token")


def load_secret(data_dir: Path) -> bytes:
    """The node's web secret, created (32 random bytes, mode 0600) on first use."""
    path = data_dir / SECRET_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        secret = path.read_bytes()
        if len(secret) >= 32:
            return secret
        path.unlink()  # unusable (truncated): a new secret only voids pending anonymous forms
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    secret = secrets.token_bytes(32)
    with os.fdopen(fd, "wb") as file:
        file.write(secret)
    return secret


def _mac(secret: bytes, issued: str, nonce: str) -> str:
    digest = hmac.new(secret, f"pn-csrf-1.{issued}.{nonce}".encode("ascii"), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).decode("ascii").rstrip("=")


def _issued_at(secret: bytes, token: str) -> int | None:
    """When a well-formed token with a valid mac was issued, else None."""
    issued, _, rest = token.partition(".")
    nonce, _, mac = rest.partition(".")
    if not (issued.isascii() and issued.isdigit() and nonce.isascii() and mac.isascii()):
        return None
    if not hmac.compare_digest(mac.encode("ascii"), _mac(secret, issued, nonce).encode("ascii")):
        return None
    return int(issued)


def _fresh(request: web.Request, token: str, margin: int = 0) -> bool:
    issued = _issued_at(request.app[CSRF_SECRET], token)
    return issued is not None and time.time() < issued + ANONYMOUS_LIFETIME_SECONDS - margin


def anonymous_token(request: web.Request) -> str:
    """The token for this visitor's forms: the cookie's own if still good, else a new one."""
    if _NEW_TOKEN in request:
        return request[_NEW_TOKEN]
    current = request.cookies.get(CSRF_COOKIE, "")
    if current and _fresh(request, current, _RENEW_BEFORE_SECONDS):
        return current
    issued, nonce = str(int(time.time())), secrets.token_urlsafe(16)
    token = f"{issued}.{nonce}.{_mac(request.app[CSRF_SECRET], issued, nonce)}"
    request[_NEW_TOKEN] = token
    return token


def valid_anonymous_token(request: web.Request) -> str | None:
    """The request's CSRF cookie if it is one this node issued and it has not expired."""
    token = request.cookies.get(CSRF_COOKIE, "")
    return token if token and _fresh(request, token) else None


def set_csrf_cookie(request: web.Request, response: web.StreamResponse) -> None:
    """Send the cookie of a token issued while handling this request."""
    if _NEW_TOKEN not in request or response.prepared:
        return
    token = request[_NEW_TOKEN]
    response.set_cookie(
        CSRF_COOKIE,
        token,
        max_age=ANONYMOUS_LIFETIME_SECONDS,
        path="/",
        httponly=True,
        samesite="Lax",
        secure=request.app[CONFIG].base_url.startswith("https://"),
    )
