"""The web unit's command, run for real: granian serves config.wsgi with the production settings
(a temporary SQLite file, static files collected into a temporary folder), answers /healthz and
a static file on a loopback port, writes JSON log lines with the request's id, then stops on
SIGTERM as systemd stops it."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from email.message import Message
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from microcredit.servicing.schedule import SCHEDULE
from tests.ops.deploy_files import INSTALL_DIR, ROOT, environment_example, unit_command

BIN = Path(sys.executable).parent

# The production settings, with the static files of the project only (not the 239 files of
# Pico's distribution nor the admin's: collecting and compressing them takes minutes).
LEAN_SETTINGS = """
from config.settings.prod import *  # noqa: F403

STATICFILES_DIRS = [BASE_DIR / "microcredit" / "static"]  # noqa: F405
"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(port: int, path: str) -> tuple[int, Message, bytes]:
    """GET as the reverse proxy forwards it: the public host name, HTTPS."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        headers={"Host": "micro-credit.exemple.fr", "X-Forwarded-Proto": "https"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def _healthcheck(environment: dict[str, str]) -> int:
    return subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "deploy" / "healthcheck.py")],
        env=environment,
        check=False,
        timeout=30,
    ).returncode


@pytest.fixture(scope="module")
def production_environment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    tmp_path = tmp_path_factory.mktemp("production")
    (tmp_path / "lean_settings.py").write_text(LEAN_SETTINGS, encoding="utf-8")
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GRANIAN_"))},
        **environment_example(),
        "DJANGO_SETTINGS_MODULE": "lean_settings",
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
        "MEDIA_ROOT": str(tmp_path / "uploads"),
        "GRANIAN_PORT": str(_free_port()),
        # One process: the first request (which imports the URLconf) is the warm-up below, and
        # the next ones are not slowed down by a second process's start on a busy machine.
        "GRANIAN_WORKERS": "1",
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    for command in (
        ["collectstatic", "--noinput", "-v0", "-i", "admin", "-i", "django_*", "-i", "otp_*"],
        # /healthz and the worker read the task queue's table. The scheduler's jobs would need
        # the rest: the scheduler's test starts it away from their times (_away_from_the_jobs).
        ["migrate", "django_tasks_database", "-v0"],
    ):
        subprocess.run(  # noqa: S603
            [str(BIN / "microcredit"), *command],
            env=environment,
            cwd=ROOT,
            check=True,
            capture_output=True,
            timeout=300,
        )
    return environment


def test_granian_serves_the_application_as_the_web_unit_starts_it(
    production_environment: dict[str, str], tmp_path: Path
) -> None:
    command = [
        part.replace(INSTALL_DIR, str(ROOT)) for part in unit_command("microcredit-web.service")
    ]
    assert Path(command[0]) == BIN / "granian"
    port = int(production_environment["GRANIAN_PORT"])
    log = (tmp_path / "granian.log").open("w+", encoding="utf-8")
    server = subprocess.Popen(  # noqa: S603
        command,
        env=production_environment,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, Path(log.name).read_text(encoding="utf-8")
            try:
                status, headers, body = _get(port, "/healthz")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        assert status == 200, body
        assert json.loads(body) == {"status": "ok", "database": "ok"}
        request_id = headers["X-Request-ID"]
        assert len(request_id) == 32

        # A static file, through WhiteNoise, under its hashed name with a far expiry.
        manifest = json.loads(
            (Path(production_environment["STATIC_ROOT"]) / "staticfiles.json").read_text()
        )
        hashed = manifest["paths"]["css/app.css"]
        status, headers, body = _get(port, f"/static/{hashed}")
        assert status == 200
        assert headers["Content-Type"].startswith("text/css")
        assert body == (ROOT / "microcredit" / "static" / "css" / "app.css").read_bytes()
        assert "immutable" in headers["Cache-Control"]

        # A page that does not exist: Django logs it, as one JSON line with the request's id.
        status, headers, _ = _get(port, "/healthz-absent")
        assert status == 404
        missing_id = headers["X-Request-ID"]

        # compose's health check of the web container answers « healthy ».
        assert _healthcheck(production_environment) == 0
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        finally:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
    assert server.returncode == 0
    assert _healthcheck(production_environment) == 1  # stopped: « unhealthy »
    log.seek(0)
    lines = [json.loads(line) for line in log.read().splitlines() if line.startswith("{")]
    not_found = [line for line in lines if line.get("request_id") == missing_id]
    assert len(not_found) == 1, lines
    assert not_found[0]["level"] == "WARNING"
    assert not_found[0]["logger"] == "django.request"
    assert not_found[0]["message"] == "Not Found: /healthz-absent"
    assert not_found[0]["user_id"] is None
    assert "request" not in not_found[0]


def _stop(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _away_from_the_jobs(margin: timedelta = timedelta(seconds=150)) -> None:
    """Wait, if need be, until no job of the calendar falls within the scheduler's short life
    here: it would run it against a database that holds only the task queue's table."""
    paris = ZoneInfo("Europe/Paris")
    now = datetime.now(paris)
    for job in SCHEDULE:
        at = datetime.combine(now.date(), job.at, paris)
        for moment in (at, at + timedelta(days=1)):
            if now <= moment <= now + margin:
                time.sleep((moment - now).total_seconds() + 1)
                now = datetime.now(paris)


@pytest.mark.parametrize(
    ("name", "started"),
    [
        ("microcredit-worker.service", "Starting worker"),
        ("microcredit-scheduler.service", "Planificateur démarré"),
    ],
)
def test_the_worker_and_the_scheduler_start_as_their_units_say_and_stop_on_sigterm(
    production_environment: dict[str, str], tmp_path: Path, name: str, started: str
) -> None:
    if name == "microcredit-scheduler.service":
        _away_from_the_jobs()
    command = [part.replace(INSTALL_DIR, str(ROOT)) for part in unit_command(name)]
    output = tmp_path / "output.log"
    with output.open("wb") as sink:
        process = subprocess.Popen(  # noqa: S603
            command,
            env=production_environment,
            cwd=ROOT,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 120
        while started not in output.read_text(encoding="utf-8"):
            assert process.poll() is None, output.read_text(encoding="utf-8")
            assert time.monotonic() < deadline, output.read_text(encoding="utf-8")
            time.sleep(0.5)
        time.sleep(2)
        assert process.poll() is None, output.read_text(encoding="utf-8")
    finally:
        returncode = _stop(process)
    text = output.read_text(encoding="utf-8")
    assert returncode == 0, text
    assert "Traceback" not in text, text
