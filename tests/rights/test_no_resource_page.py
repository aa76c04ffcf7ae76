"""Issue #13, first acceptance point, through the pages and the real OpenFisca-France: a budget
with no resource at all is accepted, and the estimate shows the RSA for the household's
composition, in both cases of housing aid, with the month's scales.

Published amounts (décret n° 2026-220 for the RSA of April 2026, n° 2025-293 of 29 March 2025
for April 2025): 651,69 € and 646,52 € for one person; the forfait logement deducted when housing
aid is paid is 12 % of it (art. R262-10 CASF): 78,20 € and 77,58 €.
"""

from __future__ import annotations

import html
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.applicants.models import HouseholdMember
from microcredit.budgets.models import Budget
from microcredit.rights.enums import AssessmentStatus
from microcredit.rights.models import RightsAssessmentRecord
from tests.budgets.helpers import lone_parent_dossier

D = Decimal
pytestmark = pytest.mark.django_db

NO_INCOME_TENANT = {
    "housing_status": "tenant_private",
    "charge__rent": "420",
    "charge__energy": "60",
    "no_resources": "on",
}


@pytest.fixture
def referent(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user(Role.REFERENT)


def page(client: Client, dossier_id: int) -> str:
    """The page's text, white space (no-break spaces included) collapsed to single spaces."""
    response = client.get(reverse("dossiers:detail", args=[dossier_id]))
    assert response.status_code == 200
    return " ".join(html.unescape(response.content.decode()).split())


@pytest.mark.parametrize(
    ("month", "base", "with_forfait"),
    [("2026-04", "651,69", "573,49"), ("2025-04", "646,52", "568,94")],
)
def test_no_income_single_adult_gets_the_rsa_through_the_pages(
    client: Client,
    referent: User,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
    month: str,
    base: str,
    with_forfait: str,
) -> None:
    dossier = lone_parent_dossier(referent)
    # A single adult: the helper's applicant without her child, looking for work.
    HouseholdMember.objects.filter(applicant_id=dossier.applicant_id).delete()
    dossier.applicant.activity = "job_seeker"
    dossier.applicant.save()
    client.force_login(referent)
    response = client.post(
        reverse("budgets:edit", args=[dossier.pk]), {"month": month, **NO_INCOME_TENANT}
    )
    assert response.status_code == 302
    budget = Budget.objects.get(dossier=dossier)
    assert budget.no_resources and not budget.lines.filter(kind="resource").exists()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("rights:request", args=[dossier.pk]))
    record = RightsAssessmentRecord.objects.get(dossier=dossier)
    assert record.status == AssessmentStatus.DONE, record.error_message

    body = page(client, dossier.pk)
    assert "Aucune ressource (déclaré)" in body
    # The RSA for one person, in both cases, the condition stated, no contradicting note.
    assert (
        f"Environ {with_forfait} € par mois si l'aide au logement est versée ; "
        f"{base} € tant qu'elle ne l'est pas"
    ) in body
    assert "sera réduit d'un forfait logement" not in body
    assert (
        f'RSA, montant forfaitaire pour une personne seule</th> <td class="amount">{base} €'
    ) in body
    # Housing aid and the free complémentaire santé solidaire are listed too; the chèque
    # énergie is a yearly amount.
    assert "Aide au logement (APL, ALF ou ALS)" in body
    assert "Complémentaire santé solidaire" in body
    assert (
        "par mois selon l'estimation" not in body.split("Chèque énergie")[-1].split("</article>")[0]
    )


def test_without_the_box_a_budget_without_resource_is_refused(
    client: Client, referent: User
) -> None:
    dossier = lone_parent_dossier(referent)
    client.force_login(referent)
    form = {k: v for k, v in NO_INCOME_TENANT.items() if k != "no_resources"}
    response = client.post(reverse("budgets:edit", args=[dossier.pk]), {"month": "2026-04", **form})
    assert response.status_code == 200
    assert "Aucune ressource n'est renseignée" in html.unescape(response.content.decode())
    assert not Budget.objects.exists()
