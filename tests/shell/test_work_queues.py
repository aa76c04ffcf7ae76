"""Each role's home page is its work queues: what it has to do, the most urgent first, each row
leading to the page where it is handled; bounded, counted, in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.commissions.models import AgendaItem, CommissionSession
from microcredit.core.formatting import format_eur
from microcredit.core.models import AccessLog
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier, DossierEvent
from microcredit.followup.enums import AppointmentStatus
from microcredit.followup.models import Appointment, RequestHandling, StepReview
from microcredit.letters.handlers import letter_after_decision
from microcredit.loans.models import Loan
from microcredit.organisations.models import Organisation
from microcredit.servicing.enums import AlertKind, PlanMode, PlanState
from microcredit.servicing.models import Alert, ProjectProof, RepaymentPlan
from microcredit.shell.selectors import QUEUE_SIZE, quarter_start
from microcredit.simulator.enums import ContactRequestStatus
from microcredit.simulator.models import ContactRequest
from tests.factories import (
    make_dossier,
    make_granted_dossier,
    make_loan,
    make_transmitted_dossier,
    put_on_agenda,
    saint_etienne_programme,
    share_with,
)

pytestmark = pytest.mark.django_db

S = DossierState
# More rows than a queue shows, then twice as many: the count of queries must not move.
MANY = QUEUE_SIZE + 1


def figure(total: int) -> str:
    """A queue's total, the figure of its card."""
    return f'<p class="figure">{total}</p>'


def _at(days: int = 0, hour: int = 10, minute: int = 0) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _home(client, user: User) -> str:  # type: ignore[no-untyped-def]
    client.force_login(user)
    response = client.get(reverse("shell:home"))
    assert response.status_code == 200
    return str(response.content.decode())


def _queries(client, user: User, count_queries: Callable[..., int]) -> int:  # type: ignore[no-untyped-def]
    client.force_login(user)
    return count_queries(lambda: client.get(reverse("shell:home")))


def _request(
    ccas: Organisation, name: str, status: str = ContactRequestStatus.NEW
) -> ContactRequest:
    return ContactRequest.objects.create(
        organisation=ccas,
        first_name=name,
        last_name="Demandeuse",
        phone="06 00 00 00 00",
        consent=True,
        client_fingerprint="test",
        status=status,
    )


def _appointment(dossier: Dossier, starts_at: datetime, by: User, **kwargs: object) -> Appointment:
    return Appointment.objects.create(
        dossier=dossier,
        starts_at=starts_at,
        place="CCAS, bureau 2",
        with_whom="la personne",
        created_by=by,
        **kwargs,
    )


def _repaid_loan(referent: User, adviser: User) -> Loan:
    loan = make_loan(created_by=referent, adviser=adviser, referent=referent)
    Dossier.objects.filter(pk=loan.dossier_id).update(state=S.REPAID)
    return loan


def _alert(loan: Loan, recipient: User, key: str) -> Alert:
    return Alert.objects.create(
        loan=loan,
        kind=AlertKind.MISSED_INSTALLMENT,
        key=key,
        recipient=recipient,
        as_of=timezone.localdate(),
        days_past_due=3,
    )


# --- The référent ---------------------------------------------------------------------------


