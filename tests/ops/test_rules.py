"""The pure rules of operations: request ids and worker freshness."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from coverage.ops.rules import (
    REDACTED,
    WorkerState,
    parse_heartbeat,
    redacted_arguments,
    request_id_from_header,
    worker_state,
)

NOW = datetime(2021, 10, 8, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("value", ["abc", "lb-1234.abc_DEF", "x" * 64])
def test_a_safe_incoming_request_id_is_kept(value):
    assert request_id_from_header(value) == value


@pytest.mark.parametrize(
    "value", [None, "", "x" * 65, "has space", "line\nbreak", 'quote"d', "naïve", "a/b"]
)
def test_an_unsafe_request_id_is_replaced_by_a_new_one(value):
    new = request_id_from_header(value)
    assert new != value
    assert len(new) == 32 and all(ch in "0123456789abcdef" for ch in new)


def test_secret_arguments_are_redacted_and_others_kept():
    assert redacted_arguments({"secret": "abc", "slug": "lff-2021", "token": "t"}) == {
        "secret": REDACTED,
        "slug": "lff-2021",
        "token": REDACTED,
    }


@pytest.mark.parametrize(
    ("last_seen", "state"),
    [
        (None, WorkerState.NEVER_SEEN),
        (NOW - timedelta(minutes=5), WorkerState.OK),
        (NOW - timedelta(minutes=5, seconds=1), WorkerState.STALE),
        (NOW + timedelta(minutes=2), WorkerState.OK),
    ],
)
def test_worker_state(last_seen, state):
    assert worker_state(last_seen, NOW) is state


@pytest.mark.parametrize("stored", [None, "", "yesterday", "2021-10-08T09:00:00"])
def test_an_unreadable_or_zoneless_heartbeat_counts_as_never_seen(stored):
    assert parse_heartbeat(stored) is None
