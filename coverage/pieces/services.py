"""Piece operations: create, plan and assign, move through the workflow, publish when due.

They take the acting user and `now`, change objects and flush; the caller commits once. Every
state change goes through `workflow.check_transition` and leaves a `Transition` row. Every
read-check-write starts with `lock_piece` (or `locking.begin_write`), so what it checks is what
is committed, on SQLite as on PostgreSQL; and every change of a piece's plan or text is a new
version (`new_version`), wherever it is made.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from dataclasses import fields as dataclass_fields
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload, selectinload

from coverage import field_limits as limits
from coverage import locking
from coverage.accounts.models import User
from coverage.accounts.permissions import DESK_ROLES, Actor, can_read_text
from coverage.accounts.roles import Role
from coverage.drafts.models import Comment, Revision
from coverage.errors import Conflict, InvalidInput, NotPermitted, TransitionRefused
from coverage.extensions import db
from coverage.festivals.models import Festival, Venue
from coverage.festivals.services import travel_minutes
from coverage.field_limits import check_length
from coverage.notifications import services as notifications
from coverage.pieces.clashes import (
    Clash,
    Commitment,
    clash_fingerprint,
    describe_clash,
    find_clashes,
)
from coverage.pieces.embargo import (
    ResolvedRule,
    ScreeningTime,
    effective_embargo,
    film_embargo,
    resolve_rule,
)
from coverage.pieces.kinds import PieceKind, PieceState
from coverage.pieces.models import ClashOverride, Piece, PieceSlug, Transition
from coverage.pieces.workflow import Action, Outcome, PieceFacts, check_transition
from coverage.programme.kinds import ScreeningKind
from coverage.programme.models import Film, Person, Screening
from coverage.programme.schedule import PIECE_DAYS_AFTER, PIECE_DAYS_BEFORE, check_near_festival
from coverage.public import house_style
from coverage.timeutil import format_in_zone, to_zone, utcnow

DEFAULT_DUE_AFTER = timedelta(hours=24)
# Pieces that still send a writer somewhere: spiked and published ones no longer do.
COMMITTED_STATES = frozenset(
    {
        PieceState.ASSIGNED,
        PieceState.DRAFTING,
        PieceState.FILED,
        PieceState.EDITING,
        PieceState.READY,
        PieceState.SCHEDULED,
    }
)


def piece_query():
    """Pieces with everything their pages and the guard read, loaded up front."""
    return select(Piece).options(
        selectinload(Piece.film).selectinload(Film.screenings),
        selectinload(Piece.writer),
        selectinload(Piece.editor),
        selectinload(Piece.screening).selectinload(Screening.venue),
        selectinload(Piece.interviewees),
        selectinload(Piece.other_films),
        selectinload(Piece.festival),
    )


def get_piece(piece_id: int) -> Piece | None:
    """One piece with what `piece_query` loads, its single rows (festival, film, people,
    screening and venue) joined into the one query: a page showing it costs fewer queries."""
    return db.session.scalar(
        select(Piece)
        .options(
            joinedload(Piece.festival),
            joinedload(Piece.film).selectinload(Film.screenings),
            joinedload(Piece.writer),
            joinedload(Piece.editor),
            joinedload(Piece.screening).joinedload(Screening.venue),
            selectinload(Piece.interviewees),
            selectinload(Piece.other_films),
        )
        .where(Piece.id == piece_id)
    )


def history_of(piece: Piece) -> list[Transition]:
    """The piece's steps, oldest first, each with its actor: one query however many."""
    return list(
        db.session.scalars(
            select(Transition)
            .where(Transition.piece_id == piece.id)
            .options(joinedload(Transition.actor))
            .order_by(Transition.created_at, Transition.id)
        )
    )


def lock_piece(piece: Piece) -> None:
    """Take the piece for writing and read it again as committed, with everything the guard
    and the plan read: every read-check-write of a piece starts here, before it checks
    anything, so that two writers never both act on what they read (see coverage.locking).
    Changes made before it in the same transaction must be flushed: it reloads the piece."""
    locking.lock_row(piece, piece_query().where(Piece.id == piece.id))


def new_version(piece: Piece, *, again: bool = False) -> None:
    """A change of the piece's text or plan is a new version. The version is the ETag a client
    sends back in If-Match (and the base of a text save), so a change made anywhere (the web
    pages, the API, the CLI) tells everyone holding the old one. One write is one version,
    however many parts of the piece it changes; `again` steps it even so (every text save is
    a version of its own, which its revision records)."""
    stepped = locking.transaction_notes().setdefault("new_versions", set())
    if piece.id in stepped and not again:
        return
    piece.version += 1
    stepped.add(piece.id)


def film_embargo_rule(film: Film) -> ResolvedRule:
    """The rule the film's embargo follows: its own, or its festival's default."""
    return resolve_rule(film.embargo_rule, film.festival.default_embargo, film.premiere_status)


