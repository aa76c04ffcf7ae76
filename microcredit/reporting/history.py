"""A scheme's history brought from a spreadsheet: what the pure rules need from the database
(the scheme's purposes, the activities, the household types), the French sentences of their
problems, the columns' documentation and the downloadable template.

The rules themselves (reading the file, checking each row) are in `history_rules`, without
Django; the writes in `services.history_import`.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from microcredit.applicants.enums import Activity, HouseholdType
from microcredit.dossiers.models import Dossier
from microcredit.programmes.models import Programme, ProgrammeVersion
from microcredit.reporting import history_rules as rules
from microcredit.reporting.history_rules import (
    COLUMNS,
    HOUSEHOLDS,
    MAX_PROBLEMS,
    Checked,
    HistoryRow,
    Problem,
    PurposeSet,
    RawTable,
    Vocabulary,
)

# The file's household codes → the platform's household types.
HOUSEHOLD_TYPES = dict(
    zip(
        HOUSEHOLDS,
        (
            HouseholdType.SINGLE_PERSON,
            HouseholdType.COUPLE_NO_CHILDREN,
            HouseholdType.COUPLE_WITH_CHILDREN,
            HouseholdType.SINGLE_PARENT,
            HouseholdType.OTHER,
        ),
        strict=True,
    )
)

# The sentence of each problem (after « Ligne n, colonne c : »); `value` is the cell as read.
MESSAGES: dict[str, Promise] = {
    "required": gettext_lazy("la valeur manque."),
    "not_a_date": gettext_lazy("« %(value)s » n'est pas une date (JJ/MM/AAAA ou AAAA-MM-JJ)."),
    "date_in_future": gettext_lazy("la date « %(value)s » est dans le futur."),
    "date_not_before": gettext_lazy("la date « %(value)s » doit précéder celle de %(other)s."),
    "date_not_after": gettext_lazy("la date « %(value)s » doit suivre celle de %(other)s."),
    "not_an_amount": gettext_lazy(
        "« %(value)s » n'est pas un montant (en euros, deux décimales au plus : 1234,56)."
    ),
    "amount_not_positive": gettext_lazy("le montant « %(value)s » doit être positif."),
    "not_months": gettext_lazy("« %(value)s » n'est pas un nombre entier de mois."),
    "months_range": gettext_lazy("« %(value)s » : la durée va de 1 à %(max)s mois."),
    "not_a_rate": gettext_lazy(
        "« %(value)s » n'est pas un taux annuel en pourcentage (de 0 à moins de 100, trois "
        "décimales au plus : 1,75)."
    ),
    "not_a_commune_code": gettext_lazy(
        "« %(value)s » n'est pas un code commune INSEE (5 caractères, par exemple 42218)."
    ),
    "unknown_choice": gettext_lazy(
        "« %(value)s » n'est pas une valeur permise (valeurs permises : %(allowed)s)."
    ),
    "no_purposes": gettext_lazy("le dispositif n'a aucune catégorie de projet."),
    "too_long": gettext_lazy("« %(value)s » dépasse %(max)s caractères."),
    "duplicate_numero": gettext_lazy(
        "le numéro « %(value)s » figure déjà à la ligne %(other)s du fichier."
    ),
    "only_if_disbursed": gettext_lazy(
        "« %(value)s » : cette colonne ne se remplit que pour un prêt décaissé (issue = decaisse)."
    ),
    "only_if_claimed": gettext_lazy(
        "« %(value)s » : cette colonne ne se remplit que si la garantie a été appelée "
        "(etat_pret = garantie_appelee)."
    ),
    "above_principal": gettext_lazy(
        "le capital restant dû « %(value)s » dépasse le montant prêté."
    ),
    "loan_terms": gettext_lazy("ces conditions de prêt ne se calculent pas : %(reason)s"),
}

# Problems of the file as a whole (line 0) or of its header.
FILE_MESSAGES: dict[str, Promise] = {
    "too_large": gettext_lazy(
        "Le fichier dépasse %(max)s Ko : découpez l'historique en plusieurs fichiers."
    ),
    "empty_file": gettext_lazy("Le fichier est vide."),
    "not_csv_or_xlsx": gettext_lazy(
        "Ce fichier n'est ni un CSV ni un classeur XLSX : enregistrez l'historique depuis le "
        "tableur au format « CSV » ou « Classeur Excel (.xlsx) »."
    ),
    "bad_csv_line": gettext_lazy(
        "Ligne %(line)s : elle ne se lit pas en CSV (guillemets mal fermés ?)."
    ),
    "duplicate_column": gettext_lazy(
        "Ligne %(line)s : la colonne %(column)s figure deux fois dans l'en-tête."
    ),
    "missing_columns": gettext_lazy(
        "Ligne %(line)s (en-tête) : colonne(s) obligatoire(s) manquante(s) : %(column)s. Les "
        "en-têtes s'écrivent exactement comme dans le modèle."
    ),
    "too_many_rows": gettext_lazy(
        "Le fichier compte plus de %(max)s dossiers : découpez l'historique en plusieurs fichiers."
    ),
    "no_rows": gettext_lazy(
        "Le fichier ne contient aucun dossier après sa ligne d'en-tête (ligne %(line)s)."
    ),
}


def problem_message(problem: Problem) -> str:
    """The French sentence of `problem`, naming its line and column."""
    params = {"value": problem.value, "line": problem.line, "column": problem.column}
    params.update(dict(problem.params))
    if problem.code in FILE_MESSAGES:
        return str(FILE_MESSAGES[problem.code]) % params
    text = str(MESSAGES[problem.code]) % params
    return _("Ligne %(line)s, colonne %(column)s : %(text)s") % {
        "line": problem.line,
        "column": problem.column,
        "text": text,
    }


def problem_messages(problems: Sequence[Problem]) -> list[str]:
    """The sentences of the first MAX_PROBLEMS problems, and how many more there are."""
    messages = [problem_message(p) for p in problems[:MAX_PROBLEMS]]
    if len(problems) > MAX_PROBLEMS:
        messages.append(
            _("… et %(count)s autre(s) erreur(s), à voir une fois celles-ci corrigées.")
            % {"count": len(problems) - MAX_PROBLEMS}
        )
    return messages


# --- What the rules read -------------------------------------------------------------------


def vocabulary(programme: Programme, today: date) -> Vocabulary:
    """The scheme's purposes by version (one query), the activities and household types."""
    versions = ProgrammeVersion.objects.filter(programme=programme).order_by("valid_from")
    purposes = tuple(
        PurposeSet(
            valid_from=v.valid_from,
            codes=rules.choice_map((p["code"], p["label"]) for p in v.purposes),
            labels=tuple(p["code"] for p in v.purposes),
        )
        for v in versions.only("valid_from", "purposes")
    )
    households: dict[str, str] = {}
    for code in HOUSEHOLDS:
        households[rules.key(code)] = HOUSEHOLD_TYPES[code].value
    for kind in HouseholdType:
        households.setdefault(rules.key(str(kind.label)), kind.value)
    return Vocabulary(
        today=today,
        purposes=purposes,
        activities=rules.choice_map((a.value, str(a.label)) for a in Activity),
        households=households,
        activity_codes=tuple(Activity.values),
    )


