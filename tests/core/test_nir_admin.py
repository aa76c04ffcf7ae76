"""The technical administration's forms, which Django builds from the models, refuse a NIR in
their free-text fields too (F1, #17): core.admin.FreeTextGuardAdminMixin."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory

from microcredit.accounts.models import User
from microcredit.core.forms import FreeTextGuard
from tests.core.test_nir_forms import NIR, _is_free_text

pytestmark = pytest.mark.django_db


def test_every_editable_admin_form_with_free_text_is_guarded() -> None:
    superuser = User.objects.create_superuser("racine", "racine@example.org", "x" * 20)
    request = RequestFactory().get("/admin/")
    request.user = superuser
    unguarded: list[str] = []
    walked = 0
    # The project's models (third-party ones, as auth's groups or django-otp's devices, hold
    # no text about a person).
    for model, model_admin in admin.site._registry.items():
        if not model.__module__.startswith("microcredit."):
            continue
        if not (
            model_admin.has_add_permission(request) or model_admin.has_change_permission(request)
        ):
            continue
        form = model_admin.get_form(request, None)
        free = [name for name, field in form.base_fields.items() if _is_free_text(field)]
        walked += 1
        if free and not issubclass(form, FreeTextGuard):
            unguarded.append(f"{model._meta.label}: {free}")
    assert walked >= 4  # users, memberships, organisations, programmes
    assert unguarded == []


def test_a_programme_s_name_with_a_nir_is_refused_in_the_admin() -> None:
    from microcredit.programmes.models import Programme

    superuser = User.objects.create_superuser("racine", "racine@example.org", "x" * 20)
    request = RequestFactory().get("/admin/")
    request.user = superuser
    programme = Programme.objects.first()
    assert programme is not None
    model_admin = admin.site._registry[Programme]
    form_class = model_admin.get_form(request, programme, change=True)
    data = {
        field: getattr(programme, field + "_id", None) or getattr(programme, field, "")
        for field in form_class.base_fields
    }
    data["name"] = f"Dispositif {NIR}"
    form = form_class(data, instance=programme)
    assert not form.is_valid()
    assert "numéro de sécurité sociale" in str(form.errors["name"])
