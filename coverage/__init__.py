"""festival-coverage: a film publication's festival desk."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dotenv import load_dotenv
from flask import Flask

from coverage.extensions import csrf, db, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build an app from the environment; `overrides` (tests) win over it."""
    load_dotenv(PROJECT_ROOT / ".env")
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    from coverage.config import load_config

    app.config.update(load_config(Path(app.instance_path)))
    if overrides:
        app.config.update(overrides)
    from coverage import ops
    from coverage.ops.request_log import configure_logging

    # LOG_FORMAT and LOG_LEVEL; then the request id, its log line and /health, first so that
    # every later hook and every log record of a request carries the id.
    configure_logging(app)
    ops.init_app(app)

    register_extensions(app)
    register_url_converters(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from coverage import models  # noqa: F401  (every table known to Alembic and create_all)

    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True, compare_type=True
    )
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"
    from coverage.accounts.services import load_user_by_session_token

    login_manager.user_loader(load_user_by_session_token)
    from coverage import locking

    # Read-check-write transactions that lose no update on SQLite too (see its docstring).
    locking.init_app(app)
    from coverage.security import throttle

    # Log-in and password-reset throttling, counted in the database (see its docstring).
    throttle.init_app(app)
    from coverage.security import headers

    # Security and caching headers on every response; public pages set no cookie.
    headers.init_app(app)
    from coverage.security import hosts

    # Outermost: a request for a host that is not ours is refused before anything reads it.
    hosts.init_app(app)


def register_url_converters(app: Flask) -> None:
    """`<int:...>` in every route takes only ids a primary key column can hold (PostgreSQL
    `integer`, 32 bits): `/pieces/99999999999999999999` is a 404, never a database overflow."""
    from werkzeug.routing import IntegerConverter

    from coverage.web import ID_PATTERN, MAX_ID

    class DatabaseId(IntegerConverter):
        # Out-of-range ids must fail the pattern, not only `max`: werkzeug answers a failed
        # conversion with 405 when another method's rule has the same path (PATCH /films/9e20).
        regex = ID_PATTERN

        def __init__(self, url_map, *args, **kwargs):
            kwargs.setdefault("max", MAX_ID)
            super().__init__(url_map, *args, **kwargs)

    app.url_map.converters["int"] = DatabaseId


def register_blueprints(app: Flask) -> None:
    from coverage.accounts.views import admin_bp
    from coverage.accounts.views import bp as accounts_bp
    from coverage.api import bp as api_bp
    from coverage.api.docs import assets_bp as api_docs_bp
    from coverage.audit.views import bp as audit_bp
    from coverage.calendars.views import bp as calendars_bp
    from coverage.drafts.views import bp as drafts_bp
    from coverage.festivals.views import bp as festivals_bp
    from coverage.notifications.views import bp as notifications_bp
    from coverage.pieces.views import bp as pieces_bp
    from coverage.programme.import_views import bp as imports_bp
    from coverage.programme.views import bp as programme_bp
    from coverage.public.export_views import bp as public_export_bp
    from coverage.public.feed_views import bp as public_feeds_bp
    from coverage.public.views import bp as public_bp

    app.register_blueprint(accounts_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(festivals_bp)
    app.register_blueprint(programme_bp)
    app.register_blueprint(imports_bp)
    app.register_blueprint(pieces_bp)
    app.register_blueprint(drafts_bp)
    app.register_blueprint(calendars_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(api_docs_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(public_feeds_bp)
    app.register_blueprint(public_export_bp)
    app.register_blueprint(notifications_bp)
    # The API authenticates with bearer tokens, never cookies, so CSRF does not apply to it.
    csrf.exempt(api_bp)


def register_error_handlers(app: Flask) -> None:
    from coverage.web import register_error_pages

    register_error_pages(app)


def register_template_helpers(app: Flask) -> None:
    from coverage.web import register_template_helpers as register

    register(app)


def register_commands(app: Flask) -> None:
    from coverage.cli import register_cli

    register_cli(app)
