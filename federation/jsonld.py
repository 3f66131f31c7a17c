"""Offline JSON-LD: a document loader over the bundled contexts, and :func:`normalise`.

The loader never touches the network: it serves the documents in :mod:`schemas` for
their canonical URLs and the spellings seen in the wild (``http://`` for AS2 and w3id,
a trailing ``#``, AS2's ``.jsonld`` suffix); any other URL raises pyld's ``JsonLdError``,
which :func:`normalise` reports as ``BadActivity("unknown JSON-LD context <url>")``.
Loaded contexts are tagged ``static`` so pyld caches them, and their processed active
contexts, across calls.

What callers can rely on after :func:`normalise` (JSON-LD 1.1 Compaction, §6):

* the result uses the target context's terms (``id``, ``type``, ``actor``, ``object``,
  ``to``, ``cc``, ``inbox``, ``endpoints.sharedInbox``, ``publicKey.publicKeyPem`` ...);
* a property may be a scalar or an array (compaction turns one-element arrays into
  scalars; the fast path keeps whatever the sender wrote): read it with :func:`as_list`;
* an embedded object may be an IRI string instead: check the type before indexing;
* terms the target context does not define appear as absolute IRIs or ``prefix:suffix``
  compact IRIs (e.g. ``toot:indexable``), never under a bare name; terms the sender left
  undefined (AS2's ``@vocab`` is ``_:``) appear as ``_:name``;
* the public collection is always the full IRI :data:`schemas.AS_PUBLIC` in addressing
  properties (compaction would otherwise write ``as:Public``).

Fast path (no pyld call, no copy): a document whose ``@context`` is exactly
``ACTOR_CONTEXT`` or ``OBJECT_CONTEXT``, the AS2 URL string, or a list of bundled context
URLs in their canonical spelling beginning with AS2. Those contexts never define a term
differently from each other, so the document already reads as it would compacted;
unlike the slow path, a name such a document uses without defining is read as written.
Verify FEP-8b32 proofs on the document as received, before normalising.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from pyld import jsonld

import schemas
from federation.errors import BadActivity

__all__ = [
    "as_list",
    "canonical_context_url",
    "document_loader",
    "is_our_context",
    "normalise",
]

_OUR_URLS = frozenset(schemas.CONTEXTS)
_ADDRESSING = frozenset({"to", "cc", "bto", "bcc", "audience"})
_PUBLIC_ALIASES = frozenset({"as:Public", "Public"})
_WILD_SPELLINGS = {
    "https://www.w3.org/ns/activitystreams.jsonld": schemas.AS_CONTEXT_URL,
    "http://www.w3.org/ns/activitystreams.jsonld": schemas.AS_CONTEXT_URL,
}


def canonical_context_url(url: str) -> str | None:
    """The canonical URL of a bundled context for ``url`` or a known variant, else None."""
    candidate = url.strip().rstrip("#")
    candidate = _WILD_SPELLINGS.get(candidate, candidate)
    if candidate.startswith("http://"):
        candidate = "https://" + candidate[len("http://") :]
    return candidate if candidate in _OUR_URLS else None


def document_loader(url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """pyld document loader over the bundled contexts; never fetches (JSON-LD 1.1 API §9.4)."""
    canonical = canonical_context_url(url)
    if canonical is None:
        raise jsonld.JsonLdError(
            f"unknown JSON-LD context {url}",
            "jsonld.LoadDocumentError",
            {"url": url},
            code="loading document failed",
        )
    return {
        "contextUrl": None,
        "documentUrl": canonical,
        "document": schemas.load_context(canonical),
        "tag": "static",
    }


def is_our_context(context: Any) -> bool:
    """Whether an ``@context`` value takes the fast path (see the module docstring)."""
    if isinstance(context, str):
        return context == schemas.AS_CONTEXT_URL
    if not isinstance(context, list) or not context:
        return False
    if context == schemas.ACTOR_CONTEXT or context == schemas.OBJECT_CONTEXT:
        return True
    return context[0] == schemas.AS_CONTEXT_URL and all(
        isinstance(item, str) and item in _OUR_URLS for item in context
    )


def as_list(value: Any) -> list[Any]:
    """A property value as a list: [] for None/absent, [x] for a scalar, the list itself."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def normalise(
    document: dict[str, Any], *, target: list[Any] | None = None
) -> dict[str, Any]:
    """Read a received document in our terms, compacting it into ``target`` if needed.

    ``target`` defaults to ``schemas.ACTOR_CONTEXT`` (actors and activities); pass
    ``schemas.OBJECT_CONTEXT`` for governance documents. Raises ``BadActivity`` for a
    missing ``@context``, an unknown context URL, or JSON-LD that does not process.
    Fast-path documents are returned as they are (not copied): do not mutate them.
    """
    if "@context" not in document:
        raise BadActivity("document has no @context")
    if is_our_context(document["@context"]):
        return document
    context = schemas.ACTOR_CONTEXT if target is None else target
    try:
        compacted: dict[str, Any] = jsonld.compact(
            document, {"@context": copy.deepcopy(context)}, {"documentLoader": document_loader, "base": None}
        )
    except jsonld.JsonLdError as exc:
        raise _bad_jsonld(exc) from exc
    compacted["@context"] = context
    _restore_public(compacted)
    return compacted


def _bad_jsonld(exc: BaseException) -> BadActivity:
    cause: BaseException | None = exc
    while cause is not None:
        message = cause.args[0] if cause.args else ""
        if isinstance(message, str) and message.startswith("unknown JSON-LD context "):
            return BadActivity(message)
        cause = cause.__cause__
    return BadActivity("invalid JSON-LD", detail=str(exc))


def _restore_public(node: Any) -> None:
    if isinstance(node, list):
        for item in node:
            _restore_public(item)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key in _ADDRESSING:
            if isinstance(value, str) and value in _PUBLIC_ALIASES:
                node[key] = schemas.AS_PUBLIC
            elif isinstance(value, list):
                node[key] = [
                    schemas.AS_PUBLIC if isinstance(v, str) and v in _PUBLIC_ALIASES else v
                    for v in value
                ]
        else:
            _restore_public(value)
