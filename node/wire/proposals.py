"""Proposals on the wire: a member's draft, the pool-opened Proposal, its Electorate, its Question.

A member drafts ``{"type": "Proposal", "pool", "name", "proposalKind", ...}`` and sends it in
a ``Create``; the pool opens it with :func:`governance.open_proposal` and publishes a
pool-signed ``Proposal`` (rule and electorate digest frozen) and ``Electorate`` on its node.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from governance import (
    Admission,
    BallotType,
    BucketProposers,
    BudgetRound,
    Bylaws,
    BylawsChange,
    Decision,
    Disbursement,
    Electorate,
    Expulsion,
    FrozenRule,
    GovernanceError,
    Investment,
    JoinFlood,
    Kind,
    LeaveFlood,
    Proposal,
    RoleChange,
    RoundRules,
    SurplusDistribution,
    Tally,
    Threshold,
)
from governance.classes import ClassRoll
from governance.codec import datetime_from_str, datetime_to_str, fraction_from_str
from governance.proposals import Motion
from node.wire.classes import class_fields
from node.wire.errors import InvalidDocument
from node.wire.investment import investment_fields, investment_motion
from node.wire.surplus import SurplusDraft, surplus_fields, surplus_motion
from schemas import AS_CONTEXT_URL, AS_PUBLIC, OBJECT_CONTEXT

__all__ = [
    "CONSENT_OPTIONS",
    "ProposalDraft",
    "draft_from_document",
    "electorate_document",
    "proposal_document",
    "proposal_from_documents",
    "question_document",
]

CONSENT_OPTIONS = ("agree", "abstain", "disagree", "block")
_MASTODON = {"toot": "http://joinmastodon.org/ns#", "votersCount": "toot:votersCount"}


@dataclass(frozen=True, slots=True)
class ProposalDraft:
    """What a member asks the pool to open."""

    id: str
    author: str
    pool: str
    title: str
    motion: Motion | SurplusDraft
    ballot_type: BallotType
    options: tuple[str, ...]


def _invalid(exc: GovernanceError) -> InvalidDocument:
    return InvalidDocument(f"invalid proposal: {exc.reason}", detail=exc.code, code=exc.code)


def _motion(doc: Mapping[str, Any]) -> Motion | SurplusDraft:
    kind = doc.get("proposalKind", Kind.DECISION.value)
    if kind == Kind.SURPLUS:  # a member's draft, or the opened distribution with its measures
        return surplus_motion(doc)
    if kind == Kind.INVESTMENT:  # buy an asset: part from the fund, the rest by a capital call
        return investment_motion(doc)
    if kind == Kind.DECISION:
        return Decision(str(doc.get("content") or doc.get("name") or ""))
    if kind == Kind.DISBURSEMENT:
        return Disbursement(doc.get("amount"), doc.get("currency"), doc.get("payee"),  # type: ignore[arg-type]
                            str(doc.get("purpose", "")))
    if kind == Kind.ADMISSION:
        return Admission(doc.get("person"))  # type: ignore[arg-type]
    if kind == Kind.EXPULSION:
        return Expulsion(doc.get("person"))  # type: ignore[arg-type]
    if kind == Kind.BYLAWS_CHANGE:
        return BylawsChange(Bylaws.from_dict(doc.get("proposedBylaws") or {}))
    if kind == Kind.JOIN_FLOOD:  # the pool links with ``peer`` in ``flood`` (node/floods)
        return JoinFlood(doc.get("flood"), doc.get("peer"))  # type: ignore[arg-type]
    if kind == Kind.LEAVE_FLOOD:  # the proposing pool leaves ``flood``
        return LeaveFlood(doc.get("flood"), doc.get("pool"))  # type: ignore[arg-type]
    if kind == Kind.ROLE_CHANGE:  # grant or revoke a duty (steward, treasurer)
        return RoleChange(doc.get("person"), doc.get("role"),  # type: ignore[arg-type]
                          doc.get("roleChange") == "grant")
    if kind == Kind.BUDGET_ROUND:  # a draft names the pot; the opened round its frozen rules
        rules = None
        if "bucketsCloseAt" in doc:
            rules = RoundRules(datetime_from_str(doc["bucketsCloseAt"]), doc["maxBucketsPerMember"],
                               BucketProposers(doc["bucketProposers"]), doc["allocationsVisible"])
        return BudgetRound(doc.get("pot"), doc.get("currency"),  # type: ignore[arg-type]
                           str(doc.get("purpose", "")), rules)
    raise InvalidDocument(f"proposals of kind {kind!r} are not accepted by a pool")


def _motion_fields(motion: Motion) -> dict[str, Any]:
    fields: dict[str, Any] = {"proposalKind": motion.kind.value}
    if isinstance(motion, Decision):
        fields["content"] = motion.text
    elif isinstance(motion, Disbursement):
        fields.update(amount=motion.amount, currency=motion.currency, payee=motion.payee,
                      purpose=motion.purpose)
    elif isinstance(motion, (Admission, Expulsion)):
        fields["person"] = motion.person
    elif isinstance(motion, BylawsChange):
        fields["proposedBylaws"] = motion.bylaws.to_dict()
    elif isinstance(motion, JoinFlood):
        fields.update(flood=motion.flood, peer=motion.pool)
    elif isinstance(motion, LeaveFlood):
        fields["flood"] = motion.flood
    elif isinstance(motion, RoleChange):
        fields.update(person=motion.person, role=motion.role,
                      roleChange="grant" if motion.grant else "revoke")
    elif isinstance(motion, SurplusDistribution):
        fields.update(surplus_fields(motion))
    elif isinstance(motion, Investment):
        fields.update(investment_fields(motion))
    elif isinstance(motion, BudgetRound):
        fields.update(pot=motion.pot, currency=motion.currency)
        if motion.purpose:
            fields["purpose"] = motion.purpose
        if motion.rules is not None:
            fields.update(bucketsCloseAt=datetime_to_str(motion.rules.buckets_close_at),
                          maxBucketsPerMember=motion.rules.max_buckets_per_member,
                          bucketProposers=motion.rules.proposers.value,
                          allocationsVisible=motion.rules.allocations_visible)
    return fields


def draft_from_document(doc: Mapping[str, Any]) -> ProposalDraft:
    """The draft a member's (schema-checked) Proposal document asks for."""
    try:
        # A budget round is answered by allocations; every other kind defaults to consent.
        default = (BallotType.ALLOCATION if doc.get("proposalKind") == Kind.BUDGET_ROUND
                   else BallotType.CONSENT)
        ballot_type = BallotType(doc.get("ballotType", default.value))
        motion = _motion(doc)
        if isinstance(motion, SurplusDistribution):
            raise InvalidDocument("a surplus draft names the 'surplus' and the 'reserve': the pool "
                                  "measures every member as it opens (no 'measures' or 'measure')")
        return ProposalDraft(
            id=doc["id"],
            author=doc["attributedTo"],
            pool=doc["pool"],
            title=doc["name"],
            motion=motion,
            ballot_type=ballot_type,
            options=tuple(doc.get("options", ())),
        )
    except GovernanceError as exc:
        raise _invalid(exc) from exc
    except ValueError as exc:
        raise InvalidDocument(f"invalid proposal: {exc}") from exc


