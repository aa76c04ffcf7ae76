"""The words of the letters to the applicant: default texts per kind and the fixed sentences.

No Django here (an import-linter contract checks it). The applicants are people going through
hard times: each letter says plainly what was decided, why, what happens next and whom to call.
An organisation may replace the subject, the opening and closing paragraphs and the signatory
(`LetterTemplate`); the decision itself, the reason, the figures and the contact stay fixed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from microcredit.core.formatting import format_eur

# The kinds (the values of letters.enums.LetterKind, which imports Django).
COMMITTEE_ADJOURNMENT = "committee_adjournment"
COMMITTEE_REFUSAL = "committee_refusal"
COMMITTEE_REORIENTATION = "committee_reorientation"
BANK_ACCEPTANCE = "bank_acceptance"
BANK_REFUSAL = "bank_refusal"

DEFAULT_SIGNATORY = "La Présidente du CCAS"


@dataclass(frozen=True, slots=True)
class LetterTexts:
    """The parts of a letter an organisation may write in its own words (plain text)."""

    subject: str
    introduction: str
    conclusion: str
    signatory: str


DEFAULT_TEXTS: dict[str, LetterTexts] = {
    COMMITTEE_ADJOURNMENT: LetterTexts(
        subject="Votre demande de micro-crédit : la commission a besoin d'informations",
        introduction=(
            "La Commission Permanente du CCAS a examiné votre demande de micro-crédit. Elle ne "
            "peut pas encore prendre sa décision, car il lui manque des informations. Votre "
            "demande n'est pas refusée : elle est mise en attente."
        ),
        conclusion=(
            "Si vous avez du mal à réunir ces informations, ou si vous ne comprenez pas ce qui "
            "vous est demandé, appelez-nous : nous chercherons une solution ensemble.\n\n"
            "Nous vous adressons nos salutations les meilleures."
        ),
        signatory=DEFAULT_SIGNATORY,
    ),
    COMMITTEE_REFUSAL: LetterTexts(
        subject="Votre demande de micro-crédit : la réponse de la commission",
        introduction=(
            "La Commission Permanente du CCAS a examiné avec attention votre demande de "
            "micro-crédit. Nous sommes désolés de vous annoncer qu'elle n'a pas pu l'accepter."
        ),
        conclusion=(
            "Cette décision ne met pas fin à notre accompagnement. Votre référent peut vous "
            "recevoir pour faire le point avec vous et chercher d'autres solutions. N'hésitez "
            "pas à nous appeler.\n\n"
            "Nous vous adressons nos salutations les meilleures."
        ),
        signatory=DEFAULT_SIGNATORY,
    ),
    COMMITTEE_REORIENTATION: LetterTexts(
        subject="Votre demande de micro-crédit : une autre solution vous est proposée",
        introduction=(
            "La Commission Permanente du CCAS a examiné avec attention votre demande de "
            "micro-crédit. Elle pense qu'une autre aide répondra mieux à votre situation qu'un "
            "prêt, et elle vous propose de vous tourner vers elle."
        ),
        conclusion=(
            "Vous n'êtes pas seul ou seule pour ces démarches : appelez-nous pour prendre "
            "rendez-vous avec votre référent.\n\n"
            "Nous vous adressons nos salutations les meilleures."
        ),
        signatory=DEFAULT_SIGNATORY,
    ),
    BANK_ACCEPTANCE: LetterTexts(
        subject="Votre micro-crédit est accordé",
        introduction=(
            "Nous avons le plaisir de vous annoncer une bonne nouvelle : après l'avis favorable "
            "de la Commission Permanente du CCAS, la banque partenaire a accepté de vous "
            "accorder votre micro-crédit."
        ),
        conclusion=(
            "Votre référent reste à vos côtés pendant toute la durée du prêt. Si un jour une "
            "mensualité devient difficile à payer, appelez-nous tout de suite, sans attendre : "
            "des solutions existent.\n\n"
            "Nous vous adressons nos salutations les meilleures."
        ),
        signatory=DEFAULT_SIGNATORY,
    ),
    BANK_REFUSAL: LetterTexts(
        subject="Votre demande de micro-crédit : la réponse de la banque",
        introduction=(
            "La Commission Permanente du CCAS avait transmis votre demande de micro-crédit à la "
            "banque partenaire. Nous sommes désolés de vous annoncer que la banque n'a pas "
            "accepté de vous accorder ce prêt."
        ),
        conclusion=(
            "Cette décision ne met pas fin à notre accompagnement. Votre référent peut vous "
            "recevoir pour examiner avec vous d'autres solutions. N'hésitez pas à nous "
            "appeler.\n\n"
            "Nous vous adressons nos salutations les meilleures."
        ),
        signatory=DEFAULT_SIGNATORY,
    ),
}

# What was decided, in one sentence, at the top of the fixed part.
DECISIONS: dict[str, str] = {
    COMMITTEE_ADJOURNMENT: "Décision : votre demande est mise en attente (ajournée).",
    COMMITTEE_REFUSAL: "Décision : votre demande de micro-crédit est refusée.",
    COMMITTEE_REORIENTATION: "Décision : la commission vous oriente vers une autre aide.",
    BANK_ACCEPTANCE: "Décision : votre micro-crédit est accordé.",
    BANK_REFUSAL: "Décision : la banque refuse le prêt.",
}

# The heading above the reason.
REASON_HEADINGS: dict[str, str] = {
    COMMITTEE_ADJOURNMENT: "Les informations que la commission vous demande",
    COMMITTEE_REFUSAL: "Pourquoi la commission a pris cette décision",
    COMMITTEE_REORIENTATION: "Pourquoi la commission vous propose cette solution",
    BANK_ACCEPTANCE: "",
    BANK_REFUSAL: "Pourquoi la banque a pris cette décision",
}

# What happens next: fixed, whatever the organisation writes around it.
NEXT_STEPS: dict[str, str] = {
    COMMITTEE_ADJOURNMENT: (
        "Réunissez les informations demandées ci-dessus et transmettez-les à votre référent. "
        "Votre dossier sera ensuite présenté de nouveau à la commission, qui prendra alors sa "
        "décision. Vous recevrez un courrier pour vous la faire connaître."
    ),
    COMMITTEE_REFUSAL: (
        "Votre demande de micro-crédit s'arrête ici. Si votre situation change, vous pourrez "
        "présenter une nouvelle demande."
    ),
    COMMITTEE_REORIENTATION: (
        "Votre demande de micro-crédit s'arrête ici. Votre référent vous explique comment "
        "demander l'aide proposée et peut vous accompagner dans vos démarches."
    ),
    BANK_ACCEPTANCE: (
        "La banque partenaire va vous proposer l'offre de prêt à signer. Une fois l'offre "
        "signée, la banque remet un chèque directement au bénéficiaire prévu pour votre projet : "
        "la somme ne vous est pas versée à vous. Les dates de l'échéancier ci-dessous sont "
        "provisoires : elles deviendront définitives le jour de la remise du chèque."
    ),
    BANK_REFUSAL: (
        "Votre demande de micro-crédit s'arrête ici. Si votre situation change, vous pourrez "
        "en parler avec votre référent."
    ),
}

NO_REASON = "Aucune précision n'a été donnée. Votre référent peut vous en dire plus."


def reorientation_reason(full_reason: str, scheme_label: str) -> str:
    """The commission's own words, without the "Réorienté vers : …" the event reason starts with."""
    prefix = f"Réorienté vers : {scheme_label}."
    text = full_reason.strip()
    if scheme_label and text.startswith(prefix):
        text = text[len(prefix) :].strip()
    return text


