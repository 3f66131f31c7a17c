"""A tiny, safe Markdown renderer for the subset the bylaws use.

Headings (``#``..``######``), paragraphs, ``-`` bullet lists, ``>`` quoted blocks and
``**bold**``/``*emphasis*``.
Every character of the input is HTML-escaped first, so no markup can be smuggled in: the
output only ever contains the tags this module writes.
"""

from __future__ import annotations

import re
from html import escape

from markupsafe import Markup

__all__ = ["render_markdown", "slug"]

_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_EMPHASIS = re.compile(r"\*(?=\S)(.+?)(?<=\S)\*")


def slug(text: str) -> str:
    """An id for a heading: lowercase words joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def _inline(text: str) -> str:
    html = escape(text, quote=True)
    html = _BOLD.sub(r"<strong>\1</strong>", html)
    return _EMPHASIS.sub(r"<em>\1</em>", html)


def render_markdown(source: str, *, heading_offset: int = 0) -> Markup:
    """HTML for the Markdown subset above; ``heading_offset`` demotes headings (# -> h2 ...)."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n", source.strip()):
        lines = [line.rstrip() for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        heading = _HEADING.match(lines[0])
        if heading and len(lines) == 1:
            level = min(6, len(heading[1]) + heading_offset)
            text = heading[2].strip()
            out.append(f'<h{level} id="{slug(text)}">{_inline(text)}</h{level}>')
        elif all(line.startswith(">") for line in lines):
            quoted = " ".join(part for line in lines if (part := line[1:].strip()))
            if quoted:  # a quote of nothing is no block
                out.append(f"<blockquote><p>{_inline(quoted)}</p></blockquote>")
        elif all(line.lstrip().startswith(("- ", "* ")) for line in lines):
            items = "".join(f"<li>{_inline(line.lstrip()[2:].strip())}</li>" for line in lines)
            out.append(f"<ul>{items}</ul>")
        else:
            out.append(f"<p>{_inline(' '.join(line.strip() for line in lines))}</p>")
    return Markup("\n".join(out))  # every piece above was escaped
