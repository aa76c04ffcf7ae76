# Dossier numbers unique on the whole platform; a transmitted dossier always names its bank.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0003_one_number_sequence")]

    operations = [
        migrations.RemoveField(model_name="dossiersequence", name="organisation"),
        migrations.AddConstraint(
            model_name="dossiersequence",
            constraint=models.UniqueConstraint(fields=("year",), name="sequence_year_unique"),
        ),
        migrations.RemoveConstraint(model_name="dossier", name="dossier_number_unique"),
        migrations.AddConstraint(
            model_name="dossier",
            constraint=models.UniqueConstraint(
                fields=("number",), name="dossier_number_unique_everywhere"
            ),
        ),
        migrations.AddConstraint(
            model_name="dossier",
            constraint=models.CheckConstraint(
                condition=models.Q(bank_transmitted_at__isnull=True) | models.Q(bank__isnull=False),
                name="dossier_transmitted_has_bank",
            ),
        ),
    ]
