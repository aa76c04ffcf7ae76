"""A référent types the household's budget in a real browser, sees the diagnostic, then the
rights section polls (htmx, no inline script: the CSP holds) until the estimate is there."""

from __future__ import annotations

import pytest

from microcredit.accounts.enums import Role
from microcredit.rights import engine
from microcredit.rights.models import RightsAssessmentRecord, RsaBaseAmount
from microcredit.rights.tasks import assess_dossier_rights
from tests.browser.conftest import login
from tests.budgets.helpers import MONTH, fake_assessment, lone_parent_dossier
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_budget_diagnostic_then_rights_estimate_polled_by_htmx(
    page, live_server, make_user, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    referent = make_user(Role.REFERENT)
    dossier = lone_parent_dossier(referent)
    RsaBaseAmount.objects.create(month=MONTH, amount="651.69", openfisca_france_version="x")
    login(page, live_server, referent.username, PASSWORD)
    page.goto(f"{live_server.url}/dossiers/{dossier.pk}/")
    page.get_by_role("button", name="Saisir le budget").click()
    page.get_by_label("Mois décrit par le budget").fill("2026-04")
    page.get_by_label("Salaires").fill("950")
    page.locator("#id_resource__housing_aid").fill("250")
    page.get_by_label("L'aide au logement est versée directement au bailleur").check()
    page.get_by_label("Énergie (électricité, gaz, chauffage)").fill("80")
    page.get_by_role("button", name="Enregistrer une nouvelle version du budget").click()
    assert "Le foyer est locataire mais aucun loyer n'est renseigné." in page.content()
    page.get_by_label("Loyer (charges comprises)").fill("550")
    page.get_by_role("button", name="Enregistrer une nouvelle version du budget").click()
    assert "Budget enregistré (version 1)." in page.content()
    assert "Avis du diagnostic" in page.content()

    # The worker has not taken the task yet: the section says so and polls.
    monkeypatch.setattr(type(assess_dossier_rights), "enqueue", lambda self, *args: None)
    page.get_by_role("button", name="Estimer les droits du foyer").click()
    page.get_by_text("Estimation en cours…").wait_for()
    record = RightsAssessmentRecord.objects.get()
    monkeypatch.setattr(engine, "assess_household", lambda situation: fake_assessment())
    assert assess_dossier_rights.call(record.pk) == "done"
    page.get_by_role("heading", name="Prime d'activité").wait_for(timeout=10_000)
    assert "Estimation en cours…" not in page.content()
    page.problems.assert_none()


def test_a_refused_budget_gets_a_focused_error_summary_linking_to_each_field(
    page, live_server, make_user
) -> None:  # type: ignore[no-untyped-def]
    referent = make_user(Role.REFERENT)
    dossier = lone_parent_dossier(referent)
    login(page, live_server, referent.username, PASSWORD)
    page.goto(f"{live_server.url}/dossiers/{dossier.pk}/budget/modifier/")
    page.get_by_label("Mois décrit par le budget").fill("2026-04")
    page.get_by_label("Salaires").fill("950")
    page.get_by_label("Loyer (charges comprises)").fill("550")
    page.get_by_label("Énergie (électricité, gaz, chauffage)").fill("-80")
    page.get_by_label("Eau").fill("beaucoup")
    page.get_by_role("button", name="Enregistrer une nouvelle version du budget").click()
    page.wait_for_load_state()
    assert page.title().startswith("Erreur : Budget du foyer")
    summary = page.locator("#error-summary")
    assert "Le formulaire contient 2 erreurs" in summary.inner_text()
    # The summary, at the top of the form, has the focus: a screen reader reads it first.
    page.wait_for_function("() => document.activeElement.id === 'error-summary'", timeout=5_000)
    summary.get_by_role("link", name="ne peut pas être négatif").click()
    assert page.evaluate("() => document.activeElement.id") == "id_charge__energy"
    page.problems.assert_none()