def proposal_document(proposal: Proposal, pool: str, published: str, *, thread: bool = False,
                      discussion: str | None = None, roll: ClassRoll | None = None) -> dict[str, Any]:
    """The pool's Proposal document (unsigned): motion, frozen rule and electorate digest;
    ``thread``: its ``replies`` collection (a pool's own proposals have one); ``discussion``: the
    discussion it was started from."""
    rule = proposal.rule
    doc: dict[str, Any] = {
        "@context": OBJECT_CONTEXT,
        "id": proposal.id,
        "type": "Proposal",
        "attributedTo": pool,
        "pool": pool,
        "proposedBy": proposal.author,
        "name": proposal.title,
        **_motion_fields(proposal.motion),
        "ballotType": rule.ballot_type.value,
        "options": list(rule.options),
        "threshold": rule.threshold.to_dict()["fraction"],
        "thresholdComparator": rule.threshold.comparator.value,
        "quorum": rule.to_dict()["quorum"],
        "blockVetoes": rule.block_vetoes,
        "opensAt": datetime_to_str(rule.opens_at),
        "closesAt": datetime_to_str(rule.closes_at),
        "electorate": proposal.id + "/electorate",
        "electorateDigest": proposal.electorate.digest,
        "electorateSize": proposal.electorate.size,
        "published": published,
        "to": [AS_PUBLIC],
    }
    if rule.class_majority:
        # A majority in each member class: the frozen roll is in the Electorate, named here.
        doc["classMajority"] = True
        if roll is not None:
            doc["classRollDigest"] = roll.digest
    if thread:
        doc["replies"] = proposal.id + "/replies"
    if discussion is not None:
        doc["discussion"] = discussion
    if isinstance(proposal.motion, BudgetRound):
        # The same for every elector (docs/GOVERNANCE.md, "Budget rounds"), signed with the rest.
        doc["allowance"] = proposal.motion.pot // proposal.electorate.size
    return doc


