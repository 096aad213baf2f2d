"""Feedback (phản ánh, kiến nghị): sending it (signed in, without an account, about a procedure or a dossier),
the deadlines in working time (over Tết and 2 September, and moved by the time waiting on the sender), the
gapless codes, every action from every state for every role (allowed, or refused with nothing changed), the
pages of the sender, the officials and the public, and the e-mails to the sender.

Texts the catalogs do not translate yet are compared through gettext, so these tests hold before and after
the Vietnamese catalog gets them."""

import datetime as dt
import re
import smtplib
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases.services import ActionRefused, dossier_document_add, dossier_draft_create, dossier_submit
from cases.tests.conftest import PDF
from cases.tests.test_citizen_pages import upload
from integrations import outbox
from integrations.models import Consumer, Delivery
from procedures.working_calendar import WorkingCalendar
from satisfaction import selectors
from satisfaction.feedback import (
    SENDER_ACTIONS,
    feedback_accept,
    feedback_answer,
    feedback_provide_info,
    feedback_public_defaults,
    feedback_publish,
    feedback_rate_answer,
    feedback_reject,
    feedback_request_info,
    feedback_submit,
)
from satisfaction.models import Feedback, FeedbackEvent, FeedbackSequence

VN = ZoneInfo("Asia/Ho_Chi_Minh")
pytestmark = pytest.mark.django_db


def t(message: str) -> str:
    """``message`` as the page shows it: translated (once the catalog has it) and HTML-escaped."""
    return escape(gettext(message))


class Clock:
    def __init__(self, monkeypatch):
        self.now = None
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def at(self, *args):
        self.now = dt.datetime(*args, tzinfo=VN)
        return self.now


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture(autouse=True)
def _lookup_attempts():
    """The test client's failed lookups are counted in the cache, which outlives a test: start from none."""
    cache.delete("feedback-lookup:127.0.0.1")
    yield
    cache.delete("feedback-lookup:127.0.0.1")


def local(value):
    return timezone.localtime(value, VN).replace(tzinfo=None)


def send(office, **kwargs) -> Feedback:
    values = {"sender": office["citizen"], "agency": office["ward"], "kind": "feedback", "title": "Chờ quá lâu tại quầy",
              "content": "Sáng thứ Hai tôi phải chờ hơn hai giờ mới được tiếp nhận hồ sơ."}
    return feedback_submit(**{**values, **kwargs})


def anonymous(office, **kwargs) -> Feedback:
    return send(office, **{"sender": None, "name": "Trần Quốc Bảo", "phone": "0914 222 333", **kwargs})


def snapshot(feedback: Feedback):
    """Everything an action could change: the row, its events, the code sequence, the mails (sent or owed)."""
    return (Feedback.objects.filter(pk=feedback.pk).values().get(),
            list(FeedbackEvent.objects.filter(feedback_id=feedback.pk).values_list("seq", "action", "to_state")),
            list(FeedbackSequence.objects.values_list("year", "last")), len(mail.outbox), Delivery.objects.count())


# --- sending ---------------------------------------------------------------------------------------------------

def test_a_signed_in_citizen_sends_feedback_about_a_procedure_from_its_page(office, client):
    client.force_login(office["citizen"])
    page = client.get(reverse("procedure-detail", args=[office["birth"].code])).content.decode()
    link = reverse("satisfaction:feedback-new") + "?thu-tuc=1.001193"
    assert f'href="{link}"' in page

    form = client.get(link)
    assert form.status_code == 200
    body = form.content.decode()
    assert "Thủ tục đăng ký khai sinh" in body and 'value="an@example.com"' in body  # prefilled from the profile
    answer = client.post(link, {"kind": "question", "agency": office["ward"].pk, "title": "Cần giấy tờ gì?",
                                "content": "Cho tôi hỏi cần mang theo giấy tờ gì khi nộp trực tiếp?"})
    feedback = Feedback.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse("satisfaction:feedback-sent", args=[feedback.code])
    year = timezone.localdate().year
    assert feedback.code == f"PAKN-{year}-000001"
    assert (feedback.sender, feedback.agency, feedback.procedure, feedback.dossier, feedback.kind) == (
        office["citizen"], office["ward"], office["birth"], None, "question")
    # Contact details from the profile (the citizen left them as they were).
    assert (feedback.sender_name, feedback.sender_email, feedback.sender_address) == (
        "Nguyễn Văn An", "an@example.com", "12 Lê Duẩn")
    assert feedback.state == "submitted" and feedback.accept_due_at < feedback.request_info_due_at < feedback.answer_due_at
    event = feedback.events.get()
    assert (event.seq, event.action, event.actor, event.from_state, event.to_state) == (
        1, "submit", office["citizen"], "", "submitted")

    sent = client.get(answer["Location"]).content.decode()
    assert feedback.code in sent and timezone.localtime(feedback.answer_due_at).strftime("%d/%m/%Y %H:%M") in sent
    mine = client.get(reverse("satisfaction:feedback-mine")).content.decode()
    assert feedback.code in mine and "Cần giấy tờ gì?" in mine


