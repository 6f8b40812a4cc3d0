"""editor.js without a browser: node runs it against a small stand-in for the writing page's
DOM (the ids and data-* attributes templates/drafts/edit.html renders) and a localStorage, to
check the leave warning, the local draft offered back after a lost connection, and clearing it
once saved. Skipped where node is not installed; a browser click-through covers the rest."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

EDITOR_JS = Path(__file__).resolve().parents[2] / "coverage" / "static" / "editor.js"

# Builds one page load over a shared storage and returns what the test looks at.
HARNESS = r"""
const vm = require('vm');
const fs = require('fs');
const source = fs.readFileSync(process.argv[1], 'utf8');
const steps = JSON.parse(process.argv[2]);

function element(props) {
  const handlers = {};
  return Object.assign({
    value: '', readOnly: false, hidden: false, textContent: '', dataset: {},
    classList: {toggle() {}},
    addEventListener(type, fn) { (handlers[type] = handlers[type] || []).push(fn); },
    fire(type, event) { (handlers[type] || []).forEach(fn => fn(event || {})); },
    focus() {},
  }, props);
}
const store = new Map();
const storage = {
  get length() { return store.size; },
  key(i) { return Array.from(store.keys())[i] ?? null; },
  getItem(k) { return store.has(k) ? store.get(k) : null; },
  setItem(k, v) { store.set(k, String(v)); },
  removeItem(k) { store.delete(k); },
};

function load(page) {
  const fields = {
    csrf_token: element({value: 'token'}),
    version: element({value: String(page.version)}),
    headline: element({value: page.headline || 'Red Rocket review'}),
    standfirst: element({value: ''}),
    body: element({value: page.body}),
    star_rating: element({value: ''}),
  };
  const form = element({
    dataset: Object.assign({pieceId: '7', userId: '3', timezone: 'Europe/London',
                            zoneLabel: 'London time', presenceUrl: '/pieces/7/presence'},
                           page.reshown ? {reshown: '1'} : {}),
    querySelector(selector) { return fields[selector.match(/\[name=(\w+)\]/)[1]] || null; },
  });
  const ids = {
    body: fields.body,
    'word-count': element({dataset: {target: '450'}}),
    presence: element({hidden: true}),
    'local-draft': element({hidden: true}),
    'local-draft-text': element(),
    'local-draft-restore': element(),
    'local-draft-discard': element(),
  };
  const win = element({localStorage: storage});
  const sandbox = {
    document: {querySelector: () => form, getElementById: id => ids[id] || null},
    window: win, navigator: {sendBeacon() {}}, fetch: () => new Promise(() => {}),
    FormData: class { append() {} }, setInterval() {}, setTimeout: fn => fn(), clearTimeout() {},
    Date, JSON, Number, Boolean, Object, Array, String,
  };
  vm.runInNewContext(source, sandbox);
  return {form, fields, ids, win};
}

