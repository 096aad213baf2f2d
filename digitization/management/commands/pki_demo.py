"""``python manage.py pki_demo [--agency CODE ...]``: a demo certificate authority and agency certificates.

For the embedded default and tests only: the authority's key sits in SIGNING_DIR and any portal that
runs this trusts it. Real deployments load their agencies' certificates with ``signing_certificate_load``.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from digitization.services import demo_certificates_issue
from procedures.models import Agency


class Command(BaseCommand):
    help = "Create the demo certificate authority and a signing certificate for each agency that has none."

    def add_arguments(self, parser):
        parser.add_argument("--agency", action="append", default=[], help="Only this agency (electronic identifier).")

    def handle(self, *args, agency, **options):
        if settings.IS_PRODUCTION:
            raise CommandError("pki_demo makes a certificate authority anyone with this checkout can use: "
                               "never in production (load real certificates with signing_certificate_load).")
        agencies = Agency.objects.filter(is_active=True)
        if agency:
            agencies = agencies.filter(code__in=agency)
            missing = set(agency) - set(agencies.values_list("code", flat=True))
            if missing:
                raise CommandError(f"unknown agency: {', '.join(sorted(missing))}")
        issued = demo_certificates_issue(agencies=agencies)
        self.stdout.write(self.style.SUCCESS(f"{len(issued)} certificates issued by the demo authority "
                                             f"(keys in {settings.SIGNING_DIR})"))