def film_embargo_at(film: Film | None) -> datetime | None:
    """When the film's coverage may go out (`embargo.film_embargo`): its own rule, or its
    festival's default, over its screenings. Every reader of an embargo comes through here."""
    if film is None:
        return None
    return film_embargo(
        film.embargo_rule,
        film.embargo_at,
        film.embargo_offset_minutes,
        [ScreeningTime(s.starts_at, s.kind, s.cancelled) for s in film.screenings],
        festival_default=film.festival.default_embargo,
        premiere=film.premiere_status,
    )


def embargo_for(piece: Piece) -> datetime | None:
    """The piece's embargo: its film's (following the programme) tightened by its own."""
    return effective_embargo(film_embargo_at(piece.film), piece.embargo_at)


def film_embargo_text(film: Film) -> str:
    """The film's embargo and where it comes from, as the film and piece pages say it: "until
    the start of its first public screening (from the festival's default: until first public
    screening)"."""
    fixed = format_in_zone(film.embargo_at, film.festival.timezone) if film.embargo_at else ""
    return film_embargo_rule(film).describe(film.embargo_offset_minutes, fixed)


def embargo_source(piece: Piece) -> str | None:
    """Where the piece's embargo comes from: its film's rule (its own, or the festival's
    default) and the piece's own hold; None when neither has one."""
    parts = []
    if piece.film is not None:
        parts.append(f"{piece.film.title}: {film_embargo_text(piece.film)}")
    if piece.embargo_at is not None:
        held = format_in_zone(piece.embargo_at, piece.festival.timezone)
        parts.append(f"this piece: until {held}")
    return "; ".join(parts) or None


def facts(piece: Piece) -> PieceFacts:
    return PieceFacts(
        state=piece.state,
        kind=piece.kind,
        writer_id=piece.writer_id,
        due_at=piece.due_at,
        headline=piece.headline,
        body=piece.body,
        has_film=piece.film_id is not None,
        interviewee_count=len(piece.interviewees),
        embargo_at=embargo_for(piece),
        publish_at=piece.publish_at,
        state_before_spike=piece.state_before_spike,
        film_title=piece.film.title if piece.film else "",
        timezone=piece.festival.timezone,
    )


def actor_of(user: User | None) -> Actor | None:
    return user.actor if user is not None else None


def is_desk(user: User) -> bool:
    return user.active and user.role in DESK_ROLES


READ_REFUSED = "Only the piece's writer and the desk can read its text, revisions and comments."


def may_read_text(piece: Piece, user: User | None) -> bool:
    """`can_read_text` for this piece: its text, revisions, comments and history notes."""
    actor = getattr(user, "actor", None)  # an anonymous user has none
    return actor is not None and can_read_text(actor, piece.writer_id)


def title_for(piece: Piece, user: User | None) -> str:
    """The title this user may see: the headline only for those who may read the text."""
    return piece_title(piece) if may_read_text(piece, user) else working_title(piece)


# --- Creating and planning ------------------------------------------------------------------


@dataclass
class PlanFields:
    """What the desk decides about a piece; None leaves a value unset."""

    kind: PieceKind
    film_id: int | None = None
    other_film_ids: list[int] = field(default_factory=list)
    interviewee_ids: list[int] = field(default_factory=list)
    headline: str = ""
    writer_id: int | None = None
    editor_id: int | None = None
    due_at: datetime | None = None
    screening_id: int | None = None
    slot_starts_at: datetime | None = None
    slot_ends_at: datetime | None = None
    slot_place: str = ""
    word_target: int | None = None
    embargo_at: datetime | None = None
    publish_at: datetime | None = None


def _film_of(festival: Festival, film_id: int | None, field_name: str) -> Film | None:
    if film_id is None:
        return None
    film = db.session.get(Film, film_id)
    if film is None or film.festival_id != festival.id:
        raise InvalidInput(f"Choose a film of {festival.display_name}.", field=field_name)
    return film


def _user(user_id: int | None, field_name: str, *, desk: bool = False) -> User | None:
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        raise InvalidInput("Choose an active account.", field=field_name)
    if desk and user.role not in DESK_ROLES:
        raise InvalidInput("The responsible editor must be an editor.", field=field_name)
    return user


