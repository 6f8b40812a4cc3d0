"""No lost update, on SQLite as on PostgreSQL: writes that race each other with real threads
against the test's database file (or PostgreSQL), stale pages, and a change made anywhere being a
new version for everyone.

The races are made to happen, not hoped for: `interleave` lets one thread read, then holds it just
before its first write to the piece while a second thread does its whole write. With the locks
in place the second waits for the first (or sees what it committed); without them the second
lands between the first's reads and its write, which is how updates get lost.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select

from coverage import create_app
from coverage.accounts.models import User
from coverage.accounts.services import issue_api_token
from coverage.config import config_for_tests
from coverage.drafts import services as drafts
from coverage.drafts.models import Revision
from coverage.extensions import db
from coverage.pieces import services
from coverage.pieces.kinds import PieceKind, PieceState
from coverage.pieces.models import Piece, Transition
from coverage.programme import importer
from coverage.programme.models import Film, Person, Screening, Venue
from coverage.timeutil import utcnow
from tests.conftest import SAMPLE_CSV, log_in

WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


# --- Helpers --------------------------------------------------------------------------------


@contextmanager
def held_before_first_write(app, thread_name: str, hold: float):
    """In the thread named `thread_name`, the first write sets `reached`, then waits until
    `resume` is set, or `hold` seconds when the other thread waits for this one's lock (as it
    must)."""
    reached, resume = threading.Event(), threading.Event()
    with app.app_context():
        engine = db.engine
    fired = False

    def before(conn, cursor, statement, parameters, context, executemany) -> None:
        nonlocal fired
        if fired or threading.current_thread().name != thread_name:
            return
        if WRITES.match(statement):
            fired = True
            reached.set()
            resume.wait(hold)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield reached, resume
    finally:
        event.remove(engine, "before_cursor_execute", before)


def interleave(app, first: Callable[[], Any], second: Callable[[], Any], hold=1.0):
    """Run `first` in a thread until it is about to write, then `second` in another thread,
    then let `first` go on. Returns both results; re-raises what either thread raised."""
    results: dict[str, Any] = {}
    errors: list[BaseException] = []
    name = f"first-{id(first)}"
    with held_before_first_write(app, name, hold) as (reached, resume):

        def run(key: str, action: Callable[[], Any]) -> None:
            try:
                results[key] = action()
            except BaseException as error:  # noqa: BLE001 - re-raised below
                errors.append(error)
            finally:
                (resume if key == "second" else reached).set()

        one = threading.Thread(target=run, args=("first", first), name=name)
        one.start()
        assert reached.wait(20), "the first thread never got to write"
        two = threading.Thread(target=run, args=("second", second))
        two.start()
        one.join(30)
        two.join(30)
    if errors:
        raise errors[0]
    return results["first"], results["second"]


def bearer_for(app, user_id: int) -> dict[str, str]:
    with app.app_context():
        _, secret = issue_api_token(db.session.get(User, user_id), "tests")
        db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def set_piece(app, piece_id: int, **values) -> None:
    with app.app_context():
        piece = db.session.get(Piece, piece_id)
        for name, value in values.items():
            setattr(piece, name, value)
        db.session.commit()


def piece_facts(app, piece_id: int) -> dict[str, Any]:
    with app.app_context():
        piece = db.session.get(Piece, piece_id)
        steps = db.session.scalars(
            select(Transition.action)
            .where(Transition.piece_id == piece_id)
            .order_by(Transition.created_at, Transition.id)
        ).all()
        texts = db.session.execute(
            select(Revision.body, Revision.version, Revision.note)
            .where(Revision.piece_id == piece_id)
            .order_by(Revision.number)
        ).all()
        return {
            "state": piece.state,
            "published_at": piece.published_at,
            "version": piece.version,
            "body": piece.body,
            "word_target": piece.word_target,
            "due_at": piece.due_at,
            "pull_quote": piece.pull_quote,
            "steps": list(steps),
            "revisions": [tuple(row) for row in texts],
        }


def save_as_writer(app, users, piece_id: int, body: str) -> None:
    with app.app_context():
        piece = services.get_piece(piece_id)
        text = drafts.Text(piece.headline, piece.standfirst, body, piece.star_rating)
        writer = db.session.get(User, users["writer"])
        result = drafts.save_draft(piece, writer, text, base_version=piece.version, now=utcnow())
        assert result.status is drafts.SaveStatus.SAVED
        db.session.commit()


def publications(facts: dict[str, Any]) -> int:
    """How many times the piece went live (by an editor or by the job)."""
    return sum(step in ("publish", "publish_scheduled") for step in facts["steps"])


def act(client, piece_id: int, action: str, note: str = "", **extra):
    page = f"/pieces/{piece_id}"
    data = {"action": action, "note": note} | extra
    return client.post_form(f"{page}/transitions", data, page=page)


def run_publish_due(app) -> list[int]:
    with app.app_context():
        published = services.publish_due(utcnow())
        ids = [piece.id for piece in published]
        db.session.commit()
        return ids


@pytest.fixture
def ready(app, users, programme) -> int:
    """The fixture's review, approved: headline, body, a writer; its embargo has lifted."""
    set_piece(
        app,
        programme["piece"],
        writer_id=users["writer"],
        state=PieceState.READY,
        headline="Red Rocket review",
        body="A sharp, funny film.",
    )
    return programme["piece"]


