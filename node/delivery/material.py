"""What a claimed delivery needs to be signed: its activity's body and its sender's key, cached."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import Executor

from federation.keys import load_private_key_pem
from federation.signing_base import PrivateKey
from node.storage import ActorStore, ClaimedDelivery, DeliveryStore

__all__ = ["SigningMaterial"]

_BODY_CACHE = 256


class SigningMaterial:
    """Bodies (the last few hundred activities) and sender keys for the rows being signed."""

    def __init__(self, store: DeliveryStore, actors: ActorStore, loader: Executor) -> None:
        self.store = store
        self.actors = actors
        self._loader = loader
        self._bodies: OrderedDict[int, tuple[int, bytes]] = OrderedDict()
        self._keys: dict[int, tuple[str, PrivateKey]] = {}

    async def for_rows(
        self, rows: Sequence[ClaimedDelivery]
    ) -> list[tuple[bytes, tuple[str, PrivateKey]] | None]:
        """For each row its body and (key id, private key); None when either is gone."""
        missing = [r.activity_id for r in rows if r.activity_id not in self._bodies]
        if missing:
            for activity_id, found in (await self.store.bodies(missing)).items():
                self._remember_body(activity_id, found)
        out: list[tuple[bytes, tuple[str, PrivateKey]] | None] = []
        for row in rows:
            stored = self._bodies.get(row.activity_id)
            key = await self._key_of(stored[0]) if stored is not None else None
            out.append(None if stored is None or key is None else (stored[1], key))
        return out

    def _remember_body(self, activity_id: int, found: tuple[int, bytes]) -> None:
        self._bodies[activity_id] = found
        self._bodies.move_to_end(activity_id)
        while len(self._bodies) > _BODY_CACHE:
            self._bodies.popitem(last=False)

    async def _key_of(self, sender_id: int) -> tuple[str, PrivateKey] | None:
        found = self._keys.get(sender_id)
        if found is None:
            actor = await self.actors.by_id(sender_id)
            if actor is None:
                return None
            # Loading checks the RSA key (tens of milliseconds): not on the event loop.
            key = await asyncio.get_running_loop().run_in_executor(
                self._loader, load_private_key_pem, actor.rsa_private_pem
            )
            found = self._keys[sender_id] = (actor.key_id, key)
        return found
