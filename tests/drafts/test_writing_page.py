"""The writing page: the editor's return note, the local draft and leave warning (editor.js), the
word count, and fixing a typo after filing until an editor takes the piece."""

from __future__ import annotations

import html
import re
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from coverage.accounts.models import User
from coverage.drafts import services as drafts
from coverage.drafts.models import Comment, Revision
from coverage.drafts.rendering import word_count
from coverage.extensions import db
from coverage.pieces import services as pieces
from coverage.pieces.kinds import PieceState
from coverage.pieces.models import Piece
from coverage.pieces.workflow import Action
from coverage.timeutil import format_in_zone, utcnow
from tests.conftest import log_in
from tests.drafts.test_drafts import editor_page, revisions, save

EDITOR_JS = Path(__file__).resolve().parents[2] / "coverage" / "static" / "editor.js"


@pytest.fixture
def drafting(app, users, programme) -> int:
    """The fixture's review, assigned to the writer, with a first draft saved."""
    with app.app_context():
        piece = db.session.get(Piece, programme["piece"])
        piece.writer_id = users["writer"]
        piece.state = PieceState.ASSIGNED
        piece.word_target = 450
        db.session.commit()
        writer = db.session.get(User, users["writer"])
        drafts.save_draft(
            piece,
            writer,
            drafts.Text("Red Rocket review", "", "A hustler comes home.", None),
            base_version=piece.version,
            now=utcnow() - timedelta(minutes=30),
        )
        db.session.commit()
        return piece.id


def step(app, piece_id: int, who: int, action: Action, note: str = "", minutes_ago: int = 0):
    with app.app_context():
        piece = db.session.get(Piece, piece_id)
        actor = db.session.get(User, who)
        pieces.transition(piece, actor, action, utcnow() - timedelta(minutes=minutes_ago), note)
        db.session.commit()


@pytest.fixture
def filed(app, users, drafting) -> int:
    step(app, drafting, users["writer"], Action.FILE, minutes_ago=20)
    return drafting


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


# --- The latest return note -----------------------------------------------------------------


def test_the_writing_page_shows_the_latest_return_note(app, client, users, filed):
    step(app, filed, users["editor"], Action.TAKE_FOR_EDIT, minutes_ago=15)
    step(app, filed, users["editor"], Action.RETURN, "Cut the plot summary.", minutes_ago=14)
    step(app, filed, users["writer"], Action.FILE, minutes_ago=10)
    step(app, filed, users["editor"], Action.TAKE_FOR_EDIT, minutes_ago=5)
    step(app, filed, users["editor"], Action.RETURN, "Now *name* the director.", minutes_ago=4)
    log_in(client, "writer@example.org")
    page = text(client.get(f"/pieces/{filed}/text"))
    note = page[
        page.index('id="return-note"') : page.index("</section>", page.index("return-note"))
    ]
    assert "Returned to you: what to change" in note
    assert "Now <em>name</em> the director." in note
    assert "Cut the plot summary." not in note  # only the latest
    assert "Ed Editor" in note
    with app.app_context():
        returned = drafts.latest_return(db.session.get(Piece, filed))
        when = format_in_zone(returned.created_at, "Europe/London")
    assert when in note  # festival-local time with its zone
    # Above the editor.
    assert page.index('id="return-note"') < page.index('<form method="post" class="card editor"')
    # Filed again: the note is no longer the thing to act on.
    step(app, filed, users["writer"], Action.FILE)
    with app.app_context():
        assert drafts.latest_return(db.session.get(Piece, filed)) is None


def test_no_return_note_on_a_first_draft(app, client, users, drafting):
    log_in(client, "writer@example.org")
    assert 'id="return-note"' not in client.get(f"/pieces/{drafting}/text").get_data(as_text=True)


# --- editor.js: leave warning, local draft, live count --------------------------------------


def test_the_page_gives_editor_js_its_ids_without_inline_script(app, client, users, drafting):
    log_in(client, "writer@example.org")
    page, version = editor_page(client, drafting)
    form = re.search(r'<form method="post" class="card editor"[^>]*>', page).group(0)
    assert f'data-piece-id="{drafting}"' in form
    assert f'data-user-id="{users["writer"]}"' in form
    assert 'data-timezone="Europe/London"' in form
    assert "data-reshown" not in form  # the text on the page is the saved text
    assert f'name="version" type="hidden" value="{version}"' in page
    assert re.search(r'<div class="flash local-draft" id="local-draft" role="alert" hidden>', page)
    assert 'id="local-draft-restore"' in page and 'id="local-draft-discard"' in page
    assert '<script src="/static/editor.js' in page
    assert "<script>" not in page and " onbeforeunload" not in page
    # A preview shows posted text that is not saved: the page says so.
    preview = save(client, drafting, version, "Not saved yet.", intent="preview")
    assert 'data-reshown="1"' in preview.get_data(as_text=True)


