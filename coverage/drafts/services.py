"""Saving copy without ever losing it: revisions, conflicts, restores, presence, comments.

Every save that changes text stores a revision with the full text. A save based on an older
version than the piece's, when someone else changed the text in between, is stored as a
revision but not applied: the writer sees both texts and decides. Callers commit once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from coverage import field_limits as limits
from coverage.accounts.models import User
from coverage.drafts import rules
from coverage.drafts.models import Comment, EditPresence, Revision
from coverage.errors import InvalidInput, NotFound, NotPermitted
from coverage.extensions import db
from coverage.field_limits import check_length
from coverage.pieces.kinds import PieceKind, PieceState
from coverage.pieces.models import Piece, Transition
from coverage.pieces.services import lock_piece, new_version, transition
from coverage.pieces.workflow import Action

PRESENCE_WINDOW = timedelta(minutes=5)
# Approval fixes the headline (and with it the public URL); editing may still fix a typo.
HEADLINE_FIXED_STATES = frozenset({PieceState.READY, PieceState.SCHEDULED})


@dataclass(frozen=True)
class Text:
    headline: str
    standfirst: str
    body: str
    star_rating: int | None

    @classmethod
    def of(cls, source: Piece | Revision) -> Text:
        return cls(source.headline, source.standfirst, source.body, source.star_rating)

    def as_dict(self) -> dict[str, str | int | None]:
        return {
            "headline": self.headline,
            "standfirst": self.standfirst,
            "body": self.body,
            "star_rating": self.star_rating,
        }


class SaveStatus(StrEnum):
    SAVED = "saved"
    UNCHANGED = "unchanged"
    # Kept as an unapplied revision: someone else changed the text since the base version.
    CONFLICT = "conflict"
    # Kept as an unapplied revision: an editor took the piece before the writer's save.
    TAKEN = "taken"


@dataclass(frozen=True)
class SaveResult:
    status: SaveStatus
    revision: Revision | None


def may_write(piece: Piece, user: User) -> bool:
    return rules.may_write(user.actor, piece.state, piece.writer_id)


def who_writes(piece: Piece) -> str:
    return rules.who_writes(piece.state)


def write_refusal(piece: Piece, user: User) -> str | None:
    """None when `user` may save the piece's text now, else the sentence why not."""
    return rules.write_refusal(user.actor, piece.state, piece.writer_id)


def keeps_refused_save(piece: Piece, user: User) -> bool:
    """The writer's save after an editor took the piece: kept, not applied (see save_draft)."""
    return rules.keeps_refused_save(user.actor, piece.state, piece.writer_id)


def writer_access(piece: Piece, user: User) -> rules.WriterAccess:
    return rules.writer_access(user.actor, piece.state, piece.writer_id)


def clean_text(piece: Piece, text: Text) -> Text:
    if text.star_rating is not None:
        if piece.kind is not PieceKind.REVIEW:
            raise InvalidInput("Only reviews carry a star rating.", field="star_rating")
        if not 1 <= text.star_rating <= 5:
            raise InvalidInput("Give between 1 and 5 stars, or none.", field="star_rating")
    # The forms' and the API's maxima (coverage.field_limits), whichever way the text came.
    check_length(text.headline.strip(), limits.HEADLINE, "headline")
    check_length(text.standfirst.strip(), limits.STANDFIRST, "standfirst")
    check_length(text.body.rstrip(), limits.BODY, "body")
    # Line ends from browsers (CRLF) are not a change of text.
    return Text(
        text.headline.strip(),
        text.standfirst.strip().replace("\r\n", "\n"),
        text.body.replace("\r\n", "\n").rstrip(),
        text.star_rating,
    )


def _next_number(piece_id: int) -> int:
    latest = db.session.scalar(
        select(func.max(Revision.number)).where(Revision.piece_id == piece_id)
    )
    return (latest or 0) + 1


def _store(
    piece: Piece,
    author: User | None,
    text: Text,
    *,
    based_on: int | None,
    version: int | None,
    note: str,
    now: datetime,
) -> Revision:
    revision = Revision(
        piece_id=piece.id,
        number=_next_number(piece.id),
        author_id=author.id if author is not None else None,
        based_on_version=based_on,
        version=version,
        note=note,
        created_at=now,
        **text.as_dict(),
    )
    db.session.add(revision)
    db.session.flush()
    return revision


def text_at_version(piece: Piece, version: int) -> Text | None:
    """The text the piece had at `version`: its last applied revision up to then."""
    revision = db.session.scalar(
        select(Revision)
        .where(
            Revision.piece_id == piece.id,
            Revision.version.is_not(None),
            Revision.version <= version,
        )
        .order_by(Revision.version.desc(), Revision.number.desc())
        .limit(1)
    )
    return Text.of(revision) if revision is not None else None


