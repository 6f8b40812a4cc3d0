"""Pieces over the API: pitching, planning, the workflow, history and clashes, as a client sees
them."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from coverage.accounts.models import User
from coverage.drafts import services as drafts
from coverage.drafts.models import Comment
from coverage.extensions import db
from coverage.festivals.models import Festival
from coverage.pieces import services
from coverage.pieces.kinds import PieceKind
from coverage.pieces.models import Piece
from coverage.programme.kinds import EmbargoRule, PersonRole
from coverage.programme.models import Film, Person, Screening
from coverage.timeutil import to_zone, utcnow
from tests.api.test_api import assert_problem
from tests.conftest import count_statements

PIECES = "/api/v1/pieces"


def piece_url(programme, suffix: str = "") -> str:
    return f"{PIECES}/{programme['piece']}{suffix}"


def patch(client, url: str, body: dict, headers: dict[str, str]):
    """PATCH as a careful client does: with the ETag of the piece as just read."""
    current = client.get(url, headers=headers)
    if_match = current.headers.get("ETag", '"1"')  # a missing piece has none
    return client.patch(url, json=body, headers=headers | {"If-Match": if_match})


def act(client, programme, headers, action: str, note: str = ""):
    body = {"action": action} | ({"note": note} if note else {})
    return client.post(piece_url(programme, "/transitions"), json=body, headers=headers)


def assign(client, programme, editor, writer_id: int, **plan) -> dict:
    """Plan the fixture's review for a writer at the press screening and assign it."""
    body = {"writer_id": writer_id, "due_at": "2021-10-09T12:00", **plan}
    patched = patch(client, piece_url(programme), body, editor)
    assert patched.status_code == 200, patched.get_json()
    response = act(client, programme, editor, "assign")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def save_text(app: Flask, programme, user_id: int, **text) -> None:
    """Save as the web page does (the API's text PATCH is tested in test_drafts_api.py)."""
    values = {"headline": "", "standfirst": "", "body": "", "star_rating": None} | text
    with app.app_context():
        piece = services.get_piece(programme["piece"])
        user = db.session.get(User, user_id)
        current = {name: getattr(piece, name) for name in ("headline", "standfirst", "body")}
        merged = current | values
        drafts.save_draft(
            piece,
            user,
            drafts.Text(
                merged["headline"], merged["standfirst"], merged["body"], merged["star_rating"]
            ),
            base_version=piece.version,
            now=utcnow(),
        )
        db.session.commit()


def set_film_embargo(app: Flask, programme, moment) -> None:
    with app.app_context():
        film = db.session.get(Film, programme["film"])
        film.embargo_rule = EmbargoRule.FIXED
        film.embargo_at = moment
        db.session.commit()


def drafted(app, client, programme, editor, users) -> None:
    """Assigned to the writer, who saved a standfirst (so it is drafting) but no body yet."""
    assign(client, programme, editor, users["writer"], screening_id=programme["press"])
    save_text(app, programme, users["writer"], standfirst="On the road with Sean Baker.")


def in_editing(app, client, programme, editor, writer, users) -> None:
    drafted(app, client, programme, editor, users)
    save_text(app, programme, users["writer"], body="A sharp, funny film.")
    assert act(client, programme, writer, "file").status_code == 200
    assert act(client, programme, editor, "take_for_edit").status_code == 200


# --- Reading ----------------------------------------------------------------------------------


