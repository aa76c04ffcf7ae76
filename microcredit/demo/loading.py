"""Demonstration data for `make run`: one account per role and dossiers in every state. Idempotent.

The demo password exists only here, for these demonstration accounts. The people below are
fictional. Their dossiers are built through the services, acting as the demo users, so that each
one carries a true timeline (events) and audit trail, as if the team had worked it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership, User
from microcredit.applicants.enums import Activity, FamilySituation, HousingStatus, Relationship
from microcredit.applicants.models import Applicant
from microcredit.applicants.rules import search_name
from microcredit.applicants.services import applicant_create, household_member_add
from microcredit.banking.enums import BankRefusalReason
from microcredit.banking.models import BankDecision, Disbursement
from microcredit.banking.services import (
    bank_accept,
    bank_offer_record,
    bank_refuse,
    disbursement_record,
)
from microcredit.budgets.services import budget_create_version, budget_lines
from microcredit.commissions.enums import DECISION_TRANSITIONS
from microcredit.commissions.models import AgendaItem, CommissionSession, SessionMember
from microcredit.commissions.services import agenda_item_decide, session_close
from microcredit.core.text import strip_accents
from microcredit.documents.models import CONSENT_KIND, Document
from microcredit.documents.services import document_kinds, document_upload
from microcredit.dossiers.enums import DeferralKind, DossierState
from microcredit.dossiers.models import Dossier, DossierEvent
from microcredit.dossiers.services import (
    dossier_check_eligibility,
    dossier_consent_record,
    dossier_create,
    dossier_share,
    dossier_transition,
)
from microcredit.dossiers.workflow import TRANSITIONS_BY_NAME
from microcredit.loans.enums import IncidentKind, RecordedVia
from microcredit.loans.models import Incident, Repayment
from microcredit.loans.selectors import loan_schedule_lines
from microcredit.loans.services import RepaymentLine, incident_record, repayments_record_batch
from microcredit.organisations.enums import OrganisationKind
from microcredit.organisations.models import Organisation, Partnership
from microcredit.programmes.models import Programme, ProgrammeVersion
from microcredit.programmes.schemes import scheme_load
from microcredit.programmes.selectors import version_in_force
from microcredit.rights.services import rights_assessment_request
from microcredit.rights.tasks import assess_dossier_rights

DEMO_PASSWORD = "demo-microcredit-2026"  # noqa: S105 (demonstration data only)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    first_name: str
    last_name: str
    role: Role
    organisation_slug: str


DEMO_ACCOUNTS = (
    DemoAccount("referent", "Camille", "Martin", Role.REFERENT, "ccas-saint-etienne"),
    DemoAccount("agent", "Sofiane", "Benali", Role.AGENT, "ccas-saint-etienne"),
    DemoAccount("directeur", "Hélène", "Roche", Role.DIRECTOR, "ccas-saint-etienne"),
    DemoAccount("commission", "Marc", "Durand", Role.COMMITTEE_MEMBER, "ccas-saint-etienne"),
    DemoAccount("banque", "Julie", "Fayolle", Role.BANK_ADVISER, "parcours-confiance"),
    DemoAccount("partenaire", "Nadia", "Chauvet", Role.PARTNER_WORKER, "demo-mission-insertion"),
    DemoAccount("admin", "Paul", "Vernay", Role.ADMIN, "ccas-saint-etienne"),
)

_LOGO_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40" role="img">'
    '<rect width="40" height="40" rx="8" fill="#1e40af"/>'
    '<text x="20" y="26" font-family="sans-serif" font-size="14" fill="#fff" '
    'text-anchor="middle">SÉ</text></svg>'
)

# --- The demo dossiers ----------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One thing the team does on a dossier, acting as the demo user `by`."""

    action: str  # move, check, upload, consent, agenda, share
    by: str = "referent"
    transition: str = ""
    reason: str = ""
    scheme: str = ""
    kinds: tuple[str, ...] = ()  # upload: these kinds; empty = whatever the checklist still lacks
    note: str = ""  # upload: printed in the file, so that a second version differs
    session: date | None = None  # agenda: the commission session
    refusal: str = ""  # bank_refuse: the reason from the bank's list


def _move(
    transition: str, reason: str = "", *, by: str = "referent", scheme: str = "", refusal: str = ""
) -> Step:
    return Step("move", by=by, transition=transition, reason=reason, scheme=scheme, refusal=refusal)


def _check() -> Step:
    return Step("check")


def _upload(*kinds: str, by: str = "agent", note: str = "") -> Step:
    return Step("upload", by=by, kinds=kinds, note=note)


def _consent() -> Step:
    return Step("consent")


def _agenda(session: date) -> Step:
    return Step("agenda", session=session)


def _share() -> Step:
    return Step("share")


# The commission's sessions in 2026. The last one, still to come when the demo was written, is
# held on the day the demo is first loaded at the latest (see `_Demo._session`).
S_FEB, S_MAR, S_MAY = date(2026, 2, 12), date(2026, 3, 12), date(2026, 5, 7)
S_JUN, S_JUL, S_SEP = date(2026, 6, 11), date(2026, 7, 9), date(2026, 9, 10)
S_OCT, S_NOV, S_DEC = date(2026, 10, 8), date(2026, 11, 12), date(2026, 12, 10)
SESSIONS = (S_FEB, S_MAR, S_MAY, S_JUN, S_JUL, S_SEP, S_OCT, S_NOV, S_DEC)
SESSION_PLACE = "CCAS de Saint-Étienne, salle de la commission"

FIRST_PAPERS = ("piece_d_identite", "justificatif_de_domicile")


