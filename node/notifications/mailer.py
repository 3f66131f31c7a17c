"""Sending the mail queue over SMTP (aiosmtplib), each mail in its member's language.

A round leases due jobs (node/storage/mail.py), writes each mail and hands it to the server,
then marks it sent. A mail is written when it is sent, from what the database says then: a
member who turned a kind off, or removed their address, since it was queued gets nothing.
Every notification mail carries the page's link and a one-click unsubscribe link (RFC 8058:
``List-Unsubscribe`` with an HTTPS URL and ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``).
The Message-ID is the job's, so a mail sent again after a crash between the server's "250"
and the commit (the one window left) is the same message to the receiving side.

A daily digest carries at most :data:`DIGEST_MOST` notifications, oldest first; when more wait,
it says so and its next part is queued with its sending (one transaction), due at once, until
every notification of the day has gone. Each mail stands alone: a subject is one line whatever
the title it names holds, and a mail that cannot be written is marked failed with the reason
while the others of the round go out.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import urlsplit

import aiosmtplib
from aiohttp import web

from federation.one_line import as_one_line
from node.appkeys import ACTORS, CONFIG, DB, LANGUAGES
from node.config import Config
from node.pool_engine.common import iso
from node.storage import MailJob, MailStore, NotificationStore, StoredNotification, WebStore
from node.web.csrf import load_secret
from node.web.i18n import ENGLISH, Language, speaking
from node.web.i18n import gettext as _
from node.web.notice_kinds import DEFAULT_MODES, kind_label
from node.web.notice_text import sentence
from node.web.unsubscribe_tokens import ALL_KINDS, sign_token

__all__ = ["DIGEST_MOST", "LEASE_MS", "MAX_ATTEMPTS", "compose", "mail_round", "smtp_send"]

log = logging.getLogger("poolnode.mail")

LEASE_MS = 120_000
MAX_ATTEMPTS = 10
_BATCH = 20
DIGEST_MOST = 100
"""The most notifications one digest mail lists; the rest follow in its next part."""
_SUBJECT_MOST = 200
# What composing a mail raises on text the email package refuses (a header it cannot fold).
_UNWRITABLE = (ValueError, TypeError, UnicodeError)


class _Drop(Exception):
    """Nothing to send for this job (said why)."""


def _sender(config: Config) -> str:
    return config.smtp_from or f"poolnode@{urlsplit(config.base_url).hostname}"


def _base(config: Config, job: MailJob, to: str, subject: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = _sender(config)
    message["To"] = to
    message["Subject"] = as_one_line(subject)[:_SUBJECT_MOST]
    message["Date"] = format_datetime(datetime.now().astimezone())
    message["Message-ID"] = f"<{job.dedupe.replace(':', '.')}@{urlsplit(config.base_url).hostname}>"
    message["Auto-Submitted"] = "auto-generated"
    return message


def _unsubscribe(message: EmailMessage, config: Config, secret: bytes, actor_id: int,
                 kind: str) -> str:
    url = config.url(f"/unsubscribe/{sign_token(secret, actor_id, kind)}")
    message["List-Unsubscribe"] = f"<{url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return url


def _footer(config: Config, unsubscribe: str) -> str:
    return "\n\n-- \n" + _("Stop these emails: %(url)s", url=unsubscribe) + "\n" + _(
        "Choose which emails you get: %(url)s", url=config.url("/settings/notifications"))


def compose(config: Config, secret: bytes, job: MailJob, to: str,
            notifications: list[StoredNotification], *, more: bool = False) -> EmailMessage:
    """The mail of a job, in the current language (``speaking``); ``more``: a digest whose
    next part follows."""
    if job.kind == "reset":
        message = _base(config, job, to, _("Reset your password"))
        message.set_content(
            _("Someone asked to reset the password of your account on %(node)s.",
              node=urlsplit(config.base_url).netloc) + "\n\n" +
            _("To choose a new password, open this link within an hour (it works once):") +
            f"\n{job.payload}\n\n" + _("If it was not you, ignore this mail."))
        return message
    if job.kind == "notification":
        item = notifications[0]
        message = _base(config, job, to, f"{kind_label(item.kind)}: {item.title}"
                        if item.title else kind_label(item.kind))
        url = _unsubscribe(message, config, secret, job.actor_id, item.kind)
        message.set_content(
            sentence(item.kind, item.title, item.detail) + "\n\n" +
            _("Open it: %(link)s", link=item.link) + _footer(config, url))
        return message
    message = _base(config, job, to, _("Your daily digest: %(count)d notifications",
                                       count=len(notifications)))
    url = _unsubscribe(message, config, secret, job.actor_id, ALL_KINDS)
    lines = [f"* {sentence(n.kind, n.title, n.detail)}\n  {n.link}" for n in notifications]
    if more:
        lines.append(_("More notifications follow in the next mail."))
    message.set_content("\n\n".join(lines) + _footer(config, url))
    return message


def _credentials(environ: Mapping[str, str]) -> tuple[str | None, str | None]:
    return environ.get("POOLNODE_SMTP_USERNAME") or None, environ.get("POOLNODE_SMTP_PASSWORD") or None


async def smtp_send(config: Config, message: EmailMessage,
                    environ: Mapping[str, str] | None = None) -> None:
    """Hand one mail to the configured server (STARTTLS, TLS or plain, with credentials)."""
    username, password = _credentials(os.environ if environ is None else environ)
    await aiosmtplib.send(
        message, hostname=config.smtp_host, port=config.smtp_port,
        use_tls=config.smtp_security == "tls", start_tls=config.smtp_security == "starttls",
        username=username, password=password, timeout=config.smtp_timeout,
    )


async def _language(app: web.Application, actor_id: int) -> Language:
    code = await WebStore(app[DB]).locale(actor_id)
    languages = app.get(LANGUAGES)
    found = languages.get(code) if languages is not None and code else None
    return found or ENGLISH


async def _content(app: web.Application, job: MailJob) -> tuple[list[StoredNotification], bool]:
    """What the job's mail carries, and whether more waits for the digest's next part."""
    notes = NotificationStore(app[DB])
    modes = await notes.modes(job.actor_id)
    if job.kind == "reset":
        return [], False
    if job.kind == "notification":
        item = await notes.get(job.notification_id or 0)
        if item is None:
            raise _Drop("the notification is gone")
        if item.mailed_at is not None:
            raise _Drop("already mailed")
        if modes.get(item.kind, DEFAULT_MODES.get(item.kind, "none")) != "immediately":
            raise _Drop("the member no longer wants this kind at once")
        return [item], False
    daily = [k for k in DEFAULT_MODES if modes.get(k, DEFAULT_MODES[k]) == "daily"]
    items = await notes.unmailed(job.actor_id, daily, limit=DIGEST_MOST + 1)
    if not items:
        raise _Drop("nothing for the digest")
    return items[:DIGEST_MOST], len(items) > DIGEST_MOST


def _next_part(job: MailJob, items: list[StoredNotification], now: datetime) -> tuple[int, str, int]:
    """The job of a digest's next part: (member, dedupe naming the day and the last one listed,
    due now)."""
    day = ":".join(job.dedupe.split(":")[:3])  # digest:<member>:<day>
    return job.actor_id, f"{day}:{items[-1].id}", int(now.timestamp() * 1000)


async def _one(app: web.Application, secret: bytes, job: MailJob, now: datetime) -> None:
    mail = MailStore(app[DB])
    address = await NotificationStore(app[DB]).email(job.actor_id)
    actor = await app[ACTORS].by_id(job.actor_id)
    if job.attempts > MAX_ATTEMPTS:  # claimed again and again, never finished
        await mail.mark_failed(job.id, f"gave up after {MAX_ATTEMPTS} attempts")
        return
    try:
        if address is None or actor is None:
            raise _Drop("no address")
        items, more = await _content(app, job)
    except _Drop as reason:
        await mail.mark_dropped(job.id, str(reason))
        return
    try:
        with speaking(await _language(app, job.actor_id)):
            message = compose(app[CONFIG], secret, job, address, items, more=more)
    except _UNWRITABLE as exc:
        log.warning("mail %s cannot be written: %s", job.id, exc)
        await mail.mark_failed(job.id, f"the mail cannot be written: {type(exc).__name__}: {exc}")
        return
    try:
        await smtp_send(app[CONFIG], message)
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        error = f"{type(exc).__name__}: {exc}"
        if job.attempts >= MAX_ATTEMPTS:
            log.warning("mail %s failed for good: %s", job.id, error)
            await mail.mark_failed(job.id, error)
        else:
            delay = min(60_000 * 2 ** (job.attempts - 1), 6 * 3_600_000)
            await mail.mark_retry(job.id, int(now.timestamp() * 1000) + delay, error)
        return
    await mail.mark_sent(job.id, iso(now), [n.id for n in items],
                         next_digest=_next_part(job, items, now) if more else None)


async def mail_round(app: web.Application, now: datetime) -> int:
    """Send the due mails (none if SMTP is not set); how many jobs were handled."""
    config = app[CONFIG]
    if not config.smtp_host:
        return 0
    secret = load_secret(config.data_dir)
    jobs = await MailStore(app[DB]).claim(int(now.timestamp() * 1000), LEASE_MS, _BATCH)
    for job in jobs:
        await _one(app, secret, job, now)
    return len(jobs)
