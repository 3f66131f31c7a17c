"""Offline JSON-LD loading and normalisation of received documents."""

from __future__ import annotations

from typing import Any

import pytest
from pyld import jsonld as pyld_jsonld

import schemas
from federation.errors import BadActivity
from federation.jsonld import (
    as_list,
    canonical_context_url,
    document_loader,
    is_our_context,
    normalise,
)

MASTODON_ACTOR_CONTEXT = [
    "https://www.w3.org/ns/activitystreams",
    "https://w3id.org/security/v1",
    {
        "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
        "toot": "http://joinmastodon.org/ns#",
        "featured": {"@id": "toot:featured", "@type": "@id"},
        "alsoKnownAs": {"@id": "as:alsoKnownAs", "@type": "@id"},
        "movedTo": {"@id": "as:movedTo", "@type": "@id"},
        "schema": "http://schema.org#",
        "PropertyValue": "schema:PropertyValue",
        "value": "schema:value",
        "discoverable": "toot:discoverable",
        "indexable": "toot:indexable",
        "focalPoint": {"@container": "@list", "@id": "toot:focalPoint"},
    },
]

M = "https://mastodon.example/users/alice"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def mastodon_actor() -> dict[str, Any]:
    return {
        "@context": MASTODON_ACTOR_CONTEXT,
        "id": M,
        "type": "Person",
        "following": f"{M}/following",
        "followers": f"{M}/followers",
        "inbox": f"{M}/inbox",
        "outbox": f"{M}/outbox",
        "featured": f"{M}/collections/featured",
        "preferredUsername": "alice",
        "name": "Alice",
        "summary": "<p>co-op person</p>",
        "url": "https://mastodon.example/@alice",
        "manuallyApprovesFollowers": False,
        "discoverable": True,
        "indexable": True,
        "published": "2023-01-01T00:00:00Z",
        "publicKey": {
            "id": f"{M}#main-key",
            "owner": M,
            "publicKeyPem": "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n",
        },
        "tag": [],
        "attachment": [{"type": "PropertyValue", "name": "Site", "value": "https://a.example"}],
        "endpoints": {"sharedInbox": "https://mastodon.example/inbox"},
        "icon": {"type": "Image", "mediaType": "image/png", "url": "https://mastodon.example/a.png"},
    }


def mastodon_create_note() -> dict[str, Any]:
    note = f"{M}/statuses/1"
    return {
        "@context": [
            "https://www.w3.org/ns/activitystreams",
            {
                "ostatus": "http://ostatus.org#",
                "atomUri": "ostatus:atomUri",
                "inReplyToAtomUri": "ostatus:inReplyToAtomUri",
                "conversation": "ostatus:conversation",
                "sensitive": "as:sensitive",
                "toot": "http://joinmastodon.org/ns#",
                "votersCount": "toot:votersCount",
            },
        ],
        "id": f"{note}/activity",
        "type": "Create",
        "actor": M,
        "published": "2024-05-01T12:00:00Z",
        "to": [PUBLIC],
        "cc": [f"{M}/followers", "https://pool.example/pools/commons"],
        "object": {
            "id": note,
            "type": "Note",
            "summary": None,
            "inReplyTo": None,
            "published": "2024-05-01T12:00:00Z",
            "url": "https://mastodon.example/@alice/1",
            "attributedTo": M,
            "to": [PUBLIC],
            "cc": [f"{M}/followers"],
            "sensitive": False,
            "atomUri": note,
            "conversation": "tag:mastodon.example,2024-05-01:objectId=1:objectType=Conversation",
            "content": "<p>hello pool</p>",
            "contentMap": {"en": "<p>hello pool</p>"},
            "attachment": [],
            "tag": [],
        },
    }


def test_loader_serves_bundled_contexts_and_variants() -> None:
    for url in schemas.CONTEXTS:
        assert document_loader(url)["document"] == schemas.load_context(url)
    for variant in [
        "http://www.w3.org/ns/activitystreams",
        "https://www.w3.org/ns/activitystreams#",
        "https://www.w3.org/ns/activitystreams.jsonld",
        "http://w3id.org/security/v1",
    ]:
        assert canonical_context_url(variant) is not None, variant


def test_loader_refuses_unknown_urls() -> None:
    with pytest.raises(pyld_jsonld.JsonLdError, match="unknown JSON-LD context"):
        document_loader("https://evil.example/context.jsonld")


def test_fast_path_makes_no_pyld_call_and_no_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("pyld was called on the fast path")

    monkeypatch.setattr(pyld_jsonld, "compact", boom)
    monkeypatch.setattr(pyld_jsonld, "expand", boom)
    for context in [
        schemas.ACTOR_CONTEXT,
        schemas.OBJECT_CONTEXT,
        schemas.AS_CONTEXT_URL,
        [schemas.AS_CONTEXT_URL, schemas.SECURITY_CONTEXT_URL],
        [schemas.AS_CONTEXT_URL, schemas.DATA_INTEGRITY_CONTEXT_URL, schemas.POOLNODE_CONTEXT_URL],
    ]:
        document = {"@context": context, "id": "https://a.example/x", "type": "Note"}
        assert is_our_context(context)
        assert normalise(document) is document


