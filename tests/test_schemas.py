"""Bundled contexts parse and process; JSON Schemas are valid and catch bad documents."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from jsonschema import Draft202012Validator
from pyld import jsonld

import schemas
from federation.jsonld import document_loader
from federation.keys import ed25519_public_to_multibase, public_key_to_pem

A = "https://pool.example/users/alice"
G = "https://pool.example/pools/commons"


@pytest.mark.parametrize("url", sorted(schemas.CONTEXTS))
def test_every_bundled_context_parses_and_processes(url: str) -> None:
    document = schemas.load_context(url)
    assert isinstance(document["@context"], dict)
    # Processing it as a context proves it is valid JSON-LD (no network: offline loader).
    jsonld.expand({"@context": url, "@id": "https://a.example/"}, {"documentLoader": document_loader})


@pytest.mark.parametrize("context", [schemas.ACTOR_CONTEXT, schemas.OBJECT_CONTEXT])
def test_our_context_lists_process_without_conflicts(context: list[Any]) -> None:
    expanded = jsonld.expand(
        {"@context": context, "id": "https://a.example/x", "type": "Note", "name": "n"},
        {"documentLoader": document_loader},
    )
    assert expanded[0]["@type"] == ["https://www.w3.org/ns/activitystreams#Note"]


def test_poolnode_terms_live_in_our_namespace() -> None:
    terms = schemas.load_context(schemas.POOLNODE_CONTEXT_URL)["@context"]
    for term in ["Proposal", "Ballot", "Tally", "LedgerEntry", "Bylaws", "Flood", "Electorate",
                 "Attestation", "members", "bylaws", "amount", "currency", "electorateDigest"]:
        assert term in terms, term
    expanded = jsonld.expand(
        {"@context": schemas.OBJECT_CONTEXT, "type": "Tally", "members": G + "/members"},
        {"documentLoader": document_loader},
    )
    assert expanded[0]["@type"] == [schemas.POOLNODE_NAMESPACE + "Tally"]
    assert expanded[0][schemas.POOLNODE_NAMESPACE + "members"] == [{"@id": G + "/members"}]


@pytest.mark.parametrize("name", schemas.SCHEMA_NAMES)
def test_every_schema_is_valid(name: str) -> None:
    Draft202012Validator.check_schema(schemas.load_json_schema(name))


def _actor(url: str, kind: str) -> dict[str, Any]:
    pem = public_key_to_pem(rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key())
    multibase = ed25519_public_to_multibase(ed25519.Ed25519PrivateKey.generate().public_key())
    doc: dict[str, Any] = {
        "@context": schemas.ACTOR_CONTEXT,
        "id": url,
        "type": kind,
        "preferredUsername": url.rsplit("/", 1)[-1],
        "name": "Commons" if kind == "Group" else "Alice",
        "inbox": f"{url}/inbox",
        "outbox": f"{url}/outbox",
        "followers": f"{url}/followers",
        "following": f"{url}/following",
        "endpoints": {"sharedInbox": "https://pool.example/inbox"},
        "publicKey": {"id": f"{url}#main-key", "owner": url, "publicKeyPem": pem},
        "assertionMethod": [
            {"id": f"{url}#ed25519-key", "type": "Multikey", "controller": url,
             "publicKeyMultibase": multibase}
        ],
    }
    if kind == "Group":
        doc["members"] = f"{url}/members"
        doc["bylaws"] = f"{url}/bylaws"
    return doc


@pytest.fixture(scope="module")
def person() -> dict[str, Any]:
    return _actor(A, "Person")


@pytest.fixture(scope="module")
def group() -> dict[str, Any]:
    return _actor(G, "Group")


def test_good_actors_pass(person: dict[str, Any], group: dict[str, Any]) -> None:
    assert schemas.validation_errors("person", person) == []
    assert schemas.validation_errors("group", group) == []
    assert schemas.validation_errors("actor", group) == []


def _broken(doc: dict[str, Any], path: list[Any], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    node = out
    for part in path[:-1]:
        node = node[part]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return out


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (["publicKey", "owner"], "x", "$.publicKey.owner: 'x' does not match"),
        (["publicKey", "id"], A + "#other", "$.publicKey.id:"),
        (["publicKey", "publicKeyPem"], "not a pem", "$.publicKey.publicKeyPem:"),
        (["publicKey", "owner"], KeyError, "$.publicKey: 'owner' is a required property"),
        (["endpoints", "sharedInbox"], KeyError, "$.endpoints: 'sharedInbox' is a required"),
        (["assertionMethod", 0, "publicKeyMultibase"], "zQ3s", "$.assertionMethod:"),
        (["assertionMethod"], [], "$.assertionMethod: [] should be non-empty"),
        (["type"], "Group", "$.type: 'Person' was expected"),
        (["inbox"], KeyError, "$: 'inbox' is a required property"),
        (["@context"], ["https://w3id.org/security/v1"], '$["@context"]:'),
        (["inbox"], "ftp://pool.example/inbox", "$.inbox:"),
    ],
)
def test_bad_person_fails_with_path(
    person: dict[str, Any], path: list[Any], value: Any, expected: str
) -> None:
    errors = schemas.validation_errors("person", _broken(person, path, value))
    assert any(e.startswith(expected) for e in errors), errors


@pytest.mark.parametrize("missing", ["members", "bylaws"])
def test_group_requires_members_and_bylaws(group: dict[str, Any], missing: str) -> None:
    errors = schemas.validation_errors("group", _broken(group, [missing], KeyError))
    assert errors == [f"$: '{missing}' is a required property"]


def test_webfinger() -> None:
    good = {
        "subject": "acct:alice@pool.example",
        "aliases": [A],
        "links": [
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": A},
            {"rel": "self", "type": "application/activity+json", "href": A},
        ],
    }
    assert schemas.validation_errors("webfinger", good) == []
    bad = copy.deepcopy(good)
    bad["subject"] = "alice"
    bad["links"] = bad["links"][:1]
    errors = schemas.validation_errors("webfinger", bad)
    assert any(e.startswith("$.subject:") for e in errors)
    assert any(e.startswith("$.links:") for e in errors)


def test_nodeinfo() -> None:
    good = {
        "version": "2.1",
        "software": {"name": "poolnode", "version": "0.1.0"},
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": False,
        "usage": {"users": {"total": 3, "activeMonth": 2, "activeHalfyear": 3}, "localPosts": 0},
        "metadata": {},
    }
    assert schemas.validation_errors("nodeinfo", good) == []
    bad = copy.deepcopy(good)
    bad["version"] = "2.0"
    bad["protocols"] = ["diaspora"]
    del bad["usage"]["users"]["activeHalfyear"]
    errors = schemas.validation_errors("nodeinfo", bad)
    assert any(e.startswith("$.version: '2.1' was expected") for e in errors), errors
    assert any(e.startswith("$.protocols:") for e in errors), errors
    assert any(e.startswith("$.usage.users: 'activeHalfyear' is a required") for e in errors)


def test_unknown_names_raise() -> None:
    with pytest.raises(KeyError):
        schemas.load_json_schema("nope")
    with pytest.raises(KeyError):
        schemas.load_context("https://example.org/ctx")
