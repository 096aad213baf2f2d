"""Two officials at once, and many submissions at once, on PostgreSQL (row locks are real there)."""

import threading

import pytest
from django.db import connection, connections

from cases.actions import perform
from cases.models import Dossier, DossierEvent
from cases.services import ActionRefused, dossier_intake

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks"),
    pytest.mark.django_db(transaction=True),
]


def run_together(functions):
    """Start every function at the same moment in its own thread (own connection); collect outcomes."""
    barrier = threading.Barrier(len(functions))
    outcomes = [None] * len(functions)

    def runner(i, function):
        try:
            barrier.wait()
            outcomes[i] = function()
        except Exception as error:  # noqa: BLE001 - the outcome is what the test inspects
            outcomes[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_two_officials_act_on_one_dossier_at_once(office):
    dossier = dossier_intake(clerk=office["clerk"], procedure=office["birth"], agency=office["ward"],
                             applicant={"name": "Trần Văn Bình", "id_number": "048088001122"})
    second_clerk = office["clerk"]
    outcomes = run_together([
        lambda: perform(dossier=dossier, action="forward", actor=office["clerk"]),
        lambda: perform(dossier=dossier, action="forward", actor=second_clerk),
    ])
    wins = [o for o in outcomes if not isinstance(o, Exception)]
    losses = [o for o in outcomes if isinstance(o, Exception)]
    assert len(wins) == 1, outcomes
    assert len(losses) == 1 and isinstance(losses[0], ActionRefused), outcomes
    assert DossierEvent.objects.filter(dossier=dossier, action="forward").count() == 1
    assert Dossier.objects.get(pk=dossier.pk).state == "processing"


def test_concurrent_intakes_never_share_or_skip_a_code(office):
    def one():
        return dossier_intake(clerk=office["clerk"], procedure=office["birth"], agency=office["ward"],
                              applicant={"name": "Trần Văn Bình", "id_number": "048088001122"}).code

    codes = run_together([one] * 8)
    assert all(isinstance(c, str) for c in codes), codes
    numbers = sorted(int(c.rsplit("-", 1)[1]) for c in codes)
    assert numbers == list(range(1, 9))
