"""The revision compare page stays bounded on long, very different texts and says when it shows
changes by paragraph instead of word by word (issue 13, "Bounded work")."""

from __future__ import annotations

import random

from coverage.drafts import diff
from coverage.drafts.models import Revision
from coverage.extensions import db
from tests.conftest import log_in

COARSE = "Changes shown by paragraph: the texts differ too much to compare word by word."


def _revisions(app, piece_id: int, *bodies: str) -> None:
    with app.app_context():
        for number, body in enumerate(bodies, start=1):
            db.session.add(
                Revision(piece_id=piece_id, number=number, version=number, headline="H", body=body)
            )
        db.session.commit()


def _random_line(seed: int, size: int) -> str:
    rng = random.Random(seed)
    words = ["".join(rng.choices("abcdefghij", k=rng.randint(2, 8))) for _ in range(2000)]
    return " ".join(rng.choice(words) for _ in range(size // 6))[:size]


def test_compare_of_two_50_kb_texts_falls_back_and_says_so(
    app, client, users, programme, monkeypatch
):
    old, new = _random_line(1, 50_000), _random_line(2, 50_000)
    _revisions(app, programme["piece"], old, new)
    spent: list[int] = []
    real = diff.diff_lines

    def counted(*args, **kwargs):
        result = real(*args, **kwargs)
        spent.append(result.work)
        return result

    monkeypatch.setattr(diff, "diff_lines", counted)
    log_in(client, "editor@example.org")
    response = client.get(f"/pieces/{programme['piece']}/revisions/compare?a=1&b=2")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert COARSE in page
    assert page.count(COARSE) == 1  # the body only; the headline is the same
    assert len(spent) == 4 and max(spent) <= diff.WORK_LIMIT + 50_000


def test_compare_of_a_few_changed_words_marks_them_without_the_notice(
    app, client, users, programme
):
    old = "\n\n".join(f"Paragraph {i}: the print looks superb tonight." for i in range(400))
    new = old.replace("Paragraph 7: the print", "Paragraph 7: the restored print")
    _revisions(app, programme["piece"], old, new)
    log_in(client, "editor@example.org")
    page = client.get(f"/pieces/{programme['piece']}/revisions/compare?a=1&b=2").get_data(
        as_text=True
    )
    assert "Paragraph 7: the <ins>restored </ins>print" in page
    assert COARSE not in page
