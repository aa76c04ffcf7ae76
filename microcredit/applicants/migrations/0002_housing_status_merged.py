"""One housing status for the applicant and the budget (applicants.vocabulary.HousingStatus).

The applicant's six statuses become the budget's eight: "furnished_or_hostel" (meublé, foyer ou
résidence sociale) is stored as "tenant_furnished", the first guess the budget form already made
from it; the other five values are unchanged. Going back, the statuses the applicant did not
have fold into their nearest old one.
"""

from typing import Any

from django.db import migrations, models

FORWARD = {"furnished_or_hostel": "tenant_furnished"}
BACKWARD = {
    "tenant_furnished": "furnished_or_hostel",
    "tenant_residence": "furnished_or_hostel",
    "owner_repaying": "owner",
}


def _remap(apps: Any, mapping: dict[str, str]) -> None:
    applicant = apps.get_model("applicants", "Applicant")
    for old, new in mapping.items():
        applicant.objects.filter(housing_status=old).update(housing_status=new)


def forward(apps: Any, schema_editor: Any) -> None:
    _remap(apps, FORWARD)


def backward(apps: Any, schema_editor: Any) -> None:
    _remap(apps, BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("applicants", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="applicant",
            name="housing_status",
            field=models.CharField(
                choices=[
                    ("tenant_private", "locataire (parc privé)"),
                    ("tenant_social", "locataire (logement social HLM)"),
                    ("tenant_furnished", "locataire d'un meublé ou d'une chambre"),
                    ("tenant_residence", "résident d'un foyer ou d'une résidence sociale"),
                    ("owner", "propriétaire"),
                    ("owner_repaying", "propriétaire accédant (prêt immobilier en cours)"),
                    ("hosted_free", "hébergé gratuitement"),
                    ("homeless", "sans domicile stable"),
                ],
                max_length=20,
                verbose_name="logement",
            ),
        ),
        migrations.RunPython(forward, backward),
    ]
