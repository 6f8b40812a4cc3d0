from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import URL, DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from coverage import field_limits as limits
from coverage.programme.kinds import DefaultEmbargo
from coverage.programme.rules import FestivalFields

COMMON_ZONES = [
    "Europe/London",
    "Europe/Berlin",
    "Europe/Paris",
    "Europe/Rome",
    "Europe/Prague",
    "America/Toronto",
    "America/New_York",
    "America/Denver",
    "America/Los_Angeles",
    "Asia/Manila",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Asia/Kolkata",
    "Australia/Sydney",
]


class FestivalForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[DataRequired(), Length(max=limits.FESTIVAL_NAME)],
        description="e.g. London Film Festival",
    )
    edition = IntegerField(
        "Edition (year)",
        validators=[InputRequired(message="Enter the edition's year, e.g. 2021.")],
    )
    slug = StringField(
        "Address (slug)",
        validators=[Length(max=limits.FESTIVAL_SLUG)],
        description="Left empty, it is made from the name and year.",
    )
    city = StringField("City", validators=[Length(max=limits.CITY)])
    timezone = StringField(
        "Time zone",
        validators=[
            DataRequired(message="Enter the festival's time zone."),
            Length(max=limits.TIMEZONE),
        ],
        description="IANA name, e.g. Europe/London. Every time is shown in this zone.",
    )
    start_date = DateField("First day", validators=[InputRequired(message="Enter a date.")])
    end_date = DateField("Last day", validators=[InputRequired(message="Enter a date.")])
    website = StringField(
        "Website",
        validators=[
            Optional(),
            Length(max=limits.WEBSITE),
            URL(message="Enter a full address starting https://."),
        ],
    )
    organiser = StringField(
        "Organiser",
        validators=[Length(max=limits.ORGANISER)],
        description="As readers know it, e.g. BFI: “visit the official BFI website”.",
    )
    travel_buffer_minutes = IntegerField(
        "Default travel time between venues (minutes)",
        default=15,
        validators=[InputRequired(), NumberRange(min=0, max=240)],
    )
    is_public = BooleanField("Public calendar feed (anyone with the link, no token)")
    default_embargo = SelectField(
        "Default embargo for its films",
        choices=[
            SelectChoice(rule.value, rule.label[:1].upper() + rule.label[1:])
            for rule in DefaultEmbargo
        ],
        default=DefaultEmbargo.NONE.value,
        description="Films whose own embargo is left to the festival (imported films, unless "
        "someone sets theirs) follow this: a review cannot go out before a premiere because "
        "nobody set its embargo.",
    )

    def to_fields(self) -> FestivalFields:
        return FestivalFields(
            name=self.name.data or "",
            edition=self.edition.data,
            timezone=self.timezone.data or "",
            start_date=self.start_date.data,
            end_date=self.end_date.data,
            slug=self.slug.data or "",
            city=self.city.data or "",
            website=self.website.data or "",
            organiser=self.organiser.data or "",
            travel_buffer_minutes=self.travel_buffer_minutes.data,
            is_public=self.is_public.data,
            default_embargo=DefaultEmbargo(self.default_embargo.data),
        )


class VenueForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=limits.VENUE_NAME)])
    address = TextAreaField(
        "Address", validators=[Length(max=limits.VENUE_ADDRESS)], render_kw={"rows": 2}
    )


class TravelTableForm(FlaskForm):
    """The travel table: its `pair-<low>-<high>` inputs are read by venue_names.read_travel_table
    (their number follows the festival's venues); the form carries the CSRF token."""


class MergeVenuesForm(FlaskForm):
    sources = SelectMultipleField(
        "Venues to merge",
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[DataRequired(message="Tick the venues to merge.")],
    )
    target = SelectField(
        "Into",
        coerce=int,
        validators=[InputRequired(message="Choose the venue they become.")],
        description="Its name stays; the others' names are remembered as its other spellings.",
    )
    confirmed = HiddenField()