def test_writer_lists_and_reads_pieces(client, programme, writer, editor):
    response = client.get(PIECES, headers=writer)
    assert response.status_code == 200
    (listed,) = response.get_json()
    shown = client.get(piece_url(programme), headers=writer).get_json()
    assert listed == shown
    assert shown == {
        "id": programme["piece"],
        "festival": "test-festival-2021",
        "timezone": "Europe/London",
        "kind": "review",
        "state": "pitched",
        "title": "Review: Red Rocket",
        "film": {"id": programme["film"], "title": "Red Rocket"},
        "other_films": [],
        "interviewees": [],
        "writer": None,
        "editor": None,
        # Nobody writes it yet: its text is the desk's (can_read_text), the plan everyone's.
        "text_visible": False,
        "headline": None,
        "standfirst": None,
        "body": None,
        "star_rating": None,
        "word_target": None,
        "version": 1,
        "due_at": None,
        "screening": None,
        "slot": None,
        "embargo_at": None,
        "embargo_held": False,
        "publish_at": None,
        "published_at": None,
        "first_published_at": None,
        "public_url": None,
        "pull_quote": None,
        "suggested_headline": None,
        "release_notice": None,
        "decline_reason": None,
        "actions": [],
    }
    desk = client.get(piece_url(programme), headers=editor).get_json()
    assert desk["text_visible"] is True
    assert all(desk[name] == "" for name in ("headline", "body", "pull_quote", "decline_reason"))
    assert desk["suggested_headline"] == "Test Festival 2021: Red Rocket | Review"


def test_actions_are_the_token_users(client, programme, editor, writer):
    # Nobody is chosen yet, so the desk cannot assign; it may spike.
    assert client.get(piece_url(programme), headers=editor).get_json()["actions"] == ["spike"]
    assert client.get(piece_url(programme), headers=writer).get_json()["actions"] == []


def test_plan_shows_screening_and_slot_in_festival_time(client, programme, editor):
    body = {
        "screening_id": programme["press"],
        "slot_starts_at": "2021-10-08T14:00",
        "slot_ends_at": "2021-10-08T14:30:00+01:00",
        "slot_place": "Soho Hotel",
    }
    piece = patch(client, piece_url(programme), body, editor).get_json()
    assert piece["screening"] == {
        "id": programme["press"],
        "starts_at": "2021-10-08T09:00:00+01:00",
        "ends_at": "2021-10-08T11:10:00+01:00",
        "venue": {"id": programme["nft1"], "name": "BFI Southbank NFT1"},
        "kind": "press",
        "cancelled": False,
    }
    assert piece["slot"] == {
        "starts_at": "2021-10-08T14:00:00+01:00",
        "ends_at": "2021-10-08T14:30:00+01:00",
        "place": "Soho Hotel",
    }
    # Without a due time, copy is due a day after the screening, as on the assign page.
    assert piece["due_at"] == "2021-10-09T11:10:00+01:00"


def test_list_filters(app, client, programme, editor, users):
    other_film = client.post(
        f"/api/v1/festivals/{programme['slug']}/films", json={"title": "Belfast"}, headers=editor
    ).get_json()["id"]
    feature = {
        "festival": programme["slug"],
        "kind": "feature",
        "film_id": other_film,
        "other_film_ids": [programme["film"]],
        "writer_id": users["writer"],
    }
    feature_id = client.post(PIECES, json=feature, headers=editor).get_json()["id"]
    both = sorted([programme["piece"], feature_id])

    def ids(**filters) -> list[int]:
        response = client.get(PIECES, query_string=filters, headers=editor)
        assert response.status_code == 200, response.get_json()
        return [piece["id"] for piece in response.get_json()]

    assert ids() == both
    assert ids(festival=programme["slug"]) == both
    assert ids(kind="feature") == [feature_id]
    assert ids(writer=users["writer"]) == [feature_id]
    assert ids(state="pitched") == both
    assert ids(state="assigned") == []
    assert ids(film=other_film) == [feature_id]
    assert ids(film=programme["film"]) == both  # the feature covers it too
    assert ids(kind="review", film=programme["film"]) == [programme["piece"]]
    assert_problem(client.get(f"{PIECES}?festival=nope", headers=editor), 404, "'nope'")
    assert client.get(f"{PIECES}?state=lost", headers=editor).status_code == 422


# --- Creating and planning --------------------------------------------------------------------


