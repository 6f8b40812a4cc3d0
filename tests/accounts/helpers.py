"""Helpers for the account tests: a second browser, copied cookies, API tokens, audit rows."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from coverage.accounts.models import User
from coverage.accounts.services import issue_api_token
from coverage.audit.models import AuditEvent
from coverage.extensions import db
from tests.conftest import PASSWORD, DeskClient

HOST = "coverage.test"  # the tests' SERVER_NAME: cookies are set for it
FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def browser(app: Flask) -> DeskClient:
    return app.test_client()  # type: ignore[return-value]


def sign_in(
    client: DeskClient,
    email: str,
    password: str = PASSWORD,
    *,
    remember: bool = False,
    user_agent: str = FIREFOX_LINUX,
    address: str = "203.0.113.7",
):
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    return client.post_form(
        "/login",
        data,
        page="/login",
        headers={"User-Agent": user_agent},
        environ_base={"REMOTE_ADDR": address},
    )


def copy_cookie(source: DeskClient, target: DeskClient, name: str) -> None:
    cookie = source.get_cookie(name, domain=HOST)
    assert cookie is not None, f"no {name} cookie"
    target.set_cookie(name, cookie.value, domain=HOST)


def is_signed_in(client: DeskClient) -> bool:
    response = client.get("/account")
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]
        return False
    assert response.status_code == 200
    return True


def api_token(app: Flask, user_id: int, label: str = "script") -> str:
    with app.app_context():
        _, secret = issue_api_token(db.session.get(User, user_id), label)
        db.session.commit()
        return secret


def api_works(client: DeskClient, secret: str) -> bool:
    status = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code
    assert status in (200, 401)
    return status == 200


def audit_rows(app: Flask, action: str | None = None) -> list[AuditEvent]:
    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action is not None:
            query = query.where(AuditEvent.action == action)
        rows = list(db.session.scalars(query))
        db.session.expunge_all()
        return rows
