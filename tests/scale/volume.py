"""A volume of dossiers for the scale tests: `generate_volume`'s, plus the users of the roles it
has none of and the rows its lists need to hold more than a page (shares, alerts, access logs, a
commission session)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from django.test import Client
from django.utils import timezone

from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership, User
from microcredit.core.enums import AccessAction
from microcredit.core.models import AccessLog
from microcredit.demo.volume import ADVISER, DIRECTOR, REFERENT, generate_volume
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier, DossierShare
from microcredit.loans.models import Loan
from microcredit.organisations.models import Organisation
from microcredit.servicing.enums import AlertKind
from microcredit.servicing.models import Alert
from microcredit.shell.selectors import DOCUMENT_STATES
from tests.factories import make_api_token, put_on_agenda
from tests.planner import analyze

SEED = 19
AGENDA_ITEMS = 3  # the same at both sizes: the session's page is not a list that grows
SHARED_EVERY = 10  # one dossier in ten shared with the partner worker


@dataclass
class Volume:
    clients: dict[str, Client]  # a signed-in client per role value, "api" for the token
    values: dict[str, str]  # what the page URLs are formatted with


def _user(username: str, organisation: Organisation, role: Role) -> User:
    user = User.objects.create_user(username=username, email=f"{username}@x.invalid")
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


def build_volume(dossiers: int, loans: int, today: date) -> Volume:
    generate_volume(dossiers=dossiers, loans=loans, today=today, seed=SEED)
    referent = User.objects.get(username=REFERENT)
    director = User.objects.get(username=DIRECTOR)
    adviser = User.objects.get(username=ADVISER)
    ccas = Organisation.objects.get(slug="ccas-saint-etienne")
    structure = Organisation.objects.create(
        kind="social_structure", name="Structure volume", slug="structure-volume"
    )
    users = {
        Role.REFERENT.value: referent,
        Role.DIRECTOR.value: director,
        Role.BANK_ADVISER.value: adviser,
        Role.AGENT.value: _user("volume-agent", ccas, Role.AGENT),
        Role.COMMITTEE_MEMBER.value: _user("volume-commission", ccas, Role.COMMITTEE_MEMBER),
        Role.DPO.value: _user("volume-dpo", ccas, Role.DPO),
        Role.ADMIN.value: _user("volume-admin", ccas, Role.ADMIN),
        Role.PARTNER_WORKER.value: _user("volume-partenaire", structure, Role.PARTNER_WORKER),
    }
    ids = list(Dossier.objects.order_by("pk").values_list("pk", flat=True))
    DossierShare.objects.bulk_create(
        DossierShare(dossier_id=pk, worker=users[Role.PARTNER_WORKER], shared_by=referent)
        for pk in ids[::SHARED_EVERY]
    )
    # More dossiers wait for the commission than a page holds (the agenda's candidates): one in
    # ten of those that never reached the bank.
    Dossier.objects.filter(
        pk__in=ids[5::SHARED_EVERY], bank_transmitted_at__isnull=True, loan__isnull=True
    ).update(state=DossierState.READY_FOR_COMMITTEE)
    # The agent's queue of missing pieces holds rows at both sizes (an empty queue reads no
    # pieces: one query fewer, which is not the data growing): the last dossiers that never
    # reached the bank wait in instruction, without any piece (the volume files none).
    Dossier.objects.filter(
        pk__in=ids[-3:], bank_transmitted_at__isnull=True, loan__isnull=True
    ).update(state=DOCUMENT_STATES[0])
    session = None
    for dossier in Dossier.objects.order_by("pk")[:AGENDA_ITEMS]:
        session = put_on_agenda(dossier, users[Role.COMMITTEE_MEMBER], session=session)
    assert session is not None
    # The nightly job's alerts (one per loan, for the référent and for the bank) and the access
    # log's rows (one per dossier read): the volume generates neither.
    recipients = [users[r] for r in (Role.REFERENT, Role.AGENT, Role.DIRECTOR, Role.BANK_ADVISER)]
    Alert.objects.bulk_create(
        Alert(
            loan_id=loan_id,
            kind=AlertKind.MISSED_INSTALLMENT,
            key=today.isoformat(),
            recipient=recipient,
            as_of=today,
            days_past_due=10,
        )
        for loan_id in Loan.objects.values_list("pk", flat=True)
        for recipient in recipients
    )
    # Dated after the pages' own reads, so that the log's first page shows them at both sizes.
    logged = AccessLog.objects.bulk_create(
        AccessLog(
            user=referent,
            action=AccessAction.DOSSIER_DETAIL,
            object_type="dossiers.dossier",
            object_id=str(pk),
        )
        for pk in ids
    )
    AccessLog.objects.filter(pk__in=[log.pk for log in logged]).update(
        at=timezone.now() + timedelta(hours=1)
    )
    clients = {}
    for role, user in users.items():
        client = Client()
        client.force_login(user)
        clients[role] = client
    clients["api"] = Client(HTTP_AUTHORIZATION=f"Bearer {make_api_token(adviser)}")
    # A first read by each: what a session or a token writes once (its last use) is written.
    for role, client in clients.items():
        client.get("/api/v1/schemes" if role == "api" else "/")
    # A number to look up (the volume numbers its dossiers as the platform does).
    number = Dossier.objects.earliest("pk").number
    name = (
        Dossier.objects.exclude(applicant__last_name__contains="-")
        .values_list("applicant__last_name", flat=True)
        .earliest("pk")
    )
    repaid = Dossier.objects.filter(loan__repayments__isnull=False).earliest("pk")
    states = Counter(Dossier.objects.values_list("state", flat=True))
    loan_states = Counter(Loan.objects.values_list("state", flat=True))
    analyze()
    return Volume(
        clients=clients,
        values={
            "session_id": str(session.pk),
            "number": number,
            "loan_number": repaid.number,
            "name": name,
            "state": states.most_common(1)[0][0],
            "loan_state": loan_states.most_common(1)[0][0],
        },
    )
