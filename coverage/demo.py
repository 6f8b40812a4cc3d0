"""The demo desk: London Film Festival 2021, TIFF 2021 and a (fictional) festival running now,
with four demo accounts.

Only for development and trying the tool out; `demo-data` refuses to run in production.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select

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


def load_demo_data(now: datetime) -> str:
    """Add the demo desk to the session (the caller commits) and describe what was added.

    `now` (aware) dates the festival running now and every piece's history; the command
    passes the real clock, tests a fixed one.
    """
    users = {
        # The README documents `festival` for the demo accounts, below the password policy's
        # length; `demo-data` refuses to run in production, so these never guard real data.
        email: accounts.create_user(email, name, role, DEMO_PASSWORD, check_policy=False)
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
    _add_pieces(lff, users, now)
    _add_published(lff, tiff, users)
    running = add_running_festival(users, now)
    # The demo's history leaves in-app notices (they fill its Notifications page) but must
    # send no email: its queued mail tells of past festivals, with links for the local port.
    # Demo data goes only into an empty database, so every outbox row is the demo's.
    from coverage.notifications.models import OutboxMessage

    db.session.flush()
    db.session.execute(delete(OutboxMessage))
    counts = [
        db.session.scalar(select(func.count()).select_from(model)) for model in (Film, Screening)
    ]
    pieces = db.session.scalar(select(func.count()).select_from(Piece))
    return (
        f"Loaded {len(DEMO_ACCOUNTS)} demo accounts (password '{DEMO_PASSWORD}'), "
        f"festivals {lff.slug}, {tiff.slug} and {running.slug} (running now: "
        f"{running.start_date:%-d %b} to {running.end_date:%-d %b %Y}, {running.timezone}): "
        f"{counts[0]} films, {counts[1]} screenings, {pieces} pieces of coverage."
    )


def _add_pieces(festival: Festival, users: dict, now: datetime) -> int:
    """A desk mid-festival: a review filed, one assigned, one being drafted, an interview
    pitched."""
    from coverage.drafts import services as drafts
    from coverage.pieces import services as pieces
    from coverage.pieces.kinds import PieceKind
    from coverage.pieces.workflow import Action

    editor = users["editor@example.com"]
    critic = users["critic@example.com"]
    critic2 = users["critic2@example.com"]

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
    # like the house-style example (see docs/design.md).
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


# --- A festival running now -------------------------------------------------------------------
#
# LFF and TIFF 2021 lie years in the past, so on their own they show a new user only overdue
# work. The Harbour Lights Film Festival is fictional (its films and people too) and is dated
# from the day the demo is loaded: it opened two days ago and closes in eight, so every
# account's "My work" has screenings to attend, deadlines in the next hours and days, copy
# waiting for the desk and one deadline already missed.

RUNNING_ZONE = "Asia/Manila"
RUNNING_SINCE_DAYS = 2  # opened two days before the demo is loaded
RUNNING_FOR_DAYS = 11  # and closes eight days after it

PICC = "PICC Complex, Vicente Sotto Street, Pasay, Metro Manila"
RUNNING_VENUES = {
    # Rooms of one building share the name before " – ".
    "PICC – Plenary Hall": PICC,
    "PICC – Cinema Rizal": PICC,
    "PICC – Cinema Bonifacio": PICC,
    "Ayala Malls Manila Bay – Cinema 3": "Diosdado Macapagal Boulevard, Parañaque, Metro Manila",
    "Greenbelt 3 – Cinema 1": "Ayala Center, Makati, Metro Manila",
    "UP Film Institute – Cine Adarna": "Magsaysay Avenue, UP Diliman, Quezon City",
}

# Minutes between venues at festival-time traffic (Manila's is slow).
RUNNING_TRAVEL = [
    ("PICC – Plenary Hall", "PICC – Cinema Rizal", 5),
    ("PICC – Plenary Hall", "PICC – Cinema Bonifacio", 5),
    ("PICC – Cinema Rizal", "PICC – Cinema Bonifacio", 5),
    ("PICC – Plenary Hall", "Ayala Malls Manila Bay – Cinema 3", 20),
    ("PICC – Cinema Rizal", "Ayala Malls Manila Bay – Cinema 3", 20),
    ("PICC – Cinema Bonifacio", "Ayala Malls Manila Bay – Cinema 3", 20),
    ("PICC – Plenary Hall", "Greenbelt 3 – Cinema 1", 35),
    ("PICC – Cinema Rizal", "Greenbelt 3 – Cinema 1", 35),
    ("PICC – Cinema Bonifacio", "Greenbelt 3 – Cinema 1", 35),
    ("Ayala Malls Manila Bay – Cinema 3", "Greenbelt 3 – Cinema 1", 35),
    ("PICC – Plenary Hall", "UP Film Institute – Cine Adarna", 75),
    ("PICC – Cinema Rizal", "UP Film Institute – Cine Adarna", 75),
    ("PICC – Cinema Bonifacio", "UP Film Institute – Cine Adarna", 75),
    ("Ayala Malls Manila Bay – Cinema 3", "UP Film Institute – Cine Adarna", 90),
    ("Greenbelt 3 – Cinema 1", "UP Film Institute – Cine Adarna", 60),
]

INTERVIEW_ROOM = "PICC press centre, interview room 2"


def running_festival_days(now: datetime) -> tuple[date, date, date]:
    """(opening day, today, closing day) of the running demo festival, in its zone, for the
    instant `now` (aware)."""
    today = now.astimezone(ZoneInfo(RUNNING_ZONE)).date()
    opening = today - timedelta(days=RUNNING_SINCE_DAYS)
    return opening, today, opening + timedelta(days=RUNNING_FOR_DAYS - 1)


def _running_films(today: date) -> list[DemoFilm]:
    """The programme, with screenings on days counted from `today` (-2 is the opening day)."""

    def on(offset: int, clock: str) -> str:
        return f"{(today + timedelta(days=offset)).isoformat()} {clock}"

    plenary, rizal, bonifacio = (
        "PICC – Plenary Hall",
        "PICC – Cinema Rizal",
        "PICC – Cinema Bonifacio",
    )
    ayala, greenbelt, upfi = (
        "Ayala Malls Manila Bay – Cinema 3",
        "Greenbelt 3 – Cinema 1",
        "UP Film Institute – Cine Adarna",
    )
    year = today.year
    director = PersonRole.DIRECTOR
    return [
        DemoFilm(
            "Tide Tables",
            "Marisol Dela Cruz",
            "Philippines",
            year,
            104,
            "Opening Night",
            PremiereStatus.WORLD,
            None,
            "The keeper of a tide gauge on a sinking island in Manila Bay refuses to leave when "
            "his village is moved inland.",
            screenings=(
                (on(-2, "10:00"), rizal, PRESS),
                (on(-2, "19:00"), plenary, GALA),
                (on(3, "16:00"), greenbelt, PUBLIC),
            ),
            talent=(("Marisol Dela Cruz", director), ("Joel Manalo", PersonRole.ACTOR)),
        ),
        DemoFilm(
            "Kites Over Tondo",
            "Paolo Navarro",
            "Philippines",
            year,
            94,
            "Main Competition",
            PremiereStatus.WORLD,
            None,
            "Three brothers build kites on a Tondo rooftop to sell before the typhoon season, and "
            "to keep their mother from taking a job abroad.",
            screenings=(
                (on(-2, "09:00"), bonifacio, PRESS),
                (on(-1, "21:00"), ayala, PUBLIC),
                (on(4, "18:30"), upfi, PUBLIC),
            ),
            talent=(("Paolo Navarro", director),),
        ),
        DemoFilm(
            "Night Market",
            "Lara Villanueva",
            "Philippines, Singapore",
            year,
            82,
            "Asian Horizons",
            PremiereStatus.INTERNATIONAL,
            None,
            "Over one night in a Manila market, a fish vendor tries to raise her son's bail.",
            screenings=(
                (on(-2, "12:00"), rizal, PRESS),
                (on(0, "21:30"), greenbelt, PUBLIC),
                (on(5, "14:00"), ayala, PUBLIC),
            ),
            talent=(("Lara Villanueva", director),),
        ),
        DemoFilm(
            "Salt and Smoke",
            "Ama Owusu",
            "Ghana, UK",
            year,
            89,
            "World Cinema",
            PremiereStatus.INTERNATIONAL,
            None,
            "A fish smoker in a Ghanaian coastal town takes on the trawlers emptying her sea.",
            screenings=(
                (on(-2, "13:30"), bonifacio, PRESS),
                (on(-1, "18:00"), greenbelt, PUBLIC),
                (on(6, "16:00"), upfi, PUBLIC),
            ),
            talent=(("Ama Owusu", director),),
        ),
        DemoFilm(
            "A House by the Pasig",
            "Carlo Bautista",
            "Philippines",
            year,
            110,
            "Main Competition",
            PremiereStatus.WORLD,
            None,
            "Four generations argue over selling the riverside house that has flooded every year "
            "since 1970.",
            screenings=(
                (on(-1, "09:00"), bonifacio, PRESS),
                (on(-1, "19:30"), plenary, GALA),
                (on(2, "15:00"), ayala, PUBLIC),
            ),
            talent=(("Carlo Bautista", director),),
        ),
        DemoFilm(
            "Monsoon Letters",
            "Hana Yoshida",
            "Japan, Philippines",
            year,
            118,
            "Asian Horizons",
            PremiereStatus.INTERNATIONAL,
            None,
            "A widow from Osaka travels to Baguio to find the woman her husband wrote to every "
            "rainy season for forty years.",
            screenings=(
                (on(-1, "10:00"), rizal, PRESS),
                (on(0, "20:30"), ayala, PUBLIC),
                (on(4, "14:00"), upfi, PUBLIC),
            ),
            talent=(("Hana Yoshida", director),),
        ),
        DemoFilm(
            "Paper Boats",
            "Agnieszka Wróbel",
            "Poland",
            year,
            101,
            "World Cinema",
            PremiereStatus.WORLD,
            None,
            "A retired Gdańsk shipbuilder teaches his granddaughter to sail the summer her parents "
            "separate.",
            screenings=(
                (on(-1, "13:00"), rizal, PRESS),
                (on(1, "19:00"), plenary, GALA),
                (on(3, "20:00"), greenbelt, PUBLIC),
            ),
            talent=(("Agnieszka Wróbel", director),),
        ),
        DemoFilm(
            "Rain on Tin Roofs",
            "Bea Santos",
            "Philippines",
            year,
            97,
            "Main Competition",
            PremiereStatus.WORLD,
            None,
            "A sound recordist taping her province's last rainy season before a dam floods it "
            "falls for one of the engineers building it.",
            screenings=(
                (on(-1, "13:00"), bonifacio, PRESS),
                (on(0, "18:00"), plenary, GALA),
                (on(5, "19:00"), ayala, PUBLIC),
            ),
            talent=(("Bea Santos", director),),
        ),
        DemoFilm(
            "The Ferryman's Daughter",
            "Anton Reyes",
            "Philippines",
            year,
            96,
            "Main Competition",
            PremiereStatus.WORLD,
            None,
            "On the last ferry across Laguna de Bay, a boatman's daughter smuggles medicine while "
            "her father looks away.",
            screenings=(
                (on(1, "09:30"), rizal, PRESS),
                (on(2, "19:00"), plenary, GALA),
                (on(6, "13:00"), greenbelt, PUBLIC),
            ),
            talent=(("Anton Reyes", director), ("Mika Ramos", PersonRole.ACTOR)),
        ),
        DemoFilm(
            "The Last Jeepney",
            "Dennis Abad",
            "Philippines",
            year,
            78,
            "Documentary",
            PremiereStatus.WORLD,
            None,
            "The drivers of Manila's last hand-built jeepneys, in the year they are ordered off "
            "the road.",
            screenings=(
                (on(0, "10:00"), bonifacio, INDUSTRY),
                (on(1, "18:00"), rizal, PUBLIC),
                (on(7, "15:00"), upfi, PUBLIC),
            ),
            talent=(("Dennis Abad", director),),
        ),
        DemoFilm(
            "The Weight of Water",
            "Sofía Marín",
            "Spain, Philippines",
            year,
            110,
            "World Cinema",
            PremiereStatus.INTERNATIONAL,
            None,
            "A Spanish diver and a Palawan fisherman search the same wreck for different reasons.",
            screenings=(
                (on(1, "13:00"), bonifacio, PRESS),
                (on(3, "21:00"), ayala, PUBLIC),
            ),
            talent=(("Sofía Marín", director),),
        ),
        DemoFilm(
            "Small Hours",
            "Mai Nguyen",
            "Vietnam",
            year,
            88,
            "Asian Horizons",
            PremiereStatus.NONE,
            None,
            "A night-shift nurse in Ho Chi Minh City covers for a colleague and loses track of "
            "which lies are hers.",
            screenings=(
                (on(2, "10:00"), rizal, PRESS),
                (on(4, "21:00"), greenbelt, PUBLIC),
                (on(7, "12:00"), ayala, PUBLIC),
            ),
        ),
        DemoFilm(
            "Lighthouse Keepers",
            "Rafael Guerrero",
            "Philippines",
            year,
            115,
            "Closing Night",
            PremiereStatus.WORLD,
            None,
            "Two estranged sisters inherit a lighthouse in Batanes and the debts that keep it lit.",
            screenings=(
                (on(7, "10:00"), rizal, PRESS),
                (on(8, "19:00"), plenary, GALA),
            ),
            talent=(("Rafael Guerrero", director),),
        ),
    ]


def add_running_festival(users: dict, now: datetime) -> Festival:
    """The Harbour Lights Film Festival, running at `now` (aware), with coverage in every state.

    Everything is dated from `now`: screenings on festival days counted from today (in
    Asia/Manila), and the times that must stay close to the present (a deadline in five
    hours, one missed four hours ago, a piece taken for editing two hours ago) from `now`
    itself, so the same desk appears whatever day and hour it is loaded.
    """
    opening, today, closing = running_festival_days(now)
    festival = _add_festival(
        name="Harbour Lights Film Festival",
        edition=opening.year,
        slug=f"harbour-lights-film-festival-{opening.year}",
        city="Manila",
        timezone=RUNNING_ZONE,
        start=opening,
        end=closing,
        website="https://harbour-lights.example",
        organiser="Harbour Lights Film Society",
        buffer=30,
        venues=RUNNING_VENUES,
        travel=RUNNING_TRAVEL,
        films=_running_films(today),
    )
    _add_running_pieces(festival, users, now, today)
    return festival


def _add_running_pieces(festival: Festival, users: dict, now: datetime, today: date) -> None:
    """Coverage of the running festival, in every state the desk and the writers act on.

    Past events fall on festival days before today (so they are in the past at any hour);
    deadlines meant to feel near are counted from `now`.
    """
    from coverage.drafts import services as drafts
    from coverage.pieces import services as pieces
    from coverage.pieces.kinds import PieceKind
    from coverage.pieces.workflow import Action

    editor = users["editor@example.com"]
    nia = users["critic@example.com"]
    sam = users["critic2@example.com"]
    zone = ZoneInfo(festival.timezone)

    def at(offset: int, clock: str) -> datetime:
        """Festival-local `clock` on the day `offset` days from today."""
        return _local(f"{(today + timedelta(days=offset)).isoformat()} {clock}", zone)

    def film(title: str) -> Film:
        return db.session.scalar(
            select(Film).where(Film.festival_id == festival.id, Film.title == title)
        )

    def person(title: str, name: str) -> Person:
        return db.session.scalar(
            select(Person).where(Person.film_id == film(title).id, Person.name == name)
        )

    def planned(plan: pieces.PlanFields, when: datetime) -> Piece:
        """A desk-planned piece, created and assigned at `when`."""
        piece = pieces.create_piece(
            festival, editor, pieces.PlanFields(kind=plan.kind, film_id=plan.film_id), when
        )
        piece.created_at = when
        pieces.assign(piece, editor, plan, when)
        return piece

    def review(title: str, writer, when: datetime, due_at: datetime | None = None) -> Piece:
        chosen = film(title)
        screening = pieces.screening_choices(chosen)[0]  # the press screening
        plan = pieces.PlanFields(
            kind=PieceKind.REVIEW,
            film_id=chosen.id,
            writer_id=writer.id,
            editor_id=editor.id,
            screening_id=screening.id,
            due_at=due_at or pieces.default_due(screening, None),
            word_target=450,
        )
        return planned(plan, when)

    def interview(title: str, name: str, writer, slot: tuple[datetime, datetime], when) -> Piece:
        plan = pieces.PlanFields(
            kind=PieceKind.INTERVIEW,
            film_id=film(title).id,
            interviewee_ids=[person(title, name).id],
            writer_id=writer.id,
            editor_id=editor.id,
            slot_starts_at=slot[0],
            slot_ends_at=slot[1],
            slot_place=INTERVIEW_ROOM,
            due_at=pieces.default_due(None, slot[1]),
            word_target=800,
        )
        return planned(plan, when)

    def write(piece: Piece, author, when: datetime, standfirst: str, body: str, stars=None):
        headline = piece.headline or pieces.house_headline(piece)
        drafts.save_draft(
            piece,
            author,
            drafts.Text(headline, standfirst, body, stars),
            base_version=piece.version,
            now=when,
        )

    def steps(piece: Piece, *moves: tuple) -> None:
        for actor, action, when, *note in moves:
            pieces.transition(piece, actor, action, when, *note)

    file, take, approve = Action.FILE, Action.TAKE_FOR_EDIT, Action.APPROVE

    # Live since the opening gala: the hub and the Atom feed have this festival's first review.
    opener = review("Tide Tables", sam, at(-3, "10:00"))
    write(opener, sam, at(-2, "14:00"), *HARBOUR_TEXTS["Tide Tables"], 4)
    steps(
        opener,
        (sam, file, at(-2, "16:00")),
        (editor, take, at(-2, "17:00")),
        (editor, approve, at(-2, "18:30")),
        (editor, Action.PUBLISH, at(-2, "21:30")),
    )

    # The editor's desk: an interview taken for editing two hours ago...
    talk = interview(
        "Tide Tables",
        "Marisol Dela Cruz",
        nia,
        (at(-2, "15:30"), at(-2, "16:15")),
        at(-3, "11:00"),
    )
    write(talk, nia, at(-2, "22:00"), *HARBOUR_TEXTS["interview"])
    steps(talk, (nia, file, at(-1, "12:30")), (editor, take, now - timedelta(hours=2)))

    # ...copy filed and waiting (oldest first: Nia's, then Sam's after the gala)...
    rain = review("Rain on Tin Roofs", nia, at(-3, "11:30"))
    write(rain, nia, at(-1, "17:30"), *HARBOUR_TEXTS["Rain on Tin Roofs"], 3)
    steps(rain, (nia, file, at(-1, "18:00")))
    house = review("A House by the Pasig", sam, at(-3, "10:30"))
    write(house, sam, at(-1, "22:00"), *HARBOUR_TEXTS["A House by the Pasig"], 4)
    steps(house, (sam, file, at(-1, "22:30")))

    # ...a review approved and ready (its embargo lifted last night: publishing puts it live)...
    kites = review("Kites Over Tondo", nia, at(-3, "12:00"))
    write(kites, nia, at(-2, "18:00"), *HARBOUR_TEXTS["Kites Over Tondo"], 4)
    steps(
        kites,
        (nia, file, at(-2, "18:30")),
        (editor, take, at(-1, "09:00")),
        (editor, approve, at(-1, "11:00")),
    )

    # ...and one scheduled: published before the world premiere, it goes live at the gala.
    boats = review("Paper Boats", sam, at(-3, "12:30"))
    write(boats, sam, at(-1, "15:30"), *HARBOUR_TEXTS["Paper Boats"], 3)
    steps(
        boats,
        (sam, file, at(-1, "15:45")),
        (editor, take, at(-1, "16:30")),
        (editor, approve, at(-1, "17:00")),
        (editor, Action.PUBLISH, at(-1, "17:15")),
    )

    # The writers' deadlines: Nia's next one is in five hours...
    monsoon = review("Monsoon Letters", nia, at(-3, "13:00"), due_at=now + timedelta(hours=5))
    write(monsoon, nia, at(-1, "23:00"), *HARBOUR_TEXTS["Monsoon Letters"])
    # ...then a review the editor returned with notes, due in ten...
    market = review("Night Market", nia, at(-3, "13:30"), due_at=now + timedelta(hours=10))
    write(market, nia, at(-2, "19:00"), *HARBOUR_TEXTS["Night Market"], 3)
    steps(
        market,
        (nia, file, at(-2, "20:00")),
        (editor, take, at(-1, "09:30")),
        (editor, Action.RETURN, at(-1, "09:45"), RETURN_NOTE),
    )
    # ...and Sam missed his four hours ago.
    salt = review("Salt and Smoke", sam, at(-3, "14:00"), due_at=now - timedelta(hours=4))
    write(salt, sam, at(-2, "18:00"), *HARBOUR_TEXTS["Salt and Smoke"])

    # Coming up: a press screening tomorrow morning, an interview tomorrow afternoon, the
    # closing film's press screening next week.
    review("The Ferryman's Daughter", nia, at(-1, "20:00"))
    interview(
        "The Last Jeepney", "Dennis Abad", sam, (at(1, "15:00"), at(1, "15:45")), at(-1, "20:15")
    )
    review("Lighthouse Keepers", sam, at(-1, "20:30"))

    # Sam declined one: it waits for the desk to reassign it.
    declined = review("The Weight of Water", sam, at(-1, "10:00"))
    steps(declined, (sam, Action.DECLINE, at(-1, "21:00"), DECLINE_NOTE))

    # Nia's pitch, waiting for an editor to decide.
    pitch = pieces.create_piece(
        festival,
        nia,
        pieces.PlanFields(
            kind=PieceKind.INTERVIEW,
            film_id=film("The Ferryman's Daughter").id,
            interviewee_ids=[person("The Ferryman's Daughter", "Anton Reyes").id],
            headline="Anton Reyes on the last ferries of Laguna de Bay",
        ),
        at(-1, "22:00"),
    )
    pitch.created_at = at(-1, "22:00")
    db.session.flush()


RETURN_NOTE = (
    "The second half retells the plot: cut it to two sentences and tell us whether the ending "
    "works. 450 words, please."
)
DECLINE_NOTE = (
    "I'm already reviewing two films that day and interviewing Dennis Abad at 15:00. Could "
    "someone else take this one?"
)

# (standfirst, body) of each piece's text as its writer saved it.
HARBOUR_TEXTS = {
    "Tide Tables": (
        "Marisol Dela Cruz opens the festival with a quiet, stubborn film about a man who "
        "will not leave a sinking island.",
        "Every morning Mang Teodoro rows out to read the tide gauge his father built, and "
        "every year the water comes a little higher up the steps of the chapel.\n\n"
        "Dela Cruz films the island in long, patient takes, and Joel Manalo gives Teodoro the "
        "dignity of a man who knows exactly what he is losing. The relocation officers are "
        "not villains; they are tired, and the film lets them be.\n\n"
        "It is slow, and it means to be. By the final high tide you understand why he stays.",
    ),
    "interview": (
        "The director of the opening film on islands, tides and the people who refuse to move.",
        "Marisol Dela Cruz spent three rainy seasons on the island before she shot a frame.\n\n"
        '"You cannot film water rising from a hotel," she says. "You have to be there when it '
        'comes into the kitchen."\n\n'
        "Her lead, Joel Manalo, is a fisherman who had never acted before.",
    ),
    "Rain on Tin Roofs": (
        "Bea Santos's debut is a love story told mostly through sound.",
        "Lorna records rain: on nipa, on tin, on the river that will be a reservoir by next "
        "year. Santos builds the film around her microphones, and the sound design is the "
        "best thing in the festival so far.\n\n"
        "The romance with the dam's engineer is less sure of itself, but the last ten "
        "minutes, in a silent flooded church, are unforgettable.",
    ),
    "A House by the Pasig": (
        "Carlo Bautista's family saga floods every year and somehow stays afloat.",
        "Four generations, one house, fifty years of floods: Bautista keeps the camera inside "
        "the house, and the river comes to it.\n\n"
        "The film is too long by twenty minutes and the youngest generation is thinly "
        "written, but the grandmother's monologue about the 1970 flood is the scene people "
        "will talk about.",
    ),
    "Kites Over Tondo": (
        "A rooftop, three brothers and a typhoon season: Paolo Navarro's debut soars.",
        "The Salcedo brothers build kites to sell before the rains come, and Navarro shoots "
        "Tondo from their rooftop, where the city is all wires, washing and sky.\n\n"
        "The young cast is wonderful, and the film is generous to everyone in it, even the "
        "recruiter offering their mother a job in Dubai.",
    ),
    "Paper Boats": (
        "Agnieszka Wróbel's gentle coming-of-age story is a summer on the Baltic worth taking.",
        "A retired shipbuilder, a granddaughter who would rather be anywhere else, and a "
        "dinghy that needs a summer's work: Wróbel knows exactly how familiar this is and "
        "plays it with a light hand.\n\n"
        "It never surprises, but it never lies either.",
    ),
    "Monsoon Letters": (
        "Hana Yoshida's epistolary drama crosses forty years and two countries.",
        "A widow from Osaka finds a box of letters postmarked Baguio, one for every rainy "
        "season since 1984...",
    ),
    "Night Market": (
        "Lara Villanueva's one-night thriller never lets up.",
        "Nene has until the market closes to raise her son's bail. Villanueva follows her "
        "stall to stall in real time.\n\n"
        "She borrows from the rice seller, then from the man who runs the karaoke, then from "
        "her sister, who says no. The police come back at midnight. The fish do not sell. "
        "At three, a stranger offers her a way out, and she takes it.",
    ),
    "Salt and Smoke": (
        "Ama Owusu's documentary-style drama about the fish smokers of the Ghanaian coast.",
        "The smoke comes first: Owusu opens on the ovens of Elmina before dawn...",
    ),
}
