// The draft editor: a live word count and "who else has this open" (a heartbeat every minute).
// A static file, not an inline script, so the Content-Security-Policy needs no 'unsafe-inline'.
(function () {
  var body = document.getElementById('body'), counter = document.getElementById('word-count');
  var target = counter.dataset.target;
  function count() {
    // Roughly what the server counts: words a reader sees, Markdown marks and link targets aside.
    var text = body.value.replace(/\]\([^)]*\)/g, ']').replace(/[#*_>`~\[\]]/g, ' ');
    var words = text.split(/\s+/).filter(Boolean).length;
    counter.textContent = words + ' words' + (target ? ' of ' + target : '');
    counter.classList.toggle('over', target && words > target);
  }
  body.addEventListener('input', count);
  var form = document.querySelector('form.editor'), banner = document.getElementById('presence');
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
      });
  }
  setInterval(beat, 60000);
  var submitting = false;
  form.addEventListener('submit', function () { submitting = true; });
  window.addEventListener('pagehide', function () { if (!submitting) beat(true); });
})();
