"""The Saint-Étienne scheme of the seed document, as data (parameters are data, never code).

Source: « Fiche d'expérience — Micro-crédit personnel à Saint-Étienne » (CCAS de Saint-Étienne):
300–3000 €, 3–36 months, 1.75 %, no fees, no insurance, deferral up to one year, bonification of
the last installment paid, bank partner Parcours Confiance, convention signed 12 February 2010.
Usury thresholds: Banque de France notices for Q4 2025 and Q1 2026 (consumer loans by amount band).
Budget thresholds are starting values for the directeur·rice to calibrate.

Loaded by `microcredit load_scheme saint-etienne` (until issue #11, by the data migrations
programmes 0002 and 0003, which databases created before it ran: same values).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from microcredit.organisations.enums import OrganisationKind
from microcredit.programmes.enums import LossRateBasis
from microcredit.programmes.schemes import Scheme

PURPOSES: list[dict[str, Any]] = [
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

EXCLUDED: list[dict[str, str]] = [
    {
        "code": "creation_d_entreprise_ou_de_micro_entreprise",
        "label": "Création d'entreprise ou de micro-entreprise",
    },
    {"code": "avance_de_tresorerie", "label": "Avance de trésorerie"},
    {"code": "apurement_d_impayes", "label": "Apurement d'impayés"},
    {"code": "rachat_de_credit", "label": "Rachat de crédit"},
    {"code": "remboursement_de_dettes", "label": "Remboursement de dettes"},
]

REORIENTATION: list[dict[str, str]] = [
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

TERRITORY: list[dict[str, Any]] = [
    {"insee": "42218", "name": "Saint-Étienne", "postcodes": ["42000", "42100"]}
]

USURY: list[dict[str, str | None]] = [
    {"valid_from": "2025-10-01", "amount_up_to": "3000.00", "rate_percent": "23.49"},
    {"valid_from": "2025-10-01", "amount_up_to": "6000.00", "rate_percent": "15.71"},
    {"valid_from": "2025-10-01", "amount_up_to": None, "rate_percent": "8.73"},
    {"valid_from": "2026-01-01", "amount_up_to": "3000.00", "rate_percent": "23.56"},
    {"valid_from": "2026-01-01", "amount_up_to": "6000.00", "rate_percent": "15.87"},
    {"valid_from": "2026-01-01", "amount_up_to": None, "rate_percent": "8.67"},
]

# Required documents per purpose category (empty: every category).
REQUIRED_DOCUMENTS: list[dict[str, Any]] = [
    {"code": "piece_d_identite", "label": "Pièce d'identité", "purposes": []},
    {"code": "justificatif_de_domicile", "label": "Justificatif de domicile", "purposes": []},
    {
        "code": "justificatifs_de_ressources_des_3_derniers_mois",
        "label": "Justificatifs de ressources des 3 derniers mois",
        "purposes": [],
    },
    {
        "code": "releves_de_compte_des_3_derniers_mois",
        "label": "Relevés de compte des 3 derniers mois",
        "purposes": [],
    },
    {"code": "devis_du_fournisseur", "label": "Devis du fournisseur", "purposes": []},
    {
        "code": "attestation_de_formation_ou_promesse_d_embauche",
        "label": "Attestation de formation ou promesse d'embauche",
        "purposes": ["emploi_et_formation"],
    },
    {
        "code": "permis_de_conduire_ou_inscription_a_l_auto_ecole",
        "label": "Permis de conduire ou inscription à l'auto-école",
        "purposes": ["mobilite"],
    },
    {
        "code": "bail_ou_quittance_de_loyer",
        "label": "Bail ou quittance de loyer",
        "purposes": ["logement"],
    },
]


SCHEME = Scheme(
    ccas_slug="ccas-saint-etienne",
    ccas={
        "kind": OrganisationKind.CCAS,
        "name": "CCAS de Saint-Étienne",
        "address": "Saint-Étienne (42)",
        "theme_colour": "#1e40af",
    },
    bank_slug="parcours-confiance",
    bank={"kind": OrganisationKind.BANK, "name": "Association Parcours Confiance"},
    partnership_since=date(2010, 2, 12),
    programme_slug="micro-credit-personnel",
    programme_name="Micro-crédit personnel",
    first_version={
        "valid_from": date(2010, 2, 12),
        "reason": "Dispositif initial du CCAS de Saint-Étienne (fiche d'expérience).",
        "min_amount": Decimal("300.00"),
        "max_amount": Decimal("3000.00"),
        "min_months": 3,
        "max_months": 36,
        "nominal_rate_percent": Decimal("1.750"),
        "max_deferral_months": 12,
        "allow_interest_only_deferral": True,
        "allow_capitalised_deferral": True,
        "purposes": PURPOSES,
        "excluded_purposes": EXCLUDED,
        "territory": TERRITORY,
        "reorientation_schemes": REORIENTATION,
        "required_documents": REQUIRED_DOCUMENTS,
        "bonification_enabled": True,
        "bonification_cap": None,
        "guarantor_name": "Fonds de cohésion sociale",
        "guarantee_rate_percent": Decimal("50.00"),
        "guarantee_includes_interest": False,
        "arrears_buckets": [1, 30, 60, 90],
        "repayment_tolerance": Decimal("10.00"),
        "max_debt_ratio_percent": Decimal("35.00"),
        "min_remaining_income_per_uc_day": Decimal("10.00"),
        "usury_thresholds": USURY,
        "loss_rate_reference_percent": Decimal("7.02"),
        "loss_rate_reference_source": "Caisse des Dépôts, bilan du 2e trimestre 2014",
        "loss_rate_reference_basis": LossRateBasis.COUNT,
        # CNIL, délibération 2023-095: 2 years after the last contact, then anonymised.
        "retention_months": 24,
    },
)