def _diagnosis() -> tuple[Step, ...]:
    return (_move("start_diagnosis", "Premier entretien : projet et budget à examiner."),)


def _instruction(*papers: str) -> tuple[Step, ...]:
    return (
        *_diagnosis(),
        _check(),
        _move("start_instruction", "Diagnostic budgétaire fait avec la personne."),
        _upload(*(papers or FIRST_PAPERS)),
    )


def _ready(session: date) -> tuple[Step, ...]:
    return (
        *_instruction(),
        _upload(),
        _consent(),
        _move("submit_to_committee", "Dossier complet, budget équilibré avec la mensualité."),
        _agenda(session),
    )


def _transmitted(session: date) -> tuple[Step, ...]:
    return (
        *_ready(session),
        _move("transmit_to_bank", "Avis favorable de la commission.", by="commission"),
    )


def _disbursed(session: date) -> tuple[Step, ...]:
    return (
        *_transmitted(session),
        _move("bank_accept", "Prêt accordé aux conditions demandées.", by="banque"),
        _move("disburse", "Chèque remis au fournisseur.", by="banque"),
    )


@dataclass(frozen=True)
class DemoMember:
    first_name: str
    birth_date: date
    relationship: Relationship


@dataclass(frozen=True)
class DemoPerson:
    last_name: str
    first_name: str
    birth_date: date
    address: str
    postcode: str
    family_situation: FamilySituation
    activity: Activity
    housing_status: HousingStatus
    commune_code: str = "42218"  # Saint-Étienne
    phone: str = ""
    email: str = ""
    members: tuple[DemoMember, ...] = ()


NO_CREDIT = "Refus écrit de sa banque ; revenus trop faibles pour un crédit classique."


@dataclass(frozen=True)
class DemoDossier:
    state: DossierState  # where the steps lead (checked by tests/core/test_demo.py)
    person: DemoPerson
    application_date: date
    purpose: str
    subpurpose: str
    project: str
    cost: str
    amount: str
    months: int
    payee: str
    payee_siret: str
    payee_address: str
    steps: tuple[Step, ...] = ()
    deferral_months: int = 0
    deferral_kind: DeferralKind = DeferralKind.NONE
    no_ordinary_credit_evidence: str = NO_CREDIT  # empty: not yet recorded
    oriented: bool = False  # oriented by the demo partner structure (Nadia Chauvet)
    unpaid_from: date | None = None  # a loan's installments due from this day are missed


F, A, H, R = FamilySituation, Activity, HousingStatus, Relationship
ST = DossierState