def electorate_document(proposal: Proposal, pool: str, published: str,
                        roll: ClassRoll | None = None) -> dict[str, Any]:
    """The frozen electorate (unsigned): sorted member ids and their digest, and with a class
    roll each member's class and the roll's digest."""
    return {
        "@context": OBJECT_CONTEXT,
        "id": proposal.id + "/electorate",
        "type": "Electorate",
        "attributedTo": pool,
        "pool": pool,
        "proposal": proposal.id,
        "members": sorted(proposal.electorate.members),
        "electorateDigest": proposal.electorate.digest,
        "electorateSize": proposal.electorate.size,
        **class_fields(roll),
        "published": published,
    }


def proposal_from_documents(doc: Mapping[str, Any], electorate: Mapping[str, Any]) -> Proposal:
    """Rebuild the governance Proposal from its pool documents (what a verifier does)."""
    try:
        members = Electorate.from_dict(
            {"members": list(electorate["members"]), "digest": electorate["electorateDigest"]}
        )
        if members.digest != doc["electorateDigest"] or electorate["proposal"] != doc["id"]:
            raise InvalidDocument("the electorate is not this proposal's")
        rule = FrozenRule(
            proposal_id=doc["id"],
            ballot_type=BallotType(doc["ballotType"]),
            options=tuple(doc.get("options", ())),
            threshold=Threshold.from_dict(
                {"comparator": doc["thresholdComparator"], "fraction": doc["threshold"]}
            ),
            quorum=fraction_from_str(doc["quorum"]),
            opens_at=datetime_from_str(doc["opensAt"]),
            closes_at=datetime_from_str(doc["closesAt"]),
            block_vetoes=bool(doc["blockVetoes"]),
            class_majority=doc.get("classMajority") is True,
        )
        motion = _motion(doc)
        if isinstance(motion, SurplusDraft):
            raise InvalidDocument("an opened surplus distribution lists its 'measures'")
        return Proposal(doc["id"], doc["proposedBy"], doc["name"], motion, rule, members)
    except GovernanceError as exc:
        raise _invalid(exc) from exc
    except (KeyError, ValueError, TypeError) as exc:
        raise InvalidDocument(f"invalid proposal document: {exc!r}") from exc


def question_options(proposal: Proposal) -> tuple[str, ...]:
    """The poll options a fediverse client shows: the consent answers or the proposal's options."""
    if proposal.rule.ballot_type is BallotType.CONSENT:
        return CONSENT_OPTIONS
    return proposal.rule.options


def question_document(
    proposal: Proposal, pool: str, published: str, current: Tally | None, closed_at: str | None
) -> dict[str, Any]:
    """The proposal as an ActivityStreams Question a Mastodon user can answer (AS2 Vocabulary §Question)."""
    counts = dict(current.counts) if current is not None else {}
    choices = [
        {"type": "Note", "name": option,
         "replies": {"type": "Collection", "totalItems": int(counts.get(option, 0))}}
        for option in question_options(proposal)
    ]
    # Only approval is multiple choice: a ranked proposal offers its first preference alone
    # (one reply ranks one option), as a poll has no order between ticked options.
    many = proposal.rule.ballot_type is BallotType.APPROVAL
    content = f"<p>{_escape(proposal.title)}</p>"
    if proposal.rule.ballot_type is BallotType.RANKED:
        content += (f"<p>Ranked vote: this poll takes your first preference only. To rank"
                    f" more options, vote at {_escape(proposal.id)}</p>")
    doc: dict[str, Any] = {
        "@context": [AS_CONTEXT_URL, _MASTODON],
        "id": proposal.id + "/question",
        "type": "Question",
        "attributedTo": pool,
        "name": proposal.title,
        "content": content,
        "url": proposal.id,
        "replies": proposal.id + "/replies",
        "published": published,
        "endTime": datetime_to_str(proposal.rule.closes_at),
        "votersCount": current.participation if current is not None else 0,
        "anyOf" if many else "oneOf": choices,
        "to": [AS_PUBLIC],
        "cc": [pool + "/followers"],
    }
    if closed_at is not None:
        doc["closed"] = closed_at
    return doc


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
