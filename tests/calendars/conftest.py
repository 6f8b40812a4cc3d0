"""Fixtures for the calendar-feed tests."""

from __future__ import annotations

import pytest

from tests.calendars.helpers import issue


@pytest.fixture
def festival_feed(app, users, programme) -> str:
    """The editor's secret for every screening of the fixture festival."""
    return issue(app, users["editor"], "festival", programme["festival"])
