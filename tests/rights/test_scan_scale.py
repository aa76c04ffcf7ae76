"""``rights-scan`` resilient and bounded (issue #19): a month or a household OpenFisca-France
cannot compute is skipped and reported while the others get their estimate; only open
households and recent budgets are scanned; the queries grow with the chunks, not the rows.

OpenFisca's simulation is replaced by a fake (``engine._simulate``) except in the last test,
which runs the real month OpenFisca-France 176.1.8 cannot compute (10/2019)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from microcredit.accounts.enums import Role
from microcredit.budgets.models import Budget
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier
from microcredit.rights import engine
from microcredit.rights.enums import AssessmentStatus
from microcredit.rights.models import RightsAssessmentRecord
from microcredit.rights.rules import HouseholdSituation, RightsAssessment
from microcredit.rights.selectors import SCAN_EXCLUDED_STATES
from microcredit.rights.services import rights_scan
from tests.budgets.helpers import MONTH, fake_assessment, lone_parent_budget, lone_parent_dossier

D = Decimal
pytestmark = pytest.mark.django_db

TODAY = date(2026, 4, 15)
BAD_MONTH = date(2026, 3, 1)
BAD_SALARY = D("1234.00")


class FakeOpenFisca:
    """``engine._simulate``'s stand-in: fails for ``BAD_MONTH`` (whatever the household, the
    probe included) and for any batch holding a household earning ``BAD_SALARY``."""

    def __init__(self) -> None:
        self.calls: list[tuple[date, int]] = []

    def __call__(self, month: date, situations: Sequence[HouseholdSituation]) -> list[Any]:
        self.calls.append((month, len(situations)))
        if month == BAD_MONTH:
            raise KeyError("parametre introuvable en 2026-03")
        if any(s.members[0].net_salary == BAD_SALARY for s in situations):
            raise ValueError("foyer impossible")
        return [fake_assessment(month) for _ in situations]


@pytest.fixture
def fake_openfisca(monkeypatch: pytest.MonkeyPatch) -> FakeOpenFisca:
    fake = FakeOpenFisca()
    monkeypatch.setattr(engine, "_simulate", fake)
    return fake


@pytest.fixture
def referent(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.REFERENT)


def household(  # type: ignore[no-untyped-def]
    referent, *, month=MONTH, salary="950", state=DossierState.DIAGNOSIS
):
    record = lone_parent_dossier(referent)
    budget = lone_parent_budget(referent, record, salary=D(salary))
    Budget.objects.filter(pk=budget.pk).update(month=month)
    Dossier.objects.filter(pk=record.pk).update(state=state)
    return record


def test_a_bad_month_and_a_bad_household_are_skipped_and_reported(  # type: ignore[no-untyped-def]
    referent, fake_openfisca
) -> None:
    good = [household(referent) for _ in range(3)]
    bad = household(referent, salary=str(BAD_SALARY))
    in_bad_month = [household(referent, month=BAD_MONTH) for _ in range(3)]
    out = io.StringIO()
    call_command("rights-scan", "--today", "2026-04-15", "--chunk", "2", stdout=out)
    text = out.getvalue()
    records = {r.dossier_id: r for r in RightsAssessmentRecord.objects.all()}
    assert len(records) == 7
    assert all(records[d.pk].status == AssessmentStatus.DONE for d in good)
    assert all(D(records[d.pk].results["ppa"]) > 0 for d in good)
    assert records[bad.pk].status == AssessmentStatus.FAILED
    assert "(ValueError)" in records[bad.pk].error_message
    for dossier in in_bad_month:
        assert records[dossier.pk].status == AssessmentStatus.FAILED
        assert "ne sait pas calculer les droits de 03/2026" in records[dossier.pk].error_message
    assert "7 foyer(s) : 3 estimé(s), 0 incomplet(s), 4 en échec." in text
    assert "4 foyer(s) ignoré(s) : OpenFisca-France n'a pas pu les calculer." in text
    assert (
        "Mois qu'OpenFisca-France ne sait pas calculer :\n"
        "  03/2026 : 3 foyer(s) ignoré(s) (KeyError: 'parametre introuvable en 2026-03')\n"
    ) in text
    assert (
        "Foyers qu'OpenFisca-France n'a pas pu calculer :\n"
        f"  dossier {bad.number} (04/2026) : ValueError: foyer impossible\n"
    ) in text
    # The bad month is simulated once, with its probe; its second chunk is not simulated.
    assert fake_openfisca.calls.count((BAD_MONTH, 2)) == 1
    assert fake_openfisca.calls.count((BAD_MONTH, 1)) == 1


def test_a_bad_household_is_isolated_by_bisection(fake_openfisca) -> None:  # type: ignore[no-untyped-def]
    situations = [engine.probe_situation(MONTH) for _ in range(16)]
    applicant = replace(situations[11].members[0], net_salary=BAD_SALARY)
    situations[11] = replace(situations[11], members=(applicant,))
    results = engine.assess_households_isolated(situations)
    assert [isinstance(r, engine.Skipped) for r in results] == [k == 11 for k in range(16)]
    assert all(isinstance(r, RightsAssessment) for k, r in enumerate(results) if k != 11)
    # The batch, the probe, then two halves per level down to the household: 1 + 1 + 2 × 4.
    assert len(fake_openfisca.calls) == 10


def test_only_open_households_and_recent_budgets_are_scanned(  # type: ignore[no-untyped-def]
    referent, fake_openfisca
) -> None:
    scanned = [
        household(referent),
        household(referent, state=DossierState.DISBURSED),
        household(referent, state=DossierState.GUARANTEE_CALLED),
        household(referent, month=date(2025, 5, 1)),  # the window's first month
    ]
    left_alone = [
        household(referent, state=state)
        for state in (
            DossierState.REPAID,
            DossierState.CLOSED,
            DossierState.REFUSED_BY_BANK,
            DossierState.WITHDRAWN,
        )
    ]
    stale = household(referent, month=date(2025, 4, 1), state=DossierState.DISBURSED)
    # An older budget version before a recent one: the latest one is read.
    renewed = household(referent, month=date(2019, 10, 1))
    lone_parent_budget(referent, renewed, salary=D("1000"))
    scanned.append(renewed)
    out = io.StringIO()
    call_command("rights-scan", "--today", "2026-04-15", "--dry-run", stdout=out)
    assert out.getvalue() == "5 foyer(s) à réévaluer.\n"
    out = io.StringIO()
    call_command("rights-scan", "--today", "2026-04-15", stdout=out)
    records = RightsAssessmentRecord.objects.all()
    assert sorted(r.dossier_id for r in records) == sorted(d.pk for d in scanned)
    assert {r.month for r in records} == {MONTH, date(2025, 5, 1)}
    assert not RightsAssessmentRecord.objects.filter(dossier__in=[*left_alone, stale]).exists()
    assert {month for month, _size in fake_openfisca.calls} == {MONTH, date(2025, 5, 1)}
    text = out.getvalue()
    assert text.startswith("Budgets de 05/2025 à 04/2026 (12 mois), 5000 foyer(s) par simulation.")
    assert (
        "1 foyer(s) ouvert(s) dont le dernier budget est antérieur à 05/2025 : non "
        "réévalué(s) (budget à actualiser)."
    ) in text


def _queries(**options: int) -> int:
    with CaptureQueriesContext(connection) as captured:
        rights_scan(today=TODAY, **options)
    return len(captured)


def test_queries_grow_with_the_chunks_not_the_households(  # type: ignore[no-untyped-def]
    referent, fake_openfisca
) -> None:
    for _ in range(2):
        household(referent)
    _queries(chunk_size=100)  # the first run caches the month's RSA base amount
    small = _queries(chunk_size=100)
    for _ in range(4):
        household(referent)
    assert _queries(chunk_size=100) == small  # 6 households, one chunk
    three_chunks = _queries(chunk_size=2)
    household(referent)
    household(referent)
    four_chunks = _queries(chunk_size=2)
    per_chunk = four_chunks - three_chunks
    assert 0 < per_chunk <= 6
    assert three_chunks == small + 2 * per_chunk
    assert RightsAssessmentRecord.objects.filter(status=AssessmentStatus.DONE).count() == (
        2 + 2 + 6 + 6 + 8
    )


def test_the_month_openfisca_france_cannot_compute_is_skipped(referent) -> None:  # type: ignore[no-untyped-def]
    # OpenFisca-France 176.1.8 lacks a parameter of the complémentaire santé solidaire in
    # October 2019 (it began in November): that month's household is skipped, the next
    # month's one gets its estimate, in the same run.
    lost = household(referent, month=date(2019, 10, 1))
    kept = household(referent, month=date(2019, 11, 1))
    out = io.StringIO()
    call_command("rights-scan", "--today", "2020-09-15", stdout=out)
    records = {r.dossier_id: r for r in RightsAssessmentRecord.objects.all()}
    assert records[kept.pk].status == AssessmentStatus.DONE
    assert D(records[kept.pk].results["ppa"]) > 0
    assert records[lost.pk].status == AssessmentStatus.FAILED
    assert "ne sait pas calculer les droits de 10/2019" in records[lost.pk].error_message
    text = out.getvalue()
    assert "2 foyer(s) : 1 estimé(s), 0 incomplet(s), 1 en échec." in text
    assert "  10/2019 : 1 foyer(s) ignoré(s) (ParameterNotFoundError: " in text
    assert not Dossier.objects.exclude(pk__in=[lost.pk, kept.pk]).exists()


def test_generate_volume_can_give_every_open_dossier_a_recent_budget(fake_openfisca) -> None:  # type: ignore[no-untyped-def]
    # The rights scan's bench: --open-budgets gives the open dossiers without a loan a budget
    # of one of the last twelve months; the borrowers keep their budget of the diagnosis.
    call_command(
        "generate_volume", "--open-budgets", dossiers=80, loans=20, today=TODAY, verbosity=0
    )
    without_loan = Dossier.objects.filter(loan__isnull=True)
    open_ones = without_loan.exclude(state__in=SCAN_EXCLUDED_STATES)
    assert open_ones.count() > 10
    assert not open_ones.filter(budgets__isnull=True).exists()
    assert not without_loan.filter(state__in=SCAN_EXCLUDED_STATES, budgets__isnull=False).exists()
    months = set(Budget.objects.filter(dossier__in=open_ones).values_list("month", flat=True))
    assert min(months) >= date(2025, 5, 1) and max(months) <= date(2026, 4, 1)
    out = io.StringIO()
    call_command("rights-scan", "--today", "2026-04-15", "--chunk", "25", stdout=out)
    scanned = RightsAssessmentRecord.objects.filter(finished_at__isnull=False, created_by=None)
    assert scanned.filter(dossier__in=open_ones).count() == open_ones.count()
    assert f"{scanned.count()} foyer(s) : " in out.getvalue()
