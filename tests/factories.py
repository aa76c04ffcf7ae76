"""Plain factory functions for dossier tests: rows written directly, not through the services.

They build valid data against the Saint-Étienne scheme of the data migration (parameter version 1:
territory 42218, purposes, required documents, reorientation schemes).
"""

from __future__ import annotations

import hashlib
import itertools
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from microcredit.accounts.models import Membership, User
from microcredit.applicants.models import Applicant
from microcredit.applicants.rules import search_name
from microcredit.commissions.models import AgendaItem, CommissionSession, SessionMember
from microcredit.documents.models import CONSENT_KIND, Document
from microcredit.dossiers import rules
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier, DossierSequence, DossierShare, EligibilityCheck
from microcredit.dossiers.selectors import evaluate_eligibility
from microcredit.organisations.models import Organisation
from microcredit.programmes.models import Programme
from microcredit.programmes.selectors import version_in_force
from microcredit.simulator.enums import ContactRequestStatus
from microcredit.simulator.models import ContactRequest

# 11 and 13 names: 143 distinct pairs before one repeats.
LAST_NAMES = (
    "Martin",
    "Bernard",
    "Durand",
    "Lefèvre",
    "Mercier",
    "Faure",
    "Rousseau",
    "Chevalier",
    "Gauthier",
    "Perrin",
    "Besson",
)
FIRST_NAMES = (
    "Éloïse",
    "Karim",
    "Nadia",
    "Julien",
    "Sophie",
    "Mehdi",
    "Chantal",
    "Lucas",
    "Fatou",
    "Thierry",
    "Inès",
    "Bruno",
    "Manon",
)

# States reached through the bank: the dossier was transmitted to it.
BANK_PATH_STATES = frozenset(
    {
        DossierState.TRANSMITTED_TO_BANK,
        DossierState.GRANTED,
        DossierState.DISBURSED,
        DossierState.REPAID,
        DossierState.GUARANTEE_CALLED,
        DossierState.REFUSED_BY_BANK,
        DossierState.CLOSED,
    }
)

_counter = itertools.count(1)


def pdf_bytes(tag: str = "") -> bytes:
    """A tiny real PDF; `tag` makes its content (and so its SHA-256) distinct."""
    return (
        b"%PDF-1.4\n"
        b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        b"% " + tag.encode() + b"\n"
        b"trailer<</Root 1 0 R>>\n"
        b"%%EOF\n"
    )


def saint_etienne_programme() -> Programme:
    return Programme.objects.get(
        organisation__slug="ccas-saint-etienne", slug="micro-credit-personnel"
    )


def make_applicant(*, organisation: Organisation, created_by: User, **overrides: Any) -> Applicant:
    n = next(_counter)
    values: dict[str, Any] = {
        "last_name": LAST_NAMES[n % len(LAST_NAMES)],
        "first_name": FIRST_NAMES[n % len(FIRST_NAMES)],
        "birth_date": date(1988, 5, 17),
        "email": "",
        "phone": "0477000000",
        "address": f"{n} rue de la République",
        "postcode": "42000",
        "commune_code": "42218",
        "commune_name": "Saint-Étienne",
        "family_situation": "single",
        "activity": "job_seeker",
        "housing_status": "tenant_social",
    }
    values.update(overrides)
    values.setdefault("search_name", search_name(values["last_name"], values["first_name"]))
    return Applicant.objects.create(organisation=organisation, created_by=created_by, **values)


def _add_document(dossier: Dossier, *, kind: str, label: str, uploaded_by: User) -> Document:
    content = pdf_bytes(f"{dossier.pk}-{kind}")
    document = Document(
        dossier=dossier,
        kind=kind,
        label=label,
        original_name=f"{kind}.pdf",
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=uploaded_by,
    )
    document.file.save("upload.pdf", ContentFile(content), save=False)
    document.save()
    return document


def _eligibility(dossier: Dossier, checked_by: User) -> EligibilityCheck:
    version = version_in_force(dossier.programme, dossier.application_date)
    assert version is not None, "no parameter version in force on the application date"
    _, criteria = evaluate_eligibility(dossier, version)
    return EligibilityCheck.objects.create(
        dossier=dossier,
        programme_version=version,
        checked_by=checked_by,
        outcome="ok",
        criteria=[
            {"key": c.key, "label": c.label, "outcome": str(c.outcome), "reason": c.reason}
            for c in criteria
        ],
    )


def _next_number(year: int) -> str:
    """The platform's counter, so that dossiers opened by the service never collide."""
    with transaction.atomic():
        sequence, _ = DossierSequence.objects.select_for_update().get_or_create(year=year)
        sequence.last_number += 1
        sequence.save(update_fields=["last_number"])
    return rules.format_dossier_number("MC", year, sequence.last_number)


