"""A digitization's claim becomes a lease (``core.jobs``): the time it runs out, not the time it began."""

import datetime as dt

from django.db import migrations, models

# digitization.services.CLAIM_SECONDS when the claim was a start time (a migration keeps its own copy).
CLAIM_SECONDS = 15 * 60


def claims_to_leases(apps, schema_editor):
    DigitizedDocument = apps.get_model("digitization", "DigitizedDocument")
    DigitizedDocument.objects.filter(claimed_at__isnull=False).update(
        claimed_until=models.F("claimed_at") + dt.timedelta(seconds=CLAIM_SECONDS)
    )


def leases_to_claims(apps, schema_editor):
    DigitizedDocument = apps.get_model("digitization", "DigitizedDocument")
    DigitizedDocument.objects.filter(claimed_until__isnull=False).update(
        claimed_at=models.F("claimed_until") - dt.timedelta(seconds=CLAIM_SECONDS)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("digitization", "0003_index766"),
    ]

    operations = [
        migrations.AddField(
            model_name="digitizeddocument",
            name="claimed_until",
            field=models.DateTimeField(blank=True, null=True, verbose_name="being worked on until"),
        ),
        migrations.RunPython(claims_to_leases, leases_to_claims),
        migrations.RemoveField(
            model_name="digitizeddocument",
            name="claimed_at",
        ),
    ]