@pytest.mark.parametrize(
    "context",
    [
        MASTODON_ACTOR_CONTEXT,
        "http://www.w3.org/ns/activitystreams",
        [schemas.SECURITY_CONTEXT_URL, schemas.AS_CONTEXT_URL],
        [schemas.AS_CONTEXT_URL, {"x": "as:x"}],
        [],
        {},
    ],
)
def test_other_contexts_are_not_fast(context: Any) -> None:
    assert not is_our_context(context)


def test_mastodon_actor_reads_as_usual() -> None:
    doc = normalise(mastodon_actor())
    assert doc["@context"] == schemas.ACTOR_CONTEXT
    assert doc["id"] == M
    assert doc["type"] == "Person"
    assert doc["inbox"] == f"{M}/inbox"
    assert doc["outbox"] == f"{M}/outbox"
    assert doc["preferredUsername"] == "alice"
    assert doc["endpoints"]["sharedInbox"] == "https://mastodon.example/inbox"
    assert doc["publicKey"]["id"] == f"{M}#main-key"
    assert doc["publicKey"]["owner"] == M
    assert doc["publicKey"]["publicKeyPem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert doc["manuallyApprovesFollowers"] is False
    assert doc["discoverable"] is True
    # A term our context lacks keeps its meaning under a compact IRI, never a bare name.
    assert doc["toot:indexable"] is True and "indexable" not in doc


def test_mastodon_create_note_reads_as_usual() -> None:
    doc = normalise(mastodon_create_note())
    assert doc["type"] == "Create"
    assert doc["actor"] == M
    assert as_list(doc["to"]) == [PUBLIC]
    assert as_list(doc["cc"]) == [f"{M}/followers", "https://pool.example/pools/commons"]
    note = doc["object"]
    assert note["id"] == f"{M}/statuses/1"
    assert note["type"] == "Note"
    assert note["attributedTo"] == M
    assert note["content"] == "<p>hello pool</p>"
    assert as_list(note["to"]) == [PUBLIC]
    assert "atomUri" not in note and note["http://ostatus.org#atomUri"] == f"{M}/statuses/1"


def test_public_is_restored_from_compact_forms() -> None:
    doc = {
        "@context": [schemas.AS_CONTEXT_URL, {"sensitive": "as:sensitive"}],
        "id": "https://a.example/1",
        "type": "Announce",
        "to": ["as:Public"],
        "cc": ["Public", "https://a.example/followers"],
        "object": "https://b.example/2",
    }
    out = normalise(doc)
    assert as_list(out["to"]) == [PUBLIC]
    assert as_list(out["cc"]) == [PUBLIC, "https://a.example/followers"]


def test_governance_document_into_object_context() -> None:
    doc = {
        "@context": [
            "http://www.w3.org/ns/activitystreams",
            schemas.POOLNODE_CONTEXT_URL,
        ],
        "id": "https://pool.example/proposals/7",
        "type": "Proposal",
        "pool": "https://pool.example/pools/commons",
        "options": ["yes", "no"],
        "amount": 1500,
        "currency": "EUR",
        "threshold": "2/3",
        "counts": {"yes": 3, "no": 1},
    }
    out = normalise(doc, target=schemas.OBJECT_CONTEXT)
    assert out["@context"] == schemas.OBJECT_CONTEXT
    assert out["type"] == "Proposal"
    assert out["pool"] == "https://pool.example/pools/commons"
    assert out["options"] == ["yes", "no"]
    assert out["amount"] == 1500 and out["currency"] == "EUR"
    assert out["threshold"] == "2/3"
    assert out["counts"] == {"yes": 3, "no": 1}


def test_unknown_context_url_is_a_bad_activity() -> None:
    doc = {"@context": [schemas.AS_CONTEXT_URL, "https://litepub.example/schemas/litepub-0.1.jsonld"]}
    with pytest.raises(BadActivity) as caught:
        normalise(doc)
    assert caught.value.reason == (
        "unknown JSON-LD context https://litepub.example/schemas/litepub-0.1.jsonld"
    )


def test_missing_or_broken_context_is_a_bad_activity() -> None:
    with pytest.raises(BadActivity, match="no @context"):
        normalise({"id": "https://a.example/1"})
    with pytest.raises(BadActivity, match="invalid JSON-LD"):
        normalise({"@context": [schemas.AS_CONTEXT_URL, 42], "id": "https://a.example/1"})


def test_as_list() -> None:
    assert as_list(None) == []
    assert as_list("x") == ["x"]
    assert as_list(["x", "y"]) == ["x", "y"]