@pytest.fixture
def drafting(app, users, programme) -> int:
    set_piece(
        app,
        programme["piece"],
        writer_id=users["writer"],
        state=PieceState.DRAFTING,
        headline="Red Rocket review",
        body="The first draft.",
    )
    return programme["piece"]


# --- Transitions re-check the state under the lock -------------------------------------------


@pytest.mark.parametrize("first", ["editor", "job"])
def test_cancelling_a_scheduled_publication_racing_publish_due_never_publishes_twice(
    app, client, users, ready, first
):
    """The editor's "cancel scheduled publication" and the publish-due job act on the same
    scheduled piece at once, each reading before the other writes. Whoever goes first wins;
    the other sees what it did: the piece ends published (the cancel refused) or ready (nothing
    published), never ready with a publication time, and it goes live once in all."""
    set_piece(app, ready, state=PieceState.SCHEDULED, publish_at=utcnow() - timedelta(minutes=1))
    log_in(client, "editor@example.org")

    def cancel():
        return act(client, ready, "unschedule").status_code

    def job():
        return run_publish_due(app)

    if first == "editor":
        cancelled, published = interleave(app, cancel, job)
    else:
        published, cancelled = interleave(app, job, cancel)
    facts = piece_facts(app, ready)
    if first == "editor":
        # The job waited for the cancel (SQLite) or skipped the row it held (PostgreSQL).
        assert (cancelled, published) == (302, [])
        assert facts["state"] is PieceState.READY and facts["published_at"] is None
        # Publishing it again now publishes it for the first time.
        assert act(client, ready, "publish").status_code == 302
        facts = piece_facts(app, ready)
    else:
        # The cancel waited for the job, then saw a published piece: refused, nothing done.
        assert (published, cancelled) == ([ready], 409)
        assert "unschedule" not in facts["steps"]
    assert facts["state"] is PieceState.PUBLISHED and facts["published_at"] is not None
    assert publications(facts) == 1
    assert [note for *_, note in facts["revisions"]].count("Published") == 1