def already_present(organisation_id: int, numeros: Iterable[str]) -> set[str]:
    """The numbers that are already the external numbers of the organisation's dossiers."""
    wanted = list(set(numeros))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        found.update(
            Dossier.objects.filter(
                organisation_id=organisation_id, external_number__in=wanted[start : start + 500]
            ).values_list("external_number", flat=True)
        )
    return found


ISSUE_LABELS = {
    rules.REORIENTE: gettext_lazy("réorientés"),
    rules.ABANDON: gettext_lazy("abandons"),
    rules.REFUS_COMMISSION: gettext_lazy("refusés par la commission"),
    rules.REFUS_BANQUE: gettext_lazy("refusés par la banque"),
    rules.DECAISSE: gettext_lazy("prêts décaissés"),
}


@dataclass(frozen=True)
class HistoryCheck:
    """What an import would do: the rows to create, those already present, the problems."""

    table: RawTable
    checked: Checked
    present: frozenset[str]

    @property
    def problems(self) -> list[Problem]:
        return self.checked.problems

    @property
    def messages(self) -> list[str]:
        return problem_messages(self.checked.problems)

    @property
    def ok(self) -> bool:
        return not self.checked.problems

    @property
    def new_rows(self) -> list[HistoryRow]:
        return [r for r in self.checked.rows if r.numero not in self.present]

    @property
    def present_rows(self) -> list[HistoryRow]:
        return [r for r in self.checked.rows if r.numero in self.present]

    @property
    def by_issue(self) -> list[tuple[str, str, int]]:
        """(issue, its label, how many new rows), in the template's order."""
        counts = Counter(r.issue for r in self.new_rows)
        return [(i, str(ISSUE_LABELS[i]), counts[i]) for i in rules.ISSUES]

    @property
    def loan_states(self) -> list[tuple[str, int]]:
        counts = Counter(r.loan.state for r in self.new_rows if r.loan is not None)
        return [(state, counts[state]) for state in rules.LOAN_STATES]


