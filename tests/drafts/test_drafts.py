"""Writing copy: saving, revisions, conflicts that lose nothing, restores, presence, comments."""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import select

from coverage.accounts.models import User
from coverage.drafts import services as drafts
from coverage.drafts.models import Comment, Revision
from coverage.extensions import db
from coverage.pieces.kinds import PieceState
from coverage.pieces.models import Piece
from coverage.timeutil import utcnow
from tests.conftest import log_in


@pytest.fixture
def drafting(app, users, programme) -> int:
    """The fixture's review, assigned to the writer and not yet started."""
    with app.app_context():
        piece = db.session.get(Piece, programme["piece"])
        piece.writer_id = users["writer"]
        piece.state = PieceState.ASSIGNED
        piece.word_target = 450
        db.session.commit()
        return piece.id


def editor_page(client, piece_id: int) -> tuple[str, str]:
    html = client.get(f"/pieces/{piece_id}/text").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
    return html, version


def save(client, piece_id: int, version: str, body: str, **fields):
    data = {
        "version": version,
        "headline": fields.get("headline", "Red Rocket review"),
        "standfirst": fields.get("standfirst", ""),
        "body": body,
        "star_rating": fields.get("star_rating", ""),
        "intent": fields.get("intent", "save"),
    }
    return client.post_form(f"/pieces/{piece_id}/text", data, page=f"/pieces/{piece_id}/text")


def restore(client, piece_id: int, number: int, page: str):
    """Press a Restore button on `page` (its HTML): the form sends the version the page showed."""
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    data = {"version": version}
    url = f"/pieces/{piece_id}/revisions/{number}/restore"
    return client.post_form(url, data, page=f"/pieces/{piece_id}/text")


def revisions(app, piece_id: int) -> list[Revision]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Revision).where(Revision.piece_id == piece_id).order_by(Revision.number)
            )
        )


def test_each_save_is_a_revision_and_unchanged_text_makes_none(app, client, users, drafting):
    log_in(client, "writer@example.org")
    _, version = editor_page(client, drafting)
    response = save(client, drafting, version, "A hustler comes home.", star_rating="4")
    assert response.status_code == 302
    assert "Saved as revision 1." in client.get(response.headers["Location"]).get_data(as_text=True)
    _, version = editor_page(client, drafting)
    again = save(client, drafting, version, "A hustler comes home.", star_rating="4")
    assert "No changes to save." in client.get(again.headers["Location"]).get_data(as_text=True)
    save(client, drafting, version, "A hustler comes home to Texas.", star_rating="4")
    saved = revisions(app, drafting)
    assert [r.body for r in saved] == ["A hustler comes home.", "A hustler comes home to Texas."]
    assert saved[0].author_id == users["writer"] and saved[0].star_rating == 4
    with app.app_context():
        piece = db.session.get(Piece, drafting)
        assert piece.state is PieceState.DRAFTING  # the first save started the draft
        assert piece.body == "A hustler comes home to Texas."


def test_preview_renders_as_published_and_sanitised_without_saving(app, client, users, drafting):
    log_in(client, "writer@example.org")
    _, version = editor_page(client, drafting)
    body = "Simon Rex is *superb*.\n\n<script>alert('x')</script>\n\n[trailer](javascript:alert(1))"
    page = save(client, drafting, version, body, intent="preview").get_data(as_text=True)
    assert "<em>superb</em>" in page
    assert "<script>alert" not in page
    assert 'href="javascript:' not in page
    assert "Red Rocket does not have a UK release date yet." in page
    assert '<p class="byline">Wyn Writer</p>' in page
    assert revisions(app, drafting) == []


