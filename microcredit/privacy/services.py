"""Writes of the privacy app: a person's anonymisation (the retention job, erasure on request)
and the export of everything held about them. docs/privacy.md gives the rules."""

from __future__ import annotations

import io
import json
import logging
import zipfile
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model, Q, TextField
from django.db.models.fields.files import FieldFile
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from microcredit.accounts.models import Membership, User
from microcredit.api.models import IdempotencyRecord
from microcredit.applicants.models import Applicant, HouseholdMember
from microcredit.banking.models import BankDecision, Disbursement
from microcredit.budgets.models import BudgetPerson, ReferentOpinion
from microcredit.commissions.models import AgendaItem
from microcredit.core.appendonly import personal_data_anonymisation
from microcredit.core.enums import AccessAction, AuditAction
from microcredit.core.models import AccessLog, AuditEvent
from microcredit.core.services import access_log_create, audit_event_create
from microcredit.documents.models import Document
from microcredit.dossiers.models import Dossier, DossierEvent, EligibilityCheck
from microcredit.dossiers.workflow import FINAL_STATES
from microcredit.followup.models import Appointment, Note, RequestHandling, StepReview
from microcredit.letters.models import Letter
from microcredit.loans.enums import LoanState
from microcredit.loans.models import Incident, ScheduleVersion
from microcredit.privacy import rules, selectors
from microcredit.privacy.selectors import PersonRecords
from microcredit.reporting import rules as reporting_rules
from microcredit.rights.models import RightsAssessmentRecord
from microcredit.servicing.models import Bonification, ProjectProof, RepaymentPlan
from microcredit.simulator.models import ContactRequest

logger = logging.getLogger(__name__)

# The free texts of a person's rows, cleared by the anonymisation: {model: fields}.
FREE_TEXTS: tuple[tuple[type[Model], tuple[str, ...]], ...] = (
    (
        Dossier,
        (
            "project_description",
            "no_ordinary_credit_evidence",
            "payee_name",
            "payee_siret",
            "payee_address",
            "quote_reference",
            "oriented_by_name",
        ),
    ),
    (DossierEvent, ("reason",)),
    (ReferentOpinion, ("reason",)),
    (RightsAssessmentRecord, ("error_message",)),
    (Note, ("body",)),
    (Appointment, ("place", "with_whom", "outcome")),
    (StepReview, ("summary",)),
    (AgendaItem, ("decision_reason",)),
    (BankDecision, ("refusal_text",)),
    (Disbursement, ("payee_name", "payee_siret", "payee_change_reason")),
    (ScheduleVersion, ("reason",)),
    (Incident, ("note",)),
    (RepaymentPlan, ("note", "refusal_reason")),
    (ProjectProof, ("waived_reason",)),
    (Bonification, ("waived_reason",)),
    (RequestHandling, ("closed_reason",)),
    (Document, ("original_name",)),
    (
        ContactRequest,
        ("first_name", "last_name", "phone", "email", "preferred_times", "message"),
    ),
)
# The records' list holding each model's rows.
_RECORD_LISTS: dict[type[Model], str] = {
    Dossier: "dossiers",
    DossierEvent: "events",
    ReferentOpinion: "opinions",
    RightsAssessmentRecord: "rights_assessments",
    Note: "notes",
    Appointment: "appointments",
    StepReview: "step_reviews",
    AgendaItem: "agenda_items",
    BankDecision: "bank_decisions",
    Disbursement: "disbursements",
    ScheduleVersion: "schedule_versions",
    Incident: "incidents",
    RepaymentPlan: "plans",
    ProjectProof: "proofs",
    Bonification: "bonifications",
    RequestHandling: "handlings",
    Document: "documents",
    ContactRequest: "contact_requests",
}


def _identifying_strings(records: PersonRecords) -> list[str]:
    applicant = records.applicant
    names = [applicant.last_name, applicant.first_name]
    names += [m.first_name for m in records.members]
    names += [p.first_name for p in records.budget_persons]
    names += [f"{c.first_name} {c.last_name}" for c in records.contact_requests]
    names += [c.last_name for c in records.contact_requests]
    contacts = [applicant.email, applicant.phone, applicant.address]
    contacts += [c.email for c in records.contact_requests] + [
        c.phone for c in records.contact_requests
    ]
    births = [applicant.birth_date] + [m.birth_date for m in records.members]
    births += [p.birth_date for p in records.budget_persons]
    return rules.identifying_strings(names=names, contacts=contacts, birth_dates=births)


