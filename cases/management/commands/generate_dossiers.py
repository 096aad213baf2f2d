"""``python manage.py generate_dossiers N``: bulk-made dossiers for benchmarks (never for production).

Spreads N dossiers over the agencies that have procedures, over past days, in realistic proportions of
states, with codes that follow the MaHoSo rule; owners are the existing citizens. Rows are written with
bulk_create in batches: this is load, not a story (no events, no documents).
"""

import datetime as dt
import random

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from cases.models import Dossier, FilingChannel
from cases.workflow import State
from procedures.models import Agency, Procedure

STATES = [  # (state, weight): most dossiers are finished
    (State.RETURNED, 55), (State.PROCESSING, 12), (State.RESOLVED, 6), (State.RECEIVED, 5), (State.SUBMITTED, 5),
    (State.SUPPLEMENT_REQUESTED, 4), (State.AWAITING_PAYMENT, 2), (State.REFUSED, 4), (State.WITHDRAWN, 5),
    (State.SUSPENDED, 2),
]
PER_DAY = 400  # per agency: codes stay within NNNN
FIRST_NUMBER = 5000  # generated codes are numbered 5001-5400 a day: never a real code of the demo (numbered from 1)


class Command(BaseCommand):
    help = "Bulk-create N dossiers for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("count", type=int)
        parser.add_argument("--batch", type=int, default=5000)
        parser.add_argument("--seed", type=int, default=766)

    def handle(self, *args, count, batch, seed, **options):
        if settings.IS_PRODUCTION:
            raise CommandError("generate_dossiers makes fake dossiers: it never runs in production.")
        rng = random.Random(seed)
        offices = []
        for agency in Agency.objects.filter(procedure_versions__isnull=False).distinct().order_by("code"):
            procedures = list(Procedure.objects.filter(current_version__agencies=agency).select_related("current_version"))
            if procedures:
                offices.append((agency, procedures))
        if not offices:
            raise CommandError("No agency has procedures: run load_demo (or import a catalog) first.")
        owners = list(User.objects.filter(citizen_profile__isnull=False).values_list("pk", flat=True)) or [None]
        states = [s for s, w in STATES for _ in range(w)]
        now = timezone.now()
        # Continue after the codes already made, per agency and day.
        made, start = 0, Dossier.objects.filter(form_data__generated=True).count()
        rows = []
        while made < count:
            n = start + made
            agency, procedures = offices[n % len(offices)]
            procedure = rng.choice(procedures)
            day_index, number = divmod(n // len(offices), PER_DAY)
            day = timezone.localdate(now) - dt.timedelta(days=1 + day_index)
            received = timezone.make_aware(dt.datetime.combine(day, dt.time(8)) + dt.timedelta(minutes=number))
            state = rng.choice(states)
            rows.append(Dossier(
                code=f"{agency.code}-{day:%y%m%d}-{FIRST_NUMBER + number + 1:04d}",
                procedure=procedure, version=procedure.current_version, owner_id=rng.choice(owners),
                applicant_name="Người nộp thử nghiệm", applicant_id_number=f"048{rng.randrange(10**9):09d}",
                channel=FilingChannel.ONLINE if n % 3 else FilingChannel.COUNTER, agency=agency, holder=agency, state=state,
                submitted_at=received, received_at=None if state == State.SUBMITTED else received,
                due_at=received + dt.timedelta(days=rng.randint(1, 20)),
                finished_at=received + dt.timedelta(days=5) if state in (State.RETURNED, State.REFUSED, State.WITHDRAWN) else None,
                form_data={"generated": True},
            ))
            made += 1
            if len(rows) >= batch or made == count:
                with transaction.atomic():
                    Dossier.objects.bulk_create(rows, batch_size=batch)
                rows = []
                self.stdout.write(f"{made}/{count}", ending="\r")
        self.stdout.write(self.style.SUCCESS(f"\n{count} dossiers generated"))
