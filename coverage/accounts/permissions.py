"""Who may do what: pure `can_*` rules over roles, no Flask, no database session.

Views, the API and the CLI ask these functions; a test checks this module imports neither.
"""

from __future__ import annotations

from dataclasses import dataclass

from coverage.accounts.roles import Role
from coverage.errors import NotPermitted

DESK_ROLES = frozenset({Role.ADMIN, Role.EDITOR})


@dataclass(frozen=True)
class Actor:
    """The minimum a rule needs to know about whoever is acting."""

    id: int
    role: Role
    active: bool = True


def can_manage_users(actor: Actor) -> bool:
    return actor.active and actor.role is Role.ADMIN


def can_edit_programme(actor: Actor) -> bool:
    """Festivals, venues, films and screenings are the desk's: editors and admins."""
    return actor.active and actor.role in DESK_ROLES


def can_view_programme(actor: Actor) -> bool:
    return actor.active


def can_read_text(actor: Actor, writer_id: int | None) -> bool:
    """Who may see what of a piece: the one rule every page, API resource and export asks.

    Everyone who sees the programme sees every piece's plan facts (film, kind, writer, state,
    dates, and a working title made from kind and film) so the desk can coordinate. The piece's
    text (headline, standfirst, body, star rating, pull quote), its revisions, its comments and
    the notes on its history (a return, decline or spike note is the desk talking to the writer)
    are for editors and admins, and for the piece's own writer; nobody else. Live text is public
    on the reader's site anyway, but the desk's pages follow this rule (a correction in progress
    is not public). A piece nobody writes yet is the desk's alone.
    """
    if not actor.active:
        return False
    return actor.role in DESK_ROLES or (writer_id is not None and writer_id == actor.id)


def ensure(allowed: bool, message: str) -> None:
    if not allowed:
        raise NotPermitted(message)


def check_account_change(
    actor: Actor,
    target_id: int,
    *,
    new_role: Role | None,
    deactivate: bool,
    active_admins: int,
    target_is_active_admin: bool,
) -> None:
    """Protects the desk from locking itself out.

    Only admins change accounts; nobody deactivates or demotes themselves (another admin must),
    and the last active admin can be neither deactivated nor demoted.
    """
    ensure(can_manage_users(actor), "Only an admin can change accounts.")
    demoting = new_role is not None and new_role is not Role.ADMIN
    if target_id == actor.id and (deactivate or demoting):
        raise NotPermitted("You cannot deactivate or demote your own account; ask another admin.")
    if target_is_active_admin and (deactivate or demoting) and active_admins <= 1:
        raise NotPermitted("This is the last active admin; make another admin first.")