def test_editor_js_handles_leaving_and_keeps_a_local_draft():
    script = EDITOR_JS.read_text()
    assert "addEventListener('beforeunload'" in script
    assert "event.returnValue = ''" in script
    # Not when submitting the form.
    assert "form.addEventListener('submit', function () { submitting = true; store(); });" in script
    assert "if (submitting || saved(current())) return;" in script
    # The local copy: keyed by piece, user and version; offered back; cleared once saved.
    assert "'coverage-draft:' + form.dataset.pieceId + ':' + form.dataset.userId + ':'" in script
    assert "PREFIX + version.value" in script
    assert "localStorage" in script and "storage.setItem(key" in script
    assert "'Restore your unsaved text from ' + clock(offered.draft.saved_at)" in script
    assert "if (stale || saved(draft.text)) { storage.removeItem(entry.key); return; }" in script
    # Restoring sends the version it was based on, so a save in between is a conflict.
    assert "version.value = offered.draft.version;" in script
    assert "body.addEventListener('input', count);" in script


def test_the_server_count_on_the_page(app, client, users, drafting):
    log_in(client, "writer@example.org")
    _, version = editor_page(client, drafting)
    body = "# Verdict\n\n[Red Rocket](https://example.org/x) is a 4.5 — *sharp* film. 🎬"
    save(client, drafting, version, body)
    page = client.get(f"/pieces/{drafting}/text").get_data(as_text=True)
    assert word_count(body) == 8
    assert '<p class="muted" id="word-count" data-target="450">8 words of 450</p>' in page


# --- Fixing a typo after filing -------------------------------------------------------------


def test_the_writer_fixes_a_typo_after_filing_and_the_editor_sees_it(app, client, users, filed):
    log_in(client, "writer@example.org")
    piece_page = text(client.get(f"/pieces/{filed}"))
    assert "Spotted a typo? You can still" in piece_page
    assert f'href="/pieces/{filed}/text">fix the text</a>' in piece_page
    page, version = editor_page(client, filed)
    assert "You can still fix it until an editor takes it for editing" in html.unescape(page)
    response = save(client, filed, version, "A hustler comes home to Texas.")
    assert response.status_code == 302
    assert "The piece stays filed" in text(client.get(response.headers["Location"]))
    with app.app_context():
        piece = db.session.get(Piece, filed)
        assert piece.state is PieceState.FILED
        assert piece.body == "A hustler comes home to Texas."
    kept = revisions(app, filed)
    assert [r.body for r in kept] == ["A hustler comes home.", "A hustler comes home to Texas."]
    assert kept[-1].author_id == users["writer"] and kept[-1].version is not None
    client.post_form("/logout")
    log_in(client, "editor@example.org")
    desk_page = text(client.get(f"/pieces/{filed}"))
    assert "Changed by Wyn Writer after filing: 1 save" in desk_page
    assert "A hustler comes home to Texas." in desk_page  # the latest text
    assert f"/pieces/{filed}/revisions/compare?a=1&b=2" in desk_page
    compare = client.get(f"/pieces/{filed}/revisions/compare?a=1&b=2")
    assert compare.status_code == 200
    assert "to Texas" in text(compare)


def test_another_writer_still_cannot_touch_a_filed_piece(app, client, users, filed, make_user):
    make_user("writer", "other@example.org", "Olly Other")
    log_in(client, "other@example.org")
    response = client.get(f"/pieces/{filed}/text")
    assert response.status_code == 403
    assert "Only the piece's writer (until an editor takes it" in text(response)


