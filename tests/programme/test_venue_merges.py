"""Venues as the desk knows them: import merges and aliases, merging venues later, travel times
between rooms of one building, and the day view's building order."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from coverage.extensions import db
from coverage.festivals import services as festivals
from coverage.festivals.models import Festival, Venue, VenueAlias, VenueTravel
from coverage.pieces.clashes import Commitment
from coverage.pieces.kinds import PieceKind, PieceState
from coverage.pieces.models import Piece
from coverage.pieces.services import clashes_for
from coverage.programme.models import Film, Screening
from tests.programme.test_import import upload

MESSY = (
    b"Film,Date,Time,Venue\n"
    b"Dune,2021-10-12,20:00,Main Hall (EN subs)\n"
    b"Dune,2021-10-13,20:00,Main Hall \n"
    b"Spencer,2021-10-12,17:00,MAIN HALL\n"
    b"Spencer,2021-10-13,14:00,Main Hall (EN subs)Q&A with the director\n"
    b"Spencer,2021-10-14,14:00,Main Hall (Upstairs)\n"
    b"Belfast,2021-10-12,18:00,Cinema 1\n"
    b"Belfast,2021-10-13,18:00,Cinema 2\n"
)


def confirm_form(client, preview_url: str, **changes) -> dict:
    """The confirm form's fields as the page sends them, with `changes` applied."""
    html = client.get(preview_url).get_data(as_text=True)
    start = html.index('<form method="post" class="card">')
    html = html[start : html.index("</form>", start)]
    fields: dict = dict(
        re.findall(
            r'<input type="hidden" name="((?:col\d+|mapped|order|late))" value="([^"]*)"', html
        )
    )
    fields["fingerprint"] = re.search(
        r'name="fingerprint" type="hidden" value="([^"]+)"', html
    ).group(1)
    fields.update(re.findall(r'name="(venue-\d+-name)" maxlength="200" value="([^"]*)"', html))
    fields.update(changes)
    return fields


def keep_value(client, preview_url: str, text: str) -> tuple[str, str]:
    """The checkbox (name, value) that keeps the spelling `text` as its own venue."""
    html = client.get(preview_url).get_data(as_text=True)
    match = re.search(
        r'name="(venue-\d+-keep)" value="([^"]+)"> Keep “' + re.escape(text) + "” apart", html
    )
    assert match, f"no keep-apart box for {text}"
    return match.group(1), match.group(2)


def screening_of(title: str, day: int) -> Screening:
    return db.session.scalar(
        select(Screening)
        .join(Film)
        .where(Film.title == title, Screening.starts_at >= datetime(2021, 10, day, tzinfo=UTC))
        .order_by(Screening.starts_at)
    )


def test_preview_proposes_merges_and_apply_honours_edits_and_keeps_apart(
    app, client, users, login, programme
):
    login("editor")
    preview_url = upload(client, programme["slug"], MESSY).headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)
    assert "Venues written several ways" in page
    # Every spelling, its row count, the proposed name; Cinema 1 and 2 are not proposed.
    for text in (
        "Main Hall (EN subs)",
        "Main Hall (EN subs)Q&amp;A with the director",
        "Main Hall (Upstairs)",
    ):
        assert f"<q>{text}</q>" in page
    assert "<q>Main Hall</q>, <q>MAIN HALL</q>" in page  # one spelling written two ways
    assert '<td data-label="Rows">2</td>' in page
    assert 'name="venue-0-name" maxlength="200" value="Main Hall"' in page
    assert "venue-1-name" not in page
    assert "3 new venues" in page  # Main Hall, Cinema 1, Cinema 2 (and not five)

    keep_name, keep_key = keep_value(client, preview_url, "Main Hall (Upstairs)")
    fields = confirm_form(client, preview_url, **{"venue-0-name": "The Main Hall"})
    fields[keep_name] = keep_key
    response = client.post_form(preview_url.split("?")[0], fields, page=preview_url)
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        names = set(db.session.scalars(select(Venue.name)))
        assert names == {
            "BFI Southbank NFT1",
            "Odeon Luxe Leicester Square",
            "The Main Hall",
            "Main Hall (Upstairs)",
            "Cinema 1",
            "Cinema 2",
        }
        dune = screening_of("Dune", 12)
        assert (dune.venue.name, dune.notes) == ("The Main Hall", "EN subs")
        assert screening_of("Dune", 13).notes == ""
        qa = screening_of("Spencer", 13)
        assert (qa.venue.name, qa.notes) == ("The Main Hall", "EN subs; Q&A with the director")
        upstairs = screening_of("Spencer", 14)
        assert (upstairs.venue.name, upstairs.notes) == ("Main Hall (Upstairs)", "")
        aliases = {a.spelling: a.venue.name for a in db.session.scalars(select(VenueAlias))}
        assert aliases == {
            "Main Hall (EN subs)": "The Main Hall",
            "Main Hall": "The Main Hall",
            "Main Hall (EN subs)Q&A with the director": "The Main Hall",
        }


