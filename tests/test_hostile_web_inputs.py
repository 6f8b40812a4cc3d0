"""Hostile input on every web route answers 4xx (or a page), never 5xx (issue 13, "no 500s":
42 of 157 hostile inputs were answered with a 500).

Every GET route of the app's url_map is walked as an anonymous visitor, a writer and an editor,
with the `programme` fixture's ids in the path, with a bounded list of hostile query values
(ids past the database's integer range, negative numbers, NUL, a lone UTF-16 surrogate encoded
as UTF-8, a 10,000-character string, a repeated parameter, a newline); then with hostile values
in the path itself. Every POST route gets the same values in every form field the app reads,
with a valid CSRF token. Not a fuzzer: a fixed list, a few thousand requests.
"""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import quote

import pytest
from flask import Flask
from werkzeug.routing import Rule
from wtforms.fields.core import UnboundField

from tests.conftest import PASSWORD, DeskClient, log_in

# Percent-encoded, as a client would send them.
HOSTILE: dict[str, str] = {
    "beyond bigint": "99999999999999999999",
    "negative": "-1",
    "nul and newline": "a%00b%0D%0Ac",
    "lone surrogate": "%ED%A0%80",
    "10,000 characters": "x" * 10_000,
}
REPEATED = "repeated"  # name=1&name=2
# Each value is sent by at least one role. A writer's pages are mostly the editor's with less on
# them: fewer values for each keep the walk short (a few thousand requests would take minutes).
EDITOR_KINDS = ("beyond bigint", "nul and newline", "lone surrogate", "10,000 characters", REPEATED)
WRITER_KINDS = ("negative", "lone surrogate", REPEATED)
KINDS = {"anonymous": EDITOR_KINDS, "writer": WRITER_KINDS, "editor": EDITOR_KINDS}
# Routes an anonymous visitor may post to; every other POST answers them 302 or 401 first.
ANONYMOUS_POSTS = frozenset(
    {"accounts.login", "accounts.request_password_reset", "accounts.reset_password"}
)

# Every query parameter the views read (`request.args`), and those of the API's lists.
QUERY_NAMES = (
    "a", "b", "q", "kind", "film", "writer", "venue", "section", "uncovered", "state", "order",
    "next", "before", "action", "account", "late", "mapped", "col0", "col1", "day", "page",
    "per_page", "page_size", "limit", "cursor", "festival", "status", "from", "since",
)  # fmt: skip

# Form fields read outside FlaskForm classes (request.form), added to every form's fields.
EXTRA_FORM_NAMES = (
    "intent", "version", "action", "state", "notice", "kind", "from", "confirmed", "back",
    "revise", "leave", "order", "late", "mapped", "col0", "venue-0-name", "venue-0-keep",
    "pair-1-2", "fingerprint", "next", "token", "email", "password",
)  # fmt: skip

# Routes whose success would end the walk's own session or data; each is tested elsewhere.
SKIPPED_POSTS = frozenset({"accounts.logout"})


def _form_names() -> list[str]:
    from flask_wtf import FlaskForm

    names: set[str] = set(EXTRA_FORM_NAMES)
    pending = list(FlaskForm.__subclasses__())
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        names.update(
            name for name in dir(form) if isinstance(getattr(form, name, None), UnboundField)
        )
    names.discard("csrf_token")
    return sorted(names)


def _path_values(programme: dict, users: dict) -> dict[str, str]:
    return {
        "slug": programme["slug"],
        "festival_slug": programme["slug"],
        "piece_id": str(programme["piece"]),
        "film_id": str(programme["film"]),
        "screening_id": str(programme["press"]),
        "venue_id": str(programme["nft1"]),
        "upload_id": str(programme["upload"]),
        "number": "1",
        "token": "not-a-token",
        "token_id": "1",
        "session_id": "1",
        "user_id": str(users["writer"]),
        "writer_id": str(users["writer"]),
        "piece_slug": "red-rocket-review",
        "day": "2021-10-08",
        "secret": "not-a-secret",
        "filename": "style.css",
    }


def _url(rule: Rule, values: dict[str, str]) -> str:
    """The rule's path with `values` put in as they are (already percent-encoded); a route added
    later with an argument not listed here still gets walked."""
    return re.sub(
        r"<(?:[^:<>]+:)?([^<>]+)>", lambda match: values.get(match.group(1), "x"), rule.rule
    )


def _hostile_paths(rule: Rule, values: dict[str, str]) -> list[str]:
    """The rule's path with each argument in turn made hostile: an id past the integer range, or
    a string holding a lone surrogate or a NUL (which PostgreSQL refuses in text)."""
    urls = []
    for name in sorted(rule.arguments):
        converter = rule._converters[name]
        numeric = type(converter).__name__ == "IntegerConverter"
        bad = ["99999999999999999999"] if numeric else ["%ED%A0%80", "a%00b"]
        urls.extend(_url(rule, {**values, name: value}) for value in bad)
    return urls