def apply_plan(piece: Piece, fields: PlanFields) -> None:
    """Validate and store the plan; kind-specific rules protect what the workflow relies on."""
    festival = piece.festival
    if piece.published_revision_number is not None:
        # Readers have it as this kind of piece about this film (stars, footer, schema.org
        # Review): a correction fixes the text, it does not turn the piece into another one.
        if fields.kind is not piece.kind:
            raise InvalidInput(
                f"This {piece.kind.value} has been published: it stays a {piece.kind.value}.",
                field="kind",
            )
        if fields.film_id != piece.film_id:
            raise InvalidInput(
                "This piece has been published about its film: the film cannot change.",
                field="film_id",
            )
    film = _film_of(festival, fields.film_id, "film_id")
    if fields.kind is PieceKind.REVIEW and film is None:
        raise InvalidInput("A review is of one film: choose it.", field="film_id")
    others = [_film_of(festival, film_id, "other_film_ids") for film_id in fields.other_film_ids]
    screening = None
    if fields.screening_id is not None:
        screening = db.session.get(Screening, fields.screening_id)
        if screening is None or screening.festival_id != festival.id:
            raise InvalidInput("Choose a screening of this festival.", field="screening_id")
        if fields.kind is PieceKind.REVIEW and film is not None and screening.film_id != film.id:
            raise InvalidInput(
                f"Choose a screening of {film.title} for its review.", field="screening_id"
            )
    if (fields.slot_starts_at is None) != (fields.slot_ends_at is None):
        raise InvalidInput("Give the interview slot both a start and an end.", field="slot_ends_at")
    if (
        fields.slot_starts_at
        and fields.slot_ends_at
        and fields.slot_ends_at <= fields.slot_starts_at
    ):
        raise InvalidInput("The slot must end after it starts.", field="slot_ends_at")
    # The same maxima as the forms' and the API's (coverage.field_limits): whichever way the
    # plan arrives, an over-long value is a field error, never a database error.
    check_length(fields.headline, limits.HEADLINE, "headline")
    check_length(fields.slot_place, limits.SLOT_PLACE, "slot_place", "Interview place")
    if fields.word_target is not None and not 1 <= fields.word_target <= 20000:
        raise InvalidInput("Enter a word target between 1 and 20,000.", field="word_target")
    # Deadlines and interviews happen around the festival; an embargo or a publication time
    # may be years later (a film's release), so those only pass the calendar-wide year check.
    for name in ("due_at", "slot_starts_at", "slot_ends_at"):
        moment = getattr(fields, name)
        if moment is not None:
            check_near_festival(
                moment,
                festival.start_date,
                festival.end_date,
                days_before=PIECE_DAYS_BEFORE,
                days_after=PIECE_DAYS_AFTER,
                field=name,
            )
    before = _calendar_facts(piece)
    people = []
    if fields.interviewee_ids:
        people = list(
            db.session.scalars(select(Person).where(Person.id.in_(fields.interviewee_ids)))
        )
    piece.kind = fields.kind
    piece.film = film
    piece.other_films = [f for f in others if f is not None and f is not film]
    piece.interviewees = people
    piece.headline = fields.headline.strip() or piece.headline
    piece.writer = _user(fields.writer_id, "writer_id")
    piece.editor = _user(fields.editor_id, "editor_id", desk=True)
    piece.due_at = fields.due_at
    piece.screening = screening
    piece.slot_starts_at = fields.slot_starts_at
    piece.slot_ends_at = fields.slot_ends_at
    piece.slot_place = fields.slot_place.strip()
    piece.word_target = fields.word_target
    piece.embargo_at = fields.embargo_at
    piece.publish_at = fields.publish_at
    if piece.id is not None and _calendar_facts(piece) != before:
        mark_calendar_change(piece, utcnow())


def _calendar_facts(piece: Piece) -> tuple:
    """What this piece's calendar events show: a change makes clients update them."""
    return (
        piece.writer_id,
        piece.due_at,
        piece.screening.id if piece.screening is not None else piece.screening_id,
        piece.slot_starts_at,
        piece.slot_ends_at,
        piece.slot_place,
        piece.embargo_at,
        piece.publish_at,
        piece.headline,
        tuple(sorted(person.id for person in piece.interviewees)),
    )


def mark_calendar_change(piece: Piece, now: datetime) -> None:
    piece.calendar_sequence = (piece.calendar_sequence or 0) + 1
    piece.calendar_changed_at = now


def create_piece(festival: Festival, actor: User, fields: PlanFields, now: datetime) -> Piece:
    """A new piece starts as pitched. A writer's pitch is theirs to write; the desk may plan
    any piece. The creation is the first line of its history."""
    if not actor.active:
        raise NotPermitted("Log in with an active account first.")
    if not is_desk(actor):
        # A writer pitches for themselves and plans nothing else.
        fields = PlanFields(
            kind=fields.kind,
            film_id=fields.film_id,
            other_film_ids=fields.other_film_ids,
            interviewee_ids=fields.interviewee_ids,
            headline=fields.headline,
            writer_id=actor.id,
        )
    piece = Piece(festival=festival, state=PieceState.PITCHED, created_by=actor, kind=fields.kind)
    db.session.add(piece)
    apply_plan(piece, fields)
    piece.transitions.append(
        Transition(
            from_state=None,
            to_state=PieceState.PITCHED,
            action="pitch",
            actor_id=actor.id,
            note="",
            created_at=now,
        )
    )
    db.session.flush()
    return piece


class PlanChanged(Conflict):
    """The plan changed since the page an editor saved theirs from was made."""