def test_an_empty_venue_name_is_refused_and_the_answers_stay(app, client, users, login, programme):
    login("editor")
    preview_url = upload(client, programme["slug"], MESSY).headers["Location"]
    keep_name, keep_key = keep_value(client, preview_url, "Main Hall (Upstairs)")
    fields = confirm_form(client, preview_url, **{"venue-0-name": "  "})
    fields[keep_name] = keep_key
    response = client.post_form(preview_url.split("?")[0], fields, page=preview_url)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Enter the venue&#39;s name for &#39;Main Hall (EN subs)&#39;" in page
    assert f'value="{keep_key}" checked' in page
    with app.app_context():
        assert db.session.scalar(select(Venue).where(Venue.name == "Cinema 1")) is None


def test_aliases_make_the_next_import_land_on_the_same_venues_without_asking(
    app, client, users, login, programme
):
    login("editor")
    preview_url = upload(client, programme["slug"], MESSY).headers["Location"]
    response = client.post_form(
        preview_url.split("?")[0], confirm_form(client, preview_url), page=preview_url
    )
    assert response.status_code == 302
    assert "remembered" in client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        venues_before = set(db.session.scalars(select(Venue.id)))
    # The same file again, plus a row written one of the remembered ways in other case.
    again = MESSY + b"Dune,2021-10-15,20:00,MAIN HALL (en subs)\n"
    preview_url = upload(client, programme["slug"], again).headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)
    assert "Venues written several ways" not in page
    assert "known spelling of Main Hall" in page
    assert "new venue" not in page
    response = client.post_form(
        preview_url.split("?")[0], confirm_form(client, preview_url), page=preview_url
    )
    assert response.status_code == 302
    with app.app_context():
        assert set(db.session.scalars(select(Venue.id))) == venues_before
        late = screening_of("Dune", 15)
        # The note as the spelling was first written ("MAIN HALL (en subs)" is one spelling).
        assert (late.venue.name, late.notes) == ("Main Hall", "EN subs")
        # Notes already there are not added twice by a re-import.
        assert screening_of("Dune", 12).notes == "EN subs"


def ics(client, slug: str, screening_id: int) -> dict[str, str]:
    text = client.get(f"/festivals/{slug}/screenings/{screening_id}.ics").get_data(as_text=True)
    unfolded = text.replace("\r\n ", "")
    return dict(
        re.findall(r"^(UID|SEQUENCE|LOCATION|LAST-MODIFIED)[^:]*:(.*?)\r?$", unfolded, re.M)
    )


