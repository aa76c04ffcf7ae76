"""Logs and error reports: JSON lines with the request's id and user id, no personal data, the
format switch, and Sentry started only when SENTRY_DSN is set (settings imported for real, in a
subprocess; no event is sent)."""

from __future__ import annotations

import io
import json
import logging
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from microcredit.accounts.enums import Role
from microcredit.core.logging import (
    RequestContextFilter,
    _strip_request_data,
    logging_config,
    redact,
)
from tests.ops.deploy_files import ROOT

MIDDLEWARE = "microcredit.core.logging.RequestContextMiddleware"


def _handler(log_format: str) -> logging.Handler:
    """The console handler of `logging_config(log_format)`, writing into a string."""
    config = logging_config(log_format)
    options = dict(config["formatters"][log_format])
    factory = options.pop("()")
    module, _, name = factory.rpartition(".")
    formatter_class = getattr(__import__(module, fromlist=[name]), name)
    if "format" in options:
        options["fmt"] = options.pop("format")
    handler = logging.StreamHandler(io.StringIO())
    handler.setFormatter(formatter_class(**options))
    handler.addFilter(RequestContextFilter())
    return handler


def _lines(handler: logging.Handler) -> list[dict[str, Any]]:
    stream = handler.stream  # type: ignore[attr-defined]
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.fixture
def request_log() -> Iterator[logging.Handler]:
    """Django's request logger, captured in JSON."""
    handler = _handler("json")
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def test_the_format_and_level_are_checked() -> None:
    assert logging_config("JSON ", "info")["handlers"]["console"]["formatter"] == "json"
    with pytest.raises(ImproperlyConfigured, match="json"):
        logging_config("xml")
    with pytest.raises(ImproperlyConfigured, match="MICROCREDIT_LOG_LEVEL"):
        logging_config("json", "BAVARD")


def test_a_json_line_masks_personal_data_and_never_writes_the_request() -> None:
    handler = _handler("json")
    logger = logging.getLogger("microcredit.tests.logging")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    request = RequestFactory().get("/dossiers/?nom=Dupont&tel=0612345678")
    try:
        logger.info("Dossier %s", 42, extra={"request": request})
        try:
            raise ValueError(
                "duplicate key: Key (email)=(marie.dupont@exemple.fr) already exists; "
                "rappeler le 06 12 34 56 78 ou +33 6 12 34 56 78"
            )
        except ValueError:
            logger.exception("Échec pour jean@exemple.org")
    finally:
        logger.removeHandler(handler)
    first, second = _lines(handler)
    assert first["message"] == "Dossier 42"
    assert first["level"] == "INFO"
    assert first["logger"] == "microcredit.tests.logging"
    assert first["time"].endswith("+00:00") and "T" in first["time"]
    assert first["request_id"] is None and first["user_id"] is None
    assert "request" not in first
    text = json.dumps(second, ensure_ascii=False)
    for personal in ("dupont", "Dupont", "0612345678", "06 12 34 56 78", "+33 6", "jean@"):
        assert personal not in text
    assert second["message"] == "Échec pour [courriel masqué]"
    assert "Key (email)=(…)" in second["exc_info"]
    assert "[téléphone masqué] ou [téléphone masqué]" in second["exc_info"]


def test_redact_leaves_ordinary_numbers() -> None:
    assert (
        redact("Prêt 2026-00012 : 1 200,00 € en 24 mois")
        == "Prêt 2026-00012 : 1 200,00 € en 24 mois"
    )


