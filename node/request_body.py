"""Reading request bodies with a deadline: a slow or vanished client is what it is, not a 500.

aiohttp reads a body only when a handler asks for it and never times that read out, so a
client that sends its headers and then trickles (or stops sending) its body holds a socket and
a handler for as long as it likes, and a client that hangs up mid-body surfaced as an
unhandled ``ConnectionResetError`` (a 500 in the log). This middleware reads every body up
front, within ``body_read_timeout`` seconds (poolnode.toml) for the whole body:

* too slow: ``408 Request Timeout`` with a JSON reason, the connection closed, logged at INFO
  as a client timeout;
* the client hung up: logged at INFO as a client that closed the connection; the log line and
  access log say ``499`` (the status nginx uses for "client closed request"); nothing is sent.

Handlers then read the cached bytes (``request.read()``, ``request.post()``); a multipart
form is parsed within the same deadline, so ``request.post()`` returns it from the cache.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from aiohttp.http_exceptions import BadHttpMessage

from node.appkeys import CONFIG
from node.errors import Handler, json_error

__all__ = ["CLIENT_CLOSED", "body_deadline"]

log = logging.getLogger("poolnode.requests")

CLIENT_CLOSED = 499
_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


async def _read_body(request: web.Request) -> None:
    # A multipart body is consumed by parsing it (aiohttp caches the form for
    # ``request.post()``); reading it as bytes first would leave nothing to parse.
    if request.content_type == "multipart/form-data":
        await request.post()
    else:
        await request.read()


@web.middleware
async def body_deadline(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Read the whole body within the configured time before the handler runs."""
    if request.method in _WITH_BODY and request.body_exists:
        timeout = request.app[CONFIG].body_read_timeout
        try:
            if request.content.is_eof():
                # Every byte has arrived (a small body comes with the headers): reading it
                # cannot wait, so it needs no timer (a timer costs about 10 us a request).
                await _read_body(request)
            else:
                async with asyncio.timeout(timeout):
                    await _read_body(request)
        except (ValueError, RuntimeError, BadHttpMessage) as exc:
            # aiohttp's multipart reader on a malformed form (no part name, an unknown
            # encoding, too many part headers); bytes read as bytes raise none of these.
            return json_error(400, f"the multipart form is malformed: {exc}")
        except TimeoutError:
            log.info("client timeout: %s %s from %s sent no complete body within %g s",
                     request.method, request.path, request.remote, timeout)
            response = json_error(408, f"the request body did not arrive within {timeout:g} seconds")
            response.force_close()
            return response
        except ConnectionResetError:
            log.info("client closed the connection while sending the body: %s %s from %s",
                     request.method, request.path, request.remote)
            response = json_error(CLIENT_CLOSED, "the client closed the connection")
            response.force_close()
            return response
    return await handler(request)
