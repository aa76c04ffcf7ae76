"""Playwright driving Debian's Chromium (/usr/bin/chromium) against the live test server.

The browser is not downloaded by Playwright: `make test` installs Debian's chromium package.
"""

from __future__ import annotations

import os
import select
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread

# Playwright's sync API runs an event loop in this thread; the test's ORM calls are still
# synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


BROWSER_TESTS = Path(__file__).parent


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test of this folder is a browser test, marked or not: `make test` selects them with
    the marker (`-m "not browser"` on PostgreSQL)."""
    for item in items:
        if item.path.is_relative_to(BROWSER_TESTS):
            item.add_marker(pytest.mark.browser)


class OneRequestAtATime(ThreadedWSGIServer):
    """The live server, running the application for one request at a time, and able to say when
    it has nothing left to answer.

    With the in-memory SQLite database of the suite, every thread of the live server shares the
    test's single connection (see `browser`): a page and its stylesheet requested together (each
    saving the session) would collide on it ("cannot start a transaction within a transaction").
    The lock is per request, not per connection: a browser's idle keep-alive connection holds
    nothing.

    The server counts the connections it has accepted and not yet closed: `wait_idle` lets the
    `page` fixture wait, once the browser is closed, for the requests it left behind.
    """

    _serving = threading.Lock()

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self._accepted = threading.Condition()
        self._open = 0

    def set_app(self, application):  # type: ignore[no-untyped-def]
        def one_at_a_time(environ, start_response):  # type: ignore[no-untyped-def]
            with self._serving:
                return application(environ, start_response)

        super().set_app(one_at_a_time)

    def get_request(self):  # type: ignore[no-untyped-def]
        # Accepting and counting under one lock: `wait_idle` never sees a connection that has
        # left the listening socket's queue without being counted yet.
        with self._accepted:
            request = super().get_request()
            self._open += 1
            return request

    def shutdown_request(self, request):  # type: ignore[no-untyped-def]
        # socketserver calls it once per accepted connection, whatever became of the request.
        try:
            super().shutdown_request(request)
        finally:
            with self._accepted:
                self._open -= 1
                self._accepted.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no connection is open or waiting to be accepted; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._accepted:
            while True:
                waiting, _, _ = select.select([self.socket], [], [], 0)
                if self._open == 0 and not waiting:
                    return True
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._accepted.wait(min(left, 0.05))


LiveServerThread.server_class = OneRequestAtATime


@dataclass
class PageProblems:
    """Everything a person would notice as broken: CSP violations, script errors, 5xx."""

    csp_violations: list[str] = field(default_factory=list)
    js_errors: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)

    def assert_none(self) -> None:
        assert self.csp_violations == [], self.csp_violations
        assert self.js_errors == [], self.js_errors
        assert self.server_errors == [], self.server_errors


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium introuvable : `make test` l'installe avec apt-get (paquet chromium).")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Django keeps a thread's connections in a thread-local, unless an asyncio event loop is
    # running in the thread: then in a context variable (asgiref's Local). Playwright's sync API
    # runs its loop in this thread: from here on, the test's `connection` would be a new one, a
    # second connection to the shared in-memory SQLite database, while the live server's
    # threads use the first (LiveServer takes it from here, before or after this point). Two
    # connections to that database lock each other's tables: the flush after a test fails
    # ("database table is locked: django_session") if a request of the server still reads the
    # session. Keep the same connections once the loop runs.
    before = {alias: connections[alias] for alias in connections}
    with sync_playwright() as playwright:
        for alias, wrapper in before.items():
            connections[alias] = wrapper
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    problems = PageProblems()

    def on_console(message):  # type: ignore[no-untyped-def]
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            problems.csp_violations.append(text)
        elif message.type == "error" and not text.startswith("Failed to load resource"):
            problems.js_errors.append(text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.js_errors.append(str(error)))
    page.on(
        "response",
        lambda response: (
            problems.server_errors.append(f"{response.status} {response.url}")
            if response.status >= 500
            else None
        ),
    )
    page.problems = problems
    yield page
    close_context(context, live_server)


def close_context(context, live_server) -> None:  # type: ignore[no-untyped-def]
    """Close a browser context at the end of a test, and wait for the live server to be done.

    The test is over, not necessarily the requests its page fired (a navigation, an htmx swap, a
    fetch, each saving the session): the live server may still be running one on the test's
    database connection when the database is flushed after the test. Close the browser's side
    first (no new request), then wait for the server to finish what it had."""
    context.close()
    if not live_server.thread.httpd.wait_idle(timeout=30):
        pytest.fail("Le serveur de test répond encore à une requête 30 s après la fin du test.")


def login(page, live_server, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/compte/connexion/")
    page.get_by_label("Nom d’utilisateur").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    # Wait for the answer to the POST itself: the next goto must carry the session cookie.
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()


@pytest.fixture(scope="session")
def demo_snapshot() -> Iterator[dict[str, sqlite3.Connection]]:
    """The in-memory SQLite database as `load_demo` left it, once per test process."""
    snapshots: dict[str, sqlite3.Connection] = {}
    yield snapshots
    for snapshot in snapshots.values():
        snapshot.close()


@pytest.fixture
def demo(live_server, demo_snapshot) -> None:  # type: ignore[no-untyped-def]
    """The demonstration data of `make run`, loaded into the live server's database.

    The live server's tests are transactional: the database is flushed after each one, and
    loading the demo takes some ten seconds. On SQLite (the suite's in-memory database), the
    first test of a process loads it and copies the whole database aside with SQLite's backup
    API; the next ones copy it back: the same rows in a few milliseconds. The files the demo
    wrote under MEDIA_ROOT stay for the whole run. On PostgreSQL, every test loads the demo.
    """
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command
    from django.db import connection

    connection.ensure_connection()
    if connection.vendor != "sqlite":
        call_command("load_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
        return
    snapshot = demo_snapshot.get("demo")
    if snapshot is None:
        call_command("load_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
        snapshot = sqlite3.connect(":memory:", check_same_thread=False)
        connection.connection.backup(snapshot)
        demo_snapshot["demo"] = snapshot
    else:
        snapshot.backup(connection.connection)
        # The flush after the previous test recreated the content types, under other ids.
        ContentType.objects.clear_cache()


AXE_SOURCE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# The WCAG 2.1 A and AA rules: the level the RGAA 4.1 maps onto.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    """axe-core's violations on the page as it stands, one line per rule and element.

    axe-core comes from the npm registry (package.json, devDependencies). It is evaluated
    through the DevTools protocol, not added as a <script>: the pages' strict CSP stays on.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE.read_text(encoding="utf-8"))
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return [
        f"{violation['id']} ({violation['impact']}): {node['target']} {node['html'][:120]} — "
        f"{node.get('failureSummary', '')}"
        for violation in results["violations"]
        for node in violation["nodes"]
    ]


def sign_out(page) -> None:  # type: ignore[no-untyped-def]
    """Forget the session, once the page's own requests are over: a response still on its way
    (SESSION_SAVE_EVERY_REQUEST sets the session cookie on every answer) would bring it back
    after the cookies were cleared, and the next login page would find the old user."""
    page.wait_for_load_state("networkidle")
    page.context.clear_cookies()
