"""``microcredit rights-scan``: every open household with a recent budget in one vectorised call
(a chunk; tests/rights/test_scan_scale.py covers the chunks, the window and the skips)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command

from microcredit.accounts.enums import Role
from microcredit.applicants.models import Applicant, HouseholdMember
from microcredit.budgets.services import budget_create_version, budget_lines
from microcredit.dossiers.enums import DossierState
from microcredit.rights import engine
from microcredit.rights.enums import AssessmentStatus
from microcredit.rights.models import RightsAssessmentRecord, RsaBaseAmount
from tests.budgets.helpers import MONTH, lone_parent_budget, lone_parent_dossier
from tests.factories import membership_of

D = Decimal
pytestmark = pytest.mark.django_db
# The window of the scan ends in the budgets' month (April 2026).
TODAY = ("--today", "2026-04-15")


@pytest.fixture
def caseload(make_user):  # type: ignore[no-untyped-def]
    """Three open households with a budget, and three dossiers the scan must leave alone."""
    referent = make_user(Role.REFERENT)
    households = []
    for salary in ("950", "1200", "600"):
        dossier = lone_parent_dossier(referent)
        lone_parent_budget(referent, dossier, salary=D(salary))
        households.append(dossier)
    # A second version: only the latest one is reassessed.
    lone_parent_budget(referent, households[0], salary=D("900"))
    closed = lone_parent_dossier(referent)
    lone_parent_budget(referent, closed)
    closed.state = DossierState.WITHDRAWN
    closed.save()
    lone_parent_dossier(referent)  # open, no budget yet
    incomplete = lone_parent_dossier(referent)
    lone_parent_budget(referent, incomplete)
    Applicant.objects.filter(pk=incomplete.applicant_id).update(commune_code="")
    return households, incomplete


def retired_budget(referent, dossier):  # type: ignore[no-untyped-def]
    return budget_create_version(
        actor=referent,
        membership=membership_of(referent),
        dossier_id=dossier.pk,
        month=MONTH,
        housing_status="tenant_private",
        lines=budget_lines(
            personal={None: {"pensions": D("900")}},
            resources={},
            charges={"rent": D("450"), "energy": D("60")},
        ),
    )


def test_dry_run_prints_the_count_only(caseload) -> None:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    call_command("rights-scan", "--dry-run", *TODAY, stdout=out)
    assert out.getvalue() == "4 foyer(s) à réévaluer.\n"
    assert not RightsAssessmentRecord.objects.exists()


def test_one_vectorised_call_for_every_open_household(caseload, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    households, incomplete = caseload
    calls = []
    real = engine.assess_households_isolated

    def spy(situations, **options):  # type: ignore[no-untyped-def]
        calls.append(list(situations))
        return real(situations, **options)

    monkeypatch.setattr(engine, "assess_households_isolated", spy)
    out = io.StringIO()
    call_command("rights_scan", *TODAY, stdout=out)
    assert len(calls) == 1
    assert [s.members[0].net_salary for s in calls[0]] == [D("900.00"), D("1200.00"), D("600.00")]
    done = RightsAssessmentRecord.objects.filter(status=AssessmentStatus.DONE).order_by("id")
    assert [r.dossier_id for r in done] == [d.pk for d in households]
    assert all(r.budget.version == (2 if k == 0 else 1) for k, r in enumerate(done))
    assert all(D(r.results["ppa"]) > 0 and r.created_by is None for r in done)
    failed = RightsAssessmentRecord.objects.get(status=AssessmentStatus.FAILED)
    assert failed.dossier_id == incomplete.pk
    assert "code commune INSEE" in failed.error_message
    assert RsaBaseAmount.objects.get(month=MONTH).amount == D("651.69")
    text = out.getvalue()
    assert "4 foyer(s) : 3 estimé(s), 1 incomplet(s), 0 en échec." in text
    # Every right is counted, the ASPA included (none of these young parents has it).
    assert "Foyers ayant chaque droit à vérifier :" in text
    assert "  prime d'activité : 3\n" in text
    assert "  allocation de solidarité aux personnes âgées (ASPA) : 0\n" in text


def test_the_scan_screens_the_aspa(make_user) -> None:  # type: ignore[no-untyped-def]
    # A retired applicant alone with a 900 € pension: the scan lists the ASPA for them.
    referent = make_user(Role.REFERENT)
    dossier = lone_parent_dossier(referent)
    Applicant.objects.filter(pk=dossier.applicant_id).update(
        birth_date=date(1955, 3, 1), activity="retired"
    )
    HouseholdMember.objects.filter(applicant_id=dossier.applicant_id).delete()
    retired_budget(referent, dossier)
    out = io.StringIO()
    call_command("rights-scan", *TODAY, stdout=out)
    record = RightsAssessmentRecord.objects.get(dossier=dossier)
    assert D(record.results["aspa"]) > D("100")
    assert "  allocation de solidarité aux personnes âgées (ASPA) : 1\n" in out.getvalue()


def test_when_openfisca_fails_every_record_says_so(caseload, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def broken(month, situations):  # type: ignore[no-untyped-def]
        raise engine.RightsComputationError("OpenFisca-France est indisponible.")

    monkeypatch.setattr(engine, "_simulate", broken)
    out = io.StringIO()
    call_command("rights_scan", *TODAY, stdout=out)
    assert not RightsAssessmentRecord.objects.exclude(status=AssessmentStatus.FAILED).exists()
    messages = RightsAssessmentRecord.objects.exclude(dossier=caseload[1]).values_list(
        "error_message", flat=True
    )
    assert len(messages) == 3
    assert all("OpenFisca-France est indisponible." in m for m in messages)
    assert "4 foyer(s) : 0 estimé(s), 1 incomplet(s), 3 en échec." in out.getvalue()


def test_the_hyphenated_command_name_works_from_the_console() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    done = subprocess.run(
        [sys.executable, "-m", "microcredit.cli", "rights-scan", "--help"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "--dry-run" in done.stdout and "--months" in done.stdout and "--chunk" in done.stdout


def test_rsa_base_amounts_fills_the_cache_from_openfisca() -> None:
    out = io.StringIO()
    call_command("rsa_base_amounts", "--from", "2026-03", "--to", "2026-04", stdout=out)
    cached = dict(RsaBaseAmount.objects.values_list("month", "amount"))
    # 646,52 € from 1 April 2025, 651,69 € from 1 April 2026 (décret n° 2026-220).
    assert cached == {MONTH.replace(month=3): D("646.52"), MONTH: D("651.69")}
    assert "04/2026 : 651.69 €" in out.getvalue()
