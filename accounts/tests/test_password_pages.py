"""Password reset by e-mail and password change."""

import re

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user
from django.core import mail

from .factories import DEFAULT_PASSWORD, CitizenFactory

pytestmark = pytest.mark.django_db

RESET = "/tai-khoan/quen-mat-khau/"
NEW_PASSWORD = "Cau-Rong-phun-lua-2025"


def reset_link(message) -> str:
    match = re.search(r"https?://testserver(/tai-khoan/dat-lai-mat-khau/[^/\s]+/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


class TestPasswordReset:
    def test_the_form_page_is_vietnamese(self, client):
        html = client.get(RESET).content.decode()
        assert "Đặt lại mật khẩu" in html
        assert 'autocomplete="email"' in html

    def test_sends_a_vietnamese_e_mail_whose_link_sets_a_new_password(self, client):
        user = CitizenFactory(email="an@example.com", full_name="Nguyễn Văn An", username="an")
        response = client.post(RESET, {"email": "an@example.com"})
        assert response.status_code == 302
        assert response.url == "/tai-khoan/quen-mat-khau/da-gui/"
        assert "Hãy kiểm tra hộp thư" in client.get(response.url).content.decode()

        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == ["an@example.com"]
        assert message.subject == "Đặt lại mật khẩu — Cổng Dịch vụ công"
        assert "Xin chào Nguyễn Văn An," in message.body
        assert "“an”" in message.body

        link = reset_link(message)
        response = client.get(link, follow=True)  # Django moves the token into the session, then redirects
        assert "Chọn mật khẩu mới" in response.content.decode()
        form_url = response.redirect_chain[-1][0]
        response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True)
        assert "Mật khẩu của bạn đã được thay đổi" in response.content.decode()
        user.refresh_from_db()
        assert user.check_password(NEW_PASSWORD)

        # The link works once.
        again = client.get(link, follow=True)
        assert "Liên kết này không còn dùng được" in again.content.decode()

    def test_an_unknown_address_gets_the_same_answer_and_no_e_mail(self, client):
        CitizenFactory(email="an@example.com")
        response = client.post(RESET, {"email": "nobody@example.com"})
        assert response.status_code == 302
        assert response.url == "/tai-khoan/quen-mat-khau/da-gui/"
        assert mail.outbox == []

    def test_a_weak_new_password_is_refused(self, client):
        user = CitizenFactory(email="an@example.com")
        client.post(RESET, {"email": "an@example.com"})
        response = client.get(reset_link(mail.outbox[0]), follow=True)
        form_url = response.redirect_chain[-1][0]
        response = client.post(form_url, {"new_password1": "123456", "new_password2": "123456"})
        assert "Mật khẩu quá ngắn" in response.content.decode()
        user.refresh_from_db()
        assert user.check_password(DEFAULT_PASSWORD)

    def test_resetting_lifts_a_lockout(self, client):
        CitizenFactory(username="an", email="an@example.com")
        for _ in range(5):
            client.post("/tai-khoan/dang-nhap/", {"username": "an", "password": "wrong-password"})
        assert AccessAttempt.objects.filter(username="an").exists()
        client.post(RESET, {"email": "an@example.com"})
        response = client.get(reset_link(mail.outbox[0]), follow=True)
        client.post(response.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
        assert not AccessAttempt.objects.filter(username="an").exists()
        response = client.post("/tai-khoan/dang-nhap/", {"username": "an", "password": NEW_PASSWORD})
        assert response.status_code == 302
        assert get_user(client).is_authenticated

    def test_a_forged_link_does_not_work(self, client):
        CitizenFactory(email="an@example.com")
        response = client.get("/tai-khoan/dat-lai-mat-khau/MQ/abc-123/")
        assert "Liên kết này không còn dùng được" in response.content.decode()


class TestPasswordChange:
    def test_requires_login(self, client):
        response = client.get("/tai-khoan/doi-mat-khau/")
        assert response.status_code == 302
        assert response.url.startswith("/tai-khoan/dang-nhap/?next=")

    def test_changes_the_password_and_keeps_the_session(self, client):
        user = CitizenFactory()
        client.force_login(user)
        response = client.post(
            "/tai-khoan/doi-mat-khau/",
            {"old_password": DEFAULT_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
            follow=True,
        )
        assert "Mật khẩu của bạn đã được đổi." in response.content.decode()
        user.refresh_from_db()
        assert user.check_password(NEW_PASSWORD)
        assert get_user(client).is_authenticated

    def test_a_wrong_old_password_is_refused(self, client):
        user = CitizenFactory()
        client.force_login(user)
        response = client.post(
            "/tai-khoan/doi-mat-khau/",
            {"old_password": "not-it-at-all", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
        assert "Mật khẩu cũ không chính xác" in response.content.decode()
        user.refresh_from_db()
        assert user.check_password(DEFAULT_PASSWORD)
