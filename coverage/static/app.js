// Behaviour the desk's pages ask for with data- attributes, in one static script: no inline
// handlers anywhere, so text shown in a page (a festival's name, say) can never run as script,
// and a Content-Security-Policy without 'unsafe-inline' works.
(function () {
  "use strict";
  // <form data-confirm="Delete X?">: ask before submitting. The message is the attribute's
  // text, read as text, never evaluated.
  document.addEventListener("submit", function (event) {
    var form = event.target.closest ? event.target.closest("form[data-confirm]") : null;
    if (form && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
  // <input data-select-on-click>: a secret shown once, selected for copying with one click.
  document.addEventListener("click", function (event) {
    var input = event.target;
    if (input.matches && input.matches("input[data-select-on-click]")) {
      input.select();
    }
  });
})();
