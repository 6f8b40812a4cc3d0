"""Sending the outbox through SMTP: claimed under a lease, retried with backoff, never lost.

Each message is claimed in a short transaction of its own (PostgreSQL: `FOR UPDATE SKIP
LOCKED`, then a conditional UPDATE setting `claim_token` and `claimed_until`; SQLite: the same
under its one write lock), sent with no transaction open, and its outcome recorded in another
short transaction, only if the claim is still this worker's. So several workers on several
machines never send one message twice, and no lock is held while a slow mail server answers.
A worker that dies mid-send leaves a lease that expires, and the message is sent again later:
mail can only be "at least once" when the server's acceptance and our commit are two steps,
and the window is the time between them.

An unreachable or temporarily failing server (connection errors, timeouts, 4xx answers, a
refused login) never makes a message fail: it is retried with backoff (`rules.retry_delay`)
for as long as it takes. Only a message the server itself refuses (5xx), `MAX_REFUSALS` times,
is given up and marked failed, with the server's answer kept in `last_error` (admins see the
failed ones on the notifications page).
"""

from __future__ import annotations

import logging
import secrets
import smtplib
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import Flask, current_app
from sqlalchemy import func, or_, select, update

from coverage import locking
from coverage.extensions import db
from coverage.notifications import rules
from coverage.notifications.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

# Messages one round sends at most (the rest go next round, a few seconds later).
ROUND_LIMIT = 200
_WARNED = "coverage.notifications.unconfigured_warned_at"
WARN_AGAIN_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str = ""
    password: str = ""
    security: str = "none"  # none, starttls or ssl
    timeout: float = 20
    sender: str = "Festival desk <desk@localhost>"

    @classmethod
    def from_config(cls, config: Mapping) -> SmtpSettings:
        return cls(
            host=config.get("SMTP_HOST") or "",
            port=int(config.get("SMTP_PORT") or 25),
            username=config.get("SMTP_USERNAME") or "",
            password=config.get("SMTP_PASSWORD") or "",
            security=config.get("SMTP_SECURITY") or "none",
            timeout=float(config.get("SMTP_TIMEOUT_SECONDS") or 20),
            sender=config.get("MAIL_FROM") or "Festival desk <desk@localhost>",
        )

    @property
    def lease(self) -> timedelta:
        """How long a claim lasts: well beyond one message's slowest send."""
        return timedelta(seconds=max(300.0, 10 * self.timeout))


