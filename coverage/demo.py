"""The demo desk: London Film Festival 2021 and TIFF 2021, with four demo accounts.

Only for development and trying the tool out; `demo-data` refuses to run in production.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from coverage.accounts import services as accounts
from coverage.accounts.roles import Role
from coverage.extensions import db
from coverage.festivals.models import Festival, Venue, VenueTravel
from coverage.pieces.models import Piece
from coverage.programme.kinds import EmbargoRule, PersonRole, PremiereStatus, ScreeningKind
from coverage.programme.models import Film, Person, Screening

DEMO_PASSWORD = "festival"

DEMO_ACCOUNTS = [
    ("admin@example.com", "Priya Shah", Role.ADMIN),
    ("editor@example.com", "Tom Hale", Role.EDITOR),
    ("critic@example.com", "Nia Okafor", Role.WRITER),
    ("critic2@example.com", "Sam Carter", Role.WRITER),
]


@dataclass(frozen=True)
class DemoFilm:
    title: str
    directors: str
    countries: str
    year: int
    runtime: int
    section: str
    premiere: PremiereStatus
    release: date | None
    synopsis: str
    original_title: str = ""
    trailer_url: str = ""
    # (local start "YYYY-MM-DD HH:MM", venue name, kind)
    screenings: tuple[tuple[str, str, ScreeningKind], ...] = ()
    talent: tuple[tuple[str, PersonRole], ...] = ()


PRESS = ScreeningKind.PRESS
PUBLIC = ScreeningKind.PUBLIC
GALA = ScreeningKind.GALA
INDUSTRY = ScreeningKind.PRESS_INDUSTRY

LFF_VENUES = {
    "BFI Southbank": "Belvedere Road, South Bank, London SE1 8XT",
    "Royal Festival Hall": "Southbank Centre, Belvedere Road, London SE1 8XX",
    "BFI IMAX": "1 Charlie Chaplin Walk, South Bank, London SE1 8XR",
    "Odeon Luxe Leicester Square": "24-26 Leicester Square, London WC2H 7JY",
    "Curzon Mayfair": "38 Curzon Street, London W1J 7TY",
    "Picturehouse Central": "Shaftesbury Avenue at Great Windmill Street, London W1D 7DH",
}

# Minutes on foot or by tube between venues; the South Bank venues are a short walk apart.
LFF_TRAVEL = [
    ("BFI Southbank", "Royal Festival Hall", 5),
    ("BFI Southbank", "BFI IMAX", 8),
    ("Royal Festival Hall", "BFI IMAX", 8),
    ("BFI Southbank", "Odeon Luxe Leicester Square", 25),
    ("BFI Southbank", "Picturehouse Central", 25),
    ("BFI Southbank", "Curzon Mayfair", 35),
    ("Odeon Luxe Leicester Square", "Picturehouse Central", 5),
    ("Odeon Luxe Leicester Square", "Curzon Mayfair", 15),
    ("Picturehouse Central", "Curzon Mayfair", 15),
]

LFF_FILMS = [
    DemoFilm(
        "The Harder They Fall",
        "Jeymes Samuel",
        "USA",
        2021,
        139,
        "Galas",
        PremiereStatus.WORLD,
        date(2021, 10, 22),
        "Outlaw Nat Love rounds up his gang to take revenge on the man who killed his parents.",
        screenings=(
            ("2021-10-05 10:00", "Picturehouse Central", PRESS),
            ("2021-10-06 19:00", "Royal Festival Hall", GALA),
            ("2021-10-07 14:30", "Odeon Luxe Leicester Square", PUBLIC),
        ),
        talent=(("Jeymes Samuel", PersonRole.DIRECTOR), ("Regina King", PersonRole.ACTOR)),
    ),
    DemoFilm(
        "Red Rocket",
        "Sean Baker",
        "USA",
        2021,
        130,
        "Laugh",
        PremiereStatus.UK,
        None,
        "A washed-up porn star returns to his small Texas hometown, where nobody wants him back.",
        trailer_url="https://a24films.com/films/red-rocket",
        screenings=(
            ("2021-10-08 09:00", "Picturehouse Central", PRESS),
            ("2021-10-09 12:15", "BFI Southbank", INDUSTRY),
            ("2021-10-10 18:30", "Odeon Luxe Leicester Square", PUBLIC),
            ("2021-10-12 20:45", "BFI Southbank", PUBLIC),
        ),
        talent=(("Sean Baker", PersonRole.DIRECTOR), ("Simon Rex", PersonRole.ACTOR)),
    ),
    DemoFilm(
        "The Power of the Dog",
        "Jane Campion",
        "New Zealand, Australia",
        2021,
        126,
        "Galas",
        PremiereStatus.UK,
        date(2021, 11, 19),
        "A charismatic Montana rancher torments his brother's new wife and her son.",
        screenings=(
            ("2021-10-10 09:30", "Picturehouse Central", PRESS),
            ("2021-10-11 19:30", "Royal Festival Hall", GALA),
            ("2021-10-12 14:00", "BFI IMAX", PUBLIC),
        ),
        talent=(("Jane Campion", PersonRole.DIRECTOR),),
    ),
    DemoFilm(
        "Spencer",
        "Pablo Larraín",
        "UK, Germany, Chile",
        2021,
        117,
        "Galas",
        PremiereStatus.UK,
        date(2021, 11, 5),
        "Diana spends a fraught Christmas at Sandringham and decides to leave her marriage.",
        screenings=(
            ("2021-10-06 09:30", "Picturehouse Central", PRESS),
            ("2021-10-07 19:30", "Royal Festival Hall", GALA),
            ("2021-10-08 15:00", "Curzon Mayfair", PUBLIC),
        ),
        talent=(("Pablo Larraín", PersonRole.DIRECTOR),),
    ),
    DemoFilm(
        "Belfast",
        "Kenneth Branagh",
        "UK",
        2021,
        98,
        "Galas",
        PremiereStatus.UK,
        date(2022, 1, 21),
        "A working-class boy's childhood in Belfast during the tumult of the late 1960s.",
        screenings=(
            ("2021-10-11 09:30", "Picturehouse Central", PRESS),
            ("2021-10-12 19:00", "Royal Festival Hall", GALA),
            ("2021-10-13 11:30", "Odeon Luxe Leicester Square", PUBLIC),
        ),
        talent=(("Kenneth Branagh", PersonRole.DIRECTOR), ("Jude Hill", PersonRole.ACTOR)),
    ),
    DemoFilm(
        "The French Dispatch",
        "Wes Anderson",
        "USA, Germany",
        2021,
        108,
        "Galas",
        PremiereStatus.UK,
        date(2021, 10, 22),
        "Stories from the final issue of an American magazine's outpost in a French city.",
        screenings=(
            ("2021-10-08 13:00", "Picturehouse Central", PRESS),
            ("2021-10-09 19:00", "Royal Festival Hall", GALA),
            ("2021-10-10 13:00", "BFI IMAX", PUBLIC),
        ),
    ),
    DemoFilm(
        "Titane",
        "Julia Ducournau",
        "France, Belgium",
        2021,
        108,
        "Dare",
        PremiereStatus.UK,
        date(2021, 12, 31),
        "A young woman with a titanium plate in her skull goes on the run after a killing spree.",
        screenings=(
            ("2021-10-07 09:30", "BFI Southbank", PRESS),
            ("2021-10-08 21:00", "BFI Southbank", PUBLIC),
            ("2021-10-09 21:15", "Curzon Mayfair", PUBLIC),
        ),
        talent=(("Julia Ducournau", PersonRole.DIRECTOR),),
    ),
    DemoFilm(
        "Petite Maman",
        "Céline Sciamma",
        "France",
        2021,
        72,
        "Love",
        PremiereStatus.UK,
        date(2021, 11, 19),
        "Eight-year-old Nelly meets a girl her own age in the woods by her grandmother's house.",
        screenings=(
            ("2021-10-09 10:00", "BFI Southbank", PRESS),
            ("2021-10-10 15:45", "BFI Southbank", PUBLIC),
        ),
        talent=(("Céline Sciamma", PersonRole.DIRECTOR),),
    ),
    DemoFilm(
        "Drive My Car",
        "Ryusuke Hamaguchi",
        "Japan",
        2021,
        179,
        "Special Presentations",
        PremiereStatus.UK,
        date(2021, 11, 19),
        "A widowed stage director forms an unlikely bond with the young woman hired to drive him.",
        original_title="Doraibu mai kā",
        screenings=(
            ("2021-10-12 09:00", "BFI Southbank", PRESS),
            ("2021-10-13 17:30", "BFI Southbank", PUBLIC),
            ("2021-10-15 14:00", "Curzon Mayfair", PUBLIC),
        ),
    ),
    DemoFilm(
        "The Worst Person in the World",
        "Joachim Trier",
        "Norway, France, Sweden, Denmark",
        2021,
        128,
        "Love",
        PremiereStatus.UK,
        date(2022, 3, 25),
        "Four years in the life of Julie, a young woman navigating love and career in Oslo.",
        original_title="Verdens verste menneske",
        screenings=(
            ("2021-10-13 09:30", "Picturehouse Central", PRESS),
            ("2021-10-14 18:15", "BFI Southbank", PUBLIC),
            ("2021-10-16 12:00", "Odeon Luxe Leicester Square", PUBLIC),
        ),
    ),
    DemoFilm(
        "Hit the Road",
        "Panah Panahi",
        "Iran",
        2021,
        93,
        "Official Competition",
        PremiereStatus.UK,
        date(2022, 4, 22),
        "A family bickers, sings and jokes its way across rural Iran towards a secret goodbye.",
        original_title="Jaddeh Khaki",
        screenings=(
            ("2021-10-12 12:30", "BFI Southbank", PRESS),
            ("2021-10-14 20:30", "BFI Southbank", PUBLIC),
            ("2021-10-16 15:30", "Curzon Mayfair", PUBLIC),
        ),
        talent=(("Panah Panahi", PersonRole.DIRECTOR),),
    ),
    DemoFilm(
        "Ali & Ava",
        "Clio Barnard",
        "UK",
        2021,
        95,
        "Official Competition",
        PremiereStatus.UK,
        date(2022, 3, 4),
        "Two lonely people in Bradford find each other through a shared love of music.",
        screenings=(
            ("2021-10-14 09:30", "Picturehouse Central", PRESS),
            ("2021-10-15 18:00", "Odeon Luxe Leicester Square", PUBLIC),
            ("2021-10-16 20:30", "BFI Southbank", PUBLIC),
        ),
        talent=(("Clio Barnard", PersonRole.DIRECTOR), ("Adeel Akhtar", PersonRole.ACTOR)),
    ),
    DemoFilm(
        "The Tragedy of Macbeth",
        "Joel Coen",
        "USA",
        2021,
        105,
        "Galas",
        PremiereStatus.EUROPEAN,
        date(2021, 12, 26),
        "A Scottish lord is convinced by three witches that he will become King of Scotland.",
        screenings=(
            ("2021-10-15 09:30", "Picturehouse Central", PRESS),
            ("2021-10-17 19:00", "Royal Festival Hall", GALA),
            ("2021-10-17 20:00", "BFI Southbank", PUBLIC),
        ),
        talent=(("Joel Coen", PersonRole.DIRECTOR),),
    ),
]

TIFF_VENUES = {
    "TIFF Bell Lightbox": "350 King Street West, Toronto, ON M5V 3X5",
    "Princess of Wales Theatre": "300 King Street West, Toronto, ON M5V 1J2",
    "Roy Thomson Hall": "60 Simcoe Street, Toronto, ON M5J 2H5",
    "Scotiabank Theatre Toronto": "259 Richmond Street West, Toronto, ON M5V 3M6",
}

TIFF_TRAVEL = [
    ("TIFF Bell Lightbox", "Princess of Wales Theatre", 5),
    ("TIFF Bell Lightbox", "Roy Thomson Hall", 8),
    ("TIFF Bell Lightbox", "Scotiabank Theatre Toronto", 10),
    ("Princess of Wales Theatre", "Roy Thomson Hall", 8),
]

TIFF_FILMS = [
    DemoFilm(
        "Dear Evan Hansen",
        "Stephen Chbosky",
        "USA",
        2021,
        137,
        "Gala Presentations",
        PremiereStatus.WORLD,
        date(2021, 10, 22),
        "An anxious high-schooler is drawn into a lie after a classmate's death.",
        screenings=(
            ("2021-09-09 09:00", "Scotiabank Theatre Toronto", PRESS),
            ("2021-09-09 19:30", "Roy Thomson Hall", GALA),
        ),
    ),
    DemoFilm(
        "Belfast",
        "Kenneth Branagh",
        "UK",
        2021,
        98,
        "Special Presentations",
        PremiereStatus.NONE,
        date(2022, 1, 21),
        "A working-class boy's childhood in Belfast during the tumult of the late 1960s.",
        screenings=(
            ("2021-09-12 09:00", "Scotiabank Theatre Toronto", PRESS),
            ("2021-09-12 18:00", "Princess of Wales Theatre", PUBLIC),
        ),
        talent=(("Kenneth Branagh", PersonRole.DIRECTOR),),
    ),
    DemoFilm(
        "Titane",
        "Julia Ducournau",
        "France, Belgium",
        2021,
        108,
        "Midnight Madness",
        PremiereStatus.NONE,
        date(2021, 12, 31),
        "A young woman with a titanium plate in her skull goes on the run after a killing spree.",
        screenings=(
            ("2021-09-10 12:00", "Scotiabank Theatre Toronto", PRESS),
            ("2021-09-10 23:59", "TIFF Bell Lightbox", PUBLIC),
        ),
    ),
    DemoFilm(
        "The Power of the Dog",
        "Jane Campion",
        "New Zealand, Australia",
        2021,
        126,
        "Special Presentations",
        PremiereStatus.NONE,
        date(2021, 11, 19),
        "A charismatic Montana rancher torments his brother's new wife and her son.",
        screenings=(
            ("2021-09-13 09:00", "Scotiabank Theatre Toronto", PRESS),
            ("2021-09-13 21:00", "Princess of Wales Theatre", PUBLIC),
            ("2021-09-15 15:00", "TIFF Bell Lightbox", PUBLIC),
        ),
    ),
]


def _local(moment: str, zone: ZoneInfo) -> datetime:
    return datetime.strptime(moment, "%Y-%m-%d %H:%M").replace(tzinfo=zone)


def _add_festival(
    *,
    name: str,
    edition: int,
    slug: str,
    city: str,
    timezone: str,
    start: date,
    end: date,
    website: str,
    organiser: str,
    buffer: int,
    venues: dict[str, str],
    travel: list[tuple[str, str, int]],
    films: list[DemoFilm],
) -> Festival:
    zone = ZoneInfo(timezone)
    festival = Festival(
        name=name,
        edition=edition,
        slug=slug,
        city=city,
        timezone=timezone,
        start_date=start,
        end_date=end,
        website=website,
        organiser=organiser,
        travel_buffer_minutes=buffer,
    )
    db.session.add(festival)
    venue_rows = {
        venue_name: Venue(festival=festival, name=venue_name, address=address)
        for venue_name, address in venues.items()
    }
    db.session.add_all(venue_rows.values())
    db.session.flush()
    for first, second, minutes in travel:
        a, b = sorted((venue_rows[first], venue_rows[second]), key=lambda v: v.id)
        db.session.add(VenueTravel(from_venue=a, to_venue=b, minutes=minutes))
    for demo in films:
        film = Film(
            festival=festival,
            title=demo.title,
            original_title=demo.original_title,
            directors=demo.directors,
            countries=demo.countries,
            year=demo.year,
            runtime_minutes=demo.runtime,
            section=demo.section,
            premiere_status=demo.premiere,
            release_date=demo.release,
            synopsis=demo.synopsis,
            trailer_url=demo.trailer_url,
            embargo_rule=EmbargoRule.FIRST_PUBLIC_SCREENING,
        )
        db.session.add(film)
        for start_text, venue_name, kind in demo.screenings:
            starts_at = _local(start_text, zone)
            db.session.add(
                Screening(
                    festival=festival,
                    film=film,
                    venue=venue_rows[venue_name],
                    kind=kind,
                    starts_at=starts_at,
                    ends_at=starts_at + timedelta(minutes=demo.runtime),
                )
            )
        for person_name, role in demo.talent:
            db.session.add(Person(name=person_name, role=role, film=film))
    db.session.flush()
    return festival


def load_demo_data() -> str:
    """Add the demo desk to the session (the caller commits) and describe what was added."""
    users = {
        email: accounts.create_user(email, name, role, DEMO_PASSWORD)
        for email, name, role in DEMO_ACCOUNTS
    }
    lff = _add_festival(
        name="London Film Festival",
        edition=2021,
        slug="london-film-festival-2021",
        city="London",
        timezone="Europe/London",
        start=date(2021, 10, 6),
        end=date(2021, 10, 17),
        website="https://www.bfi.org.uk/london-film-festival",
        organiser="BFI",
        buffer=20,
        venues=LFF_VENUES,
        travel=LFF_TRAVEL,
        films=LFF_FILMS,
    )
    tiff = _add_festival(
        name="Toronto International Film Festival",
        edition=2021,
        slug="toronto-international-film-festival-2021",
        city="Toronto",
        timezone="America/Toronto",
        start=date(2021, 9, 9),
        end=date(2021, 9, 18),
        website="https://tiff.net",
        organiser="TIFF",
        buffer=15,
        venues=TIFF_VENUES,
        travel=TIFF_TRAVEL,
        films=TIFF_FILMS,
    )
    pieces = _add_pieces(lff, users) + _add_published(lff, tiff, users)
    screenings = sum(len(f.screenings) for f in LFF_FILMS + TIFF_FILMS)
    return (
        f"Loaded {len(DEMO_ACCOUNTS)} demo accounts (password '{DEMO_PASSWORD}'), "
        f"festivals {lff.slug} and {tiff.slug}: {len(LFF_FILMS) + len(TIFF_FILMS)} films, "
        f"{screenings} screenings, {pieces} pieces of coverage."
    )


def _add_pieces(festival: Festival, users: dict) -> int:
    """A desk mid-festival: a review filed, one assigned, one being drafted, an interview
    pitched."""
    from sqlalchemy import select

    from coverage.drafts import services as drafts
    from coverage.pieces import services as pieces
    from coverage.pieces.kinds import PieceKind
    from coverage.pieces.workflow import Action
    from coverage.timeutil import utcnow

    editor = users["editor@example.com"]
    critic = users["critic@example.com"]
    critic2 = users["critic2@example.com"]
    now = utcnow()

    def film(title: str) -> Film:
        return db.session.scalar(
            select(Film).where(Film.festival_id == festival.id, Film.title == title)
        )

    def review(title: str, writer) -> Piece:
        chosen = film(title)
        piece = pieces.create_piece(
            festival, editor, pieces.PlanFields(kind=PieceKind.REVIEW, film_id=chosen.id), now
        )
        screening = pieces.screening_choices(chosen)[0]
        plan = pieces.PlanFields(
            kind=PieceKind.REVIEW,
            film_id=chosen.id,
            writer_id=writer.id,
            editor_id=editor.id,
            screening_id=screening.id,
            due_at=pieces.default_due(screening, None),
            word_target=450,
        )
        pieces.assign(piece, editor, plan, now)
        return piece

    # Filed and waiting for the desk: take it for editing, approve and publish it, and it reads
    # like the house-style example (see ../shared/DESIGN.md).
    filed = review("Red Rocket", critic)
    drafts.save_draft(
        filed,
        critic,
        drafts.Text(
            headline=pieces.house_headline(filed),
            standfirst="Simon Rex talks his way back into a Texas refinery town in Sean Baker's "
            "sharpest, funniest and most uncomfortable film.",
            body=RED_ROCKET_REVIEW,
            star_rating=4,
        ),
        base_version=filed.version,
        now=now,
    )
    pieces.transition(filed, critic, Action.FILE, now)
    review("Spencer", critic)
    drafting = review("The Power of the Dog", critic2)
    drafts.save_draft(
        drafting,
        critic2,
        drafts.Text(
            headline="The Power of the Dog review: Jane Campion's slow-burning western",
            standfirst="Benedict Cumberbatch is a rancher at war with everyone, himself most.",
            body="Montana, 1925. Phil Burbank runs the ranch he shares with his brother...",
            star_rating=None,
        ),
        base_version=drafting.version,
        now=now,
    )
    red_rocket = film("Red Rocket")
    baker = db.session.scalar(
        select(Person).where(Person.film_id == red_rocket.id, Person.name == "Sean Baker")
    )
    pieces.create_piece(
        festival,
        critic,
        pieces.PlanFields(
            kind=PieceKind.INTERVIEW, film_id=red_rocket.id, interviewee_ids=[baker.id]
        ),
        now,
    )
    db.session.flush()
    return 4


RED_ROCKET_REVIEW = """Mikey Saber gets off the bus in Texas City with a bruised face, \
twenty-two dollars and the conviction that the town owes him a welcome. It does not, and \
Sean Baker's film is the story of how long a man can talk his way past that fact.

