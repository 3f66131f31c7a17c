"""The bylaws as a legal text for the form a group files under (Markdown).

Four forms: the generic co-op agreement (:func:`governance.render.render_bylaws` with the legal
particulars added), a US LLC operating agreement with co-op provisions, the rules of a UK
co-operative society, and the Satzung of a German eG. Each is filled from the pool's settings,
opens with a "not legal advice" notice, and is English unless ``words`` translates it.
"""

from __future__ import annotations

from collections.abc import Callable

from governance import legal_clauses as clause
from governance.bylaws import Bylaws
from governance.legal import Dissolution, LegalForm
from governance.money import format_money
from governance.render import (
    ENGLISH,
    Words,
    amendment_text,
    decision_rules,
    finances_text,
    membership_text,
    one_vote_text,
    record_text,
    render_bylaws,
    withdrawal_text,
)
from governance.render_coop import coop_sections

__all__ = ["render_legal"]

Money = Callable[[int, str], str]
Sections = list[tuple[str, str]]


def _purpose(bylaws: Bylaws, words: Words) -> str:
    return bylaws.purpose.strip() or words.gettext("(No purpose stated.)")


def _voting(bylaws: Bylaws, words: Words) -> str:
    return one_vote_text(words) + "\n\n" + decision_rules(bylaws, words)


def _us_llc(bylaws: Bylaws, words: Words, money: Money) -> tuple[str, Sections]:
    _ = words.gettext
    title = _("Operating Agreement of %(name)s") % {"name": bylaws.name}
    return title, [
        (_("Formation"), _(
            "The members form %(name)s as a limited liability company under the law of the state "
            "where it is organised, and agree that it is owned and run as a cooperative on the "
            "terms of this agreement.") % {"name": bylaws.name} + " " + clause.office(bylaws, words)),
        (_("Purpose"), _purpose(bylaws, words)),
        (_("Members and admission"), membership_text(bylaws, words, money)),
        (_("Capital contributions"), _(
            "Each member's capital contribution is at least the minimum share; it is recorded in "
            "the member's capital account and earns no return beyond what the members decide.")
         + " " + withdrawal_text(words)),
        (_("Voting"), _voting(bylaws, words)),
        (_("Meetings of members"), clause.meetings(bylaws, words)),
        (_("Management"), clause.governing_body(bylaws, words)),
        (_("Allocations and distributions"), _(
            "As a cooperative, the company allocates net income on the basis of members' "
            "patronage and the rules below, never on the basis of capital alone.")
         + " " + finances_text(bylaws, words, 9)),
        (_("Who may read the record"), record_text(bylaws, words)),
        (_("Limited liability"), clause.liability(bylaws, words, money)),
        (_("Books and fiscal year"), clause.accounts(bylaws, words)),
        (_("Amendments"), amendment_text(bylaws, words)),
        (_("Dissolution"), clause.dissolution(bylaws, words)),
    ]


def _uk_coop(bylaws: Bylaws, words: Words, money: Money) -> tuple[str, Sections]:
    _ = words.gettext
    title = _("Rules of %(name)s") % {"name": bylaws.name}
    return title, [
        (_("Name, registered office and status"), _(
            "%(name)s is a co-operative society registered under the Co-operative and Community "
            "Benefit Societies Act 2014. It is run for the mutual benefit of its members, in "
            "keeping with the co-operative principles of the International Co-operative "
            "Alliance.") % {"name": bylaws.name} + " " + clause.office(bylaws, words)),
        (_("Objects"), _purpose(bylaws, words)),
        (_("Membership"), membership_text(bylaws, words, money)),
        (_("Share capital"), _(
            "Shares are withdrawable and not transferable, carry no vote, and earn no more "
            "interest than the members decide.") + " " + withdrawal_text(words)),
        (_("One member, one vote"), _voting(bylaws, words)),
        (_("General meetings"), clause.meetings(bylaws, words)),
        (_("The board"), clause.governing_body(bylaws, words)),
        (_("Liability of members"), clause.liability(bylaws, words, money)),
        (_("Accounts and annual return"), clause.accounts(bylaws, words) + " " + _(
            "The society sends its annual return and accounts to the Financial Conduct "
            "Authority.")),
        (_("The fund"), finances_text(bylaws, words, 11)),
        (_("Who may read the record"), record_text(bylaws, words)),
        (_("Amendment of these rules"), amendment_text(bylaws, words) + " " + _(
            "An amendment takes effect when the Financial Conduct Authority registers it.")),
        (_("Dissolution"), clause.dissolution(bylaws, words)),
    ]


