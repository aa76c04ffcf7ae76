from django.db import models


class LetterKind(models.TextChoices):
    COMMITTEE_ADJOURNMENT = "committee_adjournment", "ajournement par la commission"
    COMMITTEE_REFUSAL = "committee_refusal", "refus de la commission"
    COMMITTEE_REORIENTATION = "committee_reorientation", "réorientation par la commission"
    BANK_ACCEPTANCE = "bank_acceptance", "accord de la banque"
    BANK_REFUSAL = "bank_refusal", "refus de la banque"
    DISBURSEMENT = "disbursement", "versement du prêt et échéancier"
    MISSED_INSTALLMENT = "missed_installment", "mensualité impayée"
    REPAYMENT_PLAN = "repayment_plan", "plan de reprise accepté"
    GUARANTEE_CALL = "guarantee_call", "appel en garantie"
    CLOSING = "closing", "clôture du prêt"


# The dossier transition (dossiers.workflow) after which each letter is written.
LETTER_FOR_TRANSITION: dict[str, str] = {
    "adjourn": LetterKind.COMMITTEE_ADJOURNMENT,
    "refuse_by_committee": LetterKind.COMMITTEE_REFUSAL,
    "committee_reorient": LetterKind.COMMITTEE_REORIENTATION,
    "bank_accept": LetterKind.BANK_ACCEPTANCE,
    "bank_refuse": LetterKind.BANK_REFUSAL,
    "disburse": LetterKind.DISBURSEMENT,
    "call_guarantee": LetterKind.GUARANTEE_CALL,
    "close": LetterKind.CLOSING,
}

# The letters servicing asks for (servicing.hooks.letter_due), once per loan and key: the missed
# installment's due date (ISO, YYYY-MM-DD), the repayment plan's id.
SERVICING_LETTERS: frozenset[str] = frozenset(
    {LetterKind.MISSED_INSTALLMENT, LetterKind.REPAYMENT_PLAN}
)

# The decision letters: what a decision about the dossier or the loan says to the applicant (the
# commission's, the bank's, the cheque handed over with its schedule, the guarantee called, the
# loan closed, a repayment plan the bank agreed). With the applicant's consent to e-mail
# notifications (Applicant.notifications_consent_at) they are also e-mailed, as their PDF,
# once each (letters.emailing). The letter about a missed installment reports a fact, not a
# decision: it is posted only.
DECISION_LETTERS: frozenset[str] = frozenset(
    {*LETTER_FOR_TRANSITION.values(), LetterKind.REPAYMENT_PLAN}
)
