"""Benchmark of the letters to the applicant (microcredit.letters.writing, WeasyPrint).

Run: ``python bench/letters/run.py``. Prints a Markdown report and writes
``bench/letters/results.md``. Sets Django up with the test settings (a throwaway in-memory SQLite
database, migrated here, and a temporary media directory), writes one decision of each kind with
its rows (dossier, event, bank decision) and then measures ``letter_render(event)``: the reads,
the schedule from the loan engine and the PDF, exactly what the task does before saving the file.

1. the first render of the process (WeasyPrint and the fonts load: a worker's first letter);
2. ``REPEAT`` renders of each kind, median and max; the acceptance letter twice: 24 months, and
   the longest duration of the parameters with the longest deferral (the longest schedule);
3. the whole task (``write_letter``: render, file, row) for one event of each kind.

The issue asks for less than one second per letter.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from bench.machine import cpu_model  # noqa: E402

os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
os.environ.pop("DATABASE_URL", None)  # always the throwaway in-memory SQLite database

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from loan_engine import (  # noqa: E402
    DeferralKind,
    LoanTerms,
    annual_percentage_rate,
    build_schedule,
)
from microcredit.accounts.models import User  # noqa: E402
from microcredit.applicants.models import Applicant  # noqa: E402
from microcredit.banking.models import BankDecision  # noqa: E402
from microcredit.dossiers.models import Dossier, DossierEvent  # noqa: E402
from microcredit.letters.models import Letter  # noqa: E402
from microcredit.letters.tasks import write_letter  # noqa: E402
from microcredit.letters.writing import letter_render  # noqa: E402
from microcredit.organisations.models import Organisation  # noqa: E402
from microcredit.programmes.models import Programme  # noqa: E402
from microcredit.programmes.selectors import version_in_force  # noqa: E402

REPEAT = 20
TARGET_SECONDS = 1.0


class Fixture:
    """One organisation's decisions, written directly (no service, no task)."""

    def __init__(self) -> None:
        self.ccas = Organisation.objects.get(slug="ccas-saint-etienne")
        self.programme = Programme.objects.get(organisation=self.ccas)
        bank = self.programme.bank_partner
        if bank is None:
            raise SystemExit("The scheme of the data migration has no bank partner.")
        self.bank: Organisation = bank
        self.today = timezone.localdate()
        self.version = version_in_force(self.programme, self.today)
        self.user = User.objects.create_user(
            username="bench", first_name="Claire", last_name="Vidal", email="c@example.org"
        )
        self.count = 0

    def dossier(self) -> Dossier:
        self.count += 1
        applicant = Applicant.objects.create(
            organisation=self.ccas,
            last_name="Mercier",
            first_name="Nadia",
            birth_date=dt.date(1985, 3, 2),
            address=f"{self.count} rue de la République",
            postcode="42000",
            commune_code="42218",
            commune_name="Saint-Étienne",
            family_situation="single",
            activity="job_seeker",
            housing_status="tenant_social",
            search_name="mercier nadia",
            created_by=self.user,
        )
        return Dossier.objects.create(
            organisation=self.ccas,
            programme=self.programme,
            number=f"MC-{self.today.year}-{self.count:05d}",
            applicant=applicant,
            referent=self.user,
            state_changed_at=timezone.now(),
            application_date=self.today,
            purpose_category="mobilite",
            requested_amount=Decimal("1200.00"),
            requested_months=24,
            reorientation_label="Point conseil budget",
            created_by=self.user,
        )

    def event(self, transition: str, reason: str = "") -> DossierEvent:
        return DossierEvent.objects.create(
            dossier=self.dossier(),
            actor=self.user,
            transition=transition,
            to_state="adjourned",
            reason=reason,
        )

    def accepted(self, amount: Decimal, months: int, deferral: int, kind: str) -> DossierEvent:
        event = self.event("bank_accept")
        engine_kind = DeferralKind.INTEREST_ONLY if deferral else DeferralKind.NONE
        schedule = build_schedule(
            LoanTerms(amount, Decimal("0.0175"), months, self.today, deferral, engine_kind)
        )
        BankDecision.objects.create(
            dossier=event.dossier,
            bank=self.bank,
            outcome="accepted",
            decided_by=self.user,
            event=event,
            amount=amount,
            months=months,
            deferral_months=deferral,
            deferral_kind=kind,
            nominal_rate_percent=Decimal("1.750"),
            installment=schedule.installment,
            apr_percent=annual_percentage_rate(schedule),
        )
        return event

    def refused(self) -> DossierEvent:
        event = self.event("bank_refuse", "Trois crédits en cours.")
        BankDecision.objects.create(
            dossier=event.dossier,
            bank=self.bank,
            outcome="refused",
            decided_by=self.user,
            event=event,
            refusal_reason="over_indebtedness",
            refusal_text="Trois crédits renouvelables en cours.",
        )
        return event


