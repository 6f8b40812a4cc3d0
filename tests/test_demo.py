"""The demo desk's festival running now: dated from the moment it is loaded, so a new user's
"My work" shows what is coming (screenings, near deadlines, copy waiting), not only the past."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from coverage.accounts.models import User
from coverage.accounts.roles import Role
from coverage.demo import load_demo_data, running_festival_days
from coverage.drafts.models import Revision
from coverage.extensions import db
from coverage.festivals.models import Festival
from coverage.pieces import board
from coverage.pieces import services as pieces
from coverage.pieces.kinds import PieceState
from coverage.pieces.models import Piece, Transition
from coverage.pieces.workflow import Action
from coverage.timeutil import format_in_zone, to_zone
from tests.conftest import log_in

# 11:00 in Manila on Sunday 10 March 2024; 00:30 and 23:30 there test the ends of a day.
MIDDAY = datetime(2024, 3, 10, 3, 0, tzinfo=UTC)
JUST_AFTER_MIDNIGHT = datetime(2024, 12, 31, 16, 30, tzinfo=UTC)  # 00:30, 1 Jan 2025
JUST_BEFORE_MIDNIGHT = datetime(2024, 3, 10, 15, 30, tzinfo=UTC)  # 23:30, 10 March


def _load(app, now: datetime) -> None:
    with app.app_context():
        load_demo_data(now)
        db.session.commit()


def _running(now: datetime) -> Festival:
    opening = running_festival_days(now)[0]
    return db.session.scalar(
        select(Festival).where(Festival.slug == f"harbour-lights-film-festival-{opening.year}")
    )


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _festival_pieces(festival: Festival) -> list[Piece]:
    return list(db.session.scalars(select(Piece).where(Piece.festival_id == festival.id)))


def _by_title(festival: Festival) -> dict[tuple[str, str], Piece]:
    return {(p.kind.value, p.film.title): p for p in _festival_pieces(festival)}


@pytest.mark.parametrize("now", [MIDDAY, JUST_AFTER_MIDNIGHT, JUST_BEFORE_MIDNIGHT])
def test_the_running_festival_is_on_today_and_its_past_is_past(app, now):
    _load(app, now)
    with app.app_context():
        festival = _running(now)
        today = to_zone(now, festival.timezone).date()
        assert festival.timezone == "Asia/Manila"
        assert festival.start_date == today - timedelta(days=2)
        assert festival.end_date == today + timedelta(days=8)
        # The old demo festivals are still there.
        slugs = set(db.session.scalars(select(Festival.slug)))
        assert {"london-film-festival-2021", "toronto-international-film-festival-2021"} <= slugs
        screening_days = {
            to_zone(s.starts_at, festival.timezone).date()
            for film in festival.films
            for s in film.screenings
        }
        assert min(screening_days) == festival.start_date
        assert max(screening_days) == festival.end_date
        assert today in screening_days
        # Whatever the hour it is loaded, nothing in any piece's history lies in the future.
        ids = [p.id for p in _festival_pieces(festival)]
        steps = db.session.scalars(select(Transition).where(Transition.piece_id.in_(ids))).all()
        saves = db.session.scalars(select(Revision).where(Revision.piece_id.in_(ids))).all()
        assert steps and saves
        assert max(t.created_at for t in steps) <= now
        assert max(r.created_at for r in saves) <= now
        # Every step follows the one before it.
        for piece in _festival_pieces(festival):
            times = [t.created_at for t in sorted(piece.transitions, key=lambda t: t.id)]
            assert times == sorted(times), piece.id


@pytest.mark.parametrize("now", [MIDDAY, JUST_AFTER_MIDNIGHT, JUST_BEFORE_MIDNIGHT])
def test_demo_writers_see_what_is_coming(app, now):
    _load(app, now)
    with app.app_context():
        nia = board.my_work(_user("critic@example.com"), now)
        sam = board.my_work(_user("critic2@example.com"), now)
        harbour = _running(now)

        def here(items):
            return [p for p in items if p.festival_id == harbour.id]

        # Nia: one deadline in five hours, a returned review due in ten, one later on.
        nia_due = sorted(p.due_at - now for p in here(nia.due_next))
        assert nia_due[:2] == [timedelta(hours=5), timedelta(hours=10)]
        assert any(delta > timedelta(hours=12) for delta in nia_due)
        assert [p.film.title for p, _ in nia.returned] == ["Night Market"]
        # A press screening to attend tomorrow morning.
        ahead = [a for a in nia.attend if a.starts_at > now]
        assert [a.piece.film.title for a in ahead] == ["The Ferryman's Daughter"]
        assert format_in_zone(ahead[0].starts_at, harbour.timezone, "%H:%M").startswith("09:30")
        assert timedelta(hours=9) < ahead[0].starts_at - now < timedelta(days=2)
        # Sam: a deadline missed four hours ago, an interview tomorrow, a press screening later.
        assert [(p.film.title, now - p.due_at) for p in here(sam.overdue)] == [
            ("Salt and Smoke", timedelta(hours=4))
        ]
        sam_ahead = [(a.piece.kind.value, a.piece.film.title) for a in sam.attend]
        assert sam_ahead == [("interview", "The Last Jeepney"), ("review", "Lighthouse Keepers")]
        assert "Anton Reyes on the last ferries of Laguna de Bay" in [
            p.headline for p in nia.pitched
        ]


def test_demo_editor_has_a_piece_in_every_state_to_act_on(app):
    now = MIDDAY
    _load(app, now)
    with app.app_context():
        editor = _user("editor@example.com")
        festival = _running(now)
        by_title = _by_title(festival)
        states = {key: piece.state for key, piece in by_title.items()}
        assert states == {
            ("review", "Tide Tables"): PieceState.PUBLISHED,
            ("interview", "Tide Tables"): PieceState.EDITING,
            ("review", "Rain on Tin Roofs"): PieceState.FILED,
            ("review", "A House by the Pasig"): PieceState.FILED,
            ("review", "Kites Over Tondo"): PieceState.READY,
            ("review", "Paper Boats"): PieceState.SCHEDULED,
            ("review", "Monsoon Letters"): PieceState.DRAFTING,
            ("review", "Night Market"): PieceState.DRAFTING,
            ("review", "Salt and Smoke"): PieceState.DRAFTING,
            ("review", "The Ferryman's Daughter"): PieceState.ASSIGNED,
            ("interview", "The Last Jeepney"): PieceState.ASSIGNED,
            ("review", "Lighthouse Keepers"): PieceState.ASSIGNED,
            ("review", "The Weight of Water"): PieceState.PITCHED,
            ("interview", "The Ferryman's Daughter"): PieceState.PITCHED,
        }
        planned = [p for p in by_title.values() if p.created_by_id == editor.id]
        assert planned and all(p.editor_id == editor.id for p in planned)
        editing = by_title[("interview", "Tide Tables")]
        taken = max(editing.transitions, key=lambda t: t.id)
        assert (taken.action, taken.actor_id, now - taken.created_at) == (
            "take_for_edit",
            editor.id,
            timedelta(hours=2),
        )
        declined = by_title[("review", "The Weight of Water")]
        assert declined.writer_id is None and "Dennis Abad" in declined.decline_reason
        pitch = by_title[("interview", "The Ferryman's Daughter")]
        assert pitch.created_by.email == "critic@example.com" and not pitch.decline_reason
        # The scheduled review goes live at the film's world premiere, later in the festival.
        scheduled = by_title[("review", "Paper Boats")]
        go_live = pieces.embargo_for(scheduled)
        assert go_live > now
        assert format_in_zone(go_live, festival.timezone, "%H:%M").startswith("19:00")
        # The ready one's embargo has lifted: publishing puts it live at once.
        ready = by_title[("review", "Kites Over Tondo")]
        outcome = pieces.transition(ready, editor, Action.PUBLISH, now)
        assert outcome.target is PieceState.PUBLISHED


def test_demo_editor_opens_my_work_and_sees_what_waits(app, client):
    result = app.test_cli_runner().invoke(args=["demo-data"])  # the real clock
    assert result.exit_code == 0, result.output
    assert "harbour-lights-film-festival-" in result.output
    log_in(client, "editor@example.com", "festival")
    work = client.get("/my-work").get_data(as_text=True)
    for title in (
        "Rain on Tin Roofs",  # filed
        "A House by the Pasig",  # filed
        "Marisol Dela Cruz on Tide Tables",  # being edited
        "Kites Over Tondo",  # ready
        "Paper Boats",  # scheduled
        "Salt and Smoke",  # overdue
        "Anton Reyes on the last ferries of Laguna de Bay",  # a pitch
        "The Weight of Water",  # declined
    ):
        assert title in work, title
    client.post_form("/logout")
    log_in(client, "critic@example.com", "festival")
    work = client.get("/my-work").get_data(as_text=True)
    assert "Monsoon Letters" in work and "Night Market" in work
    assert "The second half retells the plot" in work  # the editor's return note
    assert "PICC – Cinema Rizal" in work  # tomorrow's press screening


def test_the_running_festival_has_live_coverage_and_a_programme_today(app, client):
    now = datetime.now(UTC)
    _load(app, now)
    with app.app_context():
        festival = _running(now)
        slug, zone = festival.slug, festival.timezone
    hub = client.get(f"/film-festivals/{slug}/")
    assert hub.status_code == 200
    assert "Tide Tables" in hub.get_data(as_text=True)
    # Scheduled and ready pieces are not public yet.
    assert "Paper Boats" not in hub.get_data(as_text=True)
    log_in(client, "critic@example.com", "festival")
    today = to_zone(now, zone).date().isoformat()
    day = client.get(f"/festivals/{slug}/days/{today}")
    assert day.status_code == 200
    assert "Night Market" in day.get_data(as_text=True)  # tonight's public screening


def test_demo_data_leaves_notices_but_queues_no_email(app):
    from coverage.notifications.models import Notification, OutboxMessage

    _load(app, MIDDAY)
    with app.app_context():
        # No first worker run sends mail about the demo's past (2021 festivals included).
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        writer_notices = db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .join(User, User.id == Notification.user_id)
            .where(User.role == Role.WRITER)
        )
        assert writer_notices > 0