def test_writer_pitches_and_planning_fields_are_ignored(client, programme, writer, users):
    body = {
        "festival": programme["slug"],
        "kind": "review",
        "film_id": programme["film"],
        "headline": "Red Rocket burns bright",
        "writer_id": users["editor"],
        "editor_id": users["editor"],
        "due_at": "2021-10-09T12:00",
        "screening_id": programme["press"],
        "word_target": 800,
    }
    response = client.post(PIECES, json=body, headers=writer)
    assert response.status_code == 201, response.get_json()
    piece = response.get_json()
    assert response.headers["Location"].endswith(f"{PIECES}/{piece['id']}")
    assert piece["state"] == "pitched"
    assert piece["writer"] == {"id": users["writer"], "name": "Wyn Writer"}
    assert piece["headline"] == "Red Rocket burns bright"
    assert piece["editor"] is None
    assert piece["due_at"] is None and piece["screening"] is None
    assert piece["word_target"] is None
    assert client.get(response.headers["Location"], headers=writer).get_json() == piece
    history = client.get(f"{PIECES}/{piece['id']}/history", headers=writer).get_json()
    assert [(h["action"], h["from"], h["to"]) for h in history] == [("pitch", None, "pitched")]
    assert history[0]["by"] == {"id": users["writer"], "name": "Wyn Writer"}


def test_editor_creates_patches_and_assigns(client, programme, editor, users):
    body = {"festival": programme["slug"], "kind": "review", "film_id": programme["film"]}
    created = client.post(PIECES, json=body, headers=editor)
    assert created.status_code == 201
    url = created.headers["Location"]
    assert created.get_json()["writer"] is None
    plan = {"writer_id": users["writer"], "due_at": "2021-10-09T18:00", "word_target": 600}
    patched = patch(client, url, plan, editor)
    assert patched.status_code == 200, patched.get_json()
    piece = patched.get_json()
    assert piece["state"] == "pitched"  # planning does not assign
    assert piece["writer"] == {"id": users["writer"], "name": "Wyn Writer"}
    assert piece["due_at"] == "2021-10-09T18:00:00+01:00"
    assert piece["word_target"] == 600
    assert "assign" in piece["actions"]
    response = client.post(f"{url}/transitions", json={"action": "assign"}, headers=editor)
    assert response.status_code == 200, response.get_json()
    result = response.get_json()
    assert (result["action"], result["from"], result["to"]) == ("assign", "pitched", "assigned")
    assert result["piece"]["state"] == "assigned"
    assert result["piece"]["word_target"] == 600
    # A later PATCH keeps what it does not send; null clears a nullable field.
    piece = patch(client, url, {"word_target": None}, editor).get_json()
    assert piece["word_target"] is None and piece["due_at"] == "2021-10-09T18:00:00+01:00"


def test_editor_creates_a_planned_piece_in_one_request(client, programme, editor, users):
    body = {
        "festival": programme["slug"],
        "kind": "review",
        "film_id": programme["film"],
        "writer_id": users["writer"],
        "editor_id": users["editor"],
        "screening_id": programme["public"],
        "embargo_at": "2021-10-11T00:00",
    }
    piece = client.post(PIECES, json=body, headers=editor).get_json()
    assert piece["writer"]["id"] == users["writer"]
    assert piece["editor"] == {"id": users["editor"], "name": "Ed Editor"}
    assert piece["screening"]["id"] == programme["public"]
    assert piece["due_at"] == "2021-10-11T20:40:00+01:00"  # public screening end + 24 h
    assert piece["embargo_at"] == "2021-10-11T00:00:00+01:00"


def test_create_is_checked_by_the_piece_rules(client, programme, editor):
    review = {"festival": programme["slug"], "kind": "review"}
    body = assert_problem(client.post(PIECES, json=review, headers=editor), 422, "choose it")
    assert body["errors"][0]["field"] == "film_id"
    unknown = {"festival": "nope", "kind": "news"}
    body = assert_problem(client.post(PIECES, json=unknown, headers=editor), 422, "'nope'")
    assert body["errors"][0]["field"] == "festival"
    bad_kind = {"festival": programme["slug"], "kind": "poem"}
    assert client.post(PIECES, json=bad_kind, headers=editor).status_code == 422


