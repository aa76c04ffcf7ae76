# One dossier counter per year for the whole platform: a bank partner of several CCAS
# identifies a dossier by its number alone (portal, API, repayment batches).

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Max


def merge_sequences(apps, schema_editor):
    """One counter per year, from the highest number any organisation reached that year."""
    DossierSequence = apps.get_model("dossiers", "DossierSequence")
    Dossier = apps.get_model("dossiers", "Dossier")
    duplicated = (
        Dossier.objects.values("number")
        .annotate(n=models.Count("id"))
        .filter(n__gt=1)
        .values_list("number", flat=True)
    )
    if duplicated:
        raise RuntimeError(
            "Des dossiers de CCAS différents portent le même numéro ("
            + ", ".join(sorted(duplicated)[:10])
            + ") : renumérotez-les avant cette migration (numéros uniques sur la plateforme)."
        )
    highest = {
        row["year"]: row["last"]
        for row in DossierSequence.objects.values("year").annotate(last=Max("last_number"))
    }
    DossierSequence.objects.all().delete()
    for year, last in highest.items():
        DossierSequence.objects.create(year=year, last_number=last, organisation_id=None)


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0002_dossier_bank")]

    operations = [
        migrations.RemoveConstraint(model_name="dossiersequence", name="sequence_unique"),
        migrations.AlterField(
            model_name="dossiersequence",
            name="organisation",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="organisations.organisation",
            ),
        ),
        migrations.RunPython(merge_sequences, migrations.RunPython.noop),
    ]
