"""An editor's "My work": everything waiting for the desk, with one click to act, and the top
bar's counts."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from coverage.extensions import db
from coverage.pieces.kinds import PieceKind, PieceState
from coverage.pieces.models import Piece, Transition
from coverage.timeutil import format_in_zone, to_zone, utcnow
from tests.conftest import count_page_queries

S = PieceState
EARLY = datetime(2021, 10, 8, 9, 0, tzinfo=UTC)


def add_piece(
    app,
    programme,
    *,
    state: PieceState,
    headline: str,
    steps: list[tuple[str, PieceState, int | None, datetime]] = (),
    **values,
) -> int:
    """A piece of the programme's festival in `state`, with transitions (action, to_state,
    actor id, at) as its history."""
    with app.app_context():
        piece = Piece(
            festival_id=programme["festival"],
            film_id=programme["film"],
            kind=PieceKind.REVIEW,
            state=state,
            headline=headline,
            created_at=EARLY - timedelta(days=1),
            **values,
        )
        for action, to_state, actor_id, at in steps:
            piece.transitions.append(
                Transition(action=action, to_state=to_state, actor_id=actor_id, created_at=at)
            )
        db.session.add(piece)
        db.session.commit()
        return piece.id


def section(page: str, key: str) -> str:
    match = re.search(rf'<section [^>]*id="{key}".*?</section>', page, re.S)
    assert match, f"no section {key}"
    return match.group(0)


def desk_situation(app, programme, users) -> dict[str, int]:
    """One piece of each kind of thing waiting for the desk, and some that are not."""
    editor, admin, writer = users["editor"], users["admin"], users["writer"]
    later = utcnow() + timedelta(days=2)
    return {
        "filed_late": add_piece(
            app,
            programme,
            state=S.FILED,
            headline="Filed second",
            writer_id=writer,
            steps=[("file", S.FILED, writer, EARLY + timedelta(hours=5))],
        ),
        "filed_early": add_piece(
            app,
            programme,
            state=S.FILED,
            headline="Filed first",
            writer_id=writer,
            steps=[("file", S.FILED, writer, EARLY + timedelta(hours=1))],
        ),
        "editing_mine": add_piece(
            app,
            programme,
            state=S.EDITING,
            headline="Mine to edit",
            writer_id=writer,
            editor_id=editor,
            steps=[("take_for_edit", S.EDITING, editor, EARLY)],
        ),
        "editing_theirs": add_piece(
            app,
            programme,
            state=S.EDITING,
            headline="Admin edits this",
            writer_id=writer,
            editor_id=admin,
            steps=[("take_for_edit", S.EDITING, admin, EARLY)],
        ),
        "ready": add_piece(
            app,
            programme,
            state=S.READY,
            headline="Ready to go",
            writer_id=writer,
            steps=[("approve", S.READY, editor, EARLY)],
        ),
        "scheduled": add_piece(
            app,
            programme,
            state=S.SCHEDULED,
            headline="Goes out later",
            writer_id=writer,
            publish_at=datetime(2031, 1, 2, 9, 30, tzinfo=UTC),
            steps=[("publish", S.SCHEDULED, editor, EARLY)],
        ),
        "overdue": add_piece(
            app,
            programme,
            state=S.ASSIGNED,
            headline="Late copy",
            writer_id=writer,
            due_at=datetime(2021, 10, 9, 10, 0, tzinfo=UTC),
            steps=[("assign", S.ASSIGNED, editor, EARLY)],
        ),
        "on_time": add_piece(
            app,
            programme,
            state=S.DRAFTING,
            headline="Not due yet",
            writer_id=writer,
            due_at=later,
        ),
        "pitch": add_piece(
            app,
            programme,
            state=S.PITCHED,
            headline="A pitch",
            writer_id=writer,
            steps=[("pitch", S.PITCHED, writer, EARLY)],
        ),
        "declined": add_piece(
            app,
            programme,
            state=S.PITCHED,
            headline="Declined one",
            decline_reason="I am on a jury that morning",
            steps=[
                ("pitch", S.PITCHED, editor, EARLY),
                ("decline", S.PITCHED, writer, EARLY + timedelta(hours=2)),
            ],
        ),
        "spiked": add_piece(
            app, programme, state=S.SPIKED, headline="Spiked one", writer_id=writer
        ),
    }


def test_the_editor_sees_each_kind_of_waiting_piece_with_its_action(
    app, client, users, login, programme
):
    ids = desk_situation(app, programme, users)
    login("editor")
    page = client.get("/my-work").get_data(as_text=True)

    filed = section(page, "filed")
    assert filed.index("Filed first") < filed.index("Filed second"), "oldest first"
    assert f'action="/pieces/{ids["filed_early"]}/transitions"' in filed
    assert 'name="state" value="filed"' in filed and 'value="take_for_edit"' in filed
    assert '<span class="count">2</span>' in filed

    editing = section(page, "editing")
    assert "Mine to edit" in editing and f'href="/pieces/{ids["editing_mine"]}/text"' in editing
    assert "Admin edits this" not in editing

    ready = section(page, "ready")
    assert f'href="/pieces/{ids["ready"]}#next-steps"' in ready and "Publish" in ready

    scheduled = section(page, "scheduled")
    go_live = format_in_zone(datetime(2031, 1, 2, 9, 30, tzinfo=UTC), "Europe/London", "%H:%M")
    assert "Goes out later" in scheduled and f"goes live Thu 2 Jan {go_live}" in scheduled

    overdue = section(page, "overdue")
    assert "Late copy" in overdue and "Wyn Writer" in overdue
    assert f'href="/pieces/{ids["overdue"]}/assign">Change plan' in overdue
    assert "Not due yet" not in page

    pitched = section(page, "pitched")
    assert f'href="/pieces/{ids["pitch"]}/assign">Assign' in pitched
    assert "Declined one" not in pitched
    declined = section(page, "declined")
    assert f'href="/pieces/{ids["declined"]}/assign">Reassign' in declined
    assert "I am on a jury that morning" in declined

    assert "Spiked one" not in page
    # An editor who writes nothing sees no writer's sections.
    assert "Due next" not in page

    # One click: "Take for edit" takes the oldest filed piece, which then waits on their desk.
    response = client.post_form(
        f"/pieces/{ids['filed_early']}/transitions",
        {"action": "take_for_edit", "state": "filed"},
        page="/my-work",
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Piece, ids["filed_early"]).state is S.EDITING
    page = client.get("/my-work").get_data(as_text=True)
    assert "Filed first" in section(page, "editing")
    assert "Filed first" not in section(page, "filed")


def test_empty_sections_say_so(app, client, users, login, programme):
    login("editor")
    page = client.get("/my-work").get_data(as_text=True)
    assert "No filed copy waiting." in page
    assert "No assignment is overdue." in page
    # The fixture's pitched review, never assigned, waits for a decision.
    assert "Review: Red Rocket" in section(page, "pitched")


def test_a_writer_sees_only_their_own_work(app, client, users, login, programme):
    desk_situation(app, programme, users)
    login("writer")
    page = client.get("/my-work").get_data(as_text=True)
    assert "Filed copy waiting" not in page
    assert "Late copy" in page and "Due next" in page
    assert "Filed <strong>" not in page  # no desk counts in the top bar


def test_an_editor_who_writes_sees_their_writing_too(app, client, users, login, programme):
    add_piece(
        app,
        programme,
        state=S.DRAFTING,
        headline="My own review",
        writer_id=users["editor"],
        due_at=utcnow() + timedelta(days=1),
    )
    login("editor")
    page = client.get("/my-work").get_data(as_text=True)
    assert "Your own writing" in page
    assert "My own review" in page.split("Your own writing", 1)[1]
    assert "Filed copy waiting for an edit" in page


def test_top_bar_counts_filed_and_overdue_for_the_desk(app, client, users, login, programme):
    desk_situation(app, programme, users)
    login("editor")
    page = client.get("/festivals/").get_data(as_text=True)
    assert re.search(r'href="/my-work#filed">Filed <strong>2</strong>', page)
    assert re.search(r'href="/my-work#overdue">Overdue <strong>1</strong>', page)
    # Readers' pages carry no desk counts.
    public = client.get("/film-festivals/").get_data(as_text=True)
    assert "Filed <strong>" not in public


def test_my_work_query_count_does_not_grow_with_pieces(app, client, users, login, programme):
    login("editor")
    desk_situation(app, programme, users)
    client.get("/my-work")  # first-use settings are stored once, not per page
    few = count_page_queries(app, client, "/my-work")
    for _ in range(4):
        desk_situation(app, programme, users)
    many = count_page_queries(app, client, "/my-work")
    assert many == few


def test_whoever_takes_a_piece_for_edit_is_its_editor_and_only_theirs(
    app, client, users, login, programme
):
    """The editor planned the piece as its editor; the admin takes it for edit: it is on the
    admin's desk, not on both."""
    piece_id = add_piece(
        app,
        programme,
        state=S.FILED,
        headline="Taken over",
        writer_id=users["writer"],
        editor_id=users["editor"],
        steps=[("file", S.FILED, users["writer"], EARLY)],
    )
    login("admin")
    taken = client.post_form(
        f"/pieces/{piece_id}/transitions",
        {"action": "take_for_edit", "state": "filed"},
        page="/my-work",
    )
    assert taken.status_code == 302
    assert "Taken over" in section(client.get("/my-work").get_data(as_text=True), "editing")
    with app.app_context():
        assert db.session.get(Piece, piece_id).editor_id == users["admin"]
    client.post_form("/logout")
    login("editor")
    assert "Taken over" not in section(client.get("/my-work").get_data(as_text=True), "editing")