def test_two_editors_publishing_at_once_publish_once(app, client, users, ready):
    """One editor on the web page and another through the API press publish on the same ready
    piece at the same moment: it goes live once; the later press is refused with the reason."""
    log_in(client, "editor@example.org")
    admin = bearer_for(app, users["admin"])
    api = app.test_client()

    def on_the_web():
        return act(client, ready, "publish").status_code

    def through_the_api():
        url = f"/api/v1/pieces/{ready}/transitions"
        return api.post(url, json={"action": "publish"}, headers=admin)

    web, response = interleave(app, on_the_web, through_the_api)
    assert web == 302
    assert response.status_code == 409
    assert "A published piece cannot be published" in response.get_json()["detail"]
    facts = piece_facts(app, ready)
    assert facts["state"] is PieceState.PUBLISHED
    assert publications(facts) == 1
    assert [note for *_, note in facts["revisions"]].count("Published") == 1


def test_a_step_from_a_page_showing_another_state_is_refused(app, client, users, ready):
    """The editor looked at the piece while it was in editing and presses Spike; meanwhile
    another editor returned it to the writer. Spiking a drafting piece is allowed, but it is
    not what this editor decided on: refused, and the page says what happened."""
    log_in(client, "editor@example.org")
    set_piece(app, ready, state=PieceState.EDITING)
    page = client.get(f"/pieces/{ready}").get_data(as_text=True)
    assert 'name="state" value="editing"' in page
    set_piece(app, ready, state=PieceState.DRAFTING)
    response = act(client, ready, "spike", "Not for us", state="editing")
    assert response.status_code == 409
    assert "it is drafting now, not editing. Nothing was done" in response.get_data(as_text=True)
    assert piece_facts(app, ready)["state"] is PieceState.DRAFTING
    # From a page showing the state as it is, the step is taken.
    assert act(client, ready, "spike", "Not for us", state="drafting").status_code == 302
    assert piece_facts(app, ready)["state"] is PieceState.SPIKED


# --- Saves from the web and the API, racing ---------------------------------------------------


def test_a_web_save_racing_an_api_patch_from_the_same_version_loses_nothing(
    app, client, users, drafting
):
    """The writer saves in the browser while their script PATCHes the same version through the
    API: one is applied, the other is told (412) and its text kept as an unapplied revision."""
    log_in(client, "writer@example.org")
    token = bearer_for(app, users["writer"])
    api = app.test_client()
    page = client.get(f"/pieces/{drafting}/text").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    form = {"version": version, "headline": "Red Rocket review", "standfirst": ""}

    url = f"/pieces/{drafting}/text"
    # Fetched now: opening the editor page records presence, a write of its own.
    form["csrf_token"] = client.csrf_token(url)

    def web_save():
        data = form | {"body": "From the browser.", "star_rating": "", "intent": "save"}
        return client.post(url, data=data).status_code

    def api_patch():
        headers = token | {"If-Match": f'"{version}"'}
        return api.patch(
            f"/api/v1/pieces/{drafting}", json={"body": "From a script."}, headers=headers
        )

    web, response = interleave(app, web_save, api_patch)
    assert (web, response.status_code) == (302, 412)
    body = response.get_json()
    assert "your text was kept as revision" in body["detail"]
    facts = piece_facts(app, drafting)
    assert facts["body"] == "From the browser."
    stored = {text: applied for text, applied, _ in facts["revisions"]}
    assert stored["From the browser."] == facts["version"]
    assert stored["From a script."] is None  # kept, not applied


def test_two_imports_of_one_programme_at_once_create_each_film_once(app, users, programme):
    """Two editors confirm an import of the same file at the same moment: the second plans
    against what the first wrote, so nothing is created twice."""

    def run_import():
        with app.app_context():
            festival = db.session.get(services.Festival, programme["festival"])
            _, applied = importer.apply_import(festival, SAMPLE_CSV)
            db.session.commit()
            return applied.films_created

    first, second = interleave(app, run_import, run_import)
    assert (first, second) == (1, 0)  # Belfast is new; Red Rocket was in the programme
    with app.app_context():
        titles = db.session.scalars(select(Film.title).order_by(Film.title)).all()
        assert titles == ["Belfast", "Red Rocket"]
        assert db.session.scalar(select(func.count()).select_from(Venue)) == 2
        assert db.session.scalar(select(func.count()).select_from(Screening)) == 3


