"""Writes of loans: the loan created at the disbursement (`schedules`), the bank's repayments
(`repayments`) and incidents (`incidents`).

Repayments and incidents are idempotent by the bank's reference: the same reference with the
same content is "already recorded", with another content a conflict. A batch is all-or-nothing.
"""

from microcredit.loans.services.incidents import incident_record, incident_record_for_loan
from microcredit.loans.services.repayments import (
    MAX_BATCH,
    BatchResult,
    RepaymentLine,
    repayment_record_for_loan,
    repayments_record_batch,
)
from microcredit.loans.services.schedules import loan_create

__all__ = [
    "MAX_BATCH",
    "BatchResult",
    "RepaymentLine",
    "incident_record",
    "incident_record_for_loan",
    "loan_create",
    "repayment_record_for_loan",
    "repayments_record_batch",
]