def test_without_an_account_a_name_and_a_phone_or_e_mail_are_needed_and_the_code_opens_it(office, client):
    url = reverse("satisfaction:feedback-new")
    refused = client.post(url, {"kind": "feedback", "agency": office["ward"].pk, "title": "Ồn ào",
                                "content": "Loa phát thanh quá to.", "name": "Trần Quốc Bảo"})
    assert refused.status_code == 400
    assert t("Give a phone number or an e-mail address: the agency answers you there.") in refused.content.decode()
    assert not Feedback.objects.exists() and not FeedbackSequence.objects.filter(last__gt=0).exists()
    with pytest.raises(ValidationError) as error:
        feedback_submit(agency=office["ward"], kind="feedback", title="x", content="y", phone="12345")
    assert set(error.value.message_dict) == {"name", "phone"}

    sent = client.post(url, {"kind": "feedback", "agency": office["ward"].pk, "title": "Ồn ào",
                             "content": "Loa phát thanh quá to.", "name": "Trần Quốc Bảo", "phone": "0914 222 333"})
    feedback = Feedback.objects.get()
    assert sent.status_code == 302 and feedback.sender is None and feedback.sender_phone == "0914222333"
    assert client.get(sent["Location"]).status_code == 200  # this session sent it
    assert client.get(reverse("satisfaction:feedback-detail", args=[feedback.code])).status_code == 200

    stranger = type(client)()
    assert stranger.get(sent["Location"]).status_code == 404
    detail = reverse("satisfaction:feedback-detail", args=[feedback.code])
    assert stranger.get(detail).status_code == 404
    lookup = reverse("satisfaction:feedback-lookup")
    wrong = stranger.post(lookup, {"code": feedback.code, "contact": "0914222334"})
    assert wrong.status_code == 400 and t("No feedback matches this code with this phone number or e-mail address.") in wrong.content.decode()
    found = stranger.post(lookup, {"code": feedback.code.lower(), "contact": "0914.222.333"})
    assert found.status_code == 302 and found["Location"] == detail
    page = stranger.get(detail).content.decode()
    assert "Loa phát thanh quá to." in page


def test_the_lookup_stops_guessing(office, client):
    feedback = anonymous(office)
    lookup = reverse("satisfaction:feedback-lookup")
    for n in range(10):
        assert client.post(lookup, {"code": feedback.code, "contact": f"09000000{n:02d}"}).status_code == 400
    assert client.post(lookup, {"code": feedback.code, "contact": "0914222333"}).status_code == 429


def test_only_a_dossier_s_applicant_names_it_and_it_goes_to_the_agency_that_has_it(office, client):
    citizen = office["citizen"]
    draft = dossier_draft_create(user=citizen, procedure=office["birth"], agency=office["ward"])
    form = office["birth"].current_version.documents.order_by("order").first()
    dossier_document_add(dossier=draft, actor=citizen, requirement=form, uploaded=upload("to-khai.pdf", PDF))
    dossier = dossier_submit(dossier=draft, actor=citizen)
    url = reverse("satisfaction:feedback-new") + f"?ho-so={dossier.pk}"

    assert client.get(url).status_code == 302  # to the login page
    client.force_login(office["other"])
    assert client.get(url).status_code == 404
    with pytest.raises(PermissionDenied):
        send(office, sender=office["other"], agency=None, dossier=dossier)
    assert not Feedback.objects.exists()

    client.force_login(citizen)
    page = client.get(reverse("cases:dossier", args=[dossier.pk])).content.decode()
    assert f'href="{escape(url)}"' in page
    assert dossier.code in client.get(url).content.decode()
    sent = client.post(url, {"kind": "feedback", "title": "Chưa được tiếp nhận", "content": "Đã ba ngày chưa tiếp nhận."})
    assert sent.status_code == 302
    feedback = Feedback.objects.get()
    assert (feedback.dossier, feedback.procedure, feedback.agency) == (dossier, office["birth"], office["ward"])
    with pytest.raises(ValidationError, match=re.escape(gettext("Feedback about a dossier goes to the agency that has it: %(agency)s.")
                                                        % {"agency": office["ward"].name})):
        send(office, agency=office["justice"], dossier=dossier)


def test_a_procedure_s_feedback_goes_to_one_of_its_agencies(office):
    with pytest.raises(ValidationError) as error:
        send(office, agency=office["justice"], procedure=office["birth"])
    assert error.value.message_dict == {"agency": [gettext("This agency does not handle this procedure.")]}
    feedback = send(office, agency=None, procedure=office["birth"])  # one agency handles it: that one
    assert feedback.agency == office["ward"]


