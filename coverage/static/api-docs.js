// Starts Swagger UI on /api/v1/docs (coverage/api/docs.py). A file of ours rather than the inline
// script Swagger UI's own index.html uses, so that the page runs under the site's
// Content-Security-Policy (script-src 'self', no 'unsafe-inline').
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  window.ui = window.SwaggerUIBundle({
    url: root.dataset.specUrl,
    domNode: root,
    deepLinking: true,
    // Swagger UI would otherwise send our document to a validator on the internet for a badge.
    validatorUrl: null,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    // A token typed into "Authorize" lives in this tab only, never in localStorage.
    persistAuthorization: false,
  });
});
