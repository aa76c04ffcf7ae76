from django.db import models


class LetterKind(models.TextChoices):
    COMMITTEE_ADJOURNMENT = "committee_adjournment", "ajournement par la commission"
    COMMITTEE_REFUSAL = "committee_refusal", "refus de la commission"
    COMMITTEE_REORIENTATION = "committee_reorientation", "réorientation par la commission"
    BANK_ACCEPTANCE = "bank_acceptance", "accord de la banque"
    BANK_REFUSAL = "bank_refusal", "refus de la banque"


# The dossier transition (dossiers.workflow) after which each letter is written.
LETTER_FOR_TRANSITION: dict[str, str] = {
    "adjourn": LetterKind.COMMITTEE_ADJOURNMENT,
    "refuse_by_committee": LetterKind.COMMITTEE_REFUSAL,
    "committee_reorient": LetterKind.COMMITTEE_REORIENTATION,
    "bank_accept": LetterKind.BANK_ACCEPTANCE,
    "bank_refuse": LetterKind.BANK_REFUSAL,
}
