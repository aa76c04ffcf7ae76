from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("servicing", "0001_initial"), ("organisations", "0001_initial")]

    operations = [
        migrations.RemoveIndex(model_name="statementimport", name="statement_bank_recent"),
        migrations.RenameField(
            model_name="statementimport", old_name="bank", new_name="organisation"
        ),
        migrations.AlterField(
            model_name="statementimport",
            name="organisation",
            field=models.ForeignKey(
                on_delete=models.deletion.PROTECT,
                related_name="+",
                to="organisations.organisation",
                verbose_name="organisation",
            ),
        ),
        migrations.AddIndex(
            model_name="statementimport",
            index=models.Index(fields=["organisation", "-uploaded_at"], name="statement_recent"),
        ),
    ]
