"""The outbox without any process: a dossier action writes its deliveries in its own transaction (the
portal's sync and progress records, the applicant's notifications), a refused action writes and queues
nothing, a dossier's portal deliveries go one at a time in order, failures back off and end in the dead
letter an administrator retries, and a worker's lease keeps a delivery from going twice at once.

The channel is replaced at its edge: the portal's HTTP client and the gateways' ``httpx.post`` answer
through an ``httpx.MockTransport``, so the outbox's handling of each answer is the real one."""

import datetime as dt
import json
import re

import httpx
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cases.actions import perform
from cases.models import DossierEvent
from cases.services import ActionRefused, dossier_document_add, dossier_draft_create, dossier_submit
from cases.tests.conftest import PDF
from cases.tests.factories import later_working_moment
from cases.workflow import NATIONAL_STATUS
from core import jobs
from digitization.services import dossier_document_reuse
from digitization.tests.factories import AN, DigitizedDocumentFactory
from integrations import channels, national_portal, notifications, outbox
from integrations.models import Consumer, Delivery, Notification
from integrations.portal_records import national_date
from procedures.models import RequiredDocument

pytestmark = pytest.mark.django_db

PHONE = "0905123456"
NATIONAL_DATE = re.compile(r"^\d{14}$")


# --- the edges: what the portal and the gateways answer ------------------------------------------------


class Receiver:
    """Stands in for the national portal and the SMS/Zalo gateways over HTTP (httpx.MockTransport).

    ``answers`` is a list of (status, body) used one per request, then ``(200, OK)`` for good; every
    request is kept in ``requests`` as (path, JSON body)."""

    OK = {"error_code": "0", "message": "Thành công", "results": []}

    def __init__(self):
        self.answers: list[tuple[int, dict]] = []
        self.requests: list[tuple[str, object]] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append((request.url.path, json.loads(request.content or b"null")))
        status, body = self.answers.pop(0) if self.answers else (200, self.OK)
        return httpx.Response(status, json=body)

    def progress(self) -> list[dict]:
        """The progress records received, in order (a record, or each of a list)."""
        sent = []
        for path, body in self.requests:
            if path.endswith("CapNhatTienDoHoSoMC"):
                sent += body if isinstance(body, list) else [body]
        return sent


@pytest.fixture
def receiver(monkeypatch, settings):
    receiver = Receiver()
    client = httpx.Client(transport=httpx.MockTransport(receiver.handle))
    monkeypatch.setattr(national_portal, "_client", lambda: client)

    def post(url, **kwargs):
        return client.post(url, **kwargs)

    monkeypatch.setattr(channels.httpx, "post", post)
    settings.NATIONAL_PORTAL_URL = "http://portal.test"
    settings.SMS_GATEWAY_URL = "http://portal.test/sms/send"
    settings.ZALO_GATEWAY_URL = "http://portal.test/zalo/send"
    return receiver


UNAVAILABLE = (503, {"error_code": "503", "message": "Hệ thống đang bảo trì, vui lòng thử lại sau."})
INVALID = (400, {"error_code": "1", "message": "Dữ liệu không hợp lệ.", "errors": [{"index": 0, "errors": ["x"]}]})


@pytest.fixture
def queued(monkeypatch):
    """The delivery ids handed to the broker (``deliver.apply_async``), instead of running them."""
    from integrations.tasks import deliver

    ids: list[int] = []
    monkeypatch.setattr(deliver, "apply_async", lambda args, countdown=None: ids.append(args[0]))
    return ids


# --- dossiers ------------------------------------------------------------------------------------------


def portal_queue(dossier) -> list[Delivery]:
    return list(Delivery.objects.filter(dossier=dossier, consumer=Consumer.PORTAL).order_by("id"))


def due_now(*deliveries) -> None:
    """Time has come for each delivery's next attempt (rather than waiting out its backoff)."""
    Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(next_attempt_at=timezone.now())


def outbox_callbacks(callbacks) -> list:
    return [c for c in callbacks if c.__module__ == "integrations.outbox"]


@pytest.fixture
def counter(intake):
    """A dossier taken at the ward's counter from a walk-in applicant with a phone and no account."""

    def take():
        return intake(applicant={**AN, "phone": PHONE})

    return take


