"""Simultaneous writes through a real server (issue #17, F2): repayment batches and transitions.

A real WSGI server (granian: 2 processes of 10 threads, as in production) listens on a loopback
port, against (a) a SQLite FILE database set up by config/settings/sqlite.py, and (b) a fresh
PostgreSQL database of its own on the cluster of DATABASE_URL (skipped without one). Each is a
copy of the tests' database (migrated already: SQLite's backup API, or PostgreSQL's CREATE
DATABASE … TEMPLATE), seeded in a subprocess (this module run as a script: the tests'
factories, the bank adviser's tokens through the service); the server's settings are
settings_concurrency.py.
10 threads, released together by a barrier, send:
- 10 distinct repayment batches, then the same batch 10 times;
- the bank's decision on 10 different dossiers, then the same decision 10 times on one dossier.
No answer is a 5xx; each repayment, decision and dossier event is in the database exactly once
(rows counted in the server's database); the same decision repeated is refused cleanly (409).

docs/adr/0013-sqlite-ecritures-concurrentes.md has the measures of the old configuration.
PostgreSQL: scripts/with-postgres .venv/bin/pytest tests/ops/test_concurrency.py
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, closing, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection
from django.utils import timezone
from pytest_django import DjangoDbBlocker

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
BURST = 10
LOANS = 3
SETTINGS = "tests.ops.settings_concurrency"
# Generous bounds: on a loaded machine the migrations dominate; a burst itself takes seconds.
START_TIMEOUT = 60.0
REQUEST_TIMEOUT = 40.0


# --- The seed, run in a subprocess against the server's database ------------------------------


def seed() -> dict[str, Any]:
    """The scheme, a referent and a bank adviser, LOANS disbursed loans, BURST + 2 dossiers
    waiting for the bank's decision, BURST tokens of the adviser (one per thread)."""
    from microcredit.accounts.enums import Role
    from microcredit.accounts.models import Membership, User
    from microcredit.organisations.models import Organisation
    from microcredit.programmes.schemes import scheme_load
    from tests.factories import make_api_token, make_loan, make_transmitted_dossier

    scheme_load("saint-etienne")
    ccas = Organisation.objects.get(slug="ccas-saint-etienne")
    bank = Organisation.objects.get(slug="parcours-confiance")

    def user(role: Role, organisation: Organisation) -> User:
        person = User.objects.create_user(
            username=role.value, password=uuid.uuid4().hex, email=f"{role.value}@example.org"
        )
        Membership.objects.create(user=person, organisation=organisation, role=role)
        return person

    referent = user(Role.REFERENT, ccas)
    adviser = user(Role.BANK_ADVISER, bank)
    loans = [make_loan(created_by=referent, adviser=adviser) for _ in range(LOANS)]
    waiting = [make_transmitted_dossier(created_by=referent) for _ in range(BURST + 2)]
    return {
        "loans": [loan.dossier.number for loan in loans],
        "waiting": [dossier.number for dossier in waiting],
        "tokens": [make_api_token(adviser, label=f"Fil {n}") for n in range(BURST)],
    }


# --- The server --------------------------------------------------------------------------------


@dataclass
class Server:
    """A running server, its database and the seed's dossiers and tokens."""

    vendor: str
    database_url: str
    base: str
    loans: list[str]
    waiting: list[str]
    tokens: list[str]
    log: Path
    sqlite_file: Path | None = None
    used: set[str] = field(default_factory=set)

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """The rows of a query on the server's database (placeholders: %s)."""
        if self.sqlite_file is not None:
            with closing(sqlite3.connect(self.sqlite_file, timeout=30)) as db:
                return db.execute(sql.replace("%s", "?"), params).fetchall()
        import psycopg

        with psycopg.connect(self.database_url) as db:
            return db.execute(sql, params).fetchall()

    def count(self, sql: str, *params: Any) -> int:
        return int(self.rows(sql, *params)[0][0])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def environment(database_url: str) -> dict[str, str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS, "DATABASE_URL": database_url}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    return env


