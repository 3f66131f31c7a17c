"""A Mastodon-shaped actor: its actor document, its Notes, and requests signed as Mastodon signs.

Mastodon signs every POST with draft-cavage ``rsa-sha256`` over ``(request-target) host date
digest content-type``, its keyId ``{actor}#main-key``; a reply is a ``Create`` of a ``Note``
with HTML content, ``inReplyTo``, ``to`` as:Public, ``cc`` its followers and whoever it
mentions, and a ``Mention`` tag per mention.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from federation.digests import digest_header
from federation.httpsig import build_signing_string
from federation.signing_base import format_http_date, sign_bytes
from tests.node.inbox_helpers import NODE, FakeActor, processed

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
_CONTEXT = ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1",
            {"toot": "http://joinmastodon.org/ns#", "sensitive": "as:sensitive",
             "conversation": "ostatus:conversation", "ostatus": "http://ostatus.org#",
             "atomUri": "ostatus:atomUri", "inReplyToAtomUri": "ostatus:inReplyToAtomUri"}]


@dataclass
class MastodonActor(FakeActor):
    """A Mastodon account on the fake remote server."""

    def document(self) -> dict[str, Any]:
        doc = super().document()
        name = self.uri.rsplit("/", 1)[1]
        base = self.uri.split("/users/")[0]
        doc.update({
            "@context": _CONTEXT, "preferredUsername": name, "name": name.title(),
            "url": f"{base}/@{name}", "outbox": self.uri + "/outbox",
            "following": self.uri + "/following", "featured": self.uri + "/collections/featured",
            "manuallyApprovesFollowers": False, "discoverable": True, "summary": "<p></p>",
        })
        return doc

    def reply(self, n: int, in_reply_to: str, html: str, *, mention: str | None = None,
              **extra: Any) -> dict[str, Any]:
        """Create(Note) as Mastodon sends a public reply."""
        base = self.uri.split("/users/")[0]
        name = self.uri.rsplit("/", 1)[1]
        note_id = f"{self.uri}/statuses/{n}"
        published = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        tags = [{"type": "Mention", "href": mention, "name": "@" + mention.rsplit("/", 1)[1]}] if mention else []
        note = {
            "id": note_id, "type": "Note", "summary": None, "inReplyTo": in_reply_to,
            "published": published, "url": f"{base}/@{name}/{n}", "attributedTo": self.uri,
            "to": [PUBLIC], "cc": [self.uri + "/followers", *([mention] if mention else [])],
            "sensitive": False, "atomUri": note_id, "inReplyToAtomUri": in_reply_to,
            "conversation": f"tag:{base.split('//')[1]},2025:objectId={n}:objectType=Conversation",
            "content": html, "contentMap": {"en": html}, "attachment": [], "tag": tags,
            **extra,
        }
        return {"@context": _CONTEXT, "id": note_id + "/activity", "type": "Create",
                "actor": self.uri, "published": published, "to": note["to"], "cc": note["cc"],
                "object": note}


def mastodon_headers(actor: FakeActor, path: str, body: bytes) -> dict[str, str]:
    """A POST's headers exactly as Mastodon writes them."""
    headers = {"Host": NODE.split("//")[1], "Date": format_http_date(datetime.now(UTC)),
               "Digest": digest_header(body), "Content-Type": "application/activity+json"}
    names = ["(request-target)", "host", "date", "digest", "content-type"]
    text = build_signing_string("POST", path, headers, names)
    signature = base64.b64encode(sign_bytes(actor.key, text.encode("utf-8"))).decode("ascii")
    headers["Signature"] = (f'keyId="{actor.key_id}",algorithm="rsa-sha256",'
                            f'headers="{" ".join(names)}",signature="{signature}"')
    return headers


async def send(client: Any, actor: FakeActor, activity: dict[str, Any], path: str = "/inbox",
               status: int = 202) -> Any:
    """POST an activity signed as Mastodon signs, and wait until the node processed it."""
    body = json.dumps(activity).encode()
    resp = await client.post(path, data=body, headers=mastodon_headers(actor, path, body))
    assert resp.status == status, await resp.text()
    if status == 202:
        return await processed(client, activity["id"])
    return resp