def test_a_declined_piece_says_who_declined_and_asks_before_giving_it_back(
    app, client, users, login, programme
):
    declined_at = EARLY + timedelta(hours=2)
    piece_id = add_piece(
        app,
        programme,
        state=S.PITCHED,
        headline="Turned down",
        decline_reason="I am on a jury that morning",
        steps=[
            ("assign", S.ASSIGNED, users["editor"], EARLY),
            ("decline", S.PITCHED, users["writer"], declined_at),
        ],
    )
    with app.app_context():
        step = db.session.query(Transition).filter_by(piece_id=piece_id, action="decline").one()
        step.note = "I am on a jury that morning"
        db.session.commit()
    login("editor")
    declined = section(client.get("/my-work").get_data(as_text=True), "declined")
    assert "declined by Wyn Writer" in declined and "I am on a jury that morning" in declined

    url = f"/pieces/{piece_id}/assign"
    shown = format_in_zone(declined_at, "Europe/London", "%H:%M")
    page = client.get(url).get_data(as_text=True)
    assert "Wyn Writer declined this on Fri 8 Oct" in page and shown in page
    due = f"{to_zone(EARLY + timedelta(days=1), 'Europe/London'):%Y-%m-%dT%H:%M}"
    form = {"writer_id": users["writer"], "due_at": due}
    asked = client.post_form(url, form, page=url)
    assert asked.status_code == 422
    assert "You are assigning it back to them: confirm below." in asked.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Piece, piece_id).state is S.PITCHED
    done = client.post_form(url, {**form, "confirm_clashes": "y"}, page=url)
    assert done.status_code == 302
    with app.app_context():
        piece = db.session.get(Piece, piece_id)
        assert (piece.state, piece.writer_id) == (S.ASSIGNED, users["writer"])
