"""Feed tokens: secret URLs for calendar subscriptions, stored only as hashes."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from coverage.accounts.models import User
from coverage.accounts.permissions import DESK_ROLES
from coverage.accounts.tokens import hash_token, new_token
from coverage.calendars.kinds import FeedKind
from coverage.calendars.models import FeedBody, FeedState, FeedToken
from coverage.errors import InvalidInput, NotPermitted
from coverage.extensions import db
from coverage.festivals.models import Festival
from coverage.upsert import dialect_insert

TOKEN_PREFIX = "cal"


def check_feed_allowed(user: User, kind: FeedKind, festival: Festival | None) -> None:
    if not user.active:
        raise NotPermitted("This account is deactivated.")
    if kind is FeedKind.PERSONAL:
        if festival is not None:
            raise InvalidInput("A personal feed covers every festival; choose none.")
        return
    if festival is None:
        raise InvalidInput("Choose the festival for this feed.", field="festival")
    if kind is FeedKind.DESK and user.role not in DESK_ROLES:
        raise NotPermitted("Only editors subscribe to the desk calendar.")


def issue_feed_token(
    user: User, kind: FeedKind, festival: Festival | None, now: datetime
) -> tuple[FeedToken, str]:
    """A new secret for this user's feed; the previous one (if any) stops working at once."""
    check_feed_allowed(user, kind, festival)
    for old in active_tokens(user, kind, festival):
        old.revoked_at = now
    secret = new_token(TOKEN_PREFIX)
    token = FeedToken(
        user=user,
        kind=kind,
        festival=festival,
        token_hash=hash_token(secret),
        created_at=now,
    )
    db.session.add(token)
    db.session.flush()
    return token, secret


def active_tokens(user: User, kind: FeedKind, festival: Festival | None) -> list[FeedToken]:
    query = select(FeedToken).where(
        FeedToken.user_id == user.id, FeedToken.kind == kind, FeedToken.revoked_at.is_(None)
    )
    if festival is None:
        query = query.where(FeedToken.festival_id.is_(None))
    else:
        query = query.where(FeedToken.festival_id == festival.id)
    return list(db.session.scalars(query))


def revoke_feed_token(user: User, token_id: int, now: datetime) -> FeedToken:
    token = db.session.get(FeedToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotPermitted("That is not one of your calendar feeds.")
    if token.revoked_at is None:
        token.revoked_at = now
    db.session.flush()
    return token


def token_for_secret(secret: str) -> FeedToken | None:
    """The live token for a feed URL's secret: revoked tokens and deactivated users get None."""
    if not secret.startswith(f"{TOKEN_PREFIX}_"):
        return None
    # The user and festival every feed request reads come in the same query: a 304 costs
    # this, the fingerprint and the feed state, nothing more.
    token = db.session.scalar(
        select(FeedToken)
        .where(FeedToken.token_hash == hash_token(secret))
        .options(joinedload(FeedToken.user), joinedload(FeedToken.festival))
    )
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    if token.kind is FeedKind.DESK and token.user.role not in DESK_ROLES:
        return None  # demoted since: the desk calendar is no longer theirs
    return token


def live_feeds(user: User) -> list[FeedToken]:
    return list(
        db.session.scalars(
            select(FeedToken)
            .where(FeedToken.user_id == user.id, FeedToken.revoked_at.is_(None))
            .order_by(FeedToken.kind, FeedToken.id)
        )
    )


def feed_last_modified(
    scope: str, etag: str, content_changed: datetime, now: datetime
) -> tuple[datetime, bool]:
    """Last-Modified for a feed served with `etag`, and whether the stored state changed.

    It rises every time the ETag changes. `content_changed` is the latest change time the
    feed's rows show; removals do not show there, but they change the ETag. The first time a
    feed is seen (or after an upgrade) it is dated now, so clients holding an older copy fetch
    it once. A change is staged in the session; the caller commits it (`save_feed_state`). Two
    servers racing over one feed both answer with a time after every change they saw,
    whichever one's row is kept.
    """
    now = now.replace(microsecond=0)
    state = db.session.get(FeedState, scope)
    if state is None:
        moment = max(content_changed, now)
        # Not session.add: a pending row would be flushed by the next query, and when another
        # server inserted the same feed's row first, that query would fail. This INSERT leaves
        # the other row in place; both answers are dated after every change either saw.
        db.session.execute(
            dialect_insert(db.session.get_bind().dialect.name, FeedState)
            .values(scope=scope, etag=etag, last_modified=moment)
            .on_conflict_do_nothing(index_elements=["scope"])
        )
        return moment, True
    if state.etag == etag:
        return max(state.last_modified, content_changed), False
    # Strictly later than what was served with the old ETag: HTTP dates have whole seconds.
    moment = max(content_changed, now, state.last_modified + timedelta(seconds=1))
    state.etag = etag
    state.last_modified = moment
    return moment, True


def save_feed_state() -> None:
    """Commit what `feed_last_modified` staged. Inserts leave a row another server stored first
    (which is as good); an update racing another's commit is as good as theirs."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()


def stored_feed_body(scope: str, etag: str) -> bytes | None:
    """The feed bytes stored for `scope` when they were built for this `etag`, else None.

    One primary-key query; the bytes are exactly what a build would give (the ETag is a
    fingerprint of everything the feed shows, the format version included)."""
    return db.session.scalar(
        select(FeedBody.body).where(FeedBody.scope == scope, FeedBody.etag == etag)
    )


def store_feed_body(scope: str, etag: str, body: bytes, now: datetime) -> None:
    """Keep `body` as the feed's bytes for `etag`, replacing an older build, and commit. Two
    servers building the same feed at once store the same bytes; whichever insert loses the
    race is dropped (the winner's row is as good)."""
    # An UPDATE, not a load-and-assign: the old body (a megabyte) is never read back.
    replaced = db.session.execute(
        update(FeedBody)
        .where(FeedBody.scope == scope)
        .values(etag=etag, body=body, built_at=now)
        .execution_options(synchronize_session=False)
    )
    if replaced.rowcount == 0:
        db.session.execute(
            dialect_insert(db.session.get_bind().dialect.name, FeedBody)
            .values(scope=scope, etag=etag, body=body, built_at=now)
            .on_conflict_do_nothing(index_elements=["scope"])
        )
    save_feed_state()
