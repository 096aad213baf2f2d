"""Notifications: for each change a citizen cares about, one message per channel they chose (e-mail through
Django's mail backend, SMS and Zalo through the mock portal's gateways as a real process, the in-portal
list), in Vietnamese, each sent once however often the delivery runs; the preferences and list pages."""


import httpx
import pytest
from django.core import mail
from django.utils import timezone

from cases.actions import perform
from cases.services import dossier_document_add, dossier_draft_create, dossier_submit
from cases.tests.conftest import PDF
from cases.tests.factories import later_working_moment
from cases.tests.test_citizen_pages import upload
from core.text import fold
from integrations import notifications, outbox
from integrations.models import Consumer, Delivery, MessageTemplate, Notification, NotificationPreference, Topic

PHONE = "0905123456"


def _submitted(office):
    citizen = office["citizen"]
    citizen.citizen_profile.phone = PHONE
    citizen.citizen_profile.save()
    draft = dossier_draft_create(user=citizen, procedure=office["birth"], agency=office["ward"])
    form = office["birth"].current_version.documents.order_by("order").first()
    dossier_document_add(dossier=draft, actor=citizen, requirement=form, uploaded=upload("to-khai.pdf", PDF))
    return dossier_submit(dossier=draft, actor=citizen)


def _drive(office, dossier):
    """Every citizen-facing change of one dossier, in the order an office makes them."""
    clerk, specialist, leader = office["clerk"], office["specialist"], office["leader"]
    steps = [
        ("receive", clerk, dict()),
        ("request_supplement", clerk, dict(reason="Thiếu bản sao giấy chứng sinh", items=[{"document": "Giấy chứng sinh", "guidance": "Nộp bản sao có chứng thực"}])),
        ("supplement", office["citizen"], dict()),
        ("complete_step", clerk, dict()),
        ("request_payment", specialist, dict(fees=[{"name": "Lệ phí", "amount": 8000}])),
        ("confirm_payment", clerk, dict(proof="BL-0001")),
        ("extend", specialist, lambda: dict(reason="Chờ xác minh của cơ quan khác", new_due_at=later_working_moment(dossier.due_at))),
        ("complete_step", specialist, dict()),
        ("approve", leader, dict(reason="15/2026/GKS")),
        ("return_result", clerk, dict(delivery="counter")),
    ]
    for action, actor, payload in steps:
        dossier.refresh_from_db()
        perform(dossier=dossier, action=action, actor=actor, **(payload() if callable(payload) else payload))


WANTED = [Topic.RECEIVED, Topic.SUPPLEMENT, Topic.PAYMENT, Topic.PAID, Topic.APOLOGY, Topic.RESULT, Topic.RETURNED]


@pytest.mark.django_db(transaction=True)
def test_each_citizen_facing_change_reaches_every_chosen_channel_once(office, mock_portal, portal_settings, templates):
    portal_settings.NATIONAL_PORTAL_URL = "http://127.0.0.1:9"  # the portal's records wait: this is about the citizen
    notifications.preference_update(user=office["citizen"], email=True, sms=True, zalo=True)
    dossier = _submitted(office)
    dossier.refresh_from_db()
    _drive(office, dossier)

    # Run every due delivery as a worker would, twice: nothing is sent twice.
    for _ in range(2):
        for pk in Delivery.objects.exclude(consumer=Consumer.PORTAL).values_list("pk", flat=True):
            outbox.deliver(delivery_id=pk)
    channel = Delivery.objects.exclude(consumer=Consumer.PORTAL)
    assert not channel.exclude(status=Delivery.Status.DELIVERED).exists()
    for consumer in (Consumer.EMAIL, Consumer.SMS, Consumer.ZALO):
        assert list(channel.filter(consumer=consumer).order_by("id").values_list("topic", flat=True)) == WANTED

    # In the portal: one notification per change, in Vietnamese, naming the dossier.
    notes = list(Notification.objects.filter(user=office["citizen"]).order_by("id"))
    assert [n.topic for n in notes] == WANTED
    assert notes[0].title == f"Hồ sơ {dossier.code} đã được tiếp nhận"
    assert "Ngày hẹn trả kết quả:" in notes[0].text
    assert "8.000 đồng" in notes[2].text
    assert "Chờ xác minh của cơ quan khác" in notes[4].text

    # By e-mail: one each, to the citizen's address, subject and body from the templates.
    assert [m.subject for m in mail.outbox] == [n.title for n in notes]
    assert all(m.to == ["an@example.com"] for m in mail.outbox)

    # By SMS and Zalo: the mock gateways recorded each message once (by the delivery's reference).
    got = mock_portal.call("GET", "/messages", params={"phone": PHONE}).json()["data"]
    sms = [m for m in got if m["channel"] == "sms"]
    zalo = [m for m in got if m["channel"] == "zalo"]
    assert len(sms) == len(zalo) == len(WANTED)
    assert any(m["text"].startswith(f"Ho so {dossier.code} da duoc tiep nhan") for m in sms)
    assert all(m["text"].isascii() for m in sms)
    assert any(f"Hồ sơ {dossier.code}" in m["text"] for m in zalo)  # Zalo carries the accented text