@pytest.mark.django_db
def test_each_request_has_an_id_and_its_log_lines_carry_it_with_the_user_id(  # type: ignore[no-untyped-def]
    client_for, settings, request_log
) -> None:
    settings.MIDDLEWARE = [MIDDLEWARE, *settings.MIDDLEWARE]
    client = client_for(Role.REFERENT)
    user = client.user
    response = client.get("/page-qui-n-existe-pas/")
    assert response.status_code == 404
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    (line,) = _lines(request_log)
    assert line["message"] == "Not Found: /page-qui-n-existe-pas/"
    assert line["request_id"] == request_id
    assert line["user_id"] == user.pk
    # The proxy's id is kept; a forged one (spaces, a new line) is replaced.
    kept = client.get("/absente/", HTTP_X_REQUEST_ID="nginx-4f2a9c01d3")
    assert kept["X-Request-ID"] == "nginx-4f2a9c01d3"
    forged = client.get("/absente/", HTTP_X_REQUEST_ID="x\nfaux journal")
    assert forged["X-Request-ID"] != "x\nfaux journal" and len(forged["X-Request-ID"]) == 32
    assert [line["request_id"] for line in _lines(request_log)[1:]] == [
        "nginx-4f2a9c01d3",
        forged["X-Request-ID"],
    ]


@pytest.mark.django_db
def test_an_anonymous_request_has_no_user_id(client, settings, request_log) -> None:  # type: ignore[no-untyped-def]
    settings.MIDDLEWARE = [MIDDLEWARE, *settings.MIDDLEWARE]
    response = client.get("/healthz", HTTP_X_REQUEST_ID="proxy-id-0001")
    assert response["X-Request-ID"] == "proxy-id-0001"
    client.post("/healthz")  # 405: logged by Django
    (line,) = _lines(request_log)
    assert line["user_id"] is None
    assert line["status_code"] == 405


def test_sentry_drops_the_request_data() -> None:
    event = {
        "request": {
            "method": "POST",
            "url": "https://micro-credit.exemple.fr/dossiers/recherche/",
            "query_string": "nom=Dupont",
            "data": {"nom": "Dupont"},
            "cookies": {"sessionid": "x"},
            "headers": {"Referer": "https://micro-credit.exemple.fr/?nom=Dupont"},
        },
        "message": "erreur",
    }
    cleaned = _strip_request_data(event, {})
    assert cleaned["request"] == {
        "method": "POST",
        "url": "https://micro-credit.exemple.fr/dossiers/recherche/",
    }


def _production_settings(**variables: str) -> dict[str, Any]:
    """Imports the production settings in a fresh interpreter and reports Sentry's state."""
    script = (
        "import json, django, sentry_sdk\n"
        "from django.conf import settings\n"
        "django.setup()\n"
        "client = sentry_sdk.get_client()\n"
        "options = client.options if client.is_active() else {}\n"
        "print(json.dumps({'enabled': settings.SENTRY_ENABLED, 'active': client.is_active(),\n"
        "  'pii': options.get('send_default_pii'), 'env': options.get('environment'),\n"
        "  'release': options.get('release'), 'body': options.get('max_request_body_size'),\n"
        "  'locals': options.get('include_local_variables'),\n"
        "  'before_send': getattr(options.get('before_send'), '__name__', None),\n"
        "  'formatter': settings.LOGGING['handlers']['console']['formatter'],\n"
        "  'middleware': settings.MIDDLEWARE[0]}))\n"
    )
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SENTRY_", "DJANGO_"))},
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "micro-credit.exemple.fr",
        **variables,
    }
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script],
        env=environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert isinstance(loaded, dict)
    return loaded


def test_production_settings_without_sentry_dsn() -> None:
    state = _production_settings()
    assert state["enabled"] is False and state["active"] is False
    assert state["formatter"] == "json"
    assert state["middleware"] == MIDDLEWARE


def test_production_settings_with_sentry_dsn_send_no_personal_data() -> None:
    # A DSN on the loopback's discard port: nothing is sent (no event), nothing leaves.
    state = _production_settings(
        SENTRY_DSN="http://cle-publique@127.0.0.1:9/1",
        SENTRY_ENVIRONMENT="recette",
        SENTRY_RELEASE="2026.12.1",
        MICROCREDIT_LOG_FORMAT="text",
    )
    assert state == {
        "enabled": True,
        "active": True,
        "pii": False,
        "env": "recette",
        "release": "2026.12.1",
        "body": "never",
        "locals": False,
        "before_send": "_strip_request_data",
        "formatter": "text",
        "middleware": MIDDLEWARE,
    }
