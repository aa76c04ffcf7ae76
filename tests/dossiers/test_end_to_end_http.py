"""One dossier from the first visit to the cheque, through the web pages only, each role in its
turn with its own browser session: référent, agent, commission member, agent, bank adviser.
The loan's stored schedule must be the loan engine's for the terms the bank accepted."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from loan_engine import DeferralKind, LoanTerms, build_schedule
from microcredit.accounts.enums import Role
from microcredit.applicants.models import Applicant
from microcredit.commissions.models import AgendaItem, CommissionSession
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier
from microcredit.letters.models import Letter
from microcredit.loans.models import Loan
from tests.dossiers.test_flow_http import APPLICANT, DOSSIER
from tests.factories import pdf_bytes

pytestmark = pytest.mark.django_db


def _as(make_user, role: Role, username: str) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(make_user(role, username))
    return client


def _move(client: Client, dossier: Dossier, name: str) -> None:
    dossier.refresh_from_db()
    data = {"transition": name, f"{name}-transition": name, f"{name}-expected_state": dossier.state}
    response = client.post(reverse("dossiers:transition", args=[dossier.pk]), data)
    assert response.status_code == 302, response.content.decode()[:500]


def _upload(client: Client, dossier: Dossier, kind: str) -> None:
    response = client.post(
        reverse("documents:upload", args=[dossier.pk]),
        {"kind": kind, "file": SimpleUploadedFile(f"{kind}.pdf", pdf_bytes(kind))},
    )
    assert response.status_code == 302, response.content.decode()[:500]


def test_from_first_visit_to_disbursement_each_role_through_the_pages(
    make_user, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    referent = _as(make_user, Role.REFERENT, "referente")
    agent = _as(make_user, Role.AGENT, "agent")
    member_user = make_user(Role.COMMITTEE_MEMBER, "membre")
    member = Client()
    member.force_login(member_user)
    adviser = _as(make_user, Role.BANK_ADVISER, "conseiller")

    # Référent: the person, the dossier, eligibility, documents, consent, ready for the commission.
    referent.post(reverse("applicants:create"), APPLICANT)
    applicant = Applicant.objects.get()
    response = referent.post(
        f"{reverse('dossiers:create')}?demandeur={applicant.pk}",
        {**DOSSIER, "application_date": today.isoformat()},
    )
    dossier = Dossier.objects.get()
    assert response["Location"] == reverse("dossiers:detail", args=[dossier.pk])
    _move(referent, dossier, "start_diagnosis")
    referent.post(reverse("dossiers:eligibility", args=[dossier.pk]))
    _move(referent, dossier, "start_instruction")
    for spec in dossier.programme.versions.get().required_documents_for("mobilite"):
        _upload(referent, dossier, spec["code"])
    _move(referent, dossier, "submit_to_committee")
    _upload(referent, dossier, "consent")
    referent.post(reverse("dossiers:consent", args=[dossier.pk]), {"consent_date": today})
    dossier.refresh_from_db()
    assert dossier.state == DossierState.READY_FOR_COMMITTEE

    # Agent: today's session with the member present, its agenda built from the ready dossiers.
    session_day = today
    response = agent.post(
        reverse("commissions:session_create"),
        {"date": session_day.isoformat(), "place": "Salle du conseil", "members": [member_user.pk]},
    )
    session = CommissionSession.objects.get()
    agent.post(
        reverse("commissions:session_update", args=[session.pk]),
        {
            "date": session_day.isoformat(),
            "place": "Salle du conseil",
            "members": [member_user.pk],
            "present": [member_user.pk],
        },
    )
    agent.post(reverse("commissions:agenda_build", args=[session.pk]))
    item = AgendaItem.objects.get(session=session)
    assert item.dossier_id == dossier.pk

    # Commission member: reads the pseudonymised summary, then transmits to the bank.
    summary = member.get(reverse("commissions:summary_detail", args=[item.pk]))
    assert summary.status_code == 200
    assert applicant.last_name not in summary.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = member.post(
            reverse("commissions:agenda_item_decide", args=[item.pk]),
            {"decision": "transmit", "reason": "", "expected_state": dossier.state},
        )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == DossierState.TRANSMITTED_TO_BANK
    assert any(dossier.number in message.subject for message in mail.outbox)

    # Agent: closes the session; the minutes are frozen.
    agent.post(reverse("commissions:session_close", args=[session.pk]))
    session.refresh_from_db()
    assert session.closed_at is not None and session.minutes_sha256
    minutes = agent.get(reverse("commissions:minutes_download", args=[session.pk]))
    assert minutes["Content-Type"] == "application/pdf"

    # Bank adviser: finds the dossier, grants 1 000 € over 18 months after 2 interest-only
    # months, records the signed offer and the cheque.
    assert dossier.number in adviser.get(reverse("banking:list")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = adviser.post(
            reverse("banking:accept", args=[dossier.pk]),
            {
                "accept-amount": "1 000,00",
                "accept-months": "18",
                "accept-deferral_months": "2",
                "accept-deferral_kind": "interest_only",
                "accept-expected_state": DossierState.TRANSMITTED_TO_BANK,
            },
        )
    assert response.status_code == 302, response.content.decode()[:800]
    dossier.refresh_from_db()
    assert dossier.state == DossierState.GRANTED
    acceptance = Letter.objects.get(dossier=dossier, kind="bank_acceptance")
    adviser.post(
        reverse("banking:offer", args=[dossier.pk]),
        {
            "offer-signed_on": today.isoformat(),
            "offer-upload": SimpleUploadedFile("offre.pdf", pdf_bytes("o"), "application/pdf"),
        },
    )
    response = adviser.post(
        reverse("banking:disburse", args=[dossier.pk]),
        {
            "disburse-cheque_number": "0042137",
            "disburse-date": today.isoformat(),
            "disburse-amount": "1000",
            "disburse-payee_name": "",
        },
    )
    loan = Loan.objects.get(dossier=dossier)
    assert response["Location"] == reverse("loans:detail", args=[loan.pk])
    dossier.refresh_from_db()
    assert dossier.state == DossierState.DISBURSED

    expected = build_schedule(
        LoanTerms(
            Decimal("1000.00"),
            Decimal("0.0175"),
            18,
            today,
            deferral_months=2,
            deferral_kind=DeferralKind.INTEREST_ONLY,
        )
    )
    stored = list(loan.schedule_versions.get().lines.order_by("number"))
    assert [(s.due_date, s.payment, s.interest, s.principal, s.balance) for s in stored] == [
        (e.due_date, e.payment, e.interest, e.principal, e.balance) for e in expected.rows
    ]
    assert len(stored) == 20 and stored[0].kind == "deferral" and stored[0].principal == 0

    # The référent follows the loan from the CCAS side and can read the acceptance letter.
    page = referent.get(reverse("loans:detail", args=[loan.pk]))
    assert page.status_code == 200 and "0042137" in page.content.decode()
    letter = referent.get(reverse("letters:download", args=[acceptance.pk]))
    assert letter.status_code == 200 and letter["Content-Type"] == "application/pdf"
