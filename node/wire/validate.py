"""JSON Schema checks of incoming governance documents (schemas/json/*.json)."""

from __future__ import annotations

from typing import Any

from node.wire.errors import InvalidDocument
from schemas import validation_errors

__all__ = ["check_document"]


def check_document(schema: str, document: Any) -> dict[str, Any]:
    """The document if it matches ``schema``; InvalidDocument naming the first failing JSON path."""
    errors = validation_errors(schema, document)
    if errors:
        raise InvalidDocument(f"invalid {schema} document: {errors[0]}", detail="; ".join(errors))
    assert isinstance(document, dict)
    return document