# What the editor sees of each plan field, for "this form would change its writer".
PLAN_LABELS = {
    "kind": "kind",
    "film_id": "film",
    "other_film_ids": "other films",
    "interviewee_ids": "interviewees",
    "writer_id": "writer",
    "editor_id": "responsible editor",
    "due_at": "copy due",
    "screening_id": "screening",
    "slot_starts_at": "interview start",
    "slot_ends_at": "interview end",
    "slot_place": "interview place",
    "word_target": "word target",
    "embargo_at": "hold until",
    "publish_at": "publish no earlier than",
}


def plan_of(piece: Piece) -> PlanFields:
    """The piece's plan as it stands (ids of what it refers to, as flushed)."""
    lists = {
        "other_film_ids": [film.id for film in piece.other_films],
        "interviewee_ids": [person.id for person in piece.interviewees],
    }
    values = {
        f.name: lists[f.name] if f.name in lists else getattr(piece, f.name)
        for f in dataclass_fields(PlanFields)
    }
    return PlanFields(**values)


def plan_key(plan: PlanFields) -> PlanFields:
    """The plan compared as the desk means it: order of lists and spacing do not matter, and
    the headline is the text's (it changes with every save of the text)."""
    return replace(
        plan,
        headline="",
        other_film_ids=sorted(plan.other_film_ids),
        interviewee_ids=sorted(plan.interviewee_ids),
        slot_place=plan.slot_place.strip(),
    )


def plan_digest(piece: Piece) -> str:
    """A short fingerprint of the piece's plan: a form carries the one it was made from, so a
    save from it can tell whether someone else changed the plan in between."""
    values = json.dumps(asdict(plan_key(plan_of(piece))), default=str, sort_keys=True)
    return hashlib.sha256(values.encode()).hexdigest()[:24]


def update_plan(
    piece: Piece, actor: User, fields: PlanFields, *, based_on: str | None = None
) -> None:
    """Store the desk's plan; a changed plan is a new version of the piece.

    `based_on` is the `plan_digest` of the plan the editor started from: when someone else
    changed the plan since, nothing is stored (PlanChanged, a 409), just as a text save based
    on an old version is not applied; a plan equal to theirs is no change at all.
    """
    if not is_desk(actor):
        raise NotPermitted("Only an editor can change a piece's plan.")
    lock_piece(piece)
    if piece.state in (PieceState.PUBLISHED, PieceState.SPIKED):
        raise InvalidInput(f"A {piece.state.value} piece's plan is closed.")
    before = plan_key(plan_of(piece))
    if based_on is not None and based_on != plan_digest(piece):
        wanted = plan_key(fields)
        replaced = [
            label
            for name, label in PLAN_LABELS.items()
            if getattr(wanted, name) != getattr(before, name)
        ]
        if not replaced:
            return  # they made the very change this editor wanted
        raise PlanChanged(
            "Someone else changed this piece's plan while you had this page open, so nothing "
            f"was saved. Saved now, this form would change its {', '.join(replaced)}: check "
            "the piece, then save again."
        )
    slot_before = notifications.slot_of(piece)
    apply_plan(piece, fields)
    db.session.flush()
    if plan_key(plan_of(piece)) != before:
        new_version(piece)
        notifications.on_plan_change(piece, actor, slot_before, utcnow())
        db.session.flush()


def default_due(screening: Screening | None, slot_ends_at: datetime | None) -> datetime | None:
    """Copy is due a day after the writer has seen the film (or done the interview)."""
    seen = screening.ends_at if screening is not None else slot_ends_at
    return seen + DEFAULT_DUE_AFTER if seen is not None else None


def screening_choices(film: Film | None) -> list[Screening]:
    """A review's screenings to attend: press screenings first, then in time order."""
    if film is None:
        return []
    press = (ScreeningKind.PRESS, ScreeningKind.PRESS_INDUSTRY)
    live = [s for s in film.screenings if not s.cancelled]
    return sorted(live, key=lambda s: (s.kind not in press, s.starts_at))


# --- The workflow ---------------------------------------------------------------------------


