# The bank a dossier was transmitted to is kept on the dossier (what the bank sees no longer
# follows the scheme's current partner).

import django.db.models.deletion
from django.db import migrations, models


def fill_bank(apps, schema_editor):
    """The dossiers already transmitted went to their scheme's partner of today."""
    Dossier = apps.get_model("dossiers", "Dossier")
    for dossier in Dossier.objects.filter(bank_transmitted_at__isnull=False).select_related(
        "programme"
    ):
        dossier.bank_id = dossier.programme.bank_partner_id
        dossier.save(update_fields=["bank"])


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0001_initial"),
        ("organisations", "0001_initial"),
        ("programmes", "0003_required_documents"),
    ]

    operations = [
        migrations.AddField(
            model_name="dossier",
            name="bank",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="organisations.organisation",
                verbose_name="banque destinataire",
            ),
        ),
        migrations.RunPython(fill_bank, migrations.RunPython.noop),
    ]
