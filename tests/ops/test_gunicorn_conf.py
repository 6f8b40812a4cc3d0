"""The gunicorn settings file: it loads as gunicorn loads it, freezes what the worker imported,
raises the young generation's threshold, collects after each response (every generation once
in a hundred), and turns no access log on."""

from __future__ import annotations

import gc
import itertools
import subprocess
import sys
import weakref
from pathlib import Path

from coverage.ops import gunicorn_conf


def test_a_worker_freezes_the_loaded_app_and_collects_young_garbage_less_often():
    script = (
        "import gc, app\n"
        "from coverage.ops import gunicorn_conf\n"
        "assert gc.get_freeze_count() == 0\n"
        "gunicorn_conf.post_worker_init(None)\n"
        "print(gc.get_freeze_count(), gc.get_threshold()[0], gunicorn_conf.accesslog)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        cwd=Path(__file__).parents[2],
    )
    frozen, threshold, accesslog = result.stdout.split()
    assert int(frozen) > 10_000  # the app, its modules and mappers
    assert int(threshold) == 50_000
    assert accesslog == "None"


def test_gunicorn_reads_the_hook_from_the_settings_module():
    # What gunicorn does with `-c python:MODULE` (gunicorn.app.base.Application.load_config).
    from gunicorn.app.base import Application
    from gunicorn.config import Config

    config = Config()
    settings = Application.get_config_from_module_name(None, "coverage.ops.gunicorn_conf")
    for name, value in settings.items():
        if name in config.settings:
            config.set(name, value)
    assert config.post_worker_init.__module__ == "coverage.ops.gunicorn_conf"
    assert config.post_request.__module__ == "coverage.ops.gunicorn_conf"
    assert config.accesslog is None


class Node:
    pass


def test_after_a_response_the_cycles_it_left_are_freed_and_the_young_count_starts_again():
    node = Node()
    node.itself = node  # a cycle: reference counting alone never frees it
    freed = weakref.ref(node)
    del node
    assert freed() is not None

    gunicorn_conf.post_request(None, None, None, None)

    assert freed() is None
    assert gc.get_count()[0] < 100


def test_every_hundredth_response_is_followed_by_a_full_collection(monkeypatch):
    monkeypatch.setattr(gunicorn_conf, "_requests", itertools.count(1))
    generations = [gunicorn_conf.collect_between_requests() for _ in range(200)]

    assert [n + 1 for n, generation in enumerate(generations) if generation == 2] == [100, 200]
    assert generations.count(1) == 198
