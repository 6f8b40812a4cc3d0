"""A desk with a festival, its people and pieces; a real SMTP server on loopback."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from coverage.accounts.models import User
from coverage.accounts.roles import Role
from coverage.extensions import db
from coverage.notifications.models import Notification, OutboxMessage
from coverage.pieces import services as pieces
from coverage.pieces.kinds import PieceKind
from coverage.pieces.models import Piece
from coverage.pieces.workflow import Action

# During the test festival (6-17 Oct 2021, Europe/London).
NOW = datetime(2021, 10, 7, 9, 0, tzinfo=UTC)


@dataclass
class Desk:
    app: object
    ids: dict[str, int]
    programme: dict

    def user(self, name: str) -> User:
        return db.session.get(User, self.ids[name])

    def piece(self, piece_id: int | None = None) -> Piece:
        return pieces.get_piece(piece_id or self.programme["piece"])


@pytest.fixture
def desk(app, users, make_user, programme) -> Desk:
    """The fixture users (Ada Admin, Ed Editor, Wyn Writer), a second editor, and the
    programme's pitched review of Red Rocket."""
    ids = dict(users)
    ids["editor2"] = make_user(Role.EDITOR, "editor2@example.org", "Eve Editor")
    return Desk(app, ids, programme)


def plan(desk: Desk, **changes) -> pieces.PlanFields:
    fields = pieces.PlanFields(
        kind=PieceKind.REVIEW,
        film_id=desk.programme["film"],
        writer_id=desk.ids["writer"],
        due_at=datetime(2021, 10, 9, 10, 0, tzinfo=UTC),
        screening_id=desk.programme["press"],
    )
    for name, value in changes.items():
        setattr(fields, name, value)
    return fields


def assign(desk: Desk, now: datetime = NOW, **changes) -> int:
    """The editor assigns the programme's review to the writer; committed; returns its id."""
    with desk.app.app_context():
        piece = desk.piece()
        pieces.assign(piece, desk.user("editor"), plan(desk, **changes), now)
        db.session.commit()
        return piece.id


def step(desk: Desk, who: str | None, action: Action, now: datetime = NOW, note: str = ""):
    """One workflow step by `who` (a Desk id name; None for the system), committed."""
    with desk.app.app_context():
        piece = desk.piece()
        actor = desk.user(who) if who else None
        pieces.transition(piece, actor, action, now, note)
        db.session.commit()


def notices(app, user_id: int | None = None) -> list[Notification]:
    with app.app_context():
        query = select(Notification).order_by(Notification.id)
        if user_id is not None:
            query = query.where(Notification.user_id == user_id)
        rows = db.session.scalars(query).all()
        db.session.expunge_all()
        return list(rows)


def outbox(app) -> list[OutboxMessage]:
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        db.session.expunge_all()
        return list(rows)


# --- A real SMTP server on loopback ---------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Inbox:
    """What the test SMTP server accepted: one parsed message per delivery, with its envelope
    recipients. `refuse` holds addresses answered 550; `delay` slows every DATA."""

    received: list[tuple[list[str], Message]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"

    def subjects(self) -> list[str]:
        with self.lock:
            return [message["Subject"] for _, message in self.received]


class SmtpServer:
    def __init__(self, port: int):
        self.port = port
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
            time.sleep(0.05)


@pytest.fixture
def smtp(app) -> Iterator[SmtpServer]:
    """An SMTP server on a free loopback port (not started: call `start`), and the app set to
    send through it, with links to https://desk.example.org."""
    server = SmtpServer(free_port())
    app.config.update(
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=server.port,
        SMTP_SECURITY="none",
        SMTP_TIMEOUT_SECONDS=5,
        MAIL_FROM="Festival desk <desk@example.org>",
        PUBLIC_BASE_URL="https://desk.example.org",
    )
    yield server
    server.stop()
