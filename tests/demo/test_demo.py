"""The demo data of `make run`: dossiers in every state, built through the services, idempotent;
its arrears day, its commission session of the day, and the retention job run on it.

Every test of the demo is in this module: the demo is loaded once per test process (it takes
seconds), and each test runs in a savepoint of that load (see the `demo` fixture)."""

from __future__ import annotations

import io
import json
import re
import shutil
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import models, transaction
from django.forms.models import model_to_dict
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader
from pypdf.errors import PdfReadError
from pytest_django import DjangoDbBlocker

from loan_engine import build_schedule
from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership, User
from microcredit.applicants.models import Applicant, HouseholdMember
from microcredit.banking.models import BankDecision, Disbursement
from microcredit.budgets.models import BudgetPerson
from microcredit.commissions import services as commission_services
from microcredit.commissions.models import AgendaItem, CommissionSession, SessionMember
from microcredit.core.backup import stored_names
from microcredit.core.models import AuditEvent
from microcredit.demo.loading import (
    DEMO_ACCOUNTS,
    DEMO_DOSSIERS,
    DEMO_PASSWORD,
    S_DEC,
    load_demo,
)
from microcredit.documents.models import Document
from microcredit.documents.selectors import missing_document_labels
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier, DossierEvent, DossierShare, EligibilityCheck
from microcredit.dossiers.selectors import access_dossiers_for_user
from microcredit.dossiers.workflow import FINAL_STATES
from microcredit.followup.enums import AppointmentStatus, NoteVisibility, RequestStatus
from microcredit.followup.models import Appointment, Note, RequestHandling, StepReview
from microcredit.letters.models import Letter
from microcredit.loans.enums import LoanState
from microcredit.loans.models import Incident, Loan, Repayment, ScheduleLine
from microcredit.loans.selectors import loan_schedule_lines, loan_terms
from microcredit.organisations.models import Organisation
from microcredit.organisations.theme import theme_colour_contrast_error
from microcredit.privacy.rules import date_forms, fold
from microcredit.programmes.selectors import version_in_force
from microcredit.reporting.rules import Period
from microcredit.reporting.selectors import bilan
from microcredit.servicing.enums import PlanState
from microcredit.servicing.models import Alert, ArrearsSnapshot, ProjectProof, RepaymentPlan
from microcredit.simulator.models import ContactRequest
from tests.shell.test_home_links import internal_links
from tests.shell.test_shell import HOME_HEADINGS

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
# The demo of this module is loaded once, on a Thursday afternoon, with the time frozen there.
LOADED = datetime(2026, 12, 3, 15, 0, tzinfo=PARIS)