def test_merging_venues_keeps_screening_uids_and_moves_travel_times(
    app, client, users, login, programme
):
    slug = programme["slug"]
    with app.app_context():
        festival = db.session.get(Festival, programme["festival"])
        hall = festivals.create_venue(festival, "Main Hall")
        retyped = festivals.create_venue(festival, "MAIN HALL (EN subs)", "Belvedere Road")
        film = db.session.get(Film, programme["film"])
        moving = []
        for day in (12, 13):
            screening = Screening(
                festival=festival,
                film=film,
                venue=retyped,
                starts_at=datetime(2021, 10, day, 18, tzinfo=UTC),
                ends_at=datetime(2021, 10, day, 20, tzinfo=UTC),
            )
            db.session.add(screening)
            moving.append(screening)
        db.session.flush()
        odeon, nft1 = programme["odeon"], programme["nft1"]
        for first, second, minutes in [
            (hall.id, odeon, 20),  # both give a time to the Odeon: the smaller (12) is kept
            (retyped.id, odeon, 12),
            (retyped.id, nft1, 30),  # only the merged venue knew this one: it follows
            (hall.id, retyped.id, 7),  # between the two merged: now one place, dropped
        ]:
            festivals.set_travel_minutes(
                db.session.get(Venue, first), db.session.get(Venue, second), minutes
            )
        db.session.commit()
        hall_id, retyped_id = hall.id, retyped.id
        moving_ids = [screening.id for screening in moving]
    login("editor")
    before = ics(client, slug, moving_ids[0])
    page = f"/festivals/{slug}/venues"
    choice = {"merge-sources": [str(retyped_id)], "merge-target": str(hall_id)}
    review = client.post_form(f"{page}/merge", choice, page=page)
    assert review.status_code == 200
    text = review.get_data(as_text=True)
    assert "2 screenings</strong> move to Main Hall" in text
    with app.app_context():
        assert db.session.get(Venue, retyped_id) is not None  # nothing merged yet
    done = client.post_form(f"{page}/merge", {**choice, "merge-confirmed": "1"}, page=page)
    assert done.status_code == 302
    assert "2 screenings moved" in client.get(page).get_data(as_text=True)
    after = ics(client, slug, moving_ids[0])
    assert after["UID"] == before["UID"]
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    assert after["LOCATION"].startswith("Main Hall") and "EN subs" not in after["LOCATION"]
    with app.app_context():
        assert db.session.get(Venue, retyped_id) is None
        screenings = [db.session.get(Screening, i) for i in moving_ids]
        assert {s.venue_id for s in screenings} == {hall_id}
        pairs = {
            (row.from_venue_id, row.to_venue_id): row.minutes
            for row in db.session.scalars(select(VenueTravel))
        }
        assert pairs == {
            tuple(sorted((hall_id, programme["odeon"]))): 12,
            tuple(sorted((hall_id, programme["nft1"]))): 30,
        }
        alias = db.session.scalar(select(VenueAlias))
        assert (alias.spelling, alias.venue_id) == ("MAIN HALL (EN subs)", hall_id)
        assert db.session.get(Venue, hall_id).address == "Belvedere Road"
    # The old name now lands on the merged venue at the next import, without a question.
    data = b"Film,Date,Time,Venue\nRed Rocket,2021-10-14,18:00,MAIN HALL (EN subs)\n"
    preview_url = upload(client, slug, data).headers["Location"]
    assert "known spelling of Main Hall" in client.get(preview_url).get_data(as_text=True)


def test_merge_needs_venues_ticked(app, client, users, login, programme):
    login("editor")
    page = f"/festivals/{programme['slug']}/venues"
    response = client.post_form(
        f"{page}/merge",
        {"merge-sources": [str(programme["nft1"])], "merge-target": str(programme["nft1"])},
        page=page,
    )
    assert response.status_code == 422
    assert "Tick at least one venue other than BFI Southbank NFT1." in response.get_data(
        as_text=True
    )


def add_venues(app, programme, *names: str) -> dict[str, int]:
    with app.app_context():
        festival = db.session.get(Festival, programme["festival"])
        ids = {name: festivals.create_venue(festival, name).id for name in names}
        db.session.commit()
        return ids


def test_rooms_of_one_building_default_to_a_short_walk_in_the_clash_check(app, users, programme):
    ids = add_venues(app, programme, "Southbank – NFT2", "Southbank – NFT3", "Odeon West End")
    with app.app_context():
        festival = db.session.get(Festival, programme["festival"])
        nft2 = db.session.get(Venue, ids["Southbank – NFT2"])
        nft3 = db.session.get(Venue, ids["Southbank – NFT3"])
        screening = Screening(
            festival=festival,
            film_id=programme["film"],
            venue=nft2,
            starts_at=datetime(2021, 10, 12, 16, tzinfo=UTC),
            ends_at=datetime(2021, 10, 12, 18, tzinfo=UTC),
        )
        db.session.add(screening)
        db.session.flush()
        db.session.add(
            Piece(
                festival=festival,
                film_id=programme["film"],
                kind=PieceKind.REVIEW,
                state=PieceState.ASSIGNED,
                writer_id=users["writer"],
                screening=screening,
            )
        )
        db.session.flush()
        starts = datetime(2021, 10, 12, 18, 10, tzinfo=UTC)  # ten minutes after it ends

        def clashes(venue_id: int) -> list:
            candidate = Commitment(starts, starts + timedelta(hours=2), venue_id, "", "Next")
            return clashes_for(festival, users["writer"], candidate)

        assert clashes(nft3.id) == []  # 5 minutes down the corridor: time enough
        [other] = clashes(ids["Odeon West End"])  # across town: the festival's 15 minutes
        assert other.needed_minutes == 15
        festivals.set_travel_minutes(nft2, nft3, 12)  # a stored time wins over the default
        [far] = clashes(nft3.id)
        assert far.needed_minutes == 12


