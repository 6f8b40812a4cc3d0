from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from coverage.pieces.forms import optional_int


class TextForm(FlaskForm):
    # The piece version this text was based on: a save from an older version is a conflict.
    version = HiddenField(validators=[InputRequired()])
    headline = StringField("Headline", validators=[Length(max=300)])
    standfirst = TextAreaField("Standfirst", render_kw={"rows": 2})
    body = TextAreaField("Body (Markdown)", render_kw={"rows": 18})
    # Interviews only: the line the house-style headline quotes.
    pull_quote = StringField(
        "Pull quote",
        validators=[Length(max=200)],
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
        validators=[InputRequired(message="Write something first.")],
        description="Markdown: *emphasis*, **bold**, [links](https://…).",
        render_kw={"rows": 3},
    )
