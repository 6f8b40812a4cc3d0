"""Each event of a piece leaves the right notices and emails, in the same transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from coverage.accounts.models import User
from coverage.extensions import db
from coverage.notifications import services as notifications
from coverage.notifications.models import Notification, OutboxMessage, OutboxStatus
from coverage.notifications.rules import Delivery, NoticeKind
from coverage.pieces import services as pieces
from coverage.pieces.kinds import PieceKind, PieceState
from coverage.pieces.models import Piece
from coverage.pieces.workflow import Action
from coverage.timeutil import format_in_zone
from tests.notifications.conftest import NOW, assign, notices, outbox, plan, step

ZONE = "Europe/London"


def kinds_by_user(app) -> list[tuple[int, NoticeKind]]:
    return [(n.user_id, n.kind) for n in notices(app)]


def test_assigning_tells_the_writer_in_the_app_and_by_email(app, desk):
    piece_id = assign(desk)
    [notice] = notices(app)
    assert (notice.user_id, notice.kind, notice.piece_id) == (
        desk.ids["writer"],
        NoticeKind.ASSIGNED,
        piece_id,
    )
    assert notice.subject == "Assigned to you: Review: Red Rocket"
    # Which piece, which festival, who did it, and the times in the festival's zone.
    assert "Ed Editor assigned you Review: Red Rocket for Test Festival 2021" in notice.body
    due = datetime(2021, 10, 9, 10, 0, tzinfo=UTC)
    assert f"Copy is due {format_in_zone(due, ZONE)}." in notice.body
    assert "11:00" in notice.body  # 10:00 UTC is 11:00 in London in October
    assert f"When: {format_in_zone(NOW, ZONE)}" in notice.body
    assert notice.link == f"/pieces/{piece_id}"
    assert notice.read_at is None
    [email] = outbox(app)
    assert (email.recipient, email.subject, email.status) == (
        "writer@example.org",
        "Assigned to you: Review: Red Rocket",
        OutboxStatus.PENDING,
    )
    assert notice.body in email.body
    assert f"/pieces/{piece_id}" in email.body


def test_a_rolled_back_change_tells_nobody(app, desk):
    with app.app_context():
        piece = desk.piece()
        pieces.assign(piece, desk.user("editor"), plan(desk), NOW)
        assert db.session.scalars(select(Notification)).all()  # written with the change ...
        db.session.rollback()  # ... and gone with it
        assert desk.piece().state is PieceState.PITCHED
    assert notices(app) == [] and outbox(app) == []


def test_the_whole_workflow_tells_the_right_people(app, desk):
    writer, editor = desk.ids["writer"], desk.ids["editor"]
    assign(desk, editor_id=desk.ids["editor"])
    step(desk, "writer", Action.START)
    with app.app_context():
        desk.piece().body = "Sean Baker's Texas. " * 20
        desk.piece().headline = "Red Rocket review"
        db.session.commit()
    step(desk, "writer", Action.FILE)
    step(desk, "editor", Action.TAKE_FOR_EDIT)
    step(desk, "editor", Action.RETURN, note="Tighten the second paragraph.")
    step(desk, "writer", Action.FILE)
    step(desk, "editor2", Action.TAKE_FOR_EDIT)
    step(desk, "editor2", Action.APPROVE)
    step(desk, "editor2", Action.PUBLISH)
    assert kinds_by_user(app) == [
        (writer, NoticeKind.ASSIGNED),
        (editor, NoticeKind.FILED),
        (writer, NoticeKind.RETURNED),
        (editor, NoticeKind.FILED),
        (writer, NoticeKind.APPROVED),
        (writer, NoticeKind.PUBLISHED),
    ]
    returned = notices(app)[2]
    assert "Ed Editor returned Red Rocket review (Test Festival 2021)" in returned.body
    assert "Tighten the second paragraph." in returned.body
    filed = notices(app)[1]
    assert filed.subject == "Filed: Red Rocket review"
    assert "Wyn Writer filed Red Rocket review (Test Festival 2021), 60 words" in filed.body
    assert notices(app)[-1].subject == "Published: Red Rocket review"
    # One email per notice, to the person told.
    assert [m.recipient for m in outbox(app)] == [
        "writer@example.org",
        "editor@example.org",
        "writer@example.org",
        "editor@example.org",
        "writer@example.org",
        "writer@example.org",
    ]


def test_a_decline_without_an_editor_goes_to_every_active_editor(app, desk, make_user):
    make_user("editor", "gone@example.org", "Gone Editor", active=False)
    assign(desk)
    step(desk, "writer", Action.DECLINE, note="I am on a jury that morning")
    declined = [n for n in notices(app) if n.kind is NoticeKind.DECLINED]
    assert sorted(n.user_id for n in declined) == sorted(
        [desk.ids["editor"], desk.ids["editor2"]]
    )  # not the admin, not the inactive editor, not the writer who declined
    assert "Wyn Writer declined Review: Red Rocket" in declined[0].body
    assert "I am on a jury that morning" in declined[0].body


def test_nobody_is_told_of_their_own_act(app, desk):
    # An editor who assigns the piece to themselves gets no "assigned to you".
    assign(desk, writer_id=desk.ids["editor"])
    assert notices(app) == [] and outbox(app) == []


def test_an_inactive_writer_is_not_told(app, desk):
    assign(desk)
    with app.app_context():
        db.session.get(User, desk.ids["writer"]).active = False
        notice = notifications.notify(
            db.session.get(User, desk.ids["writer"]),
            NoticeKind.APPROVED,
            subject="x",
            body="y",
            link="/",
            now=NOW,
        )
        assert notice is None
        db.session.rollback()


def test_a_piece_published_by_the_worker_tells_its_writer(app, desk):
    assign(desk)
    with app.app_context():
        piece = desk.piece()
        piece.state = PieceState.SCHEDULED
        piece.headline = "Red Rocket review"
        piece.body = "Text"
        piece.publish_at = NOW + timedelta(hours=1)
        db.session.commit()
        assert pieces.publish_due(NOW) == []
        [published] = pieces.publish_due(NOW + timedelta(hours=1))
        db.session.commit()
    last = notices(app)[-1]
    assert (last.user_id, last.kind) == (desk.ids["writer"], NoticeKind.PUBLISHED)
    assert last.actor_id is None
    went_live = format_in_zone(NOW + timedelta(hours=1), ZONE)
    assert f"Red Rocket review (Test Festival 2021) went live at {went_live}" in last.body


def interview(desk, **changes):
    start = datetime(2021, 10, 8, 13, 0, tzinfo=UTC)
    return plan(
        desk,
        kind=PieceKind.INTERVIEW,
        screening_id=None,
        slot_starts_at=start,
        slot_ends_at=start + timedelta(minutes=45),
        slot_place="Soho Hotel",
        **changes,
    )


def test_a_moved_interview_slot_tells_the_writer(app, desk):
    with app.app_context():
        piece = desk.piece()
        pieces.assign(piece, desk.user("editor"), interview(desk), NOW)
        db.session.commit()
        moved = interview(desk)
        moved.slot_starts_at += timedelta(hours=2)
        moved.slot_ends_at += timedelta(hours=2)
        pieces.update_plan(desk.piece(), desk.user("editor"), moved)
        db.session.commit()
        # Changing something else (the word target) says nothing more.
        moved.word_target = 900
        pieces.update_plan(desk.piece(), desk.user("editor"), moved)
        db.session.commit()
    changed = [n for n in notices(app) if n.kind is NoticeKind.SCHEDULE_CHANGED]
    assert len(changed) == 1
    [notice] = changed
    assert notice.user_id == desk.ids["writer"]
    assert notice.subject == "Interview slot changed: Interview: Red Rocket"
    # In London time (BST): 13:00 UTC is 14:00.
    assert "Was: Fri 08 Oct 2021, 14:00–14:45" in notice.body
    assert "Now: Fri 08 Oct 2021, 16:00–16:45" in notice.body
    assert notice.body.count("Soho Hotel") == 2
    assert "Ed Editor changed the interview slot" in notice.body
    assert outbox(app)[-1].subject == "Interview slot changed: Interview: Red Rocket"


def test_spiking_a_piece_with_a_slot_ahead_cancels_it_for_the_writer(app, desk):
    with app.app_context():
        pieces.assign(desk.piece(), desk.user("editor"), interview(desk), NOW)
        db.session.commit()
    step(desk, "editor", Action.SPIKE, note="The talent pulled out")
    last = notices(app)[-1]
    assert (last.user_id, last.kind) == (desk.ids["writer"], NoticeKind.SCHEDULE_CHANGED)
    assert last.subject == "Interview cancelled: Interview: Red Rocket"
    assert "at Soho Hotel is off" in last.body and "The talent pulled out" in last.body


def test_email_choices_are_respected(app, desk):
    with app.app_context():
        writer = desk.user("writer")
        emailed = [k for k in NoticeKind if k is not NoticeKind.ASSIGNED]
        notifications.save_preferences(writer, emailed, Delivery.AT_ONCE)
        db.session.commit()
    assign(desk)
    assert [n.kind for n in notices(app)] == [NoticeKind.ASSIGNED]  # still in the app
    assert outbox(app) == []  # but not by email


def test_digest_users_get_one_email_a_day_listing_their_notices(app, desk):
    with app.app_context():
        notifications.save_preferences(desk.user("writer"), list(NoticeKind), Delivery.DAILY_DIGEST)
        db.session.commit()
    assign(desk, editor_id=desk.ids["editor"])
    step(desk, "writer", Action.START)
    with app.app_context():
        desk.piece().body = "Words"
        db.session.commit()
    step(desk, "writer", Action.FILE)
    step(desk, "editor", Action.TAKE_FOR_EDIT)
    step(desk, "editor", Action.RETURN, note="More on the lead.")
    # The editor (at once) has an email; the writer's two notices wait for the digest.
    assert [m.recipient for m in outbox(app)] == ["editor@example.org"]
    before_hour = datetime(2021, 10, 8, 6, 59, tzinfo=UTC)
    at_hour = datetime(2021, 10, 8, 7, 0, tzinfo=UTC)
    with app.app_context():
        assert notifications.build_digests(before_hour, 7) == 0
        assert notifications.build_digests(at_hour, 7) == 1
        assert notifications.build_digests(at_hour + timedelta(hours=3), 7) == 0
        db.session.commit()
    digest = outbox(app)[-1]
    assert digest.recipient == "writer@example.org"
    assert digest.subject == "Your festival desk digest: 2 notices"
    assert "Assigned to you: Review: Red Rocket" in digest.body
    assert "Returned with notes: Review: Red Rocket" in digest.body
    assert "More on the lead." in digest.body
    # A notice after today's digest waits for tomorrow's; it is not lost.
    step(desk, "writer", Action.FILE, now=at_hour + timedelta(hours=1))
    step(desk, "editor", Action.TAKE_FOR_EDIT, now=at_hour + timedelta(hours=1))
    step(desk, "editor", Action.RETURN, now=at_hour + timedelta(hours=1), note="Again.")
    with app.app_context():
        assert notifications.build_digests(at_hour + timedelta(hours=5), 7) == 0
        assert notifications.build_digests(at_hour + timedelta(days=1), 7) == 1
        db.session.commit()
    assert outbox(app)[-1].subject == "Your festival desk digest: 1 notice"
    assert "Again." in outbox(app)[-1].body


def reminders(app) -> list[tuple[int, NoticeKind]]:
    return [
        (n.user_id, n.kind)
        for n in notices(app)
        if n.kind in (NoticeKind.DEADLINE_SOON, NoticeKind.OVERDUE)
    ]


def test_deadline_reminders_come_once_per_due_time(app, desk):
    due = datetime(2021, 10, 9, 10, 0, tzinfo=UTC)
    writer, editor = desk.ids["writer"], desk.ids["editor"]
    assign(desk, editor_id=editor, due_at=due)

    def run(now):
        with app.app_context():
            added = notifications.remind(now)
            db.session.commit()
            return added

    assert run(due - timedelta(hours=13)) == 0
    assert run(due - timedelta(hours=11)) == 1
    assert run(due - timedelta(hours=10)) == 0  # the next round adds nothing
    assert reminders(app) == [(writer, NoticeKind.DEADLINE_SOON)]
    soon = notices(app)[-1]
    assert soon.subject == "Due in under 12 hours: Review: Red Rocket"
    assert f"is due {format_in_zone(due, ZONE)}" in soon.body
    assert run(due + timedelta(minutes=1)) == 2
    assert run(due + timedelta(hours=5)) == 0
    assert reminders(app)[1:] == [(writer, NoticeKind.OVERDUE), (editor, NoticeKind.OVERDUE)]
    # The desk gives more time: a new deadline may remind again.
    with app.app_context():
        later = plan(desk, editor_id=editor, due_at=due + timedelta(days=1))
        pieces.update_plan(desk.piece(), desk.user("editor"), later)
        db.session.commit()
    assert run(due + timedelta(hours=13)) == 1
    assert reminders(app)[-1] == (writer, NoticeKind.DEADLINE_SOON)
    # Filed copy is never chased.
    step(desk, "writer", Action.START, now=due + timedelta(hours=14))
    with app.app_context():
        desk.piece().body = "Words"
        db.session.commit()
    step(desk, "writer", Action.FILE, now=due + timedelta(hours=14))
    assert run(due + timedelta(days=2)) == 0


def test_a_reminder_is_created_once_even_if_two_rounds_race(app, desk):
    """Two rounds that both found no reminder: the unique key keeps one."""
    due = datetime(2021, 10, 9, 10, 0, tzinfo=UTC)
    assign(desk, due_at=due)
    key = "deadline_soon:race"
    with app.app_context():
        writer = desk.user("writer")
        first = notifications.notify(
            writer,
            NoticeKind.DEADLINE_SOON,
            subject="s",
            body="b",
            link="/",
            now=NOW,
            dedupe_key=key,
        )
        assert first is not None
        db.session.commit()
        again = notifications.notify(
            writer,
            NoticeKind.DEADLINE_SOON,
            subject="s",
            body="b",
            link="/",
            now=NOW,
            dedupe_key=key,
        )
        assert again is None
        db.session.commit()
    assert len([n for n in notices(app) if n.dedupe_key == key]) == 1


def test_deleting_nothing_but_listing_reads_nothing(app, desk):
    """The notification count and list are the user's own."""
    assign(desk)
    with app.app_context():
        assert notifications.unread_count(desk.user("writer")) == 1
        assert notifications.unread_count(desk.user("editor")) == 0
        assert notifications.mark_read(desk.user("editor"), NOW) == 0
        assert notifications.mark_read(desk.user("writer"), NOW) == 1
        db.session.commit()
        assert notifications.unread_count(desk.user("writer")) == 0


def test_outbox_rows_are_in_the_same_transaction_as_the_piece(app, desk):
    assign(desk)
    with app.app_context():
        row = db.session.scalar(select(OutboxMessage))
        piece = db.session.get(Piece, desk.programme["piece"])
        assert row.created_at == NOW and piece.state is PieceState.ASSIGNED
