"""Created the Saint-Étienne scheme (its CCAS, bank partner and first parameters) until issue #11.

It no longer creates anything: a new installation, for any CCAS, would otherwise start with
Saint-Étienne's parameters. The scheme is now loaded by `microcredit load_scheme saint-etienne`
(values in `microcredit/programmes/schemes/saint_etienne.py`, the same as this migration wrote).
The migration stays so that the graph is unchanged; databases that applied it keep their data.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("programmes", "0001_initial"),
        ("organisations", "0001_initial"),
    ]

    # A no-op (see the module docstring): `microcredit load_scheme saint-etienne` creates the data.
    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
