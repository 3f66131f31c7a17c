"""What a comment may contain: sanitised HTML, text typed in the web app, handles and sizes.

Every comment's HTML goes through one allowlist (Ammonia, through nh3): paragraphs, line
breaks, emphasis, code, quotes, lists, and links to http(s) URLs with ``rel="nofollow ..."``;
scripts, styles, event handlers, images and relative or ``javascript:`` URLs are dropped, so
remote content can never run in a reader's browser. Text typed in the web app is escaped first
and becomes paragraphs, with web addresses and resolved mentions as links.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import escape

import nh3

__all__ = [
    "MAX_COMMENT_CHARS",
    "MAX_HTML_CHARS",
    "MAX_MENTIONS",
    "MAX_TITLE_CHARS",
    "find_handles",
    "mention_link",
    "sanitize",
    "text_to_html",
    "visible_length",
]

MAX_COMMENT_CHARS = 5000
"""The longest comment or opening post, in characters of visible text."""
MAX_HTML_CHARS = 50_000
"""The longest HTML accepted for one comment, before it is sanitised."""
MAX_TITLE_CHARS = 200
"""The longest discussion title."""
MAX_MENTIONS = 10
"""At most this many people are mentioned (and looked up) per comment; more are refused."""

_CLEANER = nh3.Cleaner(
    tags={"p", "br", "a", "span", "strong", "em", "b", "i", "u", "s", "del", "code", "pre",
          "blockquote", "ul", "ol", "li"},
    clean_content_tags={"script", "style"},
    attributes={"a": {"href"}},
    allowed_classes={"a": {"mention", "u-url", "hashtag"}, "span": {"h-card", "invisible", "ellipsis"}},
    url_schemes={"http", "https"},
    url_relative="deny",
    link_rel="nofollow noopener noreferrer ugc",
)
_TAGS = re.compile(r"<[^>]*>")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|\w+);")
_HANDLE = r"@[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?::[0-9]{1,5})?)?"
_TOKEN = re.compile(rf"(?P<url>https?://[^\s<>\"']+)|(?<![\w@/.])(?P<handle>{_HANDLE})")
_TRAILING = ".,;:!?)"


def sanitize(html: str) -> str:
    """HTML reduced to the allowlist above (safe to put in a page as it is)."""
    return _CLEANER.clean(html).strip()


def visible_length(html: str) -> int:
    """Roughly how many characters a reader sees: tags dropped, entities one each."""
    return len(_ENTITY.sub("x", _TAGS.sub("", html)).strip())


def find_handles(text: str) -> list[str]:
    """The ``@name`` and ``@name@host`` handles in typed text, first mention first, once each."""
    found = [m["handle"] for m in _TOKEN.finditer(text) if m["handle"]]
    return list(dict.fromkeys(found))


def mention_link(handle: str, uri: str) -> str:
    """A mention as Mastodon writes it (an h-card around a ``u-url mention`` link)."""
    name = handle.lstrip("@").split("@", 1)[0]
    return (f'<span class="h-card"><a href="{escape(uri)}" class="u-url mention">@<span>'
            f"{escape(name)}</span></a></span>")


def _linked(text: str, mentions: Mapping[str, str]) -> str:
    out: list[str] = []
    position = 0
    for match in _TOKEN.finditer(text):
        out.append(escape(text[position:match.start()]))
        position = match.end()
        url, handle = match["url"], match["handle"]
        if url:
            kept = url.rstrip(_TRAILING)
            position -= len(url) - len(kept)
            out.append(f'<a href="{escape(kept)}">{escape(kept)}</a>')
        elif handle in mentions:
            out.append(mention_link(handle, mentions[handle]))
        else:
            out.append(escape(handle))
    out.append(escape(text[position:]))
    return "".join(out)


def text_to_html(text: str, mentions: Mapping[str, str] | None = None) -> str:
    """Typed text as HTML: paragraphs at blank lines, line breaks kept, links and ``mentions``
    (handle -> actor id) linked; everything else escaped. Sanitised as any other comment."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if p.strip()]
    html = "".join(
        "<p>" + "<br>".join(_linked(line, mentions or {}) for line in p.split("\n")) + "</p>"
        for p in paragraphs)
    return sanitize(html)
