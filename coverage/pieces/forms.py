from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from coverage import field_limits as limits
from coverage.pieces.kinds import PieceKind

KIND_CHOICES = [SelectChoice(kind.value, kind.label) for kind in PieceKind]
LOCAL = "%Y-%m-%dT%H:%M"


def optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class PieceForm(FlaskForm):
    """Creating a piece (a writer's pitch or the desk's plan)."""

    kind = SelectField("Kind", choices=KIND_CHOICES, default=PieceKind.REVIEW.value)
    film_id = SelectField("Film", coerce=optional_int, validators=[Optional()])
    other_film_ids = SelectMultipleField(
        "Other films covered (features and roundups)", coerce=int, validators=[Optional()]
    )
    interviewees = TextAreaField(
        "Interviewees",
        description="One per line: name, role (director, actor, producer, writer), "
        "e.g. 'Sean Baker, director'.",
        validators=[Length(max=limits.INTERVIEWEES)],
        render_kw={"rows": 2},
    )
    headline = StringField(
        "Working title",
        validators=[Length(max=limits.HEADLINE)],
        description="Optional; the headline later.",
    )


class AssignForm(FlaskForm):
    writer_id = SelectField("Writer", coerce=optional_int, validators=[Optional()])
    editor_id = SelectField("Responsible editor", coerce=optional_int, validators=[Optional()])
    screening_id = SelectField("Screening to attend", coerce=optional_int, validators=[Optional()])
    slot_starts_at = DateTimeLocalField("Interview starts", validators=[Optional()], format=LOCAL)
    slot_ends_at = DateTimeLocalField("Interview ends", validators=[Optional()], format=LOCAL)
    slot_place = StringField("Interview place", validators=[Length(max=limits.SLOT_PLACE)])
    due_at = DateTimeLocalField(
        "Copy due",
        validators=[Optional()],
        format=LOCAL,
        description="Empty: 24 hours after the screening or interview ends.",
    )
    word_target = IntegerField(
        "Word target", validators=[Optional(), NumberRange(min=1, max=20000)]
    )
    embargo_at = DateTimeLocalField(
        "Hold until (tightens the film's embargo)", validators=[Optional()], format=LOCAL
    )
    publish_at = DateTimeLocalField(
        "Publish no earlier than", validators=[Optional()], format=LOCAL
    )
    confirm_clashes = BooleanField("Assign anyway, despite the clashes above")
    # The plan this form was filled from (`services.plan_digest`): saving it over a plan someone
    # else changed in the meantime is refused rather than applied silently.
    based_on = HiddenField()


class TransitionForm(FlaskForm):
    action = HiddenField(validators=[InputRequired()])
    # Its maximum depends on the action (a decline's reason is shorter): services.transition
    # checks it, and the piece page shows the refusal with the note as typed.
    note = TextAreaField("Note", render_kw={"rows": 2})
