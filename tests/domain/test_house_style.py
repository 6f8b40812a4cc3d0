"""House style made from desk facts: headline patterns, release footer, furniture lines, slugs."""

from __future__ import annotations

from datetime import date

import pytest

from coverage.pieces.kinds import PieceKind
from coverage.public import house_style as hs

UK = hs.market("UK")


@pytest.mark.parametrize(
    "names,joined",
    [
        ([], ""),
        (["Sean Baker"], "Sean Baker"),
        (["Sean Baker", "Simon Rex"], "Sean Baker and Simon Rex"),
        (
            ["Nawaf Al Dhufairi", "Raghad Bokhari", "Lana Komsany"],
            "Nawaf Al Dhufairi, Raghad Bokhari and Lana Komsany",
        ),
        (["  A ", "", "B"], "A and B"),
    ],
)
def test_names_join_with_commas_and_a_final_and(names, joined):
    assert hs.join_names(names) == joined


@pytest.mark.parametrize(
    "day,text",
    [
        (1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"),
        (13, "13th"), (21, "21st"), (22, "22nd"), (23, "23rd"), (30, "30th"), (31, "31st"),
    ],
)  # fmt: skip
def test_ordinal_days(day, text):
    assert hs.ordinal(day) == text


def test_long_date_is_ordinal_day_full_month_and_year():
    assert hs.long_date(date(2022, 2, 11)) == "11th February 2022"
    assert hs.long_date(date(2021, 10, 1)) == "1st October 2021"


def test_review_headline():
    headline = hs.suggested_headline(
        PieceKind.REVIEW,
        festival_name="London Film Festival",
        edition=2021,
        film_title="Red Rocket",
    )
    assert headline == "London Film Festival 2021: Red Rocket | Review"


def test_interview_headline_quotes_the_pull_quote_and_names_everyone():
    headline = hs.suggested_headline(
        PieceKind.INTERVIEW,
        festival_name="Red Sea International Film Festival",
        edition=2025,
        film_title="Hijra",
        names=["Nawaf Al Dhufairi", "Raghad Bokhari", "Lana Komsany"],
        pull_quote="It's really complicated…",
    )
    assert headline == (
        "“It's really complicated…”: Nawaf Al Dhufairi, Raghad Bokhari and Lana Komsany on "
        "Hijra at Red Sea International Film Festival 2025"
    )


def test_a_pull_quote_copied_with_its_quotation_marks_is_not_quoted_twice():
    headline = hs.suggested_headline(
        PieceKind.INTERVIEW,
        festival_name="London Film Festival",
        edition=2021,
        film_title="Red Rocket",
        names=["Sean Baker"],
        pull_quote='  "I wanted it to feel like a summer,"  ',
    )
    assert headline == (
        "“I wanted it to feel like a summer”: Sean Baker on Red Rocket at London Film Festival 2021"
    )


def test_interview_without_a_quote_or_film_still_reads():
    assert (
        hs.suggested_headline(
            PieceKind.INTERVIEW, festival_name="TIFF", edition=2021, names=["Jane Campion"]
        )
        == "Jane Campion at TIFF 2021"
    )
    assert hs.suggested_headline(PieceKind.INTERVIEW, festival_name="TIFF", edition=2021) == ""


def test_roundup_headline():
    assert (
        hs.suggested_headline(
            PieceKind.ROUNDUP,
            festival_name="London Film Festival",
            edition=2021,
            names=["Jane Campion", "Clio Barnard"],
        )
        == "London Film Festival 2021: Highlights and interviews with Jane Campion and Clio Barnard"
    )
    assert (
        hs.suggested_headline(PieceKind.ROUNDUP, festival_name="LFF", edition=2021)
        == "LFF 2021: Highlights"
    )


@pytest.mark.parametrize("kind", [PieceKind.FEATURE, PieceKind.NEWS])
def test_features_and_news_have_free_headlines(kind):
    assert hs.suggested_headline(kind, festival_name="LFF", edition=2021, film_title="X") == ""


def test_release_footer_without_a_date():
    assert (
        hs.release_footer("Red Rocket", None, UK, date(2021, 10, 12))
        == "Red Rocket does not have a UK release date yet."
    )


def test_release_footer_with_a_date_ahead_and_on_the_day():
    for today in (date(2021, 10, 12), date(2022, 2, 11)):
        assert (
            hs.release_footer("Red Rocket", date(2022, 2, 11), UK, today)
            == "Red Rocket is released in UK cinemas on 11th February 2022."
        )


def test_release_footer_is_dropped_once_the_film_is_out():
    assert hs.release_footer("Belfast", date(2022, 1, 21), UK, date(2022, 1, 22)) is None


def test_release_footer_names_the_home_market():
    irish = hs.market("ie")
    assert (
        hs.release_footer("Belfast", None, irish, date(2021, 10, 1))
        == "Belfast does not have an Irish release date yet."
    )
    assert (
        hs.release_footer("Belfast", date(2022, 1, 21), hs.market("US"), date(2021, 10, 1))
        == "Belfast is released in US cinemas on 21st January 2022."
    )
    assert hs.market("GB") == UK
    assert hs.market("FR").with_article == "a FR"


def test_festival_website_line_names_the_organiser():
    line = hs.festival_website_line("BFI", "https://www.bfi.org.uk/london-film-festival")
    assert line is not None
    assert f"{line.before}{line.link_text}{line.after}" == (
        "For further information about the festival visit the official BFI website here."
    )
    assert line.url == "https://www.bfi.org.uk/london-film-festival"
    plain = hs.festival_website_line("", "https://tiff.net")
    assert plain is not None and "visit the official website here" in plain.before + "here"
    assert hs.festival_website_line("BFI", "") is None


def test_hub_and_trailer_lines():
    hub = hs.hub_line("London Film Festival 2021", "/film-festivals/lff-2021/")
    assert f"{hub.before}{hub.link_text}{hub.after}" == (
        "Read more reviews and interviews from our London Film Festival 2021 coverage here."
    )
    trailer = hs.trailer_line("Red Rocket", "https://www.youtube.com/watch?v=x")
    assert trailer is not None and trailer.before == "Watch the trailer for Red Rocket "
    assert hs.trailer_line("Red Rocket", "") is None


@pytest.mark.parametrize(
    "headline,slug",
    [
        ("London Film Festival 2021: Red Rocket | Review", "red-rocket-review"),
        ("“It's really complicated…”: Sean Baker", "it-s-really-complicated-sean-baker"),
        ("Céline Sciamma on Petite Maman", "celine-sciamma-on-petite-maman"),
        ("London Film Festival 2021", "london-film-festival-2021"),
        ("!!!", "piece"),
    ],
)  # fmt: skip
def test_piece_slugs_drop_the_festival_the_url_already_names(headline, slug):
    assert hs.piece_slug(headline, "London Film Festival", 2021) == slug


def test_a_long_pull_quote_is_shortened_so_the_headline_fits_and_names_stay_whole():
    names = ["Nawaf Al Dhufairi", "Raghad Bokhari", "Lana Komsany", "Khairia Nazmi"]
    quote = " ".join(["We filmed in the desert for weeks and every day it changed"] * 4)[:199]
    headline = hs.suggested_headline(
        PieceKind.INTERVIEW,
        festival_name="Red Sea International Film Festival",
        edition=2025,
        film_title="Hijra",
        names=names,
        pull_quote=quote,
    )
    assert len(headline) <= hs.MAX_HEADLINE
    assert headline.startswith("“We filmed in the desert for weeks")
    assert "…”: Nawaf Al Dhufairi, Raghad Bokhari, Lana Komsany and Khairia Nazmi on Hijra" in (
        headline
    )
    assert headline.endswith("at Red Sea International Film Festival 2025")


def test_headlines_of_every_kind_fit_the_headline_limit_however_long_the_facts():
    long_title = "A Film With an Extraordinarily Long Title " * 10
    many = [f"Person Number {n}" for n in range(40)]
    for kind in (PieceKind.REVIEW, PieceKind.INTERVIEW, PieceKind.ROUNDUP):
        headline = hs.suggested_headline(
            kind,
            festival_name="Festival",
            edition=2025,
            film_title=long_title,
            names=many,
            pull_quote="Short and sweet",
        )
        assert 0 < len(headline) <= hs.MAX_HEADLINE, kind
        assert headline.endswith(("…", "Review", "2025")), headline
