"""The outbox goes out through a real SMTP server on loopback (aiosmtpd): once, eventually."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from coverage.extensions import db
from coverage.notifications import mailer
from coverage.notifications import services as notifications
from coverage.notifications.models import OutboxMessage, OutboxStatus
from coverage.notifications.rules import MAX_REFUSALS, NoticeKind, retry_delay
from coverage.worker import run_worker
from tests.conftest import log_in
from tests.notifications.conftest import NOW, assign, outbox


def one_round(app, now):
    lines: list[str] = []
    stats = run_worker(app, once=True, now=lambda: now, report=lines.append)
    assert stats.failed_rounds == 0
    return stats, lines


def test_an_assignment_email_arrives_with_its_link(app, desk, smtp):
    smtp.start()
    piece_id = assign(desk)
    stats, lines = one_round(app, NOW)
    assert stats.emails_sent == 1 and "sent 1 email" in lines
    [(envelope_to, message)] = smtp.inbox.received
    assert envelope_to == ["writer@example.org"]
    assert message["To"] == "writer@example.org"
    assert message["From"] == "Festival desk <desk@example.org>"
    assert message["Subject"] == "Assigned to you: Review: Red Rocket"
    assert message["Auto-Submitted"] == "auto-generated"
    text = message.get_payload(decode=True).decode()
    assert f"Open it: https://desk.example.org/pieces/{piece_id}" in text
    assert "Ed Editor assigned you Review: Red Rocket for Test Festival 2021" in text
    [row] = outbox(app)
    assert (row.status, row.attempts, row.sent_at) == (OutboxStatus.SENT, 1, NOW)
    # Sent is sent: the next round sends nothing again.
    stats, _ = one_round(app, NOW + timedelta(minutes=5))
    assert stats.emails_sent == 0 and len(smtp.inbox.received) == 1


def test_a_dead_server_loses_nothing_and_delivery_resumes_with_backoff(app, desk, smtp):
    assign(desk)  # the server is not started: connections are refused
    stats, lines = one_round(app, NOW)
    assert stats.emails_sent == 0 and stats.emails_retried == 1
    assert any("to retry later" in line for line in lines)
    [row] = outbox(app)
    assert (row.status, row.attempts, row.refusals) == (OutboxStatus.PENDING, 1, 0)
    assert row.next_attempt_at == NOW + timedelta(minutes=1)
    assert row.last_error and row.claim_token is None
    # Backing off: a round before the retry time does not try.
    one_round(app, NOW + timedelta(seconds=30))
    assert outbox(app)[0].attempts == 1
    # Still down a minute later: the wait doubles.
    one_round(app, NOW + timedelta(minutes=1))
    row = outbox(app)[0]
    assert (row.attempts, row.next_attempt_at) == (2, NOW + timedelta(minutes=3))
    # Many hours down: still pending, never given up for an unreachable server.
    clock = NOW + timedelta(minutes=3)
    for _ in range(MAX_REFUSALS + 2):
        one_round(app, clock)
        clock = outbox(app)[0].next_attempt_at
    row = outbox(app)[0]
    assert row.status is OutboxStatus.PENDING and row.attempts == MAX_REFUSALS + 4
    smtp.start()
    stats, _ = one_round(app, clock)
    assert stats.emails_sent == 1
    assert smtp.inbox.subjects() == ["Assigned to you: Review: Red Rocket"]
    assert outbox(app)[0].status is OutboxStatus.SENT


def test_a_refused_address_is_given_up_and_shown_to_admins(app, desk, smtp, client):
    smtp.inbox.refuse = {"writer@example.org"}
    smtp.start()
    assign(desk, editor_id=desk.ids["editor"])
    with app.app_context():
        # A second message, to someone the server accepts, goes out regardless.
        notifications.notify(
            desk.user("editor"),
            NoticeKind.FILED,
            subject="For the editor",
            body="b",
            link="/",
            now=NOW,
        )
        db.session.commit()
    clock = NOW
    for attempt in range(1, MAX_REFUSALS + 1):
        one_round(app, clock)
        clock += retry_delay(attempt)
    refused = outbox(app)[0]
    assert refused.status is OutboxStatus.FAILED
    assert refused.refusals == MAX_REFUSALS
    assert "550" in refused.last_error and "No such mailbox" in refused.last_error
    assert smtp.inbox.subjects() == ["For the editor"]
    one_round(app, clock + timedelta(days=1))
    assert outbox(app)[0].attempts == MAX_REFUSALS  # given up: never tried again
    log_in(client, "admin@example.org")
    page = client.get("/notifications").get_data(as_text=True)
    assert "The mail server refused these for good" in page
    assert "writer@example.org" in page and "No such mailbox here" in page


def queue(app, desk, count: int) -> None:
    with app.app_context():
        for number in range(count):
            notifications.notify(
                desk.user("writer" if number % 2 else "editor"),
                NoticeKind.APPROVED,
                subject=f"Message {number:02d}",
                body="b",
                link="/",
                now=NOW,
            )
        db.session.commit()


def test_two_workers_at_once_deliver_each_message_exactly_once(app, desk, smtp):
    """Runs on the suite's database: a file SQLite, or PostgreSQL with DATABASE_URL."""
    smtp.inbox.delay = 0.02  # a slowish server, so both workers are busy at the same time
    smtp.start()
    queue(app, desk, 30)
    start = threading.Barrier(2)
    reports: list[mailer.SendReport] = []
    errors: list[BaseException] = []

    def work():
        try:
            start.wait(10)
            reports.append(mailer.send_due(app, NOW))  # its own app context and session
        except BaseException as error:  # shown below rather than lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    subjects = smtp.inbox.subjects()
    assert sorted(subjects) == [f"Message {n:02d}" for n in range(30)]  # each once
    assert sum(report.sent for report in reports) == 30
    assert all(report.sent > 0 for report in reports), "both workers should have sent some"
    assert {row.status for row in outbox(app)} == {OutboxStatus.SENT}


