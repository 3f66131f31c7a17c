"""The web app's own errors (sign-in required, too many attempts) and who wants HTML.

The error pages themselves are rendered by node.web.error_pages.
"""

from __future__ import annotations

from aiohttp import web

from node.activitypub import wants_activitypub
from node.errors import RateLimited, Unauthorized
from node.web.i18n import gettext as _

__all__ = ["SignInRequired", "TooManyAttempts", "wants_html"]

class SignInRequired(Unauthorized):
    """The page needs a signed-in member; browsers are sent to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(_("sign in to see this page"))
        self.next_path = next_path


class TooManyAttempts(RateLimited):
    """Too many failed sign-ins: 429 with Retry-After."""

    def __init__(self, reason: str, retry_after: int) -> None:
        super().__init__(reason, retry_after=retry_after)


def wants_html(request: web.Request) -> bool:
    """A browser: its Accept header prefers HTML over ActivityStreams JSON."""
    return not wants_activitypub(request)
