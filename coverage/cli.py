"""`flask --app app ...` commands."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from coverage.accounts import services as accounts
from coverage.accounts.roles import Role
from coverage.errors import DomainError
from coverage.extensions import db


def register_cli(app: Flask) -> None:
    app.cli.add_command(create_user_command)
    app.cli.add_command(create_token_command)
    app.cli.add_command(demo_data_command)


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option("--name", required=True, help="The person's name, as shown to the desk.")
@click.option(
    "--role",
    required=True,
    type=click.Choice([role.value for role in Role], case_sensitive=False),
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user_command(email: str, name: str, role: str, password_stdin: bool) -> None:
    """Create an account (the password is asked for, or read with --password-stdin)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = accounts.create_user(email, name, role, password)
    except (DomainError, ValueError) as error:
        db.session.rollback()
        _fail(getattr(error, "message", str(error)))
    db.session.commit()
    click.echo(f"Created {user.role.value} {user.email} (id {user.id}).")


@click.command("create-token")
@with_appcontext
@click.argument("email")
@click.option("--label", default="command line", show_default=True)
def create_token_command(email: str, label: str) -> None:
    """Print a new personal API token for EMAIL (shown once; only its hash is stored)."""
    user = accounts.find_user_by_email(email)
    if user is None:
        _fail(f"No account for {email}.")
    if not user.active:
        _fail(f"The account {email} is deactivated.")
    _, secret = accounts.issue_api_token(user, label)
    db.session.commit()
    click.echo(secret)


@click.command("demo-data")
@with_appcontext
@click.option(
    "--if-empty", is_flag=True, help="Do nothing (and succeed) when the database has any data."
)
def demo_data_command(if_empty: bool) -> None:
    """Load the demo desk: LFF 2021, a second festival, and four demo accounts."""
    from coverage.demo import load_demo_data
    from coverage.models import Festival, User

    if current_app.config["COVERAGE_ENV"] == "production":
        _fail("Demo data (with its well-known passwords) is never loaded in production.")
    has_data = (db.session.scalar(select(func.count(User.id))) or 0) + (
        db.session.scalar(select(func.count(Festival.id))) or 0
    )
    if has_data:
        if if_empty:
            click.echo("The database already has data; demo data not loaded.")
            return
        _fail("The database is not empty; demo data goes only into an empty database.")
    summary = load_demo_data()
    db.session.commit()
    click.echo(summary)
