"""The mock VNeID (OpenID Connect through django-oauth-toolkit) and the mock population database, in the mock
national services' own process: discovery, sign-in with PKCE, state and nonce, the ID token checked against
the published keys, userinfo, PKCE refusals, a typed identity, the population API, and RP-initiated logout.

One process for the module (gunicorn, as `make run` and docker compose start it), driven as a browser and
the portal would drive it: a cookie-keeping HTTP client that follows each redirect by hand."""

import base64
import hashlib
import os
import re
import secrets
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet

from integrations.tests.live import manage, mock_env, mock_process

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "vneid-test-token-" + os.urandom(4).hex()
CLIENT_ID = "dvc-portal"
CLIENT_SECRET = "vneid-test-secret-" + os.urandom(4).hex()
REDIRECT_URI = "http://testserver/tai-khoan/vneid/xac-thuc/"
LOGOUT_URI = "http://testserver/"
SCOPE = "openid profile vneid"

AN, MAI, BINH, DUC = "048090001234", "048195007788", "048185004321", "048088123456"


@dataclass
class Mock:
    url: str
    database: Path
    key_file: Path
    log: Path

    @property
    def issuer(self) -> str:
        return f"{self.url}/vneid"

    def population(self, number: str, token: str | None = TOKEN) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.get(f"{self.url}/api/CSDLDanCu/CongDan", params={"SoDinhDanh": number}, headers=headers,
                         timeout=30)

    def query(self, sql: str, *args) -> list[tuple]:
        with sqlite3.connect(self.database, timeout=20) as db:
            return db.execute(sql, args).fetchall()


@pytest.fixture(scope="module")
def mock(tmp_path_factory):
    """The mock started as `make run` starts it: migrate, register the portal's client (twice: the command
    is run at every start), then gunicorn; its own database and signing key in a scratch folder."""
    folder = tmp_path_factory.mktemp("mock-vneid")
    database, key_file = folder / "mock.sqlite3", folder / "keys" / "vneid.pem"
    env = mock_env(MOCK_PORTAL_TOKEN=TOKEN, MOCK_PORTAL_DATABASE_URL=f"sqlite:///{database}",
                   MOCK_VNEID_PRIVATE_KEY_FILE=str(key_file), MOCK_VNEID_CLIENT_SECRET=CLIENT_SECRET)
    manage(env, "migrate", "--noinput", "-v0")
    client = ["vneid_client", "--redirect-uri", REDIRECT_URI, "--logout-uri", LOGOUT_URI]
    assert "created" in manage(env, *client)
    assert "updated" in manage(env, *client)
    log = folder / "server.log"
    with mock_process(env, log) as url:
        yield Mock(url=url, database=database, key_file=key_file, log=log)


# --- Driving it as a browser and as the portal --------------------------------------------------------------


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_url(mock: Mock, **params) -> str:
    query = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT_URI, "scope": SCOPE,
             "code_challenge_method": "S256", **params}
    return f"{mock.issuer}/authorize/?" + urlencode({k: v for k, v in query.items() if v is not None})


def follow(browser: httpx.Client, response: httpx.Response) -> httpx.Response:
    assert response.status_code == 302, (response.status_code, response.text[:500])
    return browser.get(urljoin(str(response.url), response.headers["Location"]))


def csrf(browser: httpx.Client) -> str:
    return browser.cookies["mock_vneid_csrftoken"]


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def at_redirect_uri(response: httpx.Response) -> dict[str, str]:
    """The authorize step's answer: a redirect to the portal's redirect URI; its query."""
    assert response.status_code == 302, (response.status_code, response.text[:500])
    location = response.headers["Location"]
    assert location.startswith(REDIRECT_URI + "?"), location
    return query_of(location)


