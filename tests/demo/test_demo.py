"""The demo data of `make run`: dossiers in every state, built through the services, idempotent."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoDbBlocker

from loan_engine import build_schedule
from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership, User
from microcredit.applicants.models import Applicant, HouseholdMember
from microcredit.banking.models import BankDecision, Disbursement
from microcredit.commissions.models import AgendaItem, CommissionSession, SessionMember
from microcredit.core.models import AuditEvent
from microcredit.demo.loading import DEMO_ACCOUNTS, DEMO_DOSSIERS, DEMO_PASSWORD, load_demo
from microcredit.documents.models import Document
from microcredit.documents.selectors import missing_document_labels
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier, DossierEvent, DossierShare, EligibilityCheck
from microcredit.dossiers.selectors import access_dossiers_for_user
from microcredit.followup.enums import AppointmentStatus, NoteVisibility, RequestStatus
from microcredit.followup.models import Appointment, Note, RequestHandling, StepReview
from microcredit.letters.models import Letter
from microcredit.loans.models import Incident, Loan, Repayment, ScheduleLine
from microcredit.loans.selectors import loan_schedule_lines, loan_terms
from microcredit.organisations.models import Organisation
from microcredit.organisations.theme import theme_colour_contrast_error
from microcredit.programmes.selectors import version_in_force
from microcredit.servicing.enums import PlanState
from microcredit.servicing.models import ProjectProof, RepaymentPlan
from microcredit.simulator.models import ContactRequest
from tests.shell.test_home_links import internal_links
from tests.shell.test_shell import HOME_HEADINGS

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
# The demo of this module is loaded once, on a Thursday afternoon, with the time frozen there.
LOADED = datetime(2026, 12, 3, 15, 0, tzinfo=PARIS)


@pytest.fixture(scope="module", autouse=True)
def demo(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[None]:
    """The demo, loaded once for the whole module (it takes seconds), in a transaction rolled
    back after the module's last test; each test runs in a savepoint of it (pytest-django's
    `db`), so that what a test changes is undone before the next one. The letters are written
    after commit: their callbacks run at the end of the load."""
    with (
        django_db_blocker.unblock(),
        time_machine.travel(LOADED, tick=False),
        transaction.atomic(),
    ):
        with TestCase.captureOnCommitCallbacks(execute=True):
            load_demo()
        yield
        transaction.set_rollback(True)


S = DossierState
BANK_STATES = {
    S.TRANSMITTED_TO_BANK,
    S.REFUSED_BY_BANK,
    S.GRANTED,
    S.DISBURSED,
    S.REPAID,
    S.GUARANTEE_CALLED,
    S.CLOSED,
}
COMMITTEE_STATES = {S.READY_FOR_COMMITTEE, S.ADJOURNED, S.REFUSED_BY_COMMITTEE, *BANK_STATES}
# What the demo seeds for the work queues (demo.followup): created once, whatever the day.
FOLLOWUP_MODELS = (ContactRequest, RequestHandling, Appointment, Note, StepReview, RepaymentPlan)


def _membership(username: str) -> Membership:
    role = next(a.role for a in DEMO_ACCOUNTS if a.username == username)
    return Membership.objects.select_related("user").get(user__username=username, role=role)


def _assert_true_timeline(dossier: Dossier) -> None:
    """Events chain from the opening to the current state, each with its audit row."""
    events = list(DossierEvent.objects.filter(dossier=dossier).order_by("at", "id"))
    assert events, dossier.number
    assert events[0].transition == "open"
    for before, after in pairwise(events):
        assert after.from_state == before.to_state, dossier.number
    assert events[-1].to_state == dossier.state, dossier.number
    actions = set(
        AuditEvent.objects.filter(
            object_type="dossiers.dossier", object_id=str(dossier.pk)
        ).values_list("action", flat=True)
    )
    assert "dossier_created" in actions
    assert {f"dossier_{e.transition}" for e in events[1:]} <= actions
    # The steps are dated as they would have happened: from the application day, in order, the
    # commission's decision on its session's day, the bank's transmission when it was made.
    in_order = list(DossierEvent.objects.filter(dossier=dossier).order_by("id"))
    assert [e.pk for e in in_order] == [e.pk for e in events], dossier.number
    assert timezone.localdate(events[0].at) == dossier.application_date, dossier.number
    assert events[-1].at <= timezone.now()
    for item in AgendaItem.objects.filter(dossier=dossier, event__isnull=False):
        assert timezone.localdate(item.event.at) == item.session.date, dossier.number
    transmitted = [e.at for e in events if e.to_state == DossierState.TRANSMITTED_TO_BANK]
    assert dossier.bank_transmitted_at == (transmitted[0] if transmitted else None)


def test_the_demo_holds_dossiers_in_every_state_each_with_a_true_story() -> None:
    assert set(Dossier.objects.values_list("state", flat=True)) == set(DossierState.values)
    assert Dossier.objects.count() == len(DEMO_DOSSIERS)
    for spec in DEMO_DOSSIERS:
        dossier = Dossier.objects.get(
            applicant__last_name=spec.person.last_name, applicant__first_name=spec.person.first_name
        )
        assert dossier.state == spec.state, dossier.applicant
        assert dossier.number.startswith("MC-2026-")
        _assert_true_timeline(dossier)
    assert HouseholdMember.objects.filter(relationship="child").exists()
    assert HouseholdMember.objects.filter(relationship="spouse").exists()

    # What went to the commission was complete and eligible; what went to the bank had consent.
    for dossier in Dossier.objects.filter(state__in=COMMITTEE_STATES):
        version = version_in_force(dossier.programme, dossier.application_date)
        assert missing_document_labels(dossier, version) == [], dossier.number
        assert dossier.eligibility is not None and dossier.eligibility.outcome == "ok"
    for dossier in Dossier.objects.filter(state__in=BANK_STATES):
        assert dossier.consent_date is not None and dossier.bank_transmitted_at is not None
        assert Document.objects.filter(dossier=dossier, kind="consent").exists()
    for document in Document.objects.all()[:3]:
        with document.file.open("rb") as handle:
            assert handle.read(5) == b"%PDF-"

    # Every loan went through the bank's services: decision, signed offer, cheque, and a
    # schedule that is the loan engine's for the accepted terms.
    lent = {S.DISBURSED, S.REPAID, S.GUARANTEE_CALLED, S.CLOSED}
    assert set(Loan.objects.values_list("dossier__state", flat=True)) == lent
    for loan in Loan.objects.select_related("dossier__bank_decision", "dossier__disbursement"):
        decision = loan.dossier.bank_decision
        assert decision.offer_document is not None
        assert loan.principal == decision.amount == loan.dossier.disbursement.amount
        engine = build_schedule(loan_terms(loan))
        stored = [(r.due_date, r.payment, r.balance) for r in loan_schedule_lines(loan)]
        assert stored == [(r.due_date, r.payment, r.balance) for r in engine.rows]
    assert Repayment.objects.exists() and Incident.objects.exists()
    loan_states = {"disbursed": "active", "repaid": "repaid", "closed": "repaid"}
    loan_states["guarantee_called"] = "guarantee_called"
    for state, dossier_state in Loan.objects.values_list("state", "dossier__state"):
        assert state == loan_states[dossier_state], dossier_state
    # Each commission or bank decision that concerns the applicant left a letter.
    assert (
        Letter.objects.filter(kind="bank_acceptance").count()
        == BankDecision.objects.filter(outcome="accepted").count()
    )
    assert Letter.objects.filter(kind="committee_refusal").exists()
    # The sessions already held are closed with their minutes.
    for session in CommissionSession.objects.all():
        held = session.agenda.exists() and not session.agenda.filter(decision="").exists()
        assert bool(session.minutes) == held == (session.closed_at is not None), session

    # The person living in Firminy is outside the territory: not eligible, reoriented.
    dossier = Dossier.objects.get(applicant__commune_code="42095")
    assert dossier.applicant.commune_name == "Firminy"
    assert dossier.state == S.REORIENTED and dossier.reorientation_scheme
    check = EligibilityCheck.objects.get(dossier=dossier)
    territory = next(c for c in check.criteria if c["key"] == "territory")
    assert check.outcome == territory["outcome"] == "ko"


def test_a_second_load_creates_and_changes_nothing() -> None:
    models = (
        Applicant,
        HouseholdMember,
        Dossier,
        DossierEvent,
        EligibilityCheck,
        Document,
        DossierShare,
        CommissionSession,
        SessionMember,
        AgendaItem,
        AuditEvent,
        BankDecision,
        Disbursement,
        Loan,
        ScheduleLine,
        Repayment,
        Incident,
        Letter,
        *FOLLOWUP_MODELS,
    )
    counts = {m.__name__: m.objects.count() for m in models}
    dossiers = list(Dossier.objects.order_by("pk").values_list("pk", "state", "updated_at"))
    accounts = (User.objects.count(), Membership.objects.count())
    passwords = dict(User.objects.values_list("username", "password"))

    out = io.StringIO()
    call_command("load_demo", stdout=out)

    assert f"{len(DEMO_DOSSIERS)} dossiers de démonstration" in out.getvalue()

    assert {m.__name__: m.objects.count() for m in models} == counts
    assert list(Dossier.objects.order_by("pk").values_list("pk", "state", "updated_at")) == dossiers
    assert (User.objects.count(), Membership.objects.count()) == accounts
    assert dict(User.objects.values_list("username", "password")) == passwords


def test_every_demo_login_reaches_its_home_page(client) -> None:  # type: ignore[no-untyped-def]
    assert {a.username for a in DEMO_ACCOUNTS} == {
        "referent",
        "agent",
        "directeur",
        "commission",
        "banque",
        "partenaire",
        "admin",
        "dpd",
    }
    for account in DEMO_ACCOUNTS:
        client.logout()
        response = client.post(
            reverse("accounts:login"), {"username": account.username, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, account.username
        home = client.get(response["Location"])
        assert home.status_code == 200
        assert HOME_HEADINGS[account.role].replace("&#x27;", "'") in home.content.decode()


def test_each_role_sees_its_demo_dossiers_through_the_funnel() -> None:
    def visible(username: str) -> set[int]:
        membership = _membership(username)
        return set(
            access_dossiers_for_user(membership.user, membership).values_list("pk", flat=True)
        )

    everything = set(Dossier.objects.values_list("pk", flat=True))
    for username in ("referent", "agent", "directeur"):
        assert visible(username) == everything

    commission = _membership("commission").user
    # The commission sees the dossiers of the open session it sits on, not those of past ones.
    on_agenda = set(
        AgendaItem.objects.filter(
            session__members=commission, session__closed_at__isnull=True
        ).values_list("dossier", flat=True)
    )
    assert on_agenda and visible("commission") == on_agenda
    states = set(Dossier.objects.filter(pk__in=on_agenda).values_list("state", flat=True))
    assert states == {S.READY_FOR_COMMITTEE}

    transmitted = set(
        Dossier.objects.filter(bank_transmitted_at__isnull=False).values_list("pk", flat=True)
    )
    assert visible("banque") == transmitted
    states = set(Dossier.objects.filter(pk__in=transmitted).values_list("state", flat=True))
    assert states == BANK_STATES

    shared = set(DossierShare.objects.values_list("dossier", flat=True))
    assert 2 <= len(shared) <= 3
    assert visible("partenaire") == shared

    assert _membership("admin").role == Role.ADMIN
    assert visible("admin") == set()


def test_the_director_home_counts_reorientations_by_scheme(client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(User.objects.get(username="directeur"))
    body = client.get("/").content.decode()
    assert "Réorientations" in body
    assert "Point conseil budget" in body


def test_demo_budgets_show_figures_and_rights_on_the_dossier_page(client) -> None:  # type: ignore[no-untyped-def]
    from microcredit.demo.loading import DEMO_BUDGETS
    from microcredit.rights.models import RightsAssessmentRecord

    records = RightsAssessmentRecord.objects.select_related("dossier__applicant")
    assert {r.dossier.applicant.last_name for r in records} == set(DEMO_BUDGETS)
    assert {r.status for r in records} == {"done"}
    client.force_login(User.objects.get(username="referent"))
    vidal = records.get(dossier__applicant__last_name="Vidal").dossier
    body = client.get(f"/dossiers/{vidal.pk}/").content.decode()
    assert "Prime d" in body  # a right to check, estimated by OpenFisca-France
    assert "openfisca-france" in body.lower()


def test_the_demo_seeds_what_every_work_queue_shows(client) -> None:  # type: ignore[no-untyped-def]
    """Through the services, as the demo users: requests from the public, today's and
    tomorrow's appointments, a private and a shared note, points d'étape by the partner worker,
    a plan de reprise; then each role's home page shows an item leading to a page it may open."""
    today = timezone.localdate()

    assert set(ContactRequest.objects.values_list("last_name", "status")) == {
        ("Perrin", "contacted"),
        ("Diallo", "new"),
    }
    taken = RequestHandling.objects.get()
    assert (taken.status, taken.handled_by.username) == (RequestStatus.IN_PROGRESS, "agent")
    faure = Dossier.objects.get(applicant__last_name="Faure")
    days = sorted(
        timezone.localdate(a.starts_at)
        for a in Appointment.objects.filter(dossier=faure, status=AppointmentStatus.PLANNED)
    )
    assert days == [today, today + timedelta(days=1)]
    assert set(Note.objects.filter(dossier=faure).values_list("visibility", flat=True)) == {
        NoteVisibility.CCAS,
        NoteVisibility.SHARED,
    }
    reviews = StepReview.objects.filter(author__username="partenaire")
    assert {r.dossier.applicant.last_name for r in reviews} == {"Faure", "Vidal"}
    assert all(r.next_on is not None and r.next_on > r.held_on for r in reviews)
    plan = RepaymentPlan.objects.get()
    assert (plan.loan.dossier_id, plan.state) == (faure.pk, PlanState.PROPOSED)
    assert AuditEvent.objects.filter(action="followup_note_created").count() == 2

    # Each role's queue shows one of them (or of the dossiers), and its link opens.
    seen = {
        "referent": ("file-rendez-vous", "14:30 — Sandrine Faure"),
        "agent": ("file-pieces", "Chantal Mercier"),
        "directeur": ("file-decisions", "Commission du"),
        "commission": ("file-seance", "1. Dossier"),
        "banque": ("file-plans", faure.number),
        "partenaire": ("file-partages", "Aurélie Vidal"),
    }
    for username, (section, text) in seen.items():
        client.force_login(User.objects.get(username=username))
        body = client.get("/").content.decode()
        start = body.index(f'aria-labelledby="{section}"')
        queue = body[start : body.index("</section>", start)]
        assert text in queue, username
        link = queue[queue.index('href="', queue.index("<li")) + 6 :].split('"', 1)[0]
        assert client.get(link).status_code == 200, (username, link)


