"""schemathesis against the API in-process (WSGI): every operation of the served OpenAPI document,
with a writer's token and with an editor's, valid and invalid requests generated from the
document itself. Every answer must be no 5xx, a status the operation documents, a documented
content type, and a body matching the documented schema.

Bounded and repeatable: `EXAMPLES` per operation and mode, derandomized (the same requests every
run), no example database. A failure names the operation and the request that broke it.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Ids and slugs of the seeded programme are put into half the generated paths, so that the
# operations act on things that exist (random ids would only ever reach the 404 path).
PATH_IDS = {
    "venue_id": "nft1",
    "film_id": "film",
    "screening_id": "press",
    "piece_id": "piece",
    "writer_id": "writer",
    "number": None,  # revision 1 of the piece
}


def _seeded_value(name: str, programme: dict, users: dict) -> object:
    if name == "slug":
        return programme["slug"]
    if name == "writer_id":
        return users["writer"]
    if name == "number":
        return 1
    return programme[PATH_IDS[name]]


def _with_seeded_ids(case, programme: dict, users: dict) -> None:
    for name in list(case.path_parameters or {}):
        if name == "slug" or name in PATH_IDS:
            case.path_parameters[name] = _seeded_value(name, programme, users)
    if case.query and "festival" in case.query:
        case.query["festival"] = programme["slug"]


def _seed_text(app, programme: dict, users: dict) -> None:
    """The piece assigned to the writer, with a saved revision and a comment to list."""
    from datetime import timedelta

    from coverage.accounts.models import User
    from coverage.drafts import services as drafts
    from coverage.extensions import db
    from coverage.pieces.kinds import PieceState
    from coverage.pieces.models import Piece
    from coverage.timeutil import utcnow

    with app.app_context():
        piece = db.session.get(Piece, programme["piece"])
        writer = db.session.get(User, users["writer"])
        editor = db.session.get(User, users["editor"])
        piece.writer = writer
        piece.editor = editor
        piece.due_at = utcnow() + timedelta(days=3)
        piece.state = PieceState.ASSIGNED
        db.session.flush()
        drafts.save_draft(
            piece,
            writer,
            drafts.Text(headline="Red Rocket", standfirst="", body="Draft.", star_rating=None),
            base_version=piece.version,
            now=utcnow(),
        )
        drafts.add_comment(piece, editor, "Tighten the intro.", utcnow())
        db.session.commit()


@pytest.mark.parametrize("role", ["writer", "editor"])
def test_every_operation_answers_as_documented(app, programme, users, tokens, role):
    _seed_text(app, programme, users)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = tokens[role]
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        if not hasattr(result, "ok"):  # the document itself is invalid here
            failures.append(f"invalid operation in the document: {result.err()}")
            continue
        operation = result.ok()
        operations += 1
        strategy = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(
            GenerationMode.NEGATIVE
        )

        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate, Phase.shrink],
            # One app and database serve every example (as a server would); the strategies
            # legitimately filter many negative cases.
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy, seeded=st.booleans())
        def run(case, seeded):
            if seeded:
                _with_seeded_ids(case, programme, users)
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except Exception as error:  # noqa: BLE001 - collected, reported together below
            failures.append(f"{operation.label}: {error}")
    assert operations >= 25, "the document lost operations"
    assert not failures, "\n\n".join(failures)
