"""Writing and editing copy: the editor, preview, conflicts, revisions, presence, comments."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from coverage.accounts.permissions import can_view_programme
from coverage.drafts import services as drafts
from coverage.drafts.diff import compare
from coverage.drafts.forms import CommentForm, TextForm
from coverage.drafts.rendering import quote_candidates, render_markdown, word_count
from coverage.drafts.rules import WriterAccess
from coverage.errors import DomainError
from coverage.extensions import db
from coverage.pieces.kinds import PieceKind
from coverage.pieces.models import Piece
from coverage.pieces.services import READ_REFUSED, house_headline, may_read_text, piece_title
from coverage.pieces.views import _piece_page, load_piece
from coverage.public.views import build_article, preview_article
from coverage.timeutil import utcnow
from coverage.web import form_error, id_param, permission_required

bp = Blueprint("drafts", __name__, url_prefix="/pieces/<int:piece_id>")


@bp.app_template_filter("markdown")
def markdown_filter(text: str) -> str:
    from markupsafe import Markup

    # Sanitised by nh3 in render_markdown: safe to mark as HTML.
    return Markup(render_markdown(text or ""))  # noqa: S704


@bp.app_template_global("word_count")
def word_count_global(text: str) -> int:
    return word_count(text or "")


@bp.app_template_global("text_status")
def text_status(piece: Piece) -> dict:
    """For the piece page (templates/drafts/_text_status.html): what the current user may do
    about the text now (`access`, a WriterAccess) and the writer's saves after filing."""
    readable = current_user.is_authenticated and may_read_text(piece, current_user)
    return {
        "access": drafts.writer_access(piece, current_user)
        if current_user.is_authenticated
        else None,
        "after_filing": drafts.changed_after_filing(piece) if readable else None,
    }


def _text_from(form: TextForm, piece: Piece) -> drafts.Text:
    return drafts.Text(
        headline=form.headline.data or "",
        standfirst=form.standfirst.data or "",
        body=form.body.data or "",
        star_rating=form.star_rating.data if piece.kind is PieceKind.REVIEW else None,
    )


def _editor_page(piece: Piece, form: TextForm, *, preview=None, status: int = 200):
    now = utcnow()
    return render_template(
        "drafts/edit.html",
        piece=piece,
        festival=piece.festival,
        title=piece_title(piece),
        form=form,
        article=preview,
        suggestion=house_headline(piece, form.pull_quote.data or ""),
        headline_fixed=piece.state in drafts.HEADLINE_FIXED_STATES,
        quotes=quote_candidates(form.body.data or ""),
        words=word_count(form.body.data or ""),
        others=drafts.others_editing(piece, current_user, now),
        returned=drafts.latest_return(piece),
        # Posted text shown again (a preview, a refusal): not saved, for editor.js.
        reshown=request.method == "POST",
        access=drafts.writer_access(piece, current_user),
        filed=drafts.changed_after_filing(piece),
        now=now,
    ), status


def _taken_page(piece: Piece, mine=None, *, status: int = 409):
    """The writer's page once an editor has the piece: no more saving, ask the editor in a
    comment; `mine` is the revision their refused save was kept as, if any."""
    # Not bound to this request: its `body` is the draft's, not a comment.
    form = CommentForm(formdata=None)
    if mine is not None:
        form.body.data = (
            f"I changed the text after you took it: my changes are kept as revision "
            f"{mine.number}. Could you apply them?"
        )
    return render_template(
        "drafts/taken.html",
        piece=piece,
        festival=piece.festival,
        title=piece_title(piece),
        taken=drafts.taken_by(piece),
        mine=mine,
        comment_form=form,
        can_comment=drafts.may_comment(piece, current_user),
    ), status


def _refuse_writing(piece: Piece):
    """None when the user may write the piece now; the writer whose piece an editor took gets
    the page that offers a comment instead; anyone else a 403 saying who writes it."""
    refusal = drafts.write_refusal(piece, current_user)
    if refusal is None:
        return None
    if drafts.writer_access(piece, current_user) is WriterAccess.ASK_EDITOR:
        return _taken_page(piece, status=403)
    abort(403, refusal)