def make_dossier(
    *,
    created_by: User,
    state: str = DossierState.RECEPTION,
    applicant: Applicant | None = None,
    programme: Programme | None = None,
    referent: User | None = None,
    eligible: bool = False,
    with_documents: bool = False,
    with_consent: bool = False,
    **overrides: Any,
) -> Dossier:
    """A dossier in `state`, written directly (no event, no audit row)."""
    programme = programme or saint_etienne_programme()
    organisation_id = overrides.pop("organisation_id", None) or programme.organisation_id
    if "organisation" in overrides:
        organisation_id = overrides.pop("organisation").pk
    if applicant is None:
        applicant = make_applicant(
            organisation=Organisation.objects.get(pk=organisation_id), created_by=created_by
        )
    now = timezone.now()
    today = timezone.localdate()
    values: dict[str, Any] = {
        "application_date": today,
        "purpose_category": "mobilite",
        "purpose_subcategory": "permis_de_conduire",
        "project_description": "Passer le permis B pour un emploi d'aide à domicile.",
        "project_cost": Decimal("1450.00"),
        "payee_name": "Auto-école du Forez",
        "payee_siret": "",
        "payee_address": "3 place Jean Jaurès, 42000 Saint-Étienne",
        "quote_reference": "D-2026-118",
        "requested_amount": Decimal("1200.00"),
        "requested_months": 24,
        "requested_deferral_months": 0,
        "requested_deferral_kind": "none",
        "no_ordinary_credit": True,
        "no_ordinary_credit_evidence": "Refus de prêt de la banque habituelle (courrier).",
        "state_changed_at": now,
    }
    values.update(overrides)
    if state in BANK_PATH_STATES:
        values.setdefault("bank_transmitted_at", now)
    if values.get("bank_transmitted_at") is not None and "bank" not in values:
        values.setdefault("bank_id", programme.bank_partner_id)
    if with_consent:
        values.setdefault("consent_date", today)
    number = values.pop("number", None) or _next_number(values["application_date"].year)
    dossier = Dossier.objects.create(
        organisation_id=organisation_id,
        programme=programme,
        applicant=applicant,
        referent=referent,
        state=state,
        number=number,
        created_by=created_by,
        **values,
    )
    if with_documents:
        version = version_in_force(programme, dossier.application_date)
        for spec in version.required_documents_for(dossier.purpose_category) if version else []:
            _add_document(dossier, kind=spec["code"], label=spec["label"], uploaded_by=created_by)
    if with_consent:
        _add_document(
            dossier,
            kind=CONSENT_KIND,
            label="Consentement signé à la transmission à la banque",
            uploaded_by=created_by,
        )
    if eligible:
        dossier.eligibility = _eligibility(dossier, created_by)
        dossier.save(update_fields=["eligibility"])
    return dossier


def put_on_agenda(
    dossier: Dossier, member: User, *, session: CommissionSession | None = None
) -> CommissionSession:
    """Put the dossier on the agenda of `session` (a new one of its organisation if None), where
    `member` sits."""
    if session is None:
        session = CommissionSession.objects.create(
            organisation_id=dossier.organisation_id,
            date=timezone.localdate(),
            place="Salle du conseil",
        )
    SessionMember.objects.get_or_create(session=session, user=member)
    position = AgendaItem.objects.filter(session=session).count() + 1
    AgendaItem.objects.get_or_create(
        session=session, dossier=dossier, defaults={"position": position}
    )
    return session


def share_with(dossier: Dossier, worker: User, *, shared_by: User) -> DossierShare:
    return DossierShare.objects.create(dossier=dossier, worker=worker, shared_by=shared_by)


# --- Bank portal and loans (issue #6) -------------------------------------------------------


def membership_of(user: User) -> Membership:
    """The user's (single) active membership: the one the services are called with."""
    return Membership.objects.get(user=user, active=True)


def make_second_bank(
    ccas: Organisation, *, slug: str = "banque-b"
) -> tuple[Organisation, Programme]:
    """Another bank partner with its own programme of `ccas` (parameters copied from the
    Saint-Étienne scheme's version 1)."""
    from microcredit.programmes.models import ProgrammeVersion

    bank_b = Organisation.objects.create(kind="bank", name=f"Banque {slug}", slug=slug)
    programme = Programme.objects.create(
        organisation=ccas, name=f"Prêt {slug}", slug=f"pret-{slug}", bank_partner=bank_b
    )
    version = ProgrammeVersion.objects.filter(programme=saint_etienne_programme()).earliest(
        "valid_from"
    )
    version.pk = None
    version.programme = programme
    version.save()
    return bank_b, programme


def make_transmitted_dossier(*, created_by: User, **overrides: Any) -> Dossier:
    """A dossier transmitted to its programme's bank (eligible, documents, consent)."""
    overrides.setdefault("state", DossierState.TRANSMITTED_TO_BANK)
    return make_dossier(
        created_by=created_by, eligible=True, with_documents=True, with_consent=True, **overrides
    )


