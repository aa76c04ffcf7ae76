"""The Saint-Étienne scheme of the seed document, as data (parameters are data, never code).

Source: « Fiche d'expérience — Micro-crédit personnel à Saint-Étienne » (CCAS de Saint-Étienne):
300–3000 €, 3–36 months, 1.75 %, no fees, no insurance, deferral up to one year, bonification of
the last installment paid, bank partner Parcours Confiance, convention signed 12 February 2010.
Usury thresholds: Banque de France notices for Q4 2025 and Q1 2026 (consumer loans by amount band).
Budget thresholds are starting values for the directeur·rice to calibrate.
"""

from datetime import date
from decimal import Decimal

from django.db import migrations

PURPOSES = [
    {
        "code": "emploi_et_formation",
        "label": "Emploi et formation",
        "subcategories": [
            {"code": "formation", "label": "formation"},
            {"code": "equipement_professionnel", "label": "équipement professionnel"},
            {"code": "frais_de_reprise_d_emploi", "label": "frais de reprise d'emploi"},
        ],
    },
    {
        "code": "mobilite",
        "label": "Mobilité",
        "subcategories": [
            {"code": "achat_de_vehicule", "label": "achat de véhicule"},
            {"code": "achat_de_deux_roues", "label": "achat de deux-roues"},
            {"code": "reparation_de_vehicule", "label": "réparation de véhicule"},
            {"code": "permis_de_conduire", "label": "permis de conduire"},
        ],
    },
    {
        "code": "logement",
        "label": "Logement",
        "subcategories": [
            {"code": "electromenager", "label": "électroménager"},
            {"code": "mobilier", "label": "mobilier"},
            {"code": "frais_de_demenagement", "label": "frais de déménagement"},
            {"code": "depot_de_garantie", "label": "dépôt de garantie"},
            {"code": "reparations", "label": "réparations"},
        ],
    },
    {
        "code": "sante",
        "label": "Santé",
        "subcategories": [
            {"code": "soins_dentaires", "label": "soins dentaires"},
            {"code": "optique", "label": "optique"},
            {
                "code": "cure_restant_a_la_charge_de_l_assure",
                "label": "cure restant à la charge de l'assuré",
            },
            {
                "code": "aide_technique_pour_personne_handicapee",
                "label": "aide technique pour personne handicapée",
            },
        ],
    },
    {
        "code": "evenements_familiaux",
        "label": "Événements familiaux",
        "subcategories": [{"code": "frais_d_obseques", "label": "frais d'obsèques"}],
    },
]

EXCLUDED = [
    {
        "code": "creation_d_entreprise_ou_de_micro_entreprise",
        "label": "Création d'entreprise ou de micro-entreprise",
    },
    {"code": "avance_de_tresorerie", "label": "Avance de trésorerie"},
    {"code": "apurement_d_impayes", "label": "Apurement d'impayés"},
    {"code": "rachat_de_credit", "label": "Rachat de crédit"},
    {"code": "remboursement_de_dettes", "label": "Remboursement de dettes"},
]

REORIENTATION = [
    {"code": "fonds_de_solidarite_logement_fsl", "label": "Fonds de solidarité logement (FSL)"},
    {"code": "aide_facultative_du_ccas", "label": "Aide facultative du CCAS"},
    {"code": "microcredit_professionnel", "label": "Microcrédit professionnel"},
    {
        "code": "dossier_de_surendettement_banque_de_france",
        "label": "Dossier de surendettement (Banque de France)",
    },
    {"code": "point_conseil_budget", "label": "Point conseil budget"},
    {"code": "aides_financieres_de_la_caf", "label": "Aides financières de la CAF"},
]

TERRITORY = [{"insee": "42218", "name": "Saint-Étienne", "postcodes": ["42000", "42100"]}]

USURY = [
    {"valid_from": "2025-10-01", "amount_up_to": "3000.00", "rate_percent": "23.49"},
    {"valid_from": "2025-10-01", "amount_up_to": "6000.00", "rate_percent": "15.71"},
    {"valid_from": "2025-10-01", "amount_up_to": None, "rate_percent": "8.73"},
    {"valid_from": "2026-01-01", "amount_up_to": "3000.00", "rate_percent": "23.56"},
    {"valid_from": "2026-01-01", "amount_up_to": "6000.00", "rate_percent": "15.87"},
    {"valid_from": "2026-01-01", "amount_up_to": None, "rate_percent": "8.67"},
]


def create_saint_etienne(apps, schema_editor):
    Organisation = apps.get_model("organisations", "Organisation")
    Partnership = apps.get_model("organisations", "Partnership")
    Programme = apps.get_model("programmes", "Programme")
    ProgrammeVersion = apps.get_model("programmes", "ProgrammeVersion")

    ccas, _ = Organisation.objects.get_or_create(
        slug="ccas-saint-etienne",
        defaults={
            "kind": "ccas",
            "name": "CCAS de Saint-Étienne",
            "address": "Saint-Étienne (42)",
            "theme_colour": "#1e40af",
        },
    )
    bank, _ = Organisation.objects.get_or_create(
        slug="parcours-confiance",
        defaults={"kind": "bank", "name": "Association Parcours Confiance"},
    )
    Partnership.objects.get_or_create(
        ccas=ccas, partner=bank, defaults={"since": date(2010, 2, 12)}
    )
    programme, _created = Programme.objects.get_or_create(
        organisation=ccas,
        slug="micro-credit-personnel",
        defaults={"name": "Micro-crédit personnel", "bank_partner": bank},
    )
    if ProgrammeVersion.objects.filter(programme=programme).exists():
        return
    ProgrammeVersion.objects.create(
        programme=programme,
        number=1,
        valid_from=date(2010, 2, 12),
        reason="Dispositif initial du CCAS de Saint-Étienne (fiche d'expérience).",
        min_amount=Decimal("300.00"),
        max_amount=Decimal("3000.00"),
        min_months=3,
        max_months=36,
        nominal_rate_percent=Decimal("1.750"),
        max_deferral_months=12,
        allow_interest_only_deferral=True,
        allow_capitalised_deferral=True,
        purposes=PURPOSES,
        excluded_purposes=EXCLUDED,
        territory=TERRITORY,
        reorientation_schemes=REORIENTATION,
        bonification_enabled=True,
        bonification_cap=None,
        guarantor_name="Fonds de cohésion sociale",
        guarantee_rate_percent=Decimal("50.00"),
        guarantee_includes_interest=False,
        max_debt_ratio_percent=Decimal("35.00"),
        min_remaining_income_per_uc_day=Decimal("10.00"),
        usury_thresholds=USURY,
        loss_rate_reference_percent=Decimal("7.02"),
        loss_rate_reference_source="Caisse des Dépôts, bilan du 2e trimestre 2014",
        loss_rate_reference_basis="count",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("programmes", "0001_initial"),
        ("organisations", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_saint_etienne, migrations.RunPython.noop)]
