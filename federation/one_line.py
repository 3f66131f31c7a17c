"""One line of text: what a name, a title or a mail's subject may hold.

A JSON body, a form field or a stranger's document may carry a line break, a tab or another
control character in a string; in multi-line text (a comment, a reason) line breaks belong,
but a title or a name is one line: a line break there splits a mail's header (Python's email
package refuses it) and reads as two lines wherever it is shown. Such a name is refused where
it arrives, naming the character (:func:`not_one_line`); what is shown from older or other
sources is flattened (:func:`as_one_line`).
"""

from __future__ import annotations

import re

from federation.bounded_json import describe_character

__all__ = ["NOT_IN_ONE_LINE", "as_one_line", "not_one_line"]

NOT_IN_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
"""C0 and C1 control characters (tab, line feed and carriage return too), DEL, the Unicode line
and paragraph separators, and lone surrogates."""
_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def not_one_line(text: str) -> str | None:
    """How the first character of ``text`` that does not belong in one line is named (``U+000A
    (a line break)``, ``U+0009 (a tab)``, ``U+001B (a control character)``), or None."""
    found = NOT_IN_ONE_LINE.search(text)
    if found is None:
        return None
    char = found.group()
    if char in _BREAKS:
        return f"U+{ord(char):04X} (a line break)"
    if char == "\t":
        return "U+0009 (a tab)"
    return describe_character(char)


def as_one_line(text: str) -> str:
    """``text`` with each run of such characters (and of spaces) made one space, trimmed."""
    return " ".join(NOT_IN_ONE_LINE.sub(" ", text).split())