def test_the_demo_history_happened_during_office_hours_over_past_months() -> None:
    """Not the load's moment, nor the night: every dated row of the demo's dossiers falls on a
    working day between 08:00 and 18:30 (Paris), spread over the months, in the workflow's
    order (reception, commission, transmission, bank, cheque)."""
    loaded = LOADED

    def office(at: datetime, what: object) -> None:
        local = at.astimezone(PARIS)
        assert local.weekday() < 5, (what, local)
        assert "08:00" <= f"{local:%H:%M}" <= "18:30", (what, local)
        assert at <= loaded, (what, local)

    history = [
        *DossierEvent.objects.values_list("at", "transition"),
        *AuditEvent.objects.values_list("at", "action"),
        *Document.objects.values_list("uploaded_at", "kind"),
        *EligibilityCheck.objects.values_list("checked_at", "outcome"),
        *DossierShare.objects.values_list("shared_at", "dossier"),
        *Letter.objects.values_list("created_at", "kind"),
        *Repayment.objects.values_list("recorded_at", "reference"),
        *Incident.objects.values_list("recorded_at", "reference"),
        *Loan.objects.values_list("created_at", "dossier"),
        *Disbursement.objects.values_list("recorded_at", "dossier"),
        *BankDecision.objects.values_list("decided_at", "dossier"),
        *AgendaItem.objects.exclude(decided_at=None).values_list("decided_at", "dossier"),
        *CommissionSession.objects.exclude(closed_at=None).values_list("closed_at", "date"),
        *Applicant.objects.values_list("created_at", "last_name"),
        *Note.objects.values_list("created_at", "visibility"),
        *StepReview.objects.values_list("created_at", "dossier"),
        *ContactRequest.objects.values_list("created_at", "last_name"),
        *RepaymentPlan.objects.values_list("proposed_at", "loan"),
    ]
    for at, what in history:
        office(at, what)

    dossiers = Dossier.objects.all()
    changed = {timezone.localdate(d.state_changed_at) for d in dossiers}
    assert len(changed) >= len(dossiers) - 3  # not all the same day
    assert min(changed) < date(2026, 6, 1) and max(changed) < loaded.date()
    for dossier in dossiers:
        office(dossier.created_at, dossier.number)
        office(dossier.state_changed_at, dossier.number)
        events = list(DossierEvent.objects.filter(dossier=dossier).order_by("id"))
        times = [e.at for e in events]
        assert times == sorted(times) and len(set(times)) == len(times), dossier.number
        assert dossier.created_at == times[0] and dossier.state_changed_at == times[-1]
        # The dossier's audit trail, in the order it was written, goes forward in time.
        audit = list(
            AuditEvent.objects.filter(
                object_type="dossiers.dossier", object_id=str(dossier.pk)
            ).order_by("id")
        )
        assert [a.at for a in audit] == sorted(a.at for a in audit), dossier.number
        steps = {e.transition: e.at for e in events}
        # The papers of the application (not the bank's signed offer nor the project's invoice).
        papers = (
            Document.objects.filter(dossier=dossier)
            .exclude(pk__in=BankDecision.objects.values("offer_document"))
            .exclude(pk__in=ProjectProof.objects.values("document"))
            .values_list("uploaded_at", flat=True)
        )
        if "submit_to_committee" in steps:
            assert all(at <= steps["submit_to_committee"] for at in papers), dossier.number
            assert dossier.consent_date is None or (
                dossier.application_date
                <= dossier.consent_date
                <= timezone.localdate(steps["submit_to_committee"])
            )
        if "transmit_to_bank" in steps:
            assert dossier.created_at < steps["transmit_to_bank"] == dossier.bank_transmitted_at
        if "disburse" in steps:
            decision = BankDecision.objects.get(dossier=dossier)
            assert steps["transmit_to_bank"] < decision.decided_at < steps["disburse"]
            assert decision.decided_at < decision.offer_recorded_at <= steps["disburse"]
            assert Disbursement.objects.get(dossier=dossier).recorded_at == steps["disburse"]
        for letter in Letter.objects.filter(dossier=dossier, event__isnull=False):
            assert letter.created_at == letter.event.at


def test_every_link_of_each_role_s_home_answers_that_role(client) -> None:  # type: ignore[no-untyped-def]
    refused: dict[str, list[tuple[str, int]]] = {}
    for account in DEMO_ACCOUNTS:
        client.logout()
        response = client.post(
            reverse("accounts:login"), {"username": account.username, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, account.username
        home = reverse("shell:home")
        page = client.get(home)
        assert page.status_code == 200
        links = internal_links(page.content.decode(), home)
        assert links, account.username
        for url in links:
            status = client.get(url).status_code
            if status in (403, 404) or status >= 500:
                refused.setdefault(account.username, []).append((url, status))
    assert refused == {}


def test_every_colour_stored_by_the_demo_passes() -> None:
    stored = dict(Organisation.objects.values_list("slug", "theme_colour"))
    assert len(stored) >= 3
    assert {slug: c for slug, c in stored.items() if theme_colour_contrast_error(c)} == {}
