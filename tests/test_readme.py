"""The README stands on its own in a fresh clone: everything it points to is in the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# [text](target) and [text](target "title"); images too.
LINK = re.compile(r"\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
# `coverage/pieces/workflow.py`, `data/samples/x.csv`: code spans naming a file of the repo.
REPO_PATH = re.compile(
    r"`((?:coverage|tests|docs|data|migrations|templates|\.ci)/[^`\s<>*]*[^`\s<>*/])`"
)


def _relative_links(text: str) -> list[str]:
    return [
        target
        for target in LINK.findall(text)
        if not re.match(r"^[a-z][a-z0-9+.-]*:", target) and not target.startswith("#")
    ]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_no_path_leads_outside_the_repository(doc):
    text = doc.read_text(encoding="utf-8")
    assert "../" not in text
    assert "/work/" not in text and "/shared/" not in text
    assert "DESIGN.md" not in text  # the design notes are docs/design.md, in the repository
    for target in _relative_links(text):
        assert not target.startswith("/"), target


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_relative_link_and_named_file_exists(doc):
    text = doc.read_text(encoding="utf-8")
    targets = _relative_links(text)
    if doc.name == "README.md":
        assert "docs/design.md" in targets
    for target in targets:
        path = (doc.parent / target.split("#", 1)[0]).resolve()
        assert path.is_relative_to(ROOT), target
        assert path.exists(), f"{doc.name} links to {target}, which is not in the repository"
        anchor = target.partition("#")[2]
        if anchor:
            headings = re.findall(r"^#+\s+(.+)$", path.read_text(encoding="utf-8"), re.M)
            slugs = {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-") for h in headings}
            assert anchor in slugs, target
    for name in REPO_PATH.findall(text):
        assert (ROOT / name).exists(), f"{doc.name} names {name}, which is not in the repository"


def test_the_sample_programme_is_the_one_the_tests_import():
    sample = ROOT / "data" / "samples" / "cinemalaya-2023-schedule.csv"
    assert "data/samples/cinemalaya-2023-schedule.csv" in (ROOT / "README.md").read_text()
    assert sample.read_bytes() == (ROOT / "tests" / "data" / sample.name).read_bytes()


def test_the_readme_says_how_long_the_suite_takes():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(r"`make test` takes about [^.]*minutes", text)
    assert re.search(r"`\.ci/run` takes\s+about [^.]*minutes", text)
