"""Imports every model so that Alembic and `db.create_all` see the whole schema."""

from coverage.accounts.models import ApiToken, User
from coverage.calendars.models import FeedState, FeedToken
from coverage.drafts.models import Comment, EditPresence, Revision
from coverage.festivals.models import Festival, FestivalSlug, Venue, VenueTravel
from coverage.identity import InstallSetting
from coverage.pieces.models import Piece, PieceSlug, Transition, piece_films, piece_interviewees
from coverage.programme.models import Film, Person, ProgrammeUpload, Screening

__all__ = [
    "ApiToken",
    "Comment",
    "EditPresence",
    "FeedState",
    "FeedToken",
    "Festival",
    "FestivalSlug",
    "Film",
    "InstallSetting",
    "Person",
    "ProgrammeUpload",
    "Piece",
    "PieceSlug",
    "Revision",
    "Screening",
    "Transition",
    "User",
    "Venue",
    "VenueTravel",
    "piece_films",
    "piece_interviewees",
]
