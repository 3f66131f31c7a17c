"""Receiving forwarded activities (ActivityPub §7.1.2): a reply signed by another server than its
author's is kept on its author's word only, by the author's FEP-8b32 proof or by what the
author's origin serves; a forged copy the origin denies and a tampered proof are refused and
store nothing."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from federation.keys import ed25519_public_to_multibase
from federation.proofs import create_proof
from node.accounts import join_pool
from node.appkeys import ACTORS, INBOX, INBOX_LIMITS
from node.inbox import forwarded
from node.inbox.limits import CHECKS_AT_ONCE
from node.storage import StoredComment
from tests.node.discussion.helpers import replies, stored
from tests.node.discussion.mastodon import MastodonActor, send
from tests.node.pools.helpers import propose

pytestmark = pytest.mark.both_backends


@dataclass
class ProvingActor(MastodonActor):
    """A Mastodon-shaped account that also publishes an Ed25519 key (FEP-521a) and signs its
    activities with FEP-8b32 proofs."""

    proof_key: ed25519.Ed25519PrivateKey = field(default_factory=ed25519.Ed25519PrivateKey.generate)

    def document(self) -> dict[str, Any]:
        doc = super().document()
        doc["assertionMethod"] = [{
            "id": self.uri + "#ed25519-key", "type": "Multikey", "controller": self.uri,
            "publicKeyMultibase": ed25519_public_to_multibase(self.proof_key.public_key()),
        }]
        return doc

    def prove(self, activity: dict[str, Any]) -> dict[str, Any]:
        return create_proof(activity, self.proof_key, self.uri + "#ed25519-key", datetime.now(UTC))


@pytest.fixture
def client(fed_client):  # type: ignore[no-untyped-def]
    return fed_client


def _account(remote, name: str, kind: type[MastodonActor] = MastodonActor) -> Any:  # type: ignore[no-untyped-def]
    actor = kind(f"{remote.base}/users/{name}", "Person")
    remote.actors[actor.uri] = actor
    return actor


async def _member(client, actor: Any) -> None:  # type: ignore[no-untyped-def]
    pool = await client.app[ACTORS].get("commons", "pool")
    await join_pool(client.app[ACTORS], pool, actor.uri)


async def _error(resp) -> str:  # type: ignore[no-untyped-def]
    return str((await resp.json(content_type=None))["error"])


async def _nothing_kept(client, create: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    assert await client.app[INBOX].by_activity_id(create["id"]) is None
    assert await stored(client, create["object"]["id"]) is None


async def test_a_forwarded_reply_is_taken_from_its_origin(client, fed, remote) -> None:  # type: ignore[no-untyped-def]
    mo, flo = _account(remote, "mo"), _account(remote, "flo")
    await _member(client, mo)
    proposal = await propose(client, "admin", fed.admin_token)
    create = mo.reply(1, proposal["id"], "<p>The origin's words</p>")
    note = create["object"]
    remote.documents[note["id"]] = note
    relayed = copy.deepcopy(create)  # as flo's server forwards it, changed on the way
    relayed["object"]["content"] = "<p>Words put in mo's mouth</p>"
    item = await send(client, flo, relayed)  # signed by flo, not by mo
    assert item.state == "done", item.last_error
    row = await stored(client, note["id"])
    assert row is not None and row.author_uri == mo.uri
    assert row.content == "<p>The origin's words</p>"  # what the origin serves, not the copy
    assert [i["id"] for i in await replies(client, proposal["id"])] == [note["id"]]
    assert remote.fetches.count(note["id"]) == 1
    assert remote.fetch_signatures[remote.fetches.index(note["id"])]  # a signed GET
    # The same activity forwarded again (by another server): answered, not fetched again.
    resp = await send(client, _account(remote, "gus"), relayed)
    assert resp.state == "done" and remote.fetches.count(note["id"]) == 1


@pytest.mark.parametrize("origin", ["gone", "another author", "another id"])
async def test_a_forged_forward_the_origin_denies_is_refused(client, fed, remote, origin) -> None:  # type: ignore[no-untyped-def]
    mo, ze, flo = _account(remote, "mo"), _account(remote, "ze"), _account(remote, "flo")
    await _member(client, mo)
    proposal = await propose(client, "admin", fed.admin_token)
    create = mo.reply(2, proposal["id"], "<p>mo never wrote this</p>")
    note = create["object"]
    remote.documents[note["id"]] = {
        "gone": 404,
        "another author": {**note, "attributedTo": ze.uri},
        "another id": {**note, "id": note["id"] + "0"},
    }[origin]
    resp = await send(client, flo, create, status=403)
    expected = {"gone": "answered HTTP 404", "another author": "not attributed to the activity's actor",
                "another id": "fetched id does not match URL"}[origin]
    assert expected in await _error(resp)
    await _nothing_kept(client, create)


async def test_a_forwarded_activity_with_its_authors_proof_is_taken_as_sent(client, fed, remote) -> None:  # type: ignore[no-untyped-def]
    pia, flo = _account(remote, "pia", ProvingActor), _account(remote, "flo")
    await _member(client, pia)
    proposal = await propose(client, "admin", fed.admin_token)
    create = pia.prove(pia.reply(3, proposal["id"], "<p>Signed by me</p>"))
    item = await send(client, flo, create)
    assert item.state == "done", item.last_error
    row = await stored(client, create["object"]["id"])
    assert isinstance(row, StoredComment) and row.content == "<p>Signed by me</p>"
    assert create["object"]["id"] not in remote.fetches  # the proof was enough


@pytest.mark.parametrize("tamper", ["content", "actor's key"])
async def test_a_tampered_proof_is_refused(client, fed, remote, tamper) -> None:  # type: ignore[no-untyped-def]
    pia, flo = _account(remote, "pia", ProvingActor), _account(remote, "flo", ProvingActor)
    await _member(client, pia)
    proposal = await propose(client, "admin", fed.admin_token)
    create = pia.reply(4, proposal["id"], "<p>Signed by me</p>")
    if tamper == "content":
        create = pia.prove(create)
        create["object"]["content"] = "<p>Changed on the way</p>"
    else:  # the forwarder signs it with its own key: a proof, but not the author's
        create = flo.prove(create)
    remote.documents[create["object"]["id"]] = create["object"]
    resp = await send(client, flo, create, status=422)
    assert (await resp.json())["code"] == "proof_rejected"
    assert "forwarded activity's proof rejected" in await _error(resp)
    await _nothing_kept(client, create)
    assert create["object"]["id"] not in remote.fetches  # a broken proof is not rescued by a fetch


async def test_a_forwarded_delete_needs_the_object_gone_at_its_origin(client, fed, remote) -> None:  # type: ignore[no-untyped-def]
    mo, flo = _account(remote, "mo"), _account(remote, "flo")
    await _member(client, mo)
    proposal = await propose(client, "admin", fed.admin_token)
    create = mo.reply(5, proposal["id"], "<p>Soon gone</p>")
    note = create["object"]
    await send(client, mo, create)
    remote.documents[note["id"]] = note
    early = mo.activity("Delete", {"id": note["id"], "type": "Tombstone"})
    resp = await send(client, flo, early, status=403)
    assert "still serves the object" in await _error(resp)
    assert (await stored(client, note["id"])).deleted_at is None  # type: ignore[union-attr]
    remote.documents[note["id"]] = 410
    delete = mo.activity("Delete", {"id": note["id"], "type": "Tombstone"})
    item = await send(client, flo, delete)
    assert item.state == "done", item.last_error
    assert (await stored(client, note["id"])).deleted_at is not None  # type: ignore[union-attr]


async def test_an_origin_that_does_not_answer_in_time_is_502(client, fed, remote, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(forwarded, "FETCH_SECONDS", 0.3)
    mo, flo = _account(remote, "mo"), _account(remote, "flo")
    proposal = await propose(client, "admin", fed.admin_token)
    create = mo.reply(6, proposal["id"], "<p>Slow</p>")
    remote.documents[create["object"]["id"]] = create["object"]
    remote.delays[create["object"]["id"]] = 3.0
    resp = await send(client, flo, create, status=502)
    assert "did not confirm the forwarded activity in time" in await _error(resp)
    await _nothing_kept(client, create)


async def test_origin_checks_are_bounded(client, fed, remote) -> None:  # type: ignore[no-untyped-def]
    mo, flo = _account(remote, "mo"), _account(remote, "flo")
    proposal = await propose(client, "admin", fed.admin_token)
    limits = client.app[INBOX_LIMITS]
    limits.checks_in_flight = CHECKS_AT_ONCE  # every slot taken
    create = mo.reply(7, proposal["id"], "<p>One more</p>")
    remote.documents[create["object"]["id"]] = create["object"]
    resp = await send(client, flo, create, status=429)
    assert resp.headers["Retry-After"] and "being checked now" in await _error(resp)
    limits.checks_in_flight = 0
    for _ in range(int(limits.by_forwarder.burst)):
        limits.by_forwarder.take(flo.uri)
    resp = await send(client, flo, create, status=429)
    assert "too many forwarded activities from this sender" in await _error(resp)
    assert create["object"]["id"] not in remote.fetches
    await _nothing_kept(client, create)
