"""Recipient expansion: cached actors come from one query; only unknown ones are resolved."""

from __future__ import annotations

from node.appkeys import ACTORS
from node.delivery.recipients import expand_recipients
from node.remote import RemoteActor
from node.storage import DeliveryStore, RemoteActorStore


async def test_cached_inboxes_are_read_in_bulk_and_only_the_rest_resolved(client, node):
    app = client.app
    db = app[ACTORS].db
    remote = RemoteActorStore(db)
    cached = [f"https://far.example/users/u{n}" for n in range(5)]
    for uri in cached:
        await remote.put(RemoteActor(uri, "Person", uri + "/inbox", "https://far.example/inbox",
                                     uri + "#main-key", None, fetched_at=10))
    resolved: list[str] = []

    async def resolve(uri: str) -> str:
        resolved.append(uri)
        return uri + "/inbox"

    unknown = "https://other.example/users/x"
    found = await expand_recipients(
        sender=node.pool, uris=[*cached, unknown, node.alice.uri], base_url="http://node.test",
        actors=app[ACTORS], deliveries=DeliveryStore(db), resolve=resolve,
        known=lambda uris: remote.inboxes(uris, 0),
    )
    assert resolved == [unknown]  # the five cached actors never reached the resolver
    assert found.inboxes == {
        "https://far.example/inbox": "far.example",  # one shared inbox for five people
        unknown + "/inbox": "other.example",
    }
    assert found.local_ids == {node.alice.id}

    # A cache entry older than the cut-off is resolved again.
    resolved.clear()
    await expand_recipients(
        sender=node.pool, uris=cached[:1], base_url="http://node.test", actors=app[ACTORS],
        deliveries=DeliveryStore(db), resolve=resolve, known=lambda uris: remote.inboxes(uris, 10),
    )
    assert resolved == cached[:1]
