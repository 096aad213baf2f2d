"""The officials' pages: workspace queues, the dossier page and its actions, counter intake."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import StaffMembership, User
from cases.actions import available_actions as allowed_actions
from cases.models import Dossier, DossierDocument, DossierEvent
from procedures.working_calendar import public_holidays
from tests.catalog_data import build_catalog

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def world():
    catalog = build_catalog()
    ward, justice = catalog["ward"], catalog["justice"]
    users = {}
    for name, agency, role in [
        ("clerk", ward, "reception_clerk"),
        ("specialist", ward, "specialist"),
        ("leader", ward, "leader"),
        ("clerk_elsewhere", justice, "reception_clerk"),
    ]:
        users[name] = User.objects.create_user(username=name, password="x-password-123", last_name=name.title())
        StaffMembership.objects.create(user=users[name], agency=agency, role=role)
    users["citizen"] = User.objects.create_user(username="citizen", password="x-password-123")
    return {**catalog, "users": users}


def make_dossier(world, *, state="submitted", due_in=None, name="Nguyễn Văn An", number="048090001234", step=None,
                 paused=False, code=None):
    procedure = world["birth"]
    now = timezone.now()
    seq = Dossier.objects.count() + 1
    dossier = Dossier.objects.create(
        procedure=procedure, version=procedure.current_version, owner=world["users"]["citizen"],
        applicant_name=name, applicant_id_number=number, agency=world["ward"],
        code=code or f"000.11.31.H48-{now:%y%m%d}-{seq:04d}", submitted_at=now,
    )
    steps = list(procedure.current_version.steps.order_by("order"))
    Dossier.objects.filter(pk=dossier.pk).update(
        state=state,
        received_at=None if state == "submitted" else now - dt.timedelta(days=1),
        due_at=None if due_in is None else now + due_in,
        current_step=steps[step] if step is not None else None,
        paused_at=now if paused else None,
    )
    return Dossier.objects.get(pk=dossier.pk)


def login(client, world, who):
    client.force_login(world["users"][who])
    return client


def snapshot(dossier):
    return (Dossier.objects.filter(pk=dossier.pk).values().get(), DossierEvent.objects.filter(dossier=dossier).count())


# --- the workspace --------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["clerk", "specialist", "leader", "clerk_elsewhere"])
def test_workspace_opens_for_every_staff_role(client, world, who):
    response = login(client, world, who).get(reverse("cases:workspace"))
    assert response.status_code == 200
    assert [t["name"] for t in response.context["tabs"]] == ["new", "due_today", "overdue", "waiting", "my_step", "all"]


def test_workspace_refuses_a_citizen_and_sends_anonymous_to_login(client, world):
    url = reverse("cases:workspace")
    response = client.get(url)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert login(client, world, "citizen").get(url).status_code == 403


def test_queues_hold_the_right_dossiers(client, world, settings):
    now = timezone.localtime()
    # A moment still today but later than now (or in a minute when the day is almost over).
    later_today = min(now.replace(hour=23, minute=59, second=0) - now, dt.timedelta(hours=1))
    new = make_dossier(world, state="submitted")
    due_today = make_dossier(world, state="received", due_in=later_today)
    overdue = make_dossier(world, state="processing", due_in=-dt.timedelta(days=3), step=1)
    waiting = make_dossier(world, state="supplement_requested", due_in=dt.timedelta(days=5), paused=True)
    login(client, world, "clerk")

    def codes(queue, **extra):
        response = client.get(reverse("cases:workspace"), {"queue": queue, **extra})
        assert response.status_code == 200
        return {row["dossier"].code for row in response.context["rows"]}, response

    assert codes("new")[0] == {new.code}
    assert codes("due_today")[0] == {due_today.code}
    found, response = codes("overdue")
    assert found == {overdue.code}
    row = response.context["rows"][0]
    assert row["time"]["level"] == "late"
    assert "ws-late" in response.content.decode()
    assert codes("waiting")[0] == {waiting.code}
    assert codes("all")[0] == {new.code, due_today.code, overdue.code, waiting.code}
    counts = {t["name"]: t["count"] for t in response.context["tabs"]}
    assert counts == {"new": 1, "due_today": 1, "overdue": 1, "waiting": 1, "my_step": 0, "all": 4}
    # The specialist's step is the middle one: the overdue dossier is at it.
    client.force_login(world["users"]["specialist"])
    assert codes("my_step")[0] == {overdue.code}
    # Another agency's clerk sees none of them.
    client.force_login(world["users"]["clerk_elsewhere"])
    assert codes("all")[0] == set()


def test_search_by_code_name_and_id_number(client, world):
    an = make_dossier(world, name="Nguyễn Văn An", number="048090001234")
    binh = make_dossier(world, name="Trần Thị Bình", number="048190005678")
    login(client, world, "clerk")

    def found(term):
        response = client.get(reverse("cases:workspace"), {"queue": "all", "q": term})
        return {row["dossier"].pk for row in response.context["rows"]}

    assert found("Bình") == {binh.pk}
    assert found("048090001234") == {an.pk}
    assert found(an.code) == {an.pk}
    assert found("nobody") == set()


def test_workspace_queries_do_not_grow_with_dossiers(client, world):
    login(client, world, "clerk")
    url = reverse("cases:workspace")
    make_dossier(world, state="processing", due_in=dt.timedelta(days=2), step=0)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url, {"queue": "all"}).status_code == 200
    for i in range(20):
        make_dossier(world, state="processing", due_in=dt.timedelta(days=i - 5), step=i % 3, name=f"Người {i}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url, {"queue": "all"})
    assert len(response.context["rows"]) == 21
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


# --- the dossier page -----------------------------------------------------------------------------------


def page_actions(client, dossier):
    response = client.get(reverse("cases:staff-dossier", args=[dossier.pk]))
    assert response.status_code == 200
    return [item["action"] for item in response.context["forms"]], response


def test_the_page_offers_only_the_actions_of_each_role(client, world):
    submitted = make_dossier(world, state="submitted")
    login(client, world, "clerk")
    actions, response = page_actions(client, submitted)
    assert actions == ["receive", "request_supplement", "refuse", "withdraw"]
    body = response.content.decode()
    assert reverse("cases:staff-act", args=[submitted.pk, "receive"]) in body
    assert reverse("cases:staff-act", args=[submitted.pk, "approve"]) not in body
    client.force_login(world["users"]["specialist"])
    assert page_actions(client, submitted)[0] == ["request_supplement"]
    client.force_login(world["users"]["leader"])
    assert page_actions(client, submitted)[0] == []

    last = make_dossier(world, state="processing", due_in=dt.timedelta(days=5), step=2)
    assert page_actions(client, last)[0] == ["transfer", "approve", "deny", "extend", "suspend"]
    client.force_login(world["users"]["specialist"])
    assert page_actions(client, last)[0] == ["request_supplement", "transfer", "request_payment", "extend"]
    client.force_login(world["users"]["clerk"])
    assert page_actions(client, last)[0] == ["request_supplement", "withdraw"]


def test_allowed_actions_agree_with_the_service(world):
    """What the page offers is what the service accepts, with valid input: an offered action is taken (and
    logged), one not offered is refused for role or state (403 or 409) and changes nothing. Any other error
    fails the test."""
    from django.core.exceptions import PermissionDenied

    from cases.actions import TAKEN as ACTIONS
    from cases.actions import perform
    from cases.services import ActionRefused
    from cases.tests.test_transition_matrix import payload_for

    for state, step in [("submitted", None), ("received", None), ("processing", 0), ("processing", 1),
                        ("processing", 2), ("awaiting_payment", 1), ("resolved", None)]:
        for who in ("clerk", "specialist", "leader"):
            user = world["users"][who]
            for action in ACTIONS:
                dossier = make_dossier(world, state=state, step=step, due_in=dt.timedelta(days=20))
                where = f"{action} from {state}@{step} by {who}"
                if action in allowed_actions(dossier, user):
                    event = perform(dossier=dossier, action=action, actor=user, **payload_for(action))
                    assert (event.action, event.from_state) == (action, state), where
                else:
                    before = snapshot(dossier)
                    with pytest.raises((ActionRefused, PermissionDenied)):
                        perform(dossier=dossier, action=action, actor=user, **payload_for(action))
                    assert snapshot(dossier) == before, where


def test_the_whole_way_through_the_page(client, world):
    dossier = make_dossier(world, state="submitted")
    requirement = dossier.version.documents.get(mandatory=True)
    users = world["users"]

    def act(who, action, data):
        client.force_login(users[who])
        return client.post(reverse("cases:staff-act", args=[dossier.pk, action]),
                           {f"{action}-{k}": v for k, v in data.items()})

    # Receiving without ticking the mandatory document is refused by the form: nothing changes.
    before = snapshot(dossier)
    response = act("clerk", "receive", {})
    assert response.status_code == 200 and response.context["forms"][0]["form"].errors
    assert snapshot(dossier) == before

    response = act("clerk", "receive", {"checklist": [str(requirement.pk)]})
    assert response.status_code == 302 and response["Location"] == reverse("cases:staff-dossier", args=[dossier.pk])
    dossier.refresh_from_db()
    assert dossier.state == "received" and dossier.due_at is not None

    assert act("clerk", "forward", {}).status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == "processing" and dossier.current_step.order == 1

    assert act("clerk", "complete_step", {"reason": "Hồ sơ đầy đủ"}).status_code == 302
    assert act("specialist", "complete_step", {"reason": "Đủ điều kiện"}).status_code == 302
    dossier.refresh_from_db()
    assert dossier.current_step.order == 3

    assert act("leader", "approve", {"reason": "Giấy khai sinh số 12/2026"}).status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == "resolved" and dossier.outcome == "approved"

    assert act("clerk", "return_result", {"delivery": "counter"}).status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == "returned"
    assert list(dossier.events.values_list("action", flat=True)) == [
        "receive", "forward", "complete_step", "complete_step", "approve", "return_result"]
    page = client.get(reverse("cases:staff-dossier", args=[dossier.pk]))
    assert "Giấy khai sinh số 12/2026" in page.content.decode()


def test_refused_actions_change_nothing(client, world):
    dossier = make_dossier(world, state="submitted")
    before = snapshot(dossier)
    # Wrong role: a specialist cannot receive.
    login(client, world, "specialist")
    response = client.post(reverse("cases:staff-act", args=[dossier.pk, "refuse"]), {"refuse-reason": "Sai"})
    assert response.status_code == 403
    assert [str(m) for m in response.context["messages"]]  # the official is told why
    assert "refuse" not in [item["action"] for item in response.context["forms"]]
    assert snapshot(dossier) == before
    # Wrong state: a submitted dossier cannot be forwarded.
    login(client, world, "clerk")
    response = client.post(reverse("cases:staff-act", args=[dossier.pk, "forward"]), {})
    assert response.status_code == 409
    assert "không" in response.content.decode().lower() or "not possible" in response.content.decode()
    assert snapshot(dossier) == before
    # A service validation message lands on the form (extend: the new date must be later).
    processing = make_dossier(world, state="processing", step=1, due_in=dt.timedelta(days=10))
    before = snapshot(processing)
    login(client, world, "specialist")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    response = client.post(reverse("cases:staff-act", args=[processing.pk, "extend"]),
                           {"extend-new_due_date": yesterday.isoformat(), "extend-reason": "Cần xác minh"})
    assert response.status_code == 200
    form = next(item["form"] for item in response.context["forms"] if item["action"] == "extend")
    assert "new_due_date" in form.errors
    assert snapshot(processing) == before


def test_a_supplement_request_lists_items_with_guidance(client, world):
    dossier = make_dossier(world, state="submitted")
    docs = list(dossier.version.documents.all())
    login(client, world, "clerk")
    url = reverse("cases:staff-act", args=[dossier.pk, "request_supplement"])
    # A ticked item without guidance is refused.
    response = client.post(url, {f"request_supplement-doc_{docs[0].pk}": "on"})
    assert response.status_code == 200
    assert Dossier.objects.get(pk=dossier.pk).state == "submitted"
    response = client.post(url, {f"request_supplement-doc_{docs[0].pk}": "on",
                                 f"request_supplement-note_{docs[0].pk}": "Ký và ghi rõ họ tên"})
    assert response.status_code == 302
    event = DossierEvent.objects.get(dossier=dossier)
    assert event.data["items"] == [{"document": docs[0].name, "guidance": "Ký và ghi rõ họ tên"}]


def test_payment_lines_are_prefilled_from_the_fees(client, world):
    dossier = make_dossier(world, state="processing", step=1, due_in=dt.timedelta(days=5))
    login(client, world, "specialist")
    actions, response = page_actions(client, dossier)
    form = next(item["form"] for item in response.context["forms"] if item["action"] == "request_payment")
    assert form["fee_name_0"].initial == "Lệ phí"
    response = client.post(reverse("cases:staff-act", args=[dossier.pk, "request_payment"]),
                           {"request_payment-fee_name_0": "Lệ phí", "request_payment-fee_amount_0": "8000"})
    assert response.status_code == 302
    assert Dossier.objects.get(pk=dossier.pk).state == "awaiting_payment"


def test_a_clerk_of_another_agency_gets_404(client, world):
    dossier = make_dossier(world, state="submitted")
    document = DossierDocument.objects.create(
        dossier=dossier, file=SimpleUploadedFile("a.pdf", PDF), original_name="a.pdf", content_type="application/pdf",
        size=len(PDF), sha256="0" * 64,
    )
    login(client, world, "clerk_elsewhere")
    assert client.get(reverse("cases:staff-dossier", args=[dossier.pk])).status_code == 404
    assert client.get(reverse("cases:staff-document", args=[dossier.pk, document.pk])).status_code == 404
    response = client.post(reverse("cases:staff-act", args=[dossier.pk, "receive"]), {})
    assert response.status_code == 404
    login(client, world, "clerk")
    response = client.get(reverse("cases:staff-document", args=[dossier.pk, document.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert b"".join(response.streaming_content) == PDF


# --- counter intake -------------------------------------------------------------------------------------


def test_intake_creates_a_received_dossier_with_code_and_due_date(client, world):
    procedure = world["birth"]
    mandatory = procedure.current_version.documents.get(mandatory=True)
    login(client, world, "clerk")
    url = reverse("cases:intake")
    chooser = client.get(url)
    assert procedure in chooser.context["chooser"].fields["procedure"].queryset
    assert world["permit"] not in chooser.context["chooser"].fields["procedure"].queryset
    response = client.post(f"{url}?procedure={procedure.pk}", {
        "full_name": "Lê Văn Cường", "id_number": "048090009999", "phone": "0905123456", "address": "Hải Châu",
        "delivery": "counter", f"scan_{mandatory.pk}": SimpleUploadedFile("to-khai.pdf", PDF),
    })
    dossier = Dossier.objects.get(applicant_id_number="048090009999")
    assert response.status_code == 302 and response["Location"] == reverse("cases:staff-dossier", args=[dossier.pk])
    assert dossier.state == "received" and dossier.channel == 1
    assert dossier.code.startswith("000.11.31.H48-") and dossier.due_at is not None
    doc = dossier.documents.get()
    assert doc.source == "scan" and doc.requirement == mandatory
    assert dossier.code in client.get(response["Location"]).content.decode()


def _tiff_scan(pages: int, dpi: int = 300) -> bytes:
    """A multi-page TIFF, as a counter scanner writes it (A4 at ``dpi``)."""
    import io

    from PIL import Image

    frames = [Image.new("L", (int(8.27 * dpi), int(11.69 * dpi)), 255 - 20 * i) for i in range(pages)]
    out = io.BytesIO()
    frames[0].save(out, "TIFF", save_all=True, append_images=frames[1:], dpi=(dpi, dpi), compression="tiff_lzw")
    return out.getvalue()


def test_a_multi_page_tiff_scan_is_taken_at_the_counter_page_by_page_at_its_size(client, world):
    import io

    import pikepdf

    procedure = world["birth"]
    mandatory = procedure.current_version.documents.get(mandatory=True)
    assert "tif" not in mandatory.accepted_type_list  # the requirement asks citizens for PDF or photos
    login(client, world, "clerk")
    response = client.post(f"{reverse('cases:intake')}?procedure={procedure.pk}", {
        "full_name": "Lê Văn Cường", "id_number": "048090009999", "delivery": "counter",
        f"scan_{mandatory.pk}": SimpleUploadedFile("may-quet.tif", _tiff_scan(3), "image/tiff"),
    })
    assert response.status_code == 302
    doc = Dossier.objects.get(applicant_id_number="048090009999").documents.get()
    assert (doc.content_type, doc.original_name) == ("application/pdf", "may-quet.pdf")
    with doc.file.open("rb") as handle, pikepdf.open(io.BytesIO(handle.read())) as pdf:
        assert len(pdf.pages) == 3  # every page of the scan, not the first one only
        width_mm = float(pdf.pages[0].mediabox[2]) / 72 * 25.4
    assert abs(width_mm - 210) < 2  # sized by the scan's 300 dpi: still A4


def test_a_bad_scan_creates_nothing(client, world):
    procedure = world["birth"]
    mandatory = procedure.current_version.documents.get(mandatory=True)
    login(client, world, "clerk")
    response = client.post(f"{reverse('cases:intake')}?procedure={procedure.pk}", {
        "full_name": "Lê Văn Cường", "id_number": "048090009999", "delivery": "counter",
        f"scan_{mandatory.pk}": SimpleUploadedFile("to-khai.pdf", b"just some text, not a PDF"),
    })
    assert response.status_code == 200
    assert f"scan_{mandatory.pk}" in response.context["form"].errors
    assert not Dossier.objects.exists()
    assert not DossierDocument.objects.exists()


def test_intake_is_for_reception_clerks(client, world):
    login(client, world, "specialist")
    assert client.get(reverse("cases:intake")).status_code == 403


def test_two_clerks_at_once_the_second_is_told(client, world):
    """Both opened the page of a submitted dossier; the first receives it, the second's click is refused
    with a message (409) and changes nothing."""
    dossier = make_dossier(world, state="submitted")
    requirement = dossier.version.documents.get(mandatory=True)
    second = User.objects.create_user(username="clerk2", password="x-password-123")
    StaffMembership.objects.create(user=second, agency=world["ward"], role="reception_clerk")
    url = reverse("cases:staff-act", args=[dossier.pk, "receive"])
    login(client, world, "clerk")
    assert client.post(url, {"receive-checklist": [str(requirement.pk)]}).status_code == 302
    before = snapshot(dossier)
    client.force_login(second)
    response = client.post(url, {"receive-checklist": [str(requirement.pk)]})
    assert response.status_code == 409
    assert [str(m) for m in response.context["messages"]]
    assert snapshot(dossier) == before


def test_a_conflict_in_the_service_is_shown(client, world, monkeypatch):
    import dataclasses

    from cases import actions, services

    dossier = make_dossier(world, state="received", due_in=dt.timedelta(days=3))

    def clash(**kwargs):
        raise services.ActionRefused("Another official changed this dossier at the same moment.")

    monkeypatch.setitem(actions.TAKEN, "forward", dataclasses.replace(actions.TAKEN["forward"], service=clash))
    login(client, world, "clerk")
    response = client.post(reverse("cases:staff-act", args=[dossier.pk, "forward"]), {})
    assert response.status_code == 409
    assert "Another official changed this dossier at the same moment." in response.content.decode()


def test_the_clerk_records_a_supplement_with_its_scans(client, world):
    dossier = make_dossier(world, state="supplement_requested", due_in=dt.timedelta(days=3), paused=True)
    mandatory = dossier.version.documents.get(mandatory=True)
    login(client, world, "clerk")
    url = reverse("cases:staff-act", args=[dossier.pk, "supplement"])
    # A bad scan is refused at its field; nothing is stored and the state stays.
    response = client.post(url, {"supplement-reason": "Tờ khai đã ký",
                                 f"supplement-scan_{mandatory.pk}": SimpleUploadedFile("tk.pdf", b"not a pdf")})
    assert response.status_code == 200
    assert not DossierDocument.objects.exists()
    assert Dossier.objects.get(pk=dossier.pk).state == "supplement_requested"
    response = client.post(url, {"supplement-reason": "Tờ khai đã ký",
                                 f"supplement-scan_{mandatory.pk}": SimpleUploadedFile("tk.pdf", PDF)})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == "processing" and dossier.paused_at is None
    assert dossier.documents.get().source == "scan"


def test_the_page_flags_a_mandatory_document_without_a_file(client, world):
    dossier = make_dossier(world, state="submitted")
    login(client, world, "clerk")
    _, response = page_actions(client, dossier)
    rows = response.context["document_rows"]
    assert [(r["requirement"].mandatory, r["missing"]) for r in rows] == [(True, True), (False, False)]
    assert "ws-doc-missing" in response.content.decode()


def test_the_dossier_page_costs_the_same_with_a_long_history(client, world):
    dossier = make_dossier(world, state="processing", step=1, due_in=dt.timedelta(days=5))
    login(client, world, "specialist")
    url = reverse("cases:staff-dossier", args=[dossier.pk])
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for seq in range(1, 30):
        DossierEvent.objects.create(dossier=dossier, seq=seq, action="complete_step", to_state="processing",
                                    reason=f"Ý kiến {seq}")
        DossierDocument.objects.create(
            dossier=dossier, file=SimpleUploadedFile(f"{seq}.pdf", PDF), original_name=f"{seq}.pdf",
            content_type="application/pdf", size=len(PDF), sha256="0" * 64,
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert "Ý kiến 29" in response.content.decode()
    assert len(many) == len(few)


def test_the_workspace_warns_of_overdue_dossiers(client, world):
    make_dossier(world, state="processing", due_in=-dt.timedelta(days=2), step=1)
    login(client, world, "clerk")
    response = client.get(reverse("cases:workspace"))
    assert response.context["overdue_count"] == 1
    assert 'class="ws-alert"' in response.content.decode()
    assert '?queue=overdue' in response.content.decode()


def test_intake_checks_the_id_number_and_phone(client, world):
    procedure = world["birth"]
    mandatory = procedure.current_version.documents.get(mandatory=True)
    login(client, world, "clerk")
    response = client.post(f"{reverse('cases:intake')}?procedure={procedure.pk}", {
        "full_name": "Lê Văn Cường", "id_number": "12345", "phone": "12", "delivery": "post",
        f"scan_{mandatory.pk}": SimpleUploadedFile("to-khai.pdf", PDF),
    })
    assert response.status_code == 200
    assert {"id_number", "phone", "delivery_address"} <= set(response.context["form"].errors)
    assert not Dossier.objects.exists()




def _weekday_without_holiday(day: dt.date) -> dt.date:
    while day.weekday() >= 5 or day in public_holidays(day.year):
        day += dt.timedelta(days=1)
    return day


# A new appointment is a working day (the form sets its closing time): the first one 40 days from now.
LATER = _weekday_without_holiday(timezone.localdate() + dt.timedelta(days=40)).isoformat()


@pytest.mark.parametrize("state, step, who, action, data, expected", [
    ("submitted", None, "clerk", "refuse", {"reason": "Không thuộc thẩm quyền"}, "refused"),
    ("processing", 1, "specialist", "transfer", {"agency": "000.00.13.H48", "reason": "Thẩm quyền của Sở"}, "processing"),
    ("awaiting_payment", 1, "clerk", "confirm_payment", {"proof": "BL-0001"}, "processing"),
    ("processing", 2, "leader", "deny", {"reason": "Không đủ điều kiện"}, "resolved"),
    ("processing", 1, "specialist", "extend", {"new_due_date": LATER, "reason": "Cần xác minh"}, "processing"),
    ("processing", 2, "leader", "suspend", {"reason": "Có tranh chấp"}, "suspended"),
    ("received", None, "clerk", "withdraw", {"reason": "Đơn rút hồ sơ số 01 ngày 20/11"}, "withdrawn"),
    ("resolved", None, "clerk", "return_result", {"delivery": "post", "tracking_number": "EMS123"}, "returned"),
])
def test_each_action_through_its_form(client, world, state, step, who, action, data, expected):
    dossier = make_dossier(world, state=state, step=step, due_in=dt.timedelta(days=10),
                           paused=state == "awaiting_payment")
    login(client, world, who)
    assert action in page_actions(client, dossier)[0]
    url = reverse("cases:staff-act", args=[dossier.pk, action])
    # Without its details the form is refused and nothing changes (forms whose fields are all optional aside).
    before = snapshot(dossier)
    response = client.post(url, {})
    assert response.status_code == 200 and snapshot(dossier) == before
    response = client.post(url, {f"{action}-{k}": v for k, v in data.items()})
    assert response.status_code == 302, response.context and [i["form"].errors for i in response.context["forms"]]
    dossier.refresh_from_db()
    assert dossier.state == expected
    event = dossier.events.get()
    assert event.action == action and event.reason == data.get("reason", "")
    if action == "transfer":
        assert dossier.handling_agency == world["justice"]
        # The receiving agency still sees it, but acting on it is now for the handling agency.
        assert page_actions(client, dossier)[0] == []
    if action == "extend":
        assert timezone.localdate(dossier.due_at).isoformat() == LATER and dossier.extended_at
    if action == "return_result":
        assert dossier.tracking_number == "EMS123"


def test_a_document_whose_file_is_gone_is_404(client, world):
    dossier = make_dossier(world, state="submitted")
    document = DossierDocument.objects.create(
        dossier=dossier, file="dossiers/none.pdf", original_name="none.pdf", content_type="application/pdf",
        size=1, sha256="0" * 64,
    )
    login(client, world, "clerk")
    assert client.get(reverse("cases:staff-document", args=[dossier.pk, document.pk])).status_code == 404


# --- the declaration (tờ khai) at the counter and on the dossier's page ------------------------------------------

def _declared(world):
    from procedures.models import ProcedureVersion

    from .test_declaration_forms import SCHEMA, UI

    ProcedureVersion.objects.filter(pk=world["birth"].current_version_id).update(form_schema=SCHEMA, form_ui=UI)
    world["birth"].refresh_from_db()
    return world["birth"]


DECLARED = {
    "applicant": {"full_name": "Nguyễn Văn An", "id_number": "048090001234",
                  "address": {"province": "48", "commune": "20194", "street": "12 Lê Duẩn"}},
    "child": {"full_name": "NGUYỄN NGỌC BÍCH", "date_of_birth": "2026-11-02", "sex": "2"},
    "father_declared": False, "income": 1500000,
    "members": [{"full_name": "Lê Thị Mai", "relationship": "02"}],
}


def test_intake_takes_the_declaration_typed_by_the_clerk(client, world):
    procedure = _declared(world)
    mandatory = procedure.current_version.documents.get(mandatory=True)
    login(client, world, "clerk")
    url = f"{reverse('cases:intake')}?procedure={procedure.pk}"
    page = client.get(url).content.decode()
    assert 'name="child.full_name"' in page and "data-declaration" in page and "declaration.js" in page
    assert 'value="Nguyễn Văn An"' not in page  # no account to prefill from: the clerk types it
    base = {"full_name": "Lê Văn Cường", "id_number": "048090009999", "delivery": "counter"}
    answers = {"applicant.full_name": "Lê Văn Cường", "applicant.id_number": "048090001234",
               "applicant.address.province": "48", "applicant.address.commune": "20194",
               "child.full_name": "LÊ VĂN DŨNG", "child.date_of_birth": "02/11/2026", "child.sex": "1",
               "father_declared": "false", "income": "2.000.000", "members.0.full_name": "", "members.0.relationship": ""}
    # Incomplete: nothing is received, each error is at its field, what was typed stays.
    response = client.post(url, {**base, **answers, "child.full_name": "", "income": "hai triệu",
                                  f"scan_{mandatory.pk}": SimpleUploadedFile("to-khai.pdf", PDF)})
    assert response.status_code == 200 and not Dossier.objects.exists()
    page = response.content.decode()
    assert 'id="f-child-full_name-error"' in page and 'id="f-income-error"' in page and 'value="hai triệu"' in page
    # Adding a row shows the page again; nothing is received.
    response = client.post(url, {**base, **answers, "members.0.full_name": "Lê Thị Hoa", "_add": "members",
                                  f"scan_{mandatory.pk}": SimpleUploadedFile("to-khai.pdf", PDF)})
    assert response.status_code == 200 and not Dossier.objects.exists()
    assert 'name="members.1.full_name"' in response.content.decode()
    response = client.post(url, {**base, **answers, f"scan_{mandatory.pk}": SimpleUploadedFile("to-khai.pdf", PDF)})
    dossier = Dossier.objects.get()
    assert response.status_code == 302
    assert dossier.form_data["child"] == {"full_name": "LÊ VĂN DŨNG", "date_of_birth": "2026-11-02", "sex": "1"}
    assert dossier.form_data["income"] == 2000000 and "members" not in dossier.form_data
    assert dossier.form_data["applicant"]["full_name"] == "Lê Văn Cường"


def test_the_declaration_takes_the_applicant_typed_above_when_left_empty(client, world):
    procedure = _declared(world)
    mandatory = procedure.current_version.documents.get(mandatory=True)
    login(client, world, "clerk")
    client.post(f"{reverse('cases:intake')}?procedure={procedure.pk}", {
        "full_name": "Lê Văn Cường", "id_number": "048090009999", "delivery": "counter",
        "applicant.address.province": "48", "applicant.address.commune": "20194", "child.full_name": "LÊ VĂN DŨNG",
        "child.date_of_birth": "2026-11-02", "child.sex": "1", "father_declared": "false",
        f"scan_{mandatory.pk}": SimpleUploadedFile("to-khai.pdf", PDF)})
    applicant = Dossier.objects.get().form_data["applicant"]
    assert (applicant["full_name"], applicant["id_number"]) == ("Lê Văn Cường", "048090009999")


def test_the_clerk_reads_the_declaration_as_labelled_sections(client, world):
    _declared(world)
    dossier = make_dossier(world)
    Dossier.objects.filter(pk=dossier.pk).update(form_data=DECLARED)
    page = login(client, world, "clerk").get(reverse("cases:staff-dossier", args=[dossier.pk])).content.decode()
    for shown in ("TỜ KHAI THỬ", "Người được khai sinh", "Ngày sinh", "02/11/2026", "Nữ", "Phường Hải Châu",
                  "Thành phố Đà Nẵng", "1.500.000 đồng", "Người 1", "Vợ", "Khai thông tin người cha"):
        assert shown in page, shown
    assert "date_of_birth" not in page and "20194" not in page and "2026-11-02" not in page
    assert "Thay đổi khi bổ sung" not in page and "dc-changes" not in page


def test_a_specialist_sees_what_a_supplement_changed_in_the_declaration(client, world):
    _declared(world)
    dossier = make_dossier(world, state="processing", step=1)
    after = {**DECLARED, "child": {**DECLARED["child"], "date_of_birth": "2026-11-03"}, "income": 1800000}
    Dossier.objects.filter(pk=dossier.pk).update(form_data=after)
    DossierEvent.objects.create(dossier=dossier, seq=1, action="supplement", from_state="supplement_requested",
                                to_state="processing", data={"form_data_before": DECLARED})
    response = login(client, world, "specialist").get(reverse("cases:staff-dossier", args=[dossier.pk]))
    changes = response.context["declared"]["changes"]
    assert [(c["label"], c["before"], c["after"]) for c in changes] == [
        ("Người được khai sinh › Ngày sinh", "02/11/2026", "03/11/2026"),
        ("Thu nhập bình quân", "1.500.000 đồng", "1.800.000 đồng"),
    ]
    page = response.content.decode()
    assert "dc-changes" in page and "<del>02/11/2026</del>" in page and "<ins>03/11/2026</ins>" in page


def test_a_procedure_without_a_declaration_shows_its_request_labelled_never_internal_keys(client, world):
    dossier = make_dossier(world)
    Dossier.objects.filter(pk=dossier.pk).update(form_data={"demo": True, "request_details": "Đề nghị cấp bản sao"})
    client.cookies["django_language"] = "en"
    page = login(client, world, "clerk").get(reverse("cases:staff-dossier", args=[dossier.pk])).content.decode()
    assert "Request details" in page and "Đề nghị cấp bản sao" in page
    assert "request_details" not in page and ">demo<" not in page and "Form data" not in page


def test_the_dossier_page_costs_the_same_with_a_bigger_declaration(client, world):
    _declared(world)
    dossier = make_dossier(world)
    login(client, world, "clerk")

    def queries(data):
        Dossier.objects.filter(pk=dossier.pk).update(form_data=data)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("cases:staff-dossier", args=[dossier.pk])).status_code == 200
        return len(ctx.captured_queries)

    small = queries({"child": {"sex": "1"}})
    big = queries({**DECLARED, "members": [{"full_name": f"Người {i}", "relationship": "04"} for i in range(6)]})
    assert big == small


def test_the_changes_shown_are_those_the_supplement_service_recorded(client, world):
    from cases import services
    from cases.actions import perform

    _declared(world)
    dossier = make_dossier(world, state="received", due_in=dt.timedelta(days=3))
    Dossier.objects.filter(pk=dossier.pk).update(form_data=DECLARED)
    dossier.refresh_from_db()
    perform(dossier=dossier, action="request_supplement", actor=world["users"]["clerk"],
            items=[{"document": "Tờ khai", "guidance": "Ngày sinh của trẻ chưa đúng với giấy chứng sinh."}])
    corrected = {**DECLARED, "child": {**DECLARED["child"], "date_of_birth": "2026-11-03"}}
    services.dossier_supplement(dossier=Dossier.objects.get(pk=dossier.pk), actor=world["users"]["citizen"],
                                form_data=corrected)
    response = login(client, world, "specialist").get(reverse("cases:staff-dossier", args=[dossier.pk]))
    assert [(c["label"], c["before"], c["after"]) for c in response.context["declared"]["changes"]] == [
        ("Người được khai sinh › Ngày sinh", "02/11/2026", "03/11/2026")]
