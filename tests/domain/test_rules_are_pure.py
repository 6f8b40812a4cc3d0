"""Rules modules must not import Flask or the database, directly or through another module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE_ROOT = Path(__file__).resolve().parents[2] / "coverage"
FORBIDDEN = ("flask", "flask_", "sqlalchemy", "werkzeug", "coverage.extensions", "wtforms")

RULE_MODULES = [
    "coverage.drafts.rules",
    "coverage.accounts.permissions",
    "coverage.accounts.roles",
    "coverage.accounts.tokens",
    "coverage.errors",
    "coverage.timeutil",
    "coverage.programme.kinds",
    "coverage.pieces.kinds",
    "coverage.calendars.kinds",
    "coverage.calendars.vtimezone",
    "coverage.programme.importing",
    "coverage.programme.schedule",
    "coverage.programme.rules",
    "coverage.programme.import_plan",
    "coverage.programme.impact",
    "coverage.pieces.workflow",
    "coverage.pieces.embargo",
    "coverage.pieces.clashes",
    "coverage.drafts.rendering",
    "coverage.drafts.wordcount",
    "coverage.drafts.diff",
    "coverage.public.export",
    "coverage.notifications.rules",
]
OPTIONAL_RULE_MODULES: list[str] = []


def module_path(name: str) -> Path | None:
    relative = Path(*name.split(".")[1:])
    for candidate in (PACKAGE_ROOT / f"{relative}.py", PACKAGE_ROOT / relative / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def forbidden_imports(start: str) -> list[str]:
    """Walk the module's own imports within the package (skipping package __init__ files)."""
    seen: set[str] = set()
    found: list[str] = []
    queue = [start]
    while queue:
        name = queue.pop()
        if name in seen:
            continue
        seen.add(name)
        path = module_path(name)
        if path is None:
            continue
        for imported in imports_of(path):
            if imported.startswith(FORBIDDEN) or imported in FORBIDDEN:
                found.append(f"{name} imports {imported}")
            elif imported.startswith("coverage."):
                queue.append(imported)
    return found


@pytest.mark.parametrize("module", RULE_MODULES + OPTIONAL_RULE_MODULES)
def test_rules_module_imports_neither_flask_nor_the_database(module):
    if module in OPTIONAL_RULE_MODULES and module_path(module) is None:
        pytest.skip(f"{module} not written yet")
    assert module_path(module) is not None, f"{module} is missing"
    assert forbidden_imports(module) == []


def test_the_checker_notices_a_forbidden_import():
    assert forbidden_imports("coverage.accounts.services"), "services import flask and must be seen"
