"""The refusals of the node, its federation layer and its core, in the reader's language.

Below ``node/web`` everything speaks English: it is what the JSON errors, the log and other
servers read. Some of those sentences reach a page: a handle nobody answers for, a comment the
pool refuses, why a flood's result still waits for a pool. Each is listed here as a template of
its English with its values as placeholders ("there is nobody called @%(user)s on this
server"); a reason that reads as one of them is shown from the catalog with the same values.
A value that is itself a listed sentence (the cause inside "its record could not be read:
...") is translated too. A reason not listed is shown as it is. tests/web/test_reasons.py checks
that every template is still the words of the code that says it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from node.web.i18n import N_
from node.web.i18n import gettext as _

__all__ = ["NODE_REASONS", "said", "translated"]

# A reason is matched only up to this length (it may carry a stranger's words); longer ones,
# and values nested deeper than this, are shown as they are.
MAX_REASON_CHARS = 1000
MAX_NESTING = 2

NODE_REASONS = (
    # node/handles.py: a handle typed into a form or mentioned in a comment
    N_("%(text)s is not an address"),
    N_("%(text)s is not a handle: write @name or @name@server"),
    N_("there is nobody called @%(user)s on this server"),
    N_("%(host)s did not tell us who @%(user)s@%(host)s is (%(reason)s)"),
    # federation/: why another server could not be read (inside the reasons above and below)
    N_("timed out fetching remote document"),
    N_("timed out asking for the handle"),
    N_("timed out resolving host"),
    N_("could not resolve host"),
    N_("could not connect to remote server"),
    N_("remote answered HTTP %(status)d"),
    N_("%(host)s answered HTTP %(status)d"),
    N_("the WebFinger answer is not JSON"),
    N_("the WebFinger answer names no ActivityPub actor"),
    N_("response is not an ActivityStreams document"),
    N_("response is not JSON"),
    N_("response is not a JSON object"),
    N_("response too large"),
    N_("too many redirects"),
    N_("redirect without Location"),
    # node/floods/reconcile.py: why a flood's result waits for a pool
    N_("not reconciled yet"),
    N_("its record could not be read: %(reason)s"),
    N_("its electorate was refused: %(reason)s"),
    N_("its electorate was not kept"),
    N_("its ballot list names another proposal or pool"),
    N_("its ballot list was not complete"),
    N_("%(count)d listed ballot(s) could not be fetched, e.g. %(example)s"),
    N_("the fetched ballot has another id"),
    # node/discussion/: comments and discussions
    N_("a comment needs some text in 'content'"),
    N_("a comment is at most %(most)d characters of HTML"),
    N_("a comment is at most %(most)d characters"),
    N_("the content is at most %(most)d characters of HTML"),
    N_("a comment mentions at most %(most)d people"),
    N_("at most %(most)d comments and discussions an hour: try again later"),
    N_("the author of the comment you reply to does not take replies from you"),
    N_("'outcomeOf' names no proposal of this node"),
    N_("this comment was deleted"),
    N_("there is no such comment in this pool"),
    N_("only a steward of the pool may hide or show a comment"),
    N_("a discussion needs a title ('name')"),
    N_("a discussion's title is at most %(most)d characters"),
    N_("only a member of the pool may start a discussion"),
    N_("only the member who started a discussion may edit it"),
    N_("only the member who started a discussion may delete it"),
    N_("this discussion was deleted"),
    # node/changes.py: an edit or deletion of someone else's object
    N_("only the object's owner may update it"),
    N_("only the object's owner may delete it"),
    # governance/discussion.py
    N_("only members of the pool may take part in its discussions (bylaws: replies from "
       "outside the pool are refused)"),
    N_("only the author of a comment may edit it"),
    N_("only the author of a comment may delete it"),
    N_("say why the comment is hidden: the reason is shown in its place"),
    N_("the reason is at most %(most)d characters"),
    N_("only the proposal's author or a steward may publish its outcome"),
    N_("the outcome is published once voting has closed"),
    N_("this proposal's outcome is already published: edit that statement instead"),
    # node/budget/: a bucket or an allocation sent to a round that has just closed
    N_("the budget round is closed"),
    # node/witness/: a steward's choice of a pool to witness, and why a check could not be made
    N_("a pool does not witness its own ledger"),
    N_("%(target)s could not be read: %(reason)s"),
    N_("%(target)s is not a pool with a ledger"),
    N_("a pool witnesses at most %(most)d ledgers by its stewards' choice; stop witnessing one "
       "first"),
    N_("%(pool)s/ledger has no totalItems (a whole number of entries)"),
    N_("%(pool)s/ledger has no headHash (64 hex digits)"),
    N_("a page of %(pool)s/ledger has no orderedItems"),
    N_("proof rejected: entry %(sequence)d is not attributed to %(pool)s"),
    N_("entry %(sequence)d was not served"),
    N_("entry %(sequence)d's hash is not the hash of its contents"),
    N_("the ledger's head hash is not the hash of its entry %(sequence)d"),
)

_FIELD = re.compile(r"%\((\w+)\)([sd])")


@dataclass(frozen=True, slots=True)
class _Template:
    text: str
    pattern: re.Pattern[str]
    numbers: frozenset[str]


def _compile(template: str) -> _Template:
    """The template as a pattern: a ``%(name)d`` is digits, a ``%(name)s`` any text, and a name
    used twice must read the same both times."""
    parts, seen, numbers, last = [], set(), set(), 0
    for field in _FIELD.finditer(template):
        parts.append(re.escape(template[last:field.start()]))
        name, kind = field[1], field[2]
        if name in seen:
            parts.append(f"(?P={name})")
        else:
            parts.append(f"(?P<{name}>[0-9]{{1,18}})" if kind == "d" else f"(?P<{name}>.+?)")
            seen.add(name)
            if kind == "d":
                numbers.add(name)
        last = field.end()
    parts.append(re.escape(template[last:]))
    return _Template(template, re.compile("".join(parts), re.DOTALL), frozenset(numbers))


_TEMPLATES = tuple(_compile(t) for t in NODE_REASONS)


def translated(reason: str, depth: int = 0) -> str | None:
    """``reason`` in the reader's language when it reads as one of :data:`NODE_REASONS`,
    else None."""
    if len(reason) > MAX_REASON_CHARS:
        return None
    for template in _TEMPLATES:
        found = template.pattern.fullmatch(reason)
        if found is None:
            continue
        values: dict[str, object] = {}
        for name, value in found.groupdict().items():
            if name in template.numbers:
                values[name] = int(value)
            elif depth < MAX_NESTING:
                values[name] = translated(value, depth + 1) or value
            else:
                values[name] = value
        return _(template.text, **values)
    return None


def said(reason: str) -> str:
    """``reason`` in the reader's language if it is listed, else as it is."""
    return translated(reason) or reason
