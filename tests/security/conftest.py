"""Fixtures of other areas the header tests reuse: published pieces, API tokens, feed secrets."""

from tests.api.conftest import tokens  # noqa: F401
from tests.calendars.conftest import festival_feed  # noqa: F401
from tests.public.conftest import publish  # noqa: F401
