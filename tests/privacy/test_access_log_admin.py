"""The technical administrator's reads of personal data are logged (#17, point 4): one mixin
(core.admin.PersonalDataAdminMixin) on every admin registration of personal data."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership
from microcredit.core.admin import PersonalDataAdminMixin
from microcredit.core.enums import AccessAction, AuditAction
from microcredit.core.models import AccessLog, AuditEvent
from microcredit.core.services import access_log_create, audit_event_create
from microcredit.followup.models import Note
from tests.factories import make_dossier

pytestmark = pytest.mark.django_db

# Registrations without personal data (a CCAS, its schemes) or without the public's nor the
# staff's data (groups, two-factor devices, the task queue's results: keys only).
WITHOUT_PERSONAL_DATA = {
    "auth.group",
    "otp_totp.totpdevice",
    "django_tasks_database.dbtaskresult",
    "organisations.organisation",
    "programmes.programme",
    "programmes.programmeversion",
}


@pytest.fixture
def tech(client_for):  # type: ignore[no-untyped-def]
    client = client_for(Role.ADMIN, username="tech")
    client.user.is_staff = client.user.is_superuser = True
    client.user.save()
    return client


def admin_reads(client) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return list(
        AccessLog.objects.filter(user=client.user, detail="administration technique")
        .order_by("id")
        .values_list("action", "object_type", "object_id")
    )


def test_every_registration_of_personal_data_logs_its_reads() -> None:
    missing = [
        model._meta.label_lower
        for model, model_admin in admin.site._registry.items()
        if model._meta.label_lower not in WITHOUT_PERSONAL_DATA
        and not isinstance(model_admin, PersonalDataAdminMixin)
    ]
    assert missing == []


def test_a_list_writes_one_row_per_record_shown_and_a_record_one_row(tech, make_user) -> None:  # type: ignore[no-untyped-def]
    referent = make_user(Role.REFERENT, username="referente")
    dossier = make_dossier(created_by=referent)
    note = Note.objects.create(dossier=dossier, author=referent, body="Entretien")
    response = tech.get(reverse("admin:followup_note_changelist"))
    assert response.status_code == 200
    assert admin_reads(tech) == [(AccessAction.ADMIN_LIST, "followup.note", str(note.pk))]
    response = tech.get(reverse("admin:followup_note_change", args=[note.pk]))
    assert response.status_code == 200
    assert admin_reads(tech)[1:] == [(AccessAction.ADMIN_DETAIL, "followup.note", str(note.pk))]


@pytest.mark.parametrize(
    "url_name", ["core_auditevent", "core_accesslog", "accounts_user", "accounts_membership"]
)
def test_the_registers_and_the_accounts_are_logged_too(tech, make_user, url_name) -> None:  # type: ignore[no-untyped-def]
    referent = make_user(Role.REFERENT, username="referente")
    objects = {
        "core_auditevent": audit_event_create(
            actor=referent, action=AuditAction.DOSSIER_UPDATED, obj=referent
        ),
        "core_accesslog": access_log_create(user=referent, action=AccessAction.DOSSIER_LIST),
        "accounts_user": referent,
        "accounts_membership": Membership.objects.get(user=referent),
    }
    obj = objects[url_name]
    assert tech.get(reverse(f"admin:{url_name}_changelist")).status_code == 200
    list_rows = admin_reads(tech)
    assert (AccessAction.ADMIN_LIST, obj._meta.label_lower, str(obj.pk)) in list_rows
    assert tech.get(reverse(f"admin:{url_name}_change", args=[obj.pk])).status_code == 200
    assert admin_reads(tech)[len(list_rows) :] == [
        (AccessAction.ADMIN_DETAIL, obj._meta.label_lower, str(obj.pk))
    ]


def test_a_missing_record_reads_nothing(tech) -> None:  # type: ignore[no-untyped-def]
    response = tech.get(reverse("admin:followup_note_change", args=[999999]))
    assert response.status_code == 302  # the admin's « does not exist » redirect
    assert admin_reads(tech) == []
    assert not AuditEvent.objects.filter(actor=tech.user).exists()
