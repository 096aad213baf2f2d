"""The dossier factory reaches every state it offers through the services, and logs each action."""

import pytest

from cases.models import DossierEvent
from cases.tests.factories import STATE_PATHS, DossierFactory, office_staff
from procedures.tests.factories import AgencyFactory, ProcedureFactory

pytestmark = pytest.mark.django_db


def test_every_state_is_reached_through_the_services():
    procedure, agency = ProcedureFactory(), AgencyFactory()
    assert procedure.current_version.steps.count() == 3  # so "to_last" is two completed steps
    staff = office_staff(agency)
    assert office_staff(agency) == staff  # the agency's officials are made once
    for state, path in STATE_PATHS.items():
        dossier = DossierFactory(procedure=procedure, agency=agency, state=state)
        assert (dossier.state, dossier.agency, dossier.version) == (state, agency, procedure.current_version)
        events = list(DossierEvent.objects.filter(dossier=dossier).order_by("seq").values_list("action", flat=True))
        expected = [] if state == "draft" else ["submit"]
        for action in path:
            expected += ["complete_step", "complete_step"] if action == "to_last" else [action]
        assert events == expected, state
    assert dossier.returned_at is not None  # the last state of the table


def test_an_unknown_state_is_refused():
    with pytest.raises(ValueError, match="cannot reach"):
        DossierFactory(state="archived")