def history_check(
    *, organisation_id: int, programme: Programme, table: RawTable, today: date
) -> HistoryCheck:
    """The rows checked against the scheme, and which numbers the organisation already holds
    (read-only: the preview and the command's --dry-run)."""
    checked = rules.check_rows(table, vocabulary(programme, today))
    present = already_present(organisation_id, (r.numero for r in checked.rows))
    return HistoryCheck(table=table, checked=checked, present=frozenset(present))


# --- The columns' documentation and the template ------------------------------------------

COLUMN_HELP: dict[str, Promise] = {
    "numero": gettext_lazy(
        "le numéro du dossier dans l'historique du CCAS (unique dans le fichier ; un numéro "
        "déjà importé n'est pas importé une deuxième fois)"
    ),
    "date_accueil": gettext_lazy("la date du premier accueil (la date de la demande)"),
    "date_naissance": gettext_lazy("la date de naissance du demandeur"),
    "commune_insee": gettext_lazy("le code INSEE de la commune du demandeur (42218)"),
    "composition_foyer": gettext_lazy(
        "facultatif : personne_seule, couple_sans_enfant, couple_avec_enfants, "
        "famille_monoparentale ou autre"
    ),
    "activite": gettext_lazy(
        "facultatif : le code ou le libellé d'une activité des demandeurs (job_seeker ou "
        "« demandeur·se d'emploi »…)"
    ),
    "categorie_projet": gettext_lazy(
        "le code ou le libellé d'une catégorie de projet du dispositif (mobilite ou « Mobilité »)"
    ),
    "montant_demande": gettext_lazy("facultatif : le montant demandé, en euros"),
    "duree_demandee": gettext_lazy("facultatif : la durée demandée, en mois"),
    "issue": gettext_lazy("reoriente, abandon, refus_commission, refus_banque ou decaisse"),
    "date_decaissement": gettext_lazy("pour un prêt décaissé : la date du décaissement"),
    "montant_prete": gettext_lazy("pour un prêt décaissé : le montant prêté, en euros"),
    "duree_mois": gettext_lazy("pour un prêt décaissé : la durée de remboursement, en mois"),
    "taux_nominal": gettext_lazy("pour un prêt décaissé : le taux nominal annuel, en % (1,75)"),
    "etat_pret": gettext_lazy("pour un prêt décaissé : en_cours, rembourse ou garantie_appelee"),
    "date_appel_garantie": gettext_lazy(
        "si la garantie a été appelée : la date de l'appel (déchéance du terme)"
    ),
    "capital_restant_du_appel": gettext_lazy(
        "si la garantie a été appelée : le capital restant dû à l'appel, en euros"
    ),
}
NEEDED_LABELS: dict[str, Promise] = {
    rules.ALWAYS: gettext_lazy("obligatoire"),
    rules.OPTIONAL: gettext_lazy("facultative"),
    rules.IF_DISBURSED: gettext_lazy("si issue = decaisse"),
    rules.IF_CLAIMED: gettext_lazy("si etat_pret = garantie_appelee"),
}


@dataclass(frozen=True)
class ColumnDoc:
    name: str
    needed: str
    help: str
    example: str


def column_docs() -> list[ColumnDoc]:
    return [
        ColumnDoc(c.name, str(NEEDED_LABELS[c.needed]), str(COLUMN_HELP[c.name]), c.example)
        for c in COLUMNS
    ]


def template_xlsx() -> bytes:
    """The template as a workbook: the header and two examples, then a sheet of the columns."""
    from openpyxl import Workbook  # type: ignore[import-untyped]

    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.title = _("Historique")
    for row in rules.template_rows():
        sheet.append(row)
    for cells in sheet.iter_cols(min_row=1, max_row=1):
        for cell in cells:
            # Text cells: a spreadsheet keeps « 2015-001 », « 01053 » and dates as written.
            sheet.column_dimensions[cell.column_letter].width = max(14, len(str(cell.value)) + 2)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.number_format = "@"
    notes = workbook.create_sheet(_("Colonnes"))
    notes.append([_("Colonne"), _("Remplissage"), _("Contenu")])
    for doc in column_docs():
        notes.append([doc.name, doc.needed, doc.help])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
