"""People's names instead of their URLs: local actors by display name, remote ones as last fetched."""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from node.appkeys import ACTORS, REMOTE_ACTORS

__all__ = ["Names"]


def _fallback(uri: str) -> str:
    # An actor we know nothing of: its handle-like last path segment at its host, never a bare URL.
    parts = urlsplit(uri)
    if not parts.scheme or not parts.netloc:
        return uri  # not a URL at all (a payee written as a name, e.g. "Tool shop")
    last = parts.path.rstrip("/").rsplit("/", 1)[-1]
    return f"@{last}@{parts.netloc}" if last else parts.netloc


class Names:
    """Looks names up once per page: ``await names.of(uri)``."""

    def __init__(self, app: web.Application) -> None:
        self._app = app
        self._known: dict[str, str] = {}

    async def of(self, uri: str) -> str:
        """The display name of the actor ``uri`` (local, cached remote), else a short handle."""
        if uri in self._known:
            return self._known[uri]
        name = None
        local = await self._app[ACTORS].by_uri(uri)
        if local is not None:
            name = local.display_name or local.username
        else:
            remote = await self._app[REMOTE_ACTORS].get(uri)
            if remote is not None:
                found = remote.document.get("name") or remote.document.get("preferredUsername")
                name = found if isinstance(found, str) and found.strip() else None
        self._known[uri] = name or _fallback(uri)
        return self._known[uri]

    async def handle(self, uri: str) -> str:
        """What a person types to name the actor ``uri``: ``@name`` here, ``@name@host`` elsewhere."""
        local = await self._app[ACTORS].by_uri(uri)
        if local is not None:
            return f"@{local.username}"
        remote = await self._app[REMOTE_ACTORS].get(uri)
        if remote is not None:
            user = remote.document.get("preferredUsername")
            host = urlsplit(uri).netloc
            if isinstance(user, str) and user.strip() and host:
                return f"@{user.strip()}@{host}"
        return _fallback(uri)
