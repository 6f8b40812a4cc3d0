// The draft editor: a live word count, "who else has this open" (a heartbeat every minute), a
// warning before leaving with unsaved changes, and a local copy of the text on this device so a
// dropped connection loses nothing. A static file, not an inline script, so the
// Content-Security-Policy needs no 'unsafe-inline'; the page passes ids in data-* attributes.

// The one word count, ported line by line from coverage/drafts/wordcount.py (read its docstring
// for the rule). tests/domain/test_word_count.py checks that these patterns are the Python
// ones and, with node, that both count the same. Change both together.
var LINE_END = /\r\n?/g;
var FENCE_LINE = /(?<![^\n])[ \t]{0,3}(?:`{3,}|~{3,})[^\n]*/g;
var REFERENCE_DEFINITION = /(?<![^\n])[ \t]{0,3}\[[^\]\n]+\]:[^\n]*/g;
var LIST_NUMBER = /(?<![^\n])[ \t>]*[0-9]{1,9}[.)](?![^ \t\n])/g;
var LINK_TARGET = /\]\((?:[^()\n]|\([^()\n]*\))*\)/g;
var SEPARATOR = /[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000|]+/;
var LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

function wordCount(markdown) {
  var text = (markdown || '')
    .replace(LINE_END, '\n')
    .replace(FENCE_LINE, '')
    .replace(REFERENCE_DEFINITION, '')
    .replace(LIST_NUMBER, ' ')
    .replace(LINK_TARGET, ']');
  return text.split(SEPARATOR).filter(function (word) { return LETTER_OR_DIGIT.test(word); }).length;
}

// "Mon 30 Nov, 23:36 Manila time": an ISO moment in the festival's zone (an IANA name), with
// the zone's reader label (coverage.timeutil.zone_label, passed by the page) as the rest of the
// app shows times; not the browser's locale and zone. An unknown zone falls back to UTC.
function festivalClock(iso, zone, label) {
  var moment = new Date(iso), parts;
  var options = {weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23'};
  try { parts = new Intl.DateTimeFormat('en-US', Object.assign({timeZone: zone || 'UTC'}, options)).formatToParts(moment); }
  catch (e) { parts = new Intl.DateTimeFormat('en-US', Object.assign({timeZone: 'UTC'}, options)).formatToParts(moment); label = 'UTC'; }
  var p = {};
  parts.forEach(function (part) { p[part.type] = part.value; });
  return p.weekday + ' ' + p.day + ' ' + p.month + ', ' + p.hour + ':' + p.minute + (label ? ' ' + label : '');
}

if (typeof module !== 'undefined' && module.exports) module.exports = {wordCount: wordCount, festivalClock: festivalClock};

(function () {
  if (typeof document === 'undefined') return;  // loaded by the test under node
  var form = document.querySelector('form.editor');
  if (!form) return;
  var body = document.getElementById('body'), counter = document.getElementById('word-count');
  var target = counter.dataset.target;
  function count() {
    var words = wordCount(body.value);
    counter.textContent = words + ' words' + (target ? ' of ' + target : '');
    counter.classList.toggle('over', Boolean(target) && words > Number(target));
  }
  body.addEventListener('input', count);

  // --- Who else has it open -----------------------------------------------------------------
  var banner = document.getElementById('presence');
  var token = form.querySelector('[name=csrf_token]').value;
  function beat(leave) {
    var data = new FormData(); data.append('csrf_token', token); if (leave) data.append('leave', '1');
    if (leave) { navigator.sendBeacon(form.dataset.presenceUrl, data); return; }
    fetch(form.dataset.presenceUrl, {method: 'POST', body: data, credentials: 'same-origin'})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) {
        if (!d) return;
        banner.hidden = !d.others.length;
        if (d.others.length) banner.textContent = d.others.join(', ') + (d.others.length == 1 ? ' has' : ' have') + ' this piece open in the editor. Saving never overwrites their work silently.';
      })
      .catch(function () {});  // offline: the next beat tries again
  }
  setInterval(beat, 60000);

  // --- The text as the page holds it --------------------------------------------------------
  var FIELDS = ['headline', 'standfirst', 'body', 'pull_quote', 'star_rating'];
  var version = form.querySelector('[name=version]');
  function fieldOf(name) { return form.querySelector('[name=' + name + ']'); }
  // As the server stores it (drafts.services.clean_text), so a saved text compares equal.
  function normal(name, value) {
    value = (value || '').replace(/\r\n/g, '\n');
    if (name === 'headline' || name === 'standfirst' || name === 'pull_quote') return value.trim();
    if (name === 'body') return value.replace(/\s+$/, '');
    return value;
  }
  function current() {
    var text = {};
    FIELDS.forEach(function (name) { var f = fieldOf(name); if (f) text[name] = f.value; });
    return text;
  }
  function same(a, b) {
    return FIELDS.every(function (name) {
      return !(name in a) || !(name in b) || normal(name, a[name]) === normal(name, b[name]);
    });
  }
  // The text as the server sent it. After a preview or a refused save the page shows posted
  // text that is not saved yet (data-reshown): then nothing on the page counts as saved.
  var reshown = form.dataset.reshown === '1';
  var server = current();
  function saved(text) { return !reshown && same(text, server); }

  // --- Warn before leaving with unsaved changes ---------------------------------------------
  var submitting = false;
  form.addEventListener('submit', function () { submitting = true; store(); });
  window.addEventListener('beforeunload', function (event) {
    if (submitting || saved(current())) return;
    event.preventDefault();
    event.returnValue = '';  // older browsers need a value to ask
  });
  window.addEventListener('pagehide', function () { if (!submitting) beat(true); });
  // Back to this page from the history: the form is live again.
  window.addEventListener('pageshow', function (event) { if (event.persisted) submitting = false; });

  // --- A local copy on this device ----------------------------------------------------------
  // Keyed by piece, user and the version the page was opened on, so restoring sends that
  // version back: if someone saved in between, the server keeps both texts (a conflict).
  var PREFIX = 'coverage-draft:' + form.dataset.pieceId + ':' + form.dataset.userId + ':';
  var key = PREFIX + version.value;
  var storage = null;
  try { storage = window.localStorage; storage.getItem(PREFIX); } catch (e) { storage = null; }
  var MAX_AGE_MS = 30 * 24 * 3600 * 1000;  // a month: a festival and its aftermath

  function store() {
    if (!storage) return;
    var text = current();
    try {
      if (saved(text)) storage.removeItem(key);
      else storage.setItem(key, JSON.stringify({text: text, version: version.value, saved_at: new Date().toISOString()}));
    } catch (e) { /* storage full or refused: the server copy is still there */ }
  }
  var timer = null;
  form.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(store, 400); });
  form.addEventListener('change', store);

  function localDrafts() {
    var found = [];
    if (!storage) return found;
    for (var i = 0; i < storage.length; i++) {
      var name = storage.key(i);
      if (!name || name.indexOf(PREFIX) !== 0) continue;
      try { found.push({key: name, draft: JSON.parse(storage.getItem(name))}); } catch (e) { found.push({key: name, draft: null}); }
    }
    return found;
  }
  function clock(iso) { return festivalClock(iso, form.dataset.timezone, form.dataset.zoneLabel); }

  var offer = document.getElementById('local-draft');
  var offered = null;
  localDrafts().forEach(function (entry) {
    var draft = entry.draft;
    var stale = !draft || !draft.text || Date.now() - Date.parse(draft.saved_at) > MAX_AGE_MS;
    // Equal to the server's text: it was saved (this is the page after a successful save).
    if (stale || saved(draft.text)) { storage.removeItem(entry.key); return; }
    if (same(draft.text, server)) return;  // already on the page, re-shown
    if (!offered || draft.saved_at > offered.draft.saved_at) offered = entry;
  });
  if (offered && offer) {
    document.getElementById('local-draft-text').textContent = 'Restore your unsaved text from ' + clock(offered.draft.saved_at) + '?';
    offer.hidden = false;
    document.getElementById('local-draft-restore').addEventListener('click', function () {
      FIELDS.forEach(function (name) {
        var f = fieldOf(name);
        if (f && !f.readOnly && name in offered.draft.text) f.value = offered.draft.text[name];
      });
      version.value = offered.draft.version;
      key = offered.key;
      offer.hidden = true;
      count();
      body.focus();
    });
    document.getElementById('local-draft-discard').addEventListener('click', function () {
      localDrafts().forEach(function (entry) { storage.removeItem(entry.key); });
      offer.hidden = true;
    });
  }
})();
