"""The applicant form says what it expects (RGAA 11.10): required fields marked and explained,
examples for the phone, the postcode, the e-mail and the birth date as visible text."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from microcredit.accounts.enums import Role

pytestmark = pytest.mark.django_db


def test_the_form_gives_examples_and_marks_what_is_required(client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(Role.REFERENT)
    client.force_login(client.user)
    html = client.get(reverse("applicants:create")).content.decode()
    assert "Les champs marqués d'un astérisque (*) sont obligatoires." in html
    for example in ("06 12 34 56 78", "ex. 42000.", "ex. 14/07/1985", "prenom.nom@exemple.fr"):
        assert example in html, example
    # The hint is tied to its field, and required fields say so to assistive technologies.
    assert re.search(r'<input[^>]*name="phone"[^>]*aria-describedby="id_phone_helptext"', html)
    assert re.search(r'<input[^>]*name="last_name"[^>]*required', html)
