// The « Droits à vérifier » section of the dossier page (loaded by rights/_rights_section.html
// only; no inline script: strict CSP). htmx replaces #rights-content: after « Estimer » or
// « Refaire l'estimation », and when the polling brings the finished estimate. The control that
// had the focus is then gone, and the browser would leave the focus on <body> (RGAA 7.1, 12.8):
// the focus goes to the section's heading (tabindex="-1"), under which the live region
// #rights-status says what changed. A poll that finds the estimate still running swaps nothing
// (the server answers 204), so the focus stays where it is.
"use strict";

(function () {
  var CONTENT = "rights-content";
  var HEADING = "rights-title";
  var REQUEST_FORM = "rights-request";
  var pending = false;

  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    var target = detail.target;
    if (!detail.shouldSwap || !(target instanceof Element) || target.id !== CONTENT) {
      return;
    }
    var active = document.activeElement;
    var fromRequest = detail.elt instanceof Element && detail.elt.id === REQUEST_FORM;
    pending = fromRequest || (active instanceof Element && target.contains(active));
  });

  document.addEventListener("htmx:afterSettle", function () {
    if (!pending) {
      return;
    }
    pending = false;
    var active = document.activeElement;
    var content = document.getElementById(CONTENT);
    if (active && active !== document.body && content && content.contains(active)) {
      return; // htmx gave the focus back to a control of the same id
    }
    var heading = document.getElementById(HEADING);
    if (heading) {
      heading.focus();
    }
  });
})();
