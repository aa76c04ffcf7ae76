"""The commission and the bank as people click through them, on the demo data, in Chromium:
the agent records who is present, a member transmits a dossier, the adviser computes the
installment, grants the loan and reads the loan pages; no CSP violation, script or server error."""

from __future__ import annotations

import re

import pytest

from microcredit.commissions.models import AgendaItem, CommissionSession
from microcredit.demo.loading import DEMO_PASSWORD
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier
from microcredit.loans.models import Loan
from tests.browser.conftest import login, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_presence_decision_then_the_bank_grants_the_loan(browser, page, live_server, demo) -> None:  # type: ignore[no-untyped-def]
    session = CommissionSession.objects.get(closed_at__isnull=True)
    item = AgendaItem.objects.filter(session=session).select_related("dossier").first()
    dossier = item.dossier
    session_url = f"{live_server.url}/commission/{session.pk}/"

    login(page, live_server, "agent", DEMO_PASSWORD)
    page.goto(session_url)
    page.get_by_label("Présent·e : Marc Durand").check()
    page.get_by_role("button", name="Enregistrer la séance").click()
    assert page.get_by_label("Présent·e : Marc Durand").is_checked()
    sign_out(page)

    login(page, live_server, "commission", DEMO_PASSWORD)
    page.goto(session_url)
    page.get_by_role("link", name=dossier.number, exact=True).click()
    assert "ni nom, ni adresse" in page.content()
    assert dossier.applicant.last_name not in page.content()
    page.get_by_role("link", name="← Retour à la séance").click()
    row = page.locator(f"#point-{item.pk}")
    row.get_by_label("Décision").select_option("transmit")
    row.get_by_role("button", name="Enregistrer la décision").click()
    assert "Transmis à la banque" in page.locator(f"#point-{item.pk}").inner_text()
    dossier.refresh_from_db()
    assert dossier.state == DossierState.TRANSMITTED_TO_BANK
    sign_out(page)

    login(page, live_server, "banque", DEMO_PASSWORD)
    page.get_by_role("link", name="Dossiers transmis").first.click()
    page.get_by_role("link", name=dossier.number, exact=True).click()
    page.get_by_label("Durée de remboursement (mois)").fill("30")
    page.get_by_role("button", name="Calculer la mensualité et le TAEG").click()
    status = page.get_by_role("status").inner_text()
    assert re.search(r"Mensualité [\d\u202f ]+,\d\d\u00a0€, TAEG 1,76\u00a0%", status), status
    page.get_by_role("button", name="Accorder le prêt à ces conditions").click()
    dossier.refresh_from_db()
    assert dossier.state == DossierState.GRANTED
    assert dossier.bank_decision.months == 30

    loan = Loan.objects.filter(dossier__state=DossierState.DISBURSED).first()
    page.goto(f"{live_server.url}/prets/{loan.pk}/")
    assert page.get_by_role("heading", name="Échéancier").is_visible()
    page.goto(f"{live_server.url}/api/v1/docs")
    assert page.get_by_role("heading", level=1).is_visible()
    page.goto(f"{live_server.url}/api/jetons/")
    assert page.get_by_role("heading", level=1).is_visible()
    page.problems.assert_none()
    assert Dossier.objects.filter(state=DossierState.GRANTED).count() == 2
