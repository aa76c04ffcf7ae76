"""Each schedule version keeps the installment in force; an early repayment keeps the borrower's
choice (keep the installment or the end date)."""

from typing import Any

from django.db import migrations, models


def fill(apps: Any, schema_editor: Any) -> None:
    """Existing versions: the loan's installment; existing early repayments: keep it."""
    ScheduleVersion = apps.get_model("loans", "ScheduleVersion")
    Repayment = apps.get_model("loans", "Repayment")
    for version in ScheduleVersion.objects.select_related("loan").filter(installment__isnull=True):
        version.installment = version.loan.installment
        version.save(update_fields=["installment"])
    Repayment.objects.filter(early_repayment=True, early_repayment_keep="").update(
        early_repayment_keep="installment"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("loans", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="scheduleversion",
            name="installment",
            field=models.DecimalField(
                decimal_places=2,
                max_digits=10,
                null=True,
                verbose_name="mensualité en vigueur (€)",
            ),
        ),
        migrations.AddField(
            model_name="repayment",
            name="early_repayment_keep",
            field=models.CharField(
                blank=True,
                choices=[
                    ("installment", "garder la mensualité (durée réduite)"),
                    ("end_date", "garder la date de fin (mensualité réduite)"),
                ],
                max_length=20,
                verbose_name="choix de l'emprunteur (remboursement anticipé)",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="scheduleversion",
            name="installment",
            field=models.DecimalField(
                decimal_places=2, max_digits=10, verbose_name="mensualité en vigueur (€)"
            ),
        ),
        migrations.AddConstraint(
            model_name="repayment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("early_repayment", False), ("early_repayment_keep", "")),
                    models.Q(
                        ("early_repayment", True),
                        models.Q(("early_repayment_keep", ""), _negated=True),
                    ),
                    _connector="OR",
                ),
                name="repayment_keep_when_early",
            ),
        ),
    ]
