from __future__ import annotations

import pytest

from coverage.accounts.permissions import (
    Actor,
    can_edit_programme,
    can_manage_users,
    can_read_text,
    can_view_programme,
    check_account_change,
)
from coverage.accounts.roles import Role
from coverage.drafts.rules import may_comment
from coverage.errors import NotPermitted
from coverage.public.export import may_export

ADMIN = Actor(id=1, role=Role.ADMIN)
EDITOR = Actor(id=2, role=Role.EDITOR)
WRITER = Actor(id=3, role=Role.WRITER)


@pytest.mark.parametrize(
    "actor,manage,edit,view",
    [
        (ADMIN, True, True, True),
        (EDITOR, False, True, True),
        (WRITER, False, False, True),
        (Actor(id=4, role=Role.ADMIN, active=False), False, False, False),
    ],
)
def test_role_rules(actor, manage, edit, view):
    assert can_manage_users(actor) is manage
    assert can_edit_programme(actor) is edit
    assert can_view_programme(actor) is view


def _change(actor, target_id, role=None, deactivate=False, admins=2, target_admin=False):
    check_account_change(
        actor,
        target_id,
        new_role=role,
        deactivate=deactivate,
        active_admins=admins,
        target_is_active_admin=target_admin,
    )


def test_only_admins_change_accounts():
    with pytest.raises(NotPermitted, match="Only an admin"):
        _change(EDITOR, 3, role=Role.EDITOR)


def test_nobody_deactivates_or_demotes_themselves():
    with pytest.raises(NotPermitted, match="your own account"):
        _change(ADMIN, ADMIN.id, deactivate=True, target_admin=True)
    with pytest.raises(NotPermitted, match="your own account"):
        _change(ADMIN, ADMIN.id, role=Role.EDITOR, target_admin=True)
    _change(ADMIN, ADMIN.id, role=Role.ADMIN, target_admin=True)  # no change is fine


def test_the_last_active_admin_stays():
    with pytest.raises(NotPermitted, match="last active admin"):
        _change(ADMIN, 9, deactivate=True, admins=1, target_admin=True)
    with pytest.raises(NotPermitted, match="last active admin"):
        _change(ADMIN, 9, role=Role.WRITER, admins=1, target_admin=True)
    _change(ADMIN, 9, role=Role.WRITER, admins=2, target_admin=True)
    _change(ADMIN, 9, deactivate=True, admins=1, target_admin=False)


def test_role_parse_names_the_choices():
    assert Role.parse(" Editor ") is Role.EDITOR
    with pytest.raises(ValueError, match="admin, editor, writer"):
        Role.parse("boss")


@pytest.mark.parametrize(
    "actor,writer_id,allowed",
    [
        (ADMIN, 7, True),
        (EDITOR, 7, True),
        (EDITOR, None, True),
        (Actor(id=7, role=Role.WRITER), 7, True),
        (WRITER, 7, False),  # a colleague's piece: its plan, not its text
        (WRITER, None, False),  # nobody writes it yet: the desk's alone
        (Actor(id=7, role=Role.WRITER, active=False), 7, False),
        (Actor(id=2, role=Role.EDITOR, active=False), 7, False),
    ],
)
def test_who_may_read_a_pieces_text(actor, writer_id, allowed):
    """Text, revisions, comments and history notes: one rule, which commenting and the CMS
    export ask too (every route is checked in tests/test_who_sees_text.py)."""
    assert can_read_text(actor, writer_id) is allowed
    assert may_comment(actor, writer_id) is allowed
    assert may_export(actor, writer_id) is allowed