def sign_in(mock: Mock, browser: httpx.Client, number: str, *, challenge: str, state: str, nonce: str) -> str:
    """Authorize with no session at the mock: sent to the sign-in page, pick ``number``, sent back to
    authorize, which (no consent screen) sends the browser to the redirect URI; the code it carries."""
    page = follow(browser, browser.get(authorize_url(mock, code_challenge=challenge, state=state, nonce=nonce)))
    assert page.url.path == "/vneid/dang-nhap/" and page.status_code == 200
    picked = browser.post(page.url, data={"csrfmiddlewaretoken": csrf(browser), "pick": number,
                                          "next": page.url.params["next"]})
    answer = at_redirect_uri(follow(browser, picked))
    assert answer["state"] == state and "error" not in answer
    return answer["code"]


def exchange(mock: Mock, code: str, verifier: str | None, *, basic: bool = False,
             secret: str = CLIENT_SECRET) -> httpx.Response:
    """The portal's token request (client_secret_post, or client_secret_basic)."""
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    if verifier is not None:
        data["code_verifier"] = verifier
    if basic:
        return httpx.post(f"{mock.issuer}/token/", data=data, auth=(CLIENT_ID, secret), timeout=30)
    return httpx.post(f"{mock.issuer}/token/", data={**data, "client_id": CLIENT_ID, "client_secret": secret},
                      timeout=30)


def verified_claims(mock: Mock, id_token: str, *, nonce: str) -> dict:
    """The ID token's claims once its RS256 signature is checked against the published JWKS, and its iss,
    aud, nonce and exp as the portal must check them."""
    jwks = httpx.get(f"{mock.issuer}/.well-known/jwks.json", timeout=30).json()
    token = jwt.decode(id_token, KeySet.import_key_set(jwks), algorithms=["RS256"])
    assert token.header["alg"] == "RS256" and token.header["kid"] in {k["kid"] for k in jwks["keys"]}
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": mock.issuer},
        aud={"essential": True, "value": CLIENT_ID},
        nonce={"essential": True, "value": nonce},
        exp={"essential": True}, iat={"essential": True}, sub={"essential": True},
    ).validate(token.claims)
    return token.claims


def subject(number: str) -> str:
    return "vn-" + hashlib.sha256(f"vneid:{number}".encode()).hexdigest()[:24]


# --- Discovery ------------------------------------------------------------------------------------------


def test_discovery_names_the_issuer_and_every_endpoint_under_vneid(mock):
    document = httpx.get(f"{mock.issuer}/.well-known/openid-configuration", timeout=30)
    assert document.status_code == 200
    config = document.json()
    assert config["issuer"] == mock.issuer  # no trailing slash
    assert config["authorization_endpoint"] == f"{mock.issuer}/authorize/"
    assert config["token_endpoint"] == f"{mock.issuer}/token/"
    assert config["userinfo_endpoint"] == f"{mock.issuer}/userinfo/"
    assert config["jwks_uri"] == f"{mock.issuer}/.well-known/jwks.json"
    assert config["end_session_endpoint"] == f"{mock.issuer}/logout/"
    assert config["code_challenge_methods_supported"] == ["S256"]
    assert config["response_types_supported"] == ["code"]
    assert set(config["scopes_supported"]) == {"openid", "profile", "vneid"}
    assert "RS256" in config["id_token_signing_alg_values_supported"]
    assert {"so_dinh_danh", "to_chuc", "acr", "muc_do_dinh_danh"} <= set(config["claims_supported"])
    assert {"client_secret_post", "client_secret_basic"} <= set(config["token_endpoint_auth_methods_supported"])
    # The key was made at the first start, readable by its owner only.
    assert mock.key_file.stat().st_mode & 0o777 == 0o600
    assert mock.query("SELECT client_id, skip_authorization, algorithm, hash_client_secret "
                      "FROM oauth2_provider_application") == [(CLIENT_ID, 1, "RS256", 0)]


# --- Signing in -----------------------------------------------------------------------------------------


