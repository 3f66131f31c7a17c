"""docs/PROTOCOL.md's notification example, built with the node's own direct-message code.

``tests/node/pools/protocol_examples.py`` merges it into every example it renders; the pool and
the proposal are the same as there; the member is on Mastodon.
"""

from __future__ import annotations

from typing import Any

from node.notifications.direct import direct_note
from node.storage import RemoteNotice
from node.web.i18n import ENGLISH, speaking
from node.web.notice_text import sentence

B = "https://b.example"
POOL = B + "/pools/commons"
PROPOSAL = POOL + "/proposals/7d1f5a9e-3c2b-4e8f-9a61-0b2c4d6e8f10"
MO = "https://mastodon.example/users/mo"
AT = "2025-03-01T12:00:00Z"


def notification_examples() -> dict[str, dict[str, Any]]:
    notice = RemoteNotice(1, MO, "closing_soon", PROPOSAL, B + "/notes/5c1d7e2a-9b34-4f0e-8d61-2a3b4c5d6e7f",
                          "Share a drill", "", PROPOSAL, AT)
    with speaking(ENGLISH):
        text = sentence(notice.kind, notice.title, notice.detail)
    return {"direct-message": direct_note(POOL, notice, "@mo@mastodon.example", text)}