def _query(names: tuple[str, ...] | list[str], kind: str) -> str:
    if kind == REPEATED:
        return "&".join(f"{quote(name)}=1&{quote(name)}=2" for name in names)
    return "&".join(f"{quote(name)}={HOSTILE[kind]}" for name in names)


def _rules(app: Flask, method: str) -> list[Rule]:
    return sorted(
        (rule for rule in app.url_map.iter_rules() if method in rule.methods),
        key=lambda rule: (
            # Deleting routes last, so the rest still find the fixture's rows.
            "delete" in rule.endpoint,
            rule.rule,
        ),
    )


@pytest.fixture
def clients(app, users, programme) -> dict[str, DeskClient]:
    walkers: dict[str, DeskClient] = {"anonymous": app.test_client()}
    for role in ("writer", "editor"):
        walker = app.test_client()
        assert log_in(walker, f"{role}@example.org").status_code == 302
        walkers[role] = walker
    return walkers


def _signed_in_again(client: DeskClient, role: str) -> bool:
    """Sign in again if a hostile request ended the session (a session id, a token id...)."""
    if role == "anonymous" or client.get("/account").status_code == 200:
        return False
    assert log_in(client, f"{role}@example.org", PASSWORD).status_code == 302
    return True


def _token_page(role: str) -> str:
    return "/login" if role == "anonymous" else "/account"


def _failures(responses: list[tuple[str, str, int]]) -> list[str]:
    return [
        f"{method} {url[:160]} -> {status}"
        for method, url, status in responses
        # The health check answers 503 while no worker has been seen: that is its job.
        if status >= 500 and not (status == 503 and " /health?" in url)
    ]


def _check(failures: list[str], backend: str) -> None:
    """No 5xx on either database (a NUL anywhere is refused up front, see
    coverage.web.refuse_nul_characters)."""
    assert failures == []


def test_every_get_route_answers_hostile_queries_and_paths_without_a_5xx(
    app, clients, users, programme, database_backend
):
    values = _path_values(programme, users)
    answered: list[tuple[str, str, int]] = []
    for rule in _rules(app, "GET"):
        base = _url(rule, values)
        for role, client in clients.items():
            if role == "anonymous" and client.get(base).status_code != 200:
                continue  # sent to the login page before any parameter is read
            urls = [f"{base}?{_query(QUERY_NAMES, kind)}" for kind in KINDS[role]]
            if role != "writer":
                urls.extend(_hostile_paths(rule, values))
            answered.extend(("GET", f"{role} {url}", client.get(url).status_code) for url in urls)
    assert len(answered) > 500
    _check(_failures(answered), database_backend)


def test_every_post_route_answers_hostile_form_values_without_a_5xx(
    app, clients, users, programme, database_backend
):
    values = _path_values(programme, users)
    names = _form_names()
    assert {"body", "headline", "note", "synopsis", "address", "notes"} <= set(names)
    answered: list[tuple[str, str, int]] = []
    tokens = {role: client.csrf_token(_token_page(role)) for role, client in clients.items()}
    for rule in _rules(app, "POST"):
        if rule.endpoint in SKIPPED_POSTS:
            continue
        url = _url(rule, values)
        for role, client in clients.items():
            if role == "anonymous" and rule.endpoint not in ANONYMOUS_POSTS:
                continue
            for kind in KINDS[role]:
                body = f"csrf_token={quote(tokens[role])}&{_query(names, kind)}"
                response = client.post(
                    url, data=body, content_type="application/x-www-form-urlencoded"
                )
                answered.append(("POST", f"{role} {url} {kind}", response.status_code))
            if _signed_in_again(client, role):
                tokens[role] = client.csrf_token(_token_page(role))
    assert len(answered) > 300
    # Most are refused as invalid, some are taken: the CSRF token was accepted throughout.
    # (A NUL is refused with 400 before any form is read, so those posts do not count here.)
    checked = [status for _method, url, status in answered if "nul and newline" not in url]
    assert sum(status == 400 for status in checked) < len(checked) // 10
    _check(_failures(answered), database_backend)


def test_a_nul_in_a_form_field_is_refused_naming_the_field(client, users):
    response = client.post_form(
        "/login", {"email": "editor@example.org\x00", "password": "x"}, page="/login"
    )
    assert response.status_code == 400
    assert "form field 'email' holds a NUL character" in unescape(response.get_data(as_text=True))


def test_a_nul_in_a_query_is_refused_naming_the_parameter(client, programme):
    response = client.get(f"/festivals/{programme['slug']}/films?q=red%00rocket")
    assert response.status_code == 400
    assert "query parameter 'q' holds a NUL character" in unescape(response.get_data(as_text=True))