def test_a_live_claim_is_left_alone_and_a_dead_workers_claim_expires(app, desk):
    queue(app, desk, 1)
    lease = timedelta(minutes=5)
    with app.app_context():
        first = mailer.claim_next(NOW, lease)
        assert first is not None
        assert mailer.claim_next(NOW + timedelta(minutes=4), lease) is None
        # The first worker died: after its lease another takes the message over ...
        second = mailer.claim_next(NOW + timedelta(minutes=6), lease)
        assert second is not None and second.id == first.id
        # ... and the dead one's late result is not recorded over the new claim.
        mailer.record_sent(first, NOW)
        assert db.session.get(OutboxMessage, first.id).status is OutboxStatus.PENDING
        mailer.record_sent(second, NOW + timedelta(minutes=6))
        assert db.session.get(OutboxMessage, first.id).status is OutboxStatus.SENT


def test_without_smtp_host_mail_waits_and_a_warning_says_why(app, desk, caplog, monkeypatch):
    monkeypatch.setattr(logging.getLogger("coverage.notifications.mailer"), "disabled", False)
    caplog.set_level(logging.WARNING, logger="coverage.notifications.mailer")
    app.config["SMTP_HOST"] = ""
    assign(desk)
    one_round(app, NOW)
    one_round(app, NOW + timedelta(minutes=1))
    warnings = [r for r in caplog.records if "SMTP_HOST is not set" in r.getMessage()]
    assert len(warnings) == 1  # not once a round
    [row] = outbox(app)
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 0)


def test_the_worker_reminds_once_and_mails_the_reminder(app, desk, smtp):
    smtp.start()
    due = NOW + timedelta(hours=30)
    assign(desk, due_at=due)
    one_round(app, NOW)
    smtp.inbox.received.clear()
    stats, lines = one_round(app, due - timedelta(hours=11))
    assert stats.reminders == 1 and "added 1 deadline reminder" in lines
    stats, _ = one_round(app, due - timedelta(hours=10))
    assert stats.reminders == 0
    assert smtp.inbox.subjects() == ["Due in under 12 hours: Review: Red Rocket"]


def test_a_writer_is_mailed_and_told_in_the_app_when_the_editor_moves_their_screening(
    app, client, users, login, programme, smtp
):
    """The whole path: the editor moves the press screening the writer attends (confirming
    the named impact), the worker sends the outbox to the SMTP server, the writer sees it."""
    from coverage.timeutil import utcnow
    from tests.programme.test_schedule_change_impact import (
        attend_press,
        edit_url,
        hidden_fields,
        move_form,
    )

    smtp.start()
    attend_press(app, programme, users)
    login("editor")
    url = edit_url(programme, "press")
    asked = client.post_form(url, move_form(programme, "nft1", "2021-10-08", "14:00"), page=url)
    assert "Move and notify" in asked.get_data(as_text=True)
    assert (
        client.post_form(url, hidden_fields(asked.get_data(as_text=True)), page=url).status_code
        == 302
    )

    stats, _ = one_round(app, utcnow())
    assert stats.emails_sent == 1
    [(envelope_to, message)] = smtp.inbox.received
    assert envelope_to == ["writer@example.org"]
    assert message["Subject"].startswith("Screening moved: Red Rocket")
    assert "14:00 London time" in message["Subject"]
    body = message.get_payload(decode=True).decode()
    assert "Review: Red Rocket" in body and "by Ed Editor" in body

    writer = app.test_client()
    log_in(writer, "writer@example.org")
    page = writer.get("/notifications").get_data(as_text=True)
    assert "Screening moved: Red Rocket" in page
    assert "Notifications (1)" in writer.get("/my-work").get_data(as_text=True)