def test_a_representative_signs_in_with_pkce_and_the_id_token_says_who_and_for_which_organization(mock):
    verifier, challenge = pkce()
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    with httpx.Client(timeout=30) as browser:
        page = follow(browser, browser.get(authorize_url(mock, code_challenge=challenge, state=state, nonce=nonce)))
        assert page.url.path == "/vneid/dang-nhap/"
        assert page.url.params["next"].startswith("/vneid/authorize/?")
        assert "Môi trường thử nghiệm — VNeID giả lập" in page.text
        assert "Trần Thị Bình" in page.text and "Số định danh 048******321" in page.text
        assert "đại diện Công ty TNHH Thương mại Sông Hàn" in page.text
        assert "Nguyễn Minh Khang" not in page.text  # a child with no VNeID account
        # Its cookies are its own by name (the portal beside it on the same host keeps its sessionid and
        # csrftoken); their path is the whole site, for the national portal's pages (/dvc/) as well.
        assert {c.name: c.path for c in browser.cookies.jar} == {"mock_vneid_csrftoken": "/"}
        picked = browser.post(page.url, data={"csrfmiddlewaretoken": csrf(browser), "pick": BINH,
                                              "next": page.url.params["next"]})
        assert picked.status_code == 302 and picked.headers["Location"] == page.url.params["next"]
        assert "mock_vneid_session" in browser.cookies
        answer = at_redirect_uri(follow(browser, picked))  # no consent screen
    assert answer["state"] == state and answer["code"]

    tokens = exchange(mock, answer["code"], verifier)
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    assert body["token_type"] == "Bearer" and set(body["scope"].split()) == {"openid", "profile", "vneid"}
    claims = verified_claims(mock, body["id_token"], nonce=nonce)
    assert time.time() < claims["exp"] <= time.time() + 600 + 5
    expected = {
        "sub": subject(BINH), "so_dinh_danh": BINH, "name": "Trần Thị Bình", "birthdate": "1985-11-03",
        "gender": "female", "address": {"formatted": "45 Trần Phú, phường Hải Châu, thành phố Đà Nẵng"},
        "acr": "vneid-loa2", "muc_do_dinh_danh": 2,
        "to_chuc": {"ma_so_thue": "0401001233", "ten": "Công ty TNHH Thương mại Sông Hàn",
                    "dia_chi": "88 Bạch Đằng, phường Hải Châu, thành phố Đà Nẵng", "vai_tro": "nguoi_dai_dien"},
    }
    assert {k: claims[k] for k in expected} == expected
    assert re.fullmatch(r"vn-[0-9a-f]{24}", claims["sub"])

    userinfo = httpx.get(f"{mock.issuer}/userinfo/", headers={"Authorization": f"Bearer {body['access_token']}"},
                         timeout=30)
    assert userinfo.status_code == 200
    assert userinfo.json() == expected
    assert httpx.get(f"{mock.issuer}/userinfo/", timeout=30).status_code == 401
    # A code is good once.
    assert exchange(mock, answer["code"], verifier).json()["error"] == "invalid_grant"


def test_a_person_signs_in_again_with_the_same_sub_and_the_basic_scheme_works_too(mock):
    subs = []
    for _ in range(2):
        verifier, challenge = pkce()
        nonce = secrets.token_urlsafe(16)
        with httpx.Client(timeout=30) as browser:
            code = sign_in(mock, browser, AN, challenge=challenge, state="s", nonce=nonce)
        tokens = exchange(mock, code, verifier, basic=True)
        assert tokens.status_code == 200, tokens.text
        claims = verified_claims(mock, tokens.json()["id_token"], nonce=nonce)
        assert (claims["name"], claims["gender"], claims["birthdate"]) == ("Nguyễn Văn An", "male", "1990-05-12")
        assert "to_chuc" not in claims
        subs.append(claims["sub"])
    assert subs == [subject(AN)] * 2


def test_a_session_at_the_mock_signs_in_again_without_the_page(mock):
    with httpx.Client(timeout=30) as browser:
        _, challenge = pkce()
        sign_in(mock, browser, DUC, challenge=challenge, state="one", nonce="n1")
        _, challenge = pkce()
        answer = at_redirect_uri(browser.get(authorize_url(mock, code_challenge=challenge, state="two", nonce="n2")))
        assert answer["state"] == "two" and answer["code"]
        # Unless the portal asks for the sign-in again (prompt=login), to let someone else in.
        _, challenge = pkce()
        asked = browser.get(authorize_url(mock, code_challenge=challenge, state="three", prompt="login"))
        assert asked.status_code == 302 and urlsplit(asked.headers["Location"]).path == "/vneid/dang-nhap/"
        assert "prompt" not in parse_qs(urlsplit(asked.headers["Location"]).query)["next"][0]
        # The sign-in page says who is signed in.
        assert "Bạn đang đăng nhập với danh tính <strong>Phạm Minh Đức</strong>" in browser.get(
            f"{mock.issuer}/dang-nhap/").text