DEMO_DOSSIERS: tuple[DemoDossier, ...] = (
    DemoDossier(
        ST.CLOSED,
        DemoPerson("Morel", "Françoise", date(1955, 1, 27), "14 rue Tarentaize", "42000",
                   F.WIDOWED, A.RETIRED, H.TENANT_SOCIAL, phone="06 39 98 00 11"),
        date(2026, 1, 6), "evenements_familiaux", "frais_d_obseques",
        "Obsèques de son frère : reste à charge après la participation de la famille.",
        "2900", "1500", 8, "Pompes funèbres du Furan (démo)", "95260181300019",
        "3 rue Balay, 42000 Saint-Étienne",
        steps=(
            *_disbursed(S_FEB),
            _move("record_repaid", "Dernière mensualité payée en octobre 2026.", by="banque"),
            _move("close", "Prêt remboursé, bonification versée : dossier clôturé."),
        ),
    ),
    DemoDossier(
        ST.REPAID,
        DemoPerson("Belkacem", "Yasmina", date(1992, 8, 22), "5 rue de Montreynaud", "42000",
                   F.SINGLE, A.PRECARIOUS, H.TENANT_SOCIAL, phone="06 39 98 00 12",
                   email="yasmina.belkacem@example.org"),
        date(2026, 1, 13), "logement", "frais_de_demenagement",
        "Déménagement vers un logement social plus proche de son travail.",
        "780", "600", 6, "Déménagements Gier et Furan (démo)", "99083016800011",
        "27 rue de la Montat, 42100 Saint-Étienne",
        steps=(
            *_disbursed(S_FEB),
            _move("record_repaid", "Prêt remboursé en août 2026.", by="banque"),
        ),
    ),
    DemoDossier(
        ST.GUARANTEE_CALLED,
        DemoPerson("Masson", "Didier", date(1973, 11, 5), "41 boulevard Daguerre", "42100",
                   F.DIVORCED, A.JOB_SEEKER, H.TENANT_PRIVATE, phone="06 39 98 00 13"),
        date(2026, 2, 3), "mobilite", "reparation_de_vehicule",
        "Réparation de la voiture indispensable pour un CDD en horaires décalés.",
        "1180", "1000", 10, "Garage du Crêt de Roc (démo)", "91318609400011",
        "8 rue Désiré Claude, 42000 Saint-Étienne",
        steps=(
            *_disbursed(S_MAR),
            _move(
                "call_guarantee",
                "Mensualités impayées depuis juillet 2026 malgré les relances (fin du CDD).",
                by="banque",
            ),
        ),
        unpaid_from=date(2026, 7, 1),
    ),
    DemoDossier(
        ST.WITHDRAWN,
        DemoPerson("Chevalier", "Émilie", date(1998, 2, 17), "9 rue Michelet", "42000",
                   F.SINGLE, A.TRAINING, H.HOSTED_FREE, email="emilie.chevalier@example.org"),
        date(2026, 3, 24), "emploi_et_formation", "formation",
        "Formation d'aide-soignante : frais de scolarité restant à sa charge.",
        "1400", "1200", 18, "Institut de formation Loire Sud (démo)", "93909960200012",
        "12 rue Bergson, 42000 Saint-Étienne",
        steps=(
            *_instruction(),
            _move(
                "withdraw",
                "Sa formation est finalement prise en charge par France Travail : "
                "elle retire sa demande.",
            ),
        ),
    ),
    DemoDossier(
        ST.DISBURSED,
        DemoPerson("Faure", "Sandrine", date(1983, 10, 11), "22 cours Fauriel", "42100",
                   F.SINGLE, A.PART_TIME, H.TENANT_SOCIAL, phone="06 39 98 00 15",
                   members=(DemoMember("Tom", date(2013, 5, 2), R.CHILD),)),
        date(2026, 4, 14), "mobilite", "achat_de_vehicule",
        "Achat d'une voiture d'occasion pour un poste d'aide à domicile en secteur rural.",
        "3400", "2800", 36, "Auto Occasion Bellevue (démo)", "90824628300018",
        "102 rue de la Montat, 42100 Saint-Étienne",
        steps=(_share(), *_disbursed(S_MAY)),
        deferral_months=3,
        deferral_kind=DeferralKind.INTEREST_ONLY,
        oriented=True,
    ),
    DemoDossier(
        ST.REORIENTED,
        DemoPerson("Giraud", "Laurent", date(1969, 6, 30), "6 avenue de Rochetaillée", "42100",
                   F.SEPARATED, A.DISABILITY, H.TENANT_SOCIAL),
        date(2026, 5, 19), "logement", "electromenager",
        "Remplacement du réfrigérateur et de la cuisinière.",
        "950", "900", 24, "Électroménager du Soleil (démo)", "99482199900012",
        "30 rue du Soleil, 42000 Saint-Étienne",
        steps=(
            *_ready(S_JUN),
            _move(
                "committee_reorient",
                "Plusieurs crédits renouvelables en cours : une procédure de surendettement "
                "répondra mieux à la situation.",
                by="commission",
                scheme="dossier_de_surendettement_banque_de_france",
            ),
        ),
    ),
    DemoDossier(
        ST.DISBURSED,
        DemoPerson("Lambert", "Georges", date(1958, 3, 3), "17 rue de la Richelandière", "42100",
                   F.MARRIED, A.RETIRED, H.OWNER, phone="06 39 98 00 17",
                   members=(DemoMember("Monique", date(1960, 9, 14), R.SPOUSE),)),
        date(2026, 6, 2), "logement", "reparations",
        "Remplacement de la chaudière de la maison (panne avant l'hiver).",
        "4200", "2400", 30, "Chauffage Pilat Services (démo)", "95181909300018",
        "55 boulevard Karl Marx, 42100 Saint-Étienne",
        steps=_disbursed(S_JUL),
        deferral_months=2,
        deferral_kind=DeferralKind.CAPITALISED,
    ),
    DemoDossier(
        ST.REFUSED_BY_BANK,
        DemoPerson("Rey", "Nathalie", date(1979, 5, 27), "3 place Jean Jaurès", "42000",
                   F.SEPARATED, A.PART_TIME, H.TENANT_SOCIAL,
                   members=(DemoMember("Louis", date(2011, 1, 19), R.CHILD),
                            DemoMember("Jade", date(2014, 7, 8), R.CHILD))),
        date(2026, 7, 20), "logement", "mobilier",
        "Lits et rangements pour les enfants après la séparation.",
        "1950", "1800", 30, "Meubles du Pilat (démo)", "97865797100013",
        "4 rue Gambetta, 42000 Saint-Étienne",
        steps=(
            *_transmitted(S_SEP),
            _move(
                "bank_refuse",
                "Incident de remboursement en cours sur un autre crédit : la banque ne peut "
                "pas accorder le prêt.",
                by="banque",
                refusal=BankRefusalReason.BANKING_INCIDENT,
            ),
        ),
    ),
    DemoDossier(
        ST.REFUSED_BY_COMMITTEE,
        DemoPerson("Lefort", "Patricia", date(1970, 12, 2), "48 rue Bergson", "42000",
                   F.DIVORCED, A.JOB_SEEKER, H.TENANT_PRIVATE, phone="06 39 98 00 19",
                   members=(DemoMember("Maëlle", date(2008, 4, 30), R.CHILD),)),
        date(2026, 8, 25), "mobilite", "achat_de_vehicule",
        "Achat d'une voiture pour chercher un emploi hors des lignes de bus.",
        "3200", "2500", 36, "Auto Occasion Bellevue (démo)", "90824628300018",
        "102 rue de la Montat, 42100 Saint-Étienne",
        steps=(
            *_ready(S_OCT),
            _move(
                "refuse_by_committee",
                "La mensualité ne laisse pas un reste à vivre suffisant ; un accompagnement "
                "budgétaire est proposé avant une nouvelle demande.",
                by="commission",
            ),
        ),
    ),
    DemoDossier(
        ST.REORIENTED,
        DemoPerson("Dumas", "Kévin", date(1991, 12, 14), "10 rue Jean Jaurès", "42700",
                   F.COHABITING, A.PRECARIOUS, H.TENANT_PRIVATE, commune_code="42095",
                   members=(DemoMember("Laura", date(1993, 3, 25), R.SPOUSE),)),
        date(2026, 9, 8), "mobilite", "reparation_de_vehicule",
        "Réparation de l'embrayage de la voiture utilisée pour les missions d'intérim.",
        "760", "700", 12, "Garage du Crêt de Roc (démo)", "91318609400011",
        "8 rue Désiré Claude, 42000 Saint-Étienne",
        steps=(
            *_diagnosis(),
            _check(),
            _move(
                "reorient",
                "Réside à Firminy, hors du territoire du dispositif : orienté vers le CCAS de "
                "sa commune et le Point conseil budget.",
                scheme="point_conseil_budget",
            ),
        ),
    ),
    DemoDossier(
        ST.GRANTED,
        DemoPerson("Kaci", "Omar", date(1988, 1, 9), "27 rue de la République", "42000",
                   F.MARRIED, A.PRECARIOUS, H.TENANT_PRIVATE, phone="06 39 98 00 21",
                   members=(DemoMember("Leïla", date(1990, 10, 3), R.SPOUSE),
                            DemoMember("Adam", date(2018, 2, 11), R.CHILD),
                            DemoMember("Sarah", date(2021, 6, 24), R.CHILD))),
        date(2026, 9, 15), "emploi_et_formation", "equipement_professionnel",
        "Outillage de plaquiste exigé pour une embauche en CDI.",
        "1250", "1100", 18, "Outillage Pro Loire (démo)", "94323194400019",
        "71 rue de Terrenoire, 42100 Saint-Étienne",
        steps=(
            *_transmitted(S_OCT),
            _move("bank_accept", "Prêt accordé ; rendez-vous de signature fixé.", by="banque"),
        ),
    ),
    DemoDossier(
        ST.ADJOURNED,
        DemoPerson("Royer", "Sébastien", date(1984, 7, 19), "2 rue des Forges", "42000",
                   F.SINGLE, A.PRECARIOUS, H.TENANT_RESIDENCE, phone="06 39 98 00 22"),
        date(2026, 9, 29), "logement", "depot_de_garantie",
        "Dépôt de garantie et premier équipement pour quitter la résidence sociale.",
        "900", "800", 20, "Agence immobilière du Jardin des Plantes (démo)", "97574911000014",
        "19 rue de la Résistance, 42000 Saint-Étienne",
        steps=(
            *_ready(S_NOV),
            _move(
                "adjourn",
                "La commission demande le bail signé et la réponse à la demande d'aide Loca-Pass.",
                by="commission",
            ),
        ),
    ),
    DemoDossier(
        ST.TRANSMITTED_TO_BANK,
        DemoPerson("Brunel", "Mickaël", date(1996, 3, 15), "33 rue Désiré Claude", "42000",
                   F.SINGLE, A.PRECARIOUS, H.HOSTED_FREE, email="mickael.brunel@example.org"),
        date(2026, 9, 22), "mobilite", "permis_de_conduire",
        "Permis de conduire demandé par son employeur (livraisons).",
        "1450", "1300", 24, "Auto-école du Crêt de Roc (démo)", "96252760200016",
        "1 place Fourneyron, 42000 Saint-Étienne",
        steps=(
            *_ready(S_OCT),
            _move(
                "adjourn", "Le devis de l'auto-école date de plus de trois mois.", by="commission"
            ),
            _move("resume_instruction", "Nouveau devis demandé à l'auto-école."),
            _upload("devis_du_fournisseur", note="devis actualise"),
            _move("submit_to_committee", "Devis actualisé joint au dossier."),
            _agenda(S_NOV),
            _move("transmit_to_bank", "Avis favorable de la commission.", by="commission"),
        ),
    ),
    DemoDossier(
        ST.INSTRUCTION,
        DemoPerson("Mercier", "Chantal", date(1962, 9, 21), "11 rue du Onze Novembre", "42100",
                   F.WIDOWED, A.RETIRED, H.TENANT_SOCIAL, phone="06 39 98 00 24"),
        date(2026, 10, 14), "sante", "soins_dentaires",
        "Reste à charge de soins sur devis.",
        "1100", "900", 24, "Centre de santé du Soleil (démo)", "98955597400017",
        "40 rue du Soleil, 42000 Saint-Étienne",
        steps=_instruction(),
    ),
    DemoDossier(
        ST.READY_FOR_COMMITTEE,
        DemoPerson("Vidal", "Aurélie", date(1987, 4, 8), "8 rue Paul Bert", "42000",
                   F.DIVORCED, A.PART_TIME, H.TENANT_SOCIAL, phone="06 39 98 00 25",
                   members=(DemoMember("Emma", date(2012, 11, 2), R.CHILD),
                            DemoMember("Hugo", date(2015, 3, 17), R.CHILD))),
        date(2026, 10, 6), "mobilite", "achat_de_vehicule",
        "Voiture d'occasion pour concilier horaires de travail et garde des enfants.",
        "3500", "3000", 36, "Auto Occasion Bellevue (démo)", "90824628300018",
        "102 rue de la Montat, 42100 Saint-Étienne",
        steps=(_share(), *_ready(S_DEC)),
        oriented=True,
    ),
    DemoDossier(
        ST.READY_FOR_COMMITTEE,
        DemoPerson("Picard", "Valérie", date(1976, 8, 5), "25 boulevard Daguerre", "42100",
                   F.CIVIL_PARTNERSHIP, A.PERMANENT_JOB, H.TENANT_PRIVATE,
                   members=(DemoMember("Stéphane", date(1974, 2, 28), R.SPOUSE),)),
        date(2026, 10, 20), "sante", "optique",
        "Reste à charge sur devis de l'opticien.",
        "720", "650", 12, "Optique Fauriel (démo)", "97877893400015",
        "60 cours Fauriel, 42100 Saint-Étienne",
        steps=_ready(S_DEC),
    ),
    DemoDossier(
        ST.INSTRUCTION,
        DemoPerson("Fabre", "Julien", date(1990, 11, 30), "15 rue de la Montat", "42100",
                   F.COHABITING, A.TRAINING, H.TENANT_PRIVATE, phone="06 39 98 00 27",
                   members=(DemoMember("Manon", date(1992, 6, 6), R.SPOUSE),)),
        date(2026, 10, 28), "emploi_et_formation", "formation",
        "Formation de cariste (CACES) avec promesse d'embauche à l'issue.",
        "1650", "1500", 24, "Centre de formation logistique Loire (démo)", "92879217500012",
        "9 rue de Terrenoire, 42100 Saint-Étienne",
        steps=_instruction(
            "piece_d_identite",
            "justificatif_de_domicile",
            "attestation_de_formation_ou_promesse_d_embauche",
        ),
        deferral_months=3,
        deferral_kind=DeferralKind.INTEREST_ONLY,
    ),
    DemoDossier(
        ST.DIAGNOSIS,
        DemoPerson("Haddad", "Karim", date(1981, 2, 3), "7 rue Tarentaize", "42000",
                   F.MARRIED, A.PRECARIOUS, H.TENANT_PRIVATE, phone="06 39 98 00 28",
                   members=(DemoMember("Samira", date(1983, 8, 12), R.SPOUSE),
                            DemoMember("Yanis", date(2010, 12, 1), R.CHILD))),
        date(2026, 11, 4), "mobilite", "reparation_de_vehicule",
        "Réparation de la camionnette utilisée pour les missions d'intérim.",
        "1350", "1200", 18, "Garage du Crêt de Roc (démo)", "91318609400011",
        "8 rue Désiré Claude, 42000 Saint-Étienne",
        steps=(_share(), *_diagnosis()),
        oriented=True,
    ),
    DemoDossier(
        ST.RECEPTION,
        DemoPerson("Bouchard", "Inès", date(1994, 6, 12), "19 rue de Montreynaud", "42000",
                   F.SINGLE, A.JOB_SEEKER, H.TENANT_SOCIAL, phone="06 39 98 00 29",
                   members=(DemoMember("Lina", date(2016, 9, 9), R.CHILD),
                            DemoMember("Noé", date(2019, 1, 23), R.CHILD))),
        date(2026, 11, 18), "logement", "electromenager",
        "Remplacement du lave-linge.",
        "480", "450", 12, "Électroménager du Soleil (démo)", "99482199900012",
        "30 rue du Soleil, 42000 Saint-Étienne",
        no_ordinary_credit_evidence="",
    ),
)  # fmt: skip


