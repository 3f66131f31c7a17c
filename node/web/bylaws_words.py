"""The bylaws in the reader's language: the core writes them, the request's catalog translates.

``governance.render`` takes the translations as an argument (it stays pure); these helpers
hand it the request's, and Babel's way of writing money. The English text is the one that
governs: the bylaws page says so above any translation.
"""

from __future__ import annotations

from fractions import Fraction

from governance import Bylaws, Threshold
from governance import render as core
from governance.legal import LegalForm
from governance.render_legal import render_legal
from node.web.formats import period_input
from node.web.i18n import Language, current, speaking
from node.web.i18n import gettext as _
from node.web.localise import money
from node.web.wizard import ADMISSIONS

__all__ = ["bylaws_markdown", "bylaws_summary", "fraction_words", "legal_markdown",
           "threshold_words"]


def fraction_words(value: Fraction) -> str:
    """E.g. "two thirds (2/3)" in the reader's language."""
    return core.fraction_words(value, current().translations)


def threshold_words(threshold: Threshold) -> str:
    """E.g. "at least two thirds (2/3)" in the reader's language."""
    return core.threshold_words(threshold, current().translations)


def bylaws_markdown(bylaws: Bylaws) -> str:
    """The whole agreement as Markdown, in the reader's language."""
    return core.render_bylaws(bylaws, current().translations, money)


def legal_markdown(bylaws: Bylaws, form: LegalForm | None = None,
                   language: Language | None = None) -> str:
    """The legal text of ``form`` (the bylaws' own when None) as Markdown, in ``language`` (the
    reader's when None), amounts written that language's way."""
    with speaking(language or current()) as speaking_now:
        return render_legal(bylaws, form, speaking_now.translations, money)


def bylaws_summary(bylaws: Bylaws) -> list[tuple[str, str]]:
    """The bylaws' numbers in plain words, for the pool page."""
    admission = {value: label for value, label, _help in ADMISSIONS}[bylaws.admission.value]
    return [
        (_("A proposal passes with"), _("%(threshold)s of the votes cast",
                                        threshold=threshold_words(bylaws.threshold))),
        (_("Quorum"), _("%(share)s of the members take part", share=fraction_words(bylaws.quorum))),
        (_("Voting lasts"), period_input(bylaws.voting_period)),
        (_("New members"), _(admission)),
        (_("Minimum share"), money(bylaws.min_share, bylaws.currency)),
        (_("Changing the bylaws needs"), threshold_words(bylaws.amendment_threshold)),
        (_("Votes per member"), _("exactly one, always")),
        (_("Who may read the record"), _("anyone") if bylaws.visibility.value == "public"
         else _("members and the pools of its floods")),
        (_("Replies from people who are not members"), {
            "collapsed": _("kept, shown folded away"), "refused": _("refused"),
            "shown": _("shown like members'")}[bylaws.outside_replies.value]),
    ]
