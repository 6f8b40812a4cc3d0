"""Entry point: `flask --app app ...` and `gunicorn app:app`."""

from coverage import create_app

app = create_app()
