"""The sync desk (/dong-bo/): counts per direction and state, filters, who sees which rows, the buttons that
send again (status out for real through ``delivery_retry``; the inbound re-processing and the catalog task
replaced at their edge), the exports, and a page's bounded number of queries (the Decision 766 figure beside
the tables is satisfaction's: ``satisfaction/tests/test_desk_figures.py``)."""

import datetime as dt
import types
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import StaffMembership, User
from cases.services import dossier_intake
from integrations import desk_views, tasks
from integrations.models import Attempt, CatalogSync, Consumer, Delivery, InboundDossier

pytestmark = pytest.mark.django_db

DESK = "/dong-bo/"


def _url(direction="vao", **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("sync-desk-direction", args=[direction]) + (f"?{query}" if query else "")


def _dossier(office, name, number, *, agency="ward", procedure="birth", clerk="clerk"):
    return dossier_intake(clerk=office[clerk], procedure=office[procedure], agency=office[agency],
                          applicant={"name": name, "id_number": number})


def _portal(dossier, *, status, attempts=0, answer="", ok=False, code=None, **fields):
    """Set the dossier's (one) portal delivery to ``status`` and record the portal's answer to its last try."""
    delivery = Delivery.objects.get(dossier=dossier, consumer=Consumer.PORTAL)
    Delivery.objects.filter(pk=delivery.pk).update(status=status, attempts=attempts, last_error="" if ok else answer,
                                                   **fields)
    if answer:
        Attempt.objects.create(delivery=delivery, ok=ok, status_code=code, response=answer)
    return delivery


@dataclass
class World:
    office: dict
    admin: User  # administrator of the ward
    top_admin: User  # administrator of the province (the ward and the department are under it)
    pending: object
    failing: object
    delivered: object
    dead: object
    justice: object  # a dossier of the department of justice, given up
    stored: InboundDossier
    refused: InboundDossier
    failing_in: InboundDossier
    refused_justice: InboundDossier
    runs: list


@pytest.fixture
def world(office):
    admin = User.objects.create_user(username="ward-admin", password="x-password-123")
    StaffMembership.objects.create(user=admin, agency=office["ward"], role="administrator")
    top_admin = User.objects.create_user(username="province-admin", password="x-password-123")
    StaffMembership.objects.create(user=top_admin, agency=office["province"], role="administrator")

    pending = _dossier(office, "Trần Văn Bình", "048090004321")
    failing = _dossier(office, "Lê Thị Cúc", "048190005555")
    delivered = _dossier(office, "Phạm Văn Dũng", "048090006666")
    dead = _dossier(office, "Hoàng Thị Én", "048190007777")
    justice = _dossier(office, "Võ Văn Phúc", "048090008888", agency="justice", procedure="permit",
                       clerk="clerk_elsewhere")
    _portal(failing, status="pending", attempts=2, answer="503: Hệ thống đang bảo trì", code=503,
            next_attempt_at=timezone.now() + dt.timedelta(minutes=4))
    _portal(delivered, status="delivered", attempts=1, answer="0: Thành công []", ok=True, code=200,
            delivered_at=timezone.now())
    _portal(dead, status="dead", attempts=1, answer="1: Thiếu trường bắt buộc NgayHenTra.", code=200)
    _portal(justice, status="dead", attempts=6, answer="ConnectError: [Errno 111] Connection refused")

    delivered.national_reference = "QG-261120-000001"
    delivered.save(update_fields=["national_reference"])
    now = timezone.now()
    stored = InboundDossier.objects.create(
        national_reference="QG-261120-000001", procedure_code="1.001193", applicant_name="Phạm Văn Dũng",
        channel="push", status="stored", dossier=delivered, answer_code="0", times_received=1,
        payload={"MaDonViTiepNhan": office["ward"].code, "SoGiayToChuHoSo": "048090006666"},
        stored_at=now, acknowledged_at=now, last_received_at=now - dt.timedelta(hours=3),
    )
    refused = InboundDossier.objects.create(
        national_reference="QG-261120-000002", procedure_code="1.001193", applicant_name="Đặng Thị Giang",
        channel="push", status="refused", answer_code="1", times_received=2,
        errors=["Thủ tục 1.001193 không có trong danh mục của đơn vị tiếp nhận."],
        payload={"MaDonViTiepNhan": office["ward"].code, "SoGiayToChuHoSo": "048195009999"},
        last_received_at=now - dt.timedelta(hours=2),
    )
    failing_in = InboundDossier.objects.create(
        national_reference="QG-261120-000003", procedure_code="1.000894", applicant_name="Bùi Văn Hải",
        channel="pull", status="failing", answer_code="99", times_received=3,
        errors=["Không tải được tệp đính kèm Tờ khai."], payload={"SoGiayToChuHoSo": "048090001111"},
        last_received_at=now - dt.timedelta(hours=1),
    )
    refused_justice = InboundDossier.objects.create(
        national_reference="QG-261120-000004", procedure_code="2.000001", applicant_name="Ngô Thị Lan",
        channel="push", status="refused", answer_code="1", errors=["Sai mã đơn vị."],
        payload={"MaDonViTiepNhan": office["justice"].code}, last_received_at=now - dt.timedelta(days=2),
    )
    runs = [
        CatalogSync.objects.create(started_at=now - dt.timedelta(days=1), finished_at=now - dt.timedelta(days=1),
                                   status="ok", total=120, created=3, updated=5, unchanged=112),
        CatalogSync.objects.create(started_at=now - dt.timedelta(minutes=30), finished_at=now - dt.timedelta(minutes=29),
                                   status="failed", errors=["Cổng quốc gia không trả lời (HTTP 503)."]),
    ]
    return World(office, admin, top_admin, pending, failing, delivered, dead, justice, stored, refused, failing_in,
                 refused_justice, runs)


def _get(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return response


# --- counts ---------------------------------------------------------------------------------------------
def test_counts_per_direction_and_state(world, client):
    context = _get(client, world.admin, DESK).context
    assert context["inbound_counts"] == {"stored": 1, "refused": 1, "failing": 1}
    # The ward's four dossiers; the department's given-up one is not the ward's.
    assert context["out_counts"] == {"pending": 1, "failing": 1, "delivered": 1, "dead": 1}
    assert context["catalog_last"] == world.runs[1]  # the newest run, whatever its status

    top = _get(client, world.top_admin, DESK).context  # the province: the ward and the department below it
    assert top["inbound_counts"] == {"stored": 1, "refused": 2, "failing": 1}
    assert top["out_counts"] == {"pending": 1, "failing": 1, "delivered": 1, "dead": 2}


def test_a_retry_by_hand_counts_as_waiting_again_not_failing(world):
    from integrations import desk

    scope = desk.desk_scope(world.admin)
    assert desk.out_counts(scope, desk.Filters())["failing"] == 1
    Delivery.objects.filter(dossier=world.failing).update(attempts=0)  # what delivery_retry leaves
    assert desk.out_counts(scope, desk.Filters()) == {"pending": 2, "failing": 0, "delivered": 1, "dead": 1}


# --- rows and filters -----------------------------------------------------------------------------------
def test_status_out_lists_one_row_per_dossier_given_up_first_with_the_latest_answer(world, client):
    extra = Delivery.objects.get(dossier=world.dead, consumer=Consumer.PORTAL)
    extra.pk = None  # a second update of the same dossier, waiting behind the given-up one
    extra.status, extra.attempts = "pending", 0
    extra.save()
    rows = _get(client, world.admin, _url("ra")).context["rows"]
    assert [r["dossier__code"] for r in rows] == [
        world.dead.code, world.failing.code, world.pending.code, world.delivered.code]
    first = rows[0]
    assert (first["state"], first["dead"], first["pending"], first["delivered"]) == ("dead", 1, 1, 0)
    assert first["answer"]["response"] == "1: Thiếu trường bắt buộc NgayHenTra."
    assert first["masked_id"] == "048••••••777"
    assert rows[1]["most_attempts"] == 2 and rows[1]["next_at"] is not None
    assert rows[2]["answer"] is None  # never tried
    page = client.get(_url("ra")).content.decode()
    assert "048190007777" not in page and "048••••••777" in page
    assert page.count('action="/dong-bo/ra/') == 2  # "Gửi lại" on the given-up and the failing dossier only


@pytest.mark.parametrize(("state", "expected"), [
    ("dead", ["dead"]), ("failing", ["failing"]), ("pending", ["pending"]), ("delivered", ["delivered"]),
])
def test_status_out_filters_by_state(world, client, state, expected):
    rows = _get(client, world.admin, _url("ra", state=state)).context["rows"]
    assert [r["dossier__code"] for r in rows] == [getattr(world, name).code for name in expected]


def test_inbound_lists_failing_then_refused_then_stored(world, client):
    response = _get(client, world.admin, _url("vao"))
    rows = response.context["rows"]
    assert [r.national_reference for r in rows] == ["QG-261120-000003", "QG-261120-000002", "QG-261120-000001"]
    page = response.content.decode()
    assert "Thủ tục 1.001193 không có trong danh mục của đơn vị tiếp nhận." in page
    assert "048••••••999" in page and "048195009999" not in page
    assert page.count("/xu-ly-lai/") == 2  # "Xử lý lại" on the failing and refused records only


def test_search_by_dossier_code_or_national_reference(world, client):
    client.force_login(world.admin)
    by_code = client.get(_url("ra", q=world.dead.code)).context["rows"]
    assert [r["dossier__code"] for r in by_code] == [world.dead.code]
    by_reference = client.get(_url("ra", q="QG-261120-000001")).context["rows"]
    assert [r["dossier__code"] for r in by_reference] == [world.delivered.code]
    inbound = client.get(_url("vao", q=world.delivered.code)).context["rows"]
    assert [r.national_reference for r in inbound] == ["QG-261120-000001"]
    assert [r.national_reference for r in client.get(_url("vao", q="000002")).context["rows"]] == ["QG-261120-000002"]


def test_date_range_and_agency_filters(world, client):
    old = timezone.now() - dt.timedelta(days=40)
    Delivery.objects.filter(dossier=world.pending).update(created_at=old)
    since = (timezone.localdate() - dt.timedelta(days=10)).isoformat()
    client.force_login(world.admin)
    response = client.get(_url("ra", tu=since))
    assert world.pending.code not in [r["dossier__code"] for r in response.context["rows"]]
    assert response.context["out_counts"]["pending"] == 0  # the counts follow the date range too
    until = (timezone.localdate() - dt.timedelta(days=30)).isoformat()
    assert [r["dossier__code"] for r in client.get(_url("ra", den=until)).context["rows"]] == [world.pending.code]
    assert [r.national_reference for r in client.get(_url("vao", den=until)).context["rows"]] == []
    assert len(client.get(_url("danh-muc", tu=timezone.localdate().isoformat())).context["rows"]) == 1
    bad = client.get(_url("ra", tu="2026-12-01", den="2026-11-01"))
    assert bad.context["form"].errors  # shown, and the wrong range filters nothing
    assert len(bad.context["rows"]) == 4

    client.force_login(world.top_admin)
    ward = client.get(_url("ra", agency=world.office["ward"].code)).context
    assert world.justice.code not in [r["dossier__code"] for r in ward["rows"]]
    assert ward["out_counts"]["dead"] == 1
    justice = client.get(_url("vao", agency=world.office["justice"].code)).context["rows"]
    assert [r.national_reference for r in justice] == ["QG-261120-000004"]  # no record naming no agency
    stranger = client.get(_url("ra", agency="000.00.99.H48")).context
    assert stranger["form"].errors and len(stranger["rows"]) == 5  # not one of theirs: ignored, said so


def test_the_catalog_tab_lists_runs_newest_first_with_their_errors(world, client):
    response = _get(client, world.admin, _url("danh-muc"))
    assert list(response.context["rows"]) == [world.runs[1], world.runs[0]]
    assert "Cổng quốc gia không trả lời (HTTP 503)." in response.content.decode()
    assert [r.pk for r in client.get(_url("danh-muc", state="ok")).context["rows"]] == [world.runs[0].pk]


# --- access ---------------------------------------------------------------------------------------------
def test_a_clerk_of_another_agency_sees_nothing_of_ours(world, client):
    context = _get(client, world.office["clerk_elsewhere"], _url("ra")).context
    assert [r["dossier__code"] for r in context["rows"]] == [world.justice.code]
    assert context["out_counts"] == {"pending": 0, "failing": 0, "delivered": 0, "dead": 1}
    # Records that became no dossier are for administrators: a clerk sees none.
    assert list(client.get(_url("vao")).context["rows"]) == []
    assert client.get(_url("vao")).context["inbound_counts"] == {"stored": 0, "refused": 0, "failing": 0}


def test_a_clerk_sees_the_inbound_records_of_their_dossiers_and_opens_them(world, client):
    response = _get(client, world.office["clerk"], _url("vao"))
    assert [r.national_reference for r in response.context["rows"]] == ["QG-261120-000001"]
    assert reverse("cases:staff-dossier", args=[world.delivered.pk]) in response.content.decode()
    out = client.get(_url("ra")).content.decode()
    assert reverse("cases:staff-dossier", args=[world.dead.pk]) in out


def test_the_province_administrator_sees_the_codes_but_not_links_to_pages_they_cannot_open(world, client):
    page = _get(client, world.top_admin, _url("ra")).content.decode()
    assert world.dead.code in page and world.justice.code in page
    assert reverse("cases:staff-dossier", args=[world.dead.pk]) not in page  # the ward's page is the ward's


def test_an_administrator_elsewhere_does_not_see_records_naming_the_ward(world, client):
    other = User.objects.create_user(username="justice-admin", password="x-password-123")
    StaffMembership.objects.create(user=other, agency=world.office["justice"], role="administrator")
    unknown = InboundDossier.objects.create(
        national_reference="QG-261120-000005", channel="push", status="refused", errors=["Đơn vị không tồn tại."],
        payload={"MaDonViTiepNhan": "000.99.99.H48"}, last_received_at=timezone.now() - dt.timedelta(days=3))
    rows = _get(client, other, _url("vao")).context["rows"]
    # The department's own refused record, and those naming no agency the catalog knows (any administrator's).
    assert [r.national_reference for r in rows] == ["QG-261120-000003", "QG-261120-000004", unknown.national_reference]
    ward_rows = _get(client, world.admin, _url("vao")).context["rows"]
    assert unknown in ward_rows and world.refused_justice not in ward_rows


@pytest.mark.parametrize("who", ["citizen", "specialist", "leader"])
def test_citizens_and_other_roles_are_refused(world, client, who):
    client.force_login(world.office[who])
    assert client.get(DESK).status_code == 403
    assert client.post(reverse("sync-desk-resend", args=[world.dead.pk])).status_code == 403
    assert Delivery.objects.get(dossier=world.dead, consumer=Consumer.PORTAL).status == "dead"
    assert desk_views.sees_sync_desk(world.office[who]) is False


def test_anonymous_visitors_go_to_the_login_page(world, client):
    for url in (DESK, _url("ra")):
        response = client.get(url)
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    response = client.post(reverse("sync-desk-resend", args=[world.dead.pk]))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert Delivery.objects.get(dossier=world.dead, consumer=Consumer.PORTAL).status == "dead"


def test_a_superuser_sees_everything(world, client):
    root = User.objects.create_superuser(username="root", password="x-password-123")
    context = _get(client, root, DESK).context
    assert context["inbound_counts"] == {"stored": 1, "refused": 2, "failing": 1}
    assert context["out_counts"]["dead"] == 2
    assert desk_views.sees_sync_desk(root) and desk_views.sees_sync_desk(world.office["clerk"])


def test_an_unknown_direction_is_not_found(world, client):
    client.force_login(world.admin)
    assert client.get("/dong-bo/khac/").status_code == 404


# --- the buttons ----------------------------------------------------------------------------------------
def test_send_again_requeues_the_given_up_and_failing_updates(world, client, django_capture_on_commit_callbacks):
    client.force_login(world.admin)
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(reverse("sync-desk-resend", args=[world.dead.pk]),
                               {"next": _url("ra", state="dead")}, follow=True)
    assert response.redirect_chain[-1][0] == _url("ra", state="dead")
    delivery = Delivery.objects.get(dossier=world.dead, consumer=Consumer.PORTAL)
    assert (delivery.status, delivery.attempts) == ("pending", 0)
    assert len(queued) == 1  # the deliveries go to the workers after commit
    messages = [str(m) for m in response.context["messages"]]
    assert any(world.dead.code in m and "1" in m for m in messages)
    assert response.context["out_counts"]["dead"] == 0

    client.post(reverse("sync-desk-resend", args=[world.failing.pk]))
    delivery = Delivery.objects.get(dossier=world.failing, consumer=Consumer.PORTAL)
    assert (delivery.status, delivery.attempts) == ("pending", 0)


def test_send_again_leaves_delivered_updates_alone_and_says_so(world, client):
    client.force_login(world.admin)
    response = client.post(reverse("sync-desk-resend", args=[world.delivered.pk]), follow=True)
    assert response.status_code == 200
    assert Delivery.objects.get(dossier=world.delivered, consumer=Consumer.PORTAL).status == "delivered"
    assert len(list(response.context["messages"])) == 1


def test_send_again_on_another_agencys_dossier_is_not_found_and_changes_nothing(world, client):
    client.force_login(world.office["clerk_elsewhere"])
    assert client.post(reverse("sync-desk-resend", args=[world.dead.pk])).status_code == 404
    assert Delivery.objects.get(dossier=world.dead, consumer=Consumer.PORTAL).status == "dead"
    assert client.get(reverse("sync-desk-resend", args=[world.justice.pk])).status_code == 405


@pytest.fixture
def inbound_retry(monkeypatch):
    """``integrations.inbound.inbound_retry`` replaced: the calls it got, and the answers it is to give. The
    service is patched where the view calls it, so the test fails if it moves or is renamed."""
    calls = []
    answers = []

    def fake(*, inbound, actor):
        calls.append((inbound, actor))
        return answers.pop(0)

    monkeypatch.setattr("integrations.inbound.inbound_retry", fake)
    return calls, answers


@dataclass
class Answer:
    code: str
    message: str
    errors: list
    dossier: object = None


def test_process_again_calls_inbound_retry_with_the_record_and_says_what_came_of_it(world, client, inbound_retry):
    calls, answers = inbound_retry
    answers += [Answer("0", "Thành công", [], world.pending),
                Answer("1", "Hồ sơ không hợp lệ", ["Thiếu trường bắt buộc ChuHoSo."])]
    client.force_login(world.admin)
    response = client.post(reverse("sync-desk-reprocess", args=[world.failing_in.pk]), follow=True)
    assert calls == [(world.failing_in, world.admin)]
    assert any(world.pending.code in str(m) for m in response.context["messages"])
    response = client.post(reverse("sync-desk-reprocess", args=[world.refused.pk]), follow=True)
    assert calls[1] == (world.refused, world.admin)
    message = [m for m in response.context["messages"]][0]
    assert message.level_tag == "error" and "Thiếu trường bắt buộc ChuHoSo." in str(message)


def test_process_again_is_refused_where_the_user_does_not_see_the_record(world, client, inbound_retry):
    calls, _answers = inbound_retry
    client.force_login(world.office["clerk"])  # a clerk does not see records that became no dossier
    assert client.post(reverse("sync-desk-reprocess", args=[world.refused.pk])).status_code == 404
    client.force_login(world.admin)
    client.post(reverse("sync-desk-reprocess", args=[world.stored.pk]))  # stored: nothing to do
    assert calls == []


def test_synchronise_the_catalog_now_is_for_administrators(world, client, monkeypatch):
    started = []
    fake = types.SimpleNamespace(delay=lambda *a, **k: started.append((a, k)))
    monkeypatch.setattr(tasks, "catalog_sync", fake)
    url = reverse("sync-desk-catalog")
    client.force_login(world.office["clerk"])
    assert url not in client.get(_url("danh-muc")).content.decode()
    assert client.post(url).status_code == 403 and started == []
    client.force_login(world.admin)
    assert url in client.get(_url("danh-muc")).content.decode()
    response = client.post(url, follow=True)
    assert started == [((), {})]
    assert response.redirect_chain[-1][0] == _url("danh-muc")
    assert len(list(response.context["messages"])) == 1


# --- exports --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("direction", ["vao", "ra", "danh-muc"])
def test_every_table_exports(world, client, direction):
    client.force_login(world.admin)
    csv = client.get(_url(direction, xuat="csv"))
    assert csv["Content-Type"].startswith("text/csv")
    assert csv.content.startswith(b"\xef\xbb\xbf")
    text = csv.content.decode("utf-8-sig")
    if direction != "danh-muc":
        assert world.delivered.code in text
        assert "048090006666" not in text  # masked in the file too
    else:
        assert "Cổng quốc gia không trả lời (HTTP 503)." in text
    xlsx = client.get(_url(direction, xuat="xlsx"))
    assert xlsx.content[:2] == b"PK"


def test_the_export_follows_the_filters(world, client):
    client.force_login(world.admin)
    text = client.get(_url("ra", state="dead", xuat="csv")).content.decode("utf-8-sig")
    assert world.dead.code in text and world.pending.code not in text
    assert "1: Thiếu trường bắt buộc NgayHenTra." in text


# --- cost -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("direction", ["vao", "ra", "danh-muc"])
def test_a_page_costs_a_bounded_number_of_queries(world, client, direction, django_assert_max_num_queries):
    client.force_login(world.admin)
    client.get(_url(direction))  # warm the session
    # 11 of the page (session, user, scope 2, rows 2-3, counts 3, last run, T2) and the menu's 4 of base.html.
    with django_assert_max_num_queries(16):
        client.get(_url(direction))
    for n in range(12):
        dossier = _dossier(world.office, f"Người nộp {n}", f"0480900{n:05d}")
        _portal(dossier, status="dead", attempts=1, answer=f"1: Lỗi {n}")
        InboundDossier.objects.create(national_reference=f"QG-261121-{n:06d}", channel="push", status="failing",
                                      payload={"MaDonViTiepNhan": world.office["ward"].code})
        CatalogSync.objects.create(status="ok")
    with django_assert_max_num_queries(16):
        client.get(_url(direction))