@dataclass
class SendReport:
    """What one sending pass did: emails sent, retries scheduled, messages given up."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Claimed:
    id: int
    token: str
    recipient: str
    subject: str
    body: str
    attempts: int
    refusals: int


class ServerTrouble(Exception):
    """The server could not be reached or answered "try later": retry, never give up."""


class Refused(Exception):
    """The server refused this message for good (5xx)."""


def open_connection(settings: SmtpSettings) -> smtplib.SMTP:
    """Connect (and log in) per the settings; raises ServerTrouble when that fails."""
    try:
        if settings.security == "ssl":
            connection: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host,
                settings.port,
                timeout=settings.timeout,
                context=ssl.create_default_context(),
            )
        else:
            connection = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
            if settings.security == "starttls":
                connection.starttls(context=ssl.create_default_context())
        if settings.username:
            connection.login(settings.username, settings.password)
    except (OSError, smtplib.SMTPException) as error:
        raise ServerTrouble(_describe(error)) from error
    return connection


def build_message(claimed: Claimed, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = claimed.recipient
    message["Subject"] = claimed.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(idstring=f"outbox-{claimed.id}")
    # Tells auto-responders (out-of-office) not to answer.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(claimed.body)
    return message


def deliver(connection: smtplib.SMTP, message: EmailMessage) -> None:
    """Hand one message to the server: Refused for a permanent refusal, ServerTrouble for
    anything worth trying again."""
    try:
        refused = connection.send_message(message)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        if codes and all(code >= 500 for code in codes):
            raise Refused(_describe(error)) from error
        raise ServerTrouble(_describe(error)) from error
    except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as error:
        if error.smtp_code >= 500:
            raise Refused(_describe(error)) from error
        raise ServerTrouble(_describe(error)) from error
    except (OSError, smtplib.SMTPException) as error:
        raise ServerTrouble(_describe(error)) from error
    if refused:  # only one recipient per message, so this is a partial refusal of nobody
        raise ServerTrouble(f"refused recipients: {refused}")


def _describe(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        answers = "; ".join(
            f"{who}: {code} {_text(reply)}" for who, (code, reply) in error.recipients.items()
        )
        return f"recipient refused ({answers})"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{type(error).__name__}: {error.smtp_code} {_text(error.smtp_error)}"
    return f"{type(error).__name__}: {error}".strip()


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)


# --- Claiming and recording -----------------------------------------------------------------


def _due(now: datetime):
    return (
        OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
    )


def claim_next(now: datetime, lease: timedelta) -> Claimed | None:
    """Take the next due message for this worker until `now + lease`, and commit; None when
    there is none (or another worker took it in between: then try again)."""
    locking.begin_write()
    row = db.session.execute(
        select(
            OutboxMessage.id,
            OutboxMessage.recipient,
            OutboxMessage.subject,
            OutboxMessage.body,
            OutboxMessage.attempts,
            OutboxMessage.refusals,
        )
        .where(*_due(now))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()
    if row is None:
        db.session.rollback()
        return None
    token = secrets.token_hex(16)
    taken = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row.id, *_due(now))
        .values(claim_token=token, claimed_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if taken.rowcount != 1:
        return None
    return Claimed(row.id, token, row.recipient, row.subject, row.body, row.attempts, row.refusals)


def _settle(claimed: Claimed, **values) -> bool:
    locking.begin_write()
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == claimed.id, OutboxMessage.claim_token == claimed.token)
        .values(claim_token=None, claimed_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount != 1:
        log.warning("email #%s: its claim ran out before the outcome was recorded", claimed.id)
        return False
    return True


def record_sent(claimed: Claimed, now: datetime) -> None:
    _settle(claimed, status=OutboxStatus.SENT, sent_at=now, attempts=claimed.attempts + 1)


def record_failure(claimed: Claimed, now: datetime, error: str, *, refused: bool) -> bool:
    """Back the message off, or give it up after MAX_REFUSALS refusals; True if given up."""
    attempts = claimed.attempts + 1
    refusals = claimed.refusals + (1 if refused else 0)
    give_up = refusals >= rules.MAX_REFUSALS
    _settle(
        claimed,
        attempts=attempts,
        refusals=refusals,
        last_error=error[:2000],
        status=OutboxStatus.FAILED if give_up else OutboxStatus.PENDING,
        next_attempt_at=now + rules.retry_delay(attempts),
    )
    return give_up


def send_due(
    app: Flask,
    now: datetime,
    *,
    connect: Callable[[SmtpSettings], smtplib.SMTP] = open_connection,
    limit: int = ROUND_LIMIT,
) -> SendReport:
    """Send the outbox's due messages (at most `limit`), each claimed, sent and recorded.

    Runs in its own app context. With no SMTP_HOST nothing is sent (the messages wait, and a
    warning says so at most once an hour). When the server cannot be reached, the message in
    hand is backed off and the pass ends: the others would fail the same way.
    """
    report = SendReport()
    with app.app_context():
        settings = SmtpSettings.from_config(current_app.config)
        if not settings.host:
            _warn_unconfigured(app, now)
            return report
        connection: smtplib.SMTP | None = None
        try:
            for _ in range(limit):
                claimed = claim_next(now, settings.lease)
                if claimed is None:
                    break
                try:
                    if connection is None:
                        connection = connect(settings)
                    deliver(connection, build_message(claimed, settings.sender))
                except ServerTrouble as trouble:
                    record_failure(claimed, now, str(trouble), refused=False)
                    report.retried += 1
                    report.errors.append(str(trouble))
                    log.warning("email #%s not sent, will retry: %s", claimed.id, trouble)
                    break
                except Refused as refusal:
                    if record_failure(claimed, now, str(refusal), refused=True):
                        report.failed += 1
                        log.error("email #%s given up: %s", claimed.id, refusal)
                    else:
                        report.retried += 1
                    report.errors.append(str(refusal))
                    continue
                except BaseException:
                    # A bug (or Ctrl-C) mid-send: free the claim so it is retried soon.
                    _rollback_quietly()
                    record_failure(claimed, now, "interrupted while sending", refused=False)
                    raise
                record_sent(claimed, now)
                report.sent += 1
        finally:
            _rollback_quietly()
            if connection is not None:
                try:
                    connection.quit()
                except (OSError, smtplib.SMTPException):
                    connection.close()
    return report


def _warn_unconfigured(app: Flask, now: datetime) -> None:
    waiting = db.session.scalar(
        select(func.count(OutboxMessage.id)).where(OutboxMessage.status == OutboxStatus.PENDING)
    )
    if not waiting:
        return
    last = app.extensions.get(_WARNED)
    if last is not None and now - last < WARN_AGAIN_AFTER:
        return
    app.extensions[_WARNED] = now
    log.warning(
        "%s email(s) waiting in the outbox and SMTP_HOST is not set: nothing is sent until it "
        "is (notices still show in the app)",
        waiting,
    )


def _rollback_quietly() -> None:
    try:
        db.session.rollback()
    except Exception:  # the connection may be gone; the session is discarded with the context
        log.debug("rollback after sending failed", exc_info=True)