def prepare(database_url: str) -> dict[str, Any]:
    """Seed the database (a copy of the tests' one), in one subprocess; the seed's JSON."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.ops.test_concurrency", "seed"],
        cwd=ROOT,
        env=environment(database_url),
        check=False,
        timeout=300,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def answer(method: str, url: str, token: str | None = None, body: Any = None) -> tuple[int, Any]:
    """(status, JSON body or text) of a request; HTTP errors are answers, not exceptions."""
    headers = {"Accept": "application/json"}
    data = None
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    # The server's loopback URL only (http://127.0.0.1:port).
    request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:  # noqa: S310
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode(errors="replace")


@contextmanager
def serving(database_url: str, log: Path) -> Iterator[str]:
    """granian serving the application on a free loopback port; its base URL once it answers."""
    port = free_port()
    command = [
        str(BIN / "granian"),
        "--interface",
        "wsgi",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "2",
        "--blocking-threads",
        str(BURST),
        "--no-ws",
        "config.wsgi:application",
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603
            command, cwd=ROOT, env=environment(database_url), stdout=output, stderr=output
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"the server stopped: {log.read_text(errors='replace')}")
                try:
                    status, _ = answer("GET", f"{base}/api/v1/openapi.json")
                except OSError:
                    status = 0
                if status == 200:
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not answer: {log.read_text()}")
                time.sleep(0.2)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


@contextmanager
def fresh_postgres_database(url: str, template: str) -> Iterator[str]:
    """A new database on the cluster of `url`, a copy of `template` (the tests' database, migrated
    already: no migration to run again), dropped afterwards; its URL."""
    import psycopg
    from psycopg import sql

    name = f"microcredit_concurrency_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
    parts = urlsplit(url)
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def copy_of_the_tests_database(vendor: str, sqlite_file: Path | None) -> str:
    """The tests' database (migrated, the scheme loaded) copied for the server: into
    `sqlite_file` with SQLite's backup API, or (PostgreSQL) the name of the database to use as a
    template, this process's connection to it closed (a template must have no session)."""
    connection.ensure_connection()
    if sqlite_file is not None:
        target = sqlite3.connect(sqlite_file)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        return str(sqlite_file)
    name = str(connection.settings_dict["NAME"])
    connection.close()
    return name


def postgres_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return url if urlsplit(url).scheme in {"postgres", "postgresql", "pgsql"} else ""


@pytest.fixture(
    scope="module",
    params=[
        "sqlite",
        pytest.param(
            "postgresql",
            marks=[
                pytest.mark.postgres_only,
                # It uses a database of the cluster: kept in make test's PostgreSQL run, which
                # runs only the tests marked so (tests/conftest.py).
                pytest.mark.django_db,
                pytest.mark.skipif(
                    not postgres_url(), reason="DATABASE_URL is not a PostgreSQL database"
                ),
            ],
        ),
    ],
)
def server(
    request: pytest.FixtureRequest, django_db_setup: None, django_db_blocker: DjangoDbBlocker
) -> Iterator[Server]:
    with tempfile.TemporaryDirectory(prefix="microcredit-concurrency-") as folder:
        log = Path(folder) / "server.log"
        database: AbstractContextManager[str]
        sqlite_file = Path(folder) / "db.sqlite3" if request.param == "sqlite" else None
        with django_db_blocker.unblock():
            copied = copy_of_the_tests_database(request.param, sqlite_file)
        if sqlite_file is not None:
            database = nullcontext(f"sqlite:///{sqlite_file}")
        else:
            database = fresh_postgres_database(postgres_url(), template=copied)
        with database as url:
            seeded = prepare(url)
            with serving(url, log) as base:
                yield Server(
                    vendor=request.param,
                    database_url=url,
                    base=base,
                    loans=seeded["loans"],
                    waiting=seeded["waiting"],
                    tokens=seeded["tokens"],
                    log=log,
                    sqlite_file=sqlite_file,
                )
            assert "database is locked" not in log.read_text(errors="replace")


