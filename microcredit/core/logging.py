"""Logs and error reports of the running platform: text or JSON lines on the standard error, the
request's id and user id on each line written while a request is served, and Sentry when a DSN
is given. None of it carries personal data (docs/operations.md, « Journaux »).

Imported by the settings: nothing here imports a model or the project's apps.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.utils.functional import empty
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

LOG_FORMATS = ("json", "text")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

# The request being served by this thread (or task), for the log lines written meanwhile.
_current_request: ContextVar[HttpRequest | None] = ContextVar("microcredit_request", default=None)

# A request id given by the reverse proxy (nginx's $request_id, a UUID…) is kept if it looks like
# one; anything else is replaced, so that a client cannot write what it likes into the logs.
REQUEST_ID_HEADER = "HTTP_X_REQUEST_ID"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")

# What a log message may still carry despite the code's care: an e-mail address, a phone number,
# or the values PostgreSQL quotes in an integrity error (« Key (email)=(…) already exists »).
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<!\d)(?:\+33\s?|0)[1-9](?:[\s.-]?\d{2}){4}(?!\d)")
_KEY_VALUES = re.compile(r"(Key \([^)]*\)=\()[^)]*(\))")


def redact(text: str) -> str:
    """`text` without e-mail addresses, French phone numbers or quoted key values."""
    text = _EMAIL.sub("[courriel masqué]", text)
    text = _PHONE.sub("[téléphone masqué]", text)
    return _KEY_VALUES.sub(r"\1…\2", text)


class RequestContextMiddleware:
    """Gives each request an id (the proxy's X-Request-ID if well-formed, else a new one),
    returned in the response's X-Request-ID header, and keeps the request at hand for the
    log lines written while it is served."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.META.get(REQUEST_ID_HEADER, "")
        request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = _current_request.set(request)
        try:
            response = self.get_response(request)
        finally:
            _current_request.reset(token)
        response["X-Request-ID"] = request_id
        return response


def _user_id(request: HttpRequest) -> int | None:
    """The signed-in user's id, if authentication already ran for this request (never loads
    the session for a log line)."""
    user = request.__dict__.get("user")
    if user is None:
        return None
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is empty or not getattr(wrapped, "is_authenticated", False):
        return None
    pk = getattr(wrapped, "pk", None)
    return pk if isinstance(pk, int) else None


class RequestContextFilter(logging.Filter):
    """Adds `request_id` and `user_id` to every record (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = _current_request.get()
        if request is None:
            # Django's own request loggers pass the request along with the record.
            attached = getattr(record, "request", None)
            request = attached if isinstance(attached, HttpRequest) else None
        record.request_id = getattr(request, "request_id", None) if request else None
        record.user_id = _user_id(request) if request else None
        return True


class RedactingTextFormatter(logging.Formatter):
    """Text lines with the request context, personal data patterns masked."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class RedactingJsonFormatter(JsonFormatter):
    """One JSON object a line: time, level, logger, message, request_id, user_id, the
    exception's trace; the HttpRequest Django attaches is never serialised (its repr holds the
    path and query string)."""

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        for key in ("message", "exc_info", "stack_info"):
            value = log_data.get(key)
            if isinstance(value, str):
                log_data[key] = redact(value)
        return log_data


JSON_RESERVED_ATTRS = [*RESERVED_ATTRS, "request", "server_time"]


def logging_config(log_format: str = "text", level: str = "INFO") -> dict[str, Any]:
    """The LOGGING setting: everything to the standard error (journald or the container's log
    collects it), the project's loggers at `level`, the others at WARNING."""
    log_format = log_format.strip().lower()
    level = level.strip().upper()
    if log_format not in LOG_FORMATS:
        raise ImproperlyConfigured(
            f"MICROCREDIT_LOG_FORMAT={log_format!r} : valeurs possibles « json » ou « text »."
        )
    if level not in LOG_LEVELS:
        raise ImproperlyConfigured(
            f"MICROCREDIT_LOG_LEVEL={level!r} : valeurs possibles {', '.join(LOG_LEVELS)}."
        )
    formatters: dict[str, Any] = {
        "json": {
            "()": "microcredit.core.logging.RedactingJsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s %(user_id)s",
            # The moment in ISO 8601, UTC, to the microsecond.
            "timestamp": "time",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "reserved_attrs": JSON_RESERVED_ATTRS,
        },
        "text": {
            "()": "microcredit.core.logging.RedactingTextFormatter",
            "format": (
                "%(asctime)s %(levelname)s %(name)s [requête %(request_id)s, "
                "utilisateur %(user_id)s] %(message)s"
            ),
        },
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_context": {"()": "microcredit.core.logging.RequestContextFilter"}},
        "formatters": {log_format: formatters[log_format]},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "filters": ["request_context"],
                "formatter": log_format,
            }
        },
        "root": {"handlers": ["console"], "level": "WARNING"},
        "loggers": {
            "microcredit": {"level": level},
            "loan_engine": {"level": level},
            # The query log would print the parameters of every query: never above DEBUG.
            "django.db.backends": {"level": "WARNING"},
        },
    }


def _strip_request_data(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    """Sentry's `before_send`: the request part of an event keeps its method and path only
    (no query string, body, cookies or headers, where names and addresses may travel)."""
    request = event.get("request")
    if isinstance(request, dict):
        event["request"] = {key: request[key] for key in ("method", "url") if key in request}
    return event


def sentry_init(dsn: str, environment: str, release: str | None) -> bool:
    """Starts Sentry's Django integration when `dsn` is set; returns whether it did. No personal
    data leaves: no user, no IP, no request body, no local variables."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        before_send=_strip_request_data,  # type: ignore[arg-type]
        traces_sample_rate=0.0,
    )
    return True