def save_draft(
    piece: Piece,
    author: User,
    text: Text,
    *,
    base_version: int,
    now: datetime,
    note: str = "",
) -> SaveResult:
    """Save the author's text, based on the piece version they started from.

    Applied when nobody changed the text since `base_version`; otherwise stored as an
    unapplied revision and reported as a conflict. Text equal to the current text stores nothing.
    A writer whose piece an editor took before this save (they opened it filed) gets TAKEN:
    their text is kept as an unapplied revision for the editor to see, never dropped.
    Everything is checked under the piece's lock, against the piece as committed.
    Raises NotPermitted (anyone else who may not write it now) and InvalidInput (a field).
    """
    lock_piece(piece)
    refusal = write_refusal(piece, author)
    if refusal is not None and not keeps_refused_save(piece, author):
        raise NotPermitted(refusal)
    text = clean_text(piece, text)
    current = Text.of(piece)
    if text == current:
        return SaveResult(SaveStatus.UNCHANGED, None)
    if refusal is not None:
        revision = _store(
            piece,
            author,
            text,
            based_on=base_version,
            version=None,
            note=(f"{note}, not applied" if note else "Not applied")
            + ": an editor had taken the piece for editing",
            now=now,
        )
        return SaveResult(SaveStatus.TAKEN, revision)
    if text.headline != current.headline and piece.state in HEADLINE_FIXED_STATES:
        raise InvalidInput(
            "The headline was fixed when the piece was approved; send it back to editing "
            "to change it.",
            field="headline",
        )
    if base_version != piece.version:
        base = text_at_version(piece, base_version)
        if base is None:
            # No revision up to then: the text was whatever preceded the first revision (kept
            # as "Earlier text" when there was any), or nobody has saved text at all.
            has_any = db.session.scalar(select(func.count()).where(Revision.piece_id == piece.id))
            base = Text("", "", "", None) if has_any else current
        # Only a change of text in between is a conflict; a plan edit bumps the version too.
        if base != current:
            revision = _store(
                piece,
                author,
                text,
                based_on=base_version,
                version=None,
                note=(f"{note}, not applied" if note else "Not applied")
                + f": the piece changed since version {base_version}",
                now=now,
            )
            return SaveResult(SaveStatus.CONFLICT, revision)
    has_revisions = db.session.scalar(select(func.count()).where(Revision.piece_id == piece.id))
    if not has_revisions and current != Text("", "", "", None):
        # Text typed before revisions were kept becomes revision 1, so it can be restored.
        _store(
            piece, None, current, based_on=None, version=piece.version, note="Earlier text", now=now
        )
    piece.headline = text.headline
    piece.standfirst = text.standfirst
    piece.body = text.body
    piece.star_rating = text.star_rating
    new_version(piece, again=True)
    revision = _store(
        piece,
        author,
        text,
        based_on=base_version,
        version=piece.version,
        note=note or "Saved",
        now=now,
    )
    if piece.state is PieceState.ASSIGNED:
        # The first save of text starts the draft.
        transition(piece, author, Action.START, now)
    db.session.flush()
    return SaveResult(SaveStatus.SAVED, revision)


def _comparable(text: str) -> str:
    """Text as a reader reads it, for finding a quote: quotation marks, dashes, ellipses and
    spacing as typed do not matter."""
    folded = text.casefold()
    for marks, plain in (('“”„«»"', '"'), ("‘’`", "'"), ("–—", "-")):
        for mark in marks:
            folded = folded.replace(mark, plain)
    folded = folded.replace("…", "...")
    return " ".join(folded.split())


def check_pull_quote(kind: PieceKind, quote: str, body: str) -> str:
    """The pull quote an interview's headline is made from, cleaned: it must be words from the
    body (the editor picks it from what the interviewee said, never invents it).
    Raises InvalidInput on field `pull_quote`."""
    from coverage.drafts.rendering import plain_inline

    quote = " ".join(quote.split())
    if not quote:
        return ""
    if kind is not PieceKind.INTERVIEW:
        raise InvalidInput("Only interviews have a pull quote.", field="pull_quote")
    check_length(quote, limits.PULL_QUOTE, "pull_quote")
    inner = _comparable(quote).strip("\"' ").rstrip(",;:")
    readable = _comparable(" ".join(plain_inline(line) for line in body.splitlines()))
    if not inner or inner not in readable:
        raise InvalidInput(
            "Pick the pull quote from the body: these words are not in it.", field="pull_quote"
        )
    return quote


def set_pull_quote(piece: Piece, author: User, quote: str) -> None:
    """Store the interview line the house-style headline is built from (see check_pull_quote).
    A different line is a new version of the piece (the headline suggestion changes with it)."""
    lock_piece(piece)
    refusal = write_refusal(piece, author)
    if refusal is not None:
        raise NotPermitted(refusal)
    quote = check_pull_quote(piece.kind, quote, piece.body)
    if quote != piece.pull_quote:
        piece.pull_quote = quote
        new_version(piece)
    db.session.flush()


def revisions_of(piece: Piece) -> list[Revision]:
    return list(
        db.session.scalars(
            select(Revision)
            .where(Revision.piece_id == piece.id)
            .options(joinedload(Revision.author))  # the list names each author
            .order_by(Revision.number.desc())
        )
    )


def get_revision(piece: Piece, number: int) -> Revision:
    revision = db.session.scalar(
        select(Revision).where(Revision.piece_id == piece.id, Revision.number == number)
    )
    if revision is None:
        raise NotFound(f"This piece has no revision {number}.")
    return revision