def burst(calls: list[Callable[[], tuple[int, Any]]]) -> list[tuple[int, Any]]:
    """Run each call in its own thread, all released together by a barrier; their answers."""
    barrier = threading.Barrier(len(calls))
    answers: list[tuple[int, Any] | BaseException | None] = [None] * len(calls)

    def run(index: int, call: Callable[[], tuple[int, Any]]) -> None:
        try:
            barrier.wait(timeout=10)
            answers[index] = call()
        except BaseException as error:  # reported by burst's caller
            answers[index] = error

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=REQUEST_TIMEOUT + 15)
    assert not any(thread.is_alive() for thread in threads), "a request never ended"
    failed = [a for a in answers if not isinstance(a, tuple)]
    assert not failed, failed
    return answers  # type: ignore[return-value]


def repayment(number: str, reference: str) -> dict[str, Any]:
    return {
        "reference": reference,
        "dossier_number": number,
        "date": timezone.localdate().isoformat(),
        "amount": "10.00",
    }


def post(server: Server, token: str, path: str, body: Any) -> Callable[[], tuple[int, Any]]:
    return lambda: answer("POST", f"{server.base}{path}", token, body)


ACCEPT = {"outcome": "accepted", "amount": "1200.00", "months": 24}


def assert_no_server_error(answers: list[tuple[int, Any]]) -> None:
    errors = [(status, body) for status, body in answers if status >= 500]
    assert not errors, errors


def per_reference(server: Server, prefix: str) -> dict[str, int]:
    rows = server.rows(
        "SELECT reference, COUNT(*) FROM loans_repayment WHERE reference LIKE %s "
        "GROUP BY reference",
        f"{prefix}%",
    )
    return {reference: int(n) for reference, n in rows}


def audited(server: Server, action: str) -> int:
    return server.count("SELECT COUNT(*) FROM core_auditevent WHERE action = %s", action)


def test_ten_distinct_batches_at_once_record_each_repayment_once(server: Server) -> None:
    before = audited(server, "repayment_recorded")
    batches = [
        [repayment(number, f"DIST-{n}-{k}") for k, number in enumerate(server.loans)]
        for n in range(BURST)
    ]
    answers = burst(
        [
            post(server, token, "/api/v1/repayments", {"repayments": lines})
            for token, lines in zip(server.tokens, batches, strict=True)
        ]
    )
    assert_no_server_error(answers)
    assert [status for status, _ in answers] == [200] * BURST, answers
    assert [body["recorded"] for _, body in answers] == [LOANS] * BURST
    expected = {line["reference"]: 1 for lines in batches for line in lines}
    assert per_reference(server, "DIST-") == expected
    assert audited(server, "repayment_recorded") - before == BURST * LOANS
    if server.sqlite_file is not None:  # the server's connections set the journal to WAL
        assert server.rows("PRAGMA journal_mode") == [("wal",)]


def test_the_same_batch_ten_times_at_once_is_recorded_once(server: Server) -> None:
    before = audited(server, "repayment_recorded")
    lines = [repayment(number, f"SAME-{k}") for k, number in enumerate(server.loans)]
    answers = burst(
        [
            post(server, token, "/api/v1/repayments", {"repayments": lines})
            for token in server.tokens
        ]
    )
    assert_no_server_error(answers)
    assert [status for status, _ in answers] == [200] * BURST, answers
    recorded = sorted(body["recorded"] for _, body in answers)
    assert recorded == [0] * (BURST - 1) + [LOANS], answers
    assert sum(body["already_recorded"] for _, body in answers) == (BURST - 1) * LOANS
    assert per_reference(server, "SAME-") == {line["reference"]: 1 for line in lines}
    assert audited(server, "repayment_recorded") - before == LOANS


def events(server: Server, number: str, transition: str) -> int:
    return server.count(
        "SELECT COUNT(*) FROM dossiers_dossierevent e JOIN dossiers_dossier d "
        "ON d.id = e.dossier_id WHERE d.number = %s AND e.transition = %s",
        number,
        transition,
    )


def decisions(server: Server, number: str) -> int:
    return server.count(
        "SELECT COUNT(*) FROM banking_bankdecision b JOIN dossiers_dossier d "
        "ON d.id = b.dossier_id WHERE d.number = %s",
        number,
    )


