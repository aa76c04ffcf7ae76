"""E-mail leaves through a real SMTP server: one started by the test, read back after sending."""

from __future__ import annotations

import email
import os
import socket
import subprocess
import sys
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.test import override_settings

from microcredit.accounts.enums import Role
from microcredit.dossiers import services
from microcredit.dossiers.enums import DossierState
from tests.factories import make_dossier


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], Message]] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.messages.append(
            (
                envelope.mail_from,
                list(envelope.rcpt_tos),
                email.message_from_bytes(envelope.content),
            )
        )
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():  # type: ignore[no-untyped-def]
    inbox = Inbox()
    with socket.socket() as probe:  # a free port (the controller checks it can connect)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.mark.django_db
def test_a_dossier_notification_goes_through_smtp(
    smtp_server, make_user, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    inbox, port = smtp_server
    referent = make_user(Role.REFERENT)
    director = make_user(Role.DIRECTOR)
    dossier = make_dossier(created_by=referent, referent=referent, state=DossierState.RECEPTION)
    with (
        override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
            EMAIL_USE_TLS=False,
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.dossier_transition(
            actor=director,
            membership=director.memberships.get(),
            dossier_id=dossier.pk,
            transition="start_diagnosis",
        )
    assert len(inbox.messages) == 1
    sender, recipients, message = inbox.messages[0]
    assert sender == settings.DEFAULT_FROM_EMAIL
    assert recipients == [referent.email]
    assert dossier.number in message["Subject"]
    body = message.get_payload(decode=True).decode()
    assert f"/dossiers/{dossier.pk}/" in body
    assert dossier.applicant.last_name not in body


def test_production_settings_take_the_smtp_server_from_the_environment() -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "microcredit.example.org",
        "EMAIL_HOST": "smtp.example.org",
        "EMAIL_PORT": "587",
        "EMAIL_USE_TLS": "1",
    }
    code = (
        "from django.conf import settings as s; "
        "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS)"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.org",
        "587",
        "True",
    ]
