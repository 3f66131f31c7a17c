"""Parsed public keys by keyId, in memory, in front of the database actor cache."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from federation.keys import PublicKey

__all__ = ["CachedKey", "KeyCache"]


@dataclass(frozen=True, slots=True)
class CachedKey:
    """A parsed key, the actor that owns it, and when the entry expires (monotonic)."""

    key: PublicKey
    owner: str
    expires_at: float


class KeyCache:
    """A bounded LRU of parsed keys with a TTL, and a floor between forced refetches.

    The floor stops a stream of badly signed requests naming a real keyId from making
    us refetch that actor's document on every request.
    """

    def __init__(
        self,
        *,
        ttl: float = 3600.0,
        size: int = 4096,
        refresh_interval: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl
        self._size = size
        self._refresh_interval = refresh_interval
        self._clock = clock
        self._keys: OrderedDict[str, CachedKey] = OrderedDict()
        self._refreshed: dict[str, float] = {}

    def get(self, key_id: str) -> CachedKey | None:
        """The cached key, if present and not expired."""
        entry = self._keys.get(key_id)
        if entry is None:
            return None
        if entry.expires_at <= self._clock():
            del self._keys[key_id]
            return None
        self._keys.move_to_end(key_id)
        return entry

    def put(self, key_id: str, key: PublicKey, owner: str) -> CachedKey:
        """Remember a parsed key for the TTL."""
        entry = CachedKey(key, owner, self._clock() + self._ttl)
        self._keys[key_id] = entry
        self._keys.move_to_end(key_id)
        while len(self._keys) > self._size:
            self._keys.popitem(last=False)
        return entry

    def may_refresh(self, key_id: str) -> bool:
        """Whether a forced refetch of this key is allowed now (and record it if so)."""
        now = self._clock()
        last = self._refreshed.get(key_id)
        if last is not None and now - last < self._refresh_interval:
            return False
        if len(self._refreshed) >= self._size:
            self._refreshed.clear()
        self._refreshed[key_id] = now
        return True

    def forget_owner(self, owner: str) -> None:
        """Drop every key of an actor (after its Update or Delete)."""
        for key_id in [k for k, v in self._keys.items() if v.owner == owner]:
            del self._keys[key_id]