def transition(
    piece: Piece,
    actor: User | None,
    action: Action,
    now: datetime,
    note: str = "",
    *,
    seen_state: PieceState | None = None,
) -> Outcome:
    """Take a workflow step: the guard decides, this records it and applies its side effects.

    The guard reads the piece as committed, under its lock, so a step that someone else (or the
    publish-due job) made in the meantime is seen: a step no longer allowed from the new state
    is refused, never applied on top of it. `seen_state` is the state the actor decided on (the
    page they clicked on); if the piece has moved on from it, the step is refused even where
    the new state would allow it.
    """
    lock_piece(piece)
    if seen_state is not None and piece.state is not seen_state:
        raise TransitionRefused(
            f"The piece changed while you were looking at it: it is {piece.state.value} now, "
            f"not {seen_state.value}. Nothing was done; check it and try again."
        )
    outcome = check_transition(facts(piece), action, actor_of(actor), now, note)
    note = note.strip()
    if action is Action.DECLINE:
        check_length(note, limits.DECLINE_REASON, "note", "The reason")
    check_length(note, limits.TRANSITION_NOTE, "note")
    if action is Action.DECLINE:
        piece.decline_reason = note
        piece.writer = None
        piece.due_at = None
    elif action is Action.ASSIGN:
        piece.decline_reason = ""
    elif action is Action.TAKE_FOR_EDIT and actor is not None and is_desk(actor):
        # Whoever takes it for edit is its editor while it is in editing ("You are editing").
        piece.editor = actor
    elif action in (Action.SPIKE, Action.WITHDRAW):
        piece.state_before_spike = outcome.source
    elif action is Action.RESTORE:
        piece.state_before_spike = None
    elif action is Action.RETURN:
        # The note is the editor's instruction: it belongs in the conversation too.
        piece_comment(piece, actor, note, now)
    if (action is Action.APPROVE and piece.slug is None) or outcome.target is PieceState.PUBLISHED:
        # Approval gives a new piece the address it will have (the CMS export shows it); a
        # corrected headline moves the address only when the correction goes live.
        assign_slug(piece, now)
    if outcome.target is PieceState.PUBLISHED:
        piece.published_at = now
        piece.first_published_at = piece.first_published_at or now
        piece.published_revision_number = snapshot_revision(piece, actor, now).number
    piece.state = outcome.target
    # A state change can add, cancel or move this piece's calendar events.
    mark_calendar_change(piece, now)
    piece.transitions.append(
        Transition(
            from_state=outcome.source,
            to_state=outcome.target,
            action=action.value,
            actor_id=actor.id if actor is not None else None,
            note=note,
            created_at=now,
        )
    )
    notifications.on_transition(piece, actor, action.value, note, now)
    db.session.flush()
    return outcome


def slug_on_publication(piece: Piece) -> str:
    """The public URL segment the piece's current headline gives it when it is published (its
    present one while the headline keeps it). Reads only: `assign_slug` records it."""
    return _slug_for_headline(piece)[0]


def assign_slug(piece: Piece, now: datetime) -> str:
    """Give the piece the public URL segment its headline makes, unique in its festival.

    A piece keeps every slug it ever had (piece_slugs), so an old URL redirects to the new one;
    a slug another piece of the festival has or had gets a number (``red-rocket-review-2``).
    Returns the slug.
    """
    slug, recorded = _slug_for_headline(piece)
    if not recorded:
        db.session.add(
            PieceSlug(festival_id=piece.festival_id, piece_id=piece.id, slug=slug, created_at=now)
        )
    piece.slug = slug
    return slug


def _slug_for_headline(piece: Piece) -> tuple[str, bool]:
    """(slug, whether piece_slugs already records it for this piece)."""
    if piece.slug is not None and piece.published_revision_number is not None:
        live_headline = db.session.scalar(
            select(Revision.headline).where(
                Revision.piece_id == piece.id, Revision.number == piece.published_revision_number
            )
        )
        if live_headline == piece.headline:
            # Same headline as readers have: the address stays, whatever else changed (the
            # festival's name, which the slug leaves out, for one).
            return piece.slug, True
    festival = piece.festival
    wanted = house_style.piece_slug(
        piece.headline or piece_title(piece), festival.name, festival.edition
    )
    if piece.slug is not None and re.fullmatch(re.escape(wanted) + r"(-\d+)?", piece.slug):
        return piece.slug, True  # the headline did not change: neither does the address
    owners = dict(
        db.session.execute(
            select(PieceSlug.slug, PieceSlug.piece_id).where(
                PieceSlug.festival_id == festival.id, PieceSlug.slug.startswith(wanted)
            )
        ).all()
    )
    slug, number = wanted, 2
    while slug in owners and owners[slug] != piece.id:
        slug, number = f"{wanted}-{number}", number + 1
    return slug, slug in owners


def snapshot_revision(piece: Piece, author: User | None, now: datetime) -> Revision:
    """Store the piece's text as a new revision (what goes live when it is published)."""
    latest = db.session.scalar(
        select(func.max(Revision.number)).where(Revision.piece_id == piece.id)
    )
    revision = Revision(
        piece_id=piece.id,
        number=(latest or 0) + 1,
        author_id=author.id if author is not None else None,
        based_on_version=piece.version,
        version=piece.version,
        note="Published",
        headline=piece.headline,
        standfirst=piece.standfirst,
        body=piece.body,
        star_rating=piece.star_rating,
        created_at=now,
    )
    db.session.add(revision)
    db.session.flush()
    return revision


def piece_comment(piece: Piece, author: User | None, body: str, now: datetime) -> Comment:
    comment = Comment(
        piece=piece,
        author_id=author.id if author is not None else None,
        body=body,
        created_at=now,
    )
    db.session.add(comment)
    return comment


def last_decline(piece: Piece) -> Transition | None:
    """The decline that sent a pitched piece back to the desk (who: its actor; when; the note),
    or None when the piece is not waiting after a decline."""
    if piece.state is not PieceState.PITCHED:
        return None
    declines = [t for t in piece.transitions if t.action == Action.DECLINE.value]
    return max(declines, key=lambda t: (t.created_at, t.id or 0)) if declines else None