def _raw_strings(records: PersonRecords) -> list[str]:
    """The person's strings as typed (accents kept), for the database's text searches."""
    applicant = records.applicant
    found = [applicant.last_name, applicant.first_name, applicant.email, applicant.phone]
    found += [applicant.address] + [m.first_name for m in records.members]
    found += [p.first_name for p in records.budget_persons]
    for request in records.contact_requests:
        found += [request.first_name, request.last_name, request.email, request.phone]
    return sorted({s.strip() for s in found if len(s.strip()) >= 3})


def _age_band(applicant: Applicant, records: PersonRecords) -> str:
    disbursed = [loan.disbursement_date for loan in records.loans]
    applied = [d.application_date for d in records.dossiers]
    on = max(disbursed) if disbursed else max(applied) if applied else timezone.localdate()
    return reporting_rules.age_band(rules.completed_years(applicant.birth_date, on))


def _raw_forms(strings: list[str]) -> list[str]:
    """The strings as stored in a JSON column's text (non-ASCII escaped on SQLite)."""
    forms = set(strings)
    forms.update(json.dumps(s)[1:-1] for s in strings)
    return sorted(forms)


def _scrub_logs(records: PersonRecords, strings: list[str], raw: list[str]) -> None:
    """The audit rows and access-log rows about the person (personal keys and texts), and any
    other one holding one of their strings (those strings only)."""
    about_ids = set(selectors.audit_events_about(records).values_list("pk", flat=True))
    holding = Q(pk__in=[])
    for s in raw:
        holding |= Q(reason__icontains=s) | Q(old_text__icontains=s) | Q(new_text__icontains=s)
    events = AuditEvent.objects.annotate(
        old_text=Cast("old_values", TextField()), new_text=Cast("new_values", TextField())
    ).filter(Q(pk__in=about_ids) | holding)
    for event in events:
        about = event.pk in about_ids
        old = rules.scrub(event.old_values, strings, by_key=about)
        new = rules.scrub(event.new_values, strings, by_key=about)
        reason = "" if about else rules.scrub_text(event.reason, strings)
        if (old, new, reason) != (event.old_values, event.new_values, event.reason):
            AuditEvent.objects.filter(pk=event.pk).update(
                old_values=old, new_values=new, reason=reason
            )
    logs_holding = Q(pk__in=[])
    for s in raw:
        logs_holding |= Q(detail__icontains=s)
    logs = AccessLog.objects.filter(
        Q(pk__in=selectors.consultations_about(records).values("pk")) | logs_holding
    ).exclude(detail="")
    for log in logs:
        detail = rules.scrub_text(log.detail, strings)
        if detail != log.detail:
            AccessLog.objects.filter(pk=log.pk).update(detail=detail)


def _files(records: PersonRecords) -> list[FieldFile]:
    files = [d.file for d in records.documents] + [letter.file for letter in records.letters]
    return [f for f in files if f.name]


