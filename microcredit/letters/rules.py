"""The words of the letters to the applicant: default texts per kind and the fixed sentences.

No Django here (an import-linter contract checks it). The applicants are people going through
hard times: each letter says plainly what was decided, why, what happens next and whom to call.
An organisation may replace the subject, the opening and closing paragraphs and the signatory
(`LetterTemplate`); the decision itself, the reason, the figures and the contact stay fixed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from microcredit.core.formatting import format_date, format_eur

# The kinds (the values of letters.enums.LetterKind, which imports Django).
COMMITTEE_ADJOURNMENT = "committee_adjournment"
COMMITTEE_REFUSAL = "committee_refusal"
COMMITTEE_REORIENTATION = "committee_reorientation"
BANK_ACCEPTANCE = "bank_acceptance"
BANK_REFUSAL = "bank_refusal"
DISBURSEMENT = "disbursement"
MISSED_INSTALLMENT = "missed_installment"
REPAYMENT_PLAN = "repayment_plan"
GUARANTEE_CALL = "guarantee_call"
CLOSING = "closing"

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
    DISBURSEMENT: LetterTexts(
        subject="Votre micro-crédit est versé : votre échéancier",
        introduction=(
            "Votre micro-crédit est maintenant versé : la banque partenaire a remis le chèque "
            "pour votre projet. Vous trouverez dans ce courrier les dates et les montants de vos "
            "mensualités."
        ),
        conclusion=(
            "Votre référent reste à vos côtés pendant toute la durée du prêt. Si un jour une "
            "mensualité devient difficile à payer, appelez-nous tout de suite, sans attendre : "
            "des solutions existent.\n\n"
            "Nous vous souhaitons une belle réussite dans votre projet et vous adressons nos "
            "salutations les meilleures."
        ),
        signatory=DEFAULT_SIGNATORY,
    ),
    MISSED_INSTALLMENT: LetterTexts(
        subject="Votre micro-crédit : une mensualité n'a pas été payée",
        introduction=(
            "La banque partenaire nous indique qu'une mensualité de votre micro-crédit n'a pas "
            "été payée. Cela peut arriver à tout le monde, et nous sommes là pour vous aider."
        ),
        conclusion=(
            "Si vous traversez une période difficile, n'attendez pas : parlez-en avec votre "
            "référent. Ensemble, vous pourrez chercher la solution qui vous convient.\n\n"
            "Nous vous adressons nos salutations les meilleures."
        ),
        signatory=DEFAULT_SIGNATORY,
    ),
    REPAYMENT_PLAN: LetterTexts(
        subject="Votre micro-crédit : votre plan de reprise est accepté",
        introduction=(
            "Vous avez préparé avec votre référent un plan de reprise pour rattraper le retard "
            "de votre micro-crédit. Nous avons le plaisir de vous annoncer que la banque "
            "partenaire l'a accepté."
        ),
        conclusion=(
            "Si ce nouvel échéancier devient difficile à tenir, appelez votre référent tout de "
            "suite, sans attendre.\n\n"
            "Nous vous adressons nos salutations les meilleures."
        ),
        signatory=DEFAULT_SIGNATORY,
    ),
    GUARANTEE_CALL: LetterTexts(
        subject="Votre micro-crédit : la banque a fait appel à la garantie",
        introduction=(
            "Nous vous écrivons au sujet de votre micro-crédit. Plusieurs mensualités n'ont pas "
            "pu être payées, et la banque partenaire a mis fin au prêt. Elle a demandé au garant "
            "du prêt de lui rembourser une partie de ce qui restait dû."
        ),
        conclusion=(
            "Nous savons que cette période peut être difficile. Vous n'êtes pas seul ou seule : "
            "votre référent peut vous recevoir pour faire le point avec vous.\n\n"
            "Nous vous adressons nos salutations les meilleures."
        ),
        signatory=DEFAULT_SIGNATORY,
    ),
    CLOSING: LetterTexts(
        subject="Votre micro-crédit : votre dossier est clôturé",
        introduction=(
            "Nous vous écrivons pour vous informer que votre dossier de micro-crédit est "
            "maintenant clôturé."
        ),
        conclusion=(
            "Merci de la confiance que vous nous avez accordée. Si vous avez besoin de nous à "
            "l'avenir, nos services restent à votre écoute.\n\n"
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
    DISBURSEMENT: "",
    MISSED_INSTALLMENT: "",
    REPAYMENT_PLAN: "",
    GUARANTEE_CALL: "",
    CLOSING: "",
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
    DISBURSEMENT: (
        "Les mensualités sont prélevées par la banque aux dates de l'échéancier ci-dessous. "
        "Veillez à ce que votre compte soit approvisionné quelques jours avant chaque date. "
        "Gardez ce courrier : il vous servira de repère jusqu'à la fin du prêt."
    ),
    MISSED_INSTALLMENT: (
        "Si vous le pouvez, réglez ce montant à la banque dès que possible. Si c'est difficile "
        "en ce moment, appelez votre référent : il peut vous aider à faire le point sur votre "
        "budget et, si besoin, préparer avec vous un plan de reprise qui étale le retard sur "
        "plusieurs mois. Si vous avez payé entre-temps, ne tenez pas compte de ce courrier."
    ),
    REPAYMENT_PLAN: (
        "À partir de maintenant, ce sont les dates et les montants du nouvel échéancier "
        "ci-dessous qui comptent. Veillez à ce que votre compte soit approvisionné quelques "
        "jours avant chaque date."
    ),
    GUARANTEE_CALL: (
        "Prenez rendez-vous avec votre référent : il fera le point avec vous sur ce qui reste "
        "à régler avec la banque et sur votre budget. Si vos dettes sont devenues trop lourdes, "
        "il peut vous aider à préparer un dossier auprès de la commission de surendettement de "
        "la Banque de France."
    ),
    CLOSING: (
        "Vous n'avez plus rien à faire pour ce micro-crédit. Gardez ce courrier avec vos "
        "papiers importants."
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


# --- The letters after the cheque ------------------------------------------------------------


def disbursement_decision(amount: Decimal, on: date, payee: str) -> str:
    text = f"Votre micro-crédit de {format_eur(amount)} a été versé le {format_date(on)}"
    if payee:
        text += f" : le chèque a été remis à {payee}"
    return text + "."


def missed_installment_decision(due_date: date) -> str:
    return f"Nous n'avons pas reçu le paiement de votre mensualité du {format_date(due_date)}."


def overdue_sentence(amount: Decimal, on: date) -> str:
    return f"Au {format_date(on)}, le montant à rattraper est de {format_eur(amount)}."


def repayment_plan_decision(amount: Decimal, months: int) -> str:
    return (
        f"Votre plan de reprise est accepté : le retard de {format_eur(amount)} est étalé sur "
        f"{months} mois."
    )


def plan_mode_sentence(mode: str) -> str:
    """The plan's mode (servicing's values: on_top / instead) in plain words."""
    if mode == "instead":
        return (
            "Pendant le plan, vos mensualités habituelles sont remplacées par les échéances du "
            "plan, qui comprennent aussi ce qui restait à rembourser."
        )
    return (
        "Pendant le plan, une somme s'ajoute à chacune de vos mensualités habituelles "
        "pour rattraper le retard."
    )


PLAN_AGREEMENT_HEADING = "Ce que vous avez convenu avec votre référent"

GUARANTEE_CALL_DECISION = (
    "La banque a mis fin à votre prêt (déchéance du terme) et a fait appel à la garantie."
)
GUARANTEE_EXPLAINED = (
    "La garantie ne vous est pas versée à vous : c'est le garant qui rembourse à la banque une "
    "partie de ce qui restait dû."
)

CLOSING_REPAID_DECISION = (
    "Vous avez remboursé tout votre prêt : félicitations ! Votre dossier est clôturé."
)
CLOSING_AFTER_CLAIM_DECISION = "Votre dossier de micro-crédit est clôturé."
NO_BONIFICATION_AFTER_CLAIM = (
    "Après un appel en garantie, le coup de pouce de fin de prêt (le remboursement de la "
    "dernière mensualité par le CCAS) ne peut pas être versé."
)
BONIFICATION_WAIVED_HEADING = "Le coup de pouce de fin de prêt"


def bonification_paid_sentence(amount: Decimal, on: date, mode_label: str) -> str:
    """The CCAS's refund of the last installment, paid (`mode_label`: « virement », ...)."""
    how = f" par {mode_label}" if mode_label else ""
    return (
        "Comme promis, le CCAS vous rembourse la dernière mensualité que vous avez payée : "
        f"{format_eur(amount)}, versés le {format_date(on)}{how}."
    )


def bonification_waived_sentence(reason: str) -> str:
    text = "Le CCAS ne verse pas de coup de pouce de fin de prêt pour ce micro-crédit."
    if reason.strip():
        text += f" Motif : {reason.strip().rstrip('.')}."
    return text
