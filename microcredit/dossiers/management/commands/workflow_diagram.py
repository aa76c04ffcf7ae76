"""`microcredit workflow_diagram`: write docs/workflow.md from the transition table.

The state diagram and the table of docs/workflow.md are generated from
microcredit/dossiers/workflow.py; `--check` fails when the file is not what the table gives (CI).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from microcredit.accounts.enums import Role
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.workflow import (
    FINAL_STATES,
    TRANSITIONS,
    Facts,
    Transition,
    blockers,
    mermaid_diagram,
)

_PRECONDITIONS = (
    ("needs_reason", "motif obligatoire"),
    ("needs_eligibility", "éligibilité vérifiée"),
    ("needs_documents", "pièces obligatoires déposées"),
    ("needs_consent", "consentement enregistré (date et document signé), partenaire bancaire"),
    ("needs_reorientation_scheme", "dispositif de réorientation choisi dans les paramètres"),
    ("needs_full_repayment", "prêt entièrement remboursé (échéancier et remboursements)"),
)


def default_path() -> Path:
    return Path(settings.BASE_DIR) / "docs" / "workflow.md"


def _states(states: frozenset[DossierState]) -> str:
    return ", ".join(s.label for s in DossierState if s in states)


def _roles(roles: frozenset[Role]) -> str:
    return ", ".join(r.label for r in Role if r in roles)


def _preconditions(transition: Transition) -> str:
    texts = [text for flag, text in _PRECONDITIONS if getattr(transition, flag)]
    # Read from the rules themselves: a failed eligibility asks for a reason on some moves.
    failed = Facts(
        eligibility_done=True,
        eligibility_ko=True,
        missing_documents=(),
        consent_recorded=True,
        has_bank_partner=True,
        loan_fully_repaid=True,
    )
    if not transition.needs_reason and blockers(transition, failed, reason="", scheme="code"):
        texts.append("motif si un critère d'éligibilité n'est pas rempli")
    return "; ".join(texts) or "—"


def render() -> str:
    """The whole of docs/workflow.md."""
    lines = [
        "# Cycle de vie d'un dossier / Dossier workflow",
        "",
        "Ce fichier est généré à partir de la table des transitions "
        "(`microcredit/dossiers/workflow.py`) par la commande `microcredit workflow_diagram` : "
        "ne le modifiez pas à la main. `microcredit workflow_diagram --check` vérifie qu'il est à "
        "jour.",
        "",
        "This file is generated from the transition table (`microcredit/dossiers/workflow.py`) "
        "by `microcredit workflow_diagram`: do not edit it by hand. "
        "`microcredit workflow_diagram --check` tells whether it is up to date.",
        "",
        "## Diagramme / Diagram",
        "",
        "```mermaid",
        mermaid_diagram().rstrip("\n"),
        "```",
        "",
        "## États / States",
        "",
        "| Code | État | Final |",
        "| --- | --- | --- |",
    ]
    for state in DossierState:
        lines.append(
            f"| `{state.value}` | {state.label} | {'oui' if state in FINAL_STATES else ''} |"
        )
    lines += [
        "",
        "## Transitions",
        "",
        "| Transition | Libellé | Depuis | Vers | Rôles | Conditions |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for t in TRANSITIONS:
        lines.append(
            f"| `{t.name}` | {t.label} | {_states(t.sources)} | {t.target.label} | "
            f"{_roles(t.roles)} | {_preconditions(t)} |"
        )
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = "Écrit docs/workflow.md (diagramme et table des transitions) à partir de la table."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="ne rien écrire ; échouer si le fichier n'est pas à jour",
        )
        parser.add_argument(
            "--output", type=Path, default=None, help="fichier à écrire (docs/workflow.md)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["output"] or default_path()
        text = render()
        if options["check"]:
            current = path.read_text(encoding="utf-8") if path.exists() else None
            if current != text:
                raise CommandError(
                    f"{path} n'est pas à jour : lancez `microcredit workflow_diagram`."
                )
            self.stdout.write(f"{path} est à jour.")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"{path} écrit.")