def anonymise(
    applicant_id: int, *, actor: User | None, reason: str, now: datetime | None = None
) -> bool:
    """Anonymise one person in one transaction (core.appendonly's one exception to the
    append-only tables). False when there is nothing to do (already anonymised). Refused (a
    ValidationError) while one of their dossiers is open: nothing of an open dossier is
    touched. One audit row « anonymisation », holding no personal data."""
    moment = now or timezone.now()
    with personal_data_anonymisation():
        applicant = Applicant.objects.select_for_update().filter(pk=applicant_id).first()
        if applicant is None or applicant.anonymised_at is not None:
            return False
        open_numbers = list(
            Dossier.objects.filter(applicant=applicant)
            .exclude(state__in=list(FINAL_STATES))
            .values_list("number", flat=True)
        )
        if open_numbers:
            raise ValidationError(
                _("Ces dossiers sont encore en cours : %(numbers)s.")
                % {"numbers": ", ".join(open_numbers)},
                code="open_dossier",
            )
        records = selectors.person_records(applicant)
        strings = _identifying_strings(records)
        raw = _raw_forms(_raw_strings(records) + [s for s in strings if len(s) >= 3])
        files = _files(records)
        counts = {
            "dossiers": len(records.dossiers),
            "membres": len(records.members),
            "fichiers": len(files),
        }

        # Birth dates: a fictitious date keeping the ages on the days the figures read.
        applicant_days = [d.application_date for d in records.dossiers]
        applicant_days += [loan.disbursement_date for loan in records.loans]
        budget_months = {b.pk: b.month for b in records.budgets}
        member_days: dict[int, list[date]] = {}
        for person in records.budget_persons:
            if person.household_member_id is not None:
                member_days.setdefault(person.household_member_id, []).append(
                    budget_months[person.budget_id]
                )
            elif person.role == "applicant":
                applicant_days.append(budget_months[person.budget_id])
        age_band = _age_band(applicant, records)
        Applicant.objects.filter(pk=applicant.pk).update(
            last_name=rules.ANONYMISED_NAME,
            first_name="",
            email="",
            phone="",
            address="",
            search_name="",
            notifications_consent_at=None,
            birth_date=rules.fictitious_birth_date(applicant.birth_date, applicant_days),
            age_band=age_band,
            anonymised_at=moment,
        )
        for member in records.members:
            HouseholdMember.objects.filter(pk=member.pk).update(
                first_name="",
                birth_date=rules.fictitious_birth_date(
                    member.birth_date, member_days.get(member.pk, [])
                ),
            )
        for person in records.budget_persons:
            BudgetPerson.objects.filter(pk=person.pk).update(
                first_name="",
                birth_date=rules.fictitious_birth_date(
                    person.birth_date, [budget_months[person.budget_id]]
                ),
            )

        # Free texts.
        for model, fields in FREE_TEXTS:
            ids = [obj.pk for obj in getattr(records, _RECORD_LISTS[model])]
            if ids:
                model._default_manager.filter(pk__in=ids).update(**dict.fromkeys(fields, ""))
        ContactRequest.objects.filter(pk__in=[c.pk for c in records.contact_requests]).update(
            client_fingerprint=""
        )
        for check in records.eligibility:
            criteria = rules.scrub(check.criteria, strings)
            if criteria != check.criteria:
                EligibilityCheck.objects.filter(pk=check.pk).update(criteria=criteria)

        _scrub_logs(records, strings, raw)
        # The API's stored first answers to the bank's writes about their dossiers (#18: kept
        # for the bank's retries, they hold the dossier as the API shows it).
        about_numbers = Q(pk__in=[])
        for dossier in records.dossiers:
            about_numbers |= Q(path__contains=f"/dossiers/{dossier.number}/")
        IdempotencyRecord.objects.filter(about_numbers).delete()

        # Documents and letters: the rows stay (dates, kinds, for the history), the files go.
        Document.objects.filter(pk__in=[d.pk for d in records.documents]).update(file="")
        Letter.objects.filter(pk__in=[letter.pk for letter in records.letters]).update(file="")
        audit_event_create(
            actor=actor,
            action=AuditAction.PERSONAL_DATA_ANONYMISED,
            obj=applicant,
            reason=reason,
            new_values=counts,
        )
        # Last, so that a failure before leaves every file in place (the transaction rolls
        # back); a storage failure here rolls the rows back too, and the next run ends it.
        for stored in files:
            stored.storage.delete(stored.name or "")
    return True


# --- A person's rights ----------------------------------------------------------------------


def erasure_blockers(records: PersonRecords) -> list[str]:
    """Why a person's data cannot be erased now (French), empty when it can."""
    reasons = []
    active = [
        records_loan for records_loan in records.loans if records_loan.state == LoanState.ACTIVE
    ]
    numbers = {d.pk: d.number for d in records.dossiers}
    for loan in active:
        reasons.append(
            _(
                "Le prêt du dossier %(number)s est en cours de remboursement : les données "
                "restent nécessaires jusqu'à son remboursement complet."
            )
            % {"number": numbers.get(loan.dossier_id, "")}
        )
    active_dossiers = {loan.dossier_id for loan in active}
    for dossier in records.dossiers:
        if dossier.state not in FINAL_STATES and dossier.pk not in active_dossiers:
            reasons.append(
                _(
                    "Le dossier %(number)s est en cours : son ou sa référent·e doit d'abord "
                    "enregistrer le désistement de la personne (ou le clore)."
                )
                % {"number": dossier.number}
            )
    return reasons


