"""Text no store should hold (a NUL, the other C0 controls but tab and newlines, a lone surrogate)
is refused at the edge with a 400 naming where it is, on both databases: PostgreSQL refuses a
NUL in text, so without the check these requests answered 500 there (node/request_text.py,
federation/bounded_json.py)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest

from federation.bounded_json import JSONTextRefused, loads_bounded
from node.app import create_app
from node.appkeys import ACTORS, FOLLOWS, INBOX, OBJECTS
from tests.conftest import make_node
from tests.web.helpers import HTML, csrf_of, page, post_form, set_password, sign_in

pytestmark = pytest.mark.both_backends

AP = {"Content-Type": "application/activity+json"}
PASSWORD = "a long password"


@pytest.fixture
async def open_client(tmp_path, database_url, aiohttp_client):  # type: ignore[no-untyped-def]
    setup = await make_node(tmp_path / "data", open_registrations=True)
    client = await aiohttp_client(create_app(setup.config))
    client.setup = setup
    return client


async def _sign_up(client: Any, username: str, display_name: bytes) -> Any:
    """The sign-up form, its display name sent as these bytes (percent-encoded or raw)."""
    html = await page(client, "/signup")
    fields = urlencode({"csrf": csrf_of(html), "username": username, "password": PASSWORD,
                        "password2": PASSWORD})
    return await client.post("/signup", allow_redirects=False,
                              data=fields.encode() + b"&display_name=" + display_name, headers={
                                  **HTML, "Content-Type": "application/x-www-form-urlencoded"})


@pytest.mark.parametrize("name, says", [
    (b"Ana%00Admin", "form field &#39;display_name&#39; holds U+0000 (NUL)"),
    (b"Ana%1BAdmin", "form field &#39;display_name&#39; holds U+001B (a control character)"),
    (b"Ana\xffAdmin", "the form is not UTF-8"),
])
async def test_a_sign_up_whose_name_holds_a_control_character_is_a_400_page(
        open_client, name: bytes, says: str) -> None:  # type: ignore[no-untyped-def]
    response = await _sign_up(open_client, "stranger", name)
    text = await response.text()
    assert response.status == 400, text[:400]
    assert says in text and "<html" in text, text
    assert await open_client.app[ACTORS].by_uri("http://node.test/users/stranger") is None
    # The node goes on taking sign-ups.
    assert (await _sign_up(open_client, "neighbour", b"Neighbour")).status == 303


async def test_a_multi_line_text_field_keeps_its_line_breaks(client) -> None:  # type: ignore[no-untyped-def]
    await set_password(client, "alice")
    await sign_in(client, "alice")
    response = await post_form(client, "/pools/commons/propose", {
        "title": "Tabs\tand lines", "kind": "decision", "text": "First line.\r\nSecond\tline."},
        from_page="/pools/commons/proposals")
    html = await page(client, response.headers["Location"])
    assert "Second\tline." in html


@pytest.mark.parametrize("url", ["/.well-known/webfinger?resource=acct:a%00b@node.test",
                                 "/pools/commons/proposals?page=%00", "/users/a%00b"])
async def test_a_url_holding_a_control_character_is_a_400(client, url: str) -> None:  # type: ignore[no-untyped-def]
    response = await client.get(url)
    body = await response.json()
    assert response.status == 400, body
    assert "holds U+0000 (NUL)" in body["error"], body


async def test_a_c2s_follow_of_an_address_with_a_nul_is_a_400_and_stores_nothing(client, node) -> None:  # type: ignore[no-untyped-def]
    target = "https://elsewhere.example/users/a\x00b"
    response = await client.post("/users/admin/outbox", headers={
        **AP, "Authorization": f"Bearer {node.admin_token}"},
        data=json.dumps({"type": "Follow", "object": target, "to": [target]}))
    body = await response.json()
    assert response.status == 400, body
    assert body["error"].startswith(
        "request body is refused: a string in the JSON holds U+0000 (NUL) at "), body
    row = await client.app[FOLLOWS].db.fetchone("SELECT COUNT(*) AS n FROM follows")
    assert row["n"] == 0
    assert await client.app[OBJECTS].collection_size(node.admin.id, "outbox") == 0


async def test_an_inbox_post_holding_a_control_character_is_a_400_and_stores_nothing(client) -> None:  # type: ignore[no-untyped-def]
    activity = {"id": "https://elsewhere.example/a/1", "type": "Create",
                "actor": "https://elsewhere.example/users/zoe",
                "object": {"type": "Note", "content": "bell\u0007"}}
    response = await client.post("/inbox", data=json.dumps(activity), headers=AP)
    body = await response.json()
    assert response.status == 400, body
    assert "U+0007 (a control character) at object.content" in body["error"], body
    assert await client.app[INBOX].count() == 0


def test_bounded_json_refuses_escaped_controls_and_lone_surrogates_anywhere() -> None:
    for text, where in (('{"a": "\\u0000"}', "U+0000 (NUL) at a"),
                        ('{"a": ["x", "\\b"]}', "U+0008 (a control character) at a[1]"),
                        ('{"\\u001f": 1}', "U+001F (a control character) at \x1f (a key)"),
                        ('["\\udc00"]', "U+DC00 (a lone surrogate) at [0]")):
        with pytest.raises(JSONTextRefused) as caught:
            loads_bounded(text)
        assert caught.value.reason.endswith(where), caught.value.reason
    # Tab, newlines and escaped pairs (an emoji) are text; so is an escaped backslash before 'u'.
    kept = loads_bounded('{"a": "\\t\\n\\r\\ud83d\\ude00 \\\\u0000"}')
    assert kept == {"a": "\t\n\r\U0001f600 \\u0000"}