def test_a_stale_save_is_kept_as_a_revision_and_shown_side_by_side(
    app, client, users, drafting, make_user
):
    log_in(client, "writer@example.org")
    _, stale_version = editor_page(client, drafting)
    save(client, drafting, stale_version, "First draft.")
    # Meanwhile the writer's other tab, opened before that save, saves different text.
    response = save(client, drafting, stale_version, "Other tab's draft.")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "This piece was saved elsewhere while you were editing" in page
    assert "You saved it in another window" in page
    assert "it is kept as revision 2" in page
    assert "<del>First</del>" in page and "<ins>Other tab&#39;s</ins>" in page or "<ins>" in page
    kept = revisions(app, drafting)
    assert [r.body for r in kept] == ["First draft.", "Other tab's draft."]
    assert kept[1].version is None  # stored, not applied
    with app.app_context():
        assert db.session.get(Piece, drafting).body == "First draft."
    # "Use my text" restores the kept revision as the current text.
    restored = restore(client, drafting, 2, page)
    assert restored.status_code == 302
    with app.app_context():
        assert db.session.get(Piece, drafting).body == "Other tab's draft."
    assert revisions(app, drafting)[-1].note == "Restored revision 2"


def test_a_restore_from_a_stale_page_is_a_conflict_and_keeps_both_texts(
    app, client, users, drafting
):
    """An editor picks an old revision to restore from the revisions page; meanwhile another
    editor saved new text. A restore is a save based on what its page showed: it gets the same
    conflict page as a stale save, and neither text is lost."""
    with app.app_context():
        db.session.get(Piece, drafting).state = PieceState.EDITING
        db.session.commit()
    log_in(client, "editor@example.org")
    for body in ("One.", "Two."):
        _, version = editor_page(client, drafting)
        save(client, drafting, version, body)
    listing = client.get(f"/pieces/{drafting}/revisions").get_data(as_text=True)
    other = app.test_client()
    log_in(other, "admin@example.org")
    _, version = editor_page(other, drafting)
    assert save(other, drafting, version, "Three, by the other editor.").status_code == 302
    response = restore(client, drafting, 1, listing)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "This piece was saved elsewhere while you were editing" in page
    assert "Ada Admin saved it" in page
    assert "it is kept as revision 4" in page
    kept = revisions(app, drafting)
    assert [r.body for r in kept] == ["One.", "Two.", "Three, by the other editor.", "One."]
    assert kept[-1].version is None
    assert kept[-1].note.startswith("Restored revision 1, not applied: the piece changed")
    with app.app_context():
        assert db.session.get(Piece, drafting).body == "Three, by the other editor."
    # Having seen both, the editor uses their text after all: from the conflict page, knowingly.
    assert restore(client, drafting, 4, page).status_code == 302
    with app.app_context():
        assert db.session.get(Piece, drafting).body == "One."
    # A restore without the version its page showed is refused: it could overwrite anything.
    url = f"/pieces/{drafting}/revisions/2/restore"
    assert client.post_form(url, {}, page=f"/pieces/{drafting}/text").status_code == 400


def test_a_plan_change_in_between_is_not_a_conflict(app, client, users, drafting):
    log_in(client, "writer@example.org")
    _, version = editor_page(client, drafting)
    with app.app_context():
        piece = db.session.get(Piece, drafting)
        piece.version += 1  # e.g. the editor moved the due time
        db.session.commit()
    assert save(client, drafting, version, "Typed meanwhile.").status_code == 302
    with app.app_context():
        assert db.session.get(Piece, drafting).body == "Typed meanwhile."


def test_compare_any_two_revisions_and_restore(app, client, users, drafting):
    log_in(client, "writer@example.org")
    for body in ("One two three.", "One two four.", "One five four."):
        _, version = editor_page(client, drafting)
        save(client, drafting, version, body)
    page = client.get(f"/pieces/{drafting}/revisions/compare?a=1&b=3").get_data(as_text=True)
    assert "<del>two three.</del>" in page or "<del>" in page
    assert "Revision 1" in page and "Revision 3" in page
    listing = client.get(f"/pieces/{drafting}/revisions").get_data(as_text=True)
    assert listing.count("Restore") >= 3
    assert restore(client, drafting, 1, listing).status_code == 302
    with app.app_context():
        assert db.session.get(Piece, drafting).body == "One two three."
    assert [r.number for r in revisions(app, drafting)] == [1, 2, 3, 4]


