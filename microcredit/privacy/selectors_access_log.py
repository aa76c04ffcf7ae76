"""The read log of one organisation, for its director and its data-protection officer.

Only the reads of the organisation's own users (anyone who holds or held a membership there,
the technical administrator included) are shown. Every filter is backed by an index of
core.AccessLog (user, action, object, each followed by the list's order « newest first »); the
dossier and the person are matched in SQL (subqueries), so a page costs the same number of
queries whatever the size of the log or of a person's file.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.paginator import Page
from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microcredit.accounts.models import Membership, User
from microcredit.applicants.models import Applicant
from microcredit.core.enums import AccessAction
from microcredit.core.models import AccessLog
from microcredit.core.pagination import LatestPaginator
from microcredit.documents.models import Document
from microcredit.dossiers.models import Dossier
from microcredit.letters.models import Letter
from microcredit.loans.models import Loan

PAGE_SIZE = 50
# The log counts and pages through its latest COUNTED_READS reads at most (100 pages): beyond,
# the filters (dates, who, dossier) narrow it. On PostgreSQL with 1 M reads a CCAS of 50,000
# reads counted them in 23 ms, but its page 200 took 450 ms (an offset sorts every row before).
COUNTED_READS = 5000


# What each read was, in French (the log stores the action's value).
ACTION_LABELS: dict[str, Any] = {
    AccessAction.API_DOSSIER_DECISION: _("API : décision de la banque"),
    AccessAction.API_DOSSIER_DETAIL: _("API : dossier"),
    AccessAction.API_DOSSIER_DISBURSEMENT: _("API : décaissement"),
    AccessAction.API_DOSSIER_GUARANTEE_CLAIM: _("API : appel en garantie"),
    AccessAction.API_DOSSIER_LIST: _("API : liste des dossiers"),
    AccessAction.API_DOSSIER_OFFER: _("API : offre de prêt"),
    AccessAction.API_DOSSIER_PAYOFF: _("API : solde du prêt"),
    AccessAction.API_DOSSIER_PLANS: _("API : plans d'apurement"),
    AccessAction.API_DOSSIER_SCHEDULE: _("API : échéancier"),
    AccessAction.APPLICANT_DETAIL: _("Fiche de la personne"),
    AccessAction.APPLICANT_EDIT: _("Modification de la personne"),
    AccessAction.BANK_DOSSIER_DETAIL: _("Dossier vu par la banque"),
    AccessAction.BANK_DOSSIER_LIST: _("Dossiers vus par la banque"),
    AccessAction.BUDGET_EDIT: _("Budget du ménage"),
    AccessAction.COMMISSION_MINUTES: _("Procès-verbal de la commission"),
    AccessAction.COMMISSION_SUMMARY: _("Synthèse pour la commission"),
    AccessAction.COMMISSION_SUMMARY_PDF: _("Synthèse pour la commission (PDF)"),
    AccessAction.DOCUMENT_DOWNLOAD: _("Téléchargement d'une pièce"),
    AccessAction.DOSSIER_DETAIL: _("Page du dossier"),
    AccessAction.DOSSIER_EDIT: _("Modification du dossier"),
    AccessAction.DOSSIER_LIST: _("Liste des dossiers"),
    AccessAction.LETTER_DOWNLOAD: _("Téléchargement d'un courrier"),
    AccessAction.LOAN_CLOSING: _("Solde du prêt"),
    AccessAction.LOAN_DETAIL: _("Page du prêt"),
    AccessAction.LOAN_LIST: _("Liste des prêts"),
    AccessAction.PORTFOLIO: _("Portefeuille des prêts"),
    AccessAction.RIGHTS_SECTION: _("Accès aux droits"),
    AccessAction.STATEMENT_IMPORT_DETAIL: _("Relevé bancaire importé"),
    AccessAction.FOLLOWUP_TIMELINE: _("Suivi du dossier"),
    AccessAction.FOLLOWUP_REQUEST_LIST: _("Demandes du public"),
    AccessAction.FOLLOWUP_REQUEST_DETAIL: _("Demande du public"),
    AccessAction.EXPORT: _("Export de données"),
    AccessAction.ACCESS_LOG: _("Journal des consultations"),
    AccessAction.PERSON_EXPORT: _("Export des données d'une personne"),
    AccessAction.ADMIN_LIST: _("Administration technique : liste"),
    AccessAction.ADMIN_DETAIL: _("Administration technique : fiche"),
}

# The objects a read names, and the dossier each belongs to (for the dossier and person filters).
DOSSIER_TYPE = "dossiers.dossier"
APPLICANT_TYPE = "applicants.applicant"
ATTACHED_TO_DOSSIER: dict[str, Any] = {
    "loans.loan": Loan,
    "documents.document": Document,
    "letters.letter": Letter,
}


def action_label(action: str) -> str:
    """The French label of a read (its stored value for an action added since)."""
    return str(ACTION_LABELS.get(action, action))


@dataclass(frozen=True)
class AccessLogFilters:
    user_id: int | None = None
    dossier_number: str = ""
    applicant_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    action: str = ""


@dataclass(frozen=True)
class AccessLogRow:
    log: AccessLog
    action_label: str
    # What was read: a dossier number, a person's number, or the object's kind and key.
    dossier_number: str
    applicant_id: int | None


def organisation_users(organisation_id: int) -> QuerySet[User]:
    """Everyone who holds or held a membership in the organisation, by name."""
    return User.objects.filter(
        pk__in=Membership.objects.filter(organisation_id=organisation_id).values("user_id")
    ).order_by("last_name", "first_name", "username")


def _as_text(queryset: QuerySet[Any]) -> QuerySet[Any]:
    """The keys of `queryset` as text, the type of AccessLog.object_id (one SQL subquery)."""
    keys: QuerySet[Any] = queryset.annotate(as_text=Cast("pk", CharField())).values("as_text")
    return keys


def _reads_of_dossiers(dossiers: QuerySet[Dossier]) -> Q:
    """The reads recorded against these dossiers or what hangs off them (loan, documents,
    letters)."""
    condition = Q(object_type=DOSSIER_TYPE, object_id__in=_as_text(dossiers))
    for object_type, model in ATTACHED_TO_DOSSIER.items():
        attached = model.objects.filter(dossier__in=dossiers.values("pk"))
        condition |= Q(object_type=object_type, object_id__in=_as_text(attached))
    return condition


def access_log_queryset(organisation_id: int, filters: AccessLogFilters) -> QuerySet[AccessLog]:
    """The organisation's users' reads matching `filters`, newest first."""
    logs = AccessLog.objects.filter(
        user_id__in=Membership.objects.filter(organisation_id=organisation_id).values("user_id")
    )
    if filters.user_id is not None:
        logs = logs.filter(user_id=filters.user_id)
    if filters.action:
        logs = logs.filter(action=filters.action)
    if filters.date_from is not None:
        logs = logs.filter(at__gte=_start_of(filters.date_from))
    if filters.date_to is not None:
        logs = logs.filter(at__lt=_start_of(filters.date_to + timedelta(days=1)))
    own = Dossier.objects.filter(organisation_id=organisation_id)
    if filters.dossier_number:
        logs = logs.filter(_reads_of_dossiers(own.filter(number=filters.dossier_number)))
    if filters.applicant_id is not None:
        person = Applicant.objects.filter(organisation_id=organisation_id, pk=filters.applicant_id)
        logs = logs.filter(
            Q(object_type=APPLICANT_TYPE, object_id__in=_as_text(person))
            | _reads_of_dossiers(own.filter(applicant__in=person.values("pk")))
        )
    return logs.select_related("user").order_by("-at", "-id")


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def access_log_page(
    organisation_id: int, filters: AccessLogFilters, page_number: str | None
) -> Page[AccessLogRow]:
    """One page of the log (PAGE_SIZE rows), each read with its French label and the dossier it
    concerns: a fixed number of queries (the count, the rows, one per kind of object read)."""
    page: Page[Any] = LatestPaginator(
        access_log_queryset(organisation_id, filters), PAGE_SIZE, counted_rows=COUNTED_READS
    ).get_page(page_number)
    logs: list[AccessLog] = list(page.object_list)
    keys: dict[str, set[int]] = defaultdict(set)
    for log in logs:
        if log.object_id.isdigit():
            keys[log.object_type].add(int(log.object_id))
    numbers: dict[tuple[str, int], str] = {}
    if keys.get(DOSSIER_TYPE):
        for pk, number in Dossier.objects.filter(
            organisation_id=organisation_id, pk__in=keys[DOSSIER_TYPE]
        ).values_list("pk", "number"):
            numbers[(DOSSIER_TYPE, pk)] = number
    for object_type, model in ATTACHED_TO_DOSSIER.items():
        if keys.get(object_type):
            for pk, number in model.objects.filter(
                dossier__organisation_id=organisation_id, pk__in=keys[object_type]
            ).values_list("pk", "dossier__number"):
                numbers[(object_type, pk)] = number
    page.object_list = [
        AccessLogRow(
            log=log,
            action_label=action_label(log.action),
            dossier_number=numbers.get(
                (log.object_type, int(log.object_id) if log.object_id.isdigit() else 0), ""
            ),
            applicant_id=int(log.object_id)
            if log.object_type == APPLICANT_TYPE and log.object_id.isdigit()
            else None,
        )
        for log in logs
    ]
    return page


@dataclass(frozen=True)
class PrivacyFigures:
    """The data-protection officer's home cards."""

    since: date
    reads: int  # every read of the organisation's users since `since`
    admin_reads: int  # of which by the technical administration
    people: int  # the people the CCAS holds data about


def privacy_figures(organisation_id: int, today: date, days: int = 7) -> PrivacyFigures:
    """Three counts (three queries), each on an index of its filter."""
    since = today - timedelta(days=days - 1)
    reads = access_log_queryset(organisation_id, AccessLogFilters(date_from=since))
    return PrivacyFigures(
        since=since,
        reads=reads.count(),
        admin_reads=reads.filter(
            action__in=[AccessAction.ADMIN_LIST, AccessAction.ADMIN_DETAIL]
        ).count(),
        people=Applicant.objects.filter(organisation_id=organisation_id).count(),
    )
