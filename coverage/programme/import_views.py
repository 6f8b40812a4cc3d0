"""Programme import in the browser: upload, preview (with the column mapping), confirm."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, RadioField, SelectChoice

from coverage.accounts.permissions import can_edit_programme
from coverage.audit.acts import audit_import
from coverage.errors import DomainError, InvalidInput
from coverage.extensions import db
from coverage.festivals.models import Festival
from coverage.festivals.views import get_festival
from coverage.programme import importer
from coverage.programme.import_plan import VenueChoice
from coverage.programme.importing import DateOrder, Field, ImportRefused
from coverage.web import enum_or_none, permission_required

bp = Blueprint("imports", __name__, url_prefix="/festivals/<slug>/import")

ORDER_CHOICES = [
    SelectChoice("", "Work it out (ask if a date is ambiguous)"),
    SelectChoice(DateOrder.DAY_FIRST.value, "Day first: 05/08/2023 is 5 August"),
    SelectChoice(DateOrder.MONTH_FIRST.value, "Month first: 05/08/2023 is May 8"),
]


class UploadForm(FlaskForm):
    file = FileField("Programme file (CSV)", validators=[FileRequired("Choose a CSV file.")])
    date_order = RadioField("Numeric dates", choices=ORDER_CHOICES, default="")
    late_shows = BooleanField(
        "Late shows are listed under the evening's date: a 00:30 start listed on Friday is "
        "Saturday morning"
    )


class ConfirmForm(FlaskForm):
    fingerprint = HiddenField()


def _mapping_from(args) -> dict[int, Field] | None:
    """The editor's mapping from `col<N>=<field>` parameters; None means use the guess."""
    if "mapped" not in args:
        return None
    mapping: dict[int, Field] = {}
    for key, value in args.items():
        field = enum_or_none(Field, value)
        if key.startswith("col") and key[3:].isdigit() and field is not None:
            mapping[int(key[3:])] = field
    return mapping


def _venue_choices_from(form) -> dict[int, VenueChoice]:
    """The editor's answers to the venue proposals: `venue-<i>-name` (the venue's name) and
    `venue-<i>-keep` (spelling keys kept as their own venue), by proposal index."""
    choices: dict[int, VenueChoice] = {}
    for key in form:
        parts = key.split("-")
        if len(parts) == 3 and parts[0] == "venue" and parts[1].isdigit() and parts[2] == "name":
            index = int(parts[1])
            choices[index] = VenueChoice(
                name=form.get(key, ""),
                keep_apart=frozenset(form.getlist(f"venue-{index}-keep")),
            )
    return choices


def _order_from(value: str | None) -> DateOrder | None:
    return enum_or_none(DateOrder, value)


def _late_from(args) -> bool:
    """Whether the editor said the file lists late shows under the evening's date."""
    return args.get("late") == "1"


def _upload_or_404(festival: Festival, upload_id: int):
    upload = importer.get_upload(festival, upload_id)
    if upload is None:
        abort(404, "That upload has expired or was already imported. Upload the file again.")
    return upload


@bp.route("", methods=["GET", "POST"])
@permission_required(can_edit_programme)
def upload(slug: str):
    festival = get_festival(slug)
    form = UploadForm()
    if form.validate_on_submit():
        data = form.file.data.read()
        filename = form.file.data.filename or "programme.csv"
        try:
            # Refuse a binary or oversized file here, before it is stored.
            importer.check_upload(data)
        except ImportRefused as error:
            form.file.errors = [error.message]
        else:
            order = form.date_order.data or None
            late = "1" if form.late_shows.data else None
            # Parsed here, once, with the reading the form chose; the preview reads that parse.
            upload_id = importer.store_upload(
                festival,
                current_user.id,
                filename,
                data,
                date_order=_order_from(order),
                late_shows_on_evening_date=bool(late),
            )
            db.session.commit()
            return redirect(
                url_for("imports.preview", slug=slug, upload_id=upload_id, order=order, late=late)
            )
    status = 422 if request.method == "POST" else 200
    return render_template("programme/import_upload.html", festival=festival, form=form), status