def test_patch_rejects_null_for_fields_that_cannot_be_cleared(client, programme, editor):
    response = patch(client, piece_url(programme), {"kind": None}, editor)
    body = assert_problem(response, 422, "kind cannot be null")
    assert body["errors"][0]["field"] == "kind"


def test_writer_cannot_patch_a_plan(client, programme, writer, users):
    response = patch(client, piece_url(programme), {"writer_id": users["writer"]}, writer)
    assert_problem(response, 403, "Only an editor can change a piece's plan.")
    # Refused before the body is validated.
    response = patch(client, piece_url(programme), {"nonsense": 1}, writer)
    assert response.status_code == 403


# --- The workflow -----------------------------------------------------------------------------


def test_assign_needs_a_writer_and_a_due_time(client, programme, editor, users):
    response = act(client, programme, editor, "assign")
    assert_problem(response, 409, "Choose a writer and a due time before assigning.")
    patch(client, piece_url(programme), {"writer_id": users["writer"]}, editor)
    response = act(client, programme, editor, "assign")
    assert_problem(response, 409, "Choose a due time before assigning.")


def test_start_and_publish_scheduled_are_not_transitions_here(client, programme, editor, users):
    assign(client, programme, editor, users["writer"])
    response = act(client, programme, editor, "start")
    assert_problem(response, 409, "happens by saving text")
    response = act(client, programme, editor, "publish_scheduled")
    assert_problem(response, 409, "happens by the publish-due job")


def test_unknown_action_is_422(client, programme, editor):
    response = act(client, programme, editor, "teleport")
    body = assert_problem(response, 422, "action")
    assert body["errors"][0]["field"] == "action"


def test_writer_declines_with_a_note(client, programme, editor, writer, users):
    assign(client, programme, editor, users["writer"])
    response = act(client, programme, writer, "decline")
    body = assert_problem(response, 409, "Say why you are declining")
    assert body["errors"] == [{"field": "note", "message": body["detail"]}]
    response = act(client, programme, writer, "decline", note="I am on a jury that day.")
    assert response.status_code == 200, response.get_json()
    result = response.get_json()
    assert (result["from"], result["to"]) == ("assigned", "pitched")
    piece = client.get(piece_url(programme), headers=editor).get_json()
    assert piece["state"] == "pitched"
    assert piece["decline_reason"] == "I am on a jury that day."
    assert piece["writer"] is None and piece["due_at"] is None


def test_only_the_assigned_writer_files_and_only_with_a_body(
    app, client, programme, editor, writer, tokens, users
):
    drafted(app, client, programme, editor, users)
    assert client.get(piece_url(programme), headers=writer).get_json()["state"] == "drafting"
    response = act(client, programme, writer, "file")
    assert_problem(response, 409, "Write the piece before filing it: the body is empty.")
    save_text(app, programme, users["writer"], body="A sharp, funny film.")
    response = act(client, programme, tokens["other"], "file")
    assert_problem(response, 409, "Only the assigned writer can file this piece.")
    response = act(client, programme, writer, "file")
    assert response.status_code == 200
    assert response.get_json()["piece"]["state"] == "filed"


def test_editor_returns_with_a_note_and_approves_with_a_headline(
    app, client, programme, editor, writer, users
):
    in_editing(app, client, programme, editor, writer, users)
    assert_problem(act(client, programme, editor, "return"), 409, "Write a note")
    response = act(client, programme, editor, "return", note="Cut the second paragraph.")
    assert response.status_code == 200
    assert response.get_json()["to"] == "drafting"
    with app.app_context():
        comment = db.session.scalar(select(Comment).where(Comment.piece_id == programme["piece"]))
        assert comment.body == "Cut the second paragraph."
        assert comment.author_id == users["editor"]
    assert act(client, programme, writer, "file").status_code == 200
    assert act(client, programme, editor, "take_for_edit").status_code == 200
    response = act(client, programme, editor, "approve")
    assert_problem(response, 409, "Give the piece a headline before approving it.")
    patch(client, piece_url(programme), {"headline": "Rocket man"}, editor)
    response = act(client, programme, editor, "approve")
    assert response.status_code == 200
    assert response.get_json()["piece"]["state"] == "ready"


