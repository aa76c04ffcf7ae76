"""Writes of the bilan: the import of a scheme's history (issue #16, point 4).

`history_import` creates, all or nothing in one transaction, an applicant, a dossier (numbered
like any other, marked as imported, its CCAS number kept as `external_number`), the events whose
dates the file gives, and for a disbursed loan the loan with its schedule (the loans service, from
the loan engine) and a guarantee claim when the guarantee was called. It sends nothing: no
e-mail, no letter, no task. docs/import_history.md says what each column becomes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loan_engine import guarantee_claim
from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership, User
from microcredit.applicants.enums import Activity
from microcredit.applicants.models import Applicant
from microcredit.applicants.rules import search_name
from microcredit.core.enums import AuditAction
from microcredit.core.errors import Refused
from microcredit.core.services import audit_event_create
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier, DossierEvent, DossierSequence
from microcredit.dossiers.rules import format_dossier_number
from microcredit.dossiers.services import NUMBER_PREFIX
from microcredit.loans.enums import LoanState, RecordedVia
from microcredit.loans.models import Loan, ScheduleLine
from microcredit.loans.rules import MAX_BATCH, RepaymentLine
from microcredit.loans.services.repayments import repayments_record_batch
from microcredit.loans.services.schedules import loan_create
from microcredit.organisations.models import Organisation
from microcredit.programmes.communes import communes
from microcredit.programmes.models import Programme, ProgrammeVersion
from microcredit.reporting import history_rules as rules
from microcredit.reporting.history import HistoryCheck, history_check
from microcredit.reporting.history_rules import HistoryRow, RawTable
from microcredit.servicing.enums import ClaimState
from microcredit.servicing.models import GuaranteeClaim

IMPORTED_LAST_NAME = "Historique"
IMPORT_REASON = "Historique importé"

# The file's outcome (and loan state) → the dossier's state, its last move and the loan's state.
FINAL_MOVES: dict[str, tuple[DossierState, str]] = {
    rules.REORIENTE: (DossierState.REORIENTED, "reorient"),
    rules.ABANDON: (DossierState.WITHDRAWN, "withdraw"),
    rules.REFUS_COMMISSION: (DossierState.REFUSED_BY_COMMITTEE, "refuse_by_committee"),
    rules.REFUS_BANQUE: (DossierState.REFUSED_BY_BANK, "bank_refuse"),
}
LOAN_MOVES: dict[str, tuple[DossierState, str, LoanState]] = {
    rules.EN_COURS: (DossierState.DISBURSED, "disburse", LoanState.ACTIVE),
    rules.REMBOURSE: (DossierState.REPAID, "record_repaid", LoanState.REPAID),
    rules.GARANTIE_APPELEE: (
        DossierState.GUARANTEE_CALLED,
        "call_guarantee",
        LoanState.GUARANTEE_CALLED,
    ),
}


class HistoryRefused(Refused):
    """The file, or the import as a whole, is refused: nothing was written."""


@dataclass(frozen=True)
class HistoryImport:
    check: HistoryCheck
    created: int
    dry_run: bool

    @property
    def already_present(self) -> int:
        return len(self.check.present_rows)


def _require_director(actor: User, organisation: Organisation) -> None:
    allowed = Membership.objects.filter(
        user=actor, organisation=organisation, role=Role.DIRECTOR, active=True
    ).exists()
    if not allowed:
        raise HistoryRefused(
            _("Seule la direction du CCAS importe l'historique de son dispositif.")
        )


def history_import(
    *,
    actor: User,
    organisation: Organisation,
    programme: Programme,
    table: RawTable,
    today: date,
    dry_run: bool = False,
) -> HistoryImport:
    """Import the table's dossiers that the organisation does not hold yet (by `numero`), all
    or nothing; with `dry_run`, only check.

    Raises:
        HistoryRefused: the actor is not a director of the organisation, the scheme is not
            the organisation's, a row has a problem (each sentence names its line and
            column), a disbursed loan needs a bank partner the scheme does not have, or
            another import wrote the same numbers meanwhile.
    """
    _require_director(actor, organisation)
    if programme.organisation_id != organisation.pk:
        raise HistoryRefused(_("Ce dispositif n'est pas celui de votre organisation."))
    with transaction.atomic():
        check = history_check(
            organisation_id=organisation.pk, programme=programme, table=table, today=today
        )
        if not check.ok:
            raise HistoryRefused(*check.messages)
        new_rows = check.new_rows
        needs_bank = any(r.issue in (rules.DECAISSE, rules.REFUS_BANQUE) for r in new_rows)
        if needs_bank and programme.bank_partner_id is None:
            raise HistoryRefused(
                _(
                    "Le dispositif n'a pas de partenaire bancaire : les dossiers transmis à la "
                    "banque (refus_banque, decaisse) ne peuvent pas être importés."
                )
            )
        if dry_run or not new_rows:
            return HistoryImport(check=check, created=0, dry_run=dry_run)
        try:
            with transaction.atomic():
                _create(actor, organisation, programme, new_rows, today)
        except IntegrityError as error:
            raise HistoryRefused(
                _(
                    "Un autre import a enregistré les mêmes numéros entre-temps : rien n'a été "
                    "importé. Recommencez : les dossiers déjà présents ne seront pas doublés."
                )
            ) from error
        return HistoryImport(check=check, created=len(new_rows), dry_run=False)


def _at(day: date) -> datetime:
    """A date of the file as a moment: noon, Paris time."""
    return timezone.make_aware(datetime.combine(day, time(12, 0)))


def _numbers(rows: list[HistoryRow]) -> dict[str, str]:
    """numero → the platform's dossier number (MC-<year of the application>-<n>), taken from
    the dossier sequence of each year under its row lock, a whole block per year."""
    by_year: dict[int, list[str]] = defaultdict(list)
    for row in rows:
        by_year[row.application_date.year].append(row.numero)
    numbers: dict[str, str] = {}
    for year, numeros in sorted(by_year.items()):
        sequence, _created = DossierSequence.objects.get_or_create(year=year)
        sequence = DossierSequence.objects.select_for_update().get(pk=sequence.pk)
        first = sequence.last_number + 1
        sequence.last_number += len(numeros)
        sequence.save(update_fields=["last_number"])
        for offset, numero in enumerate(numeros):
            numbers[numero] = format_dossier_number(NUMBER_PREFIX, year, first + offset)
    return numbers


def _final_state(row: HistoryRow, today: date) -> tuple[DossierState, str, date]:
    """The dossier's state, the move that led to it and the last date the file knows."""
    if row.loan is None:
        state, move = FINAL_MOVES[row.issue]
        return state, move, row.application_date
    state, move, _loan_state = LOAN_MOVES[row.loan.state]
    if row.loan.state == rules.GARANTIE_APPELEE and row.loan.claim_date is not None:
        return state, move, row.loan.claim_date
    if row.loan.state == rules.REMBOURSE and row.loan.last_due_date is not None:
        # The repayment's date is not in the file: the schedule's last due date, or the import's
        # day for a loan repaid before its end.
        return state, move, min(row.loan.last_due_date, today)
    return state, move, row.loan.disbursement_date


