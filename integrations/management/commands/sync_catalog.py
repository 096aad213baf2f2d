"""``python manage.py sync_catalog [--dry-run]``: the procedure catalog from the National Public Service
Portal (LayDanhSachTTHC), imported like ``import_catalog`` does a file: all or nothing, a changed procedure
gets a new version, an unchanged one nothing."""

from django.conf import settings
from django.core.management.base import CommandError
from django.utils import translation

from integrations.national_portal import NationalPortal, PortalError
from procedures.management.commands.import_catalog import Command as ImportCommand


class Command(ImportCommand):
    help = "Import the procedure catalog the National Public Service Portal serves (NATIONAL_PORTAL_URL)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="check and count, then write nothing")

    def handle(self, *args, dry_run=False, **options):
        translation.activate(settings.LANGUAGE_CODE)
        portal = NationalPortal()
        try:
            records = portal.catalog()
        except PortalError as error:
            raise CommandError(f"{portal.base_url}: {error}") from error
        self.import_records(records, source="LayDanhSachTTHC", label=portal.base_url, dry_run=dry_run)