def test_the_token_is_refused_without_the_verifier_with_a_wrong_one_or_a_wrong_secret(mock):
    verifier, challenge = pkce()
    other_verifier, _ = pkce()
    with httpx.Client(timeout=30) as browser:
        code = sign_in(mock, browser, MAI, challenge=challenge, state="s", nonce="n")
    missing = exchange(mock, code, None)
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    wrong = exchange(mock, code, other_verifier)
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    assert exchange(mock, code, verifier, secret="guessed").status_code == 401


def test_authorize_refuses_a_request_without_a_code_challenge_or_with_the_plain_method(mock):
    with httpx.Client(timeout=30) as browser:
        verifier, challenge = pkce()
        sign_in(mock, browser, MAI, challenge=challenge, state="s", nonce="n")
        without = at_redirect_uri(browser.get(authorize_url(mock, state="s2", nonce="n")))
        assert without["error"] == "invalid_request" and without["state"] == "s2" and "code" not in without
        plain = browser.get(authorize_url(mock, code_challenge=verifier, code_challenge_method="plain", state="s3"))
        assert "code" not in at_redirect_uri(plain) and at_redirect_uri(plain)["error"] == "invalid_request"
        # A redirect URI that is not registered is not redirected to.
        elsewhere = browser.get(authorize_url(mock, code_challenge=challenge, redirect_uri="https://evil.example/cb"))
        assert elsewhere.status_code == 400 and "Location" not in elsewhere.headers


def test_the_sign_in_page_goes_on_to_local_paths_only(mock):
    with httpx.Client(timeout=30) as browser:
        browser.get(f"{mock.issuer}/dang-nhap/")
        for outside in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
            picked = browser.post(f"{mock.issuer}/dang-nhap/", data={
                "csrfmiddlewaretoken": csrf(browser), "pick": DUC, "next": outside})
            assert picked.status_code == 302 and picked.headers["Location"] == "/vneid/dang-nhap/"
        # Without the CSRF token nothing is signed in.
        assert httpx.post(f"{mock.issuer}/dang-nhap/", data={"pick": DUC}, timeout=30).status_code == 403
        unknown = browser.post(f"{mock.issuer}/dang-nhap/", data={"csrfmiddlewaretoken": csrf(browser),
                                                                  "pick": "048220012345"})
        assert unknown.status_code == 400 and "không có tài khoản định danh điện tử" in unknown.text


# --- A typed identity -----------------------------------------------------------------------------------


