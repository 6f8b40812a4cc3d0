"""Telling people: notices in the app and emails in the outbox, written with the change.

`notify` is the one way in. It adds the notice and (per the recipient's choices) an outbox row
to the current transaction and flushes; the caller commits once, so a change that is rolled
back tells nobody, and a committed one always has its mail waiting (the worker sends it, see
`mailer`). The `on_*` hooks turn the pieces' events into notices; `remind` and `build_digests`
are the worker's rounds.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from coverage import locking
from coverage.accounts.models import User
from coverage.accounts.roles import Role
from coverage.extensions import db
from coverage.identity import InstallSetting
from coverage.notifications import rules
from coverage.notifications.models import EmailPreference, Notification, OutboxMessage
from coverage.notifications.rules import Delivery, NoticeKind, PieceParties, Slot
from coverage.pieces.models import Piece
from coverage.timeutil import format_in_zone, to_zone
from coverage.upsert import dialect_insert

log = logging.getLogger(__name__)

SITE_URL_KEY = "site_url"
FALLBACK_SITE_URL = "http://127.0.0.1:5000"
_CACHE = "coverage.notifications.site_url"


# --- Preferences ----------------------------------------------------------------------------


def preference_for(user: User) -> EmailPreference:
    """The user's email choices (an unsaved default, every kind at once, when they made none)."""
    found = db.session.get(EmailPreference, user.id)
    if found is not None:
        return found
    return EmailPreference(user_id=user.id, off_kinds="", delivery=Delivery.AT_ONCE)


def emailed_kinds(preference: EmailPreference) -> frozenset[NoticeKind]:
    return frozenset(NoticeKind) - rules.parse_off_kinds(preference.off_kinds or "")


def save_preferences(
    user: User,
    emailed: Sequence[NoticeKind],
    delivery: Delivery,
    shown: Sequence[NoticeKind] | None = None,
) -> None:
    """Store which kinds the user gets by email and how; flushes. `shown` are the kinds the
    form offered (default: all); kinds not shown keep their stored choice."""
    preference = db.session.get(EmailPreference, user.id)
    if preference is None:
        preference = EmailPreference(user_id=user.id, off_kinds="")
        db.session.add(preference)
    preference.off_kinds = rules.format_off_kinds(
        rules.merged_off_kinds(
            rules.parse_off_kinds(preference.off_kinds or ""),
            NoticeKind if shown is None else shown,
            emailed,
        )
    )
    preference.delivery = delivery
    db.session.flush()


# --- The site's address, for links in emails ------------------------------------------------


def site_url() -> str:
    """The address links in emails start with: PUBLIC_BASE_URL, else the address the desk was
    last seen using (`remember_site_url`), else FALLBACK_SITE_URL."""
    configured = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    if configured:
        return configured
    stored = db.session.scalar(
        select(InstallSetting.value).where(InstallSetting.key == SITE_URL_KEY)
    )
    return stored or FALLBACK_SITE_URL


