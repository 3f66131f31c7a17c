"""Languages: which one a request is served in, and its translations (gettext catalogs, Babel).

English is the source language: every string in the templates and in ``node/web`` is written
in English and marked (``_()``, ``{% trans %}``); ``node/locale/<code>/LC_MESSAGES/messages.mo``
translates it. The catalogs are loaded once, when the app is made. A request's language is,
first to last: ``?lang=`` on the URL (that page only), the signed-in member's setting, the
``pn_lang`` cookie the language links set, the browser's ``Accept-Language`` (q-values
honoured), English. The language lives in a context variable for the request's task, so the
templates' ``_()`` and the Python code's ``gettext`` both answer in it; code that runs outside
a request (a job, a mail) picks one with ``speaking(language)``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from gettext import NullTranslations
from importlib import resources
from pathlib import Path
from typing import Any

from babel import Locale
from babel.support import Translations

__all__ = [
    "DOMAIN",
    "ENGLISH",
    "LANG_COOKIE",
    "LANG_QUERY",
    "N_",
    "Language",
    "Languages",
    "current",
    "gettext",
    "locale_dir",
    "ngettext",
    "pgettext",
    "preferred",
    "speaking",
]

DOMAIN = "messages"
LANG_COOKIE = "pn_lang"
LANG_QUERY = "lang"
# An Accept-Language header is a stranger's input: only its start is read, and only so many tags.
MAX_ACCEPT_LANGUAGE = 512
MAX_LANGUAGE_TAGS = 16
_TAG = re.compile(r"[A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8}){0,3}|\*")
_Q = re.compile(r"q=([01](?:\.[0-9]{0,3})?)")


@dataclass(frozen=True, slots=True)
class Language:
    """A language the node speaks: its code (URLs, cookies, settings, ``<html lang>``), its own
    name, its translations, and the Babel locale whose conventions format its numbers and dates."""

    code: str
    name: str
    translations: NullTranslations
    formats: Locale

    @property
    def is_source(self) -> bool:
        """Whether this is the language the texts are written in (nothing to translate)."""
        return self.code == ENGLISH.code


ENGLISH = Language("en", "English", NullTranslations(), Locale("en"))


def locale_dir() -> Path:
    """Where the catalogs live: ``node/locale`` (``messages.pot``, ``<code>/LC_MESSAGES``)."""
    return Path(str(resources.files("node") / "locale"))


class Languages:
    """The languages of this node: English and one per compiled catalog."""

    def __init__(self, languages: list[Language]) -> None:
        self._by_code = {ENGLISH.code: ENGLISH}
        for language in languages:
            self.add(language)

    @classmethod
    def load(cls, directory: Path | None = None) -> Languages:
        """English plus every ``<code>/LC_MESSAGES/messages.mo`` under ``directory``."""
        root = directory or locale_dir()
        found = []
        for mo in sorted(root.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")):
            code = mo.parent.parent.name
            formats = Locale.parse(code)
            translations = Translations.load(str(root), [code], DOMAIN)
            name = formats.get_display_name(formats) or code  # its own name: "español"
            found.append(Language(code, name[:1].upper() + name[1:], translations, formats))
        return cls(found)

    def add(self, language: Language) -> None:
        """Speak one more language (a test adds its pseudo-locale this way)."""
        self._by_code[language.code.lower()] = language

    def listed(self) -> list[Language]:
        """Every language, English first (the order of the language links)."""
        return sorted(self._by_code.values(), key=lambda lang: (not lang.is_source, lang.code))

    def get(self, code: str | None) -> Language | None:
        """The language with this code (``es``, ``es-ES`` and ``es_ES`` all find Spanish)."""
        if not code or len(code) > 35:
            return None
        wanted = code.strip().lower().replace("_", "-")
        if wanted in self._by_code:
            return self._by_code[wanted]
        return self._by_code.get(wanted.split("-", 1)[0]) if not wanted.startswith("x-") else None

    def negotiate(self, accept_language: str | None) -> Language:
        """The language the browser prefers most among ours (RFC 9110 §12.5.4), else English."""
        for tag in preferred(accept_language or ""):
            if tag == "*":
                return ENGLISH
            found = self.get(tag)
            if found is not None:
                return found
        return ENGLISH


def preferred(header: str) -> list[str]:
    """The tags of an ``Accept-Language`` header, most wanted first (ties keep their order);
    tags with ``q=0`` are left out, and so is anything malformed."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header[:MAX_ACCEPT_LANGUAGE].split(",")[:MAX_LANGUAGE_TAGS]):
        tag, _sep, params = part.strip().partition(";")
        tag = tag.strip()
        if not _TAG.fullmatch(tag):
            continue
        quality = 1.0
        match = _Q.search(params.replace(" ", ""))
        if params.strip():
            if match is None:
                continue
            quality = float(match[1])
        if quality > 0:
            weighted.append((-quality, position, tag))
    return [tag for _q, _p, tag in sorted(weighted)]


_CURRENT: ContextVar[Language] = ContextVar("poolnode_language", default=ENGLISH)


def current() -> Language:
    """The language of the request (or job) being served."""
    return _CURRENT.get()


@contextmanager
def speaking(language: Language) -> Iterator[Language]:
    """Run a block in ``language`` (the middleware does this for each request)."""
    token = _CURRENT.set(language)
    try:
        yield language
    finally:
        _CURRENT.reset(token)


def switch(language: Language) -> None:
    """Speak ``language`` for the rest of this request (once the signed-in member is known)."""
    _CURRENT.set(language)


def _format(text: str, variables: dict[str, Any]) -> str:
    return text % variables if variables else text


def gettext(message: str, **variables: Any) -> str:
    """``message`` in the current language; ``%(name)s`` placeholders filled from ``variables``."""
    return _format(_CURRENT.get().translations.gettext(message), variables)


def ngettext(singular: str, plural: str, n: int, **variables: Any) -> str:
    """The form for ``n`` in the current language; ``%(num)d`` is ``n``."""
    text = _CURRENT.get().translations.ngettext(singular, plural, n)
    return text % {"num": n, **variables}


def pgettext(context: str, message: str, **variables: Any) -> str:
    """``message`` as meant in ``context`` (the same English word may translate differently)."""
    return _format(_CURRENT.get().translations.pgettext(context, message), variables)


def N_(message: str) -> str:
    """Mark a string for the catalog without translating it yet (it is translated where shown)."""
    return message
