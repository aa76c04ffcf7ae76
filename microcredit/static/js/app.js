// Small behaviours of every page (no inline script: strict CSP). See docs/accessibility.md.
"use strict";

(function () {
  // 1. A link shown as a button (role="button") answers Space as a button does (RGAA 7.1),
  // without scrolling the page.
  document.addEventListener("keydown", function (event) {
    if (event.key !== " " || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    var link = event.target;
    if (!(link instanceof Element) || !link.matches('a[role="button"]')) {
      return;
    }
    event.preventDefault();
    if (!event.repeat) {
      link.click();
    }
  });

  // 2. A refused form: focus goes to its error summary (core/_error_summary.html), and a link
  // of the summary takes focus to its field (not only scrolls to it).
  function focusErrorSummary(root) {
    var summary = root.querySelector ? root.querySelector("#error-summary") : null;
    if (root.id === "error-summary") {
      summary = root;
    }
    if (summary) {
      summary.focus();
    }
  }

  focusErrorSummary(document);
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target instanceof Element) {
      focusErrorSummary(event.target);
    }
  });

  document.addEventListener("click", function (event) {
    var link = event.target instanceof Element ? event.target.closest(".error-summary a[href^='#']") : null;
    if (!link) {
      return;
    }
    var id = decodeURIComponent(link.getAttribute("href").slice(1));
    // A group of radio buttons or checkboxes has no element of the field's own id: its first box.
    var field = document.getElementById(id) || document.getElementById(id + "_0");
    if (!field) {
      return;
    }
    event.preventDefault();
    var label = document.querySelector("label[for='" + CSS.escape(field.id) + "']") || field.closest("fieldset");
    field.focus({ preventScroll: true });
    (label || field).scrollIntoView({ block: "center" });
  });
})();
