"""``GET /api/v1/agencies/{code}/deadline/``: the due moment on an agency's own calendar, and why."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.urls import path
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from procedures.api.deadline import AgencyDeadlineView, DeadlineThrottle
from procedures.models import CalendarException
from procedures.services import calendar_exception_set
from procedures.tests.factories import AgencyFactory

VN = ZoneInfo("Asia/Ho_Chi_Minh")
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle():
    # The throttle counts per address in the shared cache (Redis when configured): start each test afresh.
    cache.delete("throttle_deadline_127.0.0.1")
    yield
    cache.delete("throttle_deadline_127.0.0.1")


@pytest.fixture
def ward():
    return AgencyFactory(code="000.00.53.H48")  # 07:30–11:30, 13:30–17:00 (7.5 h a day)


def url(code="000.00.53.H48"):
    return f"/api/v1/agencies/{code}/deadline/"


def test_five_working_days_over_30_4_with_the_days_off_and_the_make_up_saturday(client, ward):
    response = client.get(url(), {"start": "2025-04-24T10:00:00+07:00", "amount": "5", "unit": "working_days"})
    assert response.status_code == 200
    # Thu 24/04/2025 10:00 + 5 working days: Fri 25 = 1, Sat 26 (make-up) = 2, Mon 28 = 3, Tue 29 = 4; 30/4, 1/5,
    # Fri 2/5 (substituted day off), Sat 3 and Sun 4 off; Mon 05/05 10:00 = 5.
    assert response.json() == {
        "start": "2025-04-24T10:00:00+07:00",
        "due_at": "2025-05-05T10:00:00+07:00",
        "amount": 5,
        "unit": "working_days",
        "days_off": [
            {"date": "2025-04-27", "reason": "Nghỉ cuối tuần"},
            {"date": "2025-04-30", "reason": "Ngày Chiến thắng"},
            {"date": "2025-05-01", "reason": "Ngày Quốc tế Lao động"},
            {"date": "2025-05-02", "reason": "Ngày nghỉ (thay cho ngày 26/04/2025)"},
            {"date": "2025-05-03", "reason": "Nghỉ cuối tuần"},
            {"date": "2025-05-04", "reason": "Nghỉ cuối tuần"},
        ],
        "make_up_days": [{"date": "2025-04-26", "reason": "Làm bù cho ngày 02/05/2025"}],
    }


def test_four_working_hours_with_an_unencoded_offset_and_a_start_without_one(client, ward):
    # Mon 30/11/2026 14:00 + 4 working hours: 180 min to 17:00, 60 from Tue 01/12 07:30 → 08:30. The "+" of
    # "+07:00" sent unencoded arrives as a space: it is read back as an offset.
    response = client.get(url() + "?start=2026-11-30T14:00:00+07:00&amount=4&unit=working_hours")
    assert response.status_code == 200, response.json()
    assert response.json()["due_at"] == "2026-12-01T08:30:00+07:00"
    assert response.json()["days_off"] == []
    # Without an offset the start is read in Vietnam's time; from UTC it is converted.
    for start in ("2026-11-30T14:00", "2026-11-30T07:00:00Z"):
        response = client.get(url(), {"start": start, "amount": "4", "unit": "working_hours"})
        assert response.json()["due_at"] == "2026-12-01T08:30:00+07:00", start


def test_calendar_days_over_tet_2026_end_at_the_close_of_the_next_working_day(client, ward):
    # Wed 11/02/2026 + 5 days → Mon 16/02 (Giao thừa); Tết to Fri 20/02, weekend → the close of Mon 23/02.
    response = client.get(url(), {"start": "2026-02-11T09:00:00+07:00", "amount": "5", "unit": "calendar_days"})
    body = response.json()
    assert body["due_at"] == "2026-02-23T17:00:00+07:00"
    assert [d["date"] for d in body["days_off"]] == [
        "2026-02-14", "2026-02-15", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20",
        "2026-02-21", "2026-02-22"]
    assert body["days_off"][2]["reason"] == "Giao thừa Tết Nguyên Đán"


def test_months_and_zero(client, ward):
    # 31/01/2026 + 1 month → Sat 28/02/2026 (February has no 31st), not worked → the close of Mon 02/03.
    response = client.get(url(), {"start": "2026-01-31T10:00:00+07:00", "amount": "1", "unit": "months"})
    assert response.json()["due_at"] == "2026-03-02T17:00:00+07:00"
    # 0: within the day; Fri 20/11/2026 17:30 is after closing → the close of Mon 23/11.
    response = client.get(url(), {"start": "2026-11-20T17:30:00+07:00", "amount": "0", "unit": "working_days"})
    assert response.json()["due_at"] == "2026-11-23T17:00:00+07:00"
    assert response.json()["amount"] == 0


def test_the_agencys_own_hours_and_the_administrators_days(client):
    AgencyFactory(code="000.00.60.H48", morning_start=dt.time(8), morning_end=dt.time(12),
                  afternoon_start=dt.time(13), afternoon_end=dt.time(17, 30))
    calendar_exception_set(date=dt.date(2026, 11, 17), kind=CalendarException.Kind.DAY_OFF, name="Nghỉ đột xuất")
    # 510 min a day. Mon 16/11/2026 14:00 + 4 h: 210 to 17:30; Tue 17/11 off (administrator); 30 from Wed
    # 18/11 08:00 → 08:30.
    response = client.get(url("000.00.60.H48"), {"start": "2026-11-16T14:00:00+07:00", "amount": "4",
                                                  "unit": "working_hours"})
    assert response.json()["due_at"] == "2026-11-18T08:30:00+07:00"
    assert response.json()["days_off"] == [{"date": "2026-11-17", "reason": "Nghỉ đột xuất"}]
    # Half a day is 255 min: Mon 16/11 08:00 → 12:00 (240), 15 from 13:00 → 13:15.
    response = client.get(url("000.00.60.H48"), {"start": "2026-11-16T08:00:00+07:00", "amount": "0.5",
                                                  "unit": "working_days"})
    assert response.json()["due_at"] == "2026-11-16T13:15:00+07:00"
    assert response.json()["amount"] == 0.5


def test_start_defaults_to_now_to_the_minute(client, ward, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 11, 30, 14, 0, 27, 500000, tzinfo=VN))
    response = client.get(url(), {"amount": "4", "unit": "working_hours"})
    # Mon 30/11/2026 14:00(:27.5 dropped) + 4 h → Tue 01/12 08:30.
    assert response.json()["start"] == "2026-11-30T14:00:00+07:00"
    assert response.json()["due_at"] == "2026-12-01T08:30:00+07:00"


@pytest.mark.parametrize(("query", "field", "message"), [
    ({"amount": "5", "unit": "weeks"}, "unit",
     "Đơn vị tính “weeks” không hợp lệ: dùng working_days, working_hours, calendar_days, months."),
    ({"amount": "5"}, "unit", "Hãy nhập đơn vị tính: working_days, working_hours, calendar_days hoặc months."),
    ({"unit": "working_days"}, "amount", "Hãy nhập thời hạn, ví dụ 5 hoặc 0.5."),
    ({"amount": "năm", "unit": "working_days"}, "amount", "Thời hạn phải là một số, ví dụ 5 hoặc 0.5."),
    ({"amount": "NaN", "unit": "working_days"}, "amount", "Thời hạn phải là một số, ví dụ 5 hoặc 0.5."),
    ({"amount": "-1", "unit": "working_days"}, "amount", "Thời hạn không được là số âm."),
    ({"amount": "0.125", "unit": "working_days"}, "amount", "Chỉ dùng tối đa hai chữ số thập phân."),
    ({"amount": "121", "unit": "months"}, "amount", "Tối đa 120 tháng."),
    ({"amount": "3651", "unit": "calendar_days"}, "amount", "Tối đa 3650 ngày."),
    ({"amount": "2000.01", "unit": "working_days"}, "amount", "Tối đa 2000 ngày làm việc."),
    ({"amount": "1e9", "unit": "working_hours"}, "amount", "Tối đa 15000 giờ làm việc."),
    ({"amount": "1.5", "unit": "calendar_days"}, "amount", "Thời hạn tính theo ngày hoặc tháng phải là số nguyên."),
    ({"start": "24/04/2025", "amount": "5", "unit": "working_days"}, "start",
     "Thời điểm bắt đầu phải theo ISO 8601, ví dụ 2025-04-24T10:00:00+07:00."),
    ({"start": "2025-02-30T10:00", "amount": "5", "unit": "working_days"}, "start",
     "Thời điểm bắt đầu phải theo ISO 8601, ví dụ 2025-04-24T10:00:00+07:00."),
    ({"start": "1999-12-31T10:00", "amount": "5", "unit": "working_days"}, "start",
     "Thời điểm bắt đầu phải thuộc một năm từ 2000 đến 2100."),
], ids=["unknown-unit", "no-unit", "no-amount", "words", "nan", "negative", "three-decimals", "121-months",
        "3651-days", "2000.01-working-days", "1e9-hours", "fractional-days", "not-iso", "30-february", "1999"])
def test_a_bad_query_is_a_400_in_vietnamese_naming_the_field(client, ward, query, field, message):
    response = client.get(url(), query)
    assert response.status_code == 400
    assert response.json() == {field: [message]}


def test_an_unknown_or_inactive_agency_is_a_404(client, ward):
    response = client.get(url("000.00.99.H48"), {"amount": "5", "unit": "working_days"})
    assert response.status_code == 404
    assert response.json() == {"detail": "Không có cơ quan nào mang mã định danh này."}
    AgencyFactory(code="000.00.98.H48", is_active=False)
    assert client.get(url("000.00.98.H48"), {"amount": "5", "unit": "working_days"}).status_code == 404


def test_public_read_only_and_throttled_per_address(client, ward, monkeypatch):
    query = {"start": "2026-11-30T14:00:00+07:00", "amount": "1", "unit": "working_days"}
    assert client.post(url(), query).status_code == 405
    monkeypatch.setattr(DeadlineThrottle, "THROTTLE_RATES", {"deadline": "2/min"})
    cache.delete("throttle_deadline_127.0.0.1")
    assert [client.get(url(), query).status_code for _ in range(3)] == [200, 200, 429]


def test_the_openapi_schema_documents_it():
    generator = SchemaGenerator(patterns=[
        path("api/v1/agencies/<str:code>/deadline/", AgencyDeadlineView.as_view()),
    ])
    schema = generator.get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/agencies/{code}/deadline/"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert parameters["unit"]["required"] and sorted(parameters["unit"]["schema"]["enum"]) == [
        "calendar_days", "months", "working_days", "working_hours"]
    assert parameters["amount"]["required"] and parameters["amount"]["schema"]["type"] == "number"
    assert not parameters["start"].get("required") and parameters["start"]["schema"]["format"] == "date-time"
    assert parameters["code"]["in"] == "path"
    assert set(operation["responses"]) == {"200", "400", "404"}
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][body]["properties"]) == {
        "start", "due_at", "amount", "unit", "days_off", "make_up_days"}