def _de_eg(bylaws: Bylaws, words: Words, money: Money) -> tuple[str, Sections]:
    _ = words.gettext
    title = _("Articles of association (Satzung) of %(name)s eG") % {"name": bylaws.name}
    extra = _("Members have no obligation to make additional contributions (no Nachschusspflicht, "
              "§ 6 No. 3 GenG).") if not bylaws.legal.extra_liability else _(
        "The obligation to make additional contributions (Nachschusspflicht, § 6 No. 3 GenG) is "
        "limited to the amount above.")
    return title, [
        (_("Name and registered office (Firma und Sitz)"), _(
            "The co-operative is called %(name)s eG. It is a registered co-operative under the "
            "German Co-operatives Act (Genossenschaftsgesetz, GenG).") % {"name": bylaws.name}
         + " " + clause.office(bylaws, words)),
        (_("Purpose and object (Zweck und Gegenstand)"), _(
            "The purpose of the co-operative is to promote the economic, social or cultural "
            "interests of its members through joint business operations (§ 1 GenG).")
         + "\n\n" + _purpose(bylaws, words)),
        (_("Membership (Mitgliedschaft)"), membership_text(bylaws, words, money)),
        (_("Business share (Geschäftsanteil)"), _(
            "Every member holds at least one business share (Geschäftsanteil) of the minimum "
            "share; what a member has paid in is their balance (Geschäftsguthaben).")
         + " " + withdrawal_text(words)),
        (_("Liability (Nachschusspflicht)"), clause.liability(bylaws, words, money) + " " + extra),
        (_("Executive board (Vorstand)"), clause.governing_body(bylaws, words) + " " + _(
            "While the co-operative has no more than twenty members, the general assembly may "
            "do without a supervisory board (Aufsichtsrat, § 9 GenG).")),
        (_("General assembly (Generalversammlung)"),
         clause.meetings(bylaws, words) + "\n\n" + _voting(bylaws, words)),
        (_("Financial year and annual accounts (Geschäftsjahr)"), clause.accounts(bylaws, words)),
        (_("The fund"), finances_text(bylaws, words, 10)),
        (_("Who may read the record"), record_text(bylaws, words)),
        (_("Amendments to the Satzung"), amendment_text(bylaws, words)),
        (_("Dissolution (Auflösung)"), clause.dissolution(bylaws, words)),
    ]


def _generic(bylaws: Bylaws, words: Words, money: Money) -> str:
    """Today's agreement, with the legal particulars it did not have after its sections."""
    _ = words.gettext
    text = render_bylaws(bylaws, words, money)
    title, _sep, body = text.partition("\n\n")
    added: Sections = [
        (_("General meeting"), clause.meetings(bylaws, words)),
        (_("Running the pool"), clause.governing_body(bylaws, words)),
        (_("Liability"), clause.liability(bylaws, words, money)),
        (_("Accounts"), clause.accounts(bylaws, words)),
        (_("Registered office"), clause.office(bylaws, words)),
    ]
    if bylaws.legal.dissolution is not Dissolution.DECIDED:
        added.append((_("Remaining assets on dissolution"), clause.dissolution(bylaws, words)))
    first = 12 + len(coop_sections(bylaws, words, money))
    parts = [title, clause.not_legal_advice(words), body.rstrip("\n")]
    for number, (heading, clause_text) in enumerate(added, start=first):
        parts += ["## " + _("%(number)d. %(title)s") % {"number": number, "title": heading},
                  clause_text]
    return "\n\n".join(parts) + "\n"


_FORMS = {LegalForm.US_LLC: _us_llc, LegalForm.UK_COOP: _uk_coop, LegalForm.DE_EG: _de_eg}


def render_legal(bylaws: Bylaws, form: LegalForm | None = None, words: Words = ENGLISH,
                 money: Money = format_money) -> str:
    """The bylaws as the legal text of ``form`` (the bylaws' own form when None), in Markdown."""
    _ = words.gettext
    chosen = bylaws.legal.form if form is None else form
    if chosen is LegalForm.GENERIC:
        return _generic(bylaws, words, money)
    title, sections = _FORMS[chosen](bylaws, words, money)
    sections += coop_sections(bylaws, words, money)
    parts = ["# " + title, clause.not_legal_advice(words)]
    for number, (heading, text) in enumerate(sections, start=1):
        parts += ["## " + _("%(number)d. %(title)s") % {"number": number, "title": heading}, text]
    return "\n\n".join(parts) + "\n"