const out = [];
let page = null;
for (const step of steps) {
  if (step.load) page = load(step.load);
  if (step.type !== undefined) {
    page.fields.body.value = step.type;
    page.fields.body.fire('input');  // then it bubbles to the form
    page.form.fire('input');
  }
  if (step.submit) page.form.fire('submit');
  if (step.click) page.ids[step.click].fire('click');
  if (step.look) {
    const event = {prevented: false, preventDefault() { this.prevented = true; }};
    page.win.fire('beforeunload', event);
    out.push({
      warns: event.prevented,
      offer_hidden: page.ids['local-draft'].hidden,
      offer: page.ids['local-draft-text'].textContent,
      body: page.fields.body.value,
      version: page.fields.version.value,
      count: page.ids['word-count'].textContent,
      stored: Object.fromEntries(Array.from(store.entries()).map(([k, v]) => [k, JSON.parse(v)])),
    });
  }
}
console.log(JSON.stringify(out));
"""


def run(steps: list[dict]) -> list[dict]:
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        pytest.skip("node is not installed")
    result = subprocess.run(
        [node, "-e", HARNESS, str(EDITOR_JS), json.dumps(steps)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


SAVED = {"version": 3, "body": "Saved text."}


def test_leaving_with_unsaved_changes_warns_but_submitting_does_not():
    untouched, typed, submitting = run(
        [
            {"load": SAVED, "look": True},
            {"type": "Saved text. And more.", "look": True},
            {"submit": True, "look": True},
        ]
    )
    assert not untouched["warns"]
    assert typed["warns"]
    assert typed["count"] == "4 words of 450"  # the live count
    assert not submitting["warns"]


def test_a_lost_save_is_offered_back_and_restored_on_its_version():
    typed, reopened, restored = run(
        [
            {"load": SAVED},
            {"type": "Saved text, then a dropped connection.", "look": True},
            # The save never arrived: the page opens again on the same version and text.
            {"load": SAVED, "look": True},
            {"click": "local-draft-restore", "look": True},
        ]
    )
    assert typed["stored"]["coverage-draft:7:3:3"]["text"]["body"] == (
        "Saved text, then a dropped connection."
    )
    assert typed["stored"]["coverage-draft:7:3:3"]["version"] == "3"
    assert not reopened["offer_hidden"]
    # In the festival's time with its label, as the rest of the desk shows times.
    assert re.fullmatch(
        r"Restore your unsaved text from \w{3} \d{1,2} \w{3}, \d\d:\d\d London time\?",
        reopened["offer"],
    ), reopened["offer"]
    assert reopened["body"] == "Saved text."
    assert restored["offer_hidden"]
    assert restored["body"] == "Saved text, then a dropped connection."
    assert restored["version"] == "3"  # saved on that version: a change since is a conflict
    assert restored["count"] == "6 words of 450"
    assert restored["warns"]


def test_a_draft_from_an_older_version_restores_that_version():
    (reopened,) = run(
        [
            {"load": SAVED},
            {"type": "Mine, typed on version 3."},
            # Someone else saved since (version 5): restoring sends version 3 back.
            {"load": {"version": 5, "body": "The editor's text."}},
            {"click": "local-draft-restore", "look": True},
        ]
    )
    assert reopened["body"] == "Mine, typed on version 3."
    assert reopened["version"] == "3"


def test_the_local_draft_is_cleared_once_saved_or_discarded():
    saved, discarded = run(
        [
            {"load": SAVED},
            {"type": "Saved text, and saved."},
            {"submit": True},
            # The page after a successful save: the server's text is the draft's.
            {"load": {"version": 4, "body": "Saved text, and saved."}, "look": True},
            {"type": "Another change."},
            {"load": {"version": 4, "body": "Saved text, and saved."}},
            {"click": "local-draft-discard", "look": True},
        ]
    )
    assert saved["stored"] == {} and saved["offer_hidden"]
    assert discarded["stored"] == {} and discarded["offer_hidden"]


def test_text_shown_again_after_a_preview_counts_as_unsaved():
    (preview,) = run(
        [
            {"load": SAVED},
            {"type": "Previewed, not saved."},
            {"submit": True},
            # The preview page shows the posted text: it is not saved, so keep the draft.
            {"load": {"version": 3, "body": "Previewed, not saved.", "reshown": True}},
            {"look": True},
        ]
    )
    assert preview["offer_hidden"]  # already on the page
    assert preview["stored"]["coverage-draft:7:3:3"]["text"]["body"] == "Previewed, not saved."
    assert preview["warns"]


def festival_clock(iso: str, zone: str, label: str, browser_zone: str) -> str:
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        pytest.skip("node is not installed")
    script = (
        "const m = require(process.argv[1]);"
        "console.log(m.festivalClock(process.argv[2], process.argv[3], process.argv[4]));"
    )
    result = subprocess.run(
        [node, "-e", script, str(EDITOR_JS), iso, zone, label],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "TZ": browser_zone, "LANG": "de_DE.UTF-8", "LC_ALL": "de_DE.UTF-8"},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize(
    "iso,zone,label,shown",
    [
        # 15:36 UTC is 23:36 in Manila: a browser in New York (or London) still shows Manila's.
        ("2026-11-30T15:36:00.000Z", "Asia/Manila", "Manila time", "Mon 30 Nov, 23:36 Manila time"),
        (
            "2021-10-10T17:30:00.000Z",
            "Europe/London",
            "London time",
            "Sun 10 Oct, 18:30 London time",
        ),
        (
            "2021-09-09T04:05:00.000Z",
            "America/Toronto",
            "Toronto time",
            "Thu 9 Sep, 00:05 Toronto time",
        ),
        # A zone the browser does not know: UTC, said so, rather than the browser's own zone.
        ("2021-10-10T17:30:00.000Z", "Nowhere/Atlantis", "Atlantis time", "Sun 10 Oct, 17:30 UTC"),
    ],
)
def test_the_local_draft_time_is_in_the_festivals_zone_with_its_label(iso, zone, label, shown):
    assert festival_clock(iso, zone, label, browser_zone="America/New_York") == shown
