"""A disbursement records its bank (a cheque number is unique at a bank) and the payee's SIRET."""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models


def fill_bank(apps: Any, schema_editor: Any) -> None:
    """Existing disbursements: the bank of their loan, else of the decision, else of the
    programme."""
    Disbursement = apps.get_model("banking", "Disbursement")
    BankDecision = apps.get_model("banking", "BankDecision")
    Loan = apps.get_model("loans", "Loan")
    for disbursement in Disbursement.objects.filter(bank__isnull=True).select_related(
        "dossier__programme"
    ):
        dossier = disbursement.dossier
        bank_id = (
            Loan.objects.filter(dossier_id=dossier.pk).values_list("bank_id", flat=True).first()
            or BankDecision.objects.filter(dossier_id=dossier.pk)
            .values_list("bank_id", flat=True)
            .first()
            or dossier.programme.bank_partner_id
        )
        disbursement.bank_id = bank_id
        disbursement.payee_siret = (
            dossier.payee_siret if not disbursement.payee_changed else disbursement.payee_siret
        )
        disbursement.save(update_fields=["bank", "payee_siret"])


class Migration(migrations.Migration):
    dependencies = [
        ("banking", "0001_initial"),
        ("loans", "0001_initial"),
        ("organisations", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="disbursement",
            name="bank",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="organisations.organisation",
                verbose_name="banque",
            ),
        ),
        migrations.AddField(
            model_name="disbursement",
            name="payee_siret",
            field=models.CharField(blank=True, max_length=14, verbose_name="SIRET du bénéficiaire"),
        ),
        migrations.RunPython(fill_bank, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="disbursement",
            name="bank",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="organisations.organisation",
                verbose_name="banque",
            ),
        ),
        migrations.AddConstraint(
            model_name="disbursement",
            constraint=models.UniqueConstraint(
                fields=("bank", "cheque_number"), name="disbursement_cheque_unique"
            ),
        ),
    ]
