"""A pseudo-locale made from the catalog at test time, and a check that a page is all translated.

Every message of ``node/locale/messages.pot`` becomes ``⟦Ṁéssàgé⟧``: wrapped in brackets, its
letters accented, its placeholders (``%(name)s``), HTML tags and entities kept. A page rendered
in this language is fully translated when, once every bracketed span and the data the test
itself put there (names, titles, amounts: all marked ``qx``) are taken out, no letter is left.
What the page marks as not for translation (``translate="no"``, another ``lang``, ``<code>``,
``<time>``: a moment Babel wrote) and what is not text (scripts, a textarea's typed value) is
not read.
"""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from node.web.i18n import Language, locale_dir

__all__ = ["PSEUDO", "pseudo_language", "pseudo_text", "untranslated"]

PSEUDO = "x-pseudo"
_ACCENTS = str.maketrans("aeiouAEIOUcnyCNY", "áéíóúÁÉÍÓÚçñýÇÑÝ")
# Placeholders, tags and entities stay as they are: only the words around them change.
_KEEP = re.compile(r"%\([a-z_]+\)[sd]|%%|%[sd]|<[^>]*>|&[a-z#0-9]+;|\{[a-z_]+\}")
_SKIP = {"script", "style", "code", "time", "textarea", "template"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}
_READ = ("title", "placeholder", "aria-label", "alt", "data-label")
_SPAN = re.compile(r"⟦[^⟦⟧]*⟧")
_DATA = re.compile(r"\S*qx\S*", re.IGNORECASE)
_LETTER = re.compile(r"[^\W\d_]")


def pseudo_text(message: str) -> str:
    """``"Sign in"`` -> ``"⟦Sígñ íñ⟧"``, placeholders and markup untouched."""
    out, last = [], 0
    for match in _KEEP.finditer(message):
        out.append(message[last:match.start()].translate(_ACCENTS))
        out.append(match[0])
        last = match.end()
    out.append(message[last:].translate(_ACCENTS))
    return "⟦" + "".join(out) + "⟧"


def pseudo_language() -> Language:
    """The pseudo-locale: every message of the template catalog, pseudo-translated."""
    with (locale_dir() / "messages.pot").open("rb") as file:
        template = read_po(file)
    catalog = Catalog(locale="en")
    for message in template:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            catalog.add(message.id, tuple(pseudo_text(m) for m in message.id), context=message.context)
        else:
            catalog.add(message.id, pseudo_text(message.id), context=message.context)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Language(PSEUDO, "Pseudo", Translations(buffer), Locale("en"))


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # per open element: is its content skipped?
        self.text: list[str] = []
        self.attributes: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        skipped = bool(self.stack and self.stack[-1]) or tag in _SKIP \
            or values.get("translate") == "no" or ("lang" in values and tag != "html")
        if not skipped:
            for name in _READ:
                if values.get(name):
                    self.attributes.append((f"{tag}[{name}]", values[name]))
            if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
                self.attributes.append(("input[value]", values["value"]))
        if tag not in _VOID:
            self.stack.append(skipped)

    def handle_endtag(self, tag: str) -> None:
        if tag not in _VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1]):
            self.text.append(data)


def _leftover(text: str, data: tuple[str, ...]) -> str:
    while True:
        shorter = _SPAN.sub(" ", text)
        if shorter == text:
            break
        text = shorter
    for known in data:
        text = text.replace(known, " ")
    return _DATA.sub(" ", text)


def untranslated(html: str, data: tuple[str, ...] = ()) -> list[str]:
    """Every piece of visible text (or read attribute) of ``html`` that is not pseudo-translated
    and not the test's own data; [] for a fully translated page."""
    reader = _Reader()
    reader.feed(html)
    found: list[str] = []
    rest = _leftover("".join(reader.text), data)
    for match in re.finditer(r"[^\W\d_]+(?:\W+[^\W\d_]+)*", rest):  # a run of words
        phrase = " ".join(match[0].split())
        if phrase not in found:
            found.append(phrase)
    for where, value in reader.attributes:
        if _LETTER.search(_leftover(value, data)):
            found.append(f"{where}={value!r}")
    if "⟧" in rest or "⟦" in rest:
        found.append("unbalanced brackets: " + rest[:200])
    return found
