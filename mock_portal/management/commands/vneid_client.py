"""Register the portal's client at the mock VNeID, or bring it up to date: safe to run at every start."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from mock_portal import services


class Command(BaseCommand):
    help = ("Create or update the portal's OpenID Connect client at the mock VNeID from MOCK_VNEID_CLIENT_ID, "
            "MOCK_VNEID_CLIENT_SECRET, MOCK_VNEID_REDIRECT_URIS and MOCK_VNEID_LOGOUT_URIS.")

    def add_arguments(self, parser):
        parser.add_argument("--redirect-uri", action="append", dest="redirect_uris", metavar="URI",
                            help="Where to send browsers back after sign-in (repeatable; replaces "
                                 "MOCK_VNEID_REDIRECT_URIS).")
        parser.add_argument("--logout-uri", action="append", dest="logout_uris", metavar="URI",
                            help="Where to send browsers back after sign-out (repeatable; replaces "
                                 "MOCK_VNEID_LOGOUT_URIS).")

    def handle(self, *args, redirect_uris=None, logout_uris=None, **options):
        try:
            application, created = services.vneid_client_save(
                client_id=settings.MOCK_VNEID_CLIENT_ID,
                client_secret=settings.MOCK_VNEID_CLIENT_SECRET,
                redirect_uris=redirect_uris or settings.MOCK_VNEID_REDIRECT_URIS,
                logout_uris=logout_uris or settings.MOCK_VNEID_LOGOUT_URIS,
            )
        except ValidationError as error:
            raise CommandError(f"The VNeID client was not saved: {'; '.join(error.messages)}") from error
        if options["verbosity"]:
            self.stdout.write(f"VNeID client {application.client_id} {'created' if created else 'updated'}: "
                              f"redirect URIs {application.redirect_uris}; "
                              f"logout URIs {application.post_logout_redirect_uris}")
