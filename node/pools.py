"""A pool's bylaws as the node stores and serves them (the rules come from governance/)."""

from __future__ import annotations

import json
from typing import Any

from governance import Bylaws, render_bylaws
from governance.legal import LegalSettings
from node.config import Config
from node.storage import ActorRecord, ActorStore
from schemas import OBJECT_CONTEXT

__all__ = ["bylaws_document", "coop_fields", "default_bylaws_json", "load_bylaws"]


def default_bylaws_json(name: str, purpose: str, currency: str) -> str:
    """The bylaws a new pool starts with: the governance core's defaults, validated."""
    return json.dumps(Bylaws(name=name, purpose=purpose, currency=currency.upper()).to_dict())


async def load_bylaws(actors: ActorStore, pool: ActorRecord) -> Bylaws:
    """A local pool's current bylaws."""
    return Bylaws.from_dict(json.loads(await actors.bylaws_json(pool.id)))


def bylaws_document(config: Config, pool: ActorRecord, bylaws: Bylaws) -> dict[str, Any]:
    """The bylaws as an ActivityStreams object: settings as data, the agreement as Markdown."""
    settings = bylaws.to_dict()
    return {
        "@context": OBJECT_CONTEXT,
        "id": pool.uri + "/bylaws",
        "type": "Bylaws",
        "attributedTo": pool.uri,
        "pool": pool.uri,
        "name": f"Bylaws of {bylaws.name}",
        "mediaType": "text/markdown",
        "content": render_bylaws(bylaws),
        "currency": settings["currency"],
        "minimumShare": settings["min_share"],
        "threshold": settings["threshold"]["fraction"],
        "thresholdComparator": settings["threshold"]["comparator"],
        "quorum": settings["quorum"],
        "votingPeriod": f"PT{settings['voting_period_seconds']}S",
        "admissionPolicy": settings["admission"],
        "blockVetoes": settings["block_vetoes"],
        "visibility": bylaws.visibility.value,
        "outsideReplies": bylaws.outside_replies.value,
        "bylawsThreshold": settings["amendment_threshold"]["fraction"],
        "bylawsThresholdComparator": settings["amendment_threshold"]["comparator"],
        "fundingWait": f"PT{int(bylaws.funding_wait.total_seconds())}S",
        "commitmentLapse": f"PT{int(bylaws.commitment_lapse.total_seconds())}S",
        "bucketProposers": bylaws.bucket_proposers.value,
        "bucketWindow": f"PT{int(bylaws.bucket_window.total_seconds())}S",
        "maxBucketsPerMember": bylaws.max_buckets_per_member,
        "allocationsVisible": bylaws.allocations_visible,
        **coop_fields(bylaws),
    }


def coop_fields(bylaws: Bylaws) -> dict[str, Any]:
    """The co-op settings of the Bylaws document, each only when set (docs/PROTOCOL.md §Bylaws)."""
    fields: dict[str, Any] = {}
    if bylaws.member_classes:
        fields["memberClasses"] = list(bylaws.member_classes)
    if bylaws.class_majority:
        fields["classMajority"] = sorted(kind.value for kind in bylaws.class_majority)
    if bylaws.share_types:
        fields["shareTypes"] = [
            {"name": t.name, "nominal": t.nominal, "minimum": t.minimum,
             **({"classMinimums": dict(t.class_minimums)} if t.class_minimums else {})}
            for t in bylaws.share_types
        ]
    if bylaws.surplus_measure is not None:
        fields["surplusMeasure"] = bylaws.surplus_measure.value
    if bylaws.booking_limits.hours_per_month:
        fields["bookingHoursPerMonth"] = bylaws.booking_limits.hours_per_month
    if bylaws.booking_limits.equal_turns:
        fields["bookingEqualTurns"] = True
    if bylaws.legal != LegalSettings():
        legal = bylaws.legal.to_dict()
        fields["legalForm"] = {_LEGAL_TERMS[key]: value for key, value in legal.items()}
    return fields


# The legal settings' names in the Bylaws document (``Bylaws.to_dict``'s ``legal``, camelCase).
_LEGAL_TERMS = {
    "form": "form", "registered_office": "registeredOffice", "notice_days": "noticeDays",
    "members_may_call": "membersMayCall", "governing_body": "governingBody",
    "board_size": "boardSize", "extra_liability": "extraLiability", "year_end": "yearEnd",
    "dissolution": "dissolution",
}
