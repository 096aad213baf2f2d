"""``python manage.py portal_reconcile [--agency CODE] [--since YYYY-MM-DD] [--dry-run]``: ask the National
Public Service Portal for each dossier it should hold (TraCuuHoSo), compare, and re-send through the outbox
what differs (see ``integrations.outbox.dossier_reconcile``)."""

import datetime as dt
from collections import Counter

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases.models import Dossier
from cases.workflow import State
from integrations import outbox
from integrations.national_portal import NationalPortal, PortalError
from procedures.models import Agency


class Command(BaseCommand):
    help = "Compare local dossiers with the National Public Service Portal and re-send what differs."

    def add_arguments(self, parser):
        parser.add_argument("--agency", help="only dossiers received by this agency (its code) and its sub-agencies")
        parser.add_argument("--since", help="only dossiers submitted on or after this date (YYYY-MM-DD)")
        parser.add_argument("--dry-run", action="store_true", help="compare and report, send nothing")

    def handle(self, *args, agency=None, since=None, dry_run=False, **options):
        translation.activate(settings.LANGUAGE_CODE)
        dossiers = Dossier.objects.exclude(state=State.DRAFT).exclude(code=None).select_related(
            "procedure", "version__field", "agency", "holder"
        ).order_by("pk")
        if agency:
            root = Agency.objects.filter(code=agency).first()
            if root is None:
                raise CommandError(_("No agency has the code %(code)s.") % {"code": agency})
            dossiers = dossiers.filter(agency__in=Agency.get_tree(root))
        if since:
            try:
                day = dt.date.fromisoformat(since)
            except ValueError as error:
                raise CommandError(_("--since must be a date YYYY-MM-DD.")) from error
            dossiers = dossiers.filter(submitted_at__gte=timezone.make_aware(dt.datetime.combine(day, dt.time())))
        portal = NationalPortal()
        outcomes = Counter()
        for dossier in dossiers.iterator(chunk_size=500):
            try:
                remote = portal.lookup(dossier.code)
            except PortalError as error:
                raise CommandError(
                    _("The portal did not answer for %(code)s: %(error)s. Nothing more was compared.")
                    % {"code": dossier.code, "error": error}
                ) from error
            outcome = outbox.dossier_reconcile(dossier=dossier, remote=remote, dry_run=dry_run)
            outcomes[outcome] += 1
            if outcome in ("resent", "differs", "dead") and options["verbosity"] >= 2:
                self.stdout.write(f"{dossier.code}: {outcome}")
        self.stdout.write(_(
            "%(total)s dossiers compared: %(same)s the same, %(resent)s re-sent, %(differs)s differ (not sent: "
            "dry run), %(in_flight)s still being delivered, %(dead)s with a given-up delivery (retry it in the admin)."
        ) % {"total": sum(outcomes.values()), **{k: outcomes[k] for k in ("same", "resent", "differs", "in_flight", "dead")}})