def assign(
    piece: Piece,
    actor: User,
    fields: PlanFields,
    now: datetime,
    note: str = "",
    *,
    based_on: str | None = None,
) -> Outcome:
    """Plan and assign in one step (the view has already shown any clashes)."""
    update_plan(piece, actor, fields, based_on=based_on)
    return transition(piece, actor, Action.ASSIGN, now, note)


# --- Clashes --------------------------------------------------------------------------------


def commitment_for(piece: Piece) -> Commitment | None:
    """What the piece commits its writer to, if anything: its screening, else its interview
    slot. The description names the piece by its working title, never its headline: clash
    descriptions are plan facts, shown (and stored in an "assign anyway" record) on pages that
    people who may not read the piece's text see too (`can_read_text`)."""
    if piece.screening is not None:
        s = piece.screening
        return Commitment(
            s.starts_at,
            s.ends_at,
            s.venue_id,
            s.venue.name,
            f"{s.film.title} ({s.kind.label.lower()} screening) for {working_title(piece)}",
            piece_id=piece.id,
            screening_id=s.id,
        )
    if piece.slot_starts_at is not None and piece.slot_ends_at is not None:
        return Commitment(
            piece.slot_starts_at,
            piece.slot_ends_at,
            None,
            piece.slot_place,
            f"Interview slot for {working_title(piece)}",
            piece_id=piece.id,
        )
    return None


def writer_commitment_pieces(writer_id: int, festival_id: int) -> Sequence[Piece]:
    """The writer's committed pieces in the festival, screenings, venues and films loaded."""
    return db.session.scalars(
        select(Piece)
        .options(
            selectinload(Piece.screening).selectinload(Screening.venue),
            selectinload(Piece.screening).selectinload(Screening.film),
            selectinload(Piece.film),
            selectinload(Piece.interviewees),
        )
        .where(
            Piece.writer_id == writer_id,
            Piece.festival_id == festival_id,
            Piece.state.in_(COMMITTED_STATES),
        )
    ).all()


def writer_commitments(writer_id: int, festival_id: int, exclude_piece_id: int | None = None):
    commitments = []
    for piece in writer_commitment_pieces(writer_id, festival_id):
        if piece.id == exclude_piece_id:
            continue
        commitment = commitment_for(piece)
        if commitment is not None:
            commitments.append(commitment)
    return commitments


def clashes_for(
    festival: Festival, writer_id: int, candidate: Commitment, exclude_piece_id: int | None = None
) -> list[Clash]:
    travel = travel_minutes(festival)

    def minutes(first: Commitment, second: Commitment) -> int | None:
        if first.venue_id is None or second.venue_id is None:
            return None
        return travel.get((first.venue_id, second.venue_id))

    return find_clashes(
        candidate,
        writer_commitments(writer_id, festival.id, exclude_piece_id),
        travel=minutes,
        default_buffer_minutes=festival.travel_buffer_minutes,
    )


def unaccepted_clashes(piece: Piece, writer_id: int, clashes: Sequence[Clash]) -> list[Clash]:
    """The clashes the desk has not yet assigned this piece to this writer over: a clash with
    the same fingerprint is accepted while it is no worse than it was (see ClashOverride)."""
    accepted: dict[str, int] = {}
    for override in piece.clash_overrides:
        if override.writer_id == writer_id:
            accepted[override.fingerprint] = max(
                override.shortfall_minutes, accepted.get(override.fingerprint, -(10**9))
            )
    return [
        clash
        for clash in clashes
        if clash_fingerprint(writer_id, clash) not in accepted
        or clash.shortfall_minutes > accepted[clash_fingerprint(writer_id, clash)]
    ]


def _clash_when(zone: str):
    """Formats a commitment's interval for a clash description, in the festival's time."""

    def when(starts: datetime, ends: datetime) -> str:
        return f"{to_zone(starts, zone):%a %-d %b %H:%M}–{format_in_zone(ends, zone, '%H:%M')}"

    return when


@dataclass(frozen=True)
class OverrideNow:
    """An "assign anyway" read against the writer's diary as it is now.

    `status`: "standing" (the clash is still there, no worse), "worse" (bigger shortfall now),
    "gone" (the times changed and it no longer clashes) or "earlier writer" (the piece has been
    reassigned since). `now_text` describes a standing or worse clash as it is now."""

    override: ClashOverride
    status: str
    now_text: str = ""

    @property
    def marked(self) -> bool:
        """Whether the board and load still warn about it."""
        return self.status in ("standing", "worse")


