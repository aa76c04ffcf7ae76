"""The portfolio as the bank adviser clicks through it, in Chromium: « Prêts » in the navigation,
PAR30 at the top, the bucket filter, then a loan's page; no CSP violation, script or server
error."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from microcredit.accounts.enums import Role
from microcredit.servicing.models import ArrearsSnapshot
from tests.browser.conftest import login
from tests.conftest import PASSWORD
from tests.factories import make_loan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_adviser_filters_the_portfolio_by_bucket_and_opens_a_loan(  # type: ignore[no-untyped-def]
    page, live_server, make_user
) -> None:
    referent = make_user(Role.REFERENT)
    adviser = make_user(Role.BANK_ADVISER, username="conseiller")
    late, current, new = (make_loan(created_by=referent, adviser=adviser) for _ in range(3))
    as_of = timezone.localdate() + timedelta(days=75)
    # As the nightly job would have left them: one loan 45 days late, one up to date, one
    # disbursed since (no snapshot). PAR30 = 600.00 / (600.00 + 1 400.00) = 0.30 → 30.00 %.
    figures = ((late, 45, "30+", "600.00"), (current, 0, "current", "1400.00"))
    for loan, days, bucket, outstanding in figures:
        ArrearsSnapshot.objects.create(
            loan=loan,
            as_of=as_of,
            days_past_due=days,
            bucket=bucket,
            overdue_amount=Decimal("104.58") if days else Decimal("0.00"),
            outstanding_principal=Decimal(outstanding),
            installment=Decimal("52.29"),
        )

    login(page, live_server, adviser.username, PASSWORD)
    page.get_by_role("link", name="Prêts", exact=True).click()
    assert page.get_by_role("heading", name="Portefeuille de prêts").is_visible()
    assert page.get_by_test_id("par30").inner_text() == "30,00\u00a0%"
    rows = page.locator("tbody tr")
    assert rows.count() == 3
    assert "non calculé" in rows.last.inner_text()
    page.get_by_label("Tranche de retard", exact=True).select_option("30+")
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_load_state()
    assert rows.count() == 1
    assert "30 jours et plus" in rows.first.inner_text()
    assert new.dossier.number not in page.content()
    page.get_by_role("link", name=late.dossier.number, exact=True).click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/prets/{late.pk}/")
    assert page.get_by_role("heading", name="Échéancier").is_visible()
    page.problems.assert_none()
