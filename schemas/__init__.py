"""Bundled JSON-LD contexts and JSON Schemas for the documents a poolnode serves.

Nothing here imports ``federation``: this package is data plus two tiny loaders, so
any layer (node, federation, tests, tools) can use it.

Contexts (``contexts/*.jsonld``) are the published documents, copied verbatim, plus our
own ``poolnode-v1.jsonld``; they are looked up by their canonical ``https`` URL in
:data:`CONTEXTS`. The two ``@context`` values we emit are:

* :data:`ACTOR_CONTEXT` for Person/Group actor documents (and the activities we send):
  ActivityStreams 2, W3C security v1 (``publicKey``/``publicKeyPem``/``owner``, what
  Mastodon reads), Multikey v1 (FEP-521a ``Multikey``), our vocabulary (``members``,
  ``bylaws``, ``pool`` ...), then one inline object for the terms none of those define:
  ``assertionMethod`` (FEP-521a; defined by the CID context, which we do not bundle),
  and Mastodon's ``manuallyApprovesFollowers`` and ``discoverable``.
* :data:`OBJECT_CONTEXT` for governance documents that carry FEP-8b32 integrity proofs:
  ActivityStreams 2, data integrity v2 (``proof``/``DataIntegrityProof``), our vocabulary.

JSON Schemas (``json/*.json``, Draft 2020-12) describe the documents the node serves;
:func:`validation_errors` checks one and returns readable failures (the verdict from the
schema compiled once, :mod:`schemas.compiled`; the wording from ``jsonschema``).
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

__all__ = [
    "ACTOR_CONTEXT",
    "AS_CONTEXT_URL",
    "AS_PUBLIC",
    "CONTEXTS",
    "DATA_INTEGRITY_CONTEXT_URL",
    "MULTIKEY_CONTEXT_URL",
    "OBJECT_CONTEXT",
    "POOLNODE_CONTEXT_URL",
    "POOLNODE_NAMESPACE",
    "SCHEMA_NAMES",
    "SECURITY_CONTEXT_URL",
    "load_context",
    "load_json_schema",
    "validation_errors",
]

_HERE = Path(__file__).resolve().parent
_CONTEXT_DIR = _HERE / "contexts"
_SCHEMA_DIR = _HERE / "json"

AS_CONTEXT_URL = "https://www.w3.org/ns/activitystreams"
AS_PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
SECURITY_CONTEXT_URL = "https://w3id.org/security/v1"
DATA_INTEGRITY_CONTEXT_URL = "https://w3id.org/security/data-integrity/v2"
MULTIKEY_CONTEXT_URL = "https://w3id.org/security/multikey/v1"
POOLNODE_CONTEXT_URL = "https://poolnode.org/ns/v1"
POOLNODE_NAMESPACE = "https://poolnode.org/ns#"

#: Canonical context URL -> bundled file. Spelling variants are handled by the loader.
CONTEXTS: dict[str, Path] = {
    AS_CONTEXT_URL: _CONTEXT_DIR / "activitystreams.jsonld",
    SECURITY_CONTEXT_URL: _CONTEXT_DIR / "security-v1.jsonld",
    DATA_INTEGRITY_CONTEXT_URL: _CONTEXT_DIR / "data-integrity-v2.jsonld",
    MULTIKEY_CONTEXT_URL: _CONTEXT_DIR / "multikey-v1.jsonld",
    POOLNODE_CONTEXT_URL: _CONTEXT_DIR / "poolnode-v1.jsonld",
}

#: ``@context`` of the actor documents (Person, Group) the node serves.
ACTOR_CONTEXT: list[Any] = [
    AS_CONTEXT_URL,
    SECURITY_CONTEXT_URL,
    MULTIKEY_CONTEXT_URL,
    POOLNODE_CONTEXT_URL,
    {
        "assertionMethod": {
            "@id": "https://w3id.org/security#assertionMethod",
            "@type": "@id",
            "@container": "@set",
        },
        "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
        "toot": "http://joinmastodon.org/ns#",
        "discoverable": "toot:discoverable",
    },
]

#: ``@context`` of governance documents (proposals, ballots, tallies, ledger entries).
OBJECT_CONTEXT: list[Any] = [AS_CONTEXT_URL, DATA_INTEGRITY_CONTEXT_URL, POOLNODE_CONTEXT_URL]

SCHEMA_NAMES = (
    "actor", "person", "group", "webfinger", "nodeinfo",
    "bylaws", "proposal", "electorate", "ballot", "tally", "ledger-entry",
    "flood", "attestation", "bucket", "allocation", "budget-result", "verify-report",
    "head-attestation", "ledger-conflict", "recount", "asset", "event", "patronage",
)


@cache
def _read_context(url: str) -> dict[str, Any]:
    path = CONTEXTS.get(url)
    if path is None:
        raise KeyError(f"no bundled JSON-LD context for {url}")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def load_context(url: str) -> dict[str, Any]:
    """The bundled context document for a canonical URL (parsed once; callers get a copy)."""
    return copy.deepcopy(_read_context(url))


@cache
def _read_schema(name: str) -> dict[str, Any]:
    if name not in SCHEMA_NAMES:
        raise KeyError(f"no JSON Schema named {name!r}")
    data: dict[str, Any] = json.loads((_SCHEMA_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return data


def load_json_schema(name: str) -> dict[str, Any]:
    """The JSON Schema ``json/<name>.json`` (Draft 2020-12), as a fresh dict."""
    return copy.deepcopy(_read_schema(name))


@cache
def _registry() -> Any:
    from referencing import Registry, Resource

    resources = [
        (schema["$id"], Resource.from_contents(schema))
        for schema in (_read_schema(n) for n in SCHEMA_NAMES)
    ]
    registry: Registry[Any] = Registry().with_resources(resources)
    return registry


@cache
def _validator(name: str) -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(
        _read_schema(name),
        registry=_registry(),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


@cache
def _compiled(name: str) -> Any:
    """The schema's compiled check (schemas.compiled), or None to keep jsonschema for it."""
    from jsonschema import Draft202012Validator
    from referencing.jsonschema import DRAFT202012

    from schemas.compiled import NotCompilable, compile_schema

    schema = _read_schema(name)
    resolver = _registry().resolver_with_root(DRAFT202012.create_resource(schema))
    try:
        return compile_schema(schema, resolver, Draft202012Validator.FORMAT_CHECKER)
    except NotCompilable:
        return None


def _json_path(parts: Any) -> str:
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.isidentifier():
            out += f".{part}"
        else:
            out += f"[{json.dumps(part)}]"
    return out


def validation_errors(name: str, document: Any) -> list[str]:
    """Check ``document`` against schema ``name``; one "<$.json.path>: <message>" per failure.

    Uses JSON Schema Draft 2020-12 with format checking; ``uri`` is checked only if the
    optional ``rfc3987`` package is installed, so the schemas also pin ``^https?://``.
    An empty list means the document is valid. The verdict comes from the schema compiled
    once (:mod:`schemas.compiled`); only a failing document is checked again by
    ``jsonschema``, which words the errors.
    """
    check = _compiled(name)
    if check is not None and check(document):
        return []
    found = [
        (_json_path(e.absolute_path), e.message) for e in _validator(name).iter_errors(document)
    ]
    return [f"{path}: {message}" for path, message in sorted(found)]