@pytest.fixture
def online(desk, templates, intake):
    """The citizen's online dossier of the birth procedure, submitted with the form uploaded and proof of
    residence reused from the data store; the citizen has a phone and wants e-mail and Zalo, not SMS."""
    citizen = desk["citizen"]
    citizen.citizen_profile.phone = PHONE
    citizen.citizen_profile.save(update_fields=["phone"])
    notifications.preference_update(user=citizen, email=True, sms=False, zalo=True)
    version = desk["birth"].current_version
    residence = RequiredDocument.objects.create(
        version=version, order=3, name="Giấy tờ chứng minh thông tin về cư trú", originals=1, mandatory=False,
        document_type_code="XNCT",
    )
    stored = DigitizedDocumentFactory(dossier=intake(), procedure_code="1.001193")  # from an earlier dossier
    draft = dossier_draft_create(user=citizen, procedure=desk["birth"], agency=desk["ward"])
    dossier_document_add(dossier=draft, actor=citizen, requirement=version.documents.get(order=1),
                         uploaded=SimpleUploadedFile("to-khai.pdf", PDF, content_type="application/pdf"))
    dossier_document_reuse(dossier=draft, user=citizen, requirement=residence, stored_id=stored.pk)
    return {"draft": draft, "stored": stored, "citizen": citizen}


# --- publishing ------------------------------------------------------------------------------------------


