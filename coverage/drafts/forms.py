from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from coverage import field_limits as limits
from coverage.pieces.forms import optional_int


class TextForm(FlaskForm):
    # The piece version this text was based on: a save from an older version is a conflict.
    version = HiddenField(validators=[InputRequired()])
    headline = StringField("Headline", validators=[Length(max=limits.HEADLINE)])
    standfirst = TextAreaField(
        "Standfirst", validators=[Length(max=limits.STANDFIRST)], render_kw={"rows": 2}
    )
    body = TextAreaField(
        "Body (Markdown)", validators=[Length(max=limits.BODY)], render_kw={"rows": 18}
    )
    # Interviews only: the line the house-style headline quotes.
    pull_quote = StringField(
        "Pull quote",
        validators=[Length(max=limits.PULL_QUOTE)],
        description="Copy a line the interviewee says in the body; the headline quotes it.",
    )
    star_rating = SelectField(
        "Stars",
        coerce=optional_int,
        choices=[SelectChoice("", "No rating")]
        + [SelectChoice(str(n), "★" * n) for n in range(1, 6)],
        validators=[Optional()],
    )


class CommentForm(FlaskForm):
    body = TextAreaField(
        "Comment",
        validators=[
            InputRequired(message="Write something first."),
            Length(max=limits.COMMENT),
        ],
        description="Markdown: *emphasis*, **bold**, [links](https://…).",
        render_kw={"rows": 3},
    )