def make_granted_dossier(
    *,
    created_by: User,
    adviser: User,
    offer: bool = True,
    amount: Decimal | None = None,
    months: int | None = None,
    **overrides: Any,
) -> Dossier:
    """A transmitted dossier accepted by `adviser` through the bank services (on the requested
    terms unless given), its signed offer recorded today when `offer`."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from microcredit.banking.services import bank_accept, bank_offer_record

    dossier = make_transmitted_dossier(created_by=created_by, **overrides)
    today = timezone.localdate()
    bank_accept(
        actor=adviser,
        membership=membership_of(adviser),
        dossier_id=dossier.pk,
        amount=amount or dossier.requested_amount,
        months=months or dossier.requested_months,
        deferral_months=dossier.requested_deferral_months,
        deferral_kind=dossier.requested_deferral_kind,
        today=today,
    )
    if offer:
        bank_offer_record(
            actor=adviser,
            membership=membership_of(adviser),
            dossier_id=dossier.pk,
            signed_on=today,
            upload=SimpleUploadedFile(
                "offre.pdf", pdf_bytes(f"offer-{dossier.pk}"), "application/pdf"
            ),
            today=today,
        )
    dossier.refresh_from_db()
    return dossier


def make_loan(*, created_by: User, adviser: User, **overrides: Any) -> Any:
    """A disbursed dossier's Loan (through the bank services, disbursed today)."""
    from microcredit.banking.services import disbursement_record

    dossier = make_granted_dossier(created_by=created_by, adviser=adviser, **overrides)
    today = timezone.localdate()
    return disbursement_record(
        actor=adviser,
        membership=membership_of(adviser),
        dossier_id=dossier.pk,
        cheque_number=f"CHQ {dossier.pk:06d}",
        date=today,
        amount=dossier.bank_decision.amount,
        today=today,
    )


# --- Bank partner's API (issue #6) ----------------------------------------------------------


def make_api_token(adviser: User, label: str = "Intégration") -> str:
    """A clear API token of `adviser` (a bank adviser), created through the service."""
    from microcredit.api.services import api_token_create

    _token, clear = api_token_create(actor=adviser, membership=membership_of(adviser), label=label)
    return clear


def bulk_dossiers(
    referent: User,
    total: int,
    *,
    bank: Organisation | None = None,
    states: tuple[str, ...] = tuple(DossierState.values),
) -> None:
    """Dossiers (and their applicants) of Saint-Étienne's scheme up to `total` in all, inserted
    in bulk (no service, no factory call per row) for the tests at scale: numbers MC-2025-00000…,
    applicants « Volume<n> », every other one « Éloïse », states in turn among `states`, each
    dossier's state changed a minute before the previous one's; with `bank`, transmitted to it."""
    programme = saint_etienne_programme()
    organisation = programme.organisation
    start = Dossier.objects.count()
    applicants = Applicant.objects.bulk_create(
        Applicant(
            organisation=organisation,
            last_name=f"Volume{start + i}",
            first_name="Éloïse" if i % 2 else "Test",
            birth_date="1980-01-01",
            address="1 rue du Test",
            postcode="42000",
            commune_code="42218",
            commune_name="Saint-Étienne",
            family_situation="single",
            activity="job_seeker",
            housing_status="tenant_private",
            search_name=f"volume{start + i} {'eloise' if i % 2 else 'test'}",
            created_by=referent,
        )
        for i in range(total - start)
    )
    now = timezone.now()
    Dossier.objects.bulk_create(
        Dossier(
            organisation=organisation,
            programme=programme,
            applicant=applicant,
            referent=referent,
            number=f"MC-2025-{start + i:05d}",
            state=states[i % len(states)],
            state_changed_at=now - timedelta(minutes=start + i),
            application_date=now.date(),
            purpose_category="mobilite",
            requested_amount="1000.00",
            requested_months=12,
            bank=bank,
            bank_transmitted_at=now - timedelta(minutes=start + i) if bank else None,
            created_by=referent,
        )
        for i, applicant in enumerate(applicants)
    )
    assert Dossier.objects.count() == total


def migrate(target: tuple[str, str] | None) -> None:
    """Bring the test database's schema to `target` (app, migration), forwards or backwards;
    `None`: every app to its latest migration. Going back unapplies the other apps' migrations
    that depend on the ones undone: end a test with `migrate(None)`, not with the latest of the
    one app, or the next tests on that database miss those apps' columns. Like the migrate
    command, drops loans' SQLite triggers before and creates them again after (ADR 0018)."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from microcredit.loans import triggers

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    triggers.drop_before_migrate(using=connection.alias)
    try:
        executor.migrate(executor.loader.graph.leaf_nodes() if target is None else [target])
    finally:
        triggers.create_after_migrate(using=connection.alias)


def bulk_contact_requests(
    organisation: Organisation,
    count: int,
    statuses: tuple[str, ...] = (ContactRequestStatus.NEW,),
) -> None:
    """`count` requests from the public to `organisation` in one insert, named Camille0,
    Camille1…, their statuses taken from `statuses` in turn."""
    ContactRequest.objects.bulk_create(
        ContactRequest(
            organisation=organisation,
            first_name=f"Camille{k}",
            last_name="Demandeuse",
            phone="06 00 00 00 00",
            consent=True,
            client_fingerprint="test",
            status=statuses[k % len(statuses)],
        )
        for k in range(count)
    )
