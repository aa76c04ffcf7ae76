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

  // 3. The idle expiry (RGAA 13.1): the session ends after data-session-seconds without a
  // request. Two minutes before (at 80 % for a session shorter than ten minutes), a non-modal
  // warning lets the person stay signed in; any request (a page, an htmx update) restarts it.
  var body = document.body;
  var sessionSeconds = parseInt(body.getAttribute("data-session-seconds") || "", 10);
  if (!(sessionSeconds > 0)) {
    return;
  }
  var LEAD_SECONDS = 120;

  // The texts come translated from <template id="session-warning-template">
  // (accounts/_session_warning.html) when the page carries it; otherwise these French ones.
  var texts = {
    title: "Votre session va expirer",
    message:
      "Votre session expire dans 2 minutes sans activité. Vos saisies non enregistrées seraient perdues.",
    messageSoon:
      "Votre session expire bientôt sans activité. Vos saisies non enregistrées seraient perdues.",
    expired:
      "Votre session a expiré : vos saisies non enregistrées sont perdues. Rechargez la page pour vous reconnecter.",
    stay: "Rester connecté",
    url: "/compte/session/prolonger/",
  };
  var template = document.getElementById("session-warning-template");
  if (template && template.content) {
    template.content.querySelectorAll("[data-text]").forEach(function (element) {
      texts[element.getAttribute("data-text")] = element.textContent.trim();
    });
    var url = template.content.querySelector("[data-url]");
    if (url) {
      texts.url = url.getAttribute("data-url");
    }
  }

  var warnAfter = sessionSeconds >= 5 * LEAD_SECONDS ? sessionSeconds - LEAD_SECONDS : sessionSeconds * 0.8;
  var timer = null;
  var expiryTimer = null;
  var warning = null;
  var focusBefore = null;

  function csrfToken() {
    var input = document.querySelector("input[name='csrfmiddlewaretoken']");
    if (input && input.value) {
      return input.value;
    }
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function buildWarning() {
    var box = document.createElement("div");
    box.className = "session-warning";
    box.setAttribute("role", "alertdialog");
    box.setAttribute("aria-labelledby", "session-warning-title");
    box.setAttribute("aria-describedby", "session-warning-text");
    box.hidden = true;
    var title = document.createElement("p");
    title.id = "session-warning-title";
    var strong = document.createElement("strong");
    strong.textContent = texts.title;
    title.appendChild(strong);
    var text = document.createElement("p");
    text.id = "session-warning-text";
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = texts.stay;
    button.addEventListener("click", stayConnected);
    box.append(title, text, button);
    var main = document.getElementById("contenu") || body;
    main.insertBefore(box, main.firstChild);
    return box;
  }

  function showWarning() {
    warning = warning || buildWarning();
    warning.querySelector("#session-warning-text").textContent =
      sessionSeconds - warnAfter >= LEAD_SECONDS ? texts.message : texts.messageSoon;
    warning.querySelector("button").hidden = false;
    if (warning.hidden) {
      focusBefore = document.activeElement;
      warning.hidden = false;
    }
    warning.querySelector("button").focus();
    expiryTimer = window.setTimeout(showExpired, (sessionSeconds - warnAfter) * 1000);
  }

  function showExpired() {
    if (!warning) {
      return;
    }
    warning.querySelector("#session-warning-text").textContent = texts.expired;
    warning.querySelector("button").hidden = true;
    warning.hidden = false;
  }

  function hideWarning() {
    if (!warning || warning.hidden) {
      return;
    }
    var hadFocus = warning.contains(document.activeElement);
    warning.hidden = true;
    if (hadFocus && focusBefore && document.contains(focusBefore) && focusBefore.focus) {
      focusBefore.focus();
    }
    focusBefore = null;
  }

  function restart() {
    window.clearTimeout(timer);
    window.clearTimeout(expiryTimer);
    hideWarning();
    timer = window.setTimeout(showWarning, warnAfter * 1000);
  }

  function stayConnected() {
    fetch(texts.url, {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: { "X-CSRFToken": csrfToken() },
    })
      .then(function (response) {
        if (response.status === 204) {
          restart();
        } else {
          showExpired();
        }
      })
      .catch(function () {
        // No answer (network): the warning and its button stay, to try again.
      });
  }

  document.addEventListener("htmx:afterRequest", restart);
  restart();
})();