def test_travel_table_saves_every_pair_in_one_post_and_names_a_bad_one(
    app, client, users, login, programme
):
    ids = add_venues(app, programme, "Southbank – NFT2", "Southbank – NFT3")
    a, b = ids["Southbank – NFT2"], ids["Southbank – NFT3"]
    nft1, odeon = programme["nft1"], programme["odeon"]

    def pair(x: int, y: int) -> str:
        return f"pair-{min(x, y)}-{max(x, y)}"

    login("editor")
    page = f"/festivals/{programme['slug']}/venues"
    html = client.get(page).get_data(as_text=True)
    assert html.count('type="number"') == 6  # 4 venues: one input per unordered pair
    assert re.search(rf'name="{pair(a, b)}" value="" placeholder="5"', html)
    assert re.search(rf'name="{pair(a, odeon)}" value="" placeholder="15"', html)
    table = {pair(a, b): "3", pair(a, odeon): "25", pair(b, odeon): "", pair(nft1, odeon): "30"}
    response = client.post_form(f"{page}/travel", table, page=page)
    assert response.status_code == 302
    with app.app_context():
        stored = {
            (r.from_venue_id, r.to_venue_id): r.minutes
            for r in db.session.scalars(select(VenueTravel))
        }
    assert stored == {
        tuple(sorted((a, b))): 3,
        tuple(sorted((a, odeon))): 25,
        tuple(sorted((nft1, odeon))): 30,
    }
    bad = {**table, pair(a, odeon): "", pair(b, odeon): "half an hour"}
    response = client.post_form(f"{page}/travel", bad, page=page)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    # The pair named as the table lists it (by venue id): the Odeon was added first.
    assert "Odeon Luxe Leicester Square ↔ Southbank – NFT3: enter whole minutes" in text
    assert f'name="{pair(b, odeon)}" value="half an hour"' in text  # what was typed stays
    with app.app_context():
        assert (
            db.session.scalar(
                select(VenueTravel.minutes).where(
                    VenueTravel.from_venue_id == min(a, odeon),
                    VenueTravel.to_venue_id == max(a, odeon),
                )
            )
            == 25
        )  # nothing saved from the refused table


def test_day_view_groups_rooms_of_a_building_in_natural_order(app, client, users, login, programme):
    ids = add_venues(
        app, programme, "Odeon – Screen 10", "Odeon – Screen 2", "Curzon Soho", "BFI – NFT1"
    )
    order = ["BFI – NFT1", "Curzon Soho", "Odeon – Screen 2", "Odeon – Screen 10"]
    with app.app_context():
        screenings = {}
        # The earliest screening is in Screen 10: time of day does not decide the order.
        for hour, name in zip((20, 18, 19, 9), order, strict=True):
            screening = Screening(
                festival_id=programme["festival"],
                film_id=programme["film"],
                venue_id=ids[name],
                starts_at=datetime(2021, 10, 14, hour, tzinfo=UTC),
                ends_at=datetime(2021, 10, 14, hour, 50, tzinfo=UTC),
            )
            db.session.add(screening)
            db.session.flush()
            screenings[name] = screening.id
        db.session.commit()
    login("writer")
    html = client.get(f"/festivals/{programme['slug']}/days/2021-10-14").get_data(as_text=True)
    positions = [html.index(f'id="screening-{screenings[name]}"') for name in order]
    assert positions == sorted(positions)
    # One heading for the Odeon, its rooms under it.
    assert html.count('<h2 class="building-name">Odeon</h2>') == 1
    assert html.index("Odeon</h2>") < html.index(">Screen 2</h3>") < html.index(">Screen 10</h3>")


def test_a_large_festival_edits_one_venues_travel_times_at_a_time(
    app, client, users, login, programme
):
    ids = add_venues(app, programme, *(f"Hall {n}" for n in range(1, 16)))  # 17 venues in all
    login("editor")
    page = f"/festivals/{programme['slug']}/venues"
    chosen = ids["Hall 3"]
    html = client.get(f"{page}?from={chosen}").get_data(as_text=True)
    assert 'id="travel-from"' in html
    assert html.count('type="number"') == 16  # Hall 3 to each other venue, not 136 inputs
    field = f"pair-{min(chosen, ids['Hall 12'])}-{max(chosen, ids['Hall 12'])}"
    response = client.post_form(f"{page}/travel", {field: "8", "from": str(chosen)}, page=page)
    assert response.status_code == 302
    assert f"from={chosen}" in response.headers["Location"]
    with app.app_context():
        assert db.session.scalar(select(VenueTravel.minutes)) == 8