def test_a_typed_identity_is_checked_then_signed_in_and_found_by_the_population_api(mock):
    number = "048099112233"
    verifier, challenge = pkce()
    nonce = secrets.token_urlsafe(16)
    typed = {"declare": "1", "full_name": "  Hồ   Thị Lan ", "birth_date": "02/01/1999", "gender": "female",
             "permanent_address": "9 Hùng Vương, phường Hải Châu, thành phố Đà Nẵng"}
    with httpx.Client(timeout=30) as browser:
        page = follow(browser, browser.get(authorize_url(mock, code_challenge=challenge, state="t", nonce=nonce)))
        form = {"csrfmiddlewaretoken": csrf(browser), "next": page.url.params["next"]}

        refused = browser.post(page.url, data={**form, **typed, "id_number": "04809911223", "gender": "",
                                               "tax_code": "12345"})
        assert refused.status_code == 400
        assert "Số định danh cá nhân phải gồm đúng 12 chữ số." in refused.text
        assert "Vui lòng chọn giới tính." in refused.text
        assert "Mã số thuế phải gồm 10 chữ số, hoặc 13 chữ số với chi nhánh." in refused.text
        assert "Vui lòng nhập tên tổ chức." in refused.text
        letters = browser.post(page.url, data={**form, **typed, "id_number": "04809911223x"})
        assert "Số định danh cá nhân phải gồm đúng 12 chữ số." in letters.text
        # A number the database holds for someone else is not taken over.
        taken = browser.post(page.url, data={**form, **typed, "id_number": AN})
        assert taken.status_code == 400 and f"Số định danh {AN} đã có trong CSDL" in taken.text
        assert mock.population(number).status_code == 404
        assert mock.query("SELECT count(*) FROM auth_user WHERE username = ?", number) == [(0,)]

        signed_in = browser.post(page.url, data={
            **form, **typed, "id_number": f"{number[:6]} {number[6:]}",
            "tax_code": "0401009999-001", "organization_name": "Chi nhánh Công ty Hồ Lan",
            "head_office": "10 Hùng Vương, phường Hải Châu, thành phố Đà Nẵng"})
        answer = at_redirect_uri(follow(browser, signed_in))
    tokens = exchange(mock, answer["code"], verifier)
    claims = verified_claims(mock, tokens.json()["id_token"], nonce=nonce)
    assert (claims["sub"], claims["so_dinh_danh"], claims["name"], claims["birthdate"], claims["gender"]) == (
        subject(number), number, "Hồ Thị Lan", "1999-01-02", "female")
    assert claims["to_chuc"] == {"ma_so_thue": "0401009999001", "ten": "Chi nhánh Công ty Hồ Lan",
                                 "dia_chi": "10 Hùng Vương, phường Hải Châu, thành phố Đà Nẵng",
                                 "vai_tro": "nguoi_dai_dien"}

    found = mock.population(number)
    assert found.status_code == 200
    assert found.json()["data"] == {
        "SoDinhDanh": number, "HoVaTen": "Hồ Thị Lan", "NgaySinh": "1999-01-02", "GioiTinh": "Nữ", "DanToc": "Kinh",
        "QuocTich": "Việt Nam", "NoiThuongTru": typed["permanent_address"], "NoiOHienTai": typed["permanent_address"],
        "QuanHeVoiChuHo": "Chủ hộ", "QuanHeGiaDinh": [], "ChuHo": {"HoVaTen": "Hồ Thị Lan", "SoDinhDanh": number},
    }
    assert mock.query("SELECT count(*) FROM mock_portal_citizen WHERE id_number = ?", number) == [(1,)]


# --- The population API ---------------------------------------------------------------------------------


def test_the_population_api_answers_a_person_with_their_household(mock):
    an = mock.population(AN)
    assert an.status_code == 200
    assert an.json()["error_code"] == "0" and an.json()["message"]
    assert an.json()["data"] == {
        "SoDinhDanh": AN, "HoVaTen": "Nguyễn Văn An", "NgaySinh": "1990-05-12", "GioiTinh": "Nam", "DanToc": "Kinh",
        "QuocTich": "Việt Nam", "NoiThuongTru": "12 Lê Duẩn, phường Hải Châu, thành phố Đà Nẵng",
        "NoiOHienTai": "12 Lê Duẩn, phường Hải Châu, thành phố Đà Nẵng",
        "QuanHeVoiChuHo": "Chủ hộ",
        "QuanHeGiaDinh": [
            {"QuanHe": "Vợ", "HoVaTen": "Lê Thị Mai", "SoDinhDanh": MAI, "NgaySinh": "1995-02-20", "GioiTinh": "Nữ"},
            {"QuanHe": "Con", "HoVaTen": "Nguyễn Minh Khang", "SoDinhDanh": "048220012345", "NgaySinh": "2022-03-09",
             "GioiTinh": "Nam"},
        ],
        "ChuHo": {"HoVaTen": "Nguyễn Văn An", "SoDinhDanh": AN},
    }
    mai = mock.population(MAI).json()["data"]
    assert (mai["GioiTinh"], mai["ChuHo"]) == ("Nữ", {"HoVaTen": "Nguyễn Văn An", "SoDinhDanh": AN})
    assert mai["QuanHeVoiChuHo"] == "Vợ"  # her own relation to the head: he is her spouse
    assert [(m["QuanHe"], m["SoDinhDanh"]) for m in mai["QuanHeGiaDinh"]] == [("Chủ hộ", AN), ("Con", "048220012345")]
    duc = mock.population(DUC).json()["data"]
    assert duc["NoiOHienTai"] == "Tổ 5, phường Hòa Khánh, thành phố Đà Nẵng" and duc["NoiThuongTru"] != duc["NoiOHienTai"]
    assert mock.population("048197654321").json()["data"]["DanToc"] == "Ê Đê"


