"""``python manage.py convert_catalog SRC DST``: the shared page-shape data into the national catalog shape."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from procedures.catalog_convert import convert_records, dump_catalog, load_source, read_codes


class Command(BaseCommand):
    help = (
        "Convert procedure records in the national portal's public page shape (.json or .json.gz) into the "
        "national catalog's JSON shape (docs/catalog-format.md). The same input gives the same bytes."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help="page-shape records: a JSON list, optionally gzipped")
        parser.add_argument("destination", help="where to write the national-shape catalog (JSON)")
        parser.add_argument("--codes-file", help="keep only these procedure codes (one a line, # comments)")
        parser.add_argument("--limit", type=int, help="keep at most this many records")
        parser.add_argument("--warnings", action="store_true", help="list every guess and shortening made")

    def handle(self, *args, source, destination, codes_file=None, limit=None, warnings=False, **options):
        try:
            records = load_source(source)
            codes = read_codes(codes_file) if codes_file else None
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read the source: {exc}") from exc
        if limit is not None and limit < 0:
            raise CommandError("--limit must be 0 or more")
        result = convert_records(records, codes=codes, limit=limit)
        Path(destination).write_text(dump_catalog(result.records), encoding="utf-8")
        self.stdout.write(
            f"{len(result.records)} procedures written to {destination} "
            f"({len(result.warnings)} guesses or shortenings, {len(result.skipped)} skipped)"
        )
        for line in result.skipped:
            self.stderr.write(f"skipped {line}")
        if warnings:
            for line in result.warnings:
                self.stdout.write(f"  {line}")
        if codes is not None and any(line.endswith("not in the source") for line in result.skipped):
            raise CommandError("some codes of the codes file are not in the source")