@bp.route("/text", methods=["GET"])
@permission_required(can_view_programme)
def edit(piece_id: int):
    piece = load_piece(piece_id)
    refused = _refuse_writing(piece)
    if refused is not None:
        return refused
    drafts.touch_presence(piece, current_user, utcnow())
    db.session.commit()
    form = TextForm(obj=piece)
    form.version.data = str(piece.version)
    form.star_rating.data = piece.star_rating
    if not piece.headline:
        # The house style is the starting point; the desk may change it until approval.
        form.headline.data = house_headline(piece)
    return _editor_page(piece, form)


@bp.route("/text", methods=["POST"])
@permission_required(can_view_programme)
def save(piece_id: int):
    piece = load_piece(piece_id)
    # The writer's save after an editor took the piece is still stored (not applied): the
    # service keeps it; anyone else who may not write is refused here.
    taken = drafts.keeps_refused_save(piece, current_user)
    if not taken and not drafts.may_write(piece, current_user):
        abort(403, drafts.write_refusal(piece, current_user))
    form = TextForm()
    if not form.validate():
        if taken:
            return _taken_page(piece)
        return _editor_page(piece, form, status=422)
    text = _text_from(form, piece)
    intent = "save" if taken else request.form.get("intent")
    try:
        quote = drafts.check_pull_quote(piece.kind, form.pull_quote.data or "", text.body)
    except DomainError as error:
        form_error(form, error)
        return _editor_page(piece, form, status=error.status)
    if intent == "preview":
        return _editor_page(piece, form, preview=preview_article(piece, text, utcnow()))
    if intent == "suggest":
        form.headline.data = house_headline(piece, quote)
        flash("Headline filled in from the house style. Save to keep it.")
        return _editor_page(piece, form)
    try:
        base = int(form.version.data)
    except ValueError:
        abort(400, "The form lost track of the version it was based on. Reload the page.")
    try:
        result = drafts.save_draft(piece, current_user, text, base_version=base, now=utcnow())
        if result.status is drafts.SaveStatus.TAKEN or drafts.keeps_refused_save(
            piece, current_user
        ):
            # An editor took the piece before this save: kept (if it changed), not applied.
            db.session.commit()
            return _taken_page(piece, result.revision)
        if result.status is not drafts.SaveStatus.CONFLICT and piece.kind is PieceKind.INTERVIEW:
            drafts.set_pull_quote(piece, current_user, quote)
    except DomainError as error:
        db.session.rollback()
        form_error(form, error)
        return _editor_page(piece, form, status=error.status)
    drafts.touch_presence(piece, current_user, utcnow())
    db.session.commit()
    if result.status is drafts.SaveStatus.CONFLICT:
        return _conflict_page(piece, result.revision)
    if result.status is drafts.SaveStatus.UNCHANGED:
        flash("No changes to save.")
    elif drafts.writer_access(piece, current_user) is WriterAccess.FIX_AFTER_FILING:
        flash(
            f"Saved as revision {result.revision.number}. The piece stays filed; the editor "
            "sees that you changed it after filing."
        )
    else:
        flash(f"Saved as revision {result.revision.number}.")
    return redirect(url_for("drafts.edit", piece_id=piece.id))


def _conflict_page(piece: Piece, mine):
    current = drafts.Text.of(piece)
    latest = next((r for r in drafts.revisions_of(piece) if r.version == piece.version), None)
    return render_template(
        "drafts/conflict.html",
        piece=piece,
        festival=piece.festival,
        title=piece_title(piece),
        mine=mine,
        latest=latest,
        diffs=compare(current.as_dict(), drafts.Text.of(mine).as_dict()),
    ), 409


def _readable_piece(piece_id: int) -> Piece:
    """The piece, if this user may read its text and revisions (`can_read_text`); else 403."""
    piece = load_piece(piece_id)
    if not may_read_text(piece, current_user):
        abort(403, READ_REFUSED)
    return piece


