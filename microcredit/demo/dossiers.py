"""The demo's people (fictional) and their dossiers, in every state: what each one asks for and
the steps that lead it there."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from microcredit.applicants.enums import Activity, FamilySituation, HousingStatus, Relationship
from microcredit.banking.enums import BankRefusalReason
from microcredit.demo.steps import (
    S_DEC,
    S_FEB,
    S_JUL,
    S_JUN,
    S_MAR,
    S_MAY,
    S_NOV,
    S_OCT,
    S_SEP,
    Step,
    agenda,
    check,
    closing_records,
    diagnosis,
    disbursed,
    instruction,
    move,
    ready,
    share,
    transmitted,
    upload,
)
from microcredit.dossiers.enums import DeferralKind, DossierState


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
            *disbursed(S_FEB),
            move("record_repaid", "Dernière mensualité payée en octobre 2026.", by="banque"),
            closing_records(),
            move("close", "Prêt remboursé, bonification versée : dossier clôturé."),
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
            *disbursed(S_FEB),
            move("record_repaid", "Prêt remboursé en août 2026.", by="banque"),
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
            *disbursed(S_MAR),
            move(
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
            *instruction(),
            move(
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
        steps=(share(), *disbursed(S_MAY)),
        deferral_months=3,
        deferral_kind=DeferralKind.INTEREST_ONLY,
        oriented=True,
        # The car broke down in October: the installments due from then are unpaid, so that
        # the nightly job raises its alerts (missed installment, then 30+ days) in the demo.
        unpaid_from=date(2026, 10, 1),
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
            *ready(S_JUN),
            move(
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
        steps=disbursed(S_JUL),
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
            *transmitted(S_SEP),
            move(
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
            *ready(S_OCT),
            move(
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
            *diagnosis(),
            check(),
            move(
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
            *transmitted(S_OCT),
            move("bank_accept", "Prêt accordé ; rendez-vous de signature fixé.", by="banque"),
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
            *ready(S_NOV),
            move(
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
            *ready(S_OCT),
            move(
                "adjourn", "Le devis de l'auto-école date de plus de trois mois.", by="commission"
            ),
            move("resume_instruction", "Nouveau devis demandé à l'auto-école."),
            upload("devis_du_fournisseur", note="devis actualise"),
            move("submit_to_committee", "Devis actualisé joint au dossier."),
            agenda(S_NOV),
            move("transmit_to_bank", "Avis favorable de la commission.", by="commission"),
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
        steps=instruction(),
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
        steps=(share(), *ready(S_DEC)),
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
        steps=ready(S_DEC),
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
        steps=instruction(
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
        steps=(share(), *diagnosis()),
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