def test_the_referent_queues_show_the_day_s_work_most_urgent_first(
    client, make_user, saint_etienne
) -> None:  # type: ignore[no-untyped-def]
    referent = make_user(Role.REFERENT)
    colleague = make_user(Role.REFERENT, username="collegue")
    adviser = make_user(Role.BANK_ADVISER)
    # Requests: new before taken, the oldest first; those turned into a dossier are done.
    taken = _request(saint_etienne, "Prise", ContactRequestStatus.CONTACTED)
    first = _request(saint_etienne, "Premiere")
    second = _request(saint_etienne, "Seconde")
    _request(saint_etienne, "Close", ContactRequestStatus.CLOSED)
    # Appointments: today's planned ones on their dossiers, by time.
    mine = make_dossier(created_by=referent, referent=referent, state=S.DISBURSED)
    theirs = make_dossier(created_by=colleague, referent=colleague, state=S.DISBURSED)
    _appointment(mine, _at(0, 16), referent)
    _appointment(mine, _at(0, 9, 15), referent)
    _appointment(mine, _at(1, 9), referent)  # tomorrow
    _appointment(mine, _at(0, 8), referent, status=AppointmentStatus.CANCELLED)
    _appointment(theirs, _at(0, 11), colleague)
    # Dossiers: those whose next move is theirs, the longest waiting first.
    old = make_dossier(
        created_by=referent,
        referent=referent,
        state=S.INSTRUCTION,
        state_changed_at=timezone.now() - timedelta(days=20),
    )
    new = make_dossier(created_by=referent, referent=referent, state=S.RECEPTION)
    make_dossier(created_by=referent, referent=referent, state=S.READY_FOR_COMMITTEE)
    make_dossier(created_by=colleague, referent=colleague, state=S.DIAGNOSIS)
    # Proofs: a repaid loan without its invoice; another with it (then waiting for closing).
    unproven = _repaid_loan(referent, adviser)
    proven = _repaid_loan(referent, adviser)
    ProjectProof.objects.create(loan=proven, waived_reason="Facture perdue", recorded_by=referent)

    body = _home(client, referent)

    appointments = body[body.index("Rendez-vous du jour") : body.index("Demandes du public")]
    assert appointments.index("09:15") < appointments.index("16:00")
    assert figure(2) in appointments and "11:00" not in appointments and "08:00" not in appointments
    assert reverse("followup:dossier_followup", args=[mine.pk]) in appointments
    requests = body[body.index("Demandes du public") : body.index("Alertes de suivi")]
    assert figure(3) in requests and "Close" not in requests
    assert requests.index("Premiere") < requests.index("Seconde") < requests.index("Prise")
    assert reverse("followup:request_detail", args=[first.pk]) in requests
    assert reverse("followup:request_detail", args=[second.pk]) in requests
    assert reverse("followup:request_detail", args=[taken.pk]) in requests
    waiting = body[body.index("attendent votre action") : body.index("Justificatifs du projet")]
    assert figure(3) in waiting  # instruction, reception, and the repaid loan whose proof is filed
    assert waiting.index(old.number) < waiting.index(new.number)
    assert "Présenter à la commission" in waiting and "Commencer le diagnostic" in waiting
    assert reverse("servicing:closing", args=[proven.pk]) in waiting
    proofs = body[body.index("Justificatifs du projet") :]
    assert unproven.dossier.number in proofs and proven.dossier.number not in proofs
    assert reverse("servicing:closing", args=[unproven.pk]) in proofs
    # Counts per state stay on the lists.
    assert "?etat=" not in body
    # The queues name people: one line in the access log.
    assert AccessLog.objects.filter(user=referent, action="dossier_list").count() == 1


def test_the_referent_queues_take_the_same_queries_whatever_their_length(
    client, make_user, saint_etienne, count_queries
) -> None:  # type: ignore[no-untyped-def]
    referent = make_user(Role.REFERENT)
    adviser = make_user(Role.BANK_ADVISER)

    def add(n: int, tag: str) -> None:
        for i in range(n):
            _request(saint_etienne, f"{tag}{i}")
            dossier = make_dossier(created_by=referent, referent=referent, state=S.INSTRUCTION)
            _appointment(dossier, _at(0, 9, i), referent)
            loan = _repaid_loan(referent, adviser)
            for key in ("a", "b"):  # past the alerts' own bound (10) from the first round
                _alert(loan, referent, f"{tag}{i}{key}")

    empty = _queries(client, referent, count_queries)
    add(MANY, "a")
    full = _queries(client, referent, count_queries)
    add(MANY, "b")
    assert _queries(client, referent, count_queries) == full
    assert empty <= full <= empty + 7  # each of the five queues counts once it is full; log
    body = _home(client, referent)
    assert figure(2 * MANY) in body and "Et 7 autres" in body


def test_the_requests_being_handled_are_read_with_who_took_them(
    client, make_user, saint_etienne, count_queries
) -> None:  # type: ignore[no-untyped-def]
    referent = make_user(Role.REFERENT, username="reine-prenante")
    taken = 0

    def take(n: int) -> None:
        nonlocal taken
        for _ in range(n):
            taken += 1
            request = _request(saint_etienne, f"Prise{taken}", ContactRequestStatus.CONTACTED)
            RequestHandling.objects.create(request=request, handled_by=referent)

    take(1)
    one = _queries(client, referent, count_queries)
    take(4)  # the queue's five rows, each taken by someone
    assert _queries(client, referent, count_queries) == one
    assert "(Reine-Prenante)" in _home(client, referent)


# --- The agent ------------------------------------------------------------------------------


