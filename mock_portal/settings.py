"""Settings of the mock National Public Service Portal (Cổng Dịch vụ công quốc gia): its own process, its
own port (8100 by default), its own database, one API token. It shares nothing with the portal but this
checkout: the portal reaches it only over HTTP.

It also stands in for two national services the portal signs citizens in with: VNeID, the national
electronic identity (an OpenID Connect provider under /vneid/, django-oauth-toolkit), and the national
population database (CSDL quốc gia về dân cư, /api/CSDLDanCu/). And, as the national portal has done since
July 2025, it takes citizens' online submissions (/dvc/, /api/NopHoSo) and forwards them to the province
(a signed push from a thread of its own, with retries; a pull fallback).

Run it with ``DJANGO_SETTINGS_MODULE=mock_portal.settings``: `make run` starts it (scripts/run.sh),
docker-compose.yml has it as the ``mock-portal`` service. Every variable is in .env.example.
"""

from pathlib import Path

import environ

from mock_portal.keys import private_key_pem

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
env = environ.Env()

# The key signs the mock VNeID's session and CSRF cookies. A fixed default is enough: whoever could forge a
# session here can as well pick any identity on its sign-in page, which is what the mock is for.
SECRET_KEY = env.str("MOCK_PORTAL_SECRET_KEY", default="mock-portal-dev-key")
DEBUG = False
ALLOWED_HOSTS = env.list("MOCK_PORTAL_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "mock-portal", "testserver"])

# mock_portal before oauth2_provider: its templates of the authorize and logout pages win.
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.sessions", "mock_portal",
                  "oauth2_provider"]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "mock_portal.urls"
