"""``python manage.py sync_catalog [--dry-run]``: the procedure catalog from the National Public Service
Portal (LayDanhSachTTHC), imported like ``import_catalog`` does a file: all or nothing, a changed procedure
gets a new version, an unchanged one nothing. Each run is recorded for the sync desk (not a dry run)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from integrations.inbound import catalog_sync
from integrations.models import CatalogSync


class Command(BaseCommand):
    help = "Import the procedure catalog the National Public Service Portal serves (NATIONAL_PORTAL_URL)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="check and count, then write nothing")

    def handle(self, *args, dry_run=False, **options):
        translation.activate(settings.LANGUAGE_CODE)
        run = catalog_sync(dry_run=dry_run)
        label = settings.NATIONAL_PORTAL_URL
        if run.status != CatalogSync.Status.OK:
            for error in run.errors[1:]:
                self.stderr.write(f"  {error}")
            raise CommandError(f"{label}: {run.errors[0] if run.errors else ''} " + _("The catalog was not imported."))
        summary = _(
            "%(file)s: %(total)d procedures: %(created)d created, %(updated)d updated (new version), "
            "%(unchanged)d unchanged."
        ) % {"file": label, "total": run.total, "created": run.created, "updated": run.updated,
             "unchanged": run.unchanged}
        if dry_run:
            summary += " " + _("Dry run: nothing was written.")
        self.stdout.write(self.style.SUCCESS(summary))
