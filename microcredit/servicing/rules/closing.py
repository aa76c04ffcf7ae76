"""The end of a repaid loan, as pure rules: what closing waits for, and why no bonification is
due. The amount itself is the loan engine's (`loan_engine.bonification_amount`). No Django here.
"""

from __future__ import annotations

# The project's proof is a document of the dossier, filed through the documents rules.
INVOICE_KIND = "invoice"
INVOICE_LABEL = "Facture du projet"
MAX_REASON_LENGTH = 2000

PROOF_MISSING = (
    "Le justificatif du projet (la facture) n'est pas enregistré : déposez-le, ou dispensez-le "
    "en indiquant le motif."
)
BONIFICATION_MISSING = (
    "La bonification n'est pas enregistrée : enregistrez son versement par le CCAS, ou sa "
    "dispense en indiquant le motif."
)


def closing_blockers(
    *, repaid: bool, proof_recorded: bool, bonification_recorded: bool
) -> list[str]:
    """What prevents closing a dossier, in French; empty when it may be closed.

    A repaid loan waits for the project's proof and the CCAS's bonification, each recorded or
    waived with a reason. After a guarantee claim there is neither (`repaid` is False)."""
    if not repaid:
        return []
    problems = []
    if not proof_recorded:
        problems.append(PROOF_MISSING)
    if not bonification_recorded:
        problems.append(BONIFICATION_MISSING)
    return problems


def no_bonification_reason(*, enabled: bool, proven: bool, guarantee_called: bool) -> str:
    """Why the engine gives no bonification (a zero amount), for the person recording it."""
    if guarantee_called:
        return "Aucune bonification n'est due après un appel en garantie."
    if not enabled:
        return (
            "La bonification n'est pas prévue par les paramètres du dispositif : enregistrez sa "
            "dispense en indiquant le motif."
        )
    if not proven:
        return (
            "Le justificatif du projet a été dispensé : aucune bonification n'est due ; "
            "enregistrez sa dispense en indiquant le motif."
        )
    return "Le montant de la bonification est nul : enregistrez sa dispense en indiquant le motif."


def reason_problem(reason: str) -> str | None:
    """What is wrong with the reason of a waiver (already trimmed), in French; None if nothing."""
    if not reason:
        return "Indiquez le motif de la dispense."
    if len(reason) > MAX_REASON_LENGTH:
        return f"Le motif ne doit pas dépasser {MAX_REASON_LENGTH} caractères."
    return None