# --- Waiting is bounded; reading never waits --------------------------------------------------


def test_pages_are_served_while_a_write_holds_the_lock_and_a_write_that_waits_too_long_is_503(
    app, users, programme, ready, database_backend
):
    """SQLite has one write lock: while another process holds it, pages still load at once, and
    a save waits at most DATABASE_BUSY_TIMEOUT_SECONDS, then says so (503), saving nothing."""
    if database_backend != "sqlite":
        pytest.skip("SQLite's database-wide write lock; PostgreSQL locks rows")
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    impatient = create_app(config_for_tests(url) | {"DATABASE_BUSY_TIMEOUT_SECONDS": 0.3})
    impatient.test_client_class = type(app.test_client())
    client = impatient.test_client()
    log_in(client, "editor@example.org")
    token = bearer_for(app, users["editor"])
    holder = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process in the middle of a save
        started = time.monotonic()
        assert client.get(f"/pieces/{ready}").status_code == 200
        assert client.get(f"/festivals/{programme['slug']}/coverage").status_code == 200
        assert time.monotonic() - started < 2
        response = act(client, ready, "publish")
        assert response.status_code == 503
        assert response.headers["Retry-After"]
        assert "nothing was saved. Try again in a moment." in response.get_data(as_text=True)
        api = client.post(
            f"/api/v1/pieces/{ready}/transitions", json={"action": "publish"}, headers=token
        )
        assert api.status_code == 503
        assert api.mimetype == "application/problem+json"
        assert "nothing was saved" in api.get_json()["detail"]
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert piece_facts(app, ready)["state"] is PieceState.READY
    assert act(client, ready, "publish").status_code == 302
    with impatient.app_context():
        db.session.remove()
        db.engine.dispose()


# --- A change anywhere is a new version -------------------------------------------------------


def assign_page(client, piece_id: int) -> tuple[str, dict[str, str]]:
    """The plan form as the browser has it: its fields' values and the plan it was made from."""
    page = client.get(f"/pieces/{piece_id}/assign").get_data(as_text=True)
    based_on = re.search(r'name="based_on" type="hidden" value="([^"]*)"', page).group(1)
    return page, {"based_on": based_on}


def plan_form(programme, users, **changes) -> dict[str, str]:
    return {
        "writer_id": str(users["writer"]),
        "editor_id": str(users["editor"]),
        "screening_id": str(programme["press"]),
        "slot_starts_at": "",
        "slot_ends_at": "",
        "slot_place": "",
        "due_at": "2021-10-09T12:00",
        "word_target": "450",
        "embargo_at": "",
        "publish_at": "",
    } | changes


def api_etag(client, piece_id: int, headers) -> str:
    return client.get(f"/api/v1/pieces/{piece_id}", headers=headers).headers["ETag"]


def test_a_plan_changed_on_the_web_page_changes_the_api_etag(
    app, client, users, programme, drafting
):
    """An API client read the piece; then an editor changed its plan on the web page. The
    client's PATCH with the ETag it holds is refused (412), not applied over the web's plan."""
    token = bearer_for(app, users["admin"])
    api = app.test_client()
    old = api_etag(api, drafting, token)
    log_in(client, "editor@example.org")
    _, hidden = assign_page(client, drafting)
    form = plan_form(programme, users, word_target="600") | hidden
    saved = client.post_form(f"/pieces/{drafting}/assign", form, page=f"/pieces/{drafting}")
    assert saved.status_code == 302
    assert api_etag(api, drafting, token) != old
    stale = api.patch(
        f"/api/v1/pieces/{drafting}", json={"word_target": 900}, headers=token | {"If-Match": old}
    )
    assert stale.status_code == 412
    assert "nothing was saved" in stale.get_json()["detail"]
    assert piece_facts(app, drafting)["word_target"] == 600


INTERVIEW_BODY = "“I wanted it to feel like a summer that never ends,” he says of Texas City."


