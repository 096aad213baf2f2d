"""The four implementation levels of the national catalog (CAPTHUCHIEN)."""

from django.db import migrations

LEVELS = [("bo", "Cấp Bộ", 1), ("tinh", "Cấp Tỉnh", 2), ("xa", "Cấp Xã", 3), ("khac", "Cơ quan khác", 4)]


def create_levels(apps, schema_editor):
    ImplementationLevel = apps.get_model("procedures", "ImplementationLevel")
    for code, name, order in LEVELS:
        ImplementationLevel.objects.update_or_create(code=code, defaults={"name": name, "order": order})


class Migration(migrations.Migration):
    dependencies = [("procedures", "0001_initial")]
    operations = [migrations.RunPython(create_levels, migrations.RunPython.noop)]
