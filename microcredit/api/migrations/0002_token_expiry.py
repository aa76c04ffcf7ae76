"""API tokens expire (F7, #17): the tokens already issued expire their lifetime after their
creation (MICROCREDIT_API_TOKEN_LIFETIME_DAYS, 365 days by default)."""

from datetime import timedelta

from django.conf import settings
from django.db import migrations, models


def set_expiry(apps, schema_editor):  # type: ignore[no-untyped-def]
    ApiToken = apps.get_model("api", "ApiToken")
    lifetime = timedelta(days=settings.MICROCREDIT_API_TOKEN_LIFETIME_DAYS)
    tokens = list(ApiToken.objects.filter(expires_at__isnull=True).only("pk", "created_at"))
    for token in tokens:
        token.expires_at = token.created_at + lifetime
    ApiToken.objects.bulk_update(tokens, ["expires_at"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("api", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True, verbose_name="expire le"),
        ),
        migrations.RunPython(set_expiry, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(verbose_name="expire le"),
        ),
    ]
