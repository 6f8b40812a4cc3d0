from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from coverage.accounts.models import User
from coverage.accounts.roles import Role
from coverage.extensions import db
from coverage.festivals.models import Festival, Venue
from coverage.programme.models import Film, Screening
from coverage.timeutil import zone_legend
from tests.conftest import log_in


def test_create_user_with_password_from_stdin(app, client):
    result = app.test_cli_runner().invoke(
        args=[
            "create-user",
            "Critic@Example.org",
            "--name",
            "A Critic",
            "--role",
            "writer",
            "--password-stdin",
        ],
        input="a long password here\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created writer critic@example.org" in result.output
    assert log_in(client, "critic@example.org", "a long password here").status_code == 302


def test_create_user_prompts_for_the_password(app):
    result = app.test_cli_runner().invoke(
        args=["create-user", "ed@example.org", "--name", "Ed", "--role", "editor"],
        input="prompted passphrase\nprompted passphrase\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert (
            db.session.scalar(select(User.role).where(User.email == "ed@example.org"))
            is Role.EDITOR
        )


def test_create_user_refuses_bad_input(app, users):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-user", "x@example.org", "--name", "X", "--role", "boss", "--password-stdin"],
        input="long password here\n",
    )
    assert result.exit_code != 0
    assert "'boss' is not one of 'admin', 'editor', 'writer'" in result.output
    result = runner.invoke(
        args=[
            "create-user",
            "editor@example.org",
            "--name",
            "X",
            "--role",
            "writer",
            "--password-stdin",
        ],
        input="long password here\n",
    )
    assert result.exit_code == 1
    assert "There is already an account for editor@example.org." in result.output
    result = runner.invoke(
        args=[
            "create-user",
            "y@example.org",
            "--name",
            "Y",
            "--role",
            "writer",
            "--password-stdin",
        ],
        input="short\n",
    )
    assert result.exit_code == 1
    assert "at least 12 characters" in result.output


def test_create_token_prints_a_working_token(app, client, users):
    result = app.test_cli_runner().invoke(args=["create-token", "writer@example.org"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.get_json()["email"] == "writer@example.org"


def test_create_token_for_unknown_or_deactivated_account(app, make_user):
    make_user("writer", "gone@example.org", active=False)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-token", "nobody@example.org"])
    assert result.exit_code == 1 and "No account for nobody@example.org." in result.output
    result = runner.invoke(args=["create-token", "gone@example.org"])
    assert result.exit_code == 1 and "deactivated" in result.output


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_demo_data_loads_the_desk_once(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    assert "london-film-festival-2021" in result.output
    with app.app_context():
        counts = (_count(User), _count(Festival), _count(Film), _count(Screening))
    again = runner.invoke(args=["demo-data", "--if-empty"])
    assert again.exit_code == 0
    assert "already has data" in again.output
    strict = runner.invoke(args=["demo-data"])
    assert strict.exit_code == 1
    with app.app_context():
        assert (_count(User), _count(Festival), _count(Film), _count(Screening)) == counts
    for email in (
        "admin@example.com",
        "editor@example.com",
        "critic@example.com",
        "critic2@example.com",
    ):
        assert log_in(client, email, "festival").status_code == 302
        client.post_form("/logout")


def test_demo_data_is_refused_in_production(app):
    app.config["COVERAGE_ENV"] = "production"
    result = app.test_cli_runner().invoke(args=["demo-data", "--if-empty"])
    assert result.exit_code == 1
    assert "never loaded in production" in result.output
    with app.app_context():
        assert _count(User) == 0


def test_demo_festival_content(app):
    app.test_cli_runner().invoke(args=["demo-data"])
    with app.app_context():
        lff = db.session.scalar(
            select(Festival).where(Festival.slug == "london-film-festival-2021")
        )
        assert lff.timezone == "Europe/London"
        assert (lff.start_date.isoformat(), lff.end_date.isoformat()) == (
            "2021-10-06",
            "2021-10-17",
        )
        venues = set(db.session.scalars(select(Venue.name).where(Venue.festival_id == lff.id)))
        assert {"BFI Southbank", "Royal Festival Hall"} <= venues
        films = db.session.scalars(select(Film).where(Film.festival_id == lff.id)).all()
        assert len(films) >= 12
        red_rocket = next(f for f in films if f.title == "Red Rocket")
        assert (red_rocket.directors, red_rocket.countries, red_rocket.year) == (
            "Sean Baker",
            "USA",
            2021,
        )
        assert red_rocket.runtime_minutes == 130
        assert red_rocket.release_date is None
        kinds = {s.kind.value for s in red_rocket.screenings}
        assert {"press", "public"} <= kinds
        first_public = min(s.starts_at for s in red_rocket.screenings if s.kind.value == "public")
        # 18:30 BST on 10 October 2021 is 17:30 UTC.
        assert first_public.isoformat() == "2021-10-10T17:30:00+00:00"
        other = db.session.scalars(select(Festival).where(Festival.id != lff.id)).all()
        assert other and all(f.timezone != "Europe/London" for f in other)


def test_demo_editor_sees_the_demo_festivals(app, client):
    app.test_cli_runner().invoke(args=["demo-data"])
    log_in(client, "editor@example.com", "festival")
    html = client.get("/festivals/").get_data(as_text=True)
    assert "London Film Festival 2021" in html
    assert "Toronto International Film Festival 2021" in html
    assert zone_legend("Europe/London", date(2021, 10, 6), date(2021, 10, 17)) in html


def test_demo_desk_has_coverage_under_way(app, client):
    app.test_cli_runner().invoke(args=["demo-data"])
    log_in(client, "critic@example.com", "festival")
    work = client.get("/my-work").get_data(as_text=True)
    assert "Review: Spencer" in work
    assert "Interview: Sean Baker" in work  # the critic's pitch, waiting for an editor
    client.post_form("/logout")
    log_in(client, "editor@example.com", "festival")
    board = client.get("/festivals/london-film-festival-2021/coverage").get_data(as_text=True)
    assert "Nia Okafor" in board and "Sam Carter" in board
    assert "Drafting" in board
    assert "Filed" in board  # the Red Rocket review, waiting for an edit