def test_the_population_api_refuses_unknown_and_malformed_numbers_and_a_wrong_token(mock):
    unknown = mock.population("001099000000")
    assert unknown.status_code == 404 and unknown.json()["error_code"] == "404" and "data" not in unknown.json()
    for malformed in ("", "04809000123", "0480900012345", "04809000123a", "０４８０９０００１２３４"):
        answer = mock.population(malformed)
        assert answer.status_code == 400 and answer.json()["error_code"] == "1", malformed
    for token in (None, "wrong"):
        refused = mock.population(AN, token=token)
        assert refused.status_code == 401 and refused.json()["error_code"] == "401"


def test_the_population_api_obeys_the_fault_controls(mock):
    faults = {"Authorization": f"Bearer {TOKEN}"}
    assert httpx.post(f"{mock.url}/_faults/", json={"outage": True}, headers=faults, timeout=30).status_code == 200
    try:
        down = mock.population(AN)
        assert down.status_code == 503 and down.json()["error_code"] == "503"
    finally:
        httpx.post(f"{mock.url}/_faults/", json={"outage": False}, headers=faults, timeout=30)
    assert mock.population(AN).status_code == 200


# --- Signing out ----------------------------------------------------------------------------------------


def test_rp_initiated_logout_ends_the_session_and_goes_back_to_the_portal_without_a_prompt(mock):
    verifier, challenge = pkce()
    with httpx.Client(timeout=30) as browser:
        code = sign_in(mock, browser, MAI, challenge=challenge, state="s", nonce="n")
        tokens = exchange(mock, code, verifier).json()

        elsewhere = browser.get(f"{mock.issuer}/logout/", params={
            "id_token_hint": tokens["id_token"], "post_logout_redirect_uri": "https://evil.example/"})
        assert elsewhere.status_code == 400 and "Location" not in elsewhere.headers
        assert "Không thể đăng xuất" in elsewhere.text

        out = browser.get(f"{mock.issuer}/logout/", params={
            "id_token_hint": tokens["id_token"], "post_logout_redirect_uri": LOGOUT_URI, "state": "bye"})
        assert out.status_code == 302 and out.headers["Location"] == f"{LOGOUT_URI}?state=bye"

        # The mock's session is over: the next authorize asks who is signing in.
        _, challenge = pkce()
        again = browser.get(authorize_url(mock, code_challenge=challenge, state="s", nonce="n"))
        assert again.status_code == 302 and urlsplit(again.headers["Location"]).path == "/vneid/dang-nhap/"
    # And the access token it had is revoked.
    userinfo = httpx.get(f"{mock.issuer}/userinfo/", headers={"Authorization": f"Bearer {tokens['access_token']}"},
                         timeout=30)
    assert userinfo.status_code == 401


def test_an_id_token_signed_by_another_key_is_not_accepted_by_the_check_the_portal_makes(mock):
    """The check of verified_claims is real: a token whose signature does not match the JWKS fails it."""
    verifier, challenge = pkce()
    with httpx.Client(timeout=30) as browser:
        code = sign_in(mock, browser, AN, challenge=challenge, state="s", nonce="n")
    id_token = exchange(mock, code, verifier).json()["id_token"]
    header, payload, signature = id_token.split(".")
    forged = base64.urlsafe_b64decode(payload + "==").replace(AN.encode(), DUC.encode())
    tampered = ".".join([header, base64.urlsafe_b64encode(forged).rstrip(b"=").decode(), signature])
    with pytest.raises(BadSignatureError):
        verified_claims(mock, tampered, nonce="n")
