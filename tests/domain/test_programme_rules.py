"""What a valid festival and film look like: slugs, festival fields, film fields, title keys."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from coverage.errors import InvalidInput
from coverage.programme.kinds import EmbargoRule
from coverage.programme.rules import (
    FestivalFields,
    FilmFields,
    clean_festival,
    clean_film,
    festival_slug,
    slugify,
    title_key,
)

LFF = FestivalFields(
    name="London Film Festival",
    edition=2021,
    timezone="Europe/London",
    start_date=date(2021, 10, 6),
    end_date=date(2021, 10, 17),
)
FILM = FilmFields(title="The Power of the Dog", year=2021, runtime_minutes=126)
EMBARGO_AT = datetime(2021, 10, 11, 18, 0, tzinfo=UTC)


def refusal(fn, fields) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        fn(fields)
    return caught.value


# --- slugs -------------------------------------------------------------------------------------


def test_slugify_lowercases_and_hyphenates():
    assert slugify("London Film Festival 2021") == "london-film-festival-2021"


def test_slugify_collapses_punctuation_and_trims_hyphens():
    assert slugify("  Sundance -- Film: Festival!  ") == "sundance-film-festival"


def test_festival_slug_appends_the_edition():
    assert festival_slug("London Film Festival", 2021) == "london-film-festival-2021"
    assert festival_slug("Cinemalaya", 2023) == "cinemalaya-2023"


def test_festival_slug_does_not_double_a_year_already_in_the_name():
    assert festival_slug("Cinemalaya 2023", 2023) == "cinemalaya-2023"


def test_festival_slug_folds_accents():
    assert festival_slug("Festival de Cine de Málaga", 2024) == "festival-de-cine-de-malaga-2024"


# --- clean_festival ----------------------------------------------------------------------------


def test_valid_festival_is_returned_cleaned():
    cleaned = clean_festival(LFF)
    assert cleaned.name == "London Film Festival"
    assert cleaned.timezone == "Europe/London"
    assert cleaned.slug == "london-film-festival-2021"


def test_misspelt_timezone_is_refused_naming_the_bad_value():
    error = refusal(clean_festival, replace(LFF, timezone="Europe/Londn"))
    assert error.field == "timezone"
    assert "Europe/Londn" in error.message


def test_timezone_is_stripped():
    assert clean_festival(replace(LFF, timezone=" Asia/Manila ")).timezone == "Asia/Manila"


def test_festival_ending_before_it_starts_is_refused():
    error = refusal(clean_festival, replace(LFF, end_date=date(2021, 10, 5)))
    assert error.field == "end_date"


def test_one_day_festival_is_accepted():
    cleaned = clean_festival(replace(LFF, end_date=LFF.start_date))
    assert cleaned.end_date == cleaned.start_date


def test_festival_longer_than_the_limit_is_refused_as_a_probable_typo():
    error = refusal(clean_festival, replace(LFF, end_date=date(2022, 10, 17)))
    assert error.field == "end_date"


def test_empty_slug_is_generated_from_name_and_edition():
    cinemalaya = replace(
        LFF,
        name="Cinemalaya",
        edition=2023,
        slug="",
        start_date=date(2023, 8, 4),
        end_date=date(2023, 8, 13),
    )
    cleaned = clean_festival(cinemalaya)
    assert cleaned.slug == "cinemalaya-2023"


def test_given_slug_is_lowercased_and_kept():
    assert clean_festival(replace(LFF, slug=" LFF-2021 ")).slug == "lff-2021"


def test_slug_with_spaces_or_punctuation_is_refused():
    error = refusal(clean_festival, replace(LFF, slug="Bad Slug!"))
    assert error.field == "slug"


def test_website_without_scheme_is_refused():
    error = refusal(clean_festival, replace(LFF, website="www.bfi.org.uk"))
    assert error.field == "website"


def test_website_with_https_is_accepted():
    cleaned = clean_festival(replace(LFF, website=" https://www.bfi.org.uk/lff "))
    assert cleaned.website == "https://www.bfi.org.uk/lff"


def test_festival_name_is_stripped():
    assert clean_festival(replace(LFF, name="  London Film Festival  ")).name == (
        "London Film Festival"
    )


@pytest.mark.parametrize("name", ["", "   "])
def test_empty_festival_name_is_refused(name):
    assert refusal(clean_festival, replace(LFF, name=name)).field == "name"


def test_implausible_edition_is_refused():
    assert refusal(clean_festival, replace(LFF, edition=21)).field == "edition"


# --- clean_film --------------------------------------------------------------------------------


def test_valid_film_is_returned_cleaned():
    cleaned = clean_film(replace(FILM, title="  The Power of the Dog ", directors=" Jane Campion "))
    assert cleaned.title == "The Power of the Dog"
    assert cleaned.directors == "Jane Campion"


@pytest.mark.parametrize("title", ["", "  "])
def test_film_without_title_is_refused(title):
    assert refusal(clean_film, replace(FILM, title=title)).field == "title"


def test_implausible_year_is_refused():
    assert refusal(clean_film, replace(FILM, year=1700)).field == "year"


def test_empty_year_is_allowed():
    assert clean_film(replace(FILM, year=None)).year is None


def test_zero_runtime_is_refused():
    assert refusal(clean_film, replace(FILM, runtime_minutes=0)).field == "runtime_minutes"


def test_fixed_embargo_needs_a_time():
    error = refusal(clean_film, replace(FILM, embargo_rule=EmbargoRule.FIXED, embargo_at=None))
    assert error.field == "embargo_at"


def test_fixed_embargo_keeps_its_time():
    cleaned = clean_film(replace(FILM, embargo_rule=EmbargoRule.FIXED, embargo_at=EMBARGO_AT))
    assert cleaned.embargo_at == EMBARGO_AT


@pytest.mark.parametrize("rule", [EmbargoRule.NONE, EmbargoRule.FIRST_PUBLIC_SCREENING])
def test_embargo_time_is_cleared_when_the_rule_is_not_fixed(rule):
    assert clean_film(replace(FILM, embargo_rule=rule, embargo_at=EMBARGO_AT)).embargo_at is None


def test_embargo_offset_is_kept_for_first_public_screening():
    cleaned = clean_film(
        replace(FILM, embargo_rule=EmbargoRule.FIRST_PUBLIC_SCREENING, embargo_offset_minutes=90)
    )
    assert cleaned.embargo_offset_minutes == 90


@pytest.mark.parametrize("rule", [EmbargoRule.NONE, EmbargoRule.FIXED])
def test_embargo_offset_is_zeroed_unless_first_public_screening(rule):
    fields = replace(FILM, embargo_rule=rule, embargo_at=EMBARGO_AT, embargo_offset_minutes=90)
    assert clean_film(fields).embargo_offset_minutes == 0


def test_javascript_trailer_url_is_refused():
    error = refusal(clean_film, replace(FILM, trailer_url="javascript:alert(1)"))
    assert error.field == "trailer_url"


def test_https_trailer_url_is_accepted():
    url = "https://www.youtube.com/watch?v=abc"
    assert clean_film(replace(FILM, trailer_url=url)).trailer_url == url


# --- title_key ---------------------------------------------------------------------------------


def test_title_key_ignores_case_and_spacing():
    assert title_key("  The  Power of the DOG ") == title_key("The Power of the Dog")


def test_title_key_distinguishes_different_titles():
    assert title_key("The Power of the Dog") != title_key("The Power of Dog")


def test_a_festival_starting_in_another_year_than_its_edition_is_a_typo():
    from datetime import date

    from coverage.errors import InvalidInput
    from coverage.programme.rules import FestivalFields, clean_festival

    fields = FestivalFields(
        name="London Film Festival",
        edition=2021,
        timezone="Europe/London",
        start_date=date(1, 10, 6),
        end_date=date(2021, 10, 17),
    )
    with pytest.raises(InvalidInput) as refused:
        clean_festival(fields)
    assert refused.value.field == "start_date"
    assert "check the year" in refused.value.message


@pytest.mark.parametrize(
    "name,slug",
    [("東京国際映画祭", "dong-jing-guo-ji-ying-hua-ji-2022"), ("Кинотавр", "kinotavr-2022")],
)
def test_festivals_named_in_other_scripts_get_readable_distinct_addresses(name, slug):
    cleaned = clean_festival(
        replace(
            LFF,
            name=name,
            edition=2022,
            slug="",
            start_date=date(2022, 10, 24),
            end_date=date(2022, 11, 2),
        )
    )
    assert cleaned.slug == slug
