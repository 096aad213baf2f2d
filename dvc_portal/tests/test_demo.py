"""The demo loader: a whole first look, loaded twice without changing anything."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import User
from procedures.demo import FEATURED
from procedures.models import Agency, Procedure, ProcedureVersion

pytestmark = pytest.mark.django_db

DEMO_USERS = {"citizen", "citizen2", "business", "clerk", "specialist", "leader", "admin"}


def snapshot():
    return (
        Agency.objects.count(),
        Procedure.objects.count(),
        ProcedureVersion.objects.count(),
        User.objects.count(),
        sorted(Procedure.objects.filter(is_featured=True).values_list("code", flat=True)),
    )


def test_load_demo_is_complete_and_idempotent(capsys):
    call_command("load_demo")
    first = snapshot()
    call_command("load_demo")
    assert snapshot() == first
    assert set(User.objects.values_list("username", flat=True)) >= DEMO_USERS
    assert all(User.objects.get(username=u).check_password("demo-password") for u in DEMO_USERS)
    assert first[1] >= 30
    assert first[4] == sorted(FEATURED)
    levels = set(ProcedureVersion.objects.values_list("levels__code", flat=True))
    assert {"tinh", "xa"} <= levels
    assert not ProcedureVersion.objects.filter(agencies__isnull=True).exists()
    # Every demo procedure's workflow adds up, and every one is in force.
    assert not Procedure.objects.filter(current_version__isnull=True).exists()


def test_load_demo_refuses_production(settings):
    settings.IS_PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("load_demo")
    assert not User.objects.exists()


def test_load_demo_makes_a_living_office():
    from collections import Counter

    from cases.models import Dossier

    call_command("load_demo")
    states = Counter(Dossier.objects.values_list("state", flat=True))
    assert sum(states.values()) >= 30
    for state in ("submitted", "received", "processing", "supplement_requested", "awaiting_payment", "resolved",
                  "returned", "refused", "withdrawn", "suspended"):
        assert states[state] >= 1, state
    assert sum(d.is_overdue for d in Dossier.objects.all()) >= 2
    assert Dossier.objects.exclude(extended_at=None).exists()
    mine = Counter(Dossier.objects.filter(owner__username="citizen").values_list("state", flat=True))
    assert len(mine) >= 3
    assert Dossier.objects.values("agency").distinct().count() >= 2
    # Every demo dossier's log agrees with its state.
    for dossier in Dossier.objects.prefetch_related("events"):
        assert list(dossier.events.all())[-1].to_state == dossier.state
    # Ratings: all three answers, a follow-up to handle, and a finished dossier of `citizen` left to rate.
    from satisfaction.models import FollowUp, Rating
    from satisfaction.ratings import RATEABLE

    assert set(Rating.objects.values_list("level", flat=True)) == {1, 2, 3}
    assert FollowUp.objects.filter(status="open").exists()
    assert Dossier.objects.filter(owner__username="citizen", state__in=RATEABLE, rating=None).exists()