Simon Rex plays him as a salesman whose only product is himself. The patter never stops: \
to his estranged wife, to the neighbours he borrows from, to the teenager behind the \
doughnut counter who becomes his next big plan. Rex makes the charm real enough that you \
understand why people keep saying yes, and the film never lets you forget what it costs them.

Baker shoots the refinery town in wide, sun-bleached frames, all pastel porches and \
petrochemical skyline, with the 2016 election murmuring on every television. The \
supporting cast, many of them first-time actors found locally, give the place a texture \
no set could fake.

It is a comedy for most of its length, and a very funny one, until the moment it decides \
to stop protecting its hero. That turn is the film's boldest choice, and it lands."""

TITANE_REVIEW = """Julia Ducournau's second feature opens with a car crash and a titanium \
plate, and only gets stranger from there.

Agathe Rousselle is ferocious as Alexia, a dancer whose body is turning into something \
else, and Vincent Lindon brings a bruised tenderness to the fire captain who takes her in.

What looks like body horror becomes, against every expectation, a film about being \
loved as you are. It is not for everyone, and it knows it."""

ALI_AVA_INTERVIEW = """Clio Barnard and Adeel Akhtar arrive at the interview still talking \
about the soundtrack.

"Music was the way into both of them," Barnard says of her two leads, a landlord who \
lives for punk and a teaching assistant who lives for folk. "Once we knew what they \
listened to, we knew how they would fall in love."

Akhtar, in his first romantic lead, says the film asked him to stop hiding. "You can't \
play Ali from behind a character. He is all open doors."

The film was shot in Bradford, where Barnard has made most of her work, with many \
of the supporting roles taken by people from the neighbourhood."""