def main() -> None:
    call_command("migrate", verbosity=0)
    f = Fixture()
    max_months = f.version.max_months if f.version else 36
    max_deferral = f.version.max_deferral_months if f.version else 0
    cases: list[tuple[str, Callable[[], DossierEvent]]] = [
        ("committee adjournment", lambda: f.event("adjourn", "Le devis à jour.")),
        ("committee refusal", lambda: f.event("refuse_by_committee", "Reste à vivre trop bas.")),
        (
            "committee reorientation",
            lambda: f.event(
                "committee_reorient", "Réorienté vers : Point conseil budget. Budget d'abord."
            ),
        ),
        (
            "bank acceptance, 1 200 €, 24 months",
            lambda: f.accepted(Decimal("1200.00"), 24, 0, "none"),
        ),
        (
            f"bank acceptance, 3 000 €, {max_months} months + {max_deferral} deferral",
            lambda: f.accepted(Decimal("3000.00"), max_months, max_deferral, "interest_only"),
        ),
        ("bank refusal", f.refused),
    ]
    events = [(name, make()) for name, make in cases]

    start = time.perf_counter()
    first = letter_render(events[0][1])
    cold = time.perf_counter() - start

    rows = []
    for name, event in events:
        times, cpu = [], []
        for _ in range(REPEAT):
            start, start_cpu = time.perf_counter(), time.process_time()
            content = letter_render(event)
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        rows.append(
            (name, statistics.median(times), max(times), statistics.median(cpu), len(content))
        )

    task_times = []
    for _name, make in cases:
        event = make()
        start = time.perf_counter()
        write_letter.call(event.pk)
        task_times.append(time.perf_counter() - start)
    assert Letter.objects.count() == len(cases)

    worst_median = max(r[1] for r in rows)
    worst_cpu = max(r[3] for r in rows)
    worst = max(r[2] for r in rows)
    lines = [
        "# Letters benchmark",
        "",
        f"- date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- platform: {platform.platform()}",
        f"- CPU: {cpu_model()}",
        f"- nproc: {os.cpu_count()}",
        f"- Python: {sys.version.split()[0]} ({platform.python_implementation()}),"
        f" WeasyPrint {__import__('weasyprint').__version__}",
        f"- timing: `letter_render(event)` (reads, schedule, PDF), {REPEAT} renders per kind,"
        " in-memory SQLite; wall-clock time, and the process's CPU time (a busy machine"
        " inflates the former)",
        f"- load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}",
        "",
        f"First render of the process (WeasyPrint and fonts load): {cold:.3f} s"
        f" ({len(first)} bytes).",
        "",
        "| letter | median (s) | max (s) | median CPU (s) | PDF size (bytes) |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {n} | {med:.3f} | {mx:.3f} | {cpu:.3f} | {size} |" for n, med, mx, cpu, size in rows
    ]
    lines += [
        "",
        f"Whole task `write_letter` (render, file, row), one per case: median"
        f" {statistics.median(task_times):.3f} s, max {max(task_times):.3f} s.",
        "",
        f"Target (each letter under {TARGET_SECONDS:.0f} s, warm process): median "
        f"{'met' if worst_median < TARGET_SECONDS else 'NOT met'} (worst median"
        f" {worst_median:.3f} s, worst CPU median {worst_cpu:.3f} s); slowest single render"
        f" {worst:.3f} s{'' if worst < TARGET_SECONDS else ' (over the target: see the load)'}.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    (Path(__file__).parent / "results.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
