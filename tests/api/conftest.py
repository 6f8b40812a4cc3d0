"""Bearer-token fixtures shared by the API tests."""

from __future__ import annotations

import pytest
from flask import Flask

from coverage.accounts.models import User
from coverage.accounts.roles import Role
from coverage.accounts.services import issue_api_token
from coverage.extensions import db
from tests.api.test_api import bearer


@pytest.fixture
def tokens(app: Flask, users, make_user) -> dict[str, dict[str, str]]:
    """Bearer headers by role, plus `other` (a second writer)."""
    ids = users | {"other": make_user(Role.WRITER, "other@example.org", "Olly Other")}
    headers = {}
    with app.app_context():
        for name, user_id in ids.items():
            _, secret = issue_api_token(db.session.get(User, user_id), "tests")
            headers[name] = bearer(secret)
        db.session.commit()
    return headers


@pytest.fixture
def editor(tokens) -> dict[str, str]:
    return tokens["editor"]


@pytest.fixture
def writer(tokens) -> dict[str, str]:
    return tokens["writer"]
