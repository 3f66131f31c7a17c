"""A title or a name is one line of text (federation/one_line.py): refused with the reason
where it arrives (C2S 400, a governance document's check, a remote discussion's Reject), and
flattened where the web app reads a text input (a browser sends one line)."""

from __future__ import annotations

import pytest

from federation.one_line import as_one_line, not_one_line
from node.wire import InvalidDocument, check_document
from tests.node.discussion.helpers import discussion_list, pool_outbox
from tests.node.pools.helpers import POOL, post, proposals
from tests.web.helpers import post_form, set_password, sign_in


def test_line_breaks_tabs_and_controls_are_named() -> None:
    assert not_one_line("Paint the shed: blue, or green?") is None
    assert not_one_line("a\r\nBcc: x") == "U+000D (a line break)"
    assert not_one_line("a\u2028b") == "U+2028 (a line break)"
    assert not_one_line("a\tb") == "U+0009 (a tab)"
    assert not_one_line("a\x85b") == "U+0085 (a line break)"
    assert not_one_line("a\x1bb") == "U+001B (a control character)"
    assert as_one_line(" Paint\r\n the\tshed\u2028 ") == "Paint the shed"


def test_a_governance_documents_name_is_one_line() -> None:
    draft = {"id": "https://a.example/objects/1", "type": "Proposal", "attributedTo": "https://a.example/users/a",
             "pool": POOL, "name": "Buy a drill"}
    assert check_document("proposal", draft) is draft
    with pytest.raises(InvalidDocument, match=r"'name' is one line of text: it holds U\+000A"):
        check_document("proposal", {**draft, "name": "Buy\na drill"})


@pytest.mark.both_backends
@pytest.mark.parametrize("document", [
    {"type": "Proposal", "pool": POOL, "name": "Buy a drill\r\nBcc: evil@example.org"},
    {"type": "Page", "audience": POOL, "name": "Tools\nfirst", "content": "<p>x</p>"},
    {"type": "Update", "object": {"id": "http://node.test/users/alice", "name": "Alice\tL."}},
])
async def test_c2s_refuses_a_name_of_two_lines_and_stores_nothing(client, node, document) -> None:  # type: ignore[no-untyped-def]
    resp = await post(client, "alice", node.alice_token, document)
    body = await resp.json(content_type=None)
    assert resp.status == 400 and body["code"] == "invalid_request", body
    assert body["error"].startswith("'name' is one line of text: it holds U+00")
    assert await proposals(client) == [] and await discussion_list(client) == []


@pytest.mark.both_backends
async def test_a_remote_discussion_titled_on_two_lines_is_rejected(fed_client, fed, remote) -> None:  # type: ignore[no-untyped-def]
    from node.accounts import join_pool
    from node.appkeys import ACTORS
    from tests.node.discussion.mastodon import MastodonActor, send

    mo = MastodonActor(f"{remote.base}/users/mo", "Person")
    remote.actors[mo.uri] = mo
    await join_pool(fed_client.app[ACTORS], await fed_client.app[ACTORS].get("commons", "pool"), mo.uri)
    page = {"id": f"{mo.uri}/pages/1", "type": "Page", "attributedTo": mo.uri, "audience": POOL,
            "to": [POOL], "name": "Spring\nparty", "content": "<p>Who helps?</p>"}
    await send(fed_client, mo, mo.activity("Create", page, to=[POOL]))
    assert await discussion_list(fed_client) == []
    assert any("one line" in a.get("summary", "") for a in await pool_outbox(fed_client) if a["type"] == "Reject")


@pytest.mark.both_backends
async def test_the_web_forms_read_a_title_as_one_line(client) -> None:  # type: ignore[no-untyped-def]
    await set_password(client, "alice")
    await sign_in(client, "alice")
    await post_form(client, "/pools/commons/propose", {"title": "Paint\r\nthe\tshed", "kind": "decision",
                                                       "text": "Blue."}, from_page="/pools/commons/proposals")
    (opened,) = await proposals(client)
    assert opened["name"] == "Paint the shed"
    await post_form(client, "/pools/commons/discussions", {"title": "Tools\r\nfirst", "text": "Which?"},
                    from_page="/pools/commons/discussions")
    (page,) = await discussion_list(client)
    assert page["name"] == "Tools first"
