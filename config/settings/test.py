"""Test settings: SQLite in memory, or PostgreSQL when DATABASE_URL is set."""

import os
import sys
import tempfile
from pathlib import Path

import dj_database_url

from .base import *  # noqa: F403
from .base import with_planner_settings
from .sqlite import for_concurrent_writes

SECRET_KEY = "test-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]

DATABASES = {
    "default": with_planner_settings(
        for_concurrent_writes(dj_database_url.parse(os.environ["DATABASE_URL"]))
    )
    if os.environ.get("DATABASE_URL")
    else {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The webhook tests' receiver listens on http://127.0.0.1 (#18).
MICROCREDIT_WEBHOOKS_ALLOW_HTTP = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="microcredit-test-media-"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


class InvalidTemplateVariableError(Exception):
    """A template of the project used a variable its context does not have."""


PROJECT_TEMPLATES = f"{BASE_DIR / 'microcredit'}{os.sep}"  # noqa: F405


def _template_being_rendered() -> str:
    """The file of the innermost template node being rendered up the stack ('' if none)."""
    from django.template.base import Node

    frame = sys._getframe(2)
    while frame is not None:
        node = frame.f_locals.get("self")
        if isinstance(node, Node):
            origin = getattr(node, "origin", None)
            return str(origin.name) if origin is not None else ""
        frame = frame.f_back  # type: ignore[assignment]
    return ""


class InvalidTemplateVariable(str):
    """`string_if_invalid` of the tests: a variable missing from a template of the project
    (microcredit/templates, microcredit/*/templates) fails the test that renders it.

    Django formats this value with the missing variable's name (`"%s" in value`, then
    `value % name`), from the node that renders it: the stack tells which template file that
    node comes from. Templates of Django (admin) and of other packages, which may rely on
    missing variables, get the visible marker as before. A value Django hands over unformatted
    (a related object that does not exist, a method that needs arguments) fails the same way
    when a project template prints it. It stays a `str`, as Django's checks require.
    """

    def _refuse(self, name: object) -> None:
        template = _template_being_rendered()
        if template.startswith(PROJECT_TEMPLATES):
            raise InvalidTemplateVariableError(
                f"Invalid template variable {str(name)!r} in {template}: pass it in the context, "
                "or test it with {% if %} first."
            )

    def __mod__(self, name: object) -> str:
        self._refuse(name)
        return str.__mod__(self, name)

    def __str__(self) -> str:
        self._refuse("?")
        return str.__str__(self)


TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = InvalidTemplateVariable(  # type: ignore[index]  # noqa: F405
    "INVALID_TEMPLATE_VARIABLE[%s]"
)

# WhiteNoise serves collected files in production only; here staticfiles serves them.
MIDDLEWARE = [m for m in MIDDLEWARE if not m.startswith("whitenoise")]  # noqa: F405
