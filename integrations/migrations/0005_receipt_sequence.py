"""Fee receipt numbers from a sequence row per agency and year (``core.counters``), started at the numbers
already issued: the count of receipts with the agency's prefix for the year, as the old scheme counted them."""

import django.db.models.deletion
from django.db import migrations, models


def start_at_issued(apps, schema_editor):
    payment = apps.get_model("integrations", "Payment")
    sequence = apps.get_model("integrations", "ReceiptSequence")
    agency = apps.get_model("procedures", "Agency")
    issued: dict[tuple[int, int], int] = {}
    codes = dict(agency.objects.values_list("code", "pk"))
    for number in payment.objects.exclude(receipt_number="").values_list("receipt_number", flat=True):
        code, _sep, rest = number.rpartition("-BL-")
        year = rest.split("-", 1)[0]
        if code in codes and year.isdigit():
            key = (codes[code], int(year))
            issued[key] = issued.get(key, 0) + 1
    sequence.objects.bulk_create(
        [sequence(agency_id=agency_id, year=year, last=last) for (agency_id, year), last in issued.items()]
    )


class Migration(migrations.Migration):

    dependencies = [
        ('integrations', '0004_inbound'),
        ('procedures', '0003_longer_procedure_names'),
    ]

    operations = [
        migrations.CreateModel(
            name='ReceiptSequence',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField()),
                ('last', models.PositiveIntegerField(default=0)),
                ('agency', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='procedures.agency')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('agency', 'year'), name='receipt_sequence_once')],
            },
        ),
        migrations.RunPython(start_at_issued, migrations.RunPython.noop),
    ]
