"""The demo's year of history: dossiers in every month, dated by the services themselves, some late, made
once, and a 766 index that moves from month to month."""

import datetime as dt
from collections import Counter

import pytest
from django.db.models import F
from django.utils import timezone

from accounts.demo import DEMO_PASSWORD, demo_accounts_load
from cases.models import Dossier, DossierEvent
from dvc_portal.demo_history import MARK, history
from integrations.models import Delivery
from procedures.demo import PROVINCE, procedures_demo_load
from satisfaction import index766 as ix

pytestmark = pytest.mark.django_db

# A fixed present, so the year shown is known: June 2026, the months from July 2025 (Tết 2026 inside).
NOW = timezone.make_aware(dt.datetime(2026, 6, 20, 15, 0))
PAST = [f"{2025 + (m > 12)}-{(m - 1) % 12 + 1:02d}" for m in range(7, 18)]  # 2025-07 .. 2026-05


@pytest.fixture
def demo_office():
    """The demo's agencies, catalog and accounts (no dossiers): what ``load_demo`` has before the history."""
    agencies, _counts = procedures_demo_load()
    demo_accounts_load(agencies=agencies, password=DEMO_PASSWORD)
    return agencies


def _in(moment, code) -> bool:
    return f"{timezone.localtime(moment):%Y-%m}" == code


def test_history_fills_the_year_through_the_services(demo_office):
    made = history(size=60, now=NOW)

    dossiers = Dossier.objects.filter(**{f"form_data__{MARK}": True})
    assert made == dossiers.count() >= 40
    events = list(DossierEvent.objects.filter(dossier__in=dossiers).order_by("dossier_id", "seq"))
    # Every past month has dossiers received in it, by both offices, with their events dated in it.
    agencies = {d.pk: d.agency.code for d in dossiers.select_related("agency")}
    for code in PAST:
        received = dossiers.filter(received_at__isnull=False)
        in_month = [d for d in received if _in(d.received_at, code)]
        assert {d.agency.code for d in in_month} == set(agencies.values()), code
        assert any(_in(e.at, code) and e.dossier_id in {d.pk for d in in_month} for e in events), code
    # Nothing happened after the present, and this month so far has its dossiers too.
    assert max(e.at for e in events) < NOW
    assert dossiers.filter(received_at__gte=NOW.replace(day=1, hour=0)).exists()
    # The clock the services read is the one every record carries: a dossier was created at its first
    # event (auto_now_add), every event has its deliveries written at its own moment (default=timezone.now
    # on the event, an explicit value on the delivery), and the events of a dossier follow each other.
    first = {}
    for e in events:
        first.setdefault(e.dossier_id, e)
    assert all(d.created_at == first[d.pk].at for d in dossiers)
    assert all(a.at < b.at for a, b in zip(events, events[1:], strict=False) if a.dossier_id == b.dossier_id)
    deliveries = Delivery.objects.filter(dossier__in=dossiers, event__isnull=False)
    assert deliveries.count() == len(events)
    assert not deliveries.exclude(created_at=F("event__at")).exists()
    # The patch is gone afterwards: defaults read the real clock again.
    assert abs(DossierEvent._meta.get_field("at").get_default() - timezone.now()) < dt.timedelta(seconds=5)

    # A share is late (resolved after the appointment date), most are not; the rest of the stories too.
    resolved = dossiers.filter(resolved_at__isnull=False)
    late = resolved.filter(resolved_at__gt=F("due_at")).count()
    assert 0 < late < resolved.count() / 2
    actions = Counter(e.action for e in events)
    for action in ("submit", "intake", "receive", "forward", "complete_step", "approve", "return_result",
                   "request_payment", "confirm_payment"):
        assert actions[action] > 0, action
    assert dossiers.filter(channel=1).exists() and dossiers.filter(channel=2).exists()
    assert dossiers.filter(rating__isnull=False).exists()

    # The 766 index moves from month to month: every past month has a score, and they are not all alike.
    root = demo_office[PROVINCE]
    scores = {}
    for code in PAST:
        totals = ix.roll_up(ix.count(ix.window(ix.period_parse(code), NOW)))
        scores[code] = ix.score(totals[root.pk])["score"]
    assert None not in scores.values()
    assert len(set(scores.values())) > 1
    assert scores[PAST[0]] != scores[PAST[-1]]

    # Made once: loading the demo again adds nothing.
    assert history(size=60, now=NOW) == 0
    assert Dossier.objects.filter(**{f"form_data__{MARK}": True}).count() == made
    assert DossierEvent.objects.filter(dossier__in=dossiers).count() == len(events)


def test_history_needs_officials(db):
    """Without agencies that have a clerk, a specialist and a leader, nothing is made (and nothing fails)."""
    assert history(size=10, now=NOW) == 0
    assert not Dossier.objects.exists()