def _add_published(lff: Festival, tiff: Festival, users: dict) -> int:
    """Coverage already live, so the public pages, hubs and feeds have something to show:
    a TIFF review and an LFF interview, taken through the workflow in festival time."""
    from datetime import UTC

    from sqlalchemy import select

    from coverage.drafts import services as drafts
    from coverage.pieces import services as pieces
    from coverage.pieces.kinds import PieceKind
    from coverage.pieces.workflow import Action

    editor = users["editor@example.com"]
    critic2 = users["critic2@example.com"]

    def publish(festival, kind, film_title, text, at, interviewees=(), pull_quote=""):
        film = db.session.scalar(
            select(Film).where(Film.festival_id == festival.id, Film.title == film_title)
        )
        people = list(
            db.session.scalars(
                select(Person).where(Person.film_id == film.id, Person.name.in_(interviewees))
            )
        )
        plan = pieces.PlanFields(
            kind=kind,
            film_id=film.id,
            interviewee_ids=[person.id for person in people],
            writer_id=critic2.id,
            editor_id=editor.id,
            due_at=at - timedelta(hours=6),
            word_target=450,
        )
        piece = pieces.create_piece(festival, editor, plan, at - timedelta(days=2))
        pieces.assign(piece, editor, plan, at - timedelta(days=2))
        piece.pull_quote = pull_quote
        headline = pieces.house_headline(piece)
        drafts.save_draft(
            piece,
            critic2,
            drafts.Text(headline, *text),
            base_version=piece.version,
            now=at - timedelta(hours=8),
        )
        pieces.transition(piece, critic2, Action.FILE, at - timedelta(hours=7))
        pieces.transition(piece, editor, Action.TAKE_FOR_EDIT, at - timedelta(hours=3))
        pieces.transition(piece, editor, Action.APPROVE, at - timedelta(hours=1))
        pieces.transition(piece, editor, Action.PUBLISH, at)
        return piece

    publish(
        tiff,
        PieceKind.REVIEW,
        "Titane",
        (
            "Julia Ducournau follows her Palme d'Or winner into wilder country than anyone "
            "expected.",
            TITANE_REVIEW,
            4,
        ),
        datetime(2021, 9, 11, 14, 0, tzinfo=UTC),
    )
    publish(
        lff,
        PieceKind.INTERVIEW,
        "Ali & Ava",
        (
            "The director and her star on music, Bradford and a love story about two people "
            "who thought they were done with love.",
            ALI_AVA_INTERVIEW,
            None,
        ),
        datetime(2021, 10, 16, 9, 0, tzinfo=UTC),
        interviewees=("Clio Barnard", "Adeel Akhtar"),
        pull_quote="Music was the way into both of them",
    )
    return 2
