"""Public catalog pages: home, search and browse, a procedure's page, agencies; for every role."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from procedures.models import Field

from .catalog_data import ROLES, add_procedure, build_catalog, user_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    return build_catalog()


def get(client, url, role="anonymous", **params):
    user = user_for(role)
    if user is not None:
        client.force_login(user)
    return client.get(url, params)


@pytest.mark.parametrize("role", ROLES)
def test_every_public_page_answers_each_role(client, catalog, role):
    user = user_for(role)
    if user is not None:
        client.force_login(user)
    for url in (reverse("home"), reverse("procedure-list"), reverse("agency-list"), reverse("procedure-detail", args=["1.001193"])):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Language"] == "vi"


def test_home_shows_search_featured_and_fields(client, catalog):
    html = client.get(reverse("home")).content.decode()
    assert "Tìm thủ tục hành chính" in html
    assert "Thủ tục đăng ký khai sinh" in html  # featured
    assert "Hộ tịch" in html and "2 thủ tục" in html
    assert "Hoạt động xây dựng" in html


@pytest.mark.parametrize("query", ["dang ky khai sinh", "ĐĂNG KÝ KHAI SINH", "Đăng ký khai sinh", "đang ky khai sinh", "1.001193"])
def test_search_ignores_diacritics_and_case(client, catalog, query):
    response = client.get(reverse("procedure-list"), {"q": query})
    page = response.context["page"]
    assert [p.code for p in page.object_list][:1] == ["1.001193"]
    assert "Tìm thấy 1 thủ tục" in response.content.decode()


def test_search_requires_every_word(client, catalog):
    page = client.get(reverse("procedure-list"), {"q": "dang ky"}).context["page"]
    assert {p.code for p in page.object_list} == {"1.001193", "1.000894"}
    page = client.get(reverse("procedure-list"), {"q": "dang ky xay dung"}).context["page"]
    assert list(page.object_list) == []


def test_browse_by_field_level_agency_and_online_level(client, catalog):
    url = reverse("procedure-list")
    codes = lambda **f: {p.code for p in client.get(url, f).context["page"].object_list}  # noqa: E731
    assert codes(field="XD") == {"1.009974"}
    assert codes(level="xa") == {"1.001193", "1.000894"}
    assert codes(agency="000.11.31.H48") == {"1.001193", "1.000894"}
    # An agency includes its sub-agencies: the province holds them all.
    assert codes(agency="000.00.00.H48") == {"1.001193", "1.000894", "1.009974"}
    assert codes(online_level="partial") == {"1.000894"}


def test_bad_filters_are_reported_not_fatal(client, catalog):
    response = client.get(reverse("procedure-list"), {"field": "nope", "page": "x"})
    assert response.status_code == 200
    assert "Một số điều kiện lọc không hợp lệ" in response.content.decode()


def test_procedure_page_shows_what_a_citizen_needs(client, catalog):
    html = client.get(reverse("procedure-detail", args=["1.009974"])).content.decode()
    for text in ("Cấp giấy phép xây dựng", "Thành phần hồ sơ", "Tờ khai theo mẫu", "Mẫu TK01", "Tùy trường hợp",
                 "150.000 đồng", "20 ngày làm việc", "Quy trình và thời gian xử lý", "Căn cứ pháp lý", "123/2015/NĐ-CP",
                 "Nơi tiếp nhận", "Sở Tư pháp", "Cung cấp thông tin", "Giấy chứng nhận"):
        assert text in html, text


def test_unknown_or_unpublished_procedure_is_404(client, catalog):
    assert client.get(reverse("procedure-detail", args=["9.999999"])).status_code == 404
    draft = add_procedure(code="2.000001", name="Bản nháp", field=Field.objects.first(), levels=["xa"], agencies=[], published=False)
    assert client.get(reverse("procedure-detail", args=[draft.code])).status_code == 404


def test_english_is_the_second_language(client, catalog):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("home")).content.decode()
    assert "Most used procedures" in html


def _queries(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


def test_pages_cost_the_same_number_of_queries_whatever_the_catalog_size(client, catalog):
    field = Field.objects.get(code="HT")
    list_url = reverse("procedure-list")
    before = (_queries(client, list_url), _queries(client, list_url, {"q": "dang ky"}), _queries(client, reverse("home")))
    for i in range(30):
        add_procedure(code=f"2.{100000 + i}", name=f"Đăng ký thử nghiệm {i}", field=field, levels=["xa", "tinh"],
                      agencies=[catalog["ward"]], featured=True)
    after = (_queries(client, list_url), _queries(client, list_url, {"q": "dang ky"}), _queries(client, reverse("home")))
    assert before == after
    assert _queries(client, reverse("procedure-detail", args=["1.001193"])) <= 12


def test_health_check(client):
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
