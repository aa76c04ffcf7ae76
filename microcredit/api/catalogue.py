"""The catalogue of the API's error codes: every `code` an error answer may carry, with its HTTP
status, its meaning and whether the caller should retry (#18). One list, read by the schema (the
`ErrorCode` component), the documentation page and the tests (an answer's code must be here).

A service refusal answers 422 unless api.errors lists its code as a conflict (409) or as not
found (404); the status below is the one the API answers.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Retry(enum.StrEnum):
    NO = "no"  # fix the request first
    LATER = "later"  # the same request may succeed later (Retry-After, or backoff)
    SAME_KEY = "same_key"  # retry with the same Idempotency-Key: it is safe


@dataclass(frozen=True)
class ErrorSpec:
    status: int
    retry: Retry
    fr: str
    en: str


NO, LATER, SAME_KEY = Retry.NO, Retry.LATER, Retry.SAME_KEY

# code -> specification. Every code the API answers must be listed (tests check it).
CATALOGUE: dict[str, ErrorSpec] = {
    # ----------------------------------------------------------- the API's own (api.errors…)
    "unauthenticated": ErrorSpec(
        401, NO, "Jeton absent, inconnu ou révoqué.", "Missing, unknown or revoked token."
    ),
    "token_expired": ErrorSpec(
        401, NO, "Jeton expiré : créez-en un nouveau.", "Expired token: create a new one."
    ),
    "forbidden": ErrorSpec(
        403,
        NO,
        "Ce jeton n'est pas celui d'un conseiller (ou d'un compte de service) de la banque.",
        "This token is not a bank adviser's (or a bank service account's).",
    ),
    "insufficient_scope": ErrorSpec(
        403,
        NO,
        "Le jeton n'a pas le droit (read, decide, pay) qu'exige l'opération.",
        "The token lacks the scope (read, decide, pay) the operation needs.",
    ),
    "not_found": ErrorSpec(
        404,
        NO,
        "Dossier (ou objet) introuvable pour cette banque, ou adresse inconnue.",
        "Dossier (or object) not found for this bank, or unknown address.",
    ),
    "method_not_allowed": ErrorSpec(
        405, NO, "Méthode non permise pour cette adresse.", "Method not allowed on this address."
    ),
    "transition_refused": ErrorSpec(
        409,
        NO,
        "L'opération n'est pas possible dans l'état actuel du dossier.",
        "The operation is not possible in the dossier's current state.",
    ),
    "payload_too_large": ErrorSpec(
        413, NO, "Le corps de la requête est trop volumineux.", "The request body is too large."
    ),
    "invalid_input": ErrorSpec(
        422,
        NO,
        "Les données ne respectent pas le schéma (détail par champ dans errors).",
        "The data do not match the schema (details per field in errors).",
    ),
    "unknown_parameter": ErrorSpec(
        422,
        NO,
        "Paramètre de requête que l'opération ne déclare pas.",
        "Query parameter the operation does not declare.",
    ),
    "malformed_body": ErrorSpec(
        422,
        NO,
        "Corps illisible (JSON ou formulaire multipart mal formé).",
        "Unreadable body (malformed JSON or multipart form).",
    ),
    "upload_refused": ErrorSpec(
        422,
        NO,
        "Fichier refusé (type, taille ou nom).",
        "File refused (type, size or name).",
    ),
    "too_many_requests": ErrorSpec(
        429,
        LATER,
        "Trop d'appels avec ce jeton : réessayez après le délai de l'en-tête Retry-After.",
        "Too many calls with this token: retry after the Retry-After delay.",
    ),
    "internal_error": ErrorSpec(
        500,
        SAME_KEY,
        "Erreur inattendue du serveur : réessayez avec la même clé d'idempotence.",
        "Unexpected server error: retry with the same Idempotency-Key.",
    ),
    "idempotency_key_reused": ErrorSpec(
        409,
        NO,
        "Cette clé d'idempotence a déjà servi pour une autre requête.",
        "This Idempotency-Key was already used for another request.",
    ),
    "idempotency_key_in_use": ErrorSpec(
        409,
        LATER,
        "La première requête de cette clé est en cours : réessayez plus tard.",
        "The first request with this key is still running: retry later.",
    ),
    "invalid_idempotency_key": ErrorSpec(
        422,
        NO,
        "En-tête Idempotency-Key non valide (1 à 255 caractères ASCII imprimables).",
        "Invalid Idempotency-Key header (1 to 255 printable ASCII characters).",
    ),
    # ------------------------------------------------------------------- fields and files
    "required": ErrorSpec(422, NO, "Champ obligatoire manquant.", "Required field missing."),
    "invalid": ErrorSpec(422, NO, "Valeur non valide.", "Invalid value."),
    "too_long": ErrorSpec(422, NO, "Texte trop long.", "Text too long."),
    "nir": ErrorSpec(
        422,
        NO,
        "Un texte libre contient un numéro de sécurité sociale.",
        "A free text holds a social-security number.",
    ),
    "invalid_file": ErrorSpec(
        422, NO, "Fichier refusé (type, taille ou nom).", "File refused (type, size or name)."
    ),
    "duplicate_file": ErrorSpec(
        422,
        NO,
        "Ce fichier est déjà déposé sur le dossier.",
        "This file is already on the dossier.",
    ),
    # ----------------------------------------------------------- the decision (banking)
    "invalid_amount": ErrorSpec(
        422, NO, "Montant non valide (positif, au centime).", "Invalid amount (positive, cents)."
    ),
    "amount_out_of_range": ErrorSpec(
        422,
        NO,
        "Montant hors des bornes du dispositif (GET /schemes).",
        "Amount outside the scheme's bounds (GET /schemes).",
    ),
    "months_out_of_range": ErrorSpec(
        422,
        NO,
        "Durée hors des bornes du dispositif (GET /schemes).",
        "Duration outside the scheme's bounds (GET /schemes).",
    ),
    "deferral_out_of_range": ErrorSpec(
        422,
        NO,
        "Différé au-delà du maximum du dispositif (GET /schemes).",
        "Deferral beyond the scheme's maximum (GET /schemes).",
    ),
    "deferral_kind_required": ErrorSpec(
        422, NO, "Un différé exige son type.", "A deferral needs its kind."
    ),
    "deferral_kind_not_allowed": ErrorSpec(
        422,
        NO,
        "Type de différé que le dispositif n'autorise pas.",
        "Deferral kind the scheme does not allow.",
    ),
    "invalid_deferral_kind": ErrorSpec(
        422, NO, "Type de différé inconnu.", "Unknown deferral kind."
    ),
    "usury_exceeded": ErrorSpec(
        422,
        NO,
        "Le TAEG dépasse le seuil de l'usure.",
        "The APR exceeds the usury threshold.",
    ),
    "usury_unknown": ErrorSpec(
        422,
        LATER,
        "Seuil de l'usure inconnu pour cette date : le CCAS doit le saisir.",
        "Usury threshold unknown for this date: the CCAS must enter it.",
    ),
    "invalid_reason": ErrorSpec(
        422, NO, "Motif de refus hors de la liste.", "Refusal reason not in the list."
    ),
    # --------------------------------------------------------- the offer, the disbursement
    "future_date": ErrorSpec(422, NO, "Date dans le futur.", "Date in the future."),
    "before_decision": ErrorSpec(
        422,
        NO,
        "Date de signature antérieure à la décision.",
        "Signature date before the decision.",
    ),
    "before_offer": ErrorSpec(
        422,
        NO,
        "Date de décaissement antérieure à la signature de l'offre.",
        "Disbursement date before the offer's signature.",
    ),
    "offer_missing": ErrorSpec(
        409,
        NO,
        "L'offre signée n'est pas encore déposée.",
        "The signed offer is not uploaded yet.",
    ),
    "invalid_cheque_number": ErrorSpec(
        422, NO, "Numéro de chèque non valide.", "Invalid cheque number."
    ),
    "cheque_reused": ErrorSpec(
        422,
        NO,
        "Ce numéro de chèque sert déjà pour un autre prêt.",
        "This cheque number is already used for another loan.",
    ),
    "amount_mismatch": ErrorSpec(
        422,
        NO,
        "Montant du chèque différent du montant accordé.",
        "Cheque amount differs from the granted amount.",
    ),
    "payee_required": ErrorSpec(
        422, NO, "Bénéficiaire du chèque manquant.", "Cheque payee missing."
    ),
    "payee_is_borrower": ErrorSpec(
        422,
        NO,
        "Le bénéficiaire ne peut pas être l'emprunteur.",
        "The payee may not be the borrower.",
    ),
    "invalid_payee": ErrorSpec(422, NO, "Bénéficiaire non valide.", "Invalid payee."),
    "payee_change_reason_required": ErrorSpec(
        422,
        NO,
        "Un changement de bénéficiaire exige son motif.",
        "A change of payee needs its reason.",
    ),
    "payee_siret_required": ErrorSpec(
        422,
        NO,
        "Un changement de bénéficiaire exige son SIRET.",
        "A change of payee needs its SIRET.",
    ),
    "invalid_siret": ErrorSpec(422, NO, "SIRET non valide.", "Invalid SIRET."),
    # ------------------------------------------------------ repayments, incidents (loans)
    "unknown_dossier": ErrorSpec(
        404,
        NO,
        "Dossier inconnu de la banque (dans un lot ou un incident).",
        "Dossier unknown to the bank (in a batch or an incident).",
    ),
    "no_loan": ErrorSpec(
        409, NO, "Le dossier n'a pas encore de prêt décaissé.", "The dossier has no loan yet."
    ),
    "loan_closed": ErrorSpec(422, NO, "Le prêt est clos.", "The loan is closed."),
    "reference_conflict": ErrorSpec(
        409,
        NO,
        "Référence déjà reçue avec un autre contenu.",
        "Reference already received with other content.",
    ),
    "empty_batch": ErrorSpec(422, NO, "Lot vide.", "Empty batch."),
    "batch_too_large": ErrorSpec(
        422, NO, "Lot trop grand (voir maxItems).", "Batch too large (see maxItems)."
    ),
    "invalid_reference": ErrorSpec(422, NO, "Référence non valide.", "Invalid reference."),
    "invalid_kind": ErrorSpec(422, NO, "Nature d'incident inconnue.", "Unknown incident kind."),
    "invalid_keep": ErrorSpec(
        422,
        NO,
        "Choix du remboursement anticipé inconnu.",
        "Unknown early-repayment choice.",
    ),
    "before_disbursement": ErrorSpec(
        422,
        NO,
        "Date antérieure au décaissement du prêt.",
        "Date before the loan's disbursement.",
    ),
    "date_before_disbursement": ErrorSpec(
        422,
        NO,
        "Date antérieure au décaissement du prêt.",
        "Date before the loan's disbursement.",
    ),
    "date_before_last_version": ErrorSpec(
        422,
        NO,
        "Date antérieure au dernier remboursement anticipé.",
        "Date before the last early repayment.",
    ),
    "amount_exceeds_due": ErrorSpec(
        422,
        NO,
        "Montant supérieur à ce qui est dû à cette date.",
        "Amount above what is due on that date.",
    ),
    "amount_exceeds_payoff": ErrorSpec(
        422,
        NO,
        "Remboursement anticipé supérieur au solde du prêt.",
        "Early repayment above the loan's payoff.",
    ),
    "amount_too_small": ErrorSpec(
        422,
        NO,
        "Remboursement anticipé trop faible.",
        "Early repayment too small.",
    ),
    "loan_repaid": ErrorSpec(422, NO, "Le prêt est déjà remboursé.", "The loan is already repaid."),
    "zero_payment": ErrorSpec(422, NO, "Montant nul.", "Zero amount."),
    "negative_payment": ErrorSpec(422, NO, "Montant négatif.", "Negative amount."),
    "paid_through_out_of_range": ErrorSpec(
        422, NO, "Nombre d'échéances invalide.", "Invalid number of installments."
    ),
    # ------------------------------------------------------------- plans (servicing)
    "not_allowed": ErrorSpec(
        403,
        NO,
        "Seul le conseiller de la banque du prêt décide d'un plan.",
        "Only the adviser of the loan's bank decides on a plan.",
    ),
    "plan_decided": ErrorSpec(
        409,
        NO,
        "Plan déjà décidé dans l'autre sens.",
        "Plan already decided the other way.",
    ),
    "plan_outdated": ErrorSpec(
        409,
        NO,
        "Les impayés ont changé depuis la proposition : refusez le plan.",
        "The arrears changed since the proposal: refuse the plan.",
    ),
    "plan_open": ErrorSpec(
        409, NO, "Un autre plan est déjà en cours.", "Another plan is already open."
    ),
    "no_arrears": ErrorSpec(409, NO, "Plus rien n'est impayé.", "Nothing is overdue any more."),
    "loan_not_active": ErrorSpec(409, NO, "Le prêt est clos.", "The loan is closed."),
    # ------------------------------------------------------ guarantee claims (servicing)
    "claim_conflict": ErrorSpec(
        409,
        NO,
        "Appel (ou paiement) déjà enregistré avec d'autres données.",
        "Claim (or payment) already recorded with other data.",
    ),
    "no_claim": ErrorSpec(
        409, NO, "La garantie n'a pas été appelée.", "The guarantee was not called."
    ),
}


def is_known(code: str) -> bool:
    return code in CATALOGUE