def overrides_now(
    festival: Festival, pieces: Sequence[Piece], diary: Sequence[Piece]
) -> dict[int, list[OverrideNow]]:
    """{piece id: its overrides read now} for `pieces` (clash_overrides loaded, oldest first).
    `diary` must hold every committed piece of those pieces' writers in the festival, with
    screenings, venues and films loaded: the clashes are recomputed from it, in memory, so the
    cost in queries does not grow with the pieces (one for the travel table)."""
    with_overrides = [piece for piece in pieces if piece.clash_overrides]
    if not with_overrides:
        return {}
    travel = travel_minutes(festival)

    def minutes(first: Commitment, second: Commitment) -> int | None:
        if first.venue_id is None or second.venue_id is None:
            return None
        return travel.get((first.venue_id, second.venue_id))

    by_writer: dict[int, list[Commitment]] = {}
    for other in diary:
        if other.writer_id is not None and other.state in COMMITTED_STATES:
            commitment = commitment_for(other)
            if commitment is not None:
                by_writer.setdefault(other.writer_id, []).append(commitment)
    when = _clash_when(festival.timezone)
    result: dict[int, list[OverrideNow]] = {}
    for piece in with_overrides:
        candidate = commitment_for(piece)
        current: dict[str, Clash] = {}
        if candidate is not None and piece.writer_id is not None:
            others = [c for c in by_writer.get(piece.writer_id, []) if c.piece_id != piece.id]
            for clash in find_clashes(
                candidate,
                others,
                travel=minutes,
                default_buffer_minutes=festival.travel_buffer_minutes,
            ):
                current[clash_fingerprint(piece.writer_id, clash)] = clash
        accepted: dict[str, int] = {}
        for override in piece.clash_overrides:
            if override.writer_id == piece.writer_id:
                accepted[override.fingerprint] = max(
                    override.shortfall_minutes, accepted.get(override.fingerprint, -(10**9))
                )
        read = []
        for override in sorted(piece.clash_overrides, key=lambda o: (o.created_at, o.id or 0)):
            clash = current.get(override.fingerprint)
            if override.writer_id != piece.writer_id:
                read.append(OverrideNow(override, "earlier writer"))
            elif clash is None:
                read.append(OverrideNow(override, "gone"))
            elif clash.shortfall_minutes > accepted[override.fingerprint]:
                read.append(OverrideNow(override, "worse", describe_clash(clash, when)))
            else:
                read.append(OverrideNow(override, "standing", describe_clash(clash, when)))
        result[piece.id] = read
    return result


NO_LONGER_DESCRIBED = "a clash with another of the writer's commitments, {minutes} min short"


def accepted_clash_text(read: OverrideNow, user: User | None) -> str:
    """The accepted clash of an "assign anyway" record, as `user` may see it.

    Records made before clash descriptions named pieces by their working titles (see
    `commitment_for`) may name the writer's other piece by its headline, which is text: the
    stored description is for those who may read that writer's pieces (`can_read_text` with the
    record's writer: the desk and that writer). Anyone else sees the clash as it stands now,
    or, once it is gone or worse, only its size in minutes."""
    override = read.override
    actor = getattr(user, "actor", None)  # an anonymous user has none
    if actor is not None and can_read_text(actor, override.writer_id):
        return override.description
    if read.status == "standing" and read.now_text:
        return read.now_text
    return NO_LONGER_DESCRIBED.format(minutes=override.shortfall_minutes)


def piece_overrides_now(piece: Piece) -> list[OverrideNow]:
    """One piece's overrides read now (the piece page): a few queries for its writer's diary."""
    if not piece.clash_overrides:
        return []
    diary = (
        writer_commitment_pieces(piece.writer_id, piece.festival_id)
        if piece.writer_id is not None
        else []
    )
    return overrides_now(piece.festival, [piece], diary).get(piece.id, [])


def accept_clashes(
    piece: Piece, actor: User, writer_id: int, clashes: Sequence[Clash], now: datetime
) -> list[ClashOverride]:
    """Record an "assign anyway": the editor confirmed the plan despite `clashes` (those of
    them not accepted already). Returns the new records. Raises NotPermitted for a non-editor.
    Call it after the plan is saved (and the piece locked); the caller commits."""
    if not is_desk(actor):
        raise NotPermitted("Only an editor can assign over a clash.")
    when = _clash_when(piece.festival.timezone)
    records = [
        ClashOverride(
            piece=piece,
            writer_id=writer_id,
            by_id=actor.id,
            created_at=now,
            fingerprint=clash_fingerprint(writer_id, clash),
            shortfall_minutes=clash.shortfall_minutes,
            description=describe_clash(clash, when),
        )
        for clash in unaccepted_clashes(piece, writer_id, clashes)
    ]
    db.session.add_all(records)
    db.session.flush()
    return records


def candidate_commitment(
    festival: Festival,
    *,
    screening_id: int | None,
    slot_starts_at: datetime | None,
    slot_ends_at: datetime | None,
    slot_place: str = "",
    venue_id: int | None = None,
    what: str = "This assignment",
) -> Commitment | None:
    if screening_id is not None:
        screening = db.session.get(Screening, screening_id)
        if screening is None or screening.festival_id != festival.id:
            return None
        return Commitment(
            screening.starts_at,
            screening.ends_at,
            screening.venue_id,
            screening.venue.name,
            f"{screening.film.title} ({screening.kind.label.lower()} screening)",
            screening_id=screening.id,
        )
    if slot_starts_at is not None and slot_ends_at is not None:
        place = slot_place
        if venue_id is not None:
            venue = db.session.get(Venue, venue_id)
            place = venue.name if venue is not None else place
        return Commitment(slot_starts_at, slot_ends_at, venue_id, place, what)
    return None