# --- deadlines -------------------------------------------------------------------------------------------------

def test_feedback_sent_just_before_tet_is_due_after_it(office, clock):
    # Tết Bính Ngọ: Monday 16 to Friday 20 February 2026 are holidays, with the weekends around them. The
    # office works 07:30-11:30 and 13:30-17:00: 450 minutes a day.
    clock.at(2026, 2, 13, 10, 0)  # Friday 13 February, 10:00
    feedback = send(office)
    # Accept within 2 working days (900 min): Friday 10:00-11:30 and 13:30-17:00 is 300 min; nothing until
    # Monday 23 February (450 min, 750 in all); the last 150 min end on Tuesday 24 February at 07:30 + 2:30.
    assert local(feedback.accept_due_at) == dt.datetime(2026, 2, 24, 10, 0)
    # Ask for more within 5 working days: Fri 13 (the rest of it), Mon 23, Tue 24, Wed 25, Thu 26 → Fri 27, 10:00.
    assert local(feedback.request_info_due_at) == dt.datetime(2026, 2, 27, 10, 0)
    # Answer within 15: 5 above, then 2-6 March (10) and 9-13 March (15) → Friday 13 March, 10:00.
    assert local(feedback.answer_due_at) == dt.datetime(2026, 3, 13, 10, 0)


def test_feedback_sent_before_2_september_skips_the_national_day(office, clock):
    clock.at(2025, 8, 29, 16, 0)  # Friday 29 August 2025; Monday 1 and Tuesday 2 September are holidays
    feedback = send(office)
    # 60 min on Friday, 450 on Wednesday 3 September, then 390 on Thursday 4: 240 in the morning and 150
    # after 13:30 → 16:00.
    assert local(feedback.accept_due_at) == dt.datetime(2025, 9, 4, 16, 0)
    clock.at(2025, 9, 5, 8, 0)  # accepted late: allowed, and the event says so
    event = feedback_accept(feedback=feedback, actor=office["clerk"])
    assert event.data["late"] is True
    assert selectors.feedback_is_overdue(Feedback.objects.get(pk=feedback.pk), now=clock.now) is False


def test_waiting_on_the_sender_moves_the_answer_s_deadline(office, clock):
    clock.at(2026, 12, 7, 9, 0)  # Monday 7 December 2026
    feedback = send(office)
    # 15 working days from Monday 9:00: 8-11 Dec (4), 14-18 (9), 21-25 (14), Monday 28 December 9:00 (15).
    assert local(feedback.answer_due_at) == dt.datetime(2026, 12, 28, 9, 0)
    clock.at(2026, 12, 7, 9, 30)
    feedback_accept(feedback=feedback, actor=office["clerk"])
    clock.at(2026, 12, 8, 10, 0)  # Tuesday
    feedback_request_info(feedback=feedback, actor=office["specialist"], text="Quầy số mấy? Lúc mấy giờ?")
    feedback.refresh_from_db()
    assert feedback.paused_at == clock.now and feedback.info_requests == 1
    assert selectors.feedback_is_overdue(feedback, now=clock.now + dt.timedelta(days=60)) is False  # paused
    clock.at(2026, 12, 10, 10, 0)  # Thursday
    event = feedback_provide_info(feedback=feedback, actor=office["citizen"], text="Quầy số 3, khoảng 9 giờ.")
    feedback.refresh_from_db()
    # Waited: Tuesday 10:00-17:00 (90 + 210 = 300), Wednesday (450), Thursday 07:30-10:00 (150) = 900 min, two
    # working days: the answer is due Wednesday 30 December at 9:00.
    assert (feedback.state, feedback.paused_at, feedback.paused_minutes) == ("accepted", None, 900)
    assert local(feedback.answer_due_at) == dt.datetime(2026, 12, 30, 9, 0)
    assert event.data == {"waited_minutes": 900, "answer_due_at": "2026-12-30T09:00:00+07:00"}
    clock.at(2026, 12, 30, 9, 1)
    assert selectors.feedback_is_overdue(feedback, now=clock.now)
    assert feedback_answer(feedback=feedback, actor=office["specialist"], text="Đã chấn chỉnh.").data == {"late": True}
    assert selectors.feedback_was_late(Feedback.objects.get(pk=feedback.pk))


moments = st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2027, 12, 31)).map(
    lambda d: d.replace(tzinfo=VN, second=0, microsecond=0))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sent=moments, asked_after=st.integers(min_value=0, max_value=60 * 24 * 10),
       waited=st.integers(min_value=0, max_value=60 * 24 * 30))
