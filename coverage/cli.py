"""`flask --app app ...` commands."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

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
    app.cli.add_command(create_festival_command)
    app.cli.add_command(import_programme_command)
    app.cli.add_command(publish_due_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(feed_url_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


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
    from coverage.audit.actions import AuditAction
    from coverage.audit.services import COMMAND_LINE, record

    record(
        AuditAction.ACCOUNT_CREATED,
        actor=None,
        origin=COMMAND_LINE,
        target=user.email,
        detail=f"role {user.role.value}",
    )
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
    token, secret = accounts.issue_api_token(user, label)
    from coverage.audit.actions import AuditAction
    from coverage.audit.services import COMMAND_LINE, record

    record(
        AuditAction.API_TOKEN_CREATED,
        actor=user,
        origin=COMMAND_LINE,
        target=f"API token “{token.label}” ({token.hint}…)",
    )
    db.session.commit()
    click.echo(secret)


@click.command("demo-data")
@with_appcontext
@click.option(
    "--if-empty", is_flag=True, help="Do nothing (and succeed) when the database has any data."
)
def demo_data_command(if_empty: bool) -> None:
    """Load the demo desk: LFF 2021, TIFF 2021, a festival running now, four demo accounts."""
    from coverage.demo import load_demo_data
    from coverage.models import Festival, User
    from coverage.timeutil import utcnow

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
    summary = load_demo_data(utcnow())
    db.session.commit()
    click.echo(summary)


@click.command("create-festival")
@with_appcontext
@click.option("--name", required=True, help="e.g. 'London Film Festival'.")
@click.option("--year", "edition", required=True, type=int, help="The edition's year.")
@click.option("--timezone", required=True, help="IANA zone, e.g. Europe/London.")
@click.option("--start", required=True, type=click.DateTime(["%Y-%m-%d"]), help="YYYY-MM-DD")
@click.option("--end", required=True, type=click.DateTime(["%Y-%m-%d"]), help="YYYY-MM-DD")
@click.option("--city", default="")
@click.option("--slug", default="", help="Defaults to the name and year, e.g. cinemalaya-2023.")
@click.option("--website", default="")
@click.option("--organiser", default="", help="Who runs it, e.g. BFI (named in article footers).")
@click.option("--travel-buffer", default=15, show_default=True, type=int, help="Minutes.")
def create_festival_command(
    name: str,
    edition: int,
    timezone: str,
    start,
    end,
    city: str,
    slug: str,
    website: str,
    organiser: str,
    travel_buffer: int,
) -> None:
    """Create a festival and print its slug."""
    from coverage.festivals.services import create_festival
    from coverage.programme.rules import FestivalFields

    fields = FestivalFields(
        name=name,
        edition=edition,
        timezone=timezone,
        start_date=start.date(),
        end_date=end.date(),
        slug=slug,
        city=city,
        website=website,
        organiser=organiser,
        travel_buffer_minutes=travel_buffer,
    )
    try:
        festival = create_festival(fields)
    except DomainError as error:
        db.session.rollback()
        _fail(f"{error.field}: {error.message}" if error.field else error.message)
    db.session.commit()
    click.echo(festival.slug)


@click.command("import-programme")
@with_appcontext
@click.argument("festival_slug")
@click.argument("file", type=click.File("rb"))
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option(
    "--date-order",
    type=click.Choice(["day_first", "month_first"]),
    help="How to read numeric dates such as 05/08/2023 when both orders are possible.",
)
@click.option(
    "--late-shows-on-evening-date",
    is_flag=True,
    help="The file lists late shows under the evening's date: a start before 06:00 listed on "
    "Friday is read as Saturday morning.",
)
def import_programme_command(
    festival_slug: str,
    file,
    dry_run: bool,
    date_order: str | None,
    late_shows_on_evening_date: bool,
):
    """Import a programme CSV into a festival: all of it, or nothing when there are errors."""
    from coverage.festivals.services import festival_by_slug
    from coverage.programme import importer
    from coverage.programme.import_venues import describe_proposal
    from coverage.programme.importing import DateOrder

    festival = festival_by_slug(festival_slug)
    if festival is None:
        _fail(f"No festival with the slug '{festival_slug}'.")
    if not dry_run:
        importer.lock_for_import(festival)  # plan against what is committed, and keep it so
    order = DateOrder(date_order) if date_order else None
    try:
        preview = importer.preview_import(
            festival,
            file.read(),
            date_order=order,
            late_shows_on_evening_date=late_shows_on_evening_date,
        )
    except DomainError as error:
        _fail(error.message)
    for problem in preview.parsed.problems:
        where = f"row {problem.row}" if problem.row else "file"
        column = f", column {problem.column}" if problem.column else ""
        click.echo(f"{problem.severity.value}: {where}{column}: {problem.message}", err=True)
    if preview.parsed.early_start_rows:
        click.echo(f"note: {importer.early_starts_note(preview.parsed)}", err=True)
        click.echo(
            "note: if so, import it again with --late-shows-on-evening-date to read them as the "
            "next morning.",
            err=True,
        )
    if preview.plan is not None:
        for note in preview.plan.notes:
            click.echo(f"note: {note}", err=True)
        # The CLI takes venue merges as proposed (the web preview lets the editor change them).
        for proposal in preview.plan.venue_proposals:
            click.echo(f"note: venues: {describe_proposal(proposal)}", err=True)
    summary = importer.summary_line(preview.parsed, preview.plan)
    if not preview.can_apply:
        click.echo(summary)
        click.echo("Nothing was imported.", err=True)
        sys.exit(1)
    if dry_run:
        click.echo(summary)
        click.echo("Dry run: nothing was written.", err=True)
        return
    from coverage.audit.acts import audit_import
    from coverage.audit.services import COMMAND_LINE

    applied = importer.apply_plan(festival, preview.plan)
    # Recorded like the web import, committed with it; a dry run (above) records nothing.
    audit_import(festival, Path(file.name).name, applied, origin=COMMAND_LINE)
    db.session.commit()
    click.echo(summary)


@click.command("publish-due")
@with_appcontext
def publish_due_command() -> None:
    """Publish every scheduled piece whose embargo (or chosen time) has passed.

    Run it from cron every minute. Safe on several machines at once against one PostgreSQL:
    each piece is claimed under a row lock, so none is published twice; re-running is harmless.
    """
    from coverage.pieces.services import publish_due
    from coverage.timeutil import utcnow
    from coverage.worker import published_line

    now = utcnow()
    published = publish_due(now)
    from coverage.audit.acts import record_scheduled_publications
    from coverage.audit.services import COMMAND_LINE

    record_scheduled_publications(published, COMMAND_LINE)
    db.session.commit()
    for piece in published:
        click.echo(published_line(piece, now))
    click.echo(f"{len(published)} piece{'s' if len(published) != 1 else ''} published.")


@click.command("worker")
@with_appcontext
@click.option(
    "--interval",
    type=click.IntRange(min=1),
    help="Seconds to wait between rounds (default: WORKER_INTERVAL_SECONDS, 15).",
)
@click.option("--once", is_flag=True, help="Run one round and exit (1 if it failed), for cron.")
def worker_command(interval: int | None, once: bool) -> None:
    """Publish scheduled pieces as their time comes, send deadline reminders, daily digests
    and the email outbox, every --interval seconds, until stopped.

    Run one beside the web server (`make run` does), or one per machine in production; safe
    next to other workers and cron `publish-due` runs. A database error is logged and retried
    next round. SIGTERM or Ctrl-C stops it after the round in progress, with exit status 0.
    """
    from coverage.worker import run_worker

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    seconds = interval if interval is not None else app.config["WORKER_INTERVAL_SECONDS"]
    stop = threading.Event()
    # Stop between rounds rather than die in the middle of one. Installed over whatever was there,
    # even an inherited "ignore", so Ctrl-C also stops a worker started with `&` from a script.
    previous = {
        signum: signal.signal(signum, lambda *_: stop.set())
        for signum in (signal.SIGTERM, signal.SIGINT)
    }
    if not once:
        click.echo(
            f"Worker: publishing due pieces and sending email every {seconds} s; stop with Ctrl-C.",
            err=True,
        )
    try:
        stats = run_worker(app, interval=seconds, once=once, stop_event=stop, report=click.echo)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if once:
        if stats.last_round_failed:
            sys.exit(1)
        return
    click.echo(
        f"Worker stopped ({stats.published} published, {stats.emails_sent} emails sent "
        f"in {stats.rounds} rounds).",
        err=True,
    )


@click.command("feed-url")
@with_appcontext
@click.option("--festival", "festival_slug", help="Every screening of this festival.")
@click.option("--personal", is_flag=True, help="The user's own screenings, interviews, deadlines.")
@click.option("--desk", "desk_slug", help="Deadlines, interviews, publications of this festival.")
@click.option("--user", "email", required=True, help="Whose feed (it stops with their account).")
def feed_url_command(festival_slug, personal, desk_slug, email) -> None:
    """Print a calendar feed URL. Secrets are stored hashed, so this makes a new one and the
    user's previous URL for that feed stops working."""
    from coverage.calendars import services as calendars
    from coverage.calendars.kinds import FeedKind
    from coverage.festivals.services import festival_by_slug
    from coverage.timeutil import utcnow

    chosen = [option for option in (festival_slug, personal, desk_slug) if option]
    if len(chosen) != 1:
        _fail("Choose exactly one of --festival SLUG, --personal or --desk SLUG.")
    user = accounts.find_user_by_email(email)
    if user is None:
        _fail(f"No account for {email}.")
    kind = FeedKind.PERSONAL if personal else FeedKind.DESK if desk_slug else FeedKind.FESTIVAL
    festival = None
    if not personal:
        festival = festival_by_slug(desk_slug or festival_slug)
        if festival is None:
            _fail(f"No festival with the slug '{desk_slug or festival_slug}'.")
    base = (current_app.config.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000").rstrip("/")
    try:
        _, secret = calendars.issue_feed_token(user, kind, festival, utcnow())
    except DomainError as error:
        db.session.rollback()
        _fail(error.message)
    db.session.commit()
    click.echo(f"{base}/calendars/{secret}.ics")
    click.echo("(A new address; the previous one for this feed no longer works.)", err=True)


@click.command("backup")
@with_appcontext
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite FILE when it exists.")
def backup_command(file: Path, force: bool) -> None:
    """Write a consistent snapshot of every table to FILE (gzip'ed JSON lines; restores into
    SQLite or PostgreSQL). Safe while the desk is in use."""
    from sqlalchemy.exc import SQLAlchemyError

    from coverage.ops.backup import BackupError, write_backup_file
    from coverage.timeutil import utcnow

    if file.exists() and not force:
        _fail(f"{file} exists; pass --force to overwrite it.")
    try:
        summary = write_backup_file(db.engine, db.metadata, file, now=utcnow())
    except BackupError as error:
        _fail(error.message)
    except (SQLAlchemyError, OSError) as error:
        _fail(f"backup failed, nothing written: {error}")
    click.echo(
        f"Backed up {summary.total_rows} rows of {len(summary.table_rows)} tables "
        f"(schema {summary.alembic_revision or 'not migrated'}) to {file}."
    )


@click.command("restore")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--replace",
    is_flag=True,
    help="Delete everything in the database first (in the same transaction as the restore).",
)
def restore_command(file: Path, replace: bool) -> None:
    """Load a backup made by `backup` into this database, which must be migrated to the
    backup's revision and empty (or --replace). All of it, or nothing on any error."""
    from sqlalchemy.exc import SQLAlchemyError

    from coverage import locking
    from coverage.audit.actions import AuditAction
    from coverage.audit.services import COMMAND_LINE, record
    from coverage.ops.backup import BackupError, restore_backup

    try:
        locking.begin_write()  # SQLite: take the write lock before checking that it is empty
        with file.open("rb") as stream:
            summary = restore_backup(db.session.connection(), db.metadata, stream, replace=replace)
        # Recorded in the restore's own transaction: it lands with the rows or not at all.
        record(
            AuditAction.BACKUP_RESTORED,
            actor=None,
            origin=COMMAND_LINE,
            target=file.name,
            detail=(
                f"{summary.total_rows} rows of {len(summary.table_rows)} tables from a backup "
                f"made {summary.created_at.isoformat()}"
                + (", replacing all data" if replace else "")
            ),
        )
        db.session.commit()
    except BackupError as error:
        db.session.rollback()
        _fail(f"{error.message} Nothing was restored.")
    except (SQLAlchemyError, OSError) as error:
        db.session.rollback()
        _fail(f"restore failed, nothing was restored: {error}")
    click.echo(
        f"Restored {summary.total_rows} rows of {len(summary.table_rows)} tables from {file} "
        f"(backup made {summary.created_at.isoformat()})."
    )
