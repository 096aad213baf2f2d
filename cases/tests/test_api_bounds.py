"""JSON bodies are bounded before they are parsed (core.jsonlimits): a deep or huge one is a 400 that says so,
never a 500, and nothing is written."""

import json

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from accounts.tests.factories import CitizenFactory
from cases.models import Dossier

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    client = APIClient()
    client.force_authenticate(CitizenFactory())
    return client


def test_a_body_nested_100000_deep_is_refused_before_parsing(api):
    deep = '{"a":' * 100_000 + "1" + "}" * 100_000  # 600 kB: under the size bound, far over the depth of 32
    response = api.post("/api/v1/dossiers/", deep, content_type="application/json")
    assert response.status_code == 400 and "32" in response.json()["detail"]
    assert not Dossier.objects.exists()


def test_a_declaration_given_as_deep_json_text_is_refused(api):
    # The intake's multipart form carries the declaration as JSON text: the same bound.
    from cases.api.serializers import DeclarationField

    with pytest.raises(Exception, match="32"):
        DeclarationField().to_internal_value("[" * 1000 + "]" * 1000)


@override_settings(API_JSON_MAX_BYTES=1024)
def test_a_body_over_the_size_bound_is_refused(api):
    body = json.dumps({"procedure": "1.001193", "form_data": {"note": "x" * 2000}})
    response = api.post("/api/v1/dossiers/", body, content_type="application/json")
    assert response.status_code == 400 and "1 kB" in response.json()["detail"]