def test_a_pull_quote_picked_on_the_web_page_changes_the_api_etag(app, client, users, programme):
    """Only the pull quote changes in a web save (the text is the same): that is a change of
    the piece too, so an API client holding the old ETag cannot overwrite it unseen."""
    with app.app_context():
        piece = db.session.get(Piece, programme["piece"])
        piece.kind = PieceKind.INTERVIEW
        piece.interviewees = [Person(name="Sean Baker", film_id=programme["film"])]
        piece.writer_id = users["writer"]
        piece.state = PieceState.EDITING
        piece.headline = "Sean Baker on Red Rocket"
        piece.body = INTERVIEW_BODY
        db.session.commit()
    piece_id = programme["piece"]
    token = bearer_for(app, users["admin"])
    api = app.test_client()
    old = api_etag(api, piece_id, token)
    log_in(client, "editor@example.org")
    url = f"/pieces/{piece_id}/text"
    page = client.get(url).get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    quote = "I wanted it to feel like a summer that never ends,"
    data = {
        "version": version,
        "headline": "Sean Baker on Red Rocket",
        "standfirst": "",
        "body": INTERVIEW_BODY,
        "star_rating": "",
        "pull_quote": quote,
        "intent": "save",
    }
    assert client.post_form(url, data, page=url).status_code == 302
    assert piece_facts(app, piece_id)["pull_quote"] == quote
    assert api_etag(api, piece_id, token) != old
    stale = api.patch(
        f"/api/v1/pieces/{piece_id}",
        json={"pull_quote": "he says of Texas City"},
        headers=token | {"If-Match": old},
    )
    assert stale.status_code == 412
    assert piece_facts(app, piece_id)["pull_quote"] == quote


# --- A save from a stale page is a conflict, not a silent overwrite ----------------------------


def test_a_plan_saved_from_a_stale_page_is_refused_and_can_then_be_saved_knowingly(
    app, client, users, programme, drafting
):
    """Editor A opened the plan; editor B then moved the due time. A's save (of a new word
    target, with the old due time still in the form) would silently undo B's change: it is
    refused (409), naming what saving it would change, and nothing is saved. The form keeps A's
    values; saving it again now is a deliberate replacement."""
    log_in(client, "editor@example.org")
    _, hidden = assign_page(client, drafting)
    # A text save by the writer in between is no conflict for the plan.
    save_as_writer(app, users, drafting, "Writer typed more.")
    assert (
        client.post_form(
            f"/pieces/{drafting}/assign",
            plan_form(programme, users, word_target="500") | hidden,
            page=f"/pieces/{drafting}",
        ).status_code
        == 302
    )
    _, hidden = assign_page(client, drafting)
    admin = bearer_for(app, users["admin"])
    api = app.test_client()
    etag = api_etag(api, drafting, admin)
    moved = api.patch(
        f"/api/v1/pieces/{drafting}",
        json={"due_at": "2021-10-10T09:00"},
        headers=admin | {"If-Match": etag},
    )
    assert moved.status_code == 200
    due_by_b = piece_facts(app, drafting)["due_at"]
    url = f"/pieces/{drafting}/assign"
    refused = client.post_form(
        url, plan_form(programme, users, word_target="700") | hidden, page=url
    )
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "Someone else changed this piece&#39;s plan while you had this page open" in page
    assert "Saved now, this form would change its copy due, word target" in page
    facts = piece_facts(app, drafting)
    assert (facts["word_target"], facts["due_at"]) == (500, due_by_b)
    # The page offers the form again, now based on the plan as it is.
    again = re.search(r'name="based_on" type="hidden" value="([^"]*)"', page).group(1)
    assert again != hidden["based_on"]
    form = plan_form(programme, users, word_target="700") | {"based_on": again}
    assert client.post_form(url, form, page=url).status_code == 302
    facts = piece_facts(app, drafting)
    assert facts["word_target"] == 700 and facts["due_at"] != due_by_b
