"""Domain errors: plain exceptions carrying a sentence a user can act on.

Rules and services raise them; one set of handlers (registered in `create_app`) turns them into
an HTML page in the site's layout or an RFC 9457 problem+json body for the API.
"""

from __future__ import annotations

# RFC 9110 section 15.5.21's name for 422 (older texts, Python before 3.13's HTTPStatus and
# werkzeug say "Unprocessable Entity"): the title of every 422 the app answers, page or API.
UNPROCESSABLE_CONTENT = "Unprocessable Content"


class DomainError(Exception):
    """Base of every refusal the domain makes. `status` is the HTTP status it maps to."""

    status = 400
    title = "Bad request"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotPermitted(DomainError):
    status = 403
    title = "Forbidden"


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class TransitionRefused(Conflict):
    """A workflow transition that the state, the actor or a guard does not allow."""


class InvalidInput(DomainError):
    status = 422
    title = UNPROCESSABLE_CONTENT