def _parse(upload, festival: Festival, mapping, order, late: bool, *, keep: bool):
    """The upload's parse for this reading, stored with it on first use (`keep`: committed now;
    a refused confirm has rolled back, and its preview commits nothing)."""
    stored = upload.parsed
    try:
        parsed = importer.parse_upload(
            festival, upload, mapping=mapping, date_order=order, late_shows_on_evening_date=late
        )
    finally:
        if keep and upload.parsed != stored:
            db.session.commit()
    return parsed


def _preview_page(
    festival: Festival,
    upload,
    mapping,
    order,
    late: bool,
    status: int = 200,
    venue_choices: dict[int, VenueChoice] | None = None,
    venue_error: InvalidInput | None = None,
):
    # The preview shows the plan as proposed (its fingerprint is what the confirm checks); a
    # refused confirm shows the editor's venue answers again, so nothing typed is lost.
    preview = importer.preview_import(
        festival, _parse(upload, festival, mapping, order, late, keep=status == 200)
    )
    confirm = ConfirmForm()
    if preview.plan is not None:
        confirm.fingerprint.data = preview.plan.fingerprint()
    # The same preview with the late-shows reading switched, keeping the mapping and date order.
    switch: dict[str, str] = {"order": order.value} if order else {}
    if mapping is not None:
        switch["mapped"] = "1"
        switch.update({f"col{index}": field.value for index, field in mapping.items()})
    if not late:
        switch["late"] = "1"
    late_switch_url = url_for("imports.preview", slug=festival.slug, upload_id=upload.id, **switch)
    return render_template(
        "programme/import_preview.html",
        festival=festival,
        upload=upload,
        preview=preview,
        confirm=confirm,
        fields=list(Field),
        order=order.value if order else "",
        order_choices=ORDER_CHOICES,
        mapping_changed=mapping is not None,
        late=late,
        late_switch_url=late_switch_url,
        early_starts_note=(
            importer.early_starts_note(preview.parsed) if preview.parsed.early_start_rows else ""
        ),
        summary=importer.summary_line(preview.parsed, preview.plan),
        venue_choices=venue_choices or {},
        venue_error=venue_error,
    ), status


@bp.route("/<int:upload_id>", methods=["GET"])
@permission_required(can_edit_programme)
def preview(slug: str, upload_id: int):
    festival = get_festival(slug)
    upload = _upload_or_404(festival, upload_id)
    return _preview_page(
        festival,
        upload,
        _mapping_from(request.args),
        _order_from(request.args.get("order")),
        _late_from(request.args),
    )


@bp.route("/<int:upload_id>", methods=["POST"])
@permission_required(can_edit_programme)
def confirm(slug: str, upload_id: int):
    festival = get_festival(slug)
    upload = _upload_or_404(festival, upload_id)
    # Read now: the import expires every loaded object, and the upload is deleted below.
    filename = upload.filename
    mapping = _mapping_from(request.form)
    order = _order_from(request.form.get("order"))
    late = _late_from(request.form)
    venue_choices = _venue_choices_from(request.form)
    form = ConfirmForm()
    if not form.validate_on_submit() or not form.fingerprint.data:
        abort(400, "Confirm the import from its preview page.")
    try:
        # The festival's zone and dates, which the parse reads, as committed and held.
        importer.lock_for_import(festival)
        _preview, applied = importer.apply_import(
            festival,
            importer.parse_upload(
                festival, upload, mapping=mapping, date_order=order, late_shows_on_evening_date=late
            ),
            expected_fingerprint=form.fingerprint.data,
            venue_choices=venue_choices,
        )
    except InvalidInput as error:
        db.session.rollback()
        return _preview_page(
            festival,
            upload,
            mapping,
            order,
            late,
            status=422,
            venue_choices=venue_choices,
            venue_error=error,
        )
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _preview_page(festival, upload, mapping, order, late, status=409)
    db.session.delete(upload)
    audit_import(festival, filename, applied)
    db.session.commit()
    flash(
        f"Imported {filename}: {applied.films_created} films created, "
        f"{applied.films_updated} updated; {applied.venues_created} venues created"
        f"{_merged(applied.venue_spellings_merged)}; "
        f"{applied.screenings_created} screenings created, {applied.screenings_updated} "
        f"updated, {applied.screenings_unchanged} unchanged."
    )
    return redirect(url_for("festivals.show", slug=slug))


def _merged(count: int) -> str:
    if not count:
        return ""
    return f" ({count} other spelling{'s' if count != 1 else ''} remembered)"
