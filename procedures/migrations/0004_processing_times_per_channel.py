"""Processing times per channel, in the unit the catalog publishes (issue 16).

Before: one ``processing_days`` per version (the longest time of any channel, converted into working days),
and step shares in working days adding up to it. After: ``ProcessingTime`` rows per channel with their own
amount and unit, fees that may name their channel, and step shares in percent of the dossier's time.

Existing versions keep what they had: their one time becomes the counter's time (and the online channel's,
when the procedure is offered online), in working days, with the published text as its description; each
step's share becomes its percentage of that time (the last step takes the rounding, so they add up to 100).
Re-importing the catalog replaces these with the catalog's own per-channel times and units.
"""

import django.core.validators
import django.db.models.deletion
from decimal import Decimal
from django.db import migrations, models

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def times_per_channel(apps, schema_editor):
    Version = apps.get_model("procedures", "ProcedureVersion")
    ProcessingTime = apps.get_model("procedures", "ProcessingTime")
    Step = apps.get_model("procedures", "WorkflowStep")
    rows = []
    for version in Version.objects.only("id", "processing_days", "processing_note", "online_level").iterator():
        channels = [1, 2] if version.online_level in ("full", "partial") else [1]
        rows += [ProcessingTime(version_id=version.id, channel=channel, order=1, amount=version.processing_days,
                                unit="working_days", description=version.processing_note[:2000])
                 for channel in channels]
        steps = list(Step.objects.filter(version_id=version.id).order_by("order"))
        total = sum((s.share_days for s in steps), Decimal(0)) or Decimal(1)
        given = Decimal(0)
        for i, step in enumerate(steps):
            if i == len(steps) - 1:
                step.share_percent = HUNDRED - given
            else:
                step.share_percent = max(CENT, (step.share_days * HUNDRED / total).quantize(CENT))
                given += step.share_percent
            step.save(update_fields=["share_percent"])
        if len(rows) >= 1000:
            ProcessingTime.objects.bulk_create(rows)
            rows = []
    ProcessingTime.objects.bulk_create(rows)


def back_to_days(apps, schema_editor):
    Version = apps.get_model("procedures", "ProcedureVersion")
    Step = apps.get_model("procedures", "WorkflowStep")
    for version in Version.objects.all():
        times = list(version.times.all())
        version.processing_days = max((t.amount for t in times), default=Decimal(1)) or Decimal("0.5")
        version.processing_note = "; ".join(t.description for t in times if t.description)[:2000]
        version.save(update_fields=["processing_days", "processing_note"])
        for step in Step.objects.filter(version_id=version.id):
            step.share_days = max(CENT, (version.processing_days * step.share_percent / HUNDRED).quantize(CENT))
            step.save(update_fields=["share_days"])


class Migration(migrations.Migration):

    dependencies = [
        ('procedures', '0003_longer_procedure_names'),
    ]

    operations = [
        migrations.AddField(
            model_name='fee',
            name='channel',
            field=models.PositiveSmallIntegerField(blank=True, choices=[(1, 'At the counter'), (2, 'Online'), (3, 'By post')], help_text='The channel this fee applies to (online filing often pays less); empty: every channel.', null=True, verbose_name='channel'),
        ),
        migrations.AddField(
            model_name='workflowstep',
            name='share_percent',
            field=models.DecimalField(decimal_places=2, help_text="The step's part of the processing time of the dossier's channel; the steps add up to 100%.", max_digits=5, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0.01')), django.core.validators.MaxValueValidator(Decimal('100'))], verbose_name='share of the time (%)'),
        ),
        migrations.CreateModel(
            name='ProcessingTime',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('channel', models.PositiveSmallIntegerField(choices=[(1, 'At the counter'), (2, 'Online'), (3, 'By post')], verbose_name='channel')),
                ('order', models.PositiveSmallIntegerField(default=0, verbose_name='order')),
                ('amount', models.DecimalField(decimal_places=2, help_text='0 means within the day of receipt.', max_digits=7, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='amount')),
                ('unit', models.CharField(choices=[('working_days', 'working days'), ('working_hours', 'working hours'), ('calendar_days', 'days'), ('months', 'months')], default='working_days', max_length=20, verbose_name='unit')),
                ('description', models.TextField(blank=True, verbose_name='description')),
                ('version', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='times', to='procedures.procedureversion')),
            ],
            options={
                'verbose_name': 'processing time',
                'verbose_name_plural': 'processing times',
                'ordering': ['channel', 'order', 'id'],
            },
        ),
        migrations.RunPython(times_per_channel, back_to_days),
    ]
