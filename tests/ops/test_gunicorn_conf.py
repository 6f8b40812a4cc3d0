"""The gunicorn settings file: it loads as gunicorn loads it, freezes what the worker imported and
raises the young generation's threshold, and turns no access log on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


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
    assert config.accesslog is None