def remember_site_url(now: datetime, *, signed_in_as_admin: bool) -> None:
    """Keep the address a user just signed in at, for the links in the worker's emails.

    Only without PUBLIC_BASE_URL (development: production requires it). The Host header is
    whatever the client wrote, and a password-reset email sent to someone else must not link to
    a host an attacker chose at their own login: so the address is learnt only from an admin's
    login (whose browser wrote the Host of the address they use). Not from anyone's even when
    TRUSTED_HOSTS is checked: it ignores the port and may allow every subdomain. The row is
    written in the login request's own transaction, committed here, only when the address
    changed (cached per process). An INSERT that ignores a conflict lets two app servers'
    logins race harmlessly."""
    if not has_request_context() or current_app.config.get("PUBLIC_BASE_URL"):
        return
    if not signed_in_as_admin:
        return
    seen = request.host_url.rstrip("/")[:255]
    parts = urlsplit(seen)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return
    cache = current_app.extensions.setdefault(_CACHE, {})
    if cache.get(SITE_URL_KEY) == seen:
        return
    db.session.execute(
        dialect_insert(db.session.get_bind().dialect.name, InstallSetting)
        .values(key=SITE_URL_KEY, value=seen, created_at=now)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    db.session.execute(
        update(InstallSetting)
        .where(InstallSetting.key == SITE_URL_KEY, InstallSetting.value != seen)
        .values(value=seen)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    cache[SITE_URL_KEY] = seen


# --- Notify ---------------------------------------------------------------------------------


def notify(
    recipient: User,
    kind: NoticeKind,
    *,
    subject: str,
    body: str,
    link: str,
    now: datetime,
    piece: Piece | None = None,
    actor: User | None = None,
    dedupe_key: str | None = None,
) -> Notification | None:
    """Tell `recipient` something: an in-app notice, and an email per their choices.

    `subject` is one line; `body` plain text (it should name the piece, the festival, what
    happened, who did it and when, in the festival's zone); `link` a site-relative path
    ("/pieces/12"). Both rows join the current transaction and are flushed, never committed.
    Returns the notice, or None (nothing added) when the recipient is the actor, is inactive,
    or a notice with the same `dedupe_key` exists already (also when another worker inserted it
    a moment ago: the unique constraint decides, inside a savepoint).
    """
    if not recipient.active or (actor is not None and actor.id == recipient.id):
        return None
    if dedupe_key is not None:
        locking.begin_write()  # SQLite: writers are serialised, so the check below holds
        exists = db.session.scalar(
            select(Notification.id).where(Notification.dedupe_key == dedupe_key)
        )
        if exists is not None:
            return None
    preference = preference_for(recipient)
    emailed = kind in emailed_kinds(preference)
    digest = emailed and preference.delivery is Delivery.DAILY_DIGEST
    notice = Notification(
        user_id=recipient.id,
        kind=kind,
        piece_id=piece.id if piece is not None else None,
        actor_id=actor.id if actor is not None else None,
        subject=subject[:300],
        body=body,
        link=link,
        created_at=now,
        dedupe_key=dedupe_key,
        awaiting_digest=digest,
    )
    rows: list[object] = [notice]
    if emailed and not digest:
        rows.append(
            OutboxMessage(
                user_id=recipient.id,
                recipient=recipient.email,
                subject=subject[:300],
                body=email_text(body, link),
                next_attempt_at=now,
                created_at=now,
            )
        )
    if dedupe_key is None or db.session.get_bind().dialect.name == "sqlite":
        db.session.add_all(rows)
        db.session.flush()
        return notice
    try:
        # PostgreSQL: two workers may both have found no reminder; the second insert waits for
        # the first transaction, then fails on the unique key and only its savepoint goes.
        with db.session.begin_nested():
            db.session.add_all(rows)
            db.session.flush()
    except IntegrityError:
        return None
    return notice


def email_text(body: str, link: str) -> str:
    """The email's text: the notice, its absolute link, and where to change what is sent."""
    base = site_url()
    return (
        f"{body}\n\nOpen it: {base}{link}\n\n-- \n"
        f"Festival desk. Choose which emails you get: {base}/account#email\n"
    )


def queue_account_email(user: User, subject: str, body: str, now: datetime) -> OutboxMessage:
    """An email about the account itself (a password reset link), sent whatever the user's
    notice choices; no in-app notice. Joins the current transaction (flushed, not committed),
    and the worker sends it like any other outbox message."""
    message = OutboxMessage(
        user_id=user.id,
        recipient=user.email,
        subject=subject[:300],
        body=body,
        next_attempt_at=now,
        created_at=now,
    )
    db.session.add(message)
    db.session.flush()
    return message


# --- What the pieces' events say ------------------------------------------------------------


def piece_link(piece: Piece) -> str:
    return f"/pieces/{piece.id}"


def _parties(piece: Piece) -> PieceParties:
    desk: tuple[int, ...] = ()
    admins: tuple[int, ...] = ()
    if piece.editor_id is None:
        rows = db.session.execute(
            select(User.id, User.role).where(
                User.active.is_(True), User.role.in_([Role.EDITOR, Role.ADMIN])
            )
        ).all()
        desk = tuple(sorted(i for i, role in rows if role is Role.EDITOR))
        admins = tuple(sorted(i for i, role in rows if role is Role.ADMIN))
    return PieceParties(piece.writer_id, piece.editor_id, desk, admins)


def _users(ids: Sequence[int]) -> list[User]:
    if not ids:
        return []
    found = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def _when(moment: datetime | None, piece: Piece) -> str:
    return format_in_zone(moment, piece.festival.timezone) if moment is not None else "no time"


def _about(piece: Piece) -> tuple[str, str]:
    from coverage.pieces.services import piece_title

    return piece_title(piece), piece.festival.display_name


def _at(piece: Piece, now: datetime) -> str:
    return f"When: {_when(now, piece)}"


def _send(
    kind: NoticeKind,
    piece: Piece,
    actor: User | None,
    now: datetime,
    subject: str,
    body: str,
    *,
    recipient_ids: Sequence[int] | None = None,
    dedupe: bool = False,
) -> list[Notification]:
    ids = (
        recipient_ids
        if recipient_ids is not None
        else rules.recipients(kind, _parties(piece), actor.id if actor else None)
    )
    sent = []
    for user in _users(ids):
        key = rules.reminder_key(kind, piece.id, user.id, piece.due_at) if dedupe else None
        notice = notify(
            user,
            kind,
            subject=subject,
            body=f"{body}\n\n{_at(piece, now)}" if actor is not None else body,
            link=piece_link(piece),
            now=now,
            piece=piece,
            actor=actor,
            dedupe_key=key,
        )
        if notice is not None:
            sent.append(notice)
    return sent


def on_transition(piece: Piece, actor: User | None, action: str, note: str, now: datetime) -> None:
    """Tell whoever a workflow step concerns (called by `pieces.services.transition` after the
    state change, before its flush). `action` is the workflow Action's value."""
    title, festival = _about(piece)
    if action == "spike" and piece.writer_id is not None:
        slot = Slot(piece.slot_starts_at, piece.slot_ends_at, piece.slot_place)
        if rules.slot_cancelled(slot, now):
            where = f" at {piece.slot_place}" if piece.slot_place else ""
            _send(
                NoticeKind.SCHEDULE_CHANGED,
                piece,
                actor,
                now,
                f"Interview cancelled: {title}",
                f"{actor.name if actor else 'The desk'} spiked {title} ({festival}), so its "
                "interview slot on "
                f"{_when(piece.slot_starts_at, piece)}{where} is off.\n\nReason: {note}",
                recipient_ids=rules.without([piece.writer_id], actor.id if actor else None),
            )
        return
    kind = rules.kind_for_transition(action, piece.state)
    if kind is None:
        return
    who = actor.name if actor is not None else "The publishing job"
    if kind is NoticeKind.ASSIGNED:
        lines = [f"{who} assigned you {title} for {festival}."]
        lines.append(f"Copy is due {_when(piece.due_at, piece)}.")
        if piece.screening is not None:
            venue = piece.screening.venue.name if piece.screening.venue else ""
            lines.append(
                f"See it at the screening on {_when(piece.screening.starts_at, piece)}"
                + (f", {venue}." if venue else ".")
            )
        if piece.slot_starts_at is not None:
            place = f", {piece.slot_place}" if piece.slot_place else ""
            lines.append(f"Interview slot: {_when(piece.slot_starts_at, piece)}{place}.")
        subject, body = f"Assigned to you: {title}", "\n".join(lines)
    elif kind is NoticeKind.DECLINED:
        subject = f"Declined: {title}"
        body = (
            f"{who} declined {title} ({festival}). Reason: {note}\n"
            "It is back among the pitches, to reassign."
        )
    elif kind is NoticeKind.FILED:
        words = len(piece.body.split())
        subject = f"Filed: {title}"
        body = f"{who} filed {title} ({festival}), {words} words. It waits for an edit."
    elif kind is NoticeKind.RETURNED:
        subject = f"Returned with notes: {title}"
        body = f"{who} returned {title} ({festival}) to you with this note:\n\n{note}"
    elif kind is NoticeKind.APPROVED:
        subject = f"Approved: {title}"
        body = f"{who} approved {title} ({festival}). It is ready to publish."
    else:
        subject = f"Published: {title}"
        body = f"{who} published {title} ({festival}) at {_when(now, piece)}."
    _send(kind, piece, actor, now, subject, body)


def on_published_by_worker(piece: Piece, now: datetime) -> None:
    """A scheduled piece went live when its time came: its writer hears (from `publish_due`)."""
    title, festival = _about(piece)
    _send(
        NoticeKind.PUBLISHED,
        piece,
        None,
        now,
        f"Published: {title}",
        f"{title} ({festival}) went live at {_when(now, piece)}, when its embargo lifted.",
    )


def slot_of(piece: Piece) -> Slot:
    return Slot(piece.slot_starts_at, piece.slot_ends_at, piece.slot_place or "")


def on_plan_change(piece: Piece, actor: User, before: Slot, now: datetime) -> None:
    """After the desk changed a piece's plan: a writer whose interview slot moved, was set or
    dropped hears of it (from `pieces.services.update_plan`)."""
    after = slot_of(piece)
    if piece.writer_id is None or not rules.slot_changed(before, after, piece.state):
        return
    title, festival = _about(piece)

    def describe(slot: Slot) -> str:
        if not slot.is_set:
            return "no interview slot"
        place = f", {slot.place.strip()}" if slot.place.strip() else ""
        zone = piece.festival.timezone
        start = to_zone(slot.starts_at, zone).strftime("%a %d %b %Y, %H:%M")
        return f"{start}–{format_in_zone(slot.ends_at, zone, '%H:%M')}{place}"

    if not after.is_set:
        subject = f"Interview slot cancelled: {title}"
    else:
        subject = f"Interview slot changed: {title}"
    body = (
        f"{actor.name} changed the interview slot for {title} ({festival}).\n"
        f"Was: {describe(before)}\nNow: {describe(after)}"
    )
    _send(NoticeKind.SCHEDULE_CHANGED, piece, actor, now, subject, body)


# --- The worker's rounds: reminders and digests ---------------------------------------------


def remind(now: datetime) -> int:
    """Create the deadline reminders due at `now`: 12 hours before a deadline, the writer;
    once it has passed, the writer and the desk. Each once per piece, person and due time (the
    dedupe key), however many rounds or workers run; deadlines more than
    `rules.OVERDUE_LOOKBACK` past are left alone. Flushes; returns how many were added."""
    locking.begin_write()
    pieces = db.session.scalars(
        select(Piece)
        .options(
            selectinload(Piece.festival),
            selectinload(Piece.film),
            selectinload(Piece.interviewees),
        )
        .where(
            Piece.state.in_(rules.AWAITING_COPY),
            Piece.due_at.is_not(None),
            Piece.due_at <= now + rules.DEADLINE_SOON_BEFORE,
            Piece.due_at > now - rules.OVERDUE_LOOKBACK,
        )
        .order_by(Piece.due_at, Piece.id)
    ).all()
    added = 0
    for piece in pieces:
        kind = rules.reminder_due(piece.state, piece.due_at, now)
        if kind is None:
            continue
        title, festival = _about(piece)
        due = _when(piece.due_at, piece)
        if kind is NoticeKind.DEADLINE_SOON:
            subject = f"Due in under 12 hours: {title}"
            body = f"Copy for {title} ({festival}) is due {due}."
        else:
            subject = f"Overdue: {title}"
            body = f"Copy for {title} ({festival}) was due {due} and has not been filed."
            if piece.writer is not None:
                body += f" Writer: {piece.writer.name}."
        added += len(_send(kind, piece, None, now, subject, body, dedupe=True))
    return added


def digest_key(user_id: int, now: datetime) -> str:
    return f"digest:{user_id}:{now.date().isoformat()}"


def build_digests(now: datetime, digest_hour_utc: int) -> int:
    """From `digest_hour_utc` on, give each user with notices awaiting their digest one email
    listing them (at most one digest per user per UTC day; later notices wait for tomorrow's).
    Flushes; returns how many digests were queued."""
    if not rules.digest_due(now, digest_hour_utc):
        return 0
    locking.begin_write()
    user_ids = db.session.scalars(
        select(Notification.user_id).where(Notification.awaiting_digest.is_(True)).distinct()
    ).all()
    queued = 0
    for user in _users(sorted(user_ids)):
        key = digest_key(user.id, now)
        if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)):
            continue  # today's went out already; these wait for tomorrow's
        notices = db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id, Notification.awaiting_digest.is_(True))
            .order_by(Notification.created_at, Notification.id)
            .with_for_update(skip_locked=True)
        ).all()
        if not notices:
            continue
        base = site_url()
        parts = [
            f"{len(notices)} notice{'s' if len(notices) != 1 else ''} since your last digest:",
            "",
        ]
        for notice in notices:
            parts += [f"* {notice.subject}", notice.body, f"  {base}{notice.link}", ""]
        parts += ["-- ", f"Festival desk. Choose which emails you get: {base}/account#email", ""]
        message = OutboxMessage(
            user_id=user.id,
            recipient=user.email,
            subject=f"Your festival desk digest: {len(notices)} "
            f"notice{'s' if len(notices) != 1 else ''}",
            body="\n".join(parts),
            next_attempt_at=now,
            created_at=now,
            dedupe_key=key,
        )
        ids = [notice.id for notice in notices]
        if not _insert_once(message):
            continue
        db.session.execute(
            update(Notification)
            .where(Notification.id.in_(ids))
            .values(awaiting_digest=False)
            .execution_options(synchronize_session=False)
        )
        queued += 1
    db.session.flush()
    return queued


def _insert_once(row: OutboxMessage) -> bool:
    if not user_is_sqlite():
        try:
            with db.session.begin_nested():
                db.session.add(row)
                db.session.flush()
        except IntegrityError:
            return False
        return True
    db.session.add(row)
    db.session.flush()
    return True


def user_is_sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


# --- Reading notices ------------------------------------------------------------------------


def unread_count(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count(Notification.id)).where(
                Notification.user_id == user.id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def recent_notices(user: User, limit: int = 100) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .options(selectinload(Notification.piece).selectinload(Piece.festival))
            .where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def mark_read(user: User, now: datetime, notice_id: int | None = None) -> int:
    """Mark the user's unread notices read (one, or all); flushes; returns how many."""
    statement = update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if notice_id is not None:
        statement = statement.where(Notification.id == notice_id)
    result = db.session.execute(
        statement.values(read_at=now).execution_options(synchronize_session=False)
    )
    db.session.flush()
    return result.rowcount or 0


def failed_messages(limit: int = 50) -> list[OutboxMessage]:
    """Emails given up on, newest first: admins see them with the server's answer."""
    from coverage.notifications.models import OutboxStatus

    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.FAILED)
            .order_by(OutboxMessage.created_at.desc())
            .limit(limit)
        )
    )
