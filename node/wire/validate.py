"""JSON Schema checks of incoming governance documents (schemas/json/*.json)."""

from __future__ import annotations

from typing import Any

from federation.one_line import not_one_line
from node.wire.errors import InvalidDocument
from schemas import validation_errors

__all__ = ["check_document"]


def check_document(schema: str, document: Any) -> dict[str, Any]:
    """The document if it matches ``schema``; InvalidDocument naming the first failing JSON path.
    Its ``name`` (a proposal's title, a flood's or a bucket's name) is one line of text."""
    errors = validation_errors(schema, document)
    if errors:
        raise InvalidDocument(f"invalid {schema} document: {errors[0]}", detail="; ".join(errors))
    assert isinstance(document, dict)
    name = document.get("name")
    if isinstance(name, str) and (found := not_one_line(name)) is not None:
        raise InvalidDocument(f"invalid {schema} document: 'name' is one line of text: it holds {found}")
    return document