def _pdf(text: str) -> bytes:
    """A one-page PDF showing `text` (ASCII only), with a correct cross-reference table."""
    ascii_text = strip_accents(text, ascii_only=True)
    escaped = ascii_text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 12 Tf 60 780 Td ({escaped}) Tj ET".encode()
    objects = (
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    )
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


@dataclass(frozen=True)
class DemoBudget:
    """A household budget typed by the référent (monthly euros), then its rights estimated."""

    month: date
    housing: str
    salary: str = "0"  # the applicant's net salary
    pension: str = "0"
    spouse_salary: str = "0"
    family_benefits: str = "0"
    housing_aid: str = "0"  # paid to the landlord
    rent: str = "0"
    energy: str = "0"
    insurance: str = "0"
    telecom: str = "0"
    transport: str = "0"
    credits: str = "0"


# Budgets of some dossiers still being studied (keyed by last name): the dossier page shows the
# figures, the verdict, the options and the rights to check, computed by OpenFisca-France.
DEMO_BUDGETS: dict[str, DemoBudget] = {
    "Vidal": DemoBudget(date(2026, 9, 1), "tenant_social", salary="950", family_benefits="151",
                        housing_aid="285", rent="610", energy="95", insurance="28",
                        telecom="40", transport="38"),
    "Picard": DemoBudget(date(2026, 10, 1), "tenant_private", salary="1540", rent="690",
                         energy="110", insurance="35", telecom="45", transport="60",
                         credits="85"),
    "Haddad": DemoBudget(date(2026, 10, 1), "tenant_private", salary="1280", rent="640",
                         energy="105", insurance="32", telecom="42", transport="55"),
    "Mercier": DemoBudget(date(2026, 10, 1), "tenant_social", pension="1010",
                          housing_aid="120", rent="455", energy="70", insurance="25",
                          telecom="30"),
}  # fmt: skip


