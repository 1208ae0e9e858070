"""The one settings module. Everything that differs between a laptop, CI and a Puskesmas server
comes from environment variables; `.env.example` lists them all and the README explains them.

Defaults are the embedded set-up used by `make run`: SQLite and a filesystem Celery broker, so the
app, its worker and the BPJS simulator run on a machine with nothing but Python installed.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"  # runtime state of the embedded set-up (SQLite file, broker folders)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str(
    "SECRET_KEY", default="dev-only-insecure-key-change-me-in-production-0123456789"
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "ninja",
    # Our apps, in dependency order: the tenant first, then what builds on it.
    "puskesmas",
    "antrean",
    "pendaftaran",
    "bpjs_bridge",
    "downtime",
    "audit",  # append-only audit log (security issue)
    "integrasi",  # per-Puskesmas credentials of outside systems; domain events
    "satusehat",  # SATUSEHAT (FHIR) outbox
    "axes",  # login throttling and lockout
]

MIDDLEWARE = [
    "config.gerbang.GerbangSerentakMiddleware",  # few request threads (config/gunicorn.py)
    "django.middleware.security.SecurityMiddleware",
    "config.security.HeaderKeamananMiddleware",  # CSP, Permissions-Policy, no-store
    "config.security.GalatJsonMiddleware",  # every error on /api/ and /bpjs/jkn/ is JSON
    "config.security.BatasJsonMiddleware",  # JSON bodies: size and depth limits, 4xx
    "config.security.TolakNulMiddleware",  # NUL bytes: 400/422, never a PostgreSQL 500
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.sesi_bearer.SesiKecualiBearerMiddleware",  # sessions, not for bearer API calls
    "config.bahasa.BahasaTunggalMiddleware",  # one language: no negotiation per request
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "audit.middleware.RequestAuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "config.security.SesiMenganggurMiddleware",  # idle logout on shared loket PCs
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # {% partialdef %} everywhere without a {% load %}: fragments sit next to their page.
            "builtins": ["template_partials.templatetags.partials"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "puskesmas.context_processors.petugas",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
DATABASE_URL = env.str("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the Celery worker are separate processes writing the same file:
    # WAL lets readers go on while one writes, IMMEDIATE avoids lock-upgrade deadlocks.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests on a file as well, not Django's shared-cache in-memory database: there the browser
    # tests' live-server threads fail at once with "database table is locked" when two write
    # together, where production processes simply wait for each other (the timeout above).
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
    VAR_DIR.mkdir(exist_ok=True)  # a fresh clone: SQLite creates the file, not its folder
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # The same backend, but its health check polls the socket instead of a SELECT 1 per
        # request (config/postgresql/base.py).
        DATABASES["default"]["ENGINE"] = "config.postgresql"
        if env.bool("DB_PREPARED", default=False):
            # Parameters bound by the server and a statement prepared from its second run on a
            # connection: PostgreSQL parses and plans each hot page query once per connection
            # (25% less PostgreSQL CPU a request in the district bench's profile), but a replay
            # sends many statement shapes (IN lists of every length) and pays for preparing
            # each: twice the PostgreSQL CPU an entry (bench/README.md). Off by default, as in
            # Django; never behind a pooler in transaction mode.
            DATABASES["default"].setdefault("OPTIONS", {}).update(
                server_side_binding=True,
                prepare_threshold=env.int("DB_PREPARE_THRESHOLD", default=2),
            )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: broker, results and the shared cache (circuit breaker, heartbeats) -------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Fails soft: Redis down, slow or full never delays or breaks a request.
            "BACKEND": "config.cache.CacheRedisTangguh",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="pkm"),
        }
    }
    CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
    CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)
else:
    # No server needed: the file cache and the filesystem broker are shared between the web
    # process and the worker process through folders under var/.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
    _broker_dir = VAR_DIR / "celery" / "broker"
    CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),  # else ./control in the cwd
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = env.str(
        "CELERY_RESULT_BACKEND", default=f"file://{VAR_DIR / 'celery' / 'results'}"
    )
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-task leaves the message for the next one
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = env.str("TIME_ZONE", default="Asia/Jakarta")
CELERY_BEAT_SCHEDULE: dict = {}  # apps add their periodic sweeps in their AppConfig.ready()
# Celery's Django fix-up closes the worker's database connections only every this many tasks;
# config/celery.py applies DB_CONN_MAX_AGE and the health check around each task instead.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
# The Celery worker's niceness, below the web server's 0 (config/celery.py; 0: the same).
WORKER_NICE = env.int("WORKER_NICE", default=10)

# --- Auth ---------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "masuk"
LOGIN_REDIRECT_URL = "beranda"
LOGOUT_REDIRECT_URL = "masuk"

# --- Locale: Bahasa Indonesia first, the Puskesmas' own time zone --------------------------------
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="id")
# Only Indonesian: the UI text is Indonesian, so an English browser must not switch dates,
# day names and decimals ("Tuesday", "100.0%") through LocaleMiddleware.
LANGUAGES = [("id", "Bahasa Indonesia")]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Jakarta")  # WITA: Asia/Makassar, WIT: Asia/Jayapura
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["config.formats"]  # one date/time/number format on every page

# --- TV voice: Indonesian call clips rendered with espeak-ng (antrean/suara.py) ---------------
SUARA_DIR = env.str("SUARA_DIR", default=str(VAR_DIR / "suara"))

# --- Static files -------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- BPJS (PCare + Antrean FKTP). Defaults talk to our own simulator on 127.0.0.1:8090 ----------
BPJS_SIMULATOR_PORT = env.int("BPJS_SIMULATOR_PORT", default=8090)
_sim = f"http://127.0.0.1:{BPJS_SIMULATOR_PORT}"
BPJS_CONS_ID = env.str("BPJS_CONS_ID", default="1234")
BPJS_SECRET_KEY = env.str("BPJS_SECRET_KEY", default="simulator-secret")
BPJS_USER_KEY = env.str("BPJS_USER_KEY", default="sim-user-key")
BPJS_ANTREAN_USER_KEY = env.str("BPJS_ANTREAN_USER_KEY", default="sim-antrean-key")
BPJS_USERNAME = env.str("BPJS_USERNAME", default="pcare-demo")
BPJS_PASSWORD = env.str("BPJS_PASSWORD", default="pcare-demo")
BPJS_APP_CODE = env.str("BPJS_APP_CODE", default="095")
BPJS_BASE_URL = env.str("BPJS_BASE_URL", default=f"{_sim}/pcare-rest")
BPJS_ANTREAN_BASE_URL = env.str("BPJS_ANTREAN_BASE_URL", default=f"{_sim}/antreanfktp")
BPJS_TIMEOUT = env.float("BPJS_TIMEOUT", default=10.0)
# Outbox retries, breaker and sweep (integrasi/outbox.py, shared with SATUSEHAT; README table).
BPJS_RETRY_DASAR = env.float("BPJS_RETRY_DASAR", default=10.0)  # first retry after ~10 s
BPJS_RETRY_BATAS = env.float("BPJS_RETRY_BATAS", default=900.0)  # backoff cap: 15 min
BPJS_PERCOBAAN_MAKS = env.int("BPJS_PERCOBAAN_MAKS", default=10)  # then the worklist
BPJS_KLAIM_KEDALUWARSA = env.float("BPJS_KLAIM_KEDALUWARSA", default=120.0)
BPJS_ANTRE_ULANG = env.float("BPJS_ANTRE_ULANG", default=120.0)
BPJS_BREAKER_AMBANG = env.int("BPJS_BREAKER_AMBANG", default=5)
BPJS_BREAKER_JEDA = env.float("BPJS_BREAKER_JEDA", default=30.0)
BPJS_SAPU_DETIK = env.float("BPJS_SAPU_DETIK", default=30.0)
# Issue 12: a refusal of our keys/clock holds that service's rows; one retry every AKSES_JEDA s.
BPJS_AKSES_JEDA = env.float("BPJS_AKSES_JEDA", default=300.0)
BPJS_KEPESERTAAN_SEGAR = env.float("BPJS_KEPESERTAAN_SEGAR", default=600.0)  # counter check
BPJS_KEPESERTAAN_TIMEOUT = env.float("BPJS_KEPESERTAAN_TIMEOUT", default=5.0)
BPJS_JADWAL_CACHE = env.float("BPJS_JADWAL_CACHE", default=600.0)  # doctor schedule cache
JKN_VERSI_ANTREAN = env.int("JKN_VERSI_ANTREAN", default=1)  # status antrean V1 or V2
# Mobile JKN calls our Antrean FKTP web services (/bpjs/jkn/) with these credentials.
# Live queue updates: server-sent event streams per process (each holds a thread; beyond the cap
# pages poll a cheap version URL) and how long one stream lives before the browser reconnects.
ANTREAN_SSE_MAKS = env.int("ANTREAN_SSE_MAKS", default=4)
ANTREAN_SSE_DETIK = env.float("ANTREAN_SSE_DETIK", default=30.0)
# Threads running ordinary requests per process (config/gerbang.py; 0: off); gunicorn.py sets it.
WEB_SERENTAK_MAKS = env.int("WEB_SERENTAK_MAKS", default=0)
# Offline number blocks come from their own series starting here (A-501, A-502, …), so the day's
# online numbers start at 001 and stay gap-free, and an offline ticket is recognisable.
ANTREAN_NOMOR_LURING_AWAL = env.int("ANTREAN_NOMOR_LURING_AWAL", default=501)
# How far back a replayed offline entry's own time is believed (downtime/waktu.py): a 12-hour
# power cut and a night. Older (or future) times are registered at the time the server got them.
REPLAY_JENDELA_JAM = env.int("REPLAY_JENDELA_JAM", default=24)

JKN_USERNAME = env.str("JKN_USERNAME", default="mobilejkn")
JKN_PASSWORD = env.str("JKN_PASSWORD", default="mobilejkn-demo")
JKN_TOKEN_DETIK = env.int("JKN_TOKEN_DETIK", default=3600)
# /auth: this many failures from one address refuse it for JKN_AUTH_KUNCI_DETIK.
JKN_AUTH_GAGAL_MAKS = env.int("JKN_AUTH_GAGAL_MAKS", default=10)
JKN_AUTH_KUNCI_DETIK = env.int("JKN_AUTH_KUNCI_DETIK", default=900)
# How many days ahead Mobile JKN may book (0: today only).
JKN_HARI_PESAN_MAKS = env.int("JKN_HARI_PESAN_MAKS", default=7)
JKN_KODE_FASKES = env.str("JKN_KODE_FASKES", default="")  # empty: the first Puskesmas

# --- Logging: concise, to stderr; personal data never logged (see issue on privacy) --------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

NINJA_PAGINATION_PER_PAGE = 50


# --- Security and privacy (docs/keamanan.md) -----------------------------------------------------
def _dari_file(nama: str, bawaan: str) -> str:
    """`X_FILE=/run/secrets/x` wins over `X`: secrets come from files (Docker/K8s secrets)
    rather than from the environment, which leaks into process listings and crash reports."""
    jalur = env.str(f"{nama}_FILE", default="")
    if jalur:
        return Path(jalur).read_text(encoding="utf-8").strip()
    return bawaan


SECRET_KEY = _dari_file("SECRET_KEY", SECRET_KEY)
BPJS_CONS_ID = _dari_file("BPJS_CONS_ID", BPJS_CONS_ID)
BPJS_SECRET_KEY = _dari_file("BPJS_SECRET_KEY", BPJS_SECRET_KEY)
BPJS_USER_KEY = _dari_file("BPJS_USER_KEY", BPJS_USER_KEY)
BPJS_ANTREAN_USER_KEY = _dari_file("BPJS_ANTREAN_USER_KEY", BPJS_ANTREAN_USER_KEY)
BPJS_USERNAME = _dari_file("BPJS_USERNAME", BPJS_USERNAME)
BPJS_PASSWORD = _dari_file("BPJS_PASSWORD", BPJS_PASSWORD)
JKN_PASSWORD = _dari_file("JKN_PASSWORD", JKN_PASSWORD)  # Mobile JKN calling us

# TLS. On by default whenever DEBUG is off: the offline mode's service worker only runs in a
# secure context anyway. DJANGO_SECURE=true (set explicitly in production, behind the TLS proxy)
# also turns on the HTTPS redirect and trusts the proxy's X-Forwarded-Proto; those two stay off
# when it is only implied, so tests and a local DEBUG=false run still work over plain HTTP.
_secure_eksplisit = env.bool("DJANGO_SECURE", default=None)
DJANGO_SECURE = _secure_eksplisit if _secure_eksplisit is not None else not DEBUG
SESSION_COOKIE_SECURE = DJANGO_SECURE
CSRF_COOKIE_SECURE = DJANGO_SECURE
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=bool(_secure_eksplisit))
if env.bool("SECURE_PROXY_SSL", default=bool(_secure_eksplisit)):
    # Only behind a proxy that overwrites this header; otherwise clients could claim HTTPS.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if DJANGO_SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"  # ticket links carry a token: never send it elsewhere
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# The CSRF cookie stays readable by our own JS (the offline replay sends it as X-CSRFToken).
CSRF_COOKIE_SAMESITE = "Lax"
# Shared counters: a session lasts at most one long shift, dies with the browser, and ends
# after SESSION_IDLE_MINUTES without activity (config.security.SesiMenganggurMiddleware).
# Database sessions, their per-request read and update without the ORM (config/sesi_db.py).
SESSION_ENGINE = "config.sesi_db"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=True)
SESSION_IDLE_MINUTES = env.float("SESSION_IDLE_MINUTES", default=30)
CSP_REPORT_ONLY = env.bool("CSP_REPORT_ONLY", default=False)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)

# Login lockout (django-axes): 5 failures for one username from one IP lock that pair for
# 15 minutes; a success resets the count. The lockout page is the login page with the reason.
AUTHENTICATION_BACKENDS = [
    "config.security.AxesBackend",
    "puskesmas.backends.BackendPengguna",  # the signed-in user from the reference cache
    "django.contrib.auth.backends.ModelBackend",  # only sessions made before BackendPengguna
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "config.security.respons_terkunci"
AXES_VERBOSE = False
# Client address (lockout and audit log read the same one, through django-ipware): with
# AXES_PROXY_COUNT=0 (default) REMOTE_ADDR only, so a client cannot claim an address with a
# header. Behind N reverse proxies (the TLS proxy: N=1) the address is the one the outermost
# proxy saw: in X-Forwarded-For, N-1 entries from the right (ipware counts only the proxies
# *inside* the header; the last proxy is REMOTE_ADDR). Non-strict, so a client-sent header the
# proxy appended to (nginx $proxy_add_x_forwarded_for) is ignored rather than trusted.
PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0)
if PROXY_COUNT > 0:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    AXES_IPWARE_PROXY_COUNT = PROXY_COUNT - 1
    AXES_IPWARE_PROXY_ORDER = "left-most"  # X-Forwarded-For lists the client first
    IPWARE_STRICT = False
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
    AXES_IPWARE_PROXY_COUNT = None

# Admins (and Puskesmas heads) need 12+ characters; everyone else Django's 8.
AUTH_PASSWORD_VALIDATORS = [
    *AUTH_PASSWORD_VALIDATORS,
    {"NAME": "config.security.SandiAdminPanjang", "OPTIONS": {"min_length": 12}},
    {"NAME": "config.security.SandiTanpaNamaPengguna"},
]
# Flash messages live in the session, not in a cookie: they may name a patient, and a signed
# cookie is readable by anyone holding the shared loket PC's browser.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Every log handler masks NIK- and card-like numbers (config/logging.py). Django's own loggers
# lose their default handlers (an unfiltered DEBUG console and mail_admins, whose error mails
# would carry POST data) and propagate to the root handlers instead.
LOGGING.setdefault("filters", {})["samarkan_data_pribadi"] = {
    "()": "config.logging.SamarkanDataPribadi"
}
for _handler in LOGGING["handlers"].values():
    _handler.setdefault("filters", [])
    if "samarkan_data_pribadi" not in _handler["filters"]:
        _handler["filters"].append("samarkan_data_pribadi")
LOGGING.setdefault("loggers", {})
for _nama_logger in ("django", "django.server"):
    LOGGING["loggers"].setdefault(
        _nama_logger, {"handlers": [], "level": "INFO", "propagate": True}
    )
# django-axes logs every successful login at INFO; lockouts (WARNING) are what matters.
LOGGING["loggers"].setdefault("axes", {"level": "WARNING"})

# --- Per-Puskesmas integration settings and SATUSEHAT (integrasi/, satusehat/) ---------------
# Key for the secrets stored per Puskesmas (Fernet key or passphrase; old keys after a comma).
INTEGRASI_KUNCI = _dari_file("INTEGRASI_KUNCI", env.str("INTEGRASI_KUNCI", default=""))
# Defaults for a Puskesmas without its own SATUSEHAT settings: our simulator on :8091.
SATUSEHAT_SIMULATOR_PORT = env.int("SATUSEHAT_SIMULATOR_PORT", default=8091)
SATUSEHAT_AKTIF = env.bool("SATUSEHAT_AKTIF", default=False)
SATUSEHAT_KODE_FASKES = env.str("SATUSEHAT_KODE_FASKES", default="")  # who the defaults serve
SATUSEHAT_CLIENT_ID = env.str("SATUSEHAT_CLIENT_ID", default="sim-satusehat-client")
SATUSEHAT_CLIENT_SECRET = _dari_file(
    "SATUSEHAT_CLIENT_SECRET", env.str("SATUSEHAT_CLIENT_SECRET", default="sim-satusehat-secret")
)
SATUSEHAT_ORGANIZATION_ID = env.str("SATUSEHAT_ORGANIZATION_ID", default="10000004")
SATUSEHAT_BASE_URL = env.str(
    "SATUSEHAT_BASE_URL", default=f"http://127.0.0.1:{SATUSEHAT_SIMULATOR_PORT}"
)
SATUSEHAT_TIMEOUT = env.float("SATUSEHAT_TIMEOUT", default=10.0)
SATUSEHAT_RETRY_DASAR = env.float("SATUSEHAT_RETRY_DASAR", default=10.0)
SATUSEHAT_RETRY_BATAS = env.float("SATUSEHAT_RETRY_BATAS", default=900.0)
SATUSEHAT_PERCOBAAN_MAKS = env.int("SATUSEHAT_PERCOBAAN_MAKS", default=12)
SATUSEHAT_SAPU_DETIK = env.float("SATUSEHAT_SAPU_DETIK", default=30.0)
SATUSEHAT_BREAKER_AMBANG = env.int("SATUSEHAT_BREAKER_AMBANG", default=5)
SATUSEHAT_BREAKER_JEDA = env.float("SATUSEHAT_BREAKER_JEDA", default=30.0)