def house_headline(piece: Piece, pull_quote: str | None = None) -> str:
    """The house-style headline suggestion for the piece ("" for features and news), from its
    festival, film, interviewees and pull quote (`pull_quote` overrides the stored one)."""
    festival = piece.festival
    return house_style.suggested_headline(
        piece.kind,
        festival_name=festival.name,
        edition=festival.edition,
        film_title=piece.film.title if piece.film is not None else "",
        names=[person.name for person in piece.interviewees],
        pull_quote=piece.pull_quote if pull_quote is None else pull_quote,
    )


def piece_title(piece: Piece) -> str:
    """The headline, else the working title. Shown to whoever may read the text (see
    `title_for`); the headline is part of the text."""
    return piece.headline or working_title(piece)


def working_title(piece: Piece) -> str:
    """The plan's name for a piece, from its kind and film (or interviewees): what everyone who
    sees the board may see, whatever the headline says."""
    if piece.kind is PieceKind.INTERVIEW and piece.interviewees:
        return "Interview: " + ", ".join(person.name for person in piece.interviewees)
    if piece.film is not None:
        return f"{piece.kind.label}: {piece.film.title}"
    return f"{piece.kind.label} #{piece.id}"


# --- Publishing scheduled pieces ------------------------------------------------------------


def publish_due(now: datetime) -> list[Piece]:
    """Publish every scheduled piece whose time has come; safe on many machines at once.

    Rows are locked with SKIP LOCKED (PostgreSQL; SQLite runs hold the database's write lock
    from their first read), and each piece is claimed with a conditional UPDATE on its state,
    so a piece another run published, or an editor unscheduled, in between is skipped, never
    published twice. The caller commits.
    """
    locking.begin_write()
    candidates = db.session.scalars(
        piece_query()
        .where(Piece.state == PieceState.SCHEDULED)
        .order_by(Piece.id)
        .with_for_update(of=Piece, skip_locked=True)
        .execution_options(populate_existing=True)
    ).all()
    published = []
    for piece in candidates:
        try:
            outcome = check_transition(facts(piece), Action.PUBLISH_SCHEDULED, None, now)
        except TransitionRefused:  # not due yet: its embargo or chosen time is still ahead
            continue
        claimed = db.session.execute(
            update(Piece)
            .where(Piece.id == piece.id, Piece.state == PieceState.SCHEDULED)
            .values(
                state=PieceState.PUBLISHED,
                published_at=now,
                first_published_at=func.coalesce(Piece.first_published_at, now),
                updated_at=now,
                calendar_sequence=Piece.calendar_sequence + 1,
                calendar_changed_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            continue
        assign_slug(piece, now)
        live = snapshot_revision(piece, None, now)
        db.session.execute(
            update(Piece)
            .where(Piece.id == piece.id)
            .values(published_revision_number=live.number)
            .execution_options(synchronize_session=False)
        )
        db.session.add(
            Transition(
                piece_id=piece.id,
                from_state=outcome.source,
                to_state=outcome.target,
                action=Action.PUBLISH_SCHEDULED.value,
                actor_id=None,
                note="Published automatically when its time came.",
                created_at=now,
            )
        )
        published.append(piece)
    db.session.flush()
    for piece in published:
        db.session.refresh(piece)
        notifications.on_published_by_worker(piece, now)
    return published


def desk_users() -> Sequence[User]:
    return db.session.scalars(
        select(User)
        .where(User.active.is_(True), User.role.in_([Role.ADMIN, Role.EDITOR]))
        .order_by(User.name)
    ).all()


def writers() -> Sequence[User]:
    """Everyone who can be assigned: writers first, and editors who also write."""
    return db.session.scalars(
        select(User).where(User.active.is_(True)).order_by(User.role.desc(), User.name)
    ).all()


def people_from_lines(festival: Festival, film: Film | None, text: str) -> list[Person]:
    """Interviewees typed one per line as "Name, role": found by name, or created."""
    from coverage.programme.kinds import PersonRole

    people = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, _, role_text = line.partition(",")
        name = name.strip()
        check_length(name, limits.PERSON_NAME, "interviewees", f"Line {number}: the name")
        role_value = role_text.strip().casefold() or PersonRole.DIRECTOR.value
        try:
            role = PersonRole(role_value)
        except ValueError:
            raise InvalidInput(
                f"Line {number}: '{role_text.strip()}' is not a role; use director, actor, "
                "producer, writer or other.",
                field="interviewees",
            ) from None
        query = select(Person).where(Person.name == name)
        query = query.where(Person.film_id == film.id) if film else query
        person = db.session.scalar(query)
        if person is None:
            person = Person(name=name, role=role, film=film)
            db.session.add(person)
            db.session.flush()
        people.append(person)
    return people