def test_who_may_edit_follows_the_state(app, client, users, drafting):
    log_in(client, "editor@example.org")
    assert client.get(f"/pieces/{drafting}/text").status_code == 403
    with app.app_context():
        db.session.get(Piece, drafting).state = PieceState.FILED
        db.session.commit()
    assert client.get(f"/pieces/{drafting}/text").status_code == 200
    client.post_form("/logout")
    log_in(client, "writer@example.org")
    # Filed, not yet taken: the writer may still fix it (tests/drafts/test_writing_page.py).
    assert client.get(f"/pieces/{drafting}/text").status_code == 200
    with app.app_context():
        db.session.get(Piece, drafting).state = PieceState.EDITING
        db.session.commit()
    response = client.get(f"/pieces/{drafting}/text")
    assert response.status_code == 403
    assert "you can no longer change its text" in response.get_data(as_text=True)


def test_presence_shows_who_else_has_the_editor_open(app, client, users, drafting):
    with app.app_context():
        piece = db.session.get(Piece, drafting)
        piece.state = PieceState.FILED
        db.session.commit()
    log_in(client, "editor@example.org")
    client.get(f"/pieces/{drafting}/text")
    client.post_form("/logout")
    log_in(client, "admin@example.org")
    page = client.get(f"/pieces/{drafting}").get_data(as_text=True)
    assert "Ed Editor has this piece open in the editor" in page
    beat = client.post_form(f"/pieces/{drafting}/presence", page=f"/pieces/{drafting}/text")
    assert beat.get_json() == {"others": ["Ed Editor"]}


def test_comments_are_markdown_sanitised_and_in_order(app, client, users, drafting):
    log_in(client, "writer@example.org")
    page = f"/pieces/{drafting}"
    client.post_form(f"{page}/comments", {"body": "Can I have **50 more** words?"}, page=page)
    client.post_form("/logout")
    log_in(client, "editor@example.org")
    client.post_form(f"{page}/comments", {"body": "Yes. <img src=x onerror=alert(1)>"}, page=page)
    html = client.get(page).get_data(as_text=True)
    assert "<strong>50 more</strong>" in html
    # Raw HTML is shown as text, never run.
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img" not in html
    assert html.index("50 more") < html.index("Yes.")
    with app.app_context():
        assert [c.author_id for c in db.session.scalars(select(Comment))] == [
            users["writer"],
            users["editor"],
        ]


def test_an_outsider_cannot_comment(app, client, users, make_user, drafting):
    make_user("writer", "other@example.org")
    log_in(client, "other@example.org")
    page = f"/pieces/{drafting}"
    response = client.post_form(f"{page}/comments", {"body": "Hello"}, page=page)
    assert "Only the piece&#39;s writer and the desk can comment on it." in client.get(
        response.headers["Location"]
    ).get_data(as_text=True)


def test_two_writers_racing_lose_nothing(app, users, drafting):
    """Two sessions save different text from the same version at once: every text either
    side sent ends up in the revisions, and the piece holds exactly one of them."""
    with app.app_context():
        start_version = db.session.get(Piece, drafting).version
    barrier = threading.Barrier(2)
    texts = [f"Text from racer {n}, round {r}." for r in range(5) for n in range(2)]
    errors: list[BaseException] = []

    def racer(n: int) -> None:
        try:
            for round_ in range(5):
                with app.app_context():
                    piece = db.session.get(Piece, drafting)
                    writer = db.session.get(User, users["writer"])
                    version = piece.version if round_ else start_version
                    barrier.wait()
                    drafts.save_draft(
                        piece,
                        writer,
                        drafts.Text(
                            "Red Rocket", "", f"Text from racer {n}, round {round_}.", None
                        ),
                        base_version=version,
                        now=utcnow(),
                    )
                    db.session.commit()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=racer, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    stored = {r.body for r in revisions(app, drafting)}
    assert set(texts) <= stored
    with app.app_context():
        assert db.session.get(Piece, drafting).body in texts
