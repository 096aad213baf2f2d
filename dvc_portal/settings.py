"""Settings, read from the environment (every variable is listed in .env.example).

Three environments, chosen by DJANGO_ENV:
- ``production`` (the default): nothing insecure is assumed; SECRET_KEY and ALLOWED_HOSTS must be set.
- ``local``: ``make run`` on a developer's machine; DEBUG on, a fixed development secret.
- ``test``: ``make test``; fast password hashing, in-memory e-mail.
With no DATABASE_URL the portal runs on SQLite; with no REDIS_URL Celery tasks run in-process.
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# A developer's .env (e.g. one written for docker compose) must not change what the tests run against.
if os.environ.get("DJANGO_ENV") != "test" and (BASE_DIR / ".env").is_file():
    env.read_env(str(BASE_DIR / ".env"))

DJANGO_ENV = env.str("DJANGO_ENV", default="production")
if DJANGO_ENV not in {"production", "local", "test"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be production, local or test, not {DJANGO_ENV!r}")
IS_PRODUCTION = DJANGO_ENV == "production"

DEBUG = env.bool("DEBUG", default=DJANGO_ENV == "local")
if IS_PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY", default="")
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set in production (see .env.example).")
else:
    SECRET_KEY = env.str("SECRET_KEY", default=f"insecure-{DJANGO_ENV}-only-key-never-used-in-production")

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if IS_PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "treebeard",
    "django_fsm",
    "axes",
    "accounts",
    "procedures",
    "cases",
    "digitization",
    "satisfaction",
    "integrations",
    # The project itself, above every app: it holds what uses them all (the load_demo command).
    "dvc_portal",
    # mock_portal is not an app of the portal: it is the mock national portal, its own process with its own
    # settings (mock_portal/settings.py) and database, reached over HTTP only.
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "dvc_portal.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dvc_portal.urls"
WSGI_APPLICATION = "dvc_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "dvc_portal.context_processors.portal",
            ],
        },
    },
]

# --- Data -------------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several requests and the in-process tasks share one file: wait for a lock rather than fail.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering indexes (INCLUDE) are for PostgreSQL; SQLite, the embedded default, builds them without their
# extra columns, which is all it needs.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Parallel test processes share one Redis: keep their keys apart.
            "KEY_PREFIX": os.environ.get("PYTEST_XDIST_WORKER", "") if DJANGO_ENV == "test" else "",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
if not IS_PRODUCTION:
    # Serve static files straight from the source folders: no collectstatic step for `make run` and tests.
    WHITENOISE_USE_FINDERS = True
    WHITENOISE_AUTOREFRESH = DEBUG
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if IS_PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Users and security --------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# django-axes: lock a username from one address after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
# Behind a reverse proxy every visitor would share the proxy's address: count the proxies in front so
# the lockout keys on the visitor's own address (X-Forwarded-For, read by django-ipware).
# With no proxy, X-Forwarded-For is ignored: a client could otherwise forge it to dodge the lockout.
_proxies_in_front = env.int("AXES_PROXY_COUNT", default=0)
if _proxies_in_front:
    AXES_IPWARE_PROXY_COUNT = _proxies_in_front
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 8
LANGUAGE_COOKIE_SAMESITE = "Lax"  # the language chosen, as the session: not sent by other sites' requests
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if IS_PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Server-to-server callers inside the deployment's network (the mock national portal reaches
    # http://web:8000): signed requests, no browser, no cookie to protect.
    SECURE_REDIRECT_EXEMPT = [r"^api/v1/national/dossiers/$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)

if DJANGO_ENV == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- E-mail ------------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url(
    "EMAIL_URL",
    default="smtp://localhost:25" if IS_PRODUCTION else "consolemail://",
)
vars().update(EMAIL_CONFIG)
if DJANGO_ENV == "test":
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="DVC Portal <no-reply@dichvucong.localhost>")

# --- Language and time -------------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
FORMAT_MODULE_PATH = ["dvc_portal.formats"]  # one way to write a moment everywhere: 24/11/2026 22:28
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_TZ = True

# --- API ---------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # JSON bodies bounded in size and nesting before they are parsed (core.jsonlimits).
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # The public 766 index API (satisfaction/api): per client address, so one visitor cannot keep the
    # workers counting splits.
    # (Tests call it hundreds of times from one address.)
    "DEFAULT_THROTTLE_RATES": {
        "index766": env.str("INDEX766_API_RATE", default="100000/min" if DJANGO_ENV == "test" else "60/min"),
    },
}
# A phone photo has 12 to 50 megapixels, a 300 dpi A4 scan 9: a picture above this is refused before it is
# decoded (a 1-bit PNG of 144 MP weighs 32 kB and would cost about 430 MB).
UPLOAD_MAX_IMAGE_PIXELS = env.int("UPLOAD_MAX_IMAGE_PIXELS", default=60_000_000)
API_JSON_MAX_BYTES = env.int("API_JSON_MAX_BYTES", default=1024 * 1024)  # a declaration is a few kB
API_JSON_MAX_DEPTH = env.int("API_JSON_MAX_DEPTH", default=32)  # the deepest declaration nests 5 or 6
SPECTACULAR_SETTINGS = {
    "TITLE": "DVC Portal API",
    "DESCRIPTION": "Public services portal: procedure catalog, dossiers and integrations.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Celery ------------------------------------------------------------------------------------
# With REDIS_URL: a real broker, workers and beat. Without: tasks run in the calling process, so
# the embedded default needs no server. Tests run tasks eagerly unless a test starts a real worker.
# The embedded default (local, no Redis) queues tasks in a folder that `make run`'s worker reads: OCR
# and signing run beside the portal, not inside the citizen's request.
_FOLDER_BROKER = DJANGO_ENV == "local" and not REDIS_URL
CELERY_BROKER_URL = REDIS_URL or ("filesystem://" if _FOLDER_BROKER else "memory://")
if _FOLDER_BROKER:
    _broker_dir = VAR_DIR / "broker"
    _broker_dir.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir), "data_folder_out": str(_broker_dir),
        "control_folder": str(VAR_DIR / "broker-control"),  # else kombu writes ./control in the checkout
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool(
    "CELERY_TASK_ALWAYS_EAGER", default=DJANGO_ENV == "test" or (not REDIS_URL and not _FOLDER_BROKER)
)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "refresh-current-procedure-versions": {
        "task": "procedures.tasks.refresh_current_versions",
        "schedule": 60 * 60,
    },
}

# --- Digitization ------------------------------------------------------------------------------
# Agencies' private signing keys live here (never in the database); `manage.py pki_demo` writes the
# demo authority's there, `manage.py signing_certificate_load` copies a real one in.
SIGNING_DIR = Path(env.str("SIGNING_DIR", default=str(VAR_DIR / "pki")))
# OCR runs in a child process with these limits, so a hostile file cannot take the worker down.
OCR_TIMEOUT_SECONDS = env.int("OCR_TIMEOUT_SECONDS", default=180)
OCR_MAX_PAGES = env.int("OCR_MAX_PAGES", default=50)
OCR_MEMORY_MB = env.int("OCR_MEMORY_MB", default=2048)
CELERY_BEAT_SCHEDULE["digitization-sweep"] = {"task": "digitization.tasks.sweep", "schedule": 5 * 60}

# --- The National Public Service Portal ---------------------------------------------------------
# make run starts the mock (mock_portal/, its own process) on 127.0.0.1:8100 with the development token.
# Tests default to a closed port (9, discard) so they never write to a mock a developer has running.
NATIONAL_PORTAL_URL = env.str(
    "NATIONAL_PORTAL_URL", default="http://127.0.0.1:9" if DJANGO_ENV == "test" else "http://127.0.0.1:8100"
)
NATIONAL_PORTAL_TOKEN = env.str("NATIONAL_PORTAL_TOKEN", default="" if IS_PRODUCTION else "mock-portal-dev-token")

# --- Electronic identity (VNeID) and the national population database -----------------------------------
# "Đăng nhập bằng VNeID" is an OpenID Connect client of VNeID_ISSUER (make run: the mock identity provider in
# the mock national services process). Empty issuer: the button is not shown (production's default until the
# province is registered with the national provider).
VNEID_ISSUER = env.str("VNEID_ISSUER", default="" if IS_PRODUCTION else f"{NATIONAL_PORTAL_URL.rstrip('/')}/vneid")
# Where the portal's server reaches the provider when that differs from the browsers' address (docker compose:
# http://mock-portal:8100/vneid): discovery, token, keys and userinfo go there; the ID tokens' issuer is still
# VNEID_ISSUER. Empty: the issuer's address.
VNEID_BACKCHANNEL_URL = env.str("VNEID_BACKCHANNEL_URL", default="")
VNEID_CLIENT_ID = env.str("VNEID_CLIENT_ID", default="dvc-portal")
VNEID_CLIENT_SECRET = env.str("VNEID_CLIENT_SECRET", default="" if IS_PRODUCTION else "mock-vneid-dev-secret")
# Lookups by ID number in the population database (CSDL quốc gia về dân cư), for verified accounts' forms.
POPULATION_DB_URL = env.str(
    "POPULATION_DB_URL", default="" if IS_PRODUCTION else f"{NATIONAL_PORTAL_URL.rstrip('/')}/api/CSDLDanCu"
)
POPULATION_DB_TOKEN = env.str("POPULATION_DB_TOKEN", default=NATIONAL_PORTAL_TOKEN)
# Dossiers submitted on the national portal (integrations/inbound.py): it pushes each to
# POST /api/v1/national/dossiers/ signed with this shared secret (HMAC-SHA256 of "timestamp.body"); empty
# (production's default until agreed with the portal): the endpoint refuses everything. A signature older or
# newer than MAX_SKEW is refused (a replayed request). Beat also pulls what was not acknowledged.
NATIONAL_INBOUND_SECRET = env.str("NATIONAL_INBOUND_SECRET", default="" if IS_PRODUCTION else "mock-inbound-dev-secret")
NATIONAL_INBOUND_MAX_SKEW_SECONDS = env.int("NATIONAL_INBOUND_MAX_SKEW_SECONDS", default=300)
NATIONAL_PULL_SECONDS = env.int("NATIONAL_PULL_SECONDS", default=300)
# How long a call to the portal or a message gateway may take before it counts as a failed attempt.
GATEWAY_TIMEOUT_SECONDS = env.float("GATEWAY_TIMEOUT_SECONDS", default=15)

# --- The outbox (integrations/outbox.py) -------------------------------------------------------------
# A failed delivery waits BACKOFF × 2^(attempts−1) seconds (at most BACKOFF_MAX, half of it random) and is
# given up (dead letter, retried from the admin) after MAX_ATTEMPTS: with the defaults, about seven hours.
OUTBOX_BACKOFF_SECONDS = env.float("OUTBOX_BACKOFF_SECONDS", default=10)
OUTBOX_BACKOFF_MAX_SECONDS = env.float("OUTBOX_BACKOFF_MAX_SECONDS", default=3600)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=15)
# A worker's hold on a delivery: one that dies mid-delivery frees it when this runs out.
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=120)
OUTBOX_SWEEP_SECONDS = env.int("OUTBOX_SWEEP_SECONDS", default=30)
CELERY_BEAT_SCHEDULE["outbox-sweep"] = {"task": "integrations.tasks.sweep", "schedule": OUTBOX_SWEEP_SECONDS}

# --- The Decision 766 index (satisfaction/index766.py) ------------------------------------------------
# The current month, quarter and year are recomputed for every agency this often; leaders can also
# recompute on demand from the dashboard.
INDEX766_REFRESH_SECONDS = env.int("INDEX766_REFRESH_SECONDS", default=300)
# A stored split by field or procedure of a current period is recomputed by beat when older than this.
INDEX766_SPLIT_MAX_AGE_SECONDS = env.int("INDEX766_SPLIT_MAX_AGE_SECONDS", default=3600)
# The first year the index can be asked for (no period after now either).
INDEX766_FIRST_YEAR = env.int("INDEX766_FIRST_YEAR", default=2020)
CELERY_BEAT_SCHEDULE["national-pull"] = {"task": "integrations.tasks.national_pull", "schedule": NATIONAL_PULL_SECONDS}
CELERY_BEAT_SCHEDULE["index766-refresh"] = {"task": "satisfaction.tasks.index_refresh", "schedule": INDEX766_REFRESH_SECONDS}

# --- Notifications -----------------------------------------------------------------------------------
# SMS and Zalo (ZNS) gateways: POST {"phone", "message", "reference"} with a bearer token. make run uses
# the mock portal process, which records each message once per reference.
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default=f"{NATIONAL_PORTAL_URL.rstrip('/')}/sms/send")
SMS_GATEWAY_TOKEN = env.str("SMS_GATEWAY_TOKEN", default=NATIONAL_PORTAL_TOKEN)
ZALO_GATEWAY_URL = env.str("ZALO_GATEWAY_URL", default=f"{NATIONAL_PORTAL_URL.rstrip('/')}/zalo/send")
ZALO_GATEWAY_TOKEN = env.str("ZALO_GATEWAY_TOKEN", default=NATIONAL_PORTAL_TOKEN)

# --- Online payment ------------------------------------------------------------------------------------
# The payment gateway (integrations/payment_gateway.py): INIT at PAYMENT_GATEWAY_URL + /init, check codes
# with PAYMENT_SECRET (SHA-256). make run uses the mock portal process's gateway and the same development
# secret; production offers no online payment until a secret is set. The gateway sends the payer back to,
# and calls back, addresses under PORTAL_BASE_URL (/ho-so/thanh-toan/ket-qua/, /api/v1/payments/callback/).
PAYMENT_GATEWAY_URL = env.str("PAYMENT_GATEWAY_URL", default=f"{NATIONAL_PORTAL_URL.rstrip('/')}/payment")
PAYMENT_MERCHANT_CODE = env.str("PAYMENT_MERCHANT_CODE", default="DVCDN")
PAYMENT_SECRET = env.str("PAYMENT_SECRET", default="" if IS_PRODUCTION else "mock-payment-dev-secret")

# --- Satisfaction ------------------------------------------------------------------------------------
# A citizen may change their rating of a dossier for this many days after giving it.
RATING_CHANGE_DAYS = env.int("RATING_CHANGE_DAYS", default=7)

# --- Portal ------------------------------------------------------------------------------------
PORTAL_NAME = env.str("PORTAL_NAME", default="Cổng Dịch vụ công")
PORTAL_PROVINCE = env.str("PORTAL_PROVINCE", default="Thành phố Đà Nẵng")
# The portal's public address: printed in the QR codes of results signed by workers (no request there).
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
