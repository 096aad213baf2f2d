"""``python manage.py import_catalog FILE [--dry-run]``: import a catalog in the national shape, all or nothing."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from procedures.national_catalog import CatalogFileError, load_catalog_file
from procedures.services import catalog_import


class Command(BaseCommand):
    help = (
        "Import procedures in the national catalog's JSON shape (docs/catalog-format.md). All or nothing: "
        "if a record is bad, nothing is imported, every error is listed and the exit code is 1."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a JSON list of procedure records, or {\"data\": [...]} (.json or .json.gz)")
        parser.add_argument("--dry-run", action="store_true", help="check and count, then write nothing")

    def handle(self, *args, file, dry_run=False, **options):
        translation.activate(settings.LANGUAGE_CODE)
        try:
            records = load_catalog_file(file)
        except CatalogFileError as exc:
            raise CommandError(str(exc)) from exc
        self.import_records(records, source=Path(file).name, label=file, dry_run=dry_run)

    def import_records(self, records, *, source: str, label: str, dry_run: bool) -> None:
        """Import ``records`` and report: every error and exit code 1, or the counts."""
        report = catalog_import(records=records, source=source, dry_run=dry_run)
        if report.errors:
            self.stderr.write(
                ngettext(
                    "%(file)s: %(errors)d error in %(records)d of %(total)d records; nothing was imported.",
                    "%(file)s: %(errors)d errors in %(records)d of %(total)d records; nothing was imported.",
                    len(report.errors),
                )
                % {"file": label, "errors": len(report.errors), "records": report.bad_records, "total": report.total}
            )
            for error in report.errors:
                self.stderr.write(f"  {error}")
            raise CommandError(_("The catalog was not imported."))
        summary = _(
            "%(file)s: %(total)d procedures: %(created)d created, %(updated)d updated (new version), "
            "%(unchanged)d unchanged."
        ) % {
            "file": label,
            "total": report.total,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
        }
        if dry_run:
            summary += " " + _("Dry run: nothing was written.")
        self.stdout.write(self.style.SUCCESS(summary))