@pytest.mark.django_db
def test_only_the_chosen_channels_and_a_bad_number_is_given_up_at_once(office, settings, templates):
    notifications.preference_update(user=office["citizen"], email=False, sms=True, zalo=False)
    dossier = _submitted(office)
    with pytest.MonkeyPatch.context() as patch:
        perform(dossier=dossier, action="receive", actor=office["clerk"])
        patch.setattr("integrations.channels.httpx.post",
                      lambda *a, **k: httpx.Response(400, json={"error_code": "1", "message": "Số điện thoại di động không hợp lệ."}))
        sms = Delivery.objects.get(consumer=Consumer.SMS)
        assert outbox.deliver(delivery_id=sms.pk) == "dead"
    assert not Delivery.objects.filter(consumer__in=[Consumer.EMAIL, Consumer.ZALO]).exists()
    sms.refresh_from_db()
    assert sms.attempts == 1 and "không hợp lệ" in sms.last_error
    assert sms.attempt_log.get().status_code == 400


@pytest.mark.django_db
def test_a_counter_dossier_without_an_account_is_told_by_sms_only(office, settings, templates):
    from cases.services import dossier_intake

    dossier = dossier_intake(clerk=office["clerk"], procedure=office["birth"], agency=office["ward"],
                             applicant={"name": "Trần Văn Bình", "id_number": "048090004321", "phone": PHONE})
    sent = Delivery.objects.filter(dossier=dossier).exclude(consumer=Consumer.PORTAL)
    assert [(d.consumer, d.topic, d.payload["to"]) for d in sent] == [(Consumer.SMS, Topic.RECEIVED, PHONE)]
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_an_administrator_edits_the_wording(office, templates):
    MessageTemplate.objects.filter(topic=Topic.RECEIVED).update(subject="Đã nhận hồ sơ {{ code }} — hẹn {{ due }}")
    dossier = _submitted(office)
    perform(dossier=dossier, action="receive", actor=office["clerk"])
    dossier.refresh_from_db()
    note = Notification.objects.get()
    assert note.title == f"Đã nhận hồ sơ {dossier.code} — hẹn {timezone.localtime(dossier.due_at):%H:%M ngày %d/%m/%Y}"


@pytest.mark.django_db
def test_the_notifications_page_lists_marks_read_and_saves_channels(office, client, templates):
    dossier = _submitted(office)
    perform(dossier=dossier, action="receive", actor=office["clerk"])
    client.force_login(office["citizen"])
    home = client.get("/")
    assert "Thông báo" in home.content.decode() and 'class="badge badge-count">1' in home.content.decode()

    page = client.get("/thong-bao/")
    text = page.content.decode()
    assert page.status_code == 200 and f"Hồ sơ {dossier.code} đã được tiếp nhận" in text and "Mới" in text
    assert Notification.objects.get().read_at is not None  # seen once as new, then read
    assert "badge-count" not in client.get("/").content.decode()

    saved = client.post("/thong-bao/", {"email": "on", "zalo": "on"}, follow=True)
    assert saved.status_code == 200
    preference = NotificationPreference.objects.get(user=office["citizen"])
    assert (preference.email, preference.sms, preference.zalo) == (True, False, True)

    # Another citizen sees none of it.
    client.force_login(office["other"])
    assert f"{dossier.code}" not in client.get("/thong-bao/").content.decode()


def test_sms_text_has_no_accents_whatever_is_filled_in():
    assert fold("Hồ sơ đã tiếp nhận, hẹn 17:00 ngày 26/11/2026; lệ phí 8.000 đồng — Đà Nẵng") == (
        "Ho so da tiep nhan, hen 17:00 ngay 26/11/2026; le phi 8.000 dong — Da Nang")


def test_a_phone_code_goes_out_as_an_unaccented_sms_through_the_outbox(db, django_capture_on_commit_callbacks):
    import datetime as dt

    from accounts import services as account_services
    from integrations.models import Consumer, Delivery

    user = account_services.citizen_register(
        username="mai", password="mat-khau-rat-dai-2", email="mai@example.vn", full_name="Lê Thị Mai",
        id_number="048195007788", date_of_birth=dt.date(1995, 2, 20), gender="female")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        account_services.phone_code_send(user=user, phone="0905 123 456")
    (delivery,) = Delivery.objects.filter(topic="phone_code")
    assert (delivery.consumer, delivery.payload["to"], delivery.dossier) == (Consumer.SMS, "0905123456", None)
    text = delivery.payload["text"]
    assert text.isascii() and "ma xac nhan so dien thoai" in text and len(text) <= 160  # one GSM-7 part
    assert len(queued) == 1  # handed to a worker after commit
