"""The catalog API and its documentation, for every role."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from procedures.models import Field

from .catalog_data import ROLES, add_procedure, build_catalog, user_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    return build_catalog()


@pytest.fixture
def api():
    return APIClient()


def as_role(api, role):
    user = user_for(role)
    if user is not None:
        api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api


@pytest.mark.parametrize("role", ROLES)
def test_catalog_is_public_for_every_role(api, catalog, role):
    api = as_role(api, role)
    listing = api.get("/api/v1/procedures/")
    assert listing.status_code == 200
    assert listing.json()["count"] == 3
    assert api.get("/api/v1/procedures/1.001193/").status_code == 200
    # The catalog is read-only through the API, whoever asks.
    assert api.post("/api/v1/procedures/", {"code": "x"}).status_code in (401, 403, 405)
    assert api.delete("/api/v1/procedures/1.001193/").status_code in (401, 403, 405)


def test_list_shape_and_pagination(api, catalog):
    body = api.get("/api/v1/procedures/").json()
    assert set(body) == {"count", "next", "previous", "results"}
    first = body["results"][0]
    assert set(first) == {"code", "name", "field", "levels", "times", "online_level", "version", "url"}


def test_search_without_diacritics(api, catalog):
    body = api.get("/api/v1/procedures/", {"search": "dang ky khai sinh"}).json()
    assert [r["code"] for r in body["results"]] == ["1.001193"]
    assert body["results"][0]["name"] == "Thủ tục đăng ký khai sinh"


def test_filters(api, catalog):
    codes = lambda **q: {r["code"] for r in api.get("/api/v1/procedures/", q).json()["results"]}  # noqa: E731
    assert codes(field="XD") == {"1.009974"}
    assert codes(level="xa") == {"1.001193", "1.000894"}
    assert codes(agency="000.00.00.H48") == {"1.001193", "1.000894", "1.009974"}
    assert codes(online_level="info") == {"1.009974"}
    assert codes(search="ket hon", level="xa") == {"1.000894"}


@pytest.mark.parametrize(
    ("params", "key", "message"),
    [
        ({"online_level": "x"}, "online_level", "không hợp lệ"),
        ({"level": "huyen"}, "level", "Cấp thực hiện không hợp lệ"),
        ({"agency": "000.00.99.H99"}, "agency", "Không có cơ quan"),
        ({"field": "nope"}, "field", "Không có lĩnh vực"),
        ({"search": "x" * 201}, "search", ""),
    ],
)
def test_bad_filters_are_400_with_a_vietnamese_reason(api, catalog, params, key, message):
    response = api.get("/api/v1/procedures/", params)
    assert response.status_code == 400
    assert message in response.json()[key][0]


def test_detail_has_everything(api, catalog):
    body = api.get("/api/v1/procedures/1.009974/").json()
    assert body["times"] == [{"channel": 1, "amount": "20.00", "unit": "working_days", "description": ""},
                             {"channel": 2, "amount": "20.00", "unit": "working_days", "description": ""}]
    assert body["fees"] == [{"name": "Lệ phí", "channel": None, "amount": 150000, "payer": "", "note": ""}]
    assert body["documents"][1]["mandatory"] is False
    assert body["documents"][0]["accepted_types"] == ["pdf", "jpg", "jpeg", "png"]
    assert [s["role"] for s in body["workflow"]] == ["reception_clerk", "specialist", "leader"]
    assert body["legal_basis"][0]["number"] == "123/2015/NĐ-CP"
    assert body["agencies"] == [{"code": "000.00.13.H48", "name": "Sở Tư pháp"}]


def test_a_document_requirement_carries_the_id_an_upload_names(api, catalog):
    from procedures.models import Procedure

    body = api.get("/api/v1/procedures/1.009974/").json()
    version = Procedure.objects.get(code="1.009974").current_version
    assert [d["id"] for d in body["documents"]] == list(version.documents.order_by("order").values_list("pk", flat=True))
    schema = api.get("/api/schema/?format=json").json()
    assert "requirement" in schema["components"]["schemas"]["RequiredDocument"]["properties"]["id"]["description"]


def test_unknown_procedure_is_404(api, catalog):
    assert api.get("/api/v1/procedures/9.999999/").status_code == 404


def test_query_count_does_not_grow_with_the_catalog(api, catalog):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert api.get("/api/v1/procedures/", {"search": "dang ky"}).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    field = Field.objects.get(code="HT")
    for i in range(25):
        add_procedure(code=f"2.{200000 + i}", name=f"Đăng ký mẫu {i}", field=field, levels=["xa"], agencies=[catalog["ward"]])
    assert count() == before


def test_openapi_schema_and_local_docs(api, catalog):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/procedures/" in paths and "/api/v1/procedures/{code}/" in paths and "/api/v1/auth/token/" in paths
    docs = api.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/" in docs
    assert "cdn" not in docs.lower() and "unpkg" not in docs.lower()