def test_the_agent_queues_missing_pieces_sessions_and_letters(
    client, make_user, saint_etienne
) -> None:  # type: ignore[no-untyped-def]
    agent = make_user(Role.AGENT)
    member = make_user(Role.COMMITTEE_MEMBER)
    lacking = make_dossier(created_by=agent, state=S.INSTRUCTION)
    make_dossier(created_by=agent, state=S.INSTRUCTION, with_documents=True)
    make_dossier(created_by=agent, state=S.RECEPTION)  # the pieces come in instruction
    today = timezone.localdate()
    held = CommissionSession.objects.create(organisation=saint_etienne, date=today)
    put_on_agenda(make_dossier(created_by=agent, state=S.READY_FOR_COMMITTEE), member, session=held)
    coming = CommissionSession.objects.create(
        organisation=saint_etienne, date=today + timedelta(days=10)
    )
    make_dossier(created_by=agent, state=S.READY_FOR_COMMITTEE)  # on no agenda
    adjourned = make_dossier(created_by=agent, state=S.ADJOURNED, with_documents=True)
    # The decision as the move records it: its event, and the hook that owes its letter (the
    # letter is written by a task after the commit; none runs here, so it stays pending).
    letter_after_decision(DossierEvent.objects.create(
        dossier=adjourned, actor=member, transition="adjourn", from_state=S.READY_FOR_COMMITTEE,
        to_state=S.ADJOURNED, reason="Le bail signé.",
    ))  # fmt: skip

    body = _home(client, agent)

    pieces = body[body.index("Pièces manquantes") : body.index("Séances de la commission")]
    assert lacking.number in pieces and figure(1) in pieces
    assert "Devis du fournisseur" in pieces
    assert reverse("dossiers:detail", args=[lacking.pk]) + "#pieces" in pieces
    sessions = body[body.index("Séances de la commission") : body.index("Courriers en attente")]
    assert sessions.index(reverse("commissions:session_detail", args=[held.pk])) < sessions.index(
        reverse("commissions:session_detail", args=[coming.pk])
    )
    assert "1 dossier sans décision sur 1" in sessions and "présences à noter" in sessions
    assert "ordre du jour à composer" in sessions
    assert "1 dossier prêt pour la commission n'est inscrit à aucune séance" in sessions
    letters = body[body.index("Courriers en attente") :]
    assert adjourned.number in letters and "Ajournement par la commission" in letters
    assert reverse("dossiers:detail", args=[adjourned.pk]) + "#decisions" in letters


def test_the_agent_queues_take_the_same_queries_whatever_their_length(
    client, make_user, saint_etienne, count_queries
) -> None:  # type: ignore[no-untyped-def]
    agent = make_user(Role.AGENT)
    member = make_user(Role.COMMITTEE_MEMBER)

    def add(n: int, tag: str) -> None:
        for i in range(n):
            _request(saint_etienne, f"{tag}{i}")
            dossier = make_dossier(created_by=agent, state=S.INSTRUCTION)
            session = CommissionSession.objects.create(
                organisation=saint_etienne, date=timezone.localdate() + timedelta(days=i)
            )
            ready = make_dossier(created_by=agent, state=S.READY_FOR_COMMITTEE)
            put_on_agenda(ready, member, session=session)
            make_dossier(created_by=agent, state=S.READY_FOR_COMMITTEE)
            DossierEvent.objects.create(
                dossier=dossier, actor=agent, transition="adjourn", to_state=S.ADJOURNED
            )

    empty = _queries(client, agent, count_queries)
    add(MANY, "a")
    full = _queries(client, agent, count_queries)
    add(MANY, "b")
    assert _queries(client, agent, count_queries) == full
    assert empty <= full <= empty + 6


# --- The director ---------------------------------------------------------------------------