class _Demo:
    """Plays the demo dossiers' steps through the services, as the demo users."""

    def __init__(self, ccas: Organisation, structure: Organisation, members: dict[str, Membership]):
        self.ccas = ccas
        self.structure = structure
        self.members = members
        self.programme = Programme.objects.get(organisation=ccas, slug="micro-credit-personnel")
        self.today = timezone.localdate()
        self._versions: dict[date, ProgrammeVersion | None] = {}
        self.sessions = {day: self._session(day) for day in SESSIONS}

    def _as(self, username: str) -> tuple[User, Membership]:
        membership = self.members[username]
        return membership.user, membership

    def _session(self, day: date) -> CommissionSession:
        """The demo's session of `day` (the demo creates its sessions without an author).

        The last one (S_DEC) is dated the day the demo is first loaded if that comes earlier, so
        that a visitor can note who is present and then decide (decisions wait for the session's
        day); a later load finds it again as the demo's session after S_NOV, whatever its date.
        Nobody is marked present on it: the agent does that."""
        demo_sessions = CommissionSession.objects.filter(
            organisation=self.ccas, created_by__isnull=True
        )
        if day == S_DEC:
            held_on = max(min(S_DEC, self.today), S_NOV + timedelta(days=1))
            session = demo_sessions.filter(date__gt=S_NOV).order_by("date", "pk").first()
            present = False
        else:
            held_on = day
            session = demo_sessions.filter(date=day).first()
            present = day < self.today
        if session is None:  # open until its decisions are made (close_past_sessions)
            session = CommissionSession.objects.create(
                organisation=self.ccas, date=held_on, place=SESSION_PLACE
            )
        for username in ("commission", "directeur"):
            SessionMember.objects.get_or_create(
                session=session,
                user=self.members[username].user,
                defaults={"present": present},
            )
        return session

    def load(self, spec: DemoDossier) -> bool:
        """Create the dossier of `spec` and play its steps; False when it already exists."""
        person = spec.person
        applicant = Applicant.objects.filter(
            organisation=self.ccas,
            search_name=search_name(person.last_name, person.first_name),
            birth_date=person.birth_date,
        ).first()
        if applicant is not None and applicant.dossiers.exists():
            return False
        if applicant is None:
            applicant = self._applicant(person)
        user, membership = self._as("referent")
        dossier = dossier_create(
            actor=user,
            membership=membership,
            applicant=applicant,
            programme=self.programme,
            values={
                "application_date": spec.application_date,
                "oriented_by_structure": self.structure if spec.oriented else None,
                "oriented_by_name": "Nadia Chauvet" if spec.oriented else "",
                "purpose_category": spec.purpose,
                "purpose_subcategory": spec.subpurpose,
                "project_description": spec.project,
                "project_cost": Decimal(spec.cost),
                "payee_name": spec.payee,
                "payee_siret": spec.payee_siret,
                "payee_address": spec.payee_address,
                "quote_reference": f"DEV-{spec.application_date:%y%m}-{person.last_name[:3]}",
                "quote_date": spec.application_date - timedelta(days=6),
                "requested_amount": Decimal(spec.amount),
                "requested_months": spec.months,
                "requested_deferral_months": spec.deferral_months,
                "requested_deferral_kind": spec.deferral_kind,
                "no_ordinary_credit": bool(spec.no_ordinary_credit_evidence),
                "no_ordinary_credit_evidence": spec.no_ordinary_credit_evidence,
            },
        )
        for step in spec.steps:
            self._play(dossier, spec, step)
        self._date_events(dossier)
        if person.last_name in DEMO_BUDGETS:
            self._budget(dossier, DEMO_BUDGETS[person.last_name])
        return True

    def _date_events(self, dossier: Dossier) -> None:
        """Put the dossier's steps on the days they would have happened, not the load's time.

        The commission's decisions fall on their session's day, the bank's on the days the bank
        services were given; the other steps are spread evenly between the application day (or
        the decision before them) and the next decision (or now), so the timeline keeps its order.
        """
        events = list(DossierEvent.objects.filter(dossier=dossier).order_by("id"))
        known: dict[int, datetime] = {}
        for event_id, at in AgendaItem.objects.filter(
            dossier=dossier, event__isnull=False
        ).values_list("event_id", "decided_at"):
            known[event_id] = at
        for event_id, at in BankDecision.objects.filter(
            dossier=dossier, event__isnull=False
        ).values_list("event_id", "decided_at"):
            known[event_id] = at
        disbursement = Disbursement.objects.filter(dossier=dossier).first()
        last_paid = Repayment.objects.filter(loan__dossier=dossier).aggregate(day=Max("date"))
        last_missed = Incident.objects.filter(loan__dossier=dossier).aggregate(day=Max("date"))
        now = timezone.now()
        for event in events:
            if event.transition == "disburse" and disbursement is not None:
                known[event.pk] = _at(disbursement.date, time(14, 0))
            elif event.transition == "record_repaid" and last_paid["day"]:
                known[event.pk] = min(_at(last_paid["day"] + timedelta(3), time(10, 0)), now)
            elif event.transition == "call_guarantee" and last_missed["day"]:
                known[event.pk] = min(
                    _at(last_missed["day"] + timedelta(days=30), time(10, 0)), now
                )
        times: list[datetime | None] = [known.get(e.pk) for e in events]
        start = _at(dossier.application_date, time(9, 30))
        if times and times[0] is None:
            times[0] = start
        index = 0
        while index < len(times):
            if times[index] is not None:
                index += 1
                continue
            end = index
            while end < len(times) and times[end] is None:
                end += 1
            low = times[index - 1] or start
            high = times[end] if end < len(times) else now
            high = max(high or low, low)
            step = (high - low) / (end - index + 1)
            for k in range(index, end):
                times[k] = low + step * (k - index + 1)
            index = end
        for k in range(1, len(times)):  # never before the step it follows
            times[k] = max(times[k] or start, times[k - 1] or start)
        for event, at in zip(events, times, strict=True):
            if at is not None and at != event.at:
                DossierEvent.objects.filter(pk=event.pk).update(at=at)
                if event.to_state == DossierState.TRANSMITTED_TO_BANK:
                    Dossier.objects.filter(pk=dossier.pk).update(bank_transmitted_at=at)
        Dossier.objects.filter(pk=dossier.pk).update(created_at=start)

    def _budget(self, dossier: Dossier, spec: DemoBudget) -> None:
        user, membership = self._as("referent")
        spouse = dossier.applicant.members.filter(relationship=Relationship.SPOUSE).first()
        personal: dict[int | None, dict[str, Decimal]] = {
            None: {"salaries": Decimal(spec.salary), "pensions": Decimal(spec.pension)}
        }
        if spouse is not None:
            personal[spouse.pk] = {"salaries": Decimal(spec.spouse_salary)}
        budget_create_version(
            actor=user,
            membership=membership,
            dossier_id=dossier.pk,
            month=spec.month,
            housing_status=spec.housing,
            lines=budget_lines(
                personal=personal,
                resources={
                    "family_benefits": Decimal(spec.family_benefits),
                    "housing_aid": Decimal(spec.housing_aid),
                },
                charges={
                    "rent": Decimal(spec.rent),
                    "energy": Decimal(spec.energy),
                    "insurance": Decimal(spec.insurance),
                    "telecom": Decimal(spec.telecom),
                    "transport": Decimal(spec.transport),
                    "credit_installments": Decimal(spec.credits),
                },
                housing_aid_to_landlord=True,
            ),
        )
        # The estimate runs here, in the loading process (OpenFisca-France, ~5 s the first time).
        record = rights_assessment_request(actor=user, membership=membership, dossier_id=dossier.pk)
        assess_dossier_rights.call(record.pk)

    def _applicant(self, person: DemoPerson) -> Applicant:
        # The agent receives the person and records who they are; the référent opens the dossier.
        user, membership = self._as("agent")
        applicant = applicant_create(
            actor=user,
            membership=membership,
            values={
                "last_name": person.last_name,
                "first_name": person.first_name,
                "birth_date": person.birth_date,
                "email": person.email,
                "phone": person.phone,
                "address": person.address,
                "postcode": person.postcode,
                "commune_code": person.commune_code,
                "family_situation": person.family_situation,
                "activity": person.activity,
                "housing_status": person.housing_status,
            },
        )
        for member in person.members:
            household_member_add(
                actor=user,
                applicant=applicant,
                first_name=member.first_name,
                birth_date=member.birth_date,
                relationship=member.relationship,
            )
        return applicant

    def _play(self, dossier: Dossier, spec: DemoDossier, step: Step) -> None:
        user, membership = self._as(step.by)
        flow = TRANSITIONS_BY_NAME[step.transition].flow if step.action == "move" else ""
        if flow == "commission":
            self._decide(dossier, step)
        elif flow == "bank":
            self._bank(dossier, spec, step, user, membership)
        elif step.action == "move":
            dossier_transition(
                actor=user,
                membership=membership,
                dossier_id=dossier.pk,
                transition=step.transition,
                reason=step.reason,
                reorientation_scheme=step.scheme,
            )
        elif step.action == "check":
            dossier_check_eligibility(actor=user, membership=membership, dossier_id=dossier.pk)
        elif step.action == "upload":
            for kind in step.kinds or self._missing_kinds(dossier):
                self._upload(dossier, kind, user, membership, step.note)
        elif step.action == "consent":
            self._upload(dossier, CONSENT_KIND, user, membership, "")
            dossier_consent_record(
                actor=user,
                membership=membership,
                dossier_id=dossier.pk,
                consent_date=min(spec.application_date + timedelta(days=21), self.today),
                today=self.today,
            )
        elif step.action == "agenda":
            session = self.sessions.get(step.session) if step.session else None
            if session is None:
                raise ValueError(f"not a demo commission session: {step.session}")
            AgendaItem.objects.get_or_create(
                session=session,
                dossier=dossier,
                defaults={"position": AgendaItem.objects.filter(session=session).count() + 1},
            )
        elif step.action == "share":
            dossier_share(
                actor=user,
                membership=membership,
                dossier_id=dossier.pk,
                worker=self.members["partenaire"].user,
            )
        else:
            raise ValueError(f"unknown demo step: {step.action}")

    def _decide(self, dossier: Dossier, step: Step) -> None:
        """The commission's decision, recorded on the agenda of the dossier's last session."""
        user, membership = self._as(step.by)
        item = (
            AgendaItem.objects.filter(dossier=dossier, decision="")
            .select_related("session")
            .order_by("-session__date")
            .first()
        )
        if item is None:
            raise ValueError(f"{dossier.number} is on no agenda")
        decision = {t: d for d, t in DECISION_TRANSITIONS.items()}[step.transition]
        item = agenda_item_decide(
            actor=user,
            membership=membership,
            item_id=item.pk,
            decision=decision,
            reason=step.reason,
            reorientation_scheme=step.scheme,
            today=self.today,
        )
        AgendaItem.objects.filter(pk=item.pk).update(
            decided_at=_at(item.session.date, time(17, 30))
        )

    def _bank_day(self, dossier: Dossier, after_days: int) -> date:
        """A day of the bank's work: `after_days` after the commission's decision, not later
        than today."""
        decided = (
            AgendaItem.objects.filter(dossier=dossier)
            .exclude(decision="")
            .order_by("-session__date")
            .values_list("session__date", flat=True)
            .first()
        )
        return min((decided or self.today) + timedelta(days=after_days), self.today)

    def _bank(
        self, dossier: Dossier, spec: DemoDossier, step: Step, user: User, membership: Membership
    ) -> None:
        """The bank's moves through its own services, on the days they would have happened."""
        day = self._bank_day(dossier, 10)
        if step.transition == "bank_accept":
            decision = bank_accept(
                actor=user,
                membership=membership,
                dossier_id=dossier.pk,
                amount=dossier.requested_amount,
                months=dossier.requested_months,
                deferral_months=dossier.requested_deferral_months,
                deferral_kind=dossier.requested_deferral_kind,
                today=day,
            )
            BankDecision.objects.filter(pk=decision.pk).update(decided_at=_at(day, time(11, 0)))
        elif step.transition == "bank_refuse":
            decision = bank_refuse(
                actor=user,
                membership=membership,
                dossier_id=dossier.pk,
                reason=step.refusal or BankRefusalReason.OTHER,
                text=step.reason,
            )
            BankDecision.objects.filter(pk=decision.pk).update(decided_at=_at(day, time(11, 0)))
        elif step.transition == "disburse":
            self._disburse(dossier, spec, user, membership)
        else:
            raise ValueError(f"not a demo bank move: {step.transition}")

    def _disburse(
        self, dossier: Dossier, spec: DemoDossier, user: User, membership: Membership
    ) -> None:
        signed_on = self._bank_day(dossier, 14)
        offer = SimpleUploadedFile(
            "offre-signee.pdf",
            _pdf(f"Offre de pret signee - {dossier.number}"),
            content_type="application/pdf",
        )
        decision = bank_offer_record(
            actor=user,
            membership=membership,
            dossier_id=dossier.pk,
            signed_on=signed_on,
            upload=offer,
            today=signed_on,
        )
        paid_on = self._bank_day(dossier, 17)
        loan = disbursement_record(
            actor=user,
            membership=membership,
            dossier_id=dossier.pk,
            cheque_number=f"{4_210_000 + dossier.pk:07d}",
            date=paid_on,
            amount=decision.amount or Decimal(0),
            today=paid_on,
        )
        due = [
            line
            for line in loan_schedule_lines(loan)
            if line.due_date <= self.today and line.payment > 0
        ]
        paid = [
            line for line in due if spec.unpaid_from is None or line.due_date < spec.unpaid_from
        ]
        if paid:
            repayments_record_batch(
                actor=user,
                membership=membership,
                lines=[
                    RepaymentLine(
                        reference=f"DEMO-{dossier.number}-{line.number:02d}",
                        dossier_number=dossier.number,
                        date=line.due_date,
                        amount=line.payment,
                    )
                    for line in paid
                ],
                today=self.today,
                via=RecordedVia.API,
            )
        for line in due[len(paid) :][:3]:
            incident_record(
                actor=user,
                membership=membership,
                reference=f"DEMO-IMP-{dossier.number}-{line.number:02d}",
                dossier_number=dossier.number,
                kind=IncidentKind.MISSED_INSTALLMENT,
                date=line.due_date + timedelta(days=1),
                amount=line.payment,
                note="Prélèvement de l'échéance rejeté (provision insuffisante).",
                today=self.today,
                via=RecordedVia.API,
            )

    def close_past_sessions(self) -> None:
        """Close the sessions already held whose every dossier has a decision (minutes PDF);
        the last one (S_DEC) is the visitor's to decide and close."""
        user, membership = self._as("agent")
        for day, session in self.sessions.items():
            if day == S_DEC or day >= self.today or session.closed_at is not None:
                continue
            if AgendaItem.objects.filter(session=session, decision="").exists():
                continue
            session_close(actor=user, membership=membership, session_id=session.pk, today=day)
            CommissionSession.objects.filter(pk=session.pk).update(closed_at=_at(day, time(18, 0)))

    def _version(self, dossier: Dossier) -> ProgrammeVersion | None:
        day = dossier.application_date
        if day not in self._versions:
            self._versions[day] = version_in_force(self.programme, day)
        return self._versions[day]

    def _missing_kinds(self, dossier: Dossier) -> list[str]:
        version = self._version(dossier)
        required = version.required_documents_for(dossier.purpose_category) if version else []
        present = set(Document.objects.filter(dossier=dossier).values_list("kind", flat=True))
        return [spec["code"] for spec in required if spec["code"] not in present]

    def _upload(
        self, dossier: Dossier, kind: str, user: User, membership: Membership, note: str
    ) -> None:
        version = self._version(dossier)
        labels = document_kinds(
            version.required_documents_for(dossier.purpose_category) if version else []
        )
        text = f"Document de demonstration - {labels.get(kind, kind)} - {dossier.number} {note}"
        name = kind.replace("_", "-") + (f"-{note.replace(' ', '-')}" if note else "") + ".pdf"
        document_upload(
            actor=user,
            membership=membership,
            dossier_id=dossier.pk,
            kind=kind,
            upload=SimpleUploadedFile(name, _pdf(text.strip()), content_type="application/pdf"),
        )