def test_the_answer_is_due_fifteen_working_days_plus_the_working_time_waited(office, clock, sent, asked_after, waited):
    calendar = WorkingCalendar()
    clock.now = sent
    feedback = send(office)
    assert calendar.working_minutes_between(sent, feedback.accept_due_at) == 2 * calendar.minutes_per_day
    assert calendar.working_minutes_between(sent, feedback.answer_due_at) == 15 * calendar.minutes_per_day
    feedback_accept(feedback=feedback, actor=office["clerk"])
    clock.now = asked = sent + dt.timedelta(minutes=asked_after)
    feedback_request_info(feedback=feedback, actor=office["specialist"], text="Thêm thông tin.")
    clock.now = replied = asked + dt.timedelta(minutes=waited)
    feedback_provide_info(feedback=feedback, actor=office["citizen"], text="Đây ạ.")
    feedback.refresh_from_db()
    assert feedback.paused_minutes == calendar.working_minutes_between(asked, replied)
    assert calendar.working_minutes_between(sent, feedback.answer_due_at) == (
        15 * calendar.minutes_per_day + feedback.paused_minutes)


# --- codes -----------------------------------------------------------------------------------------------------

def test_codes_have_no_gap_even_when_a_sending_fails(office, clock):
    clock.at(2026, 12, 31, 16, 0)
    assert [send(office).code for _ in range(2)] == ["PAKN-2026-000001", "PAKN-2026-000002"]
    with pytest.raises(ValidationError):
        send(office, title="")
    with pytest.raises(RuntimeError), transaction.atomic():
        send(office)  # written, then rolled back with the caller's transaction: its number comes back
        raise RuntimeError
    assert send(office).code == "PAKN-2026-000003"
    clock.at(2027, 1, 4, 8, 0)
    assert send(office).code == "PAKN-2027-000001"  # a new year starts again at 1
    assert Feedback.objects.count() == 4


# --- every action from every state, for every role --------------------------------------------------------------

STATES = ["submitted", "accepted", "info_requested", "accepted_after_info", "answered", "rejected"]
ROLES = ["sender", "other_citizen", "clerk", "specialist", "leader", "clerk_elsewhere", "contact", "wrong_contact"]
# The table of feedback_workflow, written out again here so the test can disagree with the code.
EXPECTED = {
    "accept": ({"submitted"}, {"clerk", "specialist", "leader"}),
    "reject": ({"submitted"}, {"clerk", "specialist", "leader"}),
    "request_info": ({"accepted", "accepted_after_info"}, {"specialist", "leader"}),
    "provide_info": ({"info_requested"}, {"sender", "contact"}),
    "answer": ({"accepted", "accepted_after_info"}, {"specialist", "leader"}),
    "rate_answer": ({"answered"}, {"sender", "contact"}),
    "publish": ({"answered"}, {"leader"}),
}
BLOCKED = {("request_info", "accepted_after_info")}  # asked once already
TARGET = {"accept": "accepted", "reject": "rejected", "request_info": "info_requested", "provide_info": "accepted",
          "answer": "answered", "rate_answer": "answered", "publish": "answered"}


def drive(office, state: str, *, by_contact: bool) -> Feedback:
    feedback = anonymous(office) if by_contact else send(office)
    contact = "0914222333" if by_contact else ""
    sender = None if by_contact else office["citizen"]
    if state == "rejected":
        feedback_reject(feedback=feedback, actor=office["clerk"], reason="Không thuộc thẩm quyền.")
    if state in ("accepted", "info_requested", "accepted_after_info", "answered"):
        feedback_accept(feedback=feedback, actor=office["clerk"])
    if state in ("info_requested", "accepted_after_info"):
        feedback_request_info(feedback=feedback, actor=office["specialist"], text="Cho biết thời gian cụ thể.")
    if state == "accepted_after_info":
        feedback_provide_info(feedback=feedback, actor=sender, contact=contact, text="Sáng thứ Hai.")
    if state == "answered":
        feedback_answer(feedback=feedback, actor=office["specialist"], text="Đã chấn chỉnh.")
    return Feedback.objects.get(pk=feedback.pk)