@pytest.fixture(scope="module")
def demo_media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo's own MEDIA_ROOT (no file another test of the process left there), and a copy
    of it as the load left it (`pristine`), for a test that deletes files."""
    root = tmp_path_factory.mktemp("demo-media")
    return {"live": root / "live", "pristine": root / "pristine"}


@pytest.fixture(scope="module", autouse=True)
def demo(
    django_db_setup: None, django_db_blocker: DjangoDbBlocker, demo_media: dict[str, Path]
) -> Iterator[None]:
    """The demo, loaded once for the whole module (it takes seconds), in a transaction rolled
    back after the module's last test; each test runs in a savepoint of it (pytest-django's
    `db`), so that what a test changes is undone before the next one. The letters are written
    after commit: their callbacks run at the end of the load."""
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=str(demo_media["live"])),
        time_machine.travel(LOADED, tick=False),
        transaction.atomic(),
    ):
        with TestCase.captureOnCommitCallbacks(execute=True):
            load_demo()
        shutil.copytree(demo_media["live"], demo_media["pristine"])
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
        # The nightly arrears job of the load: the same day, the same snapshots, no new alert.
        ArrearsSnapshot,
        Alert,
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


def test_the_demo_day_has_its_arrears_and_the_late_loan_its_alerts(client) -> None:  # type: ignore[no-untyped-def]
    """The demo ends with the nightly arrears job: on the day of the load its active loans have
    the days past due and buckets derived by hand, and the late one's alerts wait on the home
    pages. (A second load the same day rewrites the same snapshots and raises nothing more:
    test_a_second_load_creates_and_changes_nothing counts them.)"""
    day = LOADED.date()
    snapshots = {
        s.loan.dossier.applicant.last_name: s
        for s in ArrearsSnapshot.objects.filter(as_of=day).select_related(
            "loan__dossier__applicant"
        )
    }
    active = Loan.objects.filter(state=LoanState.ACTIVE)
    assert set(snapshots) == {loan.dossier.applicant.last_name for loan in active}
    # Sandrine Faure: decided on 7 May, cheque on the working day 17 days later (Sunday 24 May,
    # so Monday 25 May); three months of interest only (25 June, July, August), installments
    # from 25 September; nothing paid from 1 October: overdue since 25 October, on Thursday
    # 3 December 6 days of October + 30 of November + 3 = 39 days, 30+.
    faure = snapshots["Faure"]
    assert faure.loan.disbursement_date == date(2026, 5, 25)
    assert (faure.days_past_due, faure.bucket) == (39, "30+")
    assert faure.next_due_date == date(2026, 12, 25)
    # Georges Lambert pays every installment on its due date.
    assert (snapshots["Lambert"].days_past_due, snapshots["Lambert"].bucket) == (0, "current")

    alerts = set(Alert.objects.values_list("loan__dossier__applicant__last_name", "kind", "key"))
    assert alerts == {
        ("Faure", "missed_installment", "2026-10-25"),
        ("Faure", "bucket_entered", "30+"),
    }
    assert Alert.objects.count() == 4
    recipients = set(Alert.objects.values_list("recipient__username", flat=True))
    assert recipients == {"referent", "banque"}
    for username in ("referent", "banque"):
        client.force_login(User.objects.get(username=username))
        body = client.get("/").content.decode()
        assert "Première échéance impayée" in body and faure.loan.dossier.number in body


def test_the_session_to_come_is_held_on_the_day_of_the_demo_and_kept_on_later_loads() -> None:
    """Decisions wait for the session's day: the last demo session (S_DEC) is dated the day
    the demo is loaded, so that a visitor notes who is present and then decides; a load on
    another day finds the same sessions and adds nothing."""
    first_day = LOADED.date()
    assert first_day < S_DEC
    session = CommissionSession.objects.get(closed_at__isnull=True)
    assert session.date == first_day
    assert session.agenda.count() == 2
    assert not SessionMember.objects.filter(session=session, present=True).exists()
    agent, commission = _membership("agent"), _membership("commission")
    sitting = list(SessionMember.objects.filter(session=session).values_list("user", flat=True))
    commission_services.session_update(
        actor=agent.user,
        membership=agent,
        session_id=session.pk,
        date=session.date,
        place=session.place,
        member_ids=sitting,
        present_ids=[commission.user_id],
    )
    item = session.agenda.order_by("position").first()
    assert item is not None
    commission_services.agenda_item_decide(
        actor=commission.user,
        membership=commission,
        item_id=item.pk,
        decision="adjourn",
        reason="Le devis définitif de l'opticien.",
        today=timezone.localdate(),
    )
    sessions = list(CommissionSession.objects.order_by("pk").values_list("pk", "date", "closed_at"))
    members = list(SessionMember.objects.order_by("pk").values_list("pk", "present"))
    followup = {m.__name__: m.objects.count() for m in FOLLOWUP_MODELS}
    # Another day: the same sessions, nothing added.
    with time_machine.travel(datetime(2026, 12, 4, 9, 0, tzinfo=PARIS), tick=False):
        load_demo()
    assert {m.__name__: m.objects.count() for m in FOLLOWUP_MODELS} == followup
    assert list(
        CommissionSession.objects.order_by("pk").values_list("pk", "date", "closed_at")
    ) == (sessions)
    assert list(SessionMember.objects.order_by("pk").values_list("pk", "present")) == members


# --- The retention job on the demo (issue #17) ----------------------------------------


def _closed_and_open() -> tuple[list[Applicant], list[Applicant]]:
    closed, still_open = [], []
    for applicant in Applicant.objects.prefetch_related("dossiers"):
        states = {d.state for d in applicant.dossiers.all()}
        if states and states <= FINAL_STATES:
            closed.append(applicant)
        elif states:
            still_open.append(applicant)
    return closed, still_open


def _person_strings(applicant: Applicant) -> dict[str, list[str]]:
    """The person's identifying strings (folded) and their birth dates' written forms."""
    names = [applicant.last_name, applicant.first_name]
    names += list(applicant.members.values_list("first_name", flat=True))
    contacts = [applicant.address, applicant.phone, applicant.email]
    births = [applicant.birth_date, *applicant.members.values_list("birth_date", flat=True)]
    return {
        "names": [fold(n) for n in names if len(n) >= 3],
        "contacts": [fold(c) for c in contacts if c],
        "dates": [fold(f) for b in births for f in date_forms(b)],
    }


def _all_texts() -> list[tuple[str, str]]:
    """(where, text) for every text column of every model and every stored file."""
    found: list[tuple[str, str]] = []
    for model in apps.get_models():
        fields = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
        ]
        if not fields:
            continue
        for row in model._default_manager.values("pk", *fields):
            for name in fields:
                value = row[name]
                if value in (None, "", {}, []):
                    continue
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                found.append((f"{model._meta.label}.{name}#{row['pk']}", text))
    for name in stored_names(default_storage):
        with default_storage.open(name, "rb") as handle:
            content = handle.read()
        text = content.decode("utf-8", errors="replace")
        if content.startswith(b"%PDF"):
            try:
                pages = PdfReader(io.BytesIO(content)).pages
                text += "\n".join(page.extract_text() or "" for page in pages)
            except PdfReadError:  # a test's minimal PDF without a cross-reference table
                pass
        found.append((f"file:{name}", text))
    return found


def _word(needle: str, haystack: str) -> bool:
    return re.search(rf"(?<![\w]){re.escape(needle)}(?![\w])", haystack) is not None


def _leaks(people: dict[int, dict[str, list[str]]], kept: str) -> list[tuple[int, str, str, str]]:
    leaks = []
    texts = [(where, fold(text)) for where, text in _all_texts()]
    # Every text at once first (a separator no needle holds, and no word character): a needle
    # found nowhere, as all of them after the job, costs one search instead of one per text.
    everything = "\n\x00\n".join(text for _where, text in texts)
    for pk, strings in people.items():
        for kind, needles in strings.items():
            for needle in needles:
                if kind == "names" and _word(needle, kept):
                    continue
                if not (_word(needle, everything) if kind == "names" else needle in everything):
                    continue
                for where, text in texts:
                    found = _word(needle, text) if kind == "names" else needle in text
                    if found:
                        leaks.append((pk, kind, needle, where))
    return leaks


def _snapshot(applicants: list[Applicant]) -> dict[int, Any]:
    return {
        a.pk: (
            model_to_dict(Applicant.objects.get(pk=a.pk)),
            sorted(
                (m.pk, m.first_name, m.birth_date)
                for m in HouseholdMember.objects.filter(applicant=a)
            ),
            sorted(
                (d.pk, d.state, d.project_description, d.payee_name)
                for d in Dossier.objects.filter(applicant=a)
            ),
            sorted(
                (p.pk, p.first_name, p.birth_date)
                for p in BudgetPerson.objects.filter(budget__dossier__applicant=a)
            ),
        )
        for a in applicants
    }


def _bilans() -> list[Any]:
    org_ids = list(Dossier.objects.values_list("organisation_id", flat=True).distinct())
    first = min(Dossier.objects.values_list("application_date", flat=True))
    today = timezone.localdate()
    periods = [Period(first, today)]
    periods += [Period(date(y, 1, 1), date(y, 12, 31)) for y in range(first.year, today.year + 1)]
    return [bilan(organisation_ids=org_ids, period=p) for p in periods]


def test_retention_three_years_ahead_leaves_nothing_of_closed_dossiers_people(
    settings: Any, tmp_path: Path, demo_media: dict[str, Path]
) -> None:
    """Acceptance (issue #17): the retention job on the demo, 3 years ahead. No name, address,
    phone, e-mail or birth date of a person whose dossiers are all closed remains in any table's
    text or in any stored file; the bilan of the demo's period is the same; open dossiers' people
    untouched; a dry run changes nothing; a second run does nothing."""
    # A storage of its own, a copy of the demo's files as the load left them: the job deletes
    # files, which the rollback after the test would not bring back for the other tests.
    uploads = tmp_path / "uploads"
    shutil.copytree(demo_media["pristine"], uploads)
    settings.MEDIA_ROOT = str(uploads)
    closed, still_open = _closed_and_open()
    assert closed and still_open  # the demo has both
    people = {a.pk: _person_strings(a) for a in closed}
    # A string that also belongs to someone kept (a person with an open dossier, a user, an
    # organisation) may rightly remain: it is not searched.
    kept = " ".join(
        fold(t)
        for a in still_open
        for t in (a.last_name, a.first_name, a.address, a.phone, a.email)
    )
    kept += " ".join(
        fold(f"{u.first_name} {u.last_name} {u.username}")
        for u in apps.get_model("accounts", "User").objects.all()
    )
    before = _bilans()
    kept_rows = _snapshot(still_open)
    closed_ids = [a.pk for a in closed]
    closed_files = [
        f.name or ""
        for f in [d.file for d in Document.objects.filter(dossier__applicant__in=closed_ids)]
        + [x.file for x in Letter.objects.filter(dossier__applicant__in=closed_ids)]
    ]
    assert closed_files and all(default_storage.exists(name) for name in closed_files)
    as_of = (timezone.localdate() + timedelta(days=3 * 366)).isoformat()

    # The search finds the people's data before: it can fail.
    found_before = _leaks(people, kept)
    assert {pk for pk, *_rest in found_before} == set(people)
    assert {kind for _pk, kind, *_rest in found_before} == {"names", "contacts", "dates"}

    closed_rows = _snapshot(closed)
    logs = (
        AuditEvent.objects.count(),
        sorted(AuditEvent.objects.values_list("pk", "old_values", "new_values", "reason")),
    )
    dry = io.StringIO()
    call_command("retention", "--as-of", as_of, "--dry-run", stdout=dry)
    assert f"{len(closed)} personnes à anonymiser" in dry.getvalue()
    assert "rien n'a été anonymisé" in dry.getvalue()
    assert Applicant.objects.filter(anonymised_at__isnull=False).count() == 0
    assert _snapshot(closed) == closed_rows
    assert (
        AuditEvent.objects.count(),
        sorted(AuditEvent.objects.values_list("pk", "old_values", "new_values", "reason")),
    ) == logs
    assert all(default_storage.exists(name) for name in closed_files)

    out = io.StringIO()
    call_command("retention", "--as-of", as_of, stdout=out)
    assert f"{len(closed)} personnes anonymisées" in out.getvalue()
    for applicant in closed:
        for number in applicant.dossiers.values_list("number", flat=True):
            assert number in out.getvalue()

    assert _leaks(people, kept) == []
    for applicant in closed:
        after = Applicant.objects.get(pk=applicant.pk)
        assert after.birth_date != applicant.birth_date
        assert after.anonymised_at is not None and after.search_name == ""
    assert AuditEvent.objects.filter(action="anonymisation").count() == len(closed)
    assert _bilans() == before
    assert _snapshot(still_open) == kept_rows
    assert not any(default_storage.exists(name) for name in closed_files)

    again = io.StringIO()
    call_command("retention", "--as-of", as_of, stdout=again)
    assert "0 personne à anonymiser" in again.getvalue()
    assert AuditEvent.objects.filter(action="anonymisation").count() == len(closed)
