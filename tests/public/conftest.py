"""Fixtures for published coverage: pieces taken through the real workflow to publication."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update

from coverage.accounts.models import User
from coverage.drafts import services as drafts
from coverage.extensions import db
from coverage.festivals import services as festivals
from coverage.festivals.models import Festival
from coverage.pieces import services as pieces
from coverage.pieces.kinds import PieceKind
from coverage.pieces.models import Piece
from coverage.pieces.workflow import Action
from coverage.programme import services as programme_services
from coverage.programme.kinds import EmbargoRule
from coverage.programme.models import Film, Screening
from coverage.programme.rules import FestivalFields, FilmFields

REVIEW_BODY = (
    "Sean Baker's camera loves Texas City the way its hero does not.\n\n"
    "Simon Rex plays Mikey Saber as a man who talks faster than he thinks.\n\n"
    "The refinery towers over every scene like a chorus that has seen it all before.\n\n"
    "It is a comedy until it is not, and the turn is the film's best trick."
)
PUBLISHED_AT = datetime(2021, 10, 12, 9, 0, tzinfo=UTC)


@pytest.fixture
def publish(app, programme, users):
    """`publish(...)` takes a new piece of the programme's festival from pitch to published
    through the workflow services, and returns its id. Keyword arguments set its kind, text,
    stars, film (None for no film), writer (a `users` key) and publication time."""

    def do(
        *,
        kind: PieceKind = PieceKind.REVIEW,
        headline: str = "Test Festival 2021: Red Rocket | Review",
        standfirst: str = "Sean Baker's Texas comedy runs on nerve and Simon Rex.",
        body: str = REVIEW_BODY,
        stars: int | None = 4,
        film_id: int | None | str = "programme",
        writer: str = "writer",
        at: datetime = PUBLISHED_AT,
        festival_id: int | None = None,
    ) -> int:
        with app.app_context():
            from coverage.festivals.models import Festival

            festival = db.session.get(Festival, festival_id or programme["festival"])
            editor = db.session.get(User, users["editor"])
            author = db.session.get(User, users[writer])
            chosen_film = programme["film"] if film_id == "programme" else film_id
            piece = pieces.create_piece(
                festival,
                editor,
                pieces.PlanFields(kind=kind, film_id=chosen_film),
                at - timedelta(days=2),
            )
            pieces.assign(
                piece,
                editor,
                pieces.PlanFields(
                    kind=kind,
                    film_id=chosen_film,
                    writer_id=author.id,
                    editor_id=editor.id,
                    due_at=at - timedelta(days=1),
                    interviewee_ids=[],
                ),
                at - timedelta(days=2),
            )
            drafts.save_draft(
                piece,
                author,
                drafts.Text(
                    headline, standfirst, body, stars if kind is PieceKind.REVIEW else None
                ),
                base_version=piece.version,
                now=at - timedelta(days=1, hours=2),
            )
            pieces.transition(piece, author, Action.FILE, at - timedelta(days=1))
            pieces.transition(piece, editor, Action.TAKE_FOR_EDIT, at - timedelta(hours=3))
            if kind is PieceKind.INTERVIEW and not piece.interviewees:
                person = pieces.people_from_lines(festival, piece.film, "Sean Baker, director")
                piece.interviewees = person
            pieces.transition(piece, editor, Action.APPROVE, at - timedelta(hours=2))
            pieces.transition(piece, editor, Action.PUBLISH, at)
            db.session.commit()
            return piece.id

    return do


def piece_row(app, piece_id: int) -> Piece:
    """The piece as stored now (detached; read its columns only)."""
    with app.app_context():
        piece = db.session.get(Piece, piece_id)
        db.session.expunge(piece)
        return piece


def second_festival(app) -> tuple[int, int]:
    """Another festival with one film: (festival id, film id)."""
    with app.app_context():
        festival = festivals.create_festival(
            FestivalFields(
                name="Other Festival",
                edition=2022,
                timezone="Europe/Berlin",
                start_date=date(2022, 2, 10),
                end_date=date(2022, 2, 20),
            )
        )
        film = programme_services.create_film(festival, FilmFields(title="Aftersun"))
        db.session.commit()
        return festival.id, film.id


def set_film_embargo(app, film_id: int, embargo_at: datetime | None) -> None:
    with app.app_context():
        film = db.session.get(Film, film_id)
        film.embargo_rule = EmbargoRule.FIXED if embargo_at else EmbargoRule.NONE
        film.embargo_at = embargo_at
        db.session.commit()


def editor_does(app, users, piece_id: int, action: Action, at: datetime, note: str = "") -> None:
    with app.app_context():
        piece = pieces.get_piece(piece_id)
        editor = db.session.get(User, users["editor"])
        pieces.transition(piece, editor, action, at, note=note)
        db.session.commit()


def correct(app, users, piece_id: int, headline: str, at: datetime) -> None:
    """Reopen a published piece, change its headline as the editor, approve, publish again."""
    with app.app_context():
        piece = pieces.get_piece(piece_id)
        editor = db.session.get(User, users["editor"])
        pieces.transition(piece, editor, Action.CORRECT, at)
        text = drafts.Text(headline, piece.standfirst, piece.body, piece.star_rating)
        drafts.save_draft(
            piece, editor, text, base_version=piece.version, now=at + timedelta(minutes=1)
        )
        pieces.transition(piece, editor, Action.APPROVE, at + timedelta(minutes=2))
        pieces.transition(piece, editor, Action.PUBLISH, at + timedelta(minutes=3))
        db.session.commit()


def backdate_changes(app, to: datetime) -> None:
    """Pretend the desk last touched accounts, festivals, pieces, films, screenings at `to`."""
    with app.app_context():
        for model in (User, Festival, Piece, Film, Screening):
            db.session.execute(update(model).values(updated_at=to))
        db.session.commit()


@pytest.fixture
def built_seconds_later(monkeypatch):
    """Public pages are built two seconds after now, as when a reader comes after the desk's
    last change rather than in the same second: their Last-Modified is then a strong validator
    and goes out (`page_store.last_modified_is_strong`)."""
    from datetime import timedelta

    from coverage.public import views
    from coverage.timeutil import utcnow

    monkeypatch.setattr(views, "utcnow", lambda: utcnow() + timedelta(seconds=2))