@bp.route("/revisions")
@permission_required(can_view_programme)
def revisions(piece_id: int):
    piece = _readable_piece(piece_id)
    return render_template(
        "drafts/revisions.html",
        piece=piece,
        festival=piece.festival,
        title=piece_title(piece),
        revisions=drafts.revisions_of(piece),
        can_restore=drafts.may_write(piece, current_user),
    )


@bp.route("/revisions/<int:number>")
@permission_required(can_view_programme)
def revision(piece_id: int, number: int):
    piece = _readable_piece(piece_id)
    revision = drafts.get_revision(piece, number)
    return render_template(
        "drafts/revision.html",
        piece=piece,
        festival=piece.festival,
        title=piece_title(piece),
        revision=revision,
        article=build_article(piece, revision, utcnow()),
        can_restore=drafts.may_write(piece, current_user),
    )


@bp.route("/revisions/compare")
@permission_required(can_view_programme)
def compare_revisions(piece_id: int):
    piece = _readable_piece(piece_id)
    first = id_param(request.args, "a")
    second = id_param(request.args, "b")
    if first is None or second is None:
        abort(400, "Choose two revisions to compare.")
    old = drafts.get_revision(piece, min(first, second))
    new = drafts.get_revision(piece, max(first, second))
    return render_template(
        "drafts/compare.html",
        piece=piece,
        festival=piece.festival,
        title=piece_title(piece),
        old=old,
        new=new,
        diffs=compare(drafts.Text.of(old).as_dict(), drafts.Text.of(new).as_dict()),
    )


@bp.route("/revisions/<int:number>/restore", methods=["POST"])
@permission_required(can_view_programme)
def restore(piece_id: int, number: int):
    piece = load_piece(piece_id)
    taken = drafts.keeps_refused_save(piece, current_user)
    if not taken and not drafts.may_write(piece, current_user):
        abort(403, drafts.write_refusal(piece, current_user))
    # A restore is a save: based on the version the page showed, so it overwrites nothing
    # saved since (that gets the conflict page, with both texts kept).
    try:
        base = int(request.form.get("version", ""))
    except ValueError:
        abort(400, "The form lost track of the version it was based on. Reload the page.")
    try:
        result = drafts.restore_revision(piece, current_user, number, utcnow(), base_version=base)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("drafts.revisions", piece_id=piece.id)), 303
    db.session.commit()
    if result.status is drafts.SaveStatus.TAKEN or drafts.keeps_refused_save(piece, current_user):
        return _taken_page(piece, result.revision)
    if result.status is drafts.SaveStatus.CONFLICT:
        return _conflict_page(piece, result.revision)
    if result.status is drafts.SaveStatus.UNCHANGED:
        flash(f"Revision {number} is already the current text.")
    else:
        flash(f"Revision {number} restored as revision {result.revision.number}.")
    return redirect(url_for("drafts.edit", piece_id=piece.id))


@bp.route("/presence", methods=["POST"])
@permission_required(can_view_programme)
def presence(piece_id: int):
    """Heartbeat from an open editor (every minute), or `leave` when it closes."""
    piece = load_piece(piece_id)
    if not drafts.may_write(piece, current_user):
        abort(403, drafts.write_refusal(piece, current_user))
    if request.form.get("leave"):
        drafts.leave_presence(piece, current_user)
    else:
        drafts.touch_presence(piece, current_user, utcnow())
    db.session.commit()
    others = drafts.others_editing(piece, current_user, utcnow())
    return {"others": [p.user.name for p in others]}


@bp.route("/comments", methods=["POST"])
@permission_required(can_view_programme)
def comment(piece_id: int):
    piece = load_piece(piece_id)
    form = CommentForm()
    if form.validate_on_submit():
        try:
            drafts.add_comment(piece, current_user, form.body.data or "", utcnow())
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash("Comment added.")
    elif form.body.errors and form.body.data:
        # Too long: the piece page again, with the comment as typed and the field's error.
        return _piece_page(piece, comment_form=form, status=422)
    else:
        flash(" ".join(form.body.errors) or "Write something first.", "error")
    return redirect(url_for("pieces.show", piece_id=piece.id) + "#comments")