def restore_revision(
    piece: Piece, author: User, number: int, now: datetime, *, base_version: int
) -> SaveResult:
    """Make an old revision the current text again (as a new revision; history is kept).

    A restore is a save, based on the version the author was looking at: when someone else
    changed the text since, it is kept as an unapplied revision and reported as a conflict.
    """
    revision = get_revision(piece, number)
    return save_draft(
        piece,
        author,
        Text.of(revision),
        base_version=base_version,
        now=now,
        note=f"Restored revision {number}",
    )


# --- Returned, filed and fixed after filing --------------------------------------------------


def latest_return(piece: Piece) -> Transition | None:
    """The editor's latest RETURN (note, who, when) while the piece is back in drafting;
    None in any other state or when it was never returned."""
    if piece.state is not PieceState.DRAFTING:
        return None
    return db.session.scalar(
        select(Transition)
        .where(Transition.piece_id == piece.id, Transition.action == Action.RETURN.value)
        .order_by(Transition.created_at.desc(), Transition.id.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class AfterFiling:
    """The writer's saves since they last filed: `filed` is the FILE transition, `filed_text`
    the revision the desk was sent (None if none was kept), `latest` the newest applied save,
    `saves` how many applied saves came after filing."""

    filed: Transition
    filed_text: Revision | None
    latest: Revision
    saves: int


def changed_after_filing(piece: Piece) -> AfterFiling | None:
    """Whether the writer changed the text after they last filed it (a typo fixed before an
    editor took it); None when they did not, or the piece was not filed since it was drafted."""
    if piece.state not in (PieceState.FILED, PieceState.EDITING, PieceState.READY):
        return None
    filed = db.session.scalar(
        select(Transition)
        .where(Transition.piece_id == piece.id, Transition.action == Action.FILE.value)
        .order_by(Transition.created_at.desc(), Transition.id.desc())
        .limit(1)
    )
    if filed is None:
        return None
    applied = (
        select(Revision)
        .where(Revision.piece_id == piece.id, Revision.version.is_not(None))
        .order_by(Revision.number.desc())
    )
    after = list(
        db.session.scalars(
            applied.where(
                Revision.created_at > filed.created_at, Revision.author_id == piece.writer_id
            )
        )
    )
    if not after:
        return None
    before = db.session.scalar(applied.where(Revision.created_at <= filed.created_at).limit(1))
    return AfterFiling(filed=filed, filed_text=before, latest=after[0], saves=len(after))


def taken_by(piece: Piece) -> Transition | None:
    """The latest TAKE_FOR_EDIT (who took the piece from its writer, and when)."""
    return db.session.scalar(
        select(Transition)
        .where(Transition.piece_id == piece.id, Transition.action == Action.TAKE_FOR_EDIT.value)
        .order_by(Transition.created_at.desc(), Transition.id.desc())
        .limit(1)
    )


# --- Presence -------------------------------------------------------------------------------


def touch_presence(piece: Piece, user: User, now: datetime) -> None:
    presence = db.session.scalar(
        select(EditPresence).where(
            EditPresence.piece_id == piece.id, EditPresence.user_id == user.id
        )
    )
    if presence is None:
        db.session.add(EditPresence(piece_id=piece.id, user_id=user.id, seen_at=now))
    else:
        presence.seen_at = now
    db.session.flush()


def leave_presence(piece: Piece, user: User) -> None:
    presence = db.session.scalar(
        select(EditPresence).where(
            EditPresence.piece_id == piece.id, EditPresence.user_id == user.id
        )
    )
    if presence is not None:
        db.session.delete(presence)
        db.session.flush()


def others_editing(piece: Piece, user: User | None, now: datetime) -> list[EditPresence]:
    """Who else had the editor open in the last few minutes, most recent first."""
    query = select(EditPresence).where(
        EditPresence.piece_id == piece.id, EditPresence.seen_at >= now - PRESENCE_WINDOW
    )
    if user is not None:
        query = query.where(EditPresence.user_id != user.id)
    return list(db.session.scalars(query.order_by(EditPresence.seen_at.desc())))


# --- Comments -------------------------------------------------------------------------------


def may_comment(piece: Piece, user: User) -> bool:
    return rules.may_comment(user.actor, piece.writer_id)


def add_comment(piece: Piece, author: User, body: str, now: datetime) -> Comment:
    if not may_comment(piece, author):
        raise NotPermitted("Only the piece's writer and the desk can comment on it.")
    body = body.strip()
    if not body:
        raise InvalidInput("Write something first.", field="body")
    check_length(body, limits.COMMENT, "body", "The comment")
    comment = Comment(piece_id=piece.id, author_id=author.id, body=body, created_at=now)
    db.session.add(comment)
    db.session.flush()
    return comment


def comments_of(piece: Piece) -> list[Comment]:
    return list(
        db.session.scalars(
            select(Comment)
            .where(Comment.piece_id == piece.id)
            .options(joinedload(Comment.author))  # the page names each author
            .order_by(Comment.created_at, Comment.id)
        )
    )