def act(office, action: str, feedback: Feedback, role: str):
    actor = {"sender": office["citizen"], "other_citizen": office["other"], "clerk": office["clerk"],
             "specialist": office["specialist"], "leader": office["leader"],
             "clerk_elsewhere": office["clerk_elsewhere"]}.get(role)
    contact = {"contact": "0914 222 333", "wrong_contact": "0914222334"}.get(role, "")
    if action == "accept":
        return feedback_accept(feedback=feedback, actor=actor)
    if action == "reject":
        return feedback_reject(feedback=feedback, actor=actor, reason="Không thuộc thẩm quyền.")
    if action == "request_info":
        return feedback_request_info(feedback=feedback, actor=actor, text="Thêm thông tin.")
    if action == "provide_info":
        return feedback_provide_info(feedback=feedback, actor=actor, contact=contact, text="Đây ạ.")
    if action == "answer":
        return feedback_answer(feedback=feedback, actor=actor, text="Trả lời.")
    if action == "rate_answer":
        return feedback_rate_answer(feedback=feedback, actor=actor, contact=contact, level=2)
    return feedback_publish(feedback=feedback, actor=actor)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_transition_matrix(office, action, state):
    states, roles = EXPECTED[action]
    for role in ROLES:
        by_contact = role in ("contact", "wrong_contact")
        feedback = drive(office, state, by_contact=by_contact)
        before = snapshot(feedback)
        allowed = state in states and role in roles and (action, state) not in BLOCKED
        if allowed:
            event = act(office, action, feedback, role)
            feedback.refresh_from_db()
            assert feedback.state == TARGET[action], (action, state, role)
            assert (event.action, event.from_state, event.to_state, event.seq) == (
                action, before[0]["state"], TARGET[action], len(before[1]) + 1)
            continue
        no_part = role in ("other_citizen", "clerk_elsewhere", "wrong_contact") or (
            role == "contact" and action not in SENDER_ACTIONS)
        expected = PermissionDenied if no_part or (state in states and role not in roles) else ActionRefused
        with pytest.raises(expected):
            act(office, action, feedback, role)
        assert snapshot(feedback) == before, (action, state, role)


# --- e-mails ---------------------------------------------------------------------------------------------------

def test_the_sender_is_e_mailed_after_commit_when_the_agency_acts(office, django_capture_on_commit_callbacks):
    feedback = send(office)
    with django_capture_on_commit_callbacks(execute=True):
        feedback_accept(feedback=feedback, actor=office["clerk"])
    with django_capture_on_commit_callbacks(execute=True):
        feedback_request_info(feedback=feedback, actor=office["specialist"], text="Quầy số mấy?")
    with django_capture_on_commit_callbacks(execute=True):
        feedback_provide_info(feedback=feedback, actor=office["citizen"], text="Quầy số 3.")
    with django_capture_on_commit_callbacks(execute=True):
        feedback_answer(feedback=feedback, actor=office["specialist"], text="Đã nhắc nhở cán bộ quầy số 3.")
    assert [m.to for m in mail.outbox] == [["an@example.com"]] * 3  # providing information is the sender's own act
    assert [m.subject for m in mail.outbox] == [
        gettext(s) % {"code": feedback.code} for s in ("Your feedback %(code)s has been accepted",
                                                        "More information is needed for your feedback %(code)s",
                                                        "Your feedback %(code)s has been answered")]
    assert "Quầy số mấy?" in mail.outbox[1].body and "Đã nhắc nhở cán bộ quầy số 3." in mail.outbox[2].body
    assert reverse("satisfaction:feedback-detail", args=[feedback.code]) in mail.outbox[2].body

    by_phone = anonymous(office)  # no e-mail address: no mail
    with django_capture_on_commit_callbacks(execute=True):
        feedback_reject(feedback=by_phone, actor=office["clerk"], reason="Trùng nội dung.")
    assert len(mail.outbox) == 3
    refused_mail = anonymous(office, phone="", email="bao@example.com")
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(PermissionDenied):
        feedback_reject(feedback=refused_mail, actor=office["clerk_elsewhere"], reason="x")
    assert callbacks == [] and len(mail.outbox) == 3
    assert Delivery.objects.filter(consumer=Consumer.EMAIL).count() == 3  # one each, all delivered
    assert not Delivery.objects.exclude(status=Delivery.Status.DELIVERED).exists()