def test_the_director_sees_the_month_and_what_waits_on_them(
    client, make_user, saint_etienne
) -> None:  # type: ignore[no-untyped-def]
    director = make_user(Role.DIRECTOR)
    adviser = make_user(Role.BANK_ADVISER)
    today = timezone.localdate()
    held = CommissionSession.objects.create(organisation=saint_etienne, date=today)
    put_on_agenda(
        make_dossier(created_by=director, state=S.READY_FOR_COMMITTEE), director, session=held
    )
    later = CommissionSession.objects.create(
        organisation=saint_etienne, date=today + timedelta(days=7)
    )
    put_on_agenda(
        make_dossier(created_by=director, state=S.READY_FOR_COMMITTEE), director, session=later
    )
    called = make_loan(created_by=director, adviser=adviser, requested_amount=Decimal("1000.00"))
    Dossier.objects.filter(pk=called.dossier_id).update(state=S.GUARANTEE_CALLED)

    body = _home(client, director)

    decisions = body[body.index("Décisions de la commission") : body.index("Paramètres à mettre")]
    assert reverse("commissions:session_detail", args=[held.pk]) in decisions
    assert reverse("commissions:session_detail", args=[later.pk]) not in decisions
    closing = body[body.index("Dossiers à clôturer") : body.index("Chiffres du mois")]
    assert reverse("servicing:closing", args=[called.pk]) in closing
    figures = body[body.index("Chiffres du mois") :]
    assert f"1 prêt, {format_eur(Decimal('1000.00'))}" in figures  # disbursed today
    assert "3 dossiers depuis le" in figures
    # The scheme's latest usury thresholds are of January 2026: a later quarter needs its own.
    usury = body[body.index("Paramètres à mettre") : body.index("Dossiers à clôturer")]
    link = reverse("programmes:version_create", args=[saint_etienne_programme().pk])
    assert (link in usury) == (quarter_start(today) > date(2026, 1, 1))


def test_the_director_queues_take_the_same_queries_whatever_their_length(
    client, make_user, saint_etienne, count_queries
) -> None:  # type: ignore[no-untyped-def]
    director = make_user(Role.DIRECTOR)
    adviser = make_user(Role.BANK_ADVISER)

    def add(n: int) -> None:
        for i in range(n):
            session = CommissionSession.objects.create(
                organisation=saint_etienne, date=timezone.localdate() - timedelta(days=i)
            )
            dossier = make_dossier(created_by=director, state=S.READY_FOR_COMMITTEE)
            put_on_agenda(dossier, director, session=session)
            loan = make_loan(created_by=director, adviser=adviser)
            Dossier.objects.filter(pk=loan.dossier_id).update(state=S.GUARANTEE_CALLED)

    empty = _queries(client, director, count_queries)
    add(MANY)
    full = _queries(client, director, count_queries)
    add(MANY)
    assert _queries(client, director, count_queries) == full
    assert empty <= full <= empty + 3


# --- The commission, the bank, the partner worker -------------------------------------------


def test_the_commission_member_sees_the_next_session_s_dossiers_in_order(
    client, make_user, saint_etienne, count_queries
) -> None:  # type: ignore[no-untyped-def]
    member = make_user(Role.COMMITTEE_MEMBER)
    agent = make_user(Role.AGENT)
    today = timezone.localdate()
    later = CommissionSession.objects.create(
        organisation=saint_etienne, date=today + timedelta(days=30)
    )
    put_on_agenda(
        make_dossier(created_by=agent, state=S.READY_FOR_COMMITTEE), member, session=later
    )
    session = CommissionSession.objects.create(organisation=saint_etienne, date=today)
    first = make_dossier(created_by=agent, state=S.READY_FOR_COMMITTEE)
    second = make_dossier(created_by=agent, state=S.READY_FOR_COMMITTEE)
    put_on_agenda(first, member, session=session)
    put_on_agenda(second, member, session=session)

    body = _home(client, member)

    queue = body[body.index("Prochaine séance") :]
    items = list(AgendaItem.objects.filter(session=session).order_by("position"))
    assert queue.index(reverse("commissions:summary_detail", args=[items[0].pk])) < queue.index(
        reverse("commissions:summary_detail", args=[items[1].pk])
    )
    assert first.applicant.last_name not in body  # the commission reads numbers, never names
    assert not AccessLog.objects.filter(user=member).exists()
    full = _queries(client, member, count_queries)
    for _ in range(MANY):
        put_on_agenda(
            make_dossier(created_by=agent, state=S.READY_FOR_COMMITTEE), member, session=session
        )
    more = _queries(client, member, count_queries)
    assert full <= more <= full + 1  # the count, once the queue is full
    for _ in range(MANY):
        put_on_agenda(
            make_dossier(created_by=agent, state=S.READY_FOR_COMMITTEE), member, session=session
        )
    assert _queries(client, member, count_queries) == more


