"""The error summary of a refused form (core/_error_summary.html, RGAA 11.10): at the top of the
form, focusable, counting the errors, one link a field to the field itself."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from microcredit.accounts.enums import Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


class ExampleForm(forms.Form):
    amount = forms.IntegerField(label="Montant", min_value=300)
    months = forms.IntegerField(label="Durée")
    mode = forms.ChoiceField(
        label="Mode", choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect
    )
    token = forms.CharField(widget=forms.HiddenInput)

    def clean(self):  # type: ignore[no-untyped-def]
        self.add_error(None, "Le dispositif est fermé.")
        return super().clean()


def summary(form: forms.Form) -> str:
    with translation.override("fr"):
        return render_to_string("core/_error_summary.html", {"form": form})


def test_nothing_for_a_form_without_errors() -> None:
    assert summary(ExampleForm()).strip() == ""
    assert summary(ExampleForm({"amount": "500", "months": "12", "mode": "a", "token": "x"})) != ""


def test_one_entry_a_field_in_error_with_its_label_and_message() -> None:
    html = summary(ExampleForm({"amount": "100", "mode": "z"}))
    assert 'id="error-summary"' in html and 'tabindex="-1"' in html and 'role="alert"' in html
    assert "Le formulaire contient 5 erreurs" in html
    assert re.search(r"<li>\s*Le dispositif est fermé.\s*</li>", html)  # not a link
    assert (
        '<a href="#id_amount">Montant : Assurez-vous que cette valeur est supérieure ou égale '
        "à 300.</a>" in html
    )
    assert '<a href="#id_months">Durée : Ce champ est obligatoire.</a>' in html
    assert 'href="#id_mode">Mode : ' in html  # app.js falls back on id_mode_0
    assert "#id_token" not in html  # a hidden field has nowhere to go: its message alone
    assert html.count("<li>") == 5


def test_the_count_is_singular_for_one_error() -> None:
    class One(forms.Form):
        name = forms.CharField(label="Nom")

    assert re.search(r"Le formulaire contient 1 erreur\s*</h2>", summary(One({})))


def test_a_refused_login_shows_the_summary_and_errors_in_the_title(client, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user(Role.REFERENT, username="camille")
    response = client.post(reverse("accounts:login"), {"username": "camille", "password": "x"})
    page = response.content.decode()
    assert 'id="error-summary"' in page
    assert "Saisissez un nom d’utilisateur et un mot de passe valides" in page
    assert page.count("Saisissez un nom d’utilisateur") == 1  # no second copy above the form
    assert re.search(r"<title>\s*Erreur :", page)


def test_a_refused_password_change_links_each_field(client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(Role.REFERENT)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "faux", "new_password1": "a", "new_password2": "b"},
    )
    page = response.content.decode()
    assert 'href="#id_old_password"' in page and 'href="#id_new_password2"' in page
    assert PASSWORD not in page