@transaction.atomic
def load_demo() -> list[DemoAccount]:
    """Create what is missing; change nothing that exists (a second run is a no-op)."""
    scheme_load("saint-etienne")
    ccas = Organisation.objects.get(slug="ccas-saint-etienne")  # created by a data migration
    if not ccas.logo:
        ccas.logo.save("ccas-saint-etienne.svg", ContentFile(_LOGO_SVG.encode()), save=True)
    structure, _ = Organisation.objects.get_or_create(
        slug="demo-mission-insertion",
        defaults={
            "kind": OrganisationKind.SOCIAL_STRUCTURE,
            "name": "Mission d'insertion Loire Sud (démo)",
        },
    )
    Partnership.objects.get_or_create(ccas=ccas, partner=structure)
    members: dict[str, Membership] = {}
    for account in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(
            username=account.username,
            defaults={
                "first_name": account.first_name,
                "last_name": account.last_name,
                "email": f"{account.username}@demo.invalid",
                "is_staff": account.role == Role.ADMIN,
                "is_superuser": account.role == Role.ADMIN,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        members[account.username], _ = Membership.objects.get_or_create(
            user=user,
            organisation=Organisation.objects.get(slug=account.organisation_slug),
            role=account.role,
        )
    demo = _Demo(ccas, structure, members)
    for spec in sorted(DEMO_DOSSIERS, key=lambda d: d.application_date):
        demo.load(spec)
    demo.close_past_sessions()
    return list(DEMO_ACCOUNTS)


def _at(day: date, moment: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, moment))
