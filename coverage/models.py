"""Imports every model so that Alembic and `db.create_all` see the whole schema."""

from coverage.accounts.models import ApiToken, LoginSession, PasswordReset, RateLimitCounter, User
from coverage.audit.models import AuditEvent
from coverage.calendars.models import FeedState, FeedToken
from coverage.drafts.models import Comment, EditPresence, Revision
from coverage.festivals.models import Festival, FestivalSlug, Venue, VenueAlias, VenueTravel
from coverage.identity import InstallSetting
from coverage.notifications.models import EmailPreference, Notification, OutboxMessage
from coverage.pieces.models import (
    ClashOverride,
    Piece,
    PieceSlug,
    Transition,
    piece_films,
    piece_interviewees,
)
from coverage.programme.models import Film, Person, ProgrammeUpload, Screening

__all__ = [
    "ApiToken",
    "AuditEvent",
    "LoginSession",
    "PasswordReset",
    "RateLimitCounter",
    "ClashOverride",
    "Comment",
    "EditPresence",
    "EmailPreference",
    "FeedState",
    "FeedToken",
    "Festival",
    "FestivalSlug",
    "Film",
    "InstallSetting",
    "Notification",
    "OutboxMessage",
    "Person",
    "ProgrammeUpload",
    "Piece",
    "PieceSlug",
    "Revision",
    "Screening",
    "Transition",
    "User",
    "Venue",
    "VenueAlias",
    "VenueTravel",
    "piece_films",
    "piece_interviewees",
]