def _create(
    actor: User,
    organisation: Organisation,
    programme: Programme,
    rows: list[HistoryRow],
    today: date,
) -> None:
    now = timezone.now()
    names = communes()
    numbers = _numbers(rows)
    applicants = Applicant.objects.bulk_create(
        Applicant(
            organisation=organisation,
            last_name=IMPORTED_LAST_NAME,
            first_name=row.numero[:100],
            birth_date=row.birth_date,
            address="",
            postcode="",
            commune_code=row.commune_code,
            commune_name=names.get(row.commune_code, ""),
            family_situation="",
            activity=row.activity or Activity.OTHER,
            housing_status="",
            imported_household_type=row.household,
            search_name=search_name(IMPORTED_LAST_NAME, row.numero[:100]),
            created_by=actor,
        )
        for row in rows
    )
    finals = [_final_state(row, today) for row in rows]
    bank_id = programme.bank_partner_id
    dossiers = Dossier.objects.bulk_create(
        Dossier(
            organisation=organisation,
            programme=programme,
            number=numbers[row.numero],
            applicant=applicant,
            state=state,
            state_changed_at=_at(last),
            application_date=row.application_date,
            purpose_category=row.purpose,
            requested_amount=row.requested_amount,
            requested_months=row.requested_months,
            bank_id=bank_id if row.issue in (rules.DECAISSE, rules.REFUS_BANQUE) else None,
            imported_at=now,
            external_number=row.numero,
            created_by=actor,
        )
        for row, applicant, (state, _move, last) in zip(rows, applicants, finals, strict=True)
    )
    events: list[tuple[DossierEvent, date]] = []
    for row, dossier, (state, move, last) in zip(rows, dossiers, finals, strict=True):
        events.append(
            (_event(dossier, actor, "open", "", DossierState.RECEPTION), row.application_date)
        )
        if row.loan is None:
            events.append((_event(dossier, actor, move, DossierState.RECEPTION, state), last))
            continue
        events.append(
            (
                _event(dossier, actor, "disburse", DossierState.RECEPTION, DossierState.DISBURSED),
                row.loan.disbursement_date,
            )
        )
        if state != DossierState.DISBURSED:
            events.append((_event(dossier, actor, move, DossierState.DISBURSED, state), last))
    created = DossierEvent.objects.bulk_create(event for event, _day in events)
    for event, (_event_obj, day) in zip(created, events, strict=True):
        event.at = _at(day)  # `at` is auto_now_add: set after the creation
    DossierEvent.objects.bulk_update(created, ["at"], batch_size=500)
    _loans(actor, organisation, programme, rows, dossiers, bank_id, today)
    for dossier in dossiers:
        audit_event_create(
            actor=actor,
            action=AuditAction.DOSSIER_CREATED,
            obj=dossier,
            reason=IMPORT_REASON,
            new_values={
                "number": dossier.number,
                "external_number": dossier.external_number,
                "state": dossier.state,
                "application_date": dossier.application_date,
                "imported_at": dossier.imported_at,
            },
        )


