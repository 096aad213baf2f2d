"""``python manage.py load_demo``: the whole demo of the embedded default (idempotent)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dvc_portal.demo import demo_load


class Command(BaseCommand):
    help = "Load the demo agencies, catalog, accounts, dossiers, feedback and history (never in production)."

    def handle(self, *args, **options):
        if settings.IS_PRODUCTION:
            raise CommandError("load_demo creates accounts with a published password: it never runs in production.")
        counts = demo_load()
        created = ", ".join(f"{name}: {n}" for name, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"demo data ready ({created})"))
