"""Staff accountability: per official and step, dossiers handled and late, the late list with its reasons,
the downloads, and who may see which agencies."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import StaffMembership, User
from cases.actions import TAKEN, perform
from cases.models import Dossier, DossierEvent
from cases.services import dossier_intake
from cases.tests.factories import later_working_moment
from procedures.models import StaffRole
from satisfaction import accountability as report

pytestmark = pytest.mark.django_db
URL = reverse("satisfaction:accountability")


def _official(username, agency, role, last="", first=""):
    user = User.objects.create_user(username=username, password="x-password-123", last_name=last, first_name=first)
    StaffMembership.objects.create(user=user, agency=agency, role=role)
    return user


def _act(dossier, action, actor, *, late, reason="", data=None):
    """Take ``action`` with the current step due an hour ago (``late``) or in an hour (on time)."""
    due = timezone.now() + dt.timedelta(hours=-1 if late else 1)
    Dossier.objects.filter(pk=dossier.pk).update(step_due_at=due)
    return perform(dossier=dossier, action=action, actor=actor, reason=reason, **data or {})


@pytest.fixture
def handled(office):
    """Five dossiers of the ward (steps: 1 Tiếp nhận by the clerk, 2 Thẩm định by the specialist, 3 Phê duyệt
    by the leader) and one of the Department of Justice, taken through their steps on time or late:

    | dossier | clerk, step 1 | specialist, step 2            | leader, step 3 |
    |---------|---------------|-------------------------------|----------------|
    | D1      | on time       | late                          | approve, on time |
    | D2      | late          | on time                       | approve, late  |
    | D3      | on time       | extended, then late           | —              |
    | D4      | on time       | transfer to Justice, late     | —              |
    | D5 (Justice, its clerk)  | late |                          |                |

    and one handling from before steps were recorded (no step data) by the ward's specialist, on D1.
    """
    ward, justice = office["ward"], office["justice"]
    clerk, specialist, leader = office["clerk"], office["specialist"], office["leader"]
    clerk.last_name, clerk.first_name = "Trần", "Thị Hoa"
    clerk.save()

    def ward_dossier(name):
        dossier = dossier_intake(clerk=clerk, procedure=office["birth"], agency=ward,
                                 applicant={"name": name, "id_number": "048090001234"})
        perform(dossier=dossier, action="forward", actor=clerk)
        return dossier

    d1, d2, d3, d4 = (ward_dossier(f"Người nộp {n}") for n in range(1, 5))
    _act(d1, "complete_step", clerk, late=False, reason="Hồ sơ đầy đủ")
    _act(d1, "complete_step", specialist, late=True, reason="Đã thẩm định, đủ điều kiện")
    _act(d1, "approve", leader, late=False, reason="15/2026/QĐ-UBND")

    _act(d2, "complete_step", clerk, late=True, reason="Tiếp nhận chậm do mất điện")
    _act(d2, "complete_step", specialist, late=False, reason="Đủ điều kiện")
    _act(d2, "approve", leader, late=True, reason="16/2026/QĐ-UBND")

    _act(d3, "complete_step", clerk, late=False, reason="Hồ sơ đầy đủ")
    d3.refresh_from_db()
    perform(dossier=d3, action="extend", actor=specialist, reason="Chờ kết quả xác minh của Công an phường", new_due_at=later_working_moment(d3.due_at, 3))
    _act(d3, "complete_step", specialist, late=True, reason="Đã có kết quả xác minh")

    _act(d4, "complete_step", clerk, late=False, reason="Hồ sơ đầy đủ")
    _act(d4, "transfer", specialist, late=True, reason="Thuộc thẩm quyền của Sở Tư pháp", data={"agency": justice.code})

    justice_clerk = office["clerk_elsewhere"]
    _official("justice-specialist", justice, "specialist")
    d5 = dossier_intake(clerk=justice_clerk, procedure=office["permit"], agency=justice,
                        applicant={"name": "Công ty A", "id_number": "0401234567"})
    perform(dossier=d5, action="forward", actor=justice_clerk)
    _act(d5, "complete_step", justice_clerk, late=True, reason="Chậm do nghỉ phép")

    DossierEvent.objects.create(dossier=d1, seq=99, action="complete_step", actor=specialist, from_state="processing",
                                to_state="processing", reason="Trước khi ghi nhận bước")
    return {**office, "d1": d1, "d2": d2, "d3": d3, "d4": d4, "d5": d5, "period": report.period_current("month")}


def _rows(handled, agency=None, everything=False):
    agencies = list(report.Scope(everything=True).agencies())
    ids = report.subtree_ids(agencies, agency) if agency else None
    names = {a.pk: a.name for a in agencies}
    return report.official_rows(period=handled["period"], agency_ids=ids, agency_names=names)


def _counts(rows):
    return {(r["username"], r["step"]): (r["handled"], r["late"], r["measured"]) for r in rows}


# --- what is recorded and counted --------------------------------------------------------------------------
def test_a_step_handling_event_records_its_step_due_time_and_lateness(handled):
    event = handled["d1"].events.get(action="complete_step", actor=handled["specialist"], data__has_key="late")
    step = handled["birth"].current_version.steps.get(order=2)

    assert event.data["step_id"] == step.pk
    assert event.data["step_name"] == "Thẩm định"
    assert event.data["step_role"] == "specialist"
    assert event.data["step_agency"] == handled["ward"].pk
    assert event.data["late"] is True
    assert dt.datetime.fromisoformat(event.data["step_due_at"]) < event.at
    # A transfer records the step at the agency that had it, not the one it went to.
    transfer = handled["d4"].events.get(action="transfer")
    assert transfer.data["step_agency"] == handled["ward"].pk
    assert transfer.data["agency"] == handled["justice"].code


def test_the_caller_cannot_write_the_recorded_step(office):
    dossier = dossier_intake(clerk=office["clerk"], procedure=office["birth"], agency=office["ward"],
                             applicant={"name": "Nguyễn Văn Bình", "id_number": "048090001235"})
    perform(dossier=dossier, action="forward", actor=office["clerk"])
    # Neither the API's body nor the page's form can carry the recorded step: the action's input drops what it
    # does not declare, and the service takes no such argument.
    given = TAKEN["complete_step"].input(data={"reason": "Đủ", "late": False, "step_agency": 1})
    assert given.is_valid() and given.validated_data == {"reason": "Đủ"}
    with pytest.raises(TypeError):
        perform(dossier=dossier, action="complete_step", actor=office["clerk"], late=False)
    event = _act(dossier, "complete_step", office["clerk"], late=True, **given.validated_data)

    assert event.data["late"] is True
    assert event.data["step_agency"] == office["ward"].pk


def test_without_a_step_deadline_a_handling_is_not_measured(office):
    dossier = dossier_intake(clerk=office["clerk"], procedure=office["birth"], agency=office["ward"],
                             applicant={"name": "Nguyễn Văn Bình", "id_number": "048090001235"})
    perform(dossier=dossier, action="forward", actor=office["clerk"])
    Dossier.objects.filter(pk=dossier.pk).update(step_due_at=None)
    event = perform(dossier=dossier, action="complete_step", actor=office["clerk"], reason="Đủ")

    assert "late" not in event.data
    assert event.data["step_name"] == "Tiếp nhận"


def test_counts_per_official_and_step(handled):
    counts = _counts(_rows(handled, handled["ward"]))

    assert counts == {
        # clerk: D1, D2, D3, D4 at step 1; late on D2 only.
        ("ward-reception_clerk", "Tiếp nhận"): (4, 1, 4),
        # specialist: D1, D2, D3, D4 at step 2; late on D1, D3 and D4 (the transfer).
        ("ward-specialist", "Thẩm định"): (4, 1 + 1 + 1, 4),
        # the old event on D1 has no step: handled, not measured.
        ("ward-specialist", ""): (1, 0, 0),
        # leader: D1 on time, D2 late.
        ("ward-leader", "Phê duyệt"): (2, 1, 2),
    }


def test_rows_are_most_late_first_with_names_roles_and_rates(handled):
    rows = _rows(handled, handled["ward"])

    first = rows[0]
    assert (first["username"], first["role"], first["agency"]) == (
        "ward-specialist", str(StaffRole.SPECIALIST.label), "Ủy ban nhân dân phường Hải Châu")
    assert first["late_rate"] == 3 / 4
    clerk = next(r for r in rows if r["username"] == "ward-reception_clerk")
    assert clerk["official"] == "Trần Thị Hoa"
    assert clerk["late_rate"] == 1 / 4
    unmeasured = next(r for r in rows if r["step"] == "")
    assert unmeasured["late_rate"] is None
    assert report.totals(rows) == {
        "handled": 4 + 4 + 1 + 2, "measured": 4 + 4 + 2, "late": 1 + 3 + 1, "unmeasured": 1,
        "late_rate": (1 + 3 + 1) / (4 + 4 + 2), "late_percent": 100 * (1 + 3 + 1) / (4 + 4 + 2),
    }


def test_an_agency_includes_its_sub_agencies(handled):
    province = _counts(_rows(handled, handled["province"]))
    justice = _counts(_rows(handled, handled["justice"]))

    assert justice == {("justice-clerk", "Tiếp nhận"): (1, 1, 1)}
    assert province == {**_counts(_rows(handled, handled["ward"])), **justice}
    assert _counts(_rows(handled)) == province


def test_the_period_bounds_the_counts(handled):
    last_year = report.period_parse(str(timezone.localdate().year - 1))
    agencies = list(report.Scope(everything=True).agencies())
    assert report.official_rows(period=last_year, agency_ids=None, agency_names={a.pk: a.name for a in agencies}) == []


def test_late_list_with_reasons(handled):
    agencies = list(report.Scope(everything=True).agencies())
    ids = report.subtree_ids(agencies, handled["ward"])
    late = list(report.late_handlings(period=handled["period"], agency_ids=ids,
                                      agency_names={a.pk: a.name for a in agencies}))

    # Newest first: D4's transfer, D3's specialist, D2's approval, D2's clerk, D1's specialist.
    assert [(r["code"], r["step"], r["action"]) for r in late] == [
        (handled["d4"].code, "Thẩm định", "transfer"),
        (handled["d3"].code, "Thẩm định", "complete_step"),
        (handled["d2"].code, "Phê duyệt", "approve"),
        (handled["d2"].code, "Tiếp nhận", "complete_step"),
        (handled["d1"].code, "Thẩm định", "complete_step"),
    ]
    d3 = late[1]
    assert d3["reason"] == "Đã có kết quả xác minh"
    assert d3["extension_reason"] == "Chờ kết quả xác minh của Công an phường"
    assert d3["extended_to"] == Dossier.objects.get(pk=handled["d3"].pk).due_at
    assert d3["due"] < d3["at"]
    assert late[0]["reason"] == "Thuộc thẩm quyền của Sở Tư pháp"
    assert late[0]["extension_reason"] == ""
    assert all(r["agency"] == "Ủy ban nhân dân phường Hải Châu" for r in late)


# --- the page and who may see it ----------------------------------------------------------------------------
def test_anonymous_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("who", ["citizen", "clerk", "specialist"])
def test_citizens_and_officials_who_do_not_lead_are_refused(client, handled, who):
    client.force_login(handled[who])
    assert client.get(URL).status_code == 403
    assert client.get(URL, {"export": "csv"}).status_code == 403


def test_a_leader_sees_their_agency_only(client, handled):
    client.force_login(handled["leader"])
    response = client.get(URL)

    assert response.status_code == 200
    assert {r["username"] for r in response.context["rows"]} == {"ward-reception_clerk", "ward-specialist", "ward-leader"}
    assert [code for code, _label in response.context["agency_options"]] == [handled["ward"].code]
    assert len(response.context["late"]) == 5
    page = response.content.decode()
    assert "Chờ kết quả xác minh của Công an phường" in page
    assert handled["d5"].code not in page

    assert client.get(URL, {"agency": handled["justice"].code}).status_code == 403
    assert client.get(URL, {"agency": handled["province"].code}).status_code == 403
    assert client.get(URL, {"agency": handled["justice"].code, "export": "xlsx"}).status_code == 403


def test_a_province_leader_sees_the_agencies_under_it_and_can_narrow(client, handled):
    client.force_login(_official("province-leader", handled["province"], "leader"))

    everything = client.get(URL)
    assert {r["username"] for r in everything.context["rows"]} == {
        "ward-reception_clerk", "ward-specialist", "ward-leader", "justice-clerk"}
    narrowed = client.get(URL, {"agency": handled["justice"].code, "period": handled["period"].code})
    assert [r["username"] for r in narrowed.context["rows"]] == ["justice-clerk"]
    assert narrowed.context["chosen"] == handled["justice"]


@pytest.mark.parametrize("who", ["administrator", "superuser"])
def test_administrators_and_superusers_see_every_agency(client, handled, who):
    if who == "superuser":
        user = User.objects.create_superuser(username="root", password="x-password-123")
    else:
        user = _official("admin", handled["justice"], "administrator")
    client.force_login(user)
    response = client.get(URL)

    assert response.status_code == 200
    assert response.context["everything"] is True
    assert report.totals(response.context["rows"])["handled"] == 4 + 4 + 1 + 2 + 1


def test_a_bad_period_is_a_bad_request(client, handled):
    client.force_login(handled["leader"])
    assert client.get(URL, {"period": "2026-13"}).status_code == 400
    assert client.get(URL, {"export": "pdf"}).status_code == 400


def test_the_page_costs_the_same_queries_whatever_the_data(client, handled, django_assert_max_num_queries):
    client.force_login(handled["leader"])
    client.get(URL)  # sessions, content types and translations warmed up
    # Session, user, the layout's (about 3), and the report's own 4: memberships, agencies, counts, late list.
    with django_assert_max_num_queries(12) as small:
        client.get(URL)
    for n in range(5):  # more dossiers, more officials, more late handlings
        official = _official(f"extra-clerk-{n}", handled["ward"], "reception_clerk")
        dossier = dossier_intake(clerk=official, procedure=handled["birth"], agency=handled["ward"],
                                 applicant={"name": f"Người nộp thêm {n}", "id_number": "048090001234"})
        perform(dossier=dossier, action="forward", actor=official)
        _act(dossier, "complete_step", official, late=True, reason="Chậm")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(URL)
    assert len(response.context["rows"]) == 4 + 5


# --- the downloads ----------------------------------------------------------------------------------------
def test_officials_table_as_csv(client, handled):
    client.force_login(handled["leader"])
    response = client.get(URL, {"export": "csv", "table": "officials", "period": handled["period"].code})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert f' {handled["period"].code}.csv"' in response["Content-Disposition"]  # the title, then the period
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(text[1:])))
    columns, _rows = report.official_table([])
    assert table[0] == [c.title for c in columns]  # official, username, agency, role, step, handled, late, ...
    assert table[1] == ["ward-specialist", "ward-specialist", "Ủy ban nhân dân phường Hải Châu",
                        str(StaffRole.SPECIALIST.label), "Thẩm định", "4", "3", "0", f"{100 * 3 / 4:.1f}%"]
    assert len(table) == 1 + 4


def test_late_list_as_excel(client, handled):
    client.force_login(handled["leader"])
    response = client.get(URL, {"export": "xlsx", "table": "late", "agency": handled["ward"].code})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert handled["ward"].code in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert len(rows) == 1 + 5
    d3 = next(r for r in rows[1:] if r[0] == handled["d3"].code)
    assert d3[2] == "Thẩm định"
    assert isinstance(d3[5], dt.datetime) and isinstance(d3[6], dt.datetime) and d3[5] < d3[6]
    assert d3[7] == "Đã có kết quả xác minh"
    assert d3[8] == "Chờ kết quả xác minh của Công an phường"
