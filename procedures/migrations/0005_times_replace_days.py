"""The converted fields go, once 0004 has copied them into processing times and step percentages (a
migration of its own, so PostgreSQL alters the tables in a transaction with no pending row changes)."""

from decimal import Decimal

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("procedures", "0004_processing_times_per_channel"),
    ]

    operations = [
        migrations.RemoveField(model_name="procedureversion", name="processing_days"),
        migrations.RemoveField(model_name="procedureversion", name="processing_note"),
        migrations.RemoveField(model_name="workflowstep", name="share_days"),
        migrations.AlterField(
            model_name="workflowstep",
            name="share_percent",
            field=models.DecimalField(decimal_places=2, help_text="The step's part of the processing time of the dossier's channel; the steps add up to 100%.", max_digits=5, validators=[django.core.validators.MinValueValidator(Decimal("0.01")), django.core.validators.MaxValueValidator(Decimal("100"))], verbose_name="share of the time (%)"),
        ),
    ]
