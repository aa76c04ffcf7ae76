"""The dossier's life as an explicit transition table: from which states, to which, by whom.

Every move of a dossier goes through `microcredit.dossiers.services.dossier_transition`, which
reads this table; `tests/dossiers/test_workflow.py` walks every (role × state × transition) and
`microcredit workflow_diagram` renders `docs/workflow.md` from it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from microcredit.accounts.enums import Role
from microcredit.dossiers.enums import DossierState as S

R = Role


@dataclass(frozen=True)
class Transition:
    name: str
    label: str  # the button's words
    sources: frozenset[S]
    target: S
    roles: frozenset[Role]
    needs_reason: bool = False
    needs_eligibility: bool = False
    needs_documents: bool = False
    needs_consent: bool = False
    needs_reorientation_scheme: bool = False
    needs_full_repayment: bool = False
    # "" for a move made from the dossier page; otherwise the one flow that records it with
    # what it needs beyond a reason: "commission" (a decision on a session's agenda) or
    # "bank" (the bank portal or API: terms, reason from the list, cheque).
    flow: str = ""

    def allows(self, state: str, role: str) -> bool:
        return state in self.sources and role in self.roles


def _t(
    name: str,
    label: str,
    sources: Iterable[S],
    target: S,
    roles: Iterable[Role],
    flow: str = "",
    **needs: bool,
) -> Transition:
    return Transition(name, label, frozenset(sources), target, frozenset(roles), flow=flow, **needs)


# States before disbursement in which the applicant may still withdraw.
BEFORE_DISBURSEMENT = (
    S.RECEPTION,
    S.DIAGNOSIS,
    S.INSTRUCTION,
    S.READY_FOR_COMMITTEE,
    S.ADJOURNED,
    S.TRANSMITTED_TO_BANK,
    S.GRANTED,
)
CASEWORKERS = (R.REFERENT, R.DIRECTOR)
COMMITTEE = (R.COMMITTEE_MEMBER, R.DIRECTOR)

TRANSITIONS: tuple[Transition, ...] = (
    _t("start_diagnosis", "Commencer le diagnostic", [S.RECEPTION], S.DIAGNOSIS,
       [R.REFERENT, R.AGENT, R.DIRECTOR]),
    _t("start_instruction", "Passer en instruction", [S.DIAGNOSIS], S.INSTRUCTION, CASEWORKERS,
       needs_eligibility=True),
    _t("submit_to_committee", "Présenter à la commission", [S.INSTRUCTION, S.ADJOURNED],
       S.READY_FOR_COMMITTEE, CASEWORKERS, needs_eligibility=True, needs_documents=True),
    _t("resume_instruction", "Reprendre l'instruction", [S.ADJOURNED], S.INSTRUCTION, CASEWORKERS),
    _t("adjourn", "Ajourner (informations demandées)", [S.READY_FOR_COMMITTEE], S.ADJOURNED,
       COMMITTEE, "commission", needs_reason=True),
    _t("refuse_by_committee", "Refuser", [S.READY_FOR_COMMITTEE], S.REFUSED_BY_COMMITTEE,
       COMMITTEE, "commission", needs_reason=True),
    _t("transmit_to_bank", "Transmettre à la banque", [S.READY_FOR_COMMITTEE],
       S.TRANSMITTED_TO_BANK, COMMITTEE, "commission", needs_consent=True),
    _t("committee_reorient", "Réorienter", [S.READY_FOR_COMMITTEE], S.REORIENTED, COMMITTEE,
       "commission", needs_reorientation_scheme=True),
    _t("reorient", "Réorienter vers un autre dispositif",
       [S.RECEPTION, S.DIAGNOSIS, S.INSTRUCTION, S.ADJOURNED], S.REORIENTED, CASEWORKERS,
       needs_reorientation_scheme=True),
    _t("withdraw", "Enregistrer l'abandon", BEFORE_DISBURSEMENT, S.WITHDRAWN,
       [R.REFERENT, R.AGENT, R.DIRECTOR], needs_reason=True),
    _t("bank_accept", "Accorder le prêt", [S.TRANSMITTED_TO_BANK], S.GRANTED, [R.BANK_ADVISER],
       "bank"),
    _t("bank_refuse", "Refuser le prêt", [S.TRANSMITTED_TO_BANK], S.REFUSED_BY_BANK,
       [R.BANK_ADVISER], "bank", needs_reason=True),
    _t("disburse", "Enregistrer le décaissement", [S.GRANTED], S.DISBURSED, [R.BANK_ADVISER],
       "bank"),
    _t("record_repaid", "Constater le remboursement complet", [S.DISBURSED], S.REPAID,
       [R.BANK_ADVISER], needs_full_repayment=True),
    _t("call_guarantee", "Appeler la garantie", [S.DISBURSED], S.GUARANTEE_CALLED,
       [R.BANK_ADVISER], "bank", needs_reason=True),
    _t("close", "Clôturer le dossier", [S.REPAID, S.GUARANTEE_CALLED], S.CLOSED, CASEWORKERS),
)  # fmt: skip

TRANSITIONS_BY_NAME = {t.name: t for t in TRANSITIONS}
FINAL_STATES = frozenset(
    {S.REFUSED_BY_COMMITTEE, S.REFUSED_BY_BANK, S.REORIENTED, S.WITHDRAWN, S.CLOSED}
)
# States in which the project, the loan asked for and the applicant may still be edited.
EDITABLE_STATES = frozenset({S.RECEPTION, S.DIAGNOSIS, S.INSTRUCTION, S.ADJOURNED})


FLOW_PLACES = {
    "commission": "depuis la séance de la commission où le dossier est inscrit",
    "bank": "depuis le portail ou l'API du partenaire bancaire",
}


def transitions_for(state: str, role: str | None) -> list[Transition]:
    """The moves `role` may make from `state` on the dossier page (not those of a flow)."""
    return [t for t in TRANSITIONS if role is not None and not t.flow and t.allows(state, role)]


# The move whose preconditions the apps above answer (the project proof, the bonification).
CLOSE = "close"


@dataclass(frozen=True)
class Facts:
    """What the preconditions read, gathered by the service under the row lock."""

    eligibility_done: bool
    eligibility_ko: bool
    missing_documents: tuple[str, ...]
    consent_recorded: bool
    has_bank_partner: bool
    loan_fully_repaid: bool = False  # every row of the schedule paid (read only when needed)
    # What the apps above still need before « close » (hooks.closing_blockers; read only then).
    closing_blockers: tuple[str, ...] = ()


def blockers(transition: Transition, facts: Facts, *, reason: str, scheme: str) -> list[str]:
    """French sentences saying what prevents the move; empty when it may happen."""
    problems: list[str] = []
    if transition.needs_reason and not reason.strip():
        problems.append("Indiquez le motif.")
    if transition.needs_reorientation_scheme and not scheme:
        problems.append("Choisissez le dispositif vers lequel la personne est réorientée.")
    if transition.needs_eligibility:
        if not facts.eligibility_done:
            problems.append(
                "Vérifiez d'abord l'éligibilité (elle doit être refaite après chaque "
                "modification du dossier)."
            )
        elif facts.eligibility_ko and transition.name == "submit_to_committee" and not reason:
            problems.append(
                "Un critère d'éligibilité n'est pas rempli : indiquez pourquoi le dossier est "
                "tout de même présenté à la commission."
            )
    if transition.needs_documents and facts.missing_documents:
        problems.append("Pièces manquantes : " + ", ".join(facts.missing_documents) + ".")
    if transition.needs_consent:
        if not facts.consent_recorded:
            problems.append(
                "Le consentement du demandeur à la transmission à la banque n'est pas "
                "enregistré (date et document signé)."
            )
        if not facts.has_bank_partner:
            problems.append("Le dispositif n'a pas de partenaire bancaire.")
    if transition.needs_full_repayment and not facts.loan_fully_repaid:
        problems.append(
            "Le prêt n'est pas entièrement remboursé d'après son échéancier et les "
            "remboursements enregistrés."
        )
    if transition.name == CLOSE:
        problems.extend(facts.closing_blockers)
    return problems


def mermaid_diagram() -> str:
    """The table as a Mermaid state diagram (docs/workflow.md)."""
    lines = ["stateDiagram-v2", "    [*] --> reception"]
    for t in TRANSITIONS:
        roles = ", ".join(sorted(Role(r).label for r in t.roles))
        for source in sorted(t.sources):
            lines.append(f"    {source} --> {t.target}: {t.name} ({roles})")
    for state in sorted(FINAL_STATES):
        lines.append(f"    {state} --> [*]")
    return "\n".join(lines) + "\n"
