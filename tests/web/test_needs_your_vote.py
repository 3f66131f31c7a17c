"""The home page's "needs your vote" list and deadlines as <time> plus relative words (issue 15)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from node.web.moments import deadline, relative
from tests.web.helpers import page, post_form, set_password, sign_in
from tests.web.money_helpers import voting_lasts

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def test_relative_words_round_down_and_say_closed_once_past() -> None:
    assert relative(NOW + timedelta(hours=3, minutes=59), NOW) == "closes in 3 hours"
    assert relative(NOW + timedelta(hours=1, minutes=5), NOW) == "closes in 1 hour"
    assert relative(NOW + timedelta(days=2, hours=1), NOW) == "closes in 2 days"
    assert relative(NOW + timedelta(hours=30), NOW) == "closes in 30 hours"
    assert relative(NOW + timedelta(seconds=20), NOW) == "closes in less than a minute"
    assert relative("2026-12-02T08:00:00Z", NOW) == "closed 1 hour ago"


def test_a_deadline_is_utc_in_a_time_element_with_the_words_beside_it() -> None:
    html = str(deadline("2026-12-02T12:30:00+00:00", NOW))
    # The time as Babel writes it in English (the reader's time zone comes with time.js).
    assert '<time datetime="2026-12-02T12:30:00Z" data-local>Dec 2, 2026, 12:30\u202fPM UTC</time>' in html
    assert '(closes in 3 hours)' in html and 'data-relative="2026-12-02T12:30:00Z"' in html


@pytest.mark.both_backends  # the open-proposals query is new storage code
async def test_the_home_page_lists_what_needs_your_vote_until_you_vote(client) -> None:
    await voting_lasts(client, timedelta(hours=3, minutes=30))
    await set_password(client, "admin")
    await set_password(client, "alice")
    await sign_in(client, "admin")
    response = await post_form(client, "/pools/commons/propose",
                               {"title": "Paint the shed", "kind": "decision", "text": "Blue."},
                               from_page="/pools/commons/proposals")
    url = str(response.headers["Location"])
    home = await page(client, "/")
    assert "Needs your vote" in home and f'<a href="{url}">Paint the shed</a>' in home
    assert "(closes in 3 hours)" in home and re.search(r'<time datetime="[0-9T:-]+Z" data-local>', home)
    await post_form(client, url + "/vote", {"choice": "agree"}, from_page=url)
    home = await page(client, "/")
    assert "Paint the shed" not in home and "Nothing is waiting for your vote." in home
    await sign_in(client, "alice")  # alice has not voted yet
    assert f'<a href="{url}">Paint the shed</a>' in await page(client, "/")