def test_an_action_writes_the_portal_s_records_and_the_applicant_s_notifications_and_queues_them_after_commit(
    desk, online, queued, django_capture_on_commit_callbacks
):
    draft, stored = online["draft"], online["stored"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        dossier = dossier_submit(dossier=draft, actor=online["citizen"])
    (submitted,) = Delivery.objects.filter(dossier=dossier)  # submitting is not news to the applicant
    assert (submitted.consumer, submitted.topic, submitted.status, submitted.attempts) == ("portal", "submit", "pending", 0)
    sync, progress = submitted.payload["sync"], submitted.payload["progress"]
    assert (sync["MaHoSo"], sync["MaTTHC"], sync["TenTTHC"], sync["MaLinhVuc"]) == (
        dossier.code, "1.001193", "Thủ tục đăng ký khai sinh", "HT")
    assert (sync["TrangThaiHoSo"], sync["KenhThucHien"], sync["ChuHoSo"], sync["SoGiayToChuHoSo"]) == (
        NATIONAL_STATUS["submitted"], 2, "Nguyễn Văn An", "048090001234")
    assert NATIONAL_DATE.match(sync["NgayNopHoSo"]) and sync["NgayNopHoSo"] == national_date(dossier.submitted_at)
    assert timezone.localtime(dossier.submitted_at).strftime("%Y%m%d%H%M%S") == sync["NgayNopHoSo"]
    assert sync["NgayTiepNhan"] == sync["NgayHenTra"] == ""  # not received yet
    documents = {d["TenTepDinhKem"]: d for d in sync["TaiLieuNop"]}
    form, reused = documents["to-khai.pdf"], documents[dossier.documents.get(source="reuse").original_name]
    assert (form["DuocSoHoa"], form["DuocTaiSuDung"], form["MaGiayToSoHoa"]) == (0, 0, "")
    assert (reused["DuocSoHoa"], reused["DuocTaiSuDung"], reused["MaGiayToSoHoa"]) == (1, 1, stored.code)
    assert (progress["MaHoSo"], progress["SoThuTu"], progress["TrangThai"], progress["ChucDanh"]) == (
        dossier.code, 1, 1, "Người nộp hồ sơ")
    assert len(outbox_callbacks(callbacks)) == 1 and queued == []  # queued after commit, not before
    for callback in outbox_callbacks(callbacks):
        callback()
    assert queued == [submitted.pk]

    queued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        event = perform(dossier=dossier, action="receive", actor=desk["clerk"])
    dossier.refresh_from_db()
    written = {d.consumer: d for d in Delivery.objects.filter(event=event)}
    assert set(written) == {Consumer.PORTAL, Consumer.EMAIL, Consumer.ZALO}  # no SMS: the citizen said no
    assert sorted(queued) == sorted(d.pk for d in written.values())
    sync, progress = written[Consumer.PORTAL].payload["sync"], written[Consumer.PORTAL].payload["progress"]
    assert sync["TrangThaiHoSo"] == NATIONAL_STATUS["received"] == 2
    assert (sync["NgayTiepNhan"], sync["NgayHenTra"]) == (national_date(dossier.received_at), national_date(dossier.due_at))
    assert NATIONAL_DATE.match(sync["NgayTiepNhan"]) and NATIONAL_DATE.match(sync["NgayHenTra"])
    assert (progress["SoThuTu"], progress["TrangThai"], progress["ChucDanh"]) == (event.seq, 2, "Cán bộ một cửa") == (2, 2, "Cán bộ một cửa")
    assert progress["ThoiDiemXuLy"] == national_date(event.at)
    email, zalo = written[Consumer.EMAIL].payload, written[Consumer.ZALO].payload
    assert email["to"] == "an@example.com" and dossier.code in email["subject"] and dossier.code in email["text"]
    assert zalo["to"] == PHONE and dossier.code in zalo["text"]
    assert Notification.objects.filter(user=online["citizen"], event=event, topic="received").count() == 1


def test_an_action_and_its_deliveries_commit_together_or_not_at_all(desk, online, monkeypatch,
                                                                      django_capture_on_commit_callbacks):
    def broken(**kwargs):
        raise RuntimeError("the digitization queue failed after the event was written")

    monkeypatch.setattr("digitization.services.components_enqueue", broken)
    with django_capture_on_commit_callbacks(execute=False) as callbacks, pytest.raises(RuntimeError):
        dossier_submit(dossier=online["draft"], actor=online["citizen"])
    draft = online["draft"]
    draft.refresh_from_db()
    assert (draft.state, draft.code) == ("draft", None)
    assert not DossierEvent.objects.filter(dossier=draft).exists() and not Delivery.objects.filter(dossier=draft).exists()
    assert callbacks == []


@pytest.mark.parametrize(
    ("who", "action", "payload", "error"),
    [
        ("other", "forward", None, PermissionDenied),  # no part in the dossier
        ("specialist", "forward", None, PermissionDenied),  # a role that may not forward
        ("clerk", "receive", None, ActionRefused),  # already received
        ("leader", "approve", dict(reason="1/QĐ"), ActionRefused),  # not being processed
        ("clerk", "request_supplement", dict(items=[]), ValidationError),  # nothing listed
        ("specialist", "extend", dict(reason="Chậm", new_due_at="2000-01-01T00:00"), ValidationError),
    ],
)
def test_a_refused_action_writes_no_delivery_and_queues_nothing(
    desk, counter, queued, who, action, payload, error, django_capture_on_commit_callbacks
):
    dossier = counter()
    before = set(Delivery.objects.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(error):
        perform(dossier=dossier, action=action, actor=desk[who], **(payload or {}))
    assert set(Delivery.objects.values_list("pk", flat=True)) == before
    assert callbacks == [] and queued == []
    assert list(dossier.events.values_list("action", flat=True)) == ["intake"]


# --- order ---------------------------------------------------------------------------------------------


def test_a_dossier_s_portal_deliveries_go_one_at_a_time_oldest_first(desk, intake, receiver, queued,
                                                                      django_capture_on_commit_callbacks):
    dossier = intake()  # no account, no phone: its only deliveries are the portal's
    perform(dossier=dossier, action="forward", actor=desk["clerk"])
    perform(dossier=dossier, action="complete_step", actor=desk["clerk"])
    first, second, third = portal_queue(dossier)

    receiver.answers = [UNAVAILABLE]
    assert outbox.deliver(delivery_id=second.pk) is None  # waits behind the first, not even attempted
    assert outbox.deliver(delivery_id=first.pk) == "retry"
    due_now(first)
    assert outbox.deliver(delivery_id=second.pk) is None  # the first is pending again: still waiting
    receiver.answers = [INVALID]
    assert outbox.deliver(delivery_id=first.pk) == "dead"
    assert outbox.deliver(delivery_id=third.pk) is None  # behind a dead letter: waits for its retry
    second.refresh_from_db()
    assert (second.status, second.attempts, second.claimed_until) == ("pending", 0, None)
    assert len(receiver.requests) == 2  # the first's two sync attempts; nothing of the others went

    assert outbox.outbox_sweep() == 0 and queued == []  # the head is dead, the rest wait behind it
    with django_capture_on_commit_callbacks(execute=True):
        outbox.delivery_retry(deliveries=[first])
    assert queued == [first.pk]
    receiver.requests.clear()
    assert outbox.deliver(delivery_id=first.pk) == "delivered"  # and chains to the second and the third
    assert [d.status for d in portal_queue(dossier)] == ["delivered"] * 3
    assert [p["SoThuTu"] for p in receiver.progress()] == [1, 2, 3]
    assert [p["NoiDungXuLy"] for p in receiver.progress()] == [d.payload["progress"]["NoiDungXuLy"] for d in (first, second, third)]


def test_the_sweeper_queues_only_what_is_due_first_in_line_and_not_leased(desk, counter, intake, receiver, queued):
    one = counter()  # portal + SMS
    perform(dossier=one, action="forward", actor=desk["clerk"])
    perform(dossier=one, action="extend", actor=desk["specialist"], reason="Cần xác minh thêm", new_due_at=later_working_moment(one.due_at))
    two = intake()
    perform(dossier=two, action="forward", actor=desk["clerk"])
    later = intake()  # its only delivery waits for its backoff
    leased = intake()  # its only delivery is with a worker
    Delivery.objects.filter(dossier=later).update(next_attempt_at=timezone.now() + dt.timedelta(minutes=5))
    outbox._claim(portal_queue(leased)[0].pk, timezone.now())

    assert outbox.outbox_sweep() == 4
    sms = list(Delivery.objects.filter(dossier=one, consumer=Consumer.SMS).values_list("pk", flat=True))
    assert len(sms) == 2  # received, and the apology for the extension: messages keep no line
    heads = [portal_queue(one)[0].pk, *sms, portal_queue(two)[0].pk]
    assert sorted(queued) == sorted(heads)  # not the 2nd and 3rd of `one`, nor the 2nd of `two`
    assert len(portal_queue(one)) == 3 and len(portal_queue(two)) == 2

    queued.clear()
    for pk in heads:
        outbox.deliver(delivery_id=pk)  # what the workers would do: each head chains its dossier's line
    assert Delivery.objects.filter(dossier__in=[one, two], status="delivered").count() == 7
    assert outbox.outbox_sweep() == 0 and queued == []


# --- backoff and the dead letter ----------------------------------------------------------------------


@pytest.mark.parametrize("attempts", [1, 2, 3, 5, 8, 12, 30])
def test_the_backoff_doubles_with_half_of_it_random_up_to_its_cap(settings, monkeypatch, attempts):
    settings.OUTBOX_BACKOFF_SECONDS, settings.OUTBOX_BACKOFF_MAX_SECONDS = 10, 3600
    delay = min(3600, 10 * 2 ** (attempts - 1))
    monkeypatch.setattr(jobs.random, "random", lambda: 0.0)
    assert outbox.backoff_seconds(attempts) == pytest.approx(delay / 2)
    monkeypatch.setattr(jobs.random, "random", lambda: 0.999999)
    assert outbox.backoff_seconds(attempts) == pytest.approx(delay, rel=1e-5)
    monkeypatch.undo()
    samples = [outbox.backoff_seconds(attempts) for _ in range(400)]
    assert all(delay / 2 <= s <= delay for s in samples)
    assert min(samples) < delay * 0.6 and max(samples) > delay * 0.9  # jitter spreads over the random half


def test_failures_back_off_then_give_up_with_every_attempt_kept_and_an_administrator_retries(
    desk, intake, receiver, settings, client, django_user_model, django_capture_on_commit_callbacks, queued
):
    settings.OUTBOX_BACKOFF_SECONDS, settings.OUTBOX_BACKOFF_MAX_SECONDS, settings.OUTBOX_MAX_ATTEMPTS = 10, 60, 6
    dossier = intake()
    (delivery,) = portal_queue(dossier)
    receiver.answers = [UNAVAILABLE] * 6
    delays = []
    for attempt in range(1, 7):
        before = timezone.now()
        with django_capture_on_commit_callbacks(execute=True):
            outcome = outbox.deliver(delivery_id=delivery.pk)
        delivery.refresh_from_db()
        assert (outcome, delivery.attempts) == ("retry" if attempt < 6 else "dead", attempt)
        assert delivery.claimed_until is None and "bảo trì" in delivery.last_error
        if attempt < 6:
            waited = (delivery.next_attempt_at - before).total_seconds()
            cap = min(60, 10 * 2 ** (attempt - 1))
            assert cap / 2 - 0.5 <= waited <= cap + 0.5, (attempt, waited)
            delays.append(cap)
            assert outbox.deliver(delivery_id=delivery.pk) is None  # not due before its time
            due_now(delivery)
    assert delays == [10, 20, 40, 60, 60]
    assert queued == []  # eager tasks: a retry's countdown is left to the sweeper, not run at once
    assert delivery.status == "dead"
    log = list(delivery.attempt_log.order_by("id"))
    assert [(a.ok, a.status_code) for a in log] == [(False, 503)] * 6
    assert all("bảo trì" in a.response for a in log)
    assert outbox.outbox_sweep() == 0  # a dead letter is not swept

    admin = django_user_model.objects.create_superuser(username="root", password="x-password-123", email="r@x.vn")
    client.force_login(admin)
    changelist = reverse("admin:integrations_delivery_changelist")
    assert client.get(changelist, {"status__exact": "dead"}).status_code == 200
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(changelist, {"action": "retry", "_selected_action": [delivery.pk]})
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.claimed_until) == ("pending", 0, None)
    assert delivery.next_attempt_at <= timezone.now()
    for callback in outbox_callbacks(callbacks):
        callback()
    assert queued == [delivery.pk]
    assert outbox.deliver(delivery_id=delivery.pk) == "delivered"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("delivered", 1, "")
    assert [a.ok for a in delivery.attempt_log.order_by("id")] == [False] * 6 + [True]
    assert delivery.attempt_log.last().status_code == 200 and "0: Thành công" in delivery.attempt_log.last().response


def test_a_record_the_portal_refuses_is_given_up_at_once(desk, intake, receiver):
    dossier = intake()
    portal = portal_queue(dossier)[0]
    receiver.answers = [INVALID]
    assert outbox.deliver(delivery_id=portal.pk) == "dead"
    portal.refresh_from_db()
    assert (portal.status, portal.attempts) == ("dead", 1)
    (attempt,) = portal.attempt_log.all()
    assert (attempt.ok, attempt.status_code) == (False, 400) and attempt.response.startswith("1: Dữ liệu không hợp lệ")


def test_a_message_the_gateway_refuses_is_given_up_at_once_and_a_gateway_failure_is_retried(
    desk, counter, receiver, templates
):
    dossier = counter()
    sms = Delivery.objects.get(dossier=dossier, consumer=Consumer.SMS)
    receiver.answers = [(502, {"error": "bad gateway"}), (400, {"error_code": "1", "message": "Số điện thoại không hợp lệ."})]
    assert outbox.deliver(delivery_id=sms.pk) == "retry"
    due_now(sms)
    assert outbox.deliver(delivery_id=sms.pk) == "dead"
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == ("dead", 2)
    assert [(a.ok, a.status_code) for a in sms.attempt_log.order_by("id")] == [(False, 502), (False, 400)]
    path, body = receiver.requests[-1]
    assert path == "/sms/send" and body["reference"] == f"dvc-{sms.pk}"  # the same reference every time


# --- the lease ---------------------------------------------------------------------------------------------


def test_a_claimed_delivery_is_not_taken_again_until_its_lease_runs_out(desk, intake, receiver, queued, settings,
                                                                          monkeypatch):
    settings.OUTBOX_LEASE_SECONDS = 120
    dossier = intake()
    delivery = portal_queue(dossier)[0]
    start = timezone.now()
    claimed = outbox._claim(delivery.pk, start)  # a worker took it, then died before it answered
    assert claimed is not None and claimed.attempts == 1
    assert claimed.claimed_until == start + dt.timedelta(seconds=120)
    assert outbox._claim(delivery.pk, start) is None
    assert outbox.deliver(delivery_id=delivery.pk) is None and receiver.requests == []

    def at(moment):
        monkeypatch.setattr(outbox.timezone, "now", lambda: moment)

    at(start + dt.timedelta(seconds=119))
    assert outbox.outbox_sweep() == 0 and queued == []
    assert outbox.deliver(delivery_id=delivery.pk) is None and receiver.requests == []
    at(start + dt.timedelta(seconds=121))
    assert outbox.outbox_sweep() == 1 and queued == [delivery.pk]
    assert outbox.deliver(delivery_id=delivery.pk) == "delivered"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.claimed_until) == ("delivered", 2, None)
    assert [a.ok for a in delivery.attempt_log.all()] == [True]  # the dead worker's try left no answer