def test_once_taken_the_writer_is_told_to_ask_the_editor(app, client, users, filed):
    log_in(client, "writer@example.org")
    _, version = editor_page(client, filed)  # opened while filed
    step(app, filed, users["editor"], Action.TAKE_FOR_EDIT)
    piece_page = text(client.get(f"/pieces/{filed}"))
    assert "An editor has this piece now" in piece_page
    assert 'href="#comments">leave a comment</a>' in piece_page
    assert f'href="/pieces/{filed}/text">Write</a>' not in piece_page
    page = client.get(f"/pieces/{filed}/text")
    assert page.status_code == 403
    assert "Ed Editor took this piece for editing" in text(page)
    assert "Ask the editor" in text(page)
    # The save from the page opened before the take: refused, and kept.
    response = save(client, filed, version, "A hustler comes home. Typo fixed.")
    assert response.status_code == 409
    refused = text(response)
    assert "you can no longer change its text" in refused
    assert "they are kept as" in refused and "revision 2</a>" in refused
    assert "my changes are kept as revision 2" in refused  # the comment, ready to send
    kept = revisions(app, filed)
    assert kept[-1].body == "A hustler comes home. Typo fixed."
    assert kept[-1].version is None and "an editor had taken the piece" in kept[-1].note
    with app.app_context():
        assert db.session.get(Piece, filed).body == "A hustler comes home."
    # Asking the editor from that page: a comment on the piece.
    sent = client.post_form(
        f"/pieces/{filed}/comments",
        {"body": "Please fix the typo: see revision 2."},
        page=f"/pieces/{filed}",
    )
    assert sent.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Comment.body).where(Comment.piece_id == filed)) == (
            "Please fix the typo: see revision 2."
        )


def race_save_and_take(app, users, piece_id: int, body: str) -> drafts.SaveResult:
    """The writer saves `body` (based on the filed version) while the editor takes the piece,
    both released at the same instant; returns the save's result."""
    with app.app_context():
        version = db.session.get(Piece, piece_id).version
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    results: list[drafts.SaveResult] = []

    def writer_saves() -> None:
        try:
            with app.app_context():
                piece = db.session.get(Piece, piece_id)
                writer = db.session.get(User, users["writer"])
                text = drafts.Text("Red Rocket review", "", body, None)
                barrier.wait()
                results.append(
                    drafts.save_draft(piece, writer, text, base_version=version, now=utcnow())
                )
                db.session.commit()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
            barrier.abort()

    def editor_takes() -> None:
        try:
            with app.app_context():
                piece = db.session.get(Piece, piece_id)
                editor = db.session.get(User, users["editor"])
                barrier.wait()
                pieces.transition(piece, editor, Action.TAKE_FOR_EDIT, utcnow())
                db.session.commit()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=writer_saves), threading.Thread(target=editor_takes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    (result,) = results
    return result


def test_a_save_racing_the_take_loses_nothing(app, users, filed):
    """Five times over: the writer's text is always in the revisions, applied only when the
    save came first; the piece always ends up with the editor."""
    statuses = set()
    for round_ in range(5):
        with app.app_context():
            db.session.get(Piece, filed).state = PieceState.FILED
            db.session.commit()
        body = f"Typo fixed, round {round_}."
        result = race_save_and_take(app, users, filed, body)
        statuses.add(result.status)
        with app.app_context():
            piece = db.session.get(Piece, filed)
            assert piece.state is PieceState.EDITING
            mine = db.session.scalar(
                select(Revision).where(Revision.piece_id == filed, Revision.body == body)
            )
            assert mine is not None, "the writer's text was lost"
            if result.status is drafts.SaveStatus.SAVED:
                assert mine.version is not None and piece.body == body
            else:
                assert result.status is drafts.SaveStatus.TAKEN
                assert mine.version is None and piece.body != body
    assert statuses <= {drafts.SaveStatus.SAVED, drafts.SaveStatus.TAKEN}


def test_a_save_after_the_take_is_kept_not_applied(app, users, filed):
    """The losing order, made certain: the take commits first, then the writer's save."""
    step(app, filed, users["editor"], Action.TAKE_FOR_EDIT)
    with app.app_context():
        piece = db.session.get(Piece, filed)
        writer = db.session.get(User, users["writer"])
        result = drafts.save_draft(
            piece,
            writer,
            drafts.Text("Red Rocket review", "", "Too late.", None),
            base_version=piece.version,
            now=utcnow(),
        )
        db.session.commit()
        assert result.status is drafts.SaveStatus.TAKEN
        assert result.revision.version is None and result.revision.body == "Too late."
        assert db.session.get(Piece, filed).body == "A hustler comes home."
