"""Required documents per purpose category.

Until issue #11 this migration also wrote the Saint-Étienne list into the scheme's first version;
it no longer writes data (a new installation has no scheme until `microcredit load_scheme
saint-etienne`, which creates that version with its list: `microcredit/programmes/schemes/
saint_etienne.py`). Databases that applied it keep their data.
"""

from django.db import migrations, models


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
        # A no-op (see the module docstring): the command writes the list with the version.
        migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop),
    ]
