"""Required documents per purpose category; the Saint-Étienne list for the initial version.

Since issue #11 the Saint-Étienne scheme is created by `microcredit load_scheme saint-etienne`
(with this list), not by migration 0002: on a new database no version exists and the data step
below changes nothing. It stays for a database that applied 0002 before this migration existed.
"""

from django.db import migrations, models

REQUIRED_DOCUMENTS = [
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


def fill_initial_version(apps, schema_editor):
    ProgrammeVersion = apps.get_model("programmes", "ProgrammeVersion")
    for version in ProgrammeVersion.objects.filter(
        programme__organisation__slug="ccas-saint-etienne",
        programme__slug="micro-credit-personnel",
        number=1,
    ):
        if not version.required_documents:
            version.required_documents = REQUIRED_DOCUMENTS
            version.save(update_fields=["required_documents"])


class Migration(migrations.Migration):
    dependencies = [("programmes", "0002_saint_etienne_scheme")]

    operations = [
        migrations.AddField(
            model_name="programmeversion",
            name="required_documents",
            field=models.JSONField(
                blank=True, default=list, verbose_name="pièces à fournir (par catégorie de projet)"
            ),
        ),
        migrations.RunPython(fill_initial_version, migrations.RunPython.noop),
    ]