def deferral_sentence(months: int, kind: str) -> str:
    """The deferral in plain words (`kind` as stored on the dossier: none/interest_only/...)."""
    if months <= 0 or kind == "none":
        return "aucun : les mensualités commencent le mois suivant le versement"
    period = f"{months} mois"
    if kind == "capitalised":
        return (
            f"{period} sans rien payer (les intérêts de cette période s'ajoutent au montant "
            "à rembourser)"
        )
    return f"{period} pendant lesquels vous ne payez que les intérêts"


def bonification_sentence(enabled: bool, amount: Decimal | None, cap: Decimal | None) -> str:
    """The bonus refund promised when the scheme's parameters enable it; "" otherwise.

    `amount` is the refund the schedule gives when every installment is paid, `cap` the
    ceiling from the parameters."""
    if not enabled:
        return ""
    text = (
        "Un coup de pouce à la fin du prêt : quand vous aurez remboursé tout votre prêt et "
        "montré que votre projet a bien été réalisé (avec la facture, par exemple), le CCAS vous "
        "rembourse le montant de la dernière mensualité que vous aurez payée"
    )
    if cap is not None:
        text += f", dans la limite de {format_eur(cap)}"
    if amount:
        text += f", soit {format_eur(amount)} d'après l'échéancier ci-dessous"
    return text + "."
