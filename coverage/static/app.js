// Behaviour the desk's pages ask for with data- attributes, in one static script: no inline
// handlers anywhere, so text shown in a page (a festival's name, say) can never run as script,
// and a Content-Security-Policy without 'unsafe-inline' works.
(function () {
  "use strict";
  // <form data-confirm="Delete X?">: ask before submitting. The message is the attribute's
  // text, read as text, never evaluated.
  // <button data-confirm="Publish X now?">: the same for one button of a form with several.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var form = event.target.closest ? event.target.closest("form[data-confirm]") : null;
    var message = button && button.getAttribute && button.getAttribute("data-confirm");
    if (!message && form) {
      message = form.getAttribute("data-confirm");
    }
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });
  // <select data-kind-select> in a form: fields marked data-kinds="interview review" show only
  // while one of those kinds is chosen. The server renders the page right for the chosen kind
  // and ignores the others' fields; this only follows a change without a round trip.
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!(select.matches && select.matches("select[data-kind-select]")) || !select.form) {
      return;
    }
    var parts = select.form.querySelectorAll("[data-kinds]");
    for (var i = 0; i < parts.length; i++) {
      var kinds = parts[i].getAttribute("data-kinds").split(" ");
      parts[i].hidden = kinds.indexOf(select.value) === -1;
    }
  });
  // <input data-select-on-click>: a secret shown once, selected for copying with one click.
  document.addEventListener("click", function (event) {
    var input = event.target;
    if (input.matches && input.matches("input[data-select-on-click]")) {
      input.select();
    }
  });
  // <button data-copy="webcal://...">: puts the attribute's text on the clipboard (a calendar
  // app takes a webcal link pasted from a phone's clipboard) and says so on the button. Where
  // the clipboard is refused, the address stays on the page to copy by hand.
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-copy]") : null;
    if (!button || !navigator.clipboard) {
      return;
    }
    navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
      button.textContent = "Copied";
    }, function () {
      button.textContent = "Copy refused: select the address instead";
    });
  });
})();
