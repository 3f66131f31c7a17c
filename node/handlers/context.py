"""What a handler receives: the activity, who sent it, and the local actors it concerns."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from node.appkeys import ACTORS
from node.storage import ActorRecord

__all__ = ["Handler", "Inbound", "local_actor_of", "object_id"]


@dataclass(frozen=True, slots=True)
class Inbound:
    """A received activity being processed from the inbox queue.

    ``actor`` is the verified sender; ``recipients`` the local actors it was delivered to
    (the inbox it arrived at plus local actors named in its addressing). ``refusals`` gathers
    the reasons a handler refused it for (node/handlers/refusals.py): an activity refused is
    not passed on (inbox forwarding, node/discussion/forwarding.py).
    """

    app: web.Application
    activity: dict[str, Any]
    actor: str
    recipients: tuple[ActorRecord, ...]
    refusals: list[str] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        """Whether a handler refused the activity (and told its sender why)."""
        return bool(self.refusals)

    @property
    def object(self) -> Any:
        return self.activity.get("object")

    @property
    def object_id(self) -> str | None:
        return object_id(self.activity.get("object"))


Handler = Callable[[Inbound], Awaitable[None]]


def object_id(value: object) -> str | None:
    """The id of an object given by reference or embedded."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return str(value["id"])
    return None


async def local_actor_of(app: web.Application, uri: str | None) -> ActorRecord | None:
    """The local actor with this id, or None for a remote (or missing) one."""
    if uri is None:
        return None
    return await app[ACTORS].by_uri(uri)