def person_erase(
    *, actor: User, membership: Membership, applicant_id: int, confirmed: bool
) -> Applicant:
    """Erasure on request: the retention job's anonymisation, now. Refused with its reasons
    while a loan is being repaid or a dossier is open."""
    applicant = selectors.person_for_membership_or_404(membership, applicant_id)
    if applicant.anonymised_at is not None:
        raise ValidationError(_("Les données de cette personne sont déjà anonymisées."))
    if not confirmed:
        raise ValidationError(_("Cochez la case de confirmation pour effacer ces données."))
    blockers = erasure_blockers(selectors.person_records(applicant))
    if blockers:
        raise ValidationError(blockers, code="blocked")
    anonymise(applicant.pk, actor=actor, reason="Effacement à la demande de la personne")
    applicant.refresh_from_db()
    return applicant


def _value(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or ""
    return value


def _row(obj: Model) -> dict[str, Any]:
    """A row as JSON: every concrete field, foreign keys by their id."""
    row: dict[str, Any] = {}
    for f in obj._meta.concrete_fields:
        row[f.attname] = _value(getattr(obj, f.attname))
    return row


# The sections of personne.json: (key, the records' list).
EXPORT_SECTIONS: tuple[tuple[str, str], ...] = (
    ("menage", "members"),
    ("dossiers", "dossiers"),
    ("evenements", "events"),
    ("eligibilite", "eligibility"),
    ("budgets", "budgets"),
    ("budgets_personnes", "budget_persons"),
    ("budgets_lignes", "budget_lines"),
    ("avis_budget", "opinions"),
    ("estimations_droits", "rights_assessments"),
    ("suites_droits", "right_outcomes"),
    ("pieces", "documents"),
    ("courriers", "letters"),
    ("notes", "notes"),
    ("rendez_vous", "appointments"),
    ("points_etape", "step_reviews"),
    ("commission", "agenda_items"),
    ("decisions_banque", "bank_decisions"),
    ("decaissements", "disbursements"),
    ("prets", "loans"),
    ("echeanciers", "schedule_versions"),
    ("remboursements", "repayments"),
    ("incidents", "incidents"),
    ("plans_apurement", "plans"),
    ("appels_garantie", "claims"),
    ("justificatifs_projet", "proofs"),
    ("bonifications", "bonifications"),
    ("demandes_traitees", "handlings"),
    ("demandes_du_public", "contact_requests"),
)


def _archive_name(folder: str, pk: int, stored: FieldFile) -> str:
    base = (stored.name or "").rsplit("/", 1)[-1]
    return f"{folder}/{pk}-{base}"


def person_export(*, actor: User, membership: Membership, applicant_id: int) -> bytes:
    """A ZIP of everything held about the person: personne.json, consultations.json (who read
    their data, when) and their documents' and letters' files. Logged in the access log."""
    applicant = selectors.person_for_membership_or_404(membership, applicant_id)
    records = selectors.person_records(applicant)
    person: dict[str, Any] = {
        "exporte_le": timezone.now().isoformat(),
        "demandeur": _row(applicant),
    }
    for key, attribute in EXPORT_SECTIONS:
        person[key] = [_row(obj) for obj in getattr(records, attribute)]
    reads = [
        {
            "le": log.at.isoformat(),
            "utilisateur": log.user.get_full_name() or log.user.get_username(),
            "identifiant_utilisateur": log.user_id,
            "consultation": log.action,
            "objet": log.object_type,
            "identifiant_objet": log.object_id,
            "detail": log.detail,
        }
        for log in selectors.consultations(applicant)
    ]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "personne.json", json.dumps(person, ensure_ascii=False, indent=2, sort_keys=True)
        )
        archive.writestr("consultations.json", json.dumps(reads, ensure_ascii=False, indent=2))
        for folder, rows in (("pieces", records.documents), ("courriers", records.letters)):
            for obj in rows:
                stored: FieldFile = obj.file
                if not stored.name:
                    continue
                try:
                    with stored.storage.open(stored.name, "rb") as handle:
                        archive.writestr(_archive_name(folder, obj.pk, stored), handle.read())
                except OSError:
                    logger.warning("Export: file %s of %s missing", stored.name, folder)
    access_log_create(
        user=actor,
        action=AccessAction.PERSON_EXPORT,
        obj=applicant,
        detail=f"export de {len(records.dossiers)} dossier(s)",
    )
    return buffer.getvalue()
