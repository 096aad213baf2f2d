"""Log in with VNeID, end to end: the portal (Django's test client, or a live server in Chromium) against the
mock identity provider and population database running as their own process (gunicorn, as `make run` starts
them). The portal's browser side is an httpx client keeping the mock's cookies; every check of the protocol
is the portal's own (Authlib against the mock's discovery document and published keys).

Refusals: a replayed or forged ``state``; an ID token with a bad signature, for another audience, with an old
nonce, or expired (signed with the mock's own key, so only the one defect is wrong): each is refused with its
message and changes no account."""

import os
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.messages import get_messages
from django.urls import reverse
from joserfc import jwt
from joserfc.jwk import RSAKey

from accounts import vneid
from accounts.models import CitizenProfile, User
from cases.tests.conftest import office  # noqa: F401 - the catalog and An's password account
from integrations.tests.live import manage, mock_env, mock_process

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "vneid-flow-token-" + os.urandom(4).hex()
SECRET = "vneid-flow-secret-" + os.urandom(4).hex()
CALLBACK = "/tai-khoan/vneid/xac-thuc/"
AN, BINH, DUC = "048090001234", "048185004321", "048088123456"


class Mock:
    def __init__(self, url, env, key_file):
        self.url, self.env, self.key_file = url, env, key_file

    @property
    def issuer(self):
        return f"{self.url}/vneid"

    def register(self, *bases: str) -> None:
        """Register the portal's client for portals at ``bases`` (run again for a live server)."""
        uris = [arg for base in bases for arg in ("--redirect-uri", f"{base}{CALLBACK}", "--logout-uri", f"{base}/")]
        manage(self.env, "vneid_client", *uris)


@pytest.fixture(scope="module")
def mock(tmp_path_factory):
    folder = tmp_path_factory.mktemp("vneid-flow")
    env = mock_env(MOCK_PORTAL_TOKEN=TOKEN, MOCK_PORTAL_DATABASE_URL=f"sqlite:///{folder / 'mock.sqlite3'}",
                   MOCK_VNEID_PRIVATE_KEY_FILE=str(folder / "vneid.pem"), MOCK_VNEID_CLIENT_SECRET=SECRET)
    manage(env, "migrate", "--noinput", "-v0")
    with mock_process(env, folder / "server.log") as url:
        server = Mock(url, env, folder / "vneid.pem")
        server.register("http://testserver")
        yield server


@pytest.fixture
def portal(mock, settings):
    """The portal's settings pointing at the mock."""
    settings.VNEID_ISSUER, settings.VNEID_BACKCHANNEL_URL = mock.issuer, ""
    settings.VNEID_CLIENT_ID, settings.VNEID_CLIENT_SECRET = "dvc-portal", SECRET
    settings.POPULATION_DB_URL, settings.POPULATION_DB_TOKEN = f"{mock.url}/api/CSDLDanCu", TOKEN
    return mock


def _to_mock(client, next_url="") -> str:
    """The portal's "Log in with VNeID": the address of the provider's authorize endpoint it sends to."""
    answer = client.get(reverse("accounts:vneid"), {"next": next_url} if next_url else {})
    assert answer.status_code == 302 and answer["Location"].startswith(vneid.client().load_server_metadata()[
        "authorization_endpoint"]), answer
    query = dict(p.split("=", 1) for p in urlsplit(answer["Location"]).query.split("&"))
    assert query["code_challenge_method"] == "S256" and query["code_challenge"] and query["nonce"] and query["state"]
    return answer["Location"]


