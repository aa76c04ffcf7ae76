"""Background work of the rights check: estimate a household's rights with OpenFisca-France.

The task runs in the worker (``microcredit db_worker``), never in the web process's request
path in production: OpenFisca-France is loaded there, lazily, once per process. Whatever goes
wrong ends in a "failed" record with a French message; the dossier stays usable and the page
offers to run the estimate again (a new record).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from microcredit.applicants.models import Applicant
from microcredit.budgets.models import Budget
from microcredit.budgets.selectors import BudgetData, budget_data
from microcredit.rights import engine
from microcredit.rights.enums import AssessmentStatus
from microcredit.rights.models import RightsAssessmentRecord, RsaBaseAmount
from microcredit.rights.rules import HouseholdSituation, RightsAssessment
from microcredit.rights.situation import household_situation

logger = logging.getLogger(__name__)

UNEXPECTED_FAILURE = (
    "Le calcul des droits a échoué de façon inattendue : le dossier reste utilisable, "
    "relancez l'estimation plus tard."
)


def situation_for(budget: Budget, applicant: Applicant) -> HouseholdSituation:
    """The household situation of a stored budget version and the applicant's file."""
    return situation_from(budget_data(budget), budget, applicant)


def situation_from(data: BudgetData, budget: Budget, applicant: Applicant) -> HouseholdSituation:
    """The same, from the budget's data already read (``budget_data(budget)``)."""
    return household_situation(
        data.budget,
        data.personal,
        applicant_activity=applicant.activity,
        family_situation=applicant.family_situation,
        commune_insee=applicant.commune_code,
        separation_recent=budget.separation_recent,
        gross_salaries=data.gross_salaries,
    )


def record_done(record: RightsAssessmentRecord, assessment: RightsAssessment) -> None:
    """Store the estimate in the record and the RSA base amount in the cache."""
    with transaction.atomic():
        record.store(assessment)
        record.status = AssessmentStatus.DONE
        record.error_message = ""
        record.finished_at = timezone.now()
        record.save()
        RsaBaseAmount.remember(
            month=assessment.month,
            amount=assessment.rsa_base_amount,
            version=assessment.openfisca_france_version,
        )


def record_failed(record: RightsAssessmentRecord, message: str) -> None:
    record.status = AssessmentStatus.FAILED
    record.error_message = message
    record.finished_at = timezone.now()
    record.save(update_fields=["status", "error_message", "finished_at"])


@task()
def assess_dossier_rights(record_id: int) -> str:
    """Estimate the rights of the record's household for its budget's month.

    Returns the record's final status ("done" or "failed"), or "skipped" when the record is
    gone or was already taken by another run.
    """
    taken = RightsAssessmentRecord.objects.filter(
        pk=record_id, status=AssessmentStatus.PENDING
    ).update(status=AssessmentStatus.RUNNING)
    if not taken:
        return "skipped"
    record = RightsAssessmentRecord.objects.select_related("dossier__applicant").get(pk=record_id)
    try:
        budget = Budget.objects.prefetch_related("persons", "lines").get(pk=record.budget_id)
        situation = situation_for(budget, record.dossier.applicant)
        assessment = engine.assess_household(situation)
    except engine.InvalidSituationError as error:
        record_failed(
            record,
            "L'estimation ne peut pas être calculée avec les informations du dossier : "
            + " ".join(error.messages),
        )
    except engine.RightsComputationError as error:
        record_failed(record, str(error))
    except Exception:
        logger.exception("rights assessment %s failed", record_id)
        record_failed(record, UNEXPECTED_FAILURE)
    else:
        record_done(record, assessment)
    return str(record.status)