def test_publish_before_the_embargo_schedules_then_publishes_after(
    app, client, programme, editor, writer, users
):
    in_editing(app, client, programme, editor, writer, users)
    patch(client, piece_url(programme), {"headline": "Rocket man"}, editor)
    assert act(client, programme, editor, "approve").status_code == 200
    lifts = (utcnow() + timedelta(days=2)).replace(microsecond=0)
    set_film_embargo(app, programme, lifts)

    response = act(client, programme, editor, "publish")
    assert response.status_code == 200
    assert (response.get_json()["from"], response.get_json()["to"]) == ("ready", "scheduled")
    piece = client.get(piece_url(programme), headers=editor).get_json()
    assert piece["state"] == "scheduled"
    assert piece["published_at"] is None
    assert piece["embargo_at"] == to_zone(lifts, "Europe/London").isoformat()
    assert piece["release_notice"].startswith("The embargo for Red Rocket lifts at ")
    assert "unschedule" in piece["actions"] and "publish" not in piece["actions"]

    assert act(client, programme, editor, "unschedule").get_json()["to"] == "ready"
    set_film_embargo(app, programme, utcnow() - timedelta(hours=1))
    response = act(client, programme, editor, "publish")
    assert response.get_json()["to"] == "published"
    piece = response.get_json()["piece"]
    assert piece["state"] == "published"
    assert piece["published_at"] is not None and piece["release_notice"] is None
    assert piece["first_published_at"] == piece["published_at"]
    # The address comes from the approved headline, "Rocket man".
    assert (
        piece["public_url"] == "http://coverage.test/film-festivals/test-festival-2021/rocket-man"
    )


def test_a_held_embargo_is_shown_as_held(app, client, programme, editor):
    with app.app_context():
        film = db.session.get(Film, programme["film"])
        film.embargo_rule = EmbargoRule.FIRST_PUBLIC_SCREENING
        db.session.get(Screening, programme["public"]).cancelled = True
        db.session.commit()
    piece = client.get(piece_url(programme), headers=editor).get_json()
    assert piece["embargo_held"] is True and piece["embargo_at"] is None
    assert "none is in the programme" in piece["release_notice"]


def test_history_lists_every_step_with_actor_and_note(
    app, client, programme, editor, writer, users
):
    assign(client, programme, editor, users["writer"])
    act(client, programme, writer, "decline", note="Jury duty.")
    in_editing(app, client, programme, editor, writer, users)
    act(client, programme, editor, "return", note="Tighten it.")
    response = client.get(piece_url(programme, "/history"), headers=writer)
    assert response.status_code == 200
    steps = [
        (h["action"], h["from"], h["to"], h["by"]["name"], h["note"]) for h in response.get_json()
    ]
    assert steps == [
        ("assign", "pitched", "assigned", "Ed Editor", ""),
        ("decline", "assigned", "pitched", "Wyn Writer", "Jury duty."),
        ("assign", "pitched", "assigned", "Ed Editor", ""),
        ("start", "assigned", "drafting", "Wyn Writer", ""),
        ("file", "drafting", "filed", "Wyn Writer", ""),
        ("take_for_edit", "filed", "editing", "Ed Editor", ""),
        ("return", "editing", "drafting", "Ed Editor", "Tighten it."),
    ]
    assert all(h["at"].endswith(("+01:00", "+00:00")) for h in response.get_json())


def test_unknown_piece_is_404(client, programme, editor):
    missing = f"{PIECES}/9999"
    assert_problem(client.get(missing, headers=editor), 404, "no piece 9999")
    assert_problem(patch(client, missing, {}, editor), 404, "no piece 9999")
    response = client.post(f"{missing}/transitions", json={"action": "spike"}, headers=editor)
    assert_problem(response, 404, "no piece 9999")
    assert_problem(client.get(f"{missing}/history", headers=editor), 404, "no piece 9999")