def _pick(browser: httpx.Client, authorize: str, number: str) -> str:
    """At the mock: its login page, pick ``number``; the portal callback (path and query) it sends back to."""
    page = browser.get(urljoin(authorize, browser.get(authorize).headers["Location"]))
    assert page.url.path == "/vneid/dang-nhap/"
    picked = browser.post(page.url, data={"csrfmiddlewaretoken": browser.cookies["mock_vneid_csrftoken"],
                                          "pick": number, "next": page.url.params["next"]})
    back = browser.get(urljoin(str(picked.url), picked.headers["Location"]))
    assert back.status_code == 302 and back.headers["Location"].startswith(f"http://testserver{CALLBACK}?")
    return back.headers["Location"].removeprefix("http://testserver")


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_new_citizen_logs_in_and_the_form_is_prefilled(portal, office, client):  # noqa: F811
    with httpx.Client(timeout=30) as browser:
        callback = _pick(browser, _to_mock(client, "/ho-so/nop/1.001193/"), DUC)
    landed = client.get(callback)
    # VNeID gives no phone or e-mail: asked once, then on to the form.
    assert landed.status_code == 302 and landed["Location"] == reverse("accounts:contact")
    later = client.post(landed["Location"], {"skip": "1"})
    assert later.status_code == 302 and later["Location"] == "/ho-so/nop/1.001193/"
    user = User.objects.get(citizen_profile__id_number=DUC)
    assert int(client.session["_auth_user_id"]) == user.pk
    profile = user.citizen_profile
    assert (profile.full_name, profile.assurance_level, profile.is_verified) == ("Phạm Minh Đức", 2, True)
    assert str(profile.date_of_birth) == "1988-07-30" and not user.has_usable_password()
    # The wizard asks the real population database (the mock process) for the verified number.
    page = client.get("/ho-so/nop/1.001193/").content.decode()
    assert 'data-source="population"' in page and "Tổ 5, phường Hòa Khánh, thành phố Đà Nẵng" in page
    # The same login again: the same account, nothing new.
    client.logout()
    with httpx.Client(timeout=30) as browser:
        client.get(_pick(browser, _to_mock(client), DUC))
    assert User.objects.filter(citizen_profile__id_number=DUC).count() == 1


def test_an_existing_password_account_is_linked_after_its_password(portal, office, client):  # noqa: F811
    with httpx.Client(timeout=30) as browser:
        answer = client.get(_pick(browser, _to_mock(client), AN))
    assert answer["Location"] == reverse("accounts:vneid-link") and "_auth_user_id" not in client.session
    assert client.post(answer["Location"], {"password": "mat-khau-rat-dai-1"}).status_code == 302
    assert int(client.session["_auth_user_id"]) == office["citizen"].pk
    assert CitizenProfile.objects.get(user=office["citizen"]).is_verified


def test_a_business_representative_acts_for_their_business(portal, office, client):  # noqa: F811
    with httpx.Client(timeout=30) as browser:
        client.get(_pick(browser, _to_mock(client), BINH))
    user = User.objects.get(citizen_profile__id_number=BINH)
    membership = user.business_memberships.select_related("business").get()
    assert (membership.business.tax_code, membership.business.name, membership.is_representative) == (
        "0401001233", "Công ty TNHH Thương mại Sông Hàn", True)
    # The wizard offers to file for the business.
    page = client.get("/ho-so/nop/1.001193/").content.decode()
    assert f'value="business:{membership.business.pk}"' in page and "0401001233" in page


def test_logout_ends_both_sessions(portal, office, client):  # noqa: F811
    with httpx.Client(timeout=30) as browser:
        authorize = _to_mock(client)
        client.get(_pick(browser, authorize, DUC))
        out = client.post(reverse("accounts:logout"))
        assert "_auth_user_id" not in client.session
        assert out["Location"].startswith(f"{portal.issuer}/logout/?") and "id_token_hint=" in out["Location"]
        ended = browser.get(out["Location"])
        assert ended.status_code == 302 and ended.headers["Location"].startswith("http://testserver/")
        # The mock's session is over: a new login asks who you are again.
        again = browser.get(_to_mock(client))
        assert urlsplit(again.headers["Location"]).path == "/vneid/dang-nhap/"


def test_a_replayed_or_forged_state_is_refused(portal, office, client):  # noqa: F811
    with httpx.Client(timeout=30) as browser:
        callback = _pick(browser, _to_mock(client), DUC)
    forged = client.get(callback.replace("state=", "state=x"), follow=True)
    assert any("đã hết hạn hoặc đã được dùng" in m for m in _messages(forged))
    assert "_auth_user_id" not in client.session
    assert client.get(callback).status_code == 302 and "_auth_user_id" in client.session  # the real one works
    client.logout()
    replayed = client.get(callback, follow=True)  # its state was used once
    assert any("đã hết hạn hoặc đã được dùng" in m for m in _messages(replayed))
    assert "_auth_user_id" not in client.session


