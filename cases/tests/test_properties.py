"""Random sequences of actions keep a dossier consistent with its event log and its clock."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases.actions import TAKEN, perform
from cases.models import Dossier
from cases.services import ActionRefused, dossier_intake
from cases.workflow import TERMINAL, WAITING_ON_CITIZEN

from .test_transition_matrix import payload_for

pytestmark = pytest.mark.django_db

ACTIONS = tuple(TAKEN)

ROLES = ["clerk", "specialist", "leader", "citizen"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from(ACTIONS), st.sampled_from(ROLES)), min_size=1, max_size=25))
def test_random_actions_keep_state_log_and_clock_consistent(office, steps):
    dossier = dossier_intake(clerk=office["clerk"], procedure=office["birth"], agency=office["ward"],
                             applicant={"name": "Trần Văn Bình", "id_number": "048088001122"})
    Dossier.objects.filter(pk=dossier.pk).update(owner=office["citizen"])
    for action, role in steps:
        before = Dossier.objects.get(pk=dossier.pk)
        events_before = before.events.count()
        try:
            event = perform(dossier=before, action=action, actor=office[role], **payload_for(action))
        except (ActionRefused, PermissionDenied, ValidationError):
            after = Dossier.objects.get(pk=dossier.pk)
            assert after.state == before.state and after.events.count() == events_before
            continue
        after = Dossier.objects.get(pk=dossier.pk)
        assert before.state not in TERMINAL, "a closed dossier took an action"
        assert event.from_state == before.state and event.to_state == after.state
        assert after.events.count() == events_before + 1
    final = Dossier.objects.get(pk=dossier.pk)
    events = list(final.events.order_by("seq"))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[-1].to_state == final.state
    for earlier, later in zip(events, events[1:], strict=False):
        assert later.from_state == earlier.to_state
    assert final.supplement_count <= 1
    assert (final.paused_at is not None) == (final.state in WAITING_ON_CITIZEN)
    assert final.due_at is not None and final.received_at is not None
    assert final.due_at > final.received_at
    Dossier.objects.filter(pk=final.pk).delete()