def test_no_token_is_401(client, programme):
    assert client.get(PIECES).status_code == 401
    assert client.post(PIECES, json={}).status_code == 401
    assert client.patch(piece_url(programme), json={}, headers={"If-Match": "*"}).status_code == 401
    assert client.get("/api/v1/writers/1/clashes").status_code == 401


# --- Clashes ----------------------------------------------------------------------------------


def clashes(client, programme, headers, writer_id, **params):
    query = {"festival": programme["slug"]} | params
    return client.get(f"/api/v1/writers/{writer_id}/clashes", query_string=query, headers=headers)


def test_overlap_and_travel_clashes(client, programme, editor, users):
    assign(client, programme, editor, users["writer"], screening_id=programme["press"])
    # The press screening at NFT1 runs 09:00-11:10 festival time.
    overlapping = clashes(
        client, programme, editor, users["writer"], start="2021-10-08T10:00", end="2021-10-08T11:30"
    )
    assert overlapping.status_code == 200, overlapping.get_json()
    (clash,) = overlapping.get_json()["clashes"]
    assert clash == {
        "other": {
            "what": "Red Rocket (press screening) for Review: Red Rocket",
            "starts_at": "2021-10-08T09:00:00+01:00",
            "ends_at": "2021-10-08T11:10:00+01:00",
            "place": "BFI Southbank NFT1",
            "piece_id": programme["piece"],
        },
        "overlap": True,
        "gap_minutes": -70,
        "needed_minutes": 15,  # no place given: the festival's buffer
        "reason": "they overlap",
    }
    elsewhere = {"start": "2021-10-08T11:15", "end": "2021-10-08T12:00"}
    (travel,) = clashes(
        client, programme, editor, users["writer"], venue=programme["odeon"], **elsewhere
    ).get_json()["clashes"]
    assert travel["overlap"] is False
    assert (travel["gap_minutes"], travel["needed_minutes"]) == (5, 15)
    assert travel["reason"] == (
        "only 5 min between them; 15 min needed to get from one to the other"
    )
    same_venue = clashes(
        client, programme, editor, users["writer"], venue=programme["nft1"], **elsewhere
    )
    assert same_venue.get_json() == {"clashes": []}
    excluded = clashes(
        client,
        programme,
        editor,
        users["writer"],
        venue=programme["odeon"],
        exclude_piece=programme["piece"],
        **elsewhere,
    )
    assert excluded.get_json() == {"clashes": []}


def test_clash_times_with_an_offset_are_that_instant(client, programme, editor, users):
    assign(client, programme, editor, users["writer"], screening_id=programme["press"])
    # 09:30 UTC is 10:30 in London: inside the screening.
    response = clashes(
        client,
        programme,
        editor,
        users["writer"],
        start="2021-10-08T09:30:00+00:00",
        end="2021-10-08T09:45:00+00:00",
    )
    assert [c["reason"] for c in response.get_json()["clashes"]] == ["they overlap"]


def test_clashes_permissions_and_404s(client, programme, editor, writer, tokens, users):
    times = {"start": "2021-10-08T10:00", "end": "2021-10-08T11:00"}
    assert clashes(client, programme, writer, users["writer"], **times).status_code == 200
    response = clashes(client, programme, writer, users["editor"], **times)
    assert_problem(response, 403, "Only an editor can check another writer's clashes.")
    assert clashes(client, programme, tokens["admin"], users["writer"], **times).status_code == 200
    assert_problem(clashes(client, programme, editor, 9999, **times), 404, "no writer 9999")
    response = clashes(client, programme, editor, users["writer"], festival="nope", **times)
    assert_problem(response, 404, "'nope'")
    response = clashes(client, programme, editor, users["writer"], venue=9999, **times)
    assert_problem(response, 404, "no venue 9999")
    backwards = {"start": "2021-10-08T11:00", "end": "2021-10-08T10:00"}
    response = clashes(client, programme, editor, users["writer"], **backwards)
    body = assert_problem(response, 422, "The end must be after the start.")
    assert body["errors"][0]["field"] == "end"
    response = clashes(client, programme, editor, users["writer"], start="soon", end="later")
    assert response.status_code == 422


