"""Settings of the mock National Public Service Portal (Cổng Dịch vụ công quốc gia): its own process, its
own port (8100 by default), its own database, one API token. It shares nothing with the portal but this
checkout: the portal reaches it only over HTTP.

Run it with ``DJANGO_SETTINGS_MODULE=mock_portal.settings``: `make run` starts it (scripts/run.sh),
docker-compose.yml has it as the ``mock-portal`` service. Every variable is in .env.example.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
env = environ.Env()

# No sessions, no cookies, no users: the key signs nothing a client holds.
SECRET_KEY = env.str("MOCK_PORTAL_SECRET_KEY", default="mock-portal-signs-nothing")
DEBUG = False
ALLOWED_HOSTS = env.list("MOCK_PORTAL_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "mock-portal", "testserver"])

INSTALLED_APPS = ["django.contrib.contenttypes", "mock_portal"]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