@pytest.mark.parametrize("max_attempts", [5, 1], ids=["made-pending-again", "made-dead"])
def test_a_worker_that_outlives_its_lease_does_not_undo_what_the_next_one_recorded(
    desk, intake, receiver, settings, monkeypatch, max_attempts
):
    """A worker stalls mid-call past its lease (a portal that answers very late, a paused machine); the
    sweeper hands the delivery to another worker, which delivers it. The stalled call's failure, when it
    finally comes, is kept in the attempt log but must not make the delivered delivery pending (sent again)
    or, at its last attempt, dead (the dossier's line blocked until an administrator acts)."""
    settings.OUTBOX_LEASE_SECONDS, settings.OUTBOX_MAX_ATTEMPTS = 120, max_attempts
    dossier = intake()
    (delivery,) = portal_queue(dossier)
    start = timezone.now()
    original = receiver.handle

    def stalled(request):
        if not receiver.requests:  # the first worker's first call: meanwhile its lease runs out
            receiver.requests.append((request.url.path, None))
            monkeypatch.setattr(outbox.timezone, "now", lambda: start + dt.timedelta(seconds=121))
            assert outbox.deliver(delivery_id=delivery.pk) == "delivered"  # the second worker
            return httpx.Response(*UNAVAILABLE[:1], json=UNAVAILABLE[1])  # then the first one's answer
        return original(request)

    monkeypatch.setattr(national_portal, "_client", lambda: httpx.Client(transport=httpx.MockTransport(stalled)))
    outbox.deliver(delivery_id=delivery.pk)  # the first worker
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    assert sorted(a.ok for a in delivery.attempt_log.all()) == [False, True]  # both tries kept
    assert outbox.outbox_sweep() == 0


