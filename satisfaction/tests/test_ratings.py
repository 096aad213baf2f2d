"""Ratings: the applicant rates a dossier that is over (returned, not accepted, withdrawn), once, changeable
within the window; a "not satisfied" rating opens the agency's follow-up; every rating reaches the mock
national portal (a real process) through the outbox, in the dossier's order."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from cases.actions import perform
from cases.services import ActionRefused, dossier_document_add, dossier_draft_create, dossier_submit
from cases.tests.conftest import PDF
from cases.tests.test_citizen_pages import upload
from integrations import outbox
from integrations.models import Delivery
from satisfaction.models import FollowUp, Level, Rating
from satisfaction.ratings import follow_up_close, rating_submit


def _returned(office, *, stop_at=None):
    citizen = office["citizen"]
    draft = dossier_draft_create(user=citizen, procedure=office["birth"], agency=office["ward"])
    form = office["birth"].current_version.documents.order_by("order").first()
    dossier_document_add(dossier=draft, actor=citizen, requirement=form, uploaded=upload("to-khai.pdf", PDF))
    dossier = dossier_submit(dossier=draft, actor=citizen)
    steps = [("receive", "clerk", None), ("forward", "clerk", None), ("complete_step", "clerk", None),
             ("complete_step", "specialist", None), ("approve", "leader", dict(reason="15/2026/GKS")),
             ("return_result", "clerk", dict(delivery="counter"))]
    for action, role, payload in steps:
        if action == stop_at:
            break
        perform(dossier=dossier, action=action, actor=office[role], **(payload or {}))
    dossier.refresh_from_db()
    return dossier


def _rate(client, dossier, level, comment="", **criteria):
    data = {"level": level, "comment": comment, **{f"criterion-{k}": v for k, v in criteria.items()}}
    return client.post(reverse("satisfaction:rate", args=[dossier.pk]), data, follow=True)


@pytest.mark.django_db
def test_the_applicant_rates_a_returned_dossier_once_and_may_change_it_within_the_window(office, client, settings):
    dossier = _returned(office)
    client.force_login(office["citizen"])
    page = client.get(reverse("cases:dossier", args=[dossier.pk])).content.decode()
    assert "Bạn thấy dịch vụ thế nào?" in page and "Rất hài lòng" in page and "Số lần phải đi lại" in page

    answer = _rate(client, dossier, 1, "Cán bộ hướng dẫn tận tình", THOI_GIAN=2, THAI_DO=1)
    assert "Cảm ơn bạn" in answer.content.decode()
    rating = Rating.objects.get(dossier=dossier)
    assert (rating.level, rating.criteria, rating.comment, rating.agency) == (
        1, {"THOI_GIAN": 2, "THAI_DO": 1}, "Cán bộ hướng dẫn tận tình", office["ward"])
    sent = Delivery.objects.get(dossier=dossier, topic="rating")
    assert sent.payload["rating"] == {
        "MaHoSo": dossier.code, "MucDoHaiLong": 1,
        "ThoiDiemDanhGia": timezone.localtime(rating.updated_at).strftime("%Y%m%d%H%M%S"),
        "TieuChi": [{"MaTieuChi": "THAI_DO", "MucDoHaiLong": 1}, {"MaTieuChi": "THOI_GIAN", "MucDoHaiLong": 2}],
        "NoiDung": "Cán bộ hướng dẫn tận tình", "MaDonVi": office["ward"].code,
    }
    assert "Bạn đã đánh giá" in answer.content.decode()

    # The same answer again sends nothing; a change is a new rating for the portal.
    _rate(client, dossier, 1, "Cán bộ hướng dẫn tận tình", THOI_GIAN=2, THAI_DO=1)
    assert Delivery.objects.filter(topic="rating").count() == 1
    _rate(client, dossier, 2, "Chờ hơi lâu")
    rating.refresh_from_db()
    assert (rating.level, rating.changes, rating.criteria) == (2, 1, {})
    assert Delivery.objects.filter(topic="rating").count() == 2

    # After the window: refused, nothing changes.
    Rating.objects.filter(pk=rating.pk).update(created_at=timezone.now() - dt.timedelta(days=settings.RATING_CHANGE_DAYS, minutes=1))
    refused = _rate(client, dossier, 3)
    assert "Đã hết thời hạn thay đổi đánh giá" in refused.content.decode()
    rating.refresh_from_db()
    assert rating.level == 2 and Delivery.objects.filter(topic="rating").count() == 2


@pytest.mark.django_db
def test_not_before_it_is_over_not_by_someone_else_and_not_without_an_answer(office, client):
    processing = _returned(office, stop_at="approve")
    client.force_login(office["citizen"])
    assert "Bạn thấy dịch vụ thế nào?" not in client.get(reverse("cases:dossier", args=[processing.pk])).content.decode()
    early = _rate(client, processing, 1)
    assert "khi đã trả kết quả" in early.content.decode() and not Rating.objects.exists()

    returned = _returned(office)
    assert "Hãy chọn mức độ hài lòng chung" in _rate(client, returned, "").content.decode()
    assert "Hãy chọn mức độ hài lòng chung" in _rate(client, returned, 7).content.decode()
    with pytest.raises(ValidationError, match="ba mức"):
        rating_submit(dossier=returned, user=office["citizen"], level=1, criteria={"THOI_GIAN": 9})
    client.force_login(office["other"])
    assert _rate(client, returned, 1).status_code == 404
    with pytest.raises(ActionRefused):
        rating_submit(dossier=processing, user=office["citizen"], level=1)
    assert not Rating.objects.exists() and not Delivery.objects.filter(topic="rating").exists()


@pytest.mark.django_db
def test_a_dissatisfied_rating_opens_one_follow_up_that_the_agency_closes(office):
    dossier = _returned(office)
    rating = rating_submit(dossier=dossier, user=office["citizen"], level=Level.DISSATISFIED,
                           comment="Phải đi lại ba lần")
    rating_submit(dossier=dossier, user=office["citizen"], level=Level.DISSATISFIED, comment="Vẫn chưa ổn")
    follow_up = FollowUp.objects.get()
    assert (follow_up.rating, follow_up.agency, follow_up.status) == (rating, office["ward"], "open")

    with pytest.raises(PermissionDenied, match="cơ quan được đánh giá"):
        follow_up_close(follow_up=follow_up, actor=office["clerk_elsewhere"], outcome="Đã gọi điện")
    with pytest.raises(ValidationError):
        follow_up_close(follow_up=follow_up, actor=office["leader"], outcome=" ")
    closed = follow_up_close(follow_up=follow_up, actor=office["leader"], outcome="Đã gọi điện xin lỗi")
    assert (closed.status, closed.closed_by) == ("closed", office["leader"])
    with pytest.raises(ActionRefused):
        follow_up_close(follow_up=follow_up, actor=office["leader"], outcome="Lần nữa")
    # Dissatisfied again after it was closed: a new follow-up.
    rating_submit(dossier=dossier, user=office["citizen"], level=Level.DISSATISFIED, comment="Lại chưa ổn")
    assert FollowUp.objects.filter(status="open").count() == 1


@pytest.mark.django_db(transaction=True)
def test_ratings_reach_the_national_portal_after_the_dossier_s_status(office, templates, mock_portal, portal_settings):
    dossier = _returned(office)  # its status deliveries ran after each commit: the portal has them
    rating_submit(dossier=dossier, user=office["citizen"], level=Level.SATISFIED, criteria={"KET_QUA": 1})
    rating_submit(dossier=dossier, user=office["citizen"], level=Level.VERY_SATISFIED)
    assert not Delivery.objects.exclude(status="delivered").exists()
    held = mock_portal.lookup(dossier.code)
    assert held["TrangThaiHoSo"] == 10 and held["DanhGia"]["MucDoHaiLong"] == 1
    ratings = [r for r in mock_portal.records(dossier.code) if r["kind"] == "DanhGiaHoSo"]
    assert [r["status"] for r in ratings] == [2, 1]
    # Sent again (a retry after a lost answer): stored once.
    delivery = Delivery.objects.filter(topic="rating").order_by("id").last()
    Delivery.objects.filter(pk=delivery.pk).update(status="pending", next_attempt_at=timezone.now())
    assert outbox.deliver(delivery_id=delivery.pk) == "delivered"
    assert len([r for r in mock_portal.records(dossier.code) if r["kind"] == "DanhGiaHoSo"]) == 2


@pytest.mark.django_db
def test_the_officials_see_the_rating_and_close_the_follow_up_from_the_dossier_page(office, client):
    dossier = _returned(office)
    rating_submit(dossier=dossier, user=office["citizen"], level=Level.DISSATISFIED,
                  criteria={"SO_LAN_DI_LAI": 3}, comment="Phải đi lại ba lần")
    client.force_login(office["clerk"])
    url = reverse("cases:staff-dossier", args=[dossier.pk])
    page = client.get(url).content.decode()
    assert "Đánh giá của người nộp" in page and "Không hài lòng" in page and "Phải đi lại ba lần" in page
    follow_up = FollowUp.objects.get()
    close = reverse("satisfaction:follow-up-close", args=[follow_up.pk])
    assert "Hãy ghi rõ" in client.post(close, {"outcome": ""}, follow=True).content.decode()
    done = client.post(close, {"outcome": "Đã gọi điện xin lỗi, hẹn hỗ trợ tại nhà"}, follow=True).content.decode()
    assert "Đã đóng việc xử lý" in done and "Đã gọi điện xin lỗi" in done
    client.force_login(office["clerk_elsewhere"])
    assert client.post(close, {"outcome": "x"}).status_code == 404
