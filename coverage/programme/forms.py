from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from coverage import field_limits as limits
from coverage.programme.kinds import EmbargoRule, PremiereStatus, ScreeningKind
from coverage.programme.rules import FilmFields
from coverage.programme.schedule import local_to_utc_as_shown
from coverage.public import house_style

KIND_CHOICES = [SelectChoice(kind.value, kind.label) for kind in ScreeningKind]
PREMIERE_CHOICES = [SelectChoice(status.value, status.label) for status in PremiereStatus]
EMBARGO_CHOICES = [
    SelectChoice(EmbargoRule.FESTIVAL_DEFAULT.value, "The festival's default"),
    SelectChoice(EmbargoRule.NONE.value, "No embargo"),
    SelectChoice(EmbargoRule.FIXED.value, "Until a fixed date and time"),
    SelectChoice(EmbargoRule.FIRST_PUBLIC_SCREENING.value, "Until its first public screening"),
]


class FilmForm(FlaskForm):
    title = StringField("Title", validators=[InputRequired(), Length(max=limits.FILM_TITLE)])
    original_title = StringField("Original title", validators=[Length(max=limits.FILM_TITLE)])
    directors = StringField("Director(s)", validators=[Length(max=limits.DIRECTORS)])
    countries = StringField("Countries", validators=[Length(max=limits.COUNTRIES)])
    year = IntegerField("Year", validators=[Optional()])
    runtime_minutes = IntegerField(
        "Runtime (minutes)",
        validators=[Optional(), NumberRange(min=1, max=1500)],
        description="Sets the default end of its screenings.",
    )
    section = StringField("Section / strand", validators=[Length(max=limits.SECTION)])
    premiere_status = SelectField("Premiere status", choices=PREMIERE_CHOICES)
    # Labelled with the home market (HOME_MARKET) when the form is built.
    release_date = DateField("Release date", validators=[Optional()])
    trailer_url = StringField("Trailer URL", validators=[Length(max=limits.URL)])
    url = StringField("Festival page URL", validators=[Length(max=limits.URL)])
    embargo_rule = SelectField(
        "Embargo", choices=EMBARGO_CHOICES, default=EmbargoRule.FESTIVAL_DEFAULT.value
    )
    embargo_at = DateTimeLocalField(
        "Embargo lifts at (festival time)", validators=[Optional()], format="%Y-%m-%dT%H:%M"
    )
    embargo_offset_minutes = IntegerField(
        "Minutes after the first public screening starts",
        default=0,
        validators=[Optional(), NumberRange(min=0, max=10080)],
    )
    synopsis = TextAreaField(
        "Synopsis", validators=[Length(max=limits.SYNOPSIS)], render_kw={"rows": 4}
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        market = house_style.market(current_app.config.get("HOME_MARKET", "UK"))
        self.release_date.label.text = f"{market.adjective} release date"
        self.release_date.description = (
            f"Empty: no {market.adjective} release date yet. Article footers say so."
        )

    def to_fields(self, zone: str, shown_embargo_at: datetime | None = None) -> FilmFields:
        """The film's fields; an embargo time sent back as the form showed `shown_embargo_at`
        keeps that instant (even in the hour the clocks repeat)."""
        embargo_rule = EmbargoRule(self.embargo_rule.data)
        embargo_at = None
        if self.embargo_at.data is not None and embargo_rule is EmbargoRule.FIXED:
            embargo_at = local_to_utc_as_shown(
                self.embargo_at.data, zone, shown=shown_embargo_at, field="embargo_at"
            )
        return FilmFields(
            title=self.title.data or "",
            original_title=self.original_title.data or "",
            directors=self.directors.data or "",
            countries=self.countries.data or "",
            year=self.year.data,
            runtime_minutes=self.runtime_minutes.data,
            section=self.section.data or "",
            premiere_status=PremiereStatus(self.premiere_status.data),
            release_date=self.release_date.data,
            trailer_url=self.trailer_url.data or "",
            url=self.url.data or "",
            embargo_rule=embargo_rule,
            embargo_at=embargo_at,
            embargo_offset_minutes=self.embargo_offset_minutes.data or 0,
            synopsis=self.synopsis.data or "",
        )


class ScreeningForm(FlaskForm):
    film_id = SelectField("Film", coerce=int)
    venue_id = SelectField("Venue", coerce=int)
    day = DateField("Date", validators=[InputRequired(message="Enter the date.")])
    start_time = TimeField(
        "Starts (festival time)", validators=[InputRequired(message="Enter the start time.")]
    )
    end_time = TimeField(
        "Ends (festival time)",
        validators=[Optional()],
        description=(
            "Empty: start plus the film's runtime. Left as it is, it moves with the start."
        ),
    )
    kind = SelectField("Kind", choices=KIND_CHOICES, default=ScreeningKind.PUBLIC.value)
    notes = TextAreaField(
        "Notes", validators=[Length(max=limits.SCREENING_NOTES)], render_kw={"rows": 2}
    )
    # Shown only with the warning about a screening longer than schedule.LONG_SCREENING.
    confirm_long = BooleanField("Save anyway: it really runs that long")
