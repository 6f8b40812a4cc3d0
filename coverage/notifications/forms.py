"""The email preferences form: one checkbox per notice kind, and how emails go out."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectChoice
from wtforms.validators import InputRequired

from coverage.notifications.rules import Delivery, NoticeKind


def kind_field_name(kind: NoticeKind) -> str:
    return f"email_{kind.value}"


class EmailPreferencesForm(FlaskForm):
    delivery = RadioField(
        "Send my emails",
        choices=[SelectChoice(d.value, d.label) for d in Delivery],
        validators=[InputRequired(message="Choose at once or a daily digest.")],
    )

    # The kinds offered to this user (`rules.kinds_for_role`); set by the view.
    shown_kinds: tuple[NoticeKind, ...] = tuple(NoticeKind)

    def kind_fields(self) -> list[BooleanField]:
        return [self[kind_field_name(kind)] for kind in self.shown_kinds]

    def emailed(self) -> list[NoticeKind]:
        """The shown kinds that are ticked (hidden ones are not the form's to change)."""
        return [kind for kind in self.shown_kinds if self[kind_field_name(kind)].data]


for _kind in NoticeKind:
    setattr(EmailPreferencesForm, kind_field_name(_kind), BooleanField(_kind.label))
