"""RFC 8941 structured fields: the dictionaries, inner lists, items and parameters RFC 9421 uses.

A small parser and serialiser, only as much of RFC 8941 as HTTP message signatures need.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "BareItem",
    "InnerList",
    "Item",
    "Params",
    "StructuredFieldError",
    "Token",
    "parse_dictionary",
    "serialize_bare",
    "serialize_inner_list",
    "serialize_item",
]


class Token(str):
    """An RFC 8941 token (§3.3.4): serialised bare, unlike a string."""

    __slots__ = ()


BareItem = int | str | bytes | bool
Params = dict[str, BareItem]


@dataclass(frozen=True, slots=True)
class Item:
    """An RFC 8941 item with its parameters (§3.3)."""

    value: BareItem
    params: Params


@dataclass(frozen=True, slots=True)
class InnerList:
    """An RFC 8941 inner list with its parameters (§3.1.1)."""

    items: tuple[Item, ...]
    params: Params


class StructuredFieldError(ValueError):
    """A header is not a valid RFC 8941 structured field of the expected kind."""


_LCALPHA = "abcdefghijklmnopqrstuvwxyz"
_DIGITS = "0123456789"
_KEY_RE = re.compile(r"[a-z*][a-z0-9_\-.*]*")
# printable ASCII except '"' and '\\' (RFC 8941 §3.3.3)
_STRING_RUN_RE = re.compile(r"[ !#-\[\]-~]*")
_TCHAR = frozenset("!#$%&'*+-.^_`|~" + _DIGITS + _LCALPHA + _LCALPHA.upper() + ":/")
_B64_CHARS = frozenset(_LCALPHA + _LCALPHA.upper() + _DIGITS + "+/=")


class _Parser:
    __slots__ = ("i", "s")

    def __init__(self, s: str) -> None:
        self.s = s
        self.i = 0

    def peek(self) -> str:
        return self.s[self.i] if self.i < len(self.s) else ""

    def fail(self, what: str) -> StructuredFieldError:
        return StructuredFieldError(f"{what} at offset {self.i}")

    def skip(self, chars: str) -> None:
        while self.i < len(self.s) and self.s[self.i] in chars:
            self.i += 1

    def key(self) -> str:
        m = _KEY_RE.match(self.s, self.i)
        if m is None:
            raise self.fail("expected a key")
        self.i = m.end()
        return m.group()

    def params(self) -> Params:
        out: Params = {}
        while self.peek() == ";":
            self.i += 1
            self.skip(" ")
            name = self.key()
            value: BareItem = True
            if self.peek() == "=":
                self.i += 1
                value = self.bare_item()
            out[name] = value
        return out

    def bare_item(self) -> BareItem:
        c = self.peek()
        if c == "-" or (c and c in _DIGITS):
            return self.integer()
        if c == '"':
            return self.string()
        if c == ":":
            return self.byte_sequence()
        if c == "?":
            self.i += 1
            flag = self.peek()
            if flag not in ("0", "1") or not flag:
                raise self.fail("expected a boolean")
            self.i += 1
            return flag == "1"
        if c and ((c.isascii() and c.isalpha()) or c == "*"):
            start = self.i
            while self.i < len(self.s) and self.s[self.i] in _TCHAR:
                self.i += 1
            return Token(self.s[start : self.i])
        raise self.fail("expected an item")

    def integer(self) -> int:
        start = self.i
        if self.peek() == "-":
            self.i += 1
        digits_start = self.i
        while self.i < len(self.s) and self.s[self.i] in _DIGITS:
            self.i += 1
        digits = self.i - digits_start
        if digits == 0 or digits > 15:
            raise self.fail("expected an integer")
        if self.peek() == ".":
            raise self.fail("decimals are not supported")
        return int(self.s[start : self.i])

    def string(self) -> str:
        self.i += 1
        out = []
        while True:
            m = _STRING_RUN_RE.match(self.s, self.i)
            if m is None:  # pragma: no cover - the pattern matches the empty string
                raise self.fail("bad string")
            out.append(m.group())
            self.i = m.end()
            c = self.peek()
            if c == '"':
                self.i += 1
                return "".join(out)
            if c == "\\":
                nxt = self.s[self.i + 1 : self.i + 2]
                if nxt not in ('"', "\\") or not nxt:
                    raise self.fail("bad escape in string")
                out.append(nxt)
                self.i += 2
            elif not c:
                raise self.fail("unterminated string")
            else:
                raise self.fail("bad character in string")

    def byte_sequence(self) -> bytes:
        end = self.s.find(":", self.i + 1)
        if end < 0:
            raise self.fail("unterminated byte sequence")
        encoded = self.s[self.i + 1 : end]
        if not set(encoded) <= _B64_CHARS:
            raise self.fail("bad character in byte sequence")
        try:
            value = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise self.fail("bad base64 in byte sequence") from None
        self.i = end + 1
        return value

    def item(self) -> Item:
        value = self.bare_item()
        return Item(value, self.params())

    def item_or_inner_list(self) -> Item | InnerList:
        if self.peek() != "(":
            return self.item()
        self.i += 1
        items: list[Item] = []
        while True:
            self.skip(" ")
            if self.peek() == ")":
                self.i += 1
                return InnerList(tuple(items), self.params())
            items.append(self.item())
            if self.peek() not in (" ", ")"):
                raise self.fail("expected space or ')' in inner list")


def parse_dictionary(text: str) -> dict[str, Item | InnerList]:
    """Parse an RFC 8941 dictionary (§4.2.2); raises :class:`StructuredFieldError`."""
    p = _Parser(text.strip(" "))
    out: dict[str, Item | InnerList] = {}
    if not p.s:
        return out
    while True:
        name = p.key()
        if p.peek() == "=":
            p.i += 1
            out[name] = p.item_or_inner_list()
        else:
            out[name] = Item(True, p.params())
        p.skip(" \t")
        if p.i >= len(p.s):
            return out
        if p.peek() != ",":
            raise p.fail("expected ','")
        p.i += 1
        p.skip(" \t")
        if p.i >= len(p.s):
            raise p.fail("trailing comma")


def serialize_bare(value: BareItem) -> str:
    if isinstance(value, bool):
        return "?1" if value else "?0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, bytes):
        return ":" + base64.b64encode(value).decode("ascii") + ":"
    if isinstance(value, Token):
        return str(value)
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _serialize_params(params: Mapping[str, BareItem]) -> str:
    return "".join(
        f";{k}" if v is True else f";{k}={serialize_bare(v)}" for k, v in params.items()
    )


def serialize_item(item: Item) -> str:
    """Serialise an RFC 8941 item with parameters (§4.1.3)."""
    return serialize_bare(item.value) + _serialize_params(item.params)


def serialize_inner_list(inner: InnerList) -> str:
    """Serialise an RFC 8941 inner list with parameters (§4.1.1.1)."""
    return (
        "("
        + " ".join(serialize_item(i) for i in inner.items)
        + ")"
        + _serialize_params(inner.params)
    )
