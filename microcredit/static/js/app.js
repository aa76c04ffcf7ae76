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
})();