# --- cost ------------------------------------------------------------------------------------------------


# Measured (SQLite and PostgreSQL alike): what publishing costs, whatever the number of documents. A reception
# tells the applicant (template, account, in-portal notification, preference); a forward tells nobody.
PUBLISH_QUERIES = {"submit": 8, "receive": 16, "forward": 9}
MARGIN = 2


@pytest.fixture
def publish_queries(monkeypatch, django_assert_max_num_queries):
    """The queries of each ``event_publish`` a dossier action makes, by action; more than measured fails."""
    counts: dict[str, list[int]] = {}
    original = outbox.event_publish

    def counted(*, event):
        with django_assert_max_num_queries(PUBLISH_QUERIES[event.action] + MARGIN) as context:
            result = original(event=event)
        counts.setdefault(event.action, []).append(len(context.captured_queries))
        return result

    monkeypatch.setattr("integrations.outbox.event_publish", counted)
    return counts


def test_publishing_a_transition_costs_a_fixed_number_of_queries(desk, online, publish_queries):
    citizen = online["citizen"]
    more = dossier_draft_create(user=citizen, procedure=desk["birth"], agency=desk["ward"])
    form = desk["birth"].current_version.documents.get(order=1)
    for i in range(6):
        dossier_document_add(dossier=more, actor=citizen, requirement=form,
                             uploaded=SimpleUploadedFile(f"to-khai-{i}.pdf", PDF, content_type="application/pdf"))
    for draft in (online["draft"], more):  # two documents, then six
        dossier = dossier_submit(dossier=draft, actor=citizen)
        perform(dossier=dossier, action="receive", actor=desk["clerk"])
        perform(dossier=dossier, action="forward", actor=desk["clerk"])
    assert more.documents.count() == 6
    # At most the measured number plus MARGIN each (the fixture fails otherwise), the same with 2 documents or 6.
    assert set(publish_queries) == set(PUBLISH_QUERIES)
    assert all(len(counts) == 2 and counts[0] == counts[1] for counts in publish_queries.values()), publish_queries