def _event(
    dossier: Dossier, actor: User, transition: str, from_state: str, to_state: str
) -> DossierEvent:
    return DossierEvent(
        dossier=dossier,
        actor=actor,
        transition=transition,
        from_state=from_state,
        to_state=to_state,
        reason=IMPORT_REASON,
    )


def _version_on(versions: list[ProgrammeVersion], day: date) -> ProgrammeVersion:
    """The version in force on `day`, else the first one (a history older than the scheme's
    parameters)."""
    in_force = [v for v in versions if v.valid_from <= day]
    return in_force[-1] if in_force else versions[0]


def _loans(
    actor: User,
    organisation: Organisation,
    programme: Programme,
    rows: list[HistoryRow],
    dossiers: list[Dossier],
    bank_id: int | None,
    today: date,
) -> None:
    versions = list(ProgrammeVersion.objects.filter(programme=programme).order_by("valid_from"))
    by_state: dict[LoanState, list[int]] = defaultdict(list)
    claims: list[GuaranteeClaim] = []
    ongoing: list[tuple[str, Loan]] = []
    for row, dossier in zip(rows, dossiers, strict=True):
        facts = row.loan
        if facts is None or bank_id is None:
            continue
        loan = loan_create(
            actor=actor,
            dossier=dossier,
            bank_id=bank_id,
            principal=facts.principal,
            nominal_rate_percent=facts.rate_percent,
            months=facts.months,
            deferral_months=0,
            deferral_kind="none",
            disbursement_date=facts.disbursement_date,
        )
        by_state[LOAN_MOVES[facts.state][2]].append(loan.pk)
        if LOAN_MOVES[facts.state][2] == LoanState.ACTIVE:
            ongoing.append((row.numero, loan))
        if facts.claim_date is not None and facts.claim_principal is not None:
            version = _version_on(versions, facts.claim_date)
            claims.append(
                GuaranteeClaim(
                    loan=loan,
                    acceleration_date=facts.claim_date,
                    first_unpaid_date=facts.claim_date,
                    guarantor_name=version.guarantor_name,
                    rate_percent=version.guarantee_rate_percent,
                    includes_interest=version.guarantee_includes_interest,
                    outstanding_principal=facts.claim_principal,
                    accrued_interest=Decimal("0.00"),
                    amount=guarantee_claim(
                        facts.claim_principal,
                        Decimal("0.00"),
                        version.guarantee_rate_percent / Decimal(100),
                        version.guarantee_includes_interest,
                    ),
                    state=ClaimState.SENT,
                    recorded_by=actor,
                )
            )
    for state, ids in by_state.items():
        if state != LoanState.ACTIVE:
            Loan.objects.filter(pk__in=ids).update(state=state)
    GuaranteeClaim.objects.bulk_create(claims)
    _paid_to_date(actor, organisation, ongoing, today)


def _paid_to_date(
    actor: User, organisation: Organisation, ongoing: list[tuple[str, Loan]], today: date
) -> None:
    """An ongoing loan of the history is imported up to date: each installment due by `today`
    is recorded as paid on its due date, through the bank-statement path (channel « relevé
    importé », reference HIST-<numero>-<n>), so that the nightly arrears job does not see a
    years-old loan as unpaid since its first installment. The bank's statement corrects it."""
    if not ongoing:
        return
    membership = Membership.objects.get(
        user=actor, organisation=organisation, role=Role.DIRECTOR, active=True
    )
    loans = [loan for _numero, loan in ongoing]
    lines_by_loan: dict[int, list[ScheduleLine]] = defaultdict(list)
    for line in (
        ScheduleLine.objects.filter(version__loan__in=loans, due_date__lte=today, payment__gt=0)
        .select_related("version")
        .order_by("version__loan", "number")
    ):
        lines_by_loan[line.version.loan_id].append(line)
    repayments = [
        RepaymentLine(
            f"HIST-{numero}-{line.number:03d}", loan.dossier.number, line.due_date, line.payment
        )
        for numero, loan in ongoing
        for line in lines_by_loan[loan.pk]
    ]
    for start in range(0, len(repayments), MAX_BATCH):
        repayments_record_batch(
            actor=actor,
            membership=membership,
            lines=repayments[start : start + MAX_BATCH],
            today=today,
            via=RecordedVia.IMPORT,
        )
