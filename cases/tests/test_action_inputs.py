"""Each action's input: its own request body in the OpenAPI schema, typed, and the same for the page and the API;
and ``available_actions`` as the API lists it."""

import pytest
import yaml
from django.core.management import call_command

from cases.actions import ACTIONS, TAKEN, available_actions
from cases.models import Dossier, DossierEvent

from .test_api import act, client_for, draft, upload

pytestmark = pytest.mark.django_db


def _schema(tmp_path) -> dict:
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(out), "--validate")
    return yaml.safe_load(out.read_text())


def test_the_schema_gives_every_action_its_own_request_body(tmp_path):
    schema = _schema(tmp_path)
    bodies = {}
    for action in TAKEN.values():
        operation = schema["paths"][f"/api/v1/dossiers/{{id}}/{action.slug}/"]["post"]
        body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        bodies[action.name] = body
        assert set(operation["responses"]) == {"200", "400", "403", "404", "409"}, action.name
    assert len(set(bodies.values())) == len(TAKEN) == 15  # one body per action, none shared
    components = schema["components"]["schemas"]
    supplement = components["RequestSupplementInput"]["properties"]["items"]
    assert components[supplement["items"]["$ref"].rsplit("/", 1)[1]]["properties"]["guidance"]["type"] == "string"
    amount = components["FeeInput"]["properties"]["amount"]
    assert (amount["type"], amount["minimum"], amount["maximum"]) == ("integer", 1, 1_000_000_000_000)
    assert components["ExtendInput"]["properties"]["new_due_at"]["format"] == "date-time"


def test_every_declared_action_has_a_transition_and_every_transition_a_declaration():
    transitions = {t.name for t in Dossier._meta.get_field("state").get_all_transitions(Dossier)}
    assert transitions == set(ACTIONS)
    assert set(TAKEN) == set(ACTIONS) - {"submit", "intake"}  # created with the dossier, not taken on one


def _received(office) -> int:
    body = draft(office)
    assert upload(office, body["id"]).status_code == 201
    client_for(office["citizen"]).post(f"/api/v1/dossiers/{body['id']}/submit/")
    assert act(office, "clerk", body["id"], "receive").status_code == 200
    return body["id"]


@pytest.mark.parametrize("items", [
    [{"document": "Tờ khai", "guidance": {"a": 1}}],  # an object where the guidance is text
    [{"document": "Tờ khai"}],  # no guidance at all
    "Tờ khai",  # not a list
])
def test_a_malformed_supplement_request_is_400_and_changes_nothing(office, items):
    pk = _received(office)
    before = DossierEvent.objects.count()
    response = act(office, "clerk", pk, "request-supplement", items=items)
    assert response.status_code == 400 and "items" in response.json()
    # No event: nothing was published either (deliveries are written with the event, ADR 0025).
    assert Dossier.objects.get(pk=pk).state == "received" and DossierEvent.objects.count() == before


@pytest.mark.parametrize("amount", [0, -5, 1.5, "1e400", 10**13, 10**30, "một nghìn"])
def test_fees_are_whole_positive_vnd_within_a_bound(office, amount):
    pk = _received(office)
    act(office, "clerk", pk, "forward")
    before = DossierEvent.objects.count()
    response = client_for(office["specialist"]).post(
        f"/api/v1/dossiers/{pk}/request-payment/", {"fees": [{"name": "Lệ phí", "amount": amount}]}, format="json")
    assert response.status_code == 400 and "fees" in response.json()
    assert Dossier.objects.get(pk=pk).state == "processing" and DossierEvent.objects.count() == before


def test_a_forbidden_user_is_told_403_before_the_body_is_read(office):
    pk = _received(office)
    # The citizen may not request a supplement; their malformed body is not even looked at.
    response = act(office, "citizen", pk, "request-supplement", items="nonsense")
    assert response.status_code == 403


def test_the_dossier_lists_what_the_requesting_user_may_do_now(office):
    pk = _received(office)
    clerk = client_for(office["clerk"]).get(f"/api/v1/dossiers/{pk}/").json()
    citizen = client_for(office["citizen"]).get(f"/api/v1/dossiers/{pk}/").json()
    # Received: the clerk may ask for a supplement, refuse, forward or withdraw on request; the applicant withdraw.
    assert clerk["available_actions"] == ["request-supplement", "refuse", "forward", "withdraw"]
    assert citizen["available_actions"] == ["withdraw"]
    dossier = Dossier.objects.get(pk=pk)
    assert [ACTIONS[a].slug for a in available_actions(dossier, office["clerk"])] == clerk["available_actions"]