# --- Documentation and efficiency -------------------------------------------------------------


def test_piece_routes_are_documented(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    expected = {
        "/api/v1/pieces": {"get", "post"},
        "/api/v1/pieces/{piece_id}": {"get", "patch"},
        "/api/v1/pieces/{piece_id}/transitions": {"post"},
        "/api/v1/pieces/{piece_id}/history": {"get"},
        "/api/v1/writers/{writer_id}/clashes": {"get"},
    }
    for path, methods in expected.items():
        assert methods <= set(doc["paths"][path]), path
        for method in methods:
            assert doc["paths"][path][method]["tags"] == ["pieces"]
    transitions = doc["paths"]["/api/v1/pieces/{piece_id}/transitions"]["post"]["responses"]
    assert {"200", "403", "404", "409", "422"} <= set(transitions)


def _add_pieces(app: Flask, programme, users, count: int) -> None:
    with app.app_context():
        festival = db.session.get(Festival, programme["festival"])
        film = db.session.get(Film, programme["film"])
        press = db.session.get(Screening, programme["press"])
        writer = db.session.get(User, users["writer"])
        desk = db.session.get(User, users["editor"])
        for index in range(count):
            other = Film(festival=festival, title=f"Film {index}")
            person = Person(name=f"Person {index}", role=PersonRole.ACTOR, film=film)
            piece = Piece(
                festival=festival,
                film=film,
                kind=PieceKind.INTERVIEW if index % 2 else PieceKind.REVIEW,
                writer=writer if index % 3 else desk,
                editor=desk,
                screening=press,
                due_at=press.ends_at + timedelta(days=1),
                other_films=[other],
                interviewees=[person],
            )
            db.session.add(piece)
        db.session.commit()


def _queries_for(app: Flask, client, url: str, headers) -> tuple[int, int]:
    count, response = count_statements(app, lambda: client.get(url, headers=headers))
    assert response.status_code == 200
    return count, len(response.get_json())


def test_list_query_count_does_not_grow(app, client, programme, editor, users):
    _add_pieces(app, programme, users, 1)
    few_queries, few = _queries_for(app, client, PIECES, editor)
    assert few == 2
    _add_pieces(app, programme, users, 28)
    many_queries, many = _queries_for(app, client, PIECES, editor)
    assert many == 30
    assert many_queries == few_queries


def test_an_interview_pull_quote_is_picked_from_the_body_through_the_api(
    app, client, programme, editor, writer, users
):
    in_editing(app, client, programme, editor, writer, users)
    with app.app_context():
        piece = db.session.get(Piece, programme["piece"])
        piece.kind = PieceKind.INTERVIEW
        piece.interviewees = [Person(name="Sean Baker", film_id=programme["film"])]
        db.session.commit()
    body = "He grins. “Texas City was the first character we cast,” Baker says."
    refused = patch(
        client, piece_url(programme), {"body": body, "pull_quote": "Words he never said"}, editor
    )
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == [
        {
            "field": "pull_quote",
            "message": "Pick the pull quote from the body: these words are not in it.",
        }
    ]
    assert client.get(piece_url(programme), headers=editor).get_json()["body"] != body

    quote = "Texas City was the first character we cast"
    saved = patch(client, piece_url(programme), {"body": body, "pull_quote": quote}, editor)
    assert saved.status_code == 200, saved.get_json()
    piece = saved.get_json()
    assert piece["pull_quote"] == quote
    assert piece["suggested_headline"] == (
        f"“{quote}”: Sean Baker on Red Rocket at Test Festival 2021"
    )
