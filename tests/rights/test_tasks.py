"""The rights estimate as a task: the page shows it running (htmx poll), then the rights to
check; a failure leaves the dossier usable, shows the error and offers a retry; the référent
records an outcome per right.

One test runs the real OpenFisca-France (the lone parent of tests/budgets/test_rules.py); the
others replace ``engine.assess_household`` by a hand-written estimate or a failure.
"""

from __future__ import annotations

import html
from decimal import Decimal

import pytest
from django.urls import reverse

from microcredit.accounts.enums import Role
from microcredit.core.models import AuditEvent
from microcredit.organisations.models import Organisation
from microcredit.rights import engine
from microcredit.rights.enums import AssessmentStatus
from microcredit.rights.models import RightOutcomeRecord, RightsAssessmentRecord, RsaBaseAmount
from microcredit.rights.services import RightsRefused, rights_assessment_request
from microcredit.rights.tasks import UNEXPECTED_FAILURE, assess_dossier_rights
from tests.budgets.helpers import (
    MONTH,
    fake_assessment,
    lone_parent_budget,
    lone_parent_dossier,
    membership,
)

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def referent(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.REFERENT)


@pytest.fixture
def dossier(referent):  # type: ignore[no-untyped-def]
    dossier = lone_parent_dossier(referent)
    lone_parent_budget(referent, dossier)
    return dossier


def page(client, dossier) -> str:  # type: ignore[no-untyped-def]
    response = client.get(reverse("dossiers:detail", args=[dossier.pk]))
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def request_estimate(client, dossier, capture, **headers):  # type: ignore[no-untyped-def]
    with capture(execute=True):
        return client.post(reverse("rights:request", args=[dossier.pk]), **headers)


