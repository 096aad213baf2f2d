"""Login, lockout after repeated failures (django-axes), logout, and the API token endpoint."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user
from rest_framework.authtoken.models import Token

from .factories import DEFAULT_PASSWORD, CitizenFactory, StaffFactory

pytestmark = pytest.mark.django_db

LOGIN = "/tai-khoan/dang-nhap/"
LOGOUT = "/tai-khoan/dang-xuat/"
TOKEN = "/api/v1/auth/token/"


def test_the_lockout_settings_are_those_the_pages_describe():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_LOCKOUT_TEMPLATE == "accounts/locked_out.html"


class TestLogin:
    def test_the_page_is_vietnamese_with_accessible_fields(self, client):
        html = client.get(LOGIN).content.decode()
        assert "<h1>Đăng nhập</h1>" in html
        assert '<label for="id_username">Tên đăng nhập</label>' in html
        assert '<label for="id_password">Mật khẩu</label>' in html
        assert 'autocomplete="current-password"' in html
        assert 'href="/tai-khoan/quen-mat-khau/"' in html

    def test_good_credentials_log_in_and_follow_next(self, client):
        user = CitizenFactory(username="an")
        response = client.post(LOGIN, {"username": "an", "password": DEFAULT_PASSWORD, "next": "/tai-khoan/ho-so-ca-nhan/"})
        assert response.status_code == 302
        assert response.url == "/tai-khoan/ho-so-ca-nhan/"
        assert get_user(client).pk == user.pk

    def test_an_outside_next_is_ignored(self, client):
        CitizenFactory(username="an")
        response = client.post(LOGIN, {"username": "an", "password": DEFAULT_PASSWORD, "next": "https://evil.example/"})
        assert response.status_code == 302
        assert "evil" not in response.url

    def test_a_wrong_password_is_refused_in_vietnamese(self, client):
        CitizenFactory(username="an")
        response = client.post(LOGIN, {"username": "an", "password": "wrong-password"})
        html = response.content.decode()
        assert response.status_code == 200
        assert "Tên đăng nhập hoặc mật khẩu không đúng" in html
        assert "Sau 5 lần nhập sai" in html
        assert 'value="an"' in html  # the username stays; the password does not
        assert "wrong-password" not in html
        assert get_user(client).is_anonymous
        assert AccessAttempt.objects.get(username="an").failures_since_start == 1

    def test_a_disabled_account_cannot_log_in(self, client):
        CitizenFactory(username="an", is_active=False)
        client.post(LOGIN, {"username": "an", "password": DEFAULT_PASSWORD})
        assert get_user(client).is_anonymous

    def test_logout_is_post_only(self, client):
        client.force_login(CitizenFactory())
        assert client.get(LOGOUT).status_code == 405
        assert get_user(client).is_authenticated
        response = client.post(LOGOUT)
        assert response.status_code == 302
        assert get_user(client).is_anonymous


class TestLockout:
    def fail(self, client, username="an", times=1):
        return [client.post(LOGIN, {"username": username, "password": "wrong-password"}) for _ in range(times)]

    def test_five_failures_lock_the_account_with_a_vietnamese_429_page(self, client):
        CitizenFactory(username="an")
        responses = self.fail(client, times=5)
        assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
        html = responses[-1].content.decode()
        assert "Tạm dừng đăng nhập" in html
        assert "Mật khẩu đã bị nhập sai 5 lần liên tiếp" in html
        assert "Hãy thử lại sau 15 phút." in html
        assert 'href="/tai-khoan/quen-mat-khau/"' in html
        assert '<html lang="vi">' in html

    def test_while_locked_even_the_right_password_is_refused(self, client):
        CitizenFactory(username="an")
        self.fail(client, times=5)
        response = client.post(LOGIN, {"username": "an", "password": DEFAULT_PASSWORD})
        assert response.status_code == 429
        assert get_user(client).is_anonymous

    def test_another_username_is_not_locked(self, client):
        CitizenFactory(username="an")
        user = CitizenFactory(username="binh")
        self.fail(client, times=5)
        response = client.post(LOGIN, {"username": "binh", "password": DEFAULT_PASSWORD})
        assert response.status_code == 302
        assert get_user(client).pk == user.pk

    def test_a_success_before_the_limit_resets_the_count(self, client):
        CitizenFactory(username="an")
        self.fail(client, times=4)
        assert client.post(LOGIN, {"username": "an", "password": DEFAULT_PASSWORD}).status_code == 302
        client.post(LOGOUT)
        assert [r.status_code for r in self.fail(client, times=4)] == [200] * 4


class TestApiToken:
    def test_good_credentials_get_a_token(self, client):
        user = StaffFactory(username="motcua")
        response = client.post(TOKEN, {"username": "motcua", "password": DEFAULT_PASSWORD}, content_type="application/json")
        assert response.status_code == 200
        assert response.json()["token"] == Token.objects.get(user=user).key

    def test_bad_credentials_are_refused_with_400(self, client):
        CitizenFactory(username="an")
        response = client.post(TOKEN, {"username": "an", "password": "wrong-password"}, content_type="application/json")
        assert response.status_code == 400
        assert "token" not in response.json()
        assert not Token.objects.exists()

    def test_missing_fields_are_refused_with_400(self, client):
        response = client.post(TOKEN, {}, content_type="application/json")
        assert response.status_code == 400
        assert set(response.json()) == {"username", "password"}

    def test_five_failures_lock_the_api_too_with_429(self, client):
        CitizenFactory(username="an")
        codes = [
            client.post(TOKEN, {"username": "an", "password": "wrong-password"}, content_type="application/json").status_code
            for _ in range(5)
        ]
        assert codes == [400, 400, 400, 400, 429]
        response = client.post(TOKEN, {"username": "an", "password": DEFAULT_PASSWORD}, content_type="application/json")
        assert response.status_code == 429
        assert "Đăng nhập sai quá nhiều lần" in response.json()["detail"]
        assert not Token.objects.exists()

    def test_page_failures_and_api_failures_add_up(self, client):
        CitizenFactory(username="an")
        for _ in range(4):
            client.post(LOGIN, {"username": "an", "password": "wrong-password"})
        response = client.post(TOKEN, {"username": "an", "password": "wrong-password"}, content_type="application/json")
        assert response.status_code == 429