def test_an_e_mail_the_mail_server_fails_is_retried_until_it_goes(office, monkeypatch,
                                                                  django_capture_on_commit_callbacks):
    feedback = send(office)

    def down(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    with monkeypatch.context() as patch:
        patch.setattr(EmailBackend, "send_messages", down)
        with django_capture_on_commit_callbacks(execute=True):
            feedback_accept(feedback=feedback, actor=office["clerk"])
    assert Feedback.objects.get(pk=feedback.pk).state == "accepted"  # the action stands
    assert mail.outbox == []
    owed = Delivery.objects.get(consumer=Consumer.EMAIL)
    assert (owed.status, owed.attempts, owed.dossier_id, owed.payload["to"]) == (
        Delivery.Status.PENDING, 1, None, "an@example.com")
    assert "SMTPServerDisconnected" in owed.last_error and owed.next_attempt_at > timezone.now()  # backing off
    assert outbox.outbox_sweep() == 0  # not before its time

    Delivery.objects.filter(pk=owed.pk).update(next_attempt_at=timezone.now())  # its time has come
    assert outbox.outbox_sweep() == 1  # queued (and, the tasks running eagerly here, delivered)
    owed.refresh_from_db()
    assert (owed.status, owed.attempts, owed.last_error) == (Delivery.Status.DELIVERED, 2, "")
    assert list(owed.attempt_log.values_list("ok", flat=True)) == [False, True]
    assert [m.to for m in mail.outbox] == [["an@example.com"]]
    assert mail.outbox[0].subject == gettext("Your feedback %(code)s has been accepted") % {"code": feedback.code}


# --- ratings and publishing ------------------------------------------------------------------------------------

def answered(office, **kwargs) -> Feedback:
    feedback = send(office, **kwargs)
    feedback_accept(feedback=feedback, actor=office["clerk"])
    feedback_answer(feedback=feedback, actor=office["specialist"], text="Đã chấn chỉnh, xin cảm ơn.")
    return Feedback.objects.get(pk=feedback.pk)


def test_the_sender_rates_the_answer_and_may_change_it_within_the_window(office, clock, settings):
    clock.at(2026, 12, 7, 9, 0)
    feedback = answered(office)
    event = feedback_rate_answer(feedback=feedback, actor=office["citizen"], level=3, comment="Chưa rõ.")
    feedback.refresh_from_db()
    assert (feedback.answer_level, feedback.answer_comment, feedback.answer_rated_at) == (3, "Chưa rõ.", clock.now)
    assert event.data == {"level": 3, "changed": False}
    assert feedback_rate_answer(feedback=feedback, actor=office["citizen"], level=3, comment="Chưa rõ.") is None
    clock.at(2026, 12, 8, 9, 0)
    changed = feedback_rate_answer(feedback=feedback, actor=office["citizen"], level=2)
    assert changed.data == {"level": 2, "changed": True}
    assert list(feedback.events.filter(action="rate_answer").values_list("data__level", flat=True)) == [3, 2]
    with pytest.raises(ValidationError):
        feedback_rate_answer(feedback=feedback, actor=office["citizen"], level=7)
    clock.now = dt.datetime(2026, 12, 7, 9, 1, tzinfo=VN) + dt.timedelta(days=settings.RATING_CHANGE_DAYS)
    before = snapshot(feedback)
    with pytest.raises(ActionRefused):
        feedback_rate_answer(feedback=feedback, actor=office["citizen"], level=1)
    assert snapshot(feedback) == before


def test_published_text_has_no_personal_details(office):
    feedback = answered(office, content="Tôi là Nguyễn Văn An, số điện thoại 0905 123 456, email an@example.com, "
                                        "CCCD 048090001234. Tôi phải chờ hơn hai giờ.")
    question, answer = feedback_public_defaults(feedback)
    assert question == "Chờ quá lâu tại quầy\n\nTôi là ***, số điện thoại ***, email ***, CCCD ***. Tôi phải chờ hơn hai giờ."
    before = snapshot(feedback)
    for wrong in ({"question": "Ông Nguyễn Văn An hỏi..."}, {"answer": "Gọi lại 0905.123.456"},
                  {"question": "Liên hệ AN@EXAMPLE.COM"}):
        with pytest.raises(ValidationError):
            feedback_publish(feedback=feedback, actor=office["leader"], **wrong)
    with pytest.raises(PermissionDenied):
        feedback_publish(feedback=feedback, actor=office["specialist"])
    assert snapshot(feedback) == before

    event = feedback_publish(feedback=feedback, actor=office["leader"])
    feedback.refresh_from_db()
    assert (feedback.public_question, feedback.public_answer) == (question, "Đã chấn chỉnh, xin cảm ơn.")
    first = feedback.published_at
    assert event.data["first"] is True
    feedback_publish(feedback=feedback, actor=office["leader"], question="Người dân phải chờ lâu tại quầy.")
    feedback.refresh_from_db()
    assert feedback.public_question == "Người dân phải chờ lâu tại quầy." and feedback.published_at == first


# --- pages -----------------------------------------------------------------------------------------------------

def test_officials_handle_feedback_from_their_workspace(office, client, django_capture_on_commit_callbacks):
    feedback = send(office)
    elsewhere = send(office, agency=office["justice"], title="Sở Tư pháp")
    client.force_login(office["clerk"])
    queue = client.get(reverse("satisfaction:feedback-workspace")).content.decode()
    assert feedback.code in queue and elsewhere.code not in queue
    page_url = reverse("satisfaction:feedback-staff", args=[feedback.code])
    page = client.get(page_url).content.decode()
    assert "0905123456" not in page and "an@example.com" in page and 'data-action="accept"' in page
    assert 'data-action="reject"' in page and 'data-action="answer"' not in page  # not yet accepted
    assert client.get(reverse("satisfaction:feedback-staff", args=[elsewhere.code])).status_code == 404

    act_url = lambda action: reverse("satisfaction:feedback-act", args=[feedback.code, action])  # noqa: E731
    before = snapshot(feedback)
    empty = client.post(act_url("reject"), {"reject-text": " "})
    assert empty.status_code == 400 and snapshot(feedback) == before
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(act_url("accept"))
    assert done.status_code == 302 and Feedback.objects.get(pk=feedback.pk).state == "accepted"
    assert len(mail.outbox) == 1
    refused = client.post(act_url("accept"))  # twice: the state no longer offers it
    assert refused.status_code == 409 and len(mail.outbox) == 1
    assert client.post(act_url("answer"), {"answer-text": "Trả lời"}).status_code == 403  # a clerk does not answer
    assert Feedback.objects.get(pk=feedback.pk).state == "accepted"

    client.force_login(office["specialist"])
    assert client.post(act_url("request_info"), {"request_info-text": "Quầy số mấy?"}).status_code == 302
    client.force_login(office["citizen"])
    detail = reverse("satisfaction:feedback-detail", args=[feedback.code])
    page = client.get(detail).content.decode()
    assert "Quầy số mấy?" in page and reverse("satisfaction:feedback-provide-info", args=[feedback.code]) in page
    assert client.post(reverse("satisfaction:feedback-provide-info", args=[feedback.code]), {"text": "Quầy số 3."}).status_code == 302
    client.force_login(office["specialist"])
    assert client.post(act_url("answer"), {"answer-text": "Đã nhắc nhở cán bộ quầy số 3."}).status_code == 302
    client.force_login(office["citizen"])
    page = client.get(detail).content.decode()
    assert "Đã nhắc nhở cán bộ quầy số 3." in page and 'name="level"' in page
    rated = client.post(reverse("satisfaction:feedback-rate", args=[feedback.code]), {"level": "1", "comment": "Cảm ơn."})
    assert rated.status_code == 302 and Feedback.objects.get(pk=feedback.pk).answer_level == 1

    client.force_login(office["leader"])
    assert 'data-action="publish"' in client.get(page_url).content.decode()
    with_name = client.post(act_url("publish"), {"publish-question": "Anh Nguyễn Văn An hỏi vì sao chờ lâu?",
                                                 "publish-answer": "Đã chấn chỉnh."})
    assert with_name.status_code == 400 and Feedback.objects.get(pk=feedback.pk).published_at is None
    published = client.post(act_url("publish"), {"publish-question": "Vì sao phải chờ lâu tại quầy?",
                                                 "publish-answer": "Đã chấn chỉnh."})
    assert published.status_code == 302
    events = list(Feedback.objects.get(pk=feedback.pk).events.values_list("action", "actor__username"))
    assert events == [("submit", "an"), ("accept", "ward-reception_clerk"), ("request_info", "ward-specialist"),
                      ("provide_info", "an"), ("answer", "ward-specialist"), ("rate_answer", "an"),
                      ("publish", "ward-leader")]

    qa = type(client)().get(reverse("satisfaction:feedback-qa")).content.decode()
    assert "Vì sao phải chờ lâu tại quầy?" in qa and "Đã chấn chỉnh." in qa
    assert "Nguyễn Văn An" not in qa and "an@example.com" not in qa and feedback.code not in qa


def test_who_sees_which_page(office, client):
    feedback = send(office)
    detail = reverse("satisfaction:feedback-detail", args=[feedback.code])
    staff_page = reverse("satisfaction:feedback-staff", args=[feedback.code])
    assert client.get(detail).status_code == 404
    assert client.get(staff_page).status_code == 302  # to the login page
    assert client.get(reverse("satisfaction:feedback-mine")).status_code == 302
    client.force_login(office["other"])
    assert client.get(detail).status_code == 404
    assert client.get(staff_page).status_code == 403  # not an official
    assert client.post(reverse("satisfaction:feedback-rate", args=[feedback.code]), {"level": "1"}).status_code == 404
    assert feedback.code not in client.get(reverse("satisfaction:feedback-mine")).content.decode()
    client.force_login(office["clerk_elsewhere"])
    assert client.get(staff_page).status_code == 404
    assert client.post(reverse("satisfaction:feedback-act", args=[feedback.code, "accept"])).status_code == 404
    client.force_login(office["clerk"])
    assert client.get(detail).status_code == 404  # officials use their own page
    assert Feedback.objects.get(pk=feedback.pk).state == "submitted" and feedback.events.count() == 1


def test_the_queue_puts_overdue_first_and_counts_by_state(office, client, clock):
    clock.at(2026, 12, 1, 9, 0)
    late = send(office, title="Gửi từ tuần trước")
    clock.at(2026, 12, 7, 9, 0)
    fresh = send(office, title="Mới gửi")
    handled = send(office, title="Đang xử lý")
    feedback_accept(feedback=handled, actor=office["clerk"])
    rejected = send(office, title="Không tiếp nhận")
    feedback_reject(feedback=rejected, actor=office["clerk"], reason="Trùng.")
    queue = list(selectors.feedback_queue(office["clerk"], now=clock.now))
    assert [f.code for f in queue] == [late.code, fresh.code, handled.code]
    assert [f.late for f in queue] == [True, False, False]
    counts = selectors.feedback_queue_counts(office["clerk"], now=clock.now)
    assert counts == {"open": 3, "overdue": 1, "submitted": 2, "accepted": 1, "info_requested": 0, "answered": 0,
                      "rejected": 1, "all": 4}
    assert selectors.feedback_queue_counts(office["clerk_elsewhere"], now=clock.now)["all"] == 0
    client.force_login(office["clerk"])
    page = client.get(reverse("satisfaction:feedback-workspace") + "?loc=rejected").content.decode()
    assert rejected.code in page and fresh.code not in page


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_pages_cost_the_same_with_more_feedback(office, client):
    for i in range(2):
        answered(office, title=f"Câu hỏi {i}", procedure=office["birth"])
    for feedback in Feedback.objects.all():
        feedback_publish(feedback=feedback, actor=office["leader"])
    urls = {"workspace": (office["clerk"], reverse("satisfaction:feedback-workspace") + "?loc=all"),
            "mine": (office["citizen"], reverse("satisfaction:feedback-mine")),
            "qa": (None, reverse("satisfaction:feedback-qa"))}
    before = {}
    for name, (user, url) in urls.items():
        client.logout()
        if user:
            client.force_login(user)
        before[name] = _queries(client, url)
    for i in range(6):
        answered(office, title=f"Câu hỏi thêm {i}", procedure=office["birth"])
    for feedback in Feedback.objects.filter(published_at__isnull=True):
        feedback_publish(feedback=feedback, actor=office["leader"])
    for name, (user, url) in urls.items():
        client.logout()
        if user:
            client.force_login(user)
        assert _queries(client, url) == before[name], name


def test_the_public_questions_and_answers_are_searchable_and_filtered(office, client):
    first = answered(office, title="Lệ phí khai sinh", content="Đăng ký khai sinh có mất lệ phí không?", procedure=office["birth"])
    second = answered(office, title="Giờ làm việc", content="Phường có làm việc sáng thứ Bảy không?")
    unpublished = answered(office, title="Chưa công khai", content="Nội dung riêng tư")
    for feedback in (first, second):
        feedback_publish(feedback=feedback, actor=office["leader"])
    url = reverse("satisfaction:feedback-qa")
    page = client.get(url).content.decode()
    assert "Lệ phí khai sinh" in page and "Giờ làm việc" in page and "Nội dung riêng tư" not in page
    found = client.get(url, {"q": "thứ Bảy"}).content.decode()
    assert "Giờ làm việc" in found and "Lệ phí khai sinh" not in found
    by_procedure = client.get(url, {"thu-tuc": office["birth"].code}).content.decode()
    assert "Lệ phí khai sinh" in by_procedure and "Giờ làm việc" not in by_procedure
    assert "Lệ phí khai sinh" not in client.get(url, {"co-quan": office["justice"].code}).content.decode()
    assert unpublished.code not in page


# --- at the same moment (PostgreSQL: row locks are real there) ---------------------------------------------------

needs_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks")


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_senders_never_share_or_skip_a_code(office):
    from cases.tests.test_concurrency import run_together

    codes = run_together([lambda: send(office).code] * 8)
    assert all(isinstance(c, str) for c in codes), codes
    assert sorted(int(c.rsplit("-", 1)[1]) for c in codes) == list(range(1, 9))


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_officials_accept_and_reject_at_once_one_wins_and_nothing_is_half_done(office):
    from cases.tests.test_concurrency import run_together

    feedback = send(office)
    outcomes = run_together([
        lambda: feedback_accept(feedback=feedback, actor=office["clerk"]),
        lambda: feedback_reject(feedback=feedback, actor=office["leader"], reason="Trùng nội dung."),
    ])
    wins = [o for o in outcomes if not isinstance(o, Exception)]
    losses = [o for o in outcomes if isinstance(o, Exception)]
    assert len(wins) == 1 and len(losses) == 1 and isinstance(losses[0], ActionRefused), outcomes
    feedback.refresh_from_db()
    assert feedback.state == wins[0].to_state
    assert list(feedback.events.values_list("seq", "action")) == [(1, "submit"), (2, wins[0].action)]