def test_real_openfisca_estimate_for_the_lone_parent(
    client, referent, dossier, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(referent)
    response = request_estimate(client, dossier, django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response["Location"].endswith("#droits")
    record = RightsAssessmentRecord.objects.get()
    assert record.status == AssessmentStatus.DONE, record.error_message
    assert (record.month, record.openfisca_france_version) == (MONTH, "176.1.8")
    assert record.rsa_base_amount == D("651.69")  # décret n° 2026-220, 1 April 2026
    assert D(record.results["ppa"]) > 0 and D("150") < D(record.results["asf"]) < D("250")
    assert record.caveats[0].startswith("Estimation indicative")
    # The RSA base amount is cached for the budget page: the floor is now computed.
    assert RsaBaseAmount.objects.get(month=MONTH).amount == D("651.69")
    body = page(client, dossier)
    assert "Estimation pour le mois 04/2026" in body and "OpenFisca-France 176.1.8" in body
    assert "Prime d'activité" in body and "Allocation de soutien familial (ASF)" in body
    assert "selon l'estimation" in body and "Comment le demander" in body
    assert "977,54\xa0€" in body  # the floor: 1,5 × 651,69
    assert "Estimation en cours" not in body
    assert AuditEvent.objects.filter(action="rights_assessment_requested").count() == 1


def test_the_page_polls_while_the_estimate_runs_then_shows_it(
    client, referent, dossier, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(referent)
    # No on-commit execution: the task is not run, as when the worker has not taken it yet.
    client.post(reverse("rights:request", args=[dossier.pk]))
    record = RightsAssessmentRecord.objects.get()
    assert record.status == AssessmentStatus.PENDING
    section_url = reverse("rights:section", args=[dossier.pk])
    body = page(client, dossier)
    assert "Estimation en cours…" in body
    assert f'hx-get="{section_url}"' in body and 'hx-trigger="every 2s"' in body
    # A poll that finds it still running swaps nothing: the focus stays where it is.
    poll = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TRIGGER": "rights-content"}
    assert client.get(section_url, **poll).status_code == 204
    # Asking again while it runs does not start a second computation.
    client.post(reverse("rights:request", args=[dossier.pk]))
    assert RightsAssessmentRecord.objects.count() == 1
    monkeypatch.setattr(engine, "assess_household", lambda situation: fake_assessment())
    assert assess_dossier_rights.call(record.pk) == "done"
    assert assess_dossier_rights.call(record.pk) == "skipped"  # taken once only
    fragment = html.unescape(client.get(section_url).content.decode())
    assert fragment.lstrip().startswith('<section id="droits"')
    assert "hx-trigger" not in fragment
    assert "Environ 370,21\xa0€ par mois selon l'estimation" in fragment
    # The poll that finds it done: the content, and the live region's text out of band.
    update = html.unescape(client.get(section_url, **poll).content.decode())
    assert update.lstrip().startswith('<div id="rights-content"')
    assert "hx-trigger" not in update
    assert '<p id="rights-status" hx-swap-oob="innerHTML">' in update
    assert "Estimation terminée : " in update and "droits à vérifier." in update


def test_htmx_request_returns_the_section(
    client, referent, dossier, monkeypatch, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(engine, "assess_household", lambda situation: fake_assessment())
    client.force_login(referent)
    response = request_estimate(
        client, dossier, django_capture_on_commit_callbacks, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    text = html.unescape(response.content.decode())
    # The content answered before the commit, so before the task: it polls, then shows it. The
    # live region stays in the page; its text comes out of band.
    assert text.lstrip().startswith('<div id="rights-content"')
    assert "Estimation en cours…" in text and 'hx-trigger="every 2s"' in text
    assert '<section id="droits"' not in text
    assert '<p id="rights-status" hx-swap-oob="innerHTML">' in text
    assert "Estimation des droits en cours…" in text
    section = client.get(reverse("rights:section", args=[dossier.pk]))
    assert "Prime d'activité" in html.unescape(section.content.decode())


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (
            engine.RightsComputationError("Le calcul des droits par OpenFisca-France a échoué."),
            "Le calcul des droits par OpenFisca-France a échoué.",
        ),
        (KeyError("statut_occupation_logement"), UNEXPECTED_FAILURE),
        (
            engine.InvalidSituationError(["Le code commune INSEE du logement manque."]),
            "Le code commune INSEE du logement manque.",
        ),
    ],
)
def test_a_failure_shows_the_error_keeps_the_dossier_usable_and_allows_a_retry(
    client, referent, dossier, monkeypatch, django_capture_on_commit_callbacks, error, message
) -> None:  # type: ignore[no-untyped-def]
    def broken(situation):  # type: ignore[no-untyped-def]
        raise error

    monkeypatch.setattr(engine, "assess_household", broken)
    client.force_login(referent)
    request_estimate(client, dossier, django_capture_on_commit_callbacks)
    record = RightsAssessmentRecord.objects.get()
    assert record.status == AssessmentStatus.FAILED
    assert message in record.error_message
    body = page(client, dossier)
    assert message in body and "Relancer l'estimation" in body
    assert "Budget du foyer" in body  # the rest of the page is there
    monkeypatch.setattr(engine, "assess_household", lambda situation: fake_assessment())
    request_estimate(client, dossier, django_capture_on_commit_callbacks)
    assert list(RightsAssessmentRecord.objects.order_by("id").values_list("status", flat=True)) == [
        AssessmentStatus.FAILED,
        AssessmentStatus.DONE,
    ]
    assert "Relancer l'estimation" not in page(client, dossier)


def test_the_referent_records_an_outcome_per_right(
    client, referent, dossier, monkeypatch, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(engine, "assess_household", lambda situation: fake_assessment())
    client.force_login(referent)
    request_estimate(client, dossier, django_capture_on_commit_callbacks)
    record = RightsAssessmentRecord.objects.get()
    url = reverse("rights:outcome", args=[dossier.pk])
    post = {"assessment_id": record.pk, "right": "ppa", "outcome": "claim_started"}
    assert client.post(url, post).status_code == 302
    client.post(url, {**post, "outcome": "opened"})  # the claim succeeded: changed, not doubled
    outcome = RightOutcomeRecord.objects.get()
    assert (outcome.right, outcome.outcome) == ("ppa", "opened")
    assert outcome.estimated_monthly_amount == D("370.21")
    assert "Suite enregistrée : ouvert" in page(client, dossier)
    # A right the estimate does not list (no RSA here), or an unknown outcome: nothing saved.
    client.post(url, {**post, "right": "rsa"})
    client.post(url, {**post, "right": "asf", "outcome": "maybe"})
    assert RightOutcomeRecord.objects.count() == 1
    assert AuditEvent.objects.filter(action="right_outcome_recorded").count() == 2


def test_no_budget_no_estimate(referent) -> None:  # type: ignore[no-untyped-def]
    dossier = lone_parent_dossier(referent)
    with pytest.raises(RightsRefused, match="Saisissez d'abord le budget"):
        rights_assessment_request(
            actor=referent, membership=membership(referent), dossier_id=dossier.pk
        )
    assert not RightsAssessmentRecord.objects.exists()


def test_only_the_ccas_staff_of_the_dossier_reaches_the_rights(client, make_user, dossier) -> None:  # type: ignore[no-untyped-def]
    urls = [
        ("get", reverse("rights:section", args=[dossier.pk])),
        ("post", reverse("rights:request", args=[dossier.pk])),
        ("post", reverse("rights:outcome", args=[dossier.pk])),
    ]
    for role in (Role.COMMITTEE_MEMBER, Role.BANK_ADVISER, Role.PARTNER_WORKER, Role.ADMIN):
        client.force_login(make_user(role))
        for method, url in urls:
            assert getattr(client, method)(url).status_code == 403, (role, url)
    other_ccas = Organisation.objects.create(kind="ccas", name="CCAS de Roanne", slug="roanne")
    client.force_login(make_user(Role.REFERENT, username="roanne", organisation=other_ccas))
    for method, url in urls:
        response = getattr(client, method)(url, {"assessment_id": "1"})
        assert response.status_code == 404, url
    assert not RightsAssessmentRecord.objects.exists()
