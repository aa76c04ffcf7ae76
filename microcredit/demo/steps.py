"""What the team does on a demo dossier (its steps, played as the demo users) and the
commission's sessions of the demo year."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Step:
    """One thing the team does on a dossier, acting as the demo user `by`."""

    action: str  # move, check, upload, consent, agenda, share, closing
    by: str = "referent"
    transition: str = ""
    reason: str = ""
    scheme: str = ""
    kinds: tuple[str, ...] = ()  # upload: these kinds; empty = whatever the checklist still lacks
    note: str = ""  # upload: printed in the file, so that a second version differs
    session: date | None = None  # agenda: the commission session
    refusal: str = ""  # bank_refuse: the reason from the bank's list


def move(
    transition: str, reason: str = "", *, by: str = "referent", scheme: str = "", refusal: str = ""
) -> Step:
    return Step("move", by=by, transition=transition, reason=reason, scheme=scheme, refusal=refusal)


def check() -> Step:
    return Step("check")


def upload(*kinds: str, by: str = "agent", note: str = "") -> Step:
    return Step("upload", by=by, kinds=kinds, note=note)


def consent() -> Step:
    return Step("consent")


def agenda(session: date) -> Step:
    return Step("agenda", session=session)


def share() -> Step:
    return Step("share")


def closing_records() -> Step:
    """The project's invoice filed and the CCAS's bonification paid (before « close »)."""
    return Step("closing")


# The commission's sessions in 2026. The last one, still to come when the demo was written, is
# held on the day the demo is first loaded at the latest (see `DemoPlayer._session`).
S_FEB, S_MAR, S_MAY = date(2026, 2, 12), date(2026, 3, 12), date(2026, 5, 7)
S_JUN, S_JUL, S_SEP = date(2026, 6, 11), date(2026, 7, 9), date(2026, 9, 10)
S_OCT, S_NOV, S_DEC = date(2026, 10, 8), date(2026, 11, 12), date(2026, 12, 10)
SESSIONS = (S_FEB, S_MAR, S_MAY, S_JUN, S_JUL, S_SEP, S_OCT, S_NOV, S_DEC)
SESSION_PLACE = "CCAS de Saint-Étienne, salle de la commission"

FIRST_PAPERS = ("piece_d_identite", "justificatif_de_domicile")


def diagnosis() -> tuple[Step, ...]:
    return (move("start_diagnosis", "Premier entretien : projet et budget à examiner."),)


def instruction(*papers: str) -> tuple[Step, ...]:
    return (
        *diagnosis(),
        check(),
        move("start_instruction", "Diagnostic budgétaire fait avec la personne."),
        upload(*(papers or FIRST_PAPERS)),
    )


def ready(session: date) -> tuple[Step, ...]:
    return (
        *instruction(),
        upload(),
        consent(),
        move("submit_to_committee", "Dossier complet, budget équilibré avec la mensualité."),
        agenda(session),
    )


def transmitted(session: date) -> tuple[Step, ...]:
    return (
        *ready(session),
        move("transmit_to_bank", "Avis favorable de la commission.", by="commission"),
    )


def disbursed(session: date) -> tuple[Step, ...]:
    return (
        *transmitted(session),
        move("bank_accept", "Prêt accordé aux conditions demandées.", by="banque"),
        move("disburse", "Chèque remis au fournisseur.", by="banque"),
    )