WSGI_APPLICATION = "mock_portal.wsgi.application"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True, "OPTIONS": {}}]
DATABASES = {"default": env.db("MOCK_PORTAL_DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'mock_portal.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "vi"
USE_I18N = False  # the national portal speaks Vietnamese only: its wording is written in Vietnamese
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_TZ = True

# The token every API call must bear (Authorization: Bearer <token>); the portal has the same value.
MOCK_PORTAL_TOKEN = env.str("MOCK_PORTAL_TOKEN", default="mock-portal-dev-token")
# The national procedure catalog it serves (LayDanhSachTTHC): files in the shape import_catalog reads.
MOCK_PORTAL_CATALOG = env.list(
    "MOCK_PORTAL_CATALOG",
    default=[str(BASE_DIR / "procedures/fixtures/demo_catalog.json"),
             str(BASE_DIR / "procedures/fixtures/demo_catalog_extra.json")],
)

# The payment gateway (/payment/...): the merchant code and the secret of the check codes, the portal's
# PAYMENT_MERCHANT_CODE and PAYMENT_SECRET.
MOCK_PAYMENT_MERCHANT = env.str("MOCK_PAYMENT_MERCHANT", default="DVCDN")
MOCK_PAYMENT_SECRET = env.str("MOCK_PAYMENT_SECRET", default="mock-payment-dev-secret")
# The address a payer's browser reaches it at, for the payment pages it hands out. Empty: the address the
# INIT request came to (right for `make run`; docker compose reaches it as mock-portal:8100, browsers do not).
MOCK_PORTAL_PUBLIC_URL = env.str("MOCK_PORTAL_PUBLIC_URL", default="")

# --- The mock VNeID (OpenID Connect provider, django-oauth-toolkit) and the population database -----------

# The portal runs on the same host (127.0.0.1:8000 beside 127.0.0.1:8100) and cookies do not tell ports
# apart: the mock's cookies get names of their own (the portal's are sessionid and csrftoken), so the two
# never overwrite each other's. Their path is the whole site: the VNeID session signs citizens in on the
# national portal's own pages too (/dvc/).
SESSION_COOKIE_NAME = "mock_vneid_session"
SESSION_COOKIE_PATH = "/"
CSRF_COOKIE_NAME = "mock_vneid_csrftoken"
CSRF_COOKIE_PATH = "/"
LOGIN_URL = "vneid-login"

# Its issuer, exactly as the ID tokens' iss says it (no trailing slash). Empty: the address the request came
# to + /vneid. Set it when browsers and the portal reach the mock at different addresses (docker compose).
MOCK_VNEID_ISSUER = env.str("MOCK_VNEID_ISSUER", default="").rstrip("/")
# The RSA key the ID tokens are signed with (RS256), made the first time it is missing.
MOCK_VNEID_PRIVATE_KEY_FILE = BASE_DIR / env.str("MOCK_VNEID_PRIVATE_KEY_FILE", default="var/mock_vneid_key.pem")
# The portal's client, as `manage.py vneid_client` registers it: the portal's VNEID_CLIENT_ID and
# VNEID_CLIENT_SECRET, where VNeID may send browsers back to after sign-in and after sign-out.
MOCK_VNEID_CLIENT_ID = env.str("MOCK_VNEID_CLIENT_ID", default="dvc-portal")
MOCK_VNEID_CLIENT_SECRET = env.str("MOCK_VNEID_CLIENT_SECRET", default="mock-vneid-dev-secret")
MOCK_VNEID_REDIRECT_URIS = env.str(
    "MOCK_VNEID_REDIRECT_URIS",
    default="http://127.0.0.1:8000/tai-khoan/vneid/xac-thuc/ http://localhost:8000/tai-khoan/vneid/xac-thuc/",
).split()
MOCK_VNEID_LOGOUT_URIS = env.str("MOCK_VNEID_LOGOUT_URIS", default="http://127.0.0.1:8000/ http://localhost:8000/").split()

OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_ISS_ENDPOINT": MOCK_VNEID_ISSUER,
    "OIDC_RSA_PRIVATE_KEY": private_key_pem(MOCK_VNEID_PRIVATE_KEY_FILE),
    "OAUTH2_VALIDATOR_CLASS": "mock_portal.oidc.VNeIDValidator",
    "SCOPES": {
        "openid": "Đăng nhập bằng tài khoản định danh điện tử (OpenID Connect)",
        "profile": "Họ và tên, ngày sinh, giới tính",
        "vneid": "Số định danh cá nhân, nơi thường trú, mức độ định danh và tổ chức mà công dân đại diện",
    },
    "DEFAULT_SCOPES": ["openid"],
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    "ID_TOKEN_EXPIRE_SECONDS": 600,
    # Only the authorization code flow with PKCE (S256), as the portal uses it; the legacy ways in are
    # refused rather than merely warned about.
    "PKCE_REQUIRED": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    # Signing out of the portal signs out of the mock too, straight back to the portal when the request
    # carries the ID token (id_token_hint) of the person signed in here.
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
}

# --- Online submission: dossiers citizens file here (/dvc/, NopHoSo), forwarded to the province ----------

# Where the documents citizens upload are kept (relative to the checkout unless absolute).
MOCK_PORTAL_MEDIA_ROOT = BASE_DIR / env.str("MOCK_PORTAL_MEDIA_ROOT", default="var/mock_portal_files")
# The address the province's server reaches the mock at, for the document links (DuongDanTep) of the
# dossiers it is sent and pulls. Empty: MOCK_PORTAL_PUBLIC_URL, else the address the submission (push) or the
# pull (LayDanhSachHoSoMoi) came to. docker compose: http://mock-portal:8100.
MOCK_PORTAL_INTERNAL_URL = env.str("MOCK_PORTAL_INTERNAL_URL", default="")
# Where each new dossier is pushed (POST, JSON, signed with MOCK_PROVINCE_SECRET), and that secret: the
# portal's NATIONAL_INBOUND_SECRET.
MOCK_PROVINCE_INBOUND_URL = env.str("MOCK_PROVINCE_INBOUND_URL",
                                    default="http://127.0.0.1:8000/api/v1/national/dossiers/")
MOCK_PROVINCE_SECRET = env.str("MOCK_PROVINCE_SECRET", default="mock-inbound-dev-secret")
# A push the province did not take (no answer, 401, 5xx) is tried again after MOCK_PUSH_BACKOFF_SECONDS ×
# 2^(attempts−1), at most MOCK_PUSH_BACKOFF_MAX_SECONDS, and given up after MOCK_PUSH_MAX_ATTEMPTS attempts
# (the province's pull still finds it). One push may take MOCK_PUSH_TIMEOUT_SECONDS (the province fetches the
# documents before it answers); the pusher looks for what is due every MOCK_PUSH_INTERVAL_SECONDS.
MOCK_PUSH_BACKOFF_SECONDS = env.float("MOCK_PUSH_BACKOFF_SECONDS", default=5.0)
MOCK_PUSH_BACKOFF_MAX_SECONDS = env.float("MOCK_PUSH_BACKOFF_MAX_SECONDS", default=600.0)
MOCK_PUSH_MAX_ATTEMPTS = env.int("MOCK_PUSH_MAX_ATTEMPTS", default=20)
MOCK_PUSH_TIMEOUT_SECONDS = env.float("MOCK_PUSH_TIMEOUT_SECONDS", default=30.0)
MOCK_PUSH_INTERVAL_SECONDS = env.float("MOCK_PUSH_INTERVAL_SECONDS", default=1.0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
