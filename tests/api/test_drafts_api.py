"""Writing copy over the API: ETags and If-Match on PATCH, revisions that lose nothing, comments."""

from __future__ import annotations

import threading

import pytest

from coverage.drafts.models import Revision
from coverage.extensions import db
from coverage.pieces.models import Piece
from tests.api.test_api import assert_problem
from tests.api.test_pieces_api import PIECES, act, assign, piece_url

NO_IF_MATCH = (
    "Send If-Match with the piece's ETag (from GET) so a save cannot overwrite someone else's."
)


@pytest.fixture
def assigned(client, programme, editor, users) -> str:
    """The fixture's review, assigned to the writer; returns its URL."""
    assign(client, programme, editor, users["writer"], screening_id=programme["press"])
    return piece_url(programme)


def etag_of(client, url: str, headers) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.headers["ETag"]


def patch(client, url: str, body: dict, headers, if_match: str | None):
    extra = {} if if_match is None else {"If-Match": if_match}
    return client.patch(url, json=body, headers=headers | extra)


def save(client, url: str, body: dict, headers):
    """A PATCH based on the piece as just read; must succeed."""
    response = patch(client, url, body, headers, etag_of(client, url, headers))
    assert response.status_code == 200, response.get_json()
    return response


def revisions(client, url: str, headers) -> list[dict]:
    response = client.get(f"{url}/revisions", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def filed(client, url: str, programme, writer) -> None:
    save(client, url, {"headline": "Rocket man", "body": "A sharp, funny film."}, writer)
    assert act(client, programme, writer, "file").status_code == 200


# --- ETags ------------------------------------------------------------------------------------


def test_get_sends_the_version_as_a_strong_etag(client, programme, editor):
    response = client.get(piece_url(programme), headers=editor)
    assert response.status_code == 200
    version = response.get_json()["version"]
    assert response.headers["ETag"] == f'"{version}"'


def test_responses_returning_a_piece_carry_its_etag(client, programme, editor, users):
    body = {"festival": programme["slug"], "kind": "news"}
    created = client.post(PIECES, json=body, headers=editor)
    assert created.status_code == 201
    assert created.headers["ETag"] == f'"{created.get_json()["version"]}"'
    url = piece_url(programme)
    patched = save(
        client, url, {"writer_id": users["writer"], "due_at": "2021-10-09T12:00"}, editor
    )
    assert patched.headers["ETag"] == f'"{patched.get_json()["version"]}"'
    moved = act(client, programme, editor, "assign")
    assert moved.headers["ETag"] == f'"{moved.get_json()["piece"]["version"]}"'


# --- PATCH needs If-Match ---------------------------------------------------------------------


def test_patch_without_if_match_is_428_and_changes_nothing(client, programme, writer, assigned):
    before = client.get(assigned, headers=writer)
    response = patch(client, assigned, {"body": "Lost?"}, writer, None)
    assert_problem(response, 428, NO_IF_MATCH)
    after = client.get(assigned, headers=writer)
    assert after.get_json() == before.get_json()
    assert after.headers["ETag"] == before.headers["ETag"]
    assert revisions(client, assigned, writer) == []


def test_stale_if_match_is_412_and_the_text_is_kept_unapplied(
    client, programme, writer, editor, assigned
):
    old = etag_of(client, assigned, writer)
    save(client, assigned, {"body": "The first draft."}, writer)
    current = client.get(assigned, headers=writer)
    # A second tab, still on the old version, saves different text.
    response = patch(client, assigned, {"body": "From the stale tab."}, writer, old)
    body = assert_problem(response, 412, "nothing was overwritten")
    number = body["revision"]
    assert f"revision {number}" in body["detail"]
    assert response.headers["ETag"] == current.headers["ETag"]
    after = client.get(assigned, headers=writer)
    assert after.get_json()["body"] == "The first draft."
    assert after.headers["ETag"] == current.headers["ETag"]
    listed = {r["number"]: r for r in revisions(client, assigned, editor)}
    assert listed[number]["applied"] is False and listed[number]["version"] is None
    assert listed[number]["based_on_version"] == int(old.strip('"'))
    kept = client.get(f"{assigned}/revisions/{number}", headers=editor).get_json()
    assert kept["body"] == "From the stale tab."


def test_stale_if_match_without_new_text_saves_nothing(client, programme, writer, assigned):
    old = etag_of(client, assigned, writer)
    save(client, assigned, {"body": "The first draft."}, writer)
    before = revisions(client, assigned, writer)
    # The same text as now: nothing to keep.
    response = patch(client, assigned, {"body": "The first draft."}, writer, old)
    body = assert_problem(response, 412, "nothing was saved")
    assert "revision" not in body
    assert revisions(client, assigned, writer) == before


def test_a_matching_if_match_saves_and_starts_the_draft(client, programme, writer, users, assigned):
    etag = etag_of(client, assigned, writer)
    text = {
        "headline": "Rocket man",
        "standfirst": "Sean Baker",
        "body": "A film.",
        "star_rating": 4,
    }
    response = patch(client, assigned, text, writer, etag)
    assert response.status_code == 200, response.get_json()
    piece = response.get_json()
    assert response.headers["ETag"] != etag
    assert response.headers["ETag"] == f'"{piece["version"]}"'
    assert {name: piece[name] for name in text} == text
    assert piece["state"] == "drafting"  # the writer's first save starts the draft
    (revision,) = revisions(client, assigned, writer)
    assert revision["applied"] is True and revision["version"] == piece["version"]
    assert revision["author"] == {"id": users["writer"], "name": "Wyn Writer"}
    history = client.get(f"{assigned}/history", headers=writer).get_json()
    assert history[-1]["action"] == "start"


def test_fields_left_out_keep_their_text(client, programme, writer, assigned):
    save(client, assigned, {"headline": "Rocket man", "body": "One."}, writer)
    piece = save(client, assigned, {"body": "Two."}, writer).get_json()
    assert (piece["headline"], piece["body"]) == ("Rocket man", "Two.")
    piece = save(client, assigned, {"star_rating": 3}, writer).get_json()
    assert piece["star_rating"] == 3 and piece["body"] == "Two."
    piece = save(client, assigned, {"star_rating": None}, writer).get_json()
    assert piece["star_rating"] is None


def test_unchanged_text_keeps_the_etag(client, programme, writer, assigned):
    first = save(client, assigned, {"body": "One."}, writer)
    again = save(client, assigned, {"body": "One."}, writer)
    assert again.headers["ETag"] == first.headers["ETag"]
    assert len(revisions(client, assigned, writer)) == 1


def test_text_is_checked_by_the_draft_rules(client, programme, writer, assigned):
    etag = etag_of(client, assigned, writer)
    response = patch(client, assigned, {"star_rating": 7}, writer, etag)
    # The schema states the range (OpenAPI `maximum: 5`) and refuses it before the draft rules.
    body = assert_problem(response, 422, "star_rating: Input should be less than or equal to 5")
    assert body["errors"][0]["field"] == "star_rating"
    response = patch(client, assigned, {"body": None}, writer, etag)
    assert_problem(response, 422, "body cannot be null")
    assert client.get(assigned, headers=writer).headers["ETag"] == etag


def test_if_match_star_is_the_current_version(client, programme, writer, assigned):
    response = patch(client, assigned, {"body": "Whatever is there."}, writer, "*")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["body"] == "Whatever is there."


@pytest.mark.parametrize("if_match", ["1", 'W/"1"', '"one"', '"1", "2"', ""])
def test_a_malformed_if_match_is_412_and_saves_nothing(
    client, programme, writer, assigned, if_match
):
    before = client.get(assigned, headers=writer)
    response = patch(client, assigned, {"body": "Hm."}, writer, if_match)
    assert_problem(response, 412, "If-Match must be the piece's ETag")
    assert client.get(assigned, headers=writer).get_json() == before.get_json()
    assert revisions(client, assigned, writer) == []


def test_writer_may_fix_filed_text_until_an_editor_takes_it(
    client, programme, writer, editor, assigned
):
    filed(client, assigned, programme, writer)
    # Filed, not yet taken: the writer fixes a typo; the piece stays filed.
    fixed = patch(
        client,
        assigned,
        {"body": "A sharp, funny film!"},
        writer,
        etag_of(client, assigned, writer),
    )
    assert fixed.status_code == 200, fixed.get_json()
    assert fixed.get_json()["state"] == "filed"
    assert fixed.get_json()["body"] == "A sharp, funny film!"
    assert act(client, programme, editor, "take_for_edit").status_code == 200
    etag = etag_of(client, assigned, writer)
    response = patch(client, assigned, {"body": "One more thing."}, writer, etag)
    assert_problem(response, 403, "An editor has taken this piece for editing")
    assert "Leave a comment" in response.get_json()["detail"]
    # Refused before anything else: even without If-Match, and nothing is kept.
    response = patch(client, assigned, {"body": "One more thing."}, writer, None)
    assert response.status_code == 403
    assert len(revisions(client, assigned, editor)) == 2
    response = patch(client, assigned, {"body": "Tightened."}, editor, etag)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["body"] == "Tightened."


def test_the_editor_may_not_write_a_draft(client, programme, editor, assigned):
    etag = etag_of(client, assigned, editor)
    response = patch(client, assigned, {"body": "Let me."}, editor, etag)
    assert_problem(response, 403, "Only the assigned writer can edit the text")


def test_a_writer_may_not_patch_the_plan_of_a_piece_they_write(
    client, programme, writer, users, assigned
):
    etag = etag_of(client, assigned, writer)
    response = patch(client, assigned, {"body": "Mine.", "word_target": 2000}, writer, etag)
    assert_problem(response, 403, "Only an editor can change a piece's plan.")
    assert client.get(assigned, headers=writer).get_json()["body"] == ""


def test_plan_only_patch_changes_the_etag(client, programme, editor, writer, assigned):
    etag = etag_of(client, assigned, editor)
    response = patch(client, assigned, {"word_target": 900}, editor, etag)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["word_target"] == 900
    assert response.headers["ETag"] == f'"{int(etag.strip(chr(34))) + 1}"'
    # The same plan again is no change.
    again = patch(client, assigned, {"word_target": 900}, editor, response.headers["ETag"])
    assert again.headers["ETag"] == response.headers["ETag"]
    # A save based on the version before the plan changed is refused; nothing is stored.
    stale = patch(client, assigned, {"body": "Hello."}, writer, etag)
    assert_problem(stale, 412, "nothing was saved")
    assert client.get(assigned, headers=writer).get_json()["body"] == ""
    assert revisions(client, assigned, writer) == []


def test_plan_and_text_in_one_patch(client, programme, editor, writer, assigned):
    filed(client, assigned, programme, writer)
    etag = etag_of(client, assigned, editor)
    body = {"headline": "Rocket, man", "word_target": 700}
    response = patch(client, assigned, body, editor, etag)
    assert response.status_code == 200, response.get_json()
    piece = response.get_json()
    assert (piece["headline"], piece["word_target"]) == ("Rocket, man", 700)
    assert piece["version"] == int(etag.strip('"')) + 1
    assert revisions(client, assigned, editor)[0]["note"] == "Saved"


# --- Revisions --------------------------------------------------------------------------------


def test_revisions_list_and_detail(client, programme, writer, editor, users, assigned):
    save(client, assigned, {"headline": "Rocket", "body": "One two three."}, writer)
    text = "A **bold** film.\n\n<script>alert('x')</script>\n\n[x](javascript:alert(1))"
    save(client, assigned, {"body": text}, writer)
    listed = revisions(client, assigned, editor)
    assert [r["number"] for r in listed] == [2, 1]  # newest first
    first = listed[1]
    assert set(first) == {
        "number",
        "created_at",
        "author",
        "note",
        "applied",
        "version",
        "based_on_version",
        "word_count",
    }
    assert first["word_count"] == 3
    assert first["author"] == {"id": users["writer"], "name": "Wyn Writer"}
    assert first["applied"] is True and first["note"] == "Saved"
    assert first["created_at"].endswith(("+01:00", "+00:00"))
    response = client.get(f"{assigned}/revisions/2", headers=editor)
    assert response.status_code == 200
    detail = response.get_json()
    assert detail["body"] == text and detail["headline"] == "Rocket"
    assert detail["star_rating"] is None and detail["number"] == 2
    assert "<strong>bold</strong>" in detail["body_html"]
    assert "<script" not in detail["body_html"].lower()
    assert "javascript:" not in detail["body_html"]
    assert_problem(client.get(f"{assigned}/revisions/99", headers=editor), 404, "no revision 99")
    assert_problem(client.get(f"{PIECES}/9999/revisions", headers=editor), 404, "no piece 9999")


# --- Comments ---------------------------------------------------------------------------------


def test_comments_create_and_list(client, programme, writer, editor, tokens, users, assigned):
    url = f"{assigned}/comments"
    response = client.post(url, json={"body": "Is *800 words* fine?"}, headers=writer)
    assert response.status_code == 201, response.get_json()
    comment = response.get_json()
    assert comment["author"] == {"id": users["writer"], "name": "Wyn Writer"}
    assert comment["body"] == "Is *800 words* fine?"
    assert "<em>800 words</em>" in comment["body_html"]
    assert comment["created_at"].endswith(("+01:00", "+00:00"))
    response = client.post(url, json={"body": "Yes. <script>x()</script>"}, headers=editor)
    assert response.status_code == 201
    assert "<script" not in response.get_json()["body_html"]
    listed = client.get(url, headers=editor).get_json()
    assert [c["author"]["name"] for c in listed] == ["Wyn Writer", "Ed Editor"]
    assert listed[0] == comment
    assert client.get(url, headers=writer).get_json() == listed
    # Another writer sees the piece's plan, not its conversation (can_read_text).
    assert_problem(client.get(url, headers=tokens["other"]), 403, "Only the piece's writer")


def test_comments_refuse_outsiders_and_empty_bodies(client, programme, tokens, writer, assigned):
    url = f"{assigned}/comments"
    response = client.post(url, json={"body": "Me too"}, headers=tokens["other"])
    assert_problem(response, 403, "Only the piece's writer and the desk can comment on it.")
    body = assert_problem(client.post(url, json={"body": "  "}, headers=writer), 422, "Write")
    assert body["errors"][0]["field"] == "body"
    assert client.post(url, json={}, headers=writer).status_code == 422
    assert client.get(url, headers=writer).get_json() == []


# --- Documentation ----------------------------------------------------------------------------


def test_draft_routes_are_documented(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    expected = {
        "/api/v1/pieces/{piece_id}/revisions": {"get"},
        "/api/v1/pieces/{piece_id}/revisions/{number}": {"get"},
        "/api/v1/pieces/{piece_id}/comments": {"get", "post"},
    }
    for path, methods in expected.items():
        assert methods <= set(doc["paths"][path]), path
        for method in methods:
            assert doc["paths"][path][method]["tags"] == ["drafts"]
    update = doc["paths"]["/api/v1/pieces/{piece_id}"]["patch"]
    assert {"200", "403", "412", "428"} <= set(update["responses"])
    assert "If-Match" in {p["name"] for p in update["parameters"] if p["in"] == "header"}


# --- Racing clients ---------------------------------------------------------------------------


def test_two_clients_racing_with_the_same_if_match(
    app, client, programme, tokens, writer, assigned
):
    """Two desk clients save different text based on the same ETag at once, round after round:
    one wins, the other is told 412, and every text either sent is in the revisions, the
    loser's kept unapplied. On SQLite too: each PATCH takes the write lock before it reads."""
    filed(client, assigned, programme, writer)
    racers = [tokens["editor"], tokens["admin"]]
    rounds = 5
    barrier = threading.Barrier(2)
    statuses: list[list[int]] = [[0, 0] for _ in range(rounds)]
    errors: list[BaseException] = []

    def racer(n: int) -> None:
        own = app.test_client()
        try:
            for round_ in range(rounds):
                barrier.wait()  # the previous round is over for both
                etag = own.get(assigned, headers=racers[n]).headers["ETag"]
                barrier.wait()  # both hold the same ETag
                body = {"body": f"Text from client {n}, round {round_}."}
                statuses[round_][n] = patch(own, assigned, body, racers[n], etag).status_code
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=racer, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert all(sorted(pair) == [200, 412] for pair in statuses), statuses
    sent = {f"Text from client {n}, round {r}." for r in range(rounds) for n in range(2)}
    with app.app_context():
        kept = db.session.query(Revision).filter_by(piece_id=programme["piece"])
        stored = {r.body: r.version for r in kept}
        assert sent <= set(stored)
        assert db.session.get(Piece, programme["piece"]).body in sent
    for round_, pair in enumerate(statuses):
        for n, status in enumerate(pair):
            applied = stored[f"Text from client {n}, round {round_}."] is not None
            assert applied is (status == 200), (round_, n, status)