# --- forged ID tokens ------------------------------------------------------------------------------------------
def _forge(mock, monkeypatch, *, key=None, **claims):
    """The mock's token endpoint answers with an ID token made here: signed with the mock's own key (or
    ``key``) under the mock's key id, with ``claims`` over a valid set."""
    jwks = httpx.get(f"{mock.issuer}/.well-known/jwks.json", timeout=30).json()
    own = RSAKey.import_key(mock.key_file.read_bytes())
    now = int(time.time())
    body = {"iss": mock.issuer, "aud": "dvc-portal", "sub": "vn-forged", "iat": now, "exp": now + 300,
            "so_dinh_danh": DUC, "name": "Phạm Minh Đức", "birthdate": "1988-07-30", "muc_do_dinh_danh": 2,
            **claims}
    token = jwt.encode({"alg": "RS256", "kid": jwks["keys"][0]["kid"]}, body, key or own)
    app_class = type(vneid.client())
    monkeypatch.setattr(app_class, "fetch_access_token",
                        lambda self, **kw: {"access_token": "a", "token_type": "Bearer", "id_token": token})


def _attempt(client, mock, monkeypatch, **forgery):
    """A login whose token answer is forged (the nonce is the one the portal sent, unless overridden)."""
    authorize = _to_mock(client)
    nonce = dict(p.split("=", 1) for p in urlsplit(authorize).query.split("&"))["nonce"]
    state = dict(p.split("=", 1) for p in urlsplit(authorize).query.split("&"))["state"]
    _forge(mock, monkeypatch, **{"nonce": nonce, **forgery})
    users = User.objects.count()
    answer = client.get(CALLBACK, {"code": "any", "state": state}, follow=True)
    assert User.objects.count() == users and "_auth_user_id" not in client.session
    return " ".join(_messages(answer))


def test_forged_tokens_are_refused_with_their_reason(portal, office, client, monkeypatch):  # noqa: F811
    other = RSAKey.import_key(rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    assert "không có chữ ký hợp lệ" in _attempt(client, portal, monkeypatch, key=other)
    assert "dịch vụ khác" in _attempt(client, portal, monkeypatch, aud="another-service")
    # ... even when it names this portal as the party it was given to (Authlib alone would let this pass).
    assert "dịch vụ khác" in _attempt(client, portal, monkeypatch, aud="another-service", azp="dvc-portal")
    assert "không đạt kiểm tra (iss)" in _attempt(client, portal, monkeypatch, iss="https://vneid.example")
    assert "lần đăng nhập khác" in _attempt(client, portal, monkeypatch, nonce="an-old-nonce")
    now = int(time.time())
    assert "đã hết hạn" in _attempt(client, portal, monkeypatch, iat=now - 7200, exp=now - 3600)
    assert not User.objects.filter(citizen_profile__id_number=DUC).exists()
    # The same forgery with nothing wrong is accepted: the refusals above are the defects, not the harness.
    _attempt_ok = _to_mock(client)
    query = dict(p.split("=", 1) for p in urlsplit(_attempt_ok).query.split("&"))
    _forge(portal, monkeypatch, nonce=query["nonce"])
    assert client.get(CALLBACK, {"code": "any", "state": query["state"]}).status_code == 302
    assert "_auth_user_id" in client.session


# --- in Chromium ---------------------------------------------------------------------------------------------
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_log_in_with_vneid_and_find_the_form_filled_in(portal, office, live_server, page):  # noqa: F811
    """"Đăng nhập bằng VNeID", pick an identity at the mock, land back on the portal where the procedure's
    form shows the population database's details. Screenshots: /tmp/vneid-*.png."""
    portal.register("http://testserver", live_server.url)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/tai-khoan/dang-nhap/?next=/ho-so/nop/1.001193/")
    page.screenshot(path="/tmp/vneid-portal-login.png", full_page=True)
    page.get_by_role("link", name="Đăng nhập bằng VNeID").click()
    page.wait_for_url("**/vneid/dang-nhap/**")
    page.screenshot(path="/tmp/vneid-mock-login.png", full_page=True)
    page.locator(f"button[name=pick][value='{DUC}']").click()
    page.wait_for_url(f"{live_server.url}/tai-khoan/lien-he/")  # asked once for a phone or an e-mail
    page.screenshot(path="/tmp/vneid-contact.png", full_page=True)
    page.locator("button[name=skip]").click()
    page.wait_for_url(f"{live_server.url}/ho-so/nop/1.001193/")
    facts = page.locator("[data-source=population]")
    facts.wait_for()
    text = facts.inner_text()
    assert "Phạm Minh Đức" in text and "Tổ 5, phường Hòa Khánh, thành phố Đà Nẵng" in text and "Kinh" in text
    assert "từ CSDL quốc gia về dân cư" in text
    page.screenshot(path="/tmp/vneid-prefilled.png", full_page=True)
    assert User.objects.get(citizen_profile__id_number=DUC).citizen_profile.is_verified