def test_ten_transitions_at_once_on_ten_dossiers_are_each_recorded_once(server: Server) -> None:
    numbers = server.waiting[:BURST]
    answers = burst(
        [
            post(server, token, f"/api/v1/dossiers/{number}/decision", ACCEPT)
            for token, number in zip(server.tokens, numbers, strict=True)
        ]
    )
    assert_no_server_error(answers)
    assert [status for status, _ in answers] == [200] * BURST, answers
    assert [body["state"] for _, body in answers] == ["granted"] * BURST
    assert [events(server, n, "bank_accept") for n in numbers] == [1] * BURST
    assert [decisions(server, n) for n in numbers] == [1] * BURST


def test_the_same_transition_ten_times_at_once_is_recorded_once(server: Server) -> None:
    number = server.waiting[BURST]
    answers = burst(
        [
            post(server, token, f"/api/v1/dossiers/{number}/decision", ACCEPT)
            for token in server.tokens
        ]
    )
    assert_no_server_error(answers)
    # One call records it; the others, identical, answer 200 with the same dossier (#18: the
    # one the transition refused because another just recorded it too).
    assert [status for status, _ in answers] == [200] * BURST, answers
    assert {body["state"] for _, body in answers} == {"granted"}
    assert events(server, number, "bank_accept") == 1
    assert decisions(server, number) == 1


def test_ten_different_decisions_at_once_one_is_recorded_the_others_refused(
    server: Server,
) -> None:
    number = server.waiting[BURST + 1]
    answers = burst(
        [
            post(
                server,
                token,
                f"/api/v1/dossiers/{number}/decision",
                {**ACCEPT, "amount": f"{1000 + 10 * i}.00"},
            )
            for i, token in enumerate(server.tokens)
        ]
    )
    assert_no_server_error(answers)
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] + [409] * (BURST - 1), answers
    refused = [body for status, body in answers if status == 409]
    assert {body["code"] for body in refused} == {"transition_refused"}
    assert all(body["message"] for body in refused)
    assert events(server, number, "bank_accept") == 1
    assert decisions(server, number) == 1


# --- The options themselves -------------------------------------------------------------------


def test_a_sqlite_file_gets_wal_a_busy_timeout_and_immediate_transactions(
    tmp_path: Path, django_db_blocker: Any
) -> None:
    import dj_database_url
    from django.db.utils import ConnectionHandler

    from config.settings.sqlite import for_concurrent_writes

    entry = for_concurrent_writes(dj_database_url.parse(f"sqlite:///{tmp_path / 'db.sqlite3'}"))
    handler = ConnectionHandler({"default": entry})
    connection = handler["default"]
    try:
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            pragmas = {}
            for name in ("journal_mode", "synchronous", "busy_timeout"):
                cursor.execute(f"PRAGMA {name}")
                pragmas[name] = cursor.fetchone()[0]
        assert pragmas == {"journal_mode": "wal", "synchronous": 1, "busy_timeout": 20000}
        assert connection.transaction_mode == "IMMEDIATE"  # type: ignore[attr-defined]
    finally:
        handler.close_all()


def test_an_option_given_stays_and_other_databases_are_left_alone() -> None:
    from config.settings.sqlite import for_concurrent_writes

    sqlite = {"ENGINE": "django.db.backends.sqlite3", "NAME": "/srv/db.sqlite3"}
    chosen = for_concurrent_writes({**sqlite, "OPTIONS": {"timeout": 5}})
    assert chosen["OPTIONS"]["timeout"] == 5
    assert chosen["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    memory = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
    assert for_concurrent_writes(memory) == memory
    postgres = {"ENGINE": "django.db.backends.postgresql", "NAME": "m", "OPTIONS": {"a": 1}}
    assert for_concurrent_writes(postgres) == postgres


if __name__ == "__main__":  # the seed, in a subprocess: python -m tests.ops.test_concurrency seed
    import django

    if sys.argv[1:] != ["seed"]:
        raise SystemExit("usage: python -m tests.ops.test_concurrency seed")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)  # nothing to do on a copy
    sys.stdout.write(json.dumps(seed()) + "\n")