def test_the_bank_adviser_decides_issues_cheques_and_answers_plans(
    client, make_user, count_queries
) -> None:  # type: ignore[no-untyped-def]
    adviser = make_user(Role.BANK_ADVISER)
    referent = make_user(Role.REFERENT)
    transmitted = make_transmitted_dossier(created_by=referent)
    granted = make_granted_dossier(created_by=referent, adviser=adviser, offer=False)
    loan = make_loan(created_by=referent, adviser=adviser)
    plan = RepaymentPlan.objects.create(
        loan=loan, as_of=timezone.localdate(), months=4, mode=PlanMode.ON_TOP,
        overdue_amount=Decimal("120.00"), proposed_by=referent,
    )  # fmt: skip
    RepaymentPlan.objects.create(
        loan=make_loan(created_by=referent, adviser=adviser), as_of=timezone.localdate(),
        months=4, mode=PlanMode.ON_TOP, overdue_amount=Decimal("80.00"), proposed_by=referent,
        state=PlanState.REFUSED,
    )  # fmt: skip

    body = _home(client, adviser)

    decide = body[body.index("Dossiers à décider") : body.index("Chèques à émettre")]
    assert reverse("banking:dossier", args=[transmitted.pk]) in decide and figure(1) in decide
    cheques = body[body.index("Chèques à émettre") : body.index("Plans de reprise")]
    assert reverse("banking:dossier", args=[granted.pk]) in cheques
    assert "offre signée à enregistrer" in cheques
    plans = body[body.index("Plans de reprise") : body.index("Alertes de suivi")]
    assert reverse("servicing:loan", args=[plan.loan_id]) + "#plans" in plans and figure(1) in plans

    def add(n: int) -> None:
        for _ in range(n):
            make_transmitted_dossier(created_by=referent)
            make_granted_dossier(created_by=referent, adviser=adviser)
            extra = make_loan(created_by=referent, adviser=adviser)
            RepaymentPlan.objects.create(
                loan=extra, as_of=timezone.localdate(), months=3, mode=PlanMode.ON_TOP,
                overdue_amount=Decimal("50.00"), proposed_by=referent,
            )  # fmt: skip
            for key in ("a", "b"):
                _alert(extra, adviser, key)

    add(MANY)
    full = _queries(client, adviser, count_queries)
    add(MANY)
    assert _queries(client, adviser, count_queries) == full


def test_the_partner_worker_sees_the_shared_dossiers_by_next_point_d_etape(
    client, make_user, count_queries
) -> None:  # type: ignore[no-untyped-def]
    partner = make_user(Role.PARTNER_WORKER)
    referent = make_user(Role.REFERENT)
    today = timezone.localdate()
    late = make_dossier(created_by=referent, state=S.DISBURSED)
    soon = make_dossier(created_by=referent, state=S.DISBURSED)
    none = make_dossier(created_by=referent, state=S.INSTRUCTION)
    closed = make_dossier(created_by=referent, state=S.CLOSED)
    make_dossier(created_by=referent, state=S.DISBURSED)  # not shared
    for dossier in (late, soon, none, closed):
        share_with(dossier, partner, shared_by=referent)
    for dossier, held, next_on in (
        (late, today - timedelta(days=40), today - timedelta(days=3)),
        (soon, today - timedelta(days=60), today - timedelta(days=30)),  # an older one
        (soon, today - timedelta(days=10), today + timedelta(days=20)),  # the last one
    ):
        StepReview.objects.create(
            dossier=dossier, author=partner, held_on=held, summary="Point.", next_on=next_on
        )

    body = _home(client, partner)

    queue = body[body.index("points d'étape") :]
    assert figure(3) in queue and closed.number not in queue
    assert queue.index(late.number) < queue.index(soon.number) < queue.index(none.number)
    assert "à faire" in queue and "aucun point d'étape pour l'instant" in queue
    assert reverse("followup:dossier_followup", args=[late.pk]) in queue

    def add(n: int) -> None:
        for i in range(n):
            dossier = make_dossier(created_by=referent, state=S.DISBURSED)
            share_with(dossier, partner, shared_by=referent)
            StepReview.objects.create(
                dossier=dossier, author=partner, held_on=today, summary="Point.",
                next_on=today + timedelta(days=i + 1),
            )  # fmt: skip

    add(MANY)
    full = _queries(client, partner, count_queries)
    add(MANY)
    assert _queries(client, partner, count_queries) == full


def test_a_queue_of_another_ccas_stays_there(client, make_user, saint_etienne) -> None:  # type: ignore[no-untyped-def]
    other = Organisation.objects.create(kind="ccas", name="CCAS de Roanne", slug="ccas-roanne")
    agent = make_user(Role.AGENT)
    _request(saint_etienne, "Ici")
    _request(other, "Ailleurs")
    make_dossier(created_by=agent, state=S.INSTRUCTION, organisation=other, number="MC-2026-99999")
    body = _home(client, agent)
    assert "Ici" in body
    assert "Ailleurs" not in body and "MC-2026-99999" not in body
