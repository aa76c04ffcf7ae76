"""The dossier form: an amount of zero or below is refused in French and nothing is saved; a loan
asked for outside the scheme's bounds, or a person who already has an open dossier, is recorded
with a warning in French naming the bounds (or the other dossier), at entry and on the dossier
page afterwards (recomputed from the dossier's values)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from microcredit.accounts.enums import Role
from microcredit.core.formatting import format_eur
from microcredit.dossiers import rules
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier
from microcredit.programmes.selectors import version_in_force
from tests.factories import make_applicant, make_dossier, saint_etienne_programme


def _form(**changes: str) -> dict[str, str]:
    values = {
        "application_date": timezone.localdate().isoformat(),
        "purpose": "mobilite/permis_de_conduire",
        "project_description": "Permis B.",
        "requested_amount": "1200",
        "requested_months": "24",
        "requested_deferral_months": "0",
        "requested_deferral_kind": "none",
        "no_ordinary_credit": "on",
        "no_ordinary_credit_evidence": "Refus de la banque.",
    }
    values.update(changes)
    return values


def _version():  # type: ignore[no-untyped-def]
    version = version_in_force(saint_etienne_programme(), timezone.localdate())
    assert version is not None
    return version


def _create_url(applicant_id: int) -> str:
    return f"{reverse('dossiers:create')}?demandeur={applicant_id}"


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["-50", "0", "-1 200,00"])
def test_an_amount_of_zero_or_below_is_refused_in_french_and_nothing_is_saved(
    client_for, saint_etienne, amount
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(Role.REFERENT)
    applicant = make_applicant(organisation=saint_etienne, created_by=client.user)
    response = client.post(_create_url(applicant.pk), _form(requested_amount=amount))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Le montant demandé doit être positif." in page
    assert "≥" not in page and "supérieure ou égale" not in page
    assert not Dossier.objects.exists()


@pytest.mark.django_db
def test_an_edit_to_a_negative_amount_is_refused_and_changes_nothing(client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(Role.REFERENT)
    dossier = make_dossier(created_by=client.user)
    url = reverse("dossiers:edit", args=[dossier.pk])
    response = client.post(url, _form(requested_amount="-10"))
    assert "Le montant demandé doit être positif." in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.requested_amount == Decimal("1200.00")


@pytest.mark.django_db
def test_an_amount_over_the_ceiling_is_recorded_with_the_warning_naming_the_bounds(
    client_for, saint_etienne
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(Role.REFERENT)
    version = _version()
    applicant = make_applicant(organisation=saint_etienne, created_by=client.user)
    too_much = version.max_amount + 2000
    too_long = version.max_months + 4
    response = client.post(
        _create_url(applicant.pk),
        _form(requested_amount=str(too_much), requested_months=str(too_long)),
        follow=True,
    )
    dossier = Dossier.objects.get()  # saving still works
    assert dossier.requested_amount == too_much and dossier.requested_months == too_long
    ceiling = format_eur(version.max_amount)
    amount_warning = f"{format_eur(too_much)} dépasse le plafond du dispositif ({ceiling})."
    months_warning = (
        f"La durée demandée ({too_long} mensualités) dépasse la durée maximale du dispositif "
        f"({version.max_months} mensualités)."
    )
    # At entry (the message right after saving) and on the dossier page, where it stays.
    messages = [str(m) for m in response.context["messages"]]
    assert amount_warning in messages and months_warning in messages
    page = client.get(reverse("dossiers:detail", args=[dossier.pk])).content.decode()
    assert page.count(amount_warning) == 1 and months_warning in page
    # The edit form says it too; once back within the bounds, nobody says it any more.
    edit_url = reverse("dossiers:edit", args=[dossier.pk])
    assert amount_warning in client.get(edit_url).content.decode()
    client.post(edit_url, _form())
    page = client.get(reverse("dossiers:detail", args=[dossier.pk])).content.decode()
    assert "dépasse le plafond" not in page and "durée maximale" not in page


@pytest.mark.django_db
def test_a_deferral_over_the_maximum_and_an_amount_under_the_minimum_are_warned(client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(Role.REFERENT)
    version = _version()
    dossier = make_dossier(created_by=client.user)
    too_little = version.min_amount - 1
    deferral = version.max_deferral_months + 1
    response = client.post(
        reverse("dossiers:edit", args=[dossier.pk]),
        _form(
            requested_amount=str(too_little),
            requested_deferral_months=str(deferral),
            requested_deferral_kind="interest_only",
        ),
        follow=True,
    )
    dossier.refresh_from_db()
    assert dossier.requested_deferral_months == deferral
    page = response.content.decode()
    assert (
        f"{format_eur(too_little)} est sous le montant minimal du dispositif "
        f"({format_eur(version.min_amount)})."
    ) in page
    assert (
        f"Le différé demandé ({deferral} mois) dépasse le différé maximal du dispositif "
        f"({version.max_deferral_months} mois)."
    ) in page


@pytest.mark.django_db
def test_within_the_bounds_nothing_is_warned(client_for, saint_etienne) -> None:  # type: ignore[no-untyped-def]
    client = client_for(Role.REFERENT)
    applicant = make_applicant(organisation=saint_etienne, created_by=client.user)
    response = client.post(_create_url(applicant.pk), _form(), follow=True)
    assert Dossier.objects.count() == 1
    assert 'id="avertissements"' not in response.content.decode()


@pytest.mark.django_db
def test_another_open_dossier_of_the_applicant_is_named_with_its_state_and_a_link(
    client_for, saint_etienne
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(Role.AGENT)
    applicant = make_applicant(organisation=saint_etienne, created_by=client.user)
    open_one = make_dossier(
        created_by=client.user, applicant=applicant, state=DossierState.INSTRUCTION
    )
    make_dossier(created_by=client.user, applicant=applicant, state=DossierState.CLOSED)
    link = f'<a href="{reverse("dossiers:detail", args=[open_one.pk])}">{open_one.number}</a>'

    form = client.get(_create_url(applicant.pk)).content.decode()  # before anything is typed
    assert "Le demandeur a déjà un autre dossier ouvert" in form
    assert f"{link} (en instruction)" in form

    client.post(_create_url(applicant.pk), _form())  # still recorded
    new = Dossier.objects.exclude(pk=open_one.pk).get(state=DossierState.RECEPTION)
    page = client.get(reverse("dossiers:detail", args=[new.pk])).content.decode()
    assert f"{link} (en instruction)" in page
    # The closed dossier is not open; the old one names the new one in turn.
    assert page.count("autre dossier ouvert") == 1
    old_page = client.get(reverse("dossiers:detail", args=[open_one.pk])).content.decode()
    assert f"{new.number}</a> (accueil)" in old_page


@pytest.mark.django_db
def test_a_partner_worker_is_not_told_of_the_applicants_other_dossiers(
    client_for, make_user, social_structure
) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import share_with

    referent = make_user(Role.REFERENT)
    first = make_dossier(created_by=referent)
    second = make_dossier(created_by=referent, applicant=first.applicant)
    client = client_for(Role.PARTNER_WORKER)
    share_with(second, client.user, shared_by=referent)
    page = client.get(reverse("dossiers:detail", args=[second.pk])).content.decode()
    assert first.number not in page and "autre dossier ouvert" not in page


def test_the_rule_warns_outside_the_bounds_only() -> None:
    bounds = rules.LoanBounds(Decimal(300), Decimal(3000), 6, 36, 12)
    kinds = rules.RequestWarningKind
    assert rules.request_warnings(Decimal(3000), 36, 12, bounds) == ()
    assert rules.request_warnings(Decimal(300), 6, 0, bounds) == ()
    assert rules.request_warnings(None, None, 0, bounds) == ()
    found = rules.request_warnings(Decimal("3000.01"), 37, 13, bounds)
    assert [w.kind for w in found] == [kinds.AMOUNT_ABOVE, kinds.MONTHS_ABOVE, kinds.DEFERRAL_ABOVE]
    assert [w.bound for w in found] == [Decimal(3000), 36, 12]
    below = rules.request_warnings(Decimal("299.99"), 5, 0, bounds)
    assert [w.kind for w in below] == [kinds.AMOUNT_BELOW, kinds.MONTHS_BELOW]


@pytest.mark.django_db
def test_each_remove_share_button_names_the_person(client_for, make_user) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import share_with

    client = client_for(Role.REFERENT)
    dossier = make_dossier(created_by=client.user)
    names = []
    for username, first, last in (("p1", "Paule", "Amiel"), ("p2", "Pierre", "Brun")):
        worker = make_user(Role.PARTNER_WORKER, username=username)
        worker.first_name, worker.last_name = first, last
        worker.save(update_fields=["first_name", "last_name"])
        share_with(dossier, worker, shared_by=client.user)
        names.append(f"{first} {last}")
    page = client.get(reverse("dossiers:detail", args=[dossier.pk])).content.decode()
    for name in names:
        hidden = f'<span class="visually-hidden"> le partage avec {name}</span>'
        assert re.search(r"Retirer\s*" + re.escape(hidden), page), name
