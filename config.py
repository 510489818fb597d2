"""Configuration classes per environment. Secrets come from the environment.

Development and testing fall back to well-known demo secrets so that `make run` works on a
fresh machine; ProductionConfig refuses to start while any of them is still in use.
"""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent

# Well-known values for the demo; never valid in production (see ProductionConfig.check).
DEMO_JWT_SECRET = "demo-jwt-secret-change-me-0123456789abcdef"
DEMO_DATA_KEYS = "demo1:ZGVtby1maWVsZC1rZXktZG8tbm90LXVzZS0wMDAwMDA="  # 32 bytes
DEMO_BLIND_INDEX_KEY = "demo-blind-index-key-change-me-0123456789"
DEMO_WECHAT_SECRET = "demo-wechat-secret"
DEMO_SMS_SECRET = "demo-sms-secret"  # app.wechat.sms disables SMS outside demo configs with it
DEMO_AUDIT_CHAIN_KEYS = "demo1:ZGVtby1hdWRpdC1jaGFpbi1rZXktbm90LXNlY3JldCE="  # 32 bytes
DEMO_SECRETS = {DEMO_JWT_SECRET, DEMO_DATA_KEYS, DEMO_BLIND_INDEX_KEY, DEMO_WECHAT_SECRET,
                DEMO_AUDIT_CHAIN_KEYS}


def _env(name, default=None):
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def normalize_database_url(url):
    """Let people write postgresql:// and still get the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _default_sqlite_url():
    return "sqlite:///" + str(BASE_DIR / "instance" / "app.db")


class Config:
    ENV_NAME = "base"
    TESTING = False
    SQLALCHEMY_DATABASE_URI = normalize_database_url(_env("DATABASE_URL", _default_sqlite_url()))
    # No ping on every checkout: app.core.database pings connections that sat idle instead.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": False}
    MAX_CONTENT_LENGTH = int(_env("MAX_CONTENT_LENGTH", 64 * 1024))


    # The console's session cookie (app.console.session): signed with SECRET_KEY, or a key
    # derived from JWT_SECRET when unset; Secure in production (ProductionConfig).
    SECRET_KEY = _env("SECRET_KEY", None)
    SESSION_COOKIE_NAME = "imjy_console"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False

    # Tokens: algorithms are pinned here and never read from a token header.
    JWT_SECRET = _env("JWT_SECRET", DEMO_JWT_SECRET)
    JWT_ALGORITHMS = ["HS256"]
    JWT_ISSUER = _env("JWT_ISSUER", "nmg-jiuye-yuanzhu")
    ACCESS_TOKEN_TTL = int(_env("ACCESS_TOKEN_TTL", 15 * 60))
    STAFF_IDLE_TIMEOUT = int(_env("STAFF_IDLE_TIMEOUT", 30 * 60))
    STAFF_SESSION_MAX = int(_env("STAFF_SESSION_MAX", 12 * 3600))
    PERSON_IDLE_TIMEOUT = int(_env("PERSON_IDLE_TIMEOUT", 30 * 24 * 3600))
    PERSON_SESSION_MAX = int(_env("PERSON_SESSION_MAX", 90 * 24 * 3600))

    # Personal data: field-encryption key ring ("id:base64,id:base64", first is active)
    # and the blind-index key. Both live outside the database.
    DATA_ENCRYPTION_KEYS = _env("DATA_ENCRYPTION_KEYS", DEMO_DATA_KEYS)
    BLIND_INDEX_KEY = _env("BLIND_INDEX_KEY", DEMO_BLIND_INDEX_KEY)

    # Audit chain (SECURITY.md 21): HMAC key ring in the DATA_ENCRYPTION_KEYS format, newest
    # (active) first; keep retired keys listed so the entries they signed still verify.
    AUDIT_CHAIN_KEYS = _env("AUDIT_CHAIN_KEYS", DEMO_AUDIT_CHAIN_KEYS)
    # Append-only checkpoints of the chain's head (default instance/audit-checkpoints.jsonl);
    # put it where the database's owner cannot write (see README, "Audit trail").
    AUDIT_CHECKPOINT_FILE = _env("AUDIT_CHECKPOINT_FILE")
    AUDIT_CHECKPOINT_SECONDS = int(_env("AUDIT_CHECKPOINT_SECONDS", 60))

    # Staff passwords.
    PASSWORD_MIN_LENGTH = int(_env("PASSWORD_MIN_LENGTH", 8))
    LOGIN_MAX_FAILURES = int(_env("LOGIN_MAX_FAILURES", 5))
    LOGIN_LOCKOUT_SECONDS = int(_env("LOGIN_LOCKOUT_SECONDS", 15 * 60))
    ARGON2_TIME_COST = int(_env("ARGON2_TIME_COST", 3))
    ARGON2_MEMORY_COST = int(_env("ARGON2_MEMORY_COST", 64 * 1024))
    TOTP_ISSUER = "内蒙古就业援助"

    # WeChat mini-program. The same client talks to the fake server in the demo and tests.
    WECHAT_APPID = _env("WECHAT_APPID", "wx-demo-appid")
    WECHAT_SECRET = _env("WECHAT_SECRET", DEMO_WECHAT_SECRET)
    WECHAT_API_BASE = _env("WECHAT_API_BASE", "https://api.weixin.qq.com/")
    WECHAT_TIMEOUT = float(_env("WECHAT_TIMEOUT", 5))
    PRIVACY_NOTICE_VERSION = _env("PRIVACY_NOTICE_VERSION", "2025-01")
    # Answers that could tell whether an ID number is registered (a relative request, a
    # station registration) take at least this long, whichever way it went (seconds).
    IDENTITY_ANSWER_FLOOR = float(_env("IDENTITY_ANSWER_FLOOR", 0.3))

    # Push (app/wechat): message templates, the outbox worker and the SMS fallback.
    # Template ids per environment: JSON {kind: id}; kinds are in app/wechat/data/templates.json.
    WECHAT_TEMPLATE_IDS = _env("WECHAT_TEMPLATE_IDS")
    WECHAT_MINIPROGRAM_STATE = _env("WECHAT_MINIPROGRAM_STATE", "formal")
    # Outgoing sends per second: per worker, or shared by all workers when REDIS_URL is set.
    PUSH_RATE_PER_SECOND = float(_env("PUSH_RATE_PER_SECOND", 200))
    PUSH_BATCH_SIZE = int(_env("PUSH_BATCH_SIZE", 50))
    PUSH_LEASE_SECONDS = int(_env("PUSH_LEASE_SECONDS", 60))
    PUSH_MAX_ATTEMPTS = int(_env("PUSH_MAX_ATTEMPTS", 6))  # per channel
    PUSH_POLL_SECONDS = float(_env("PUSH_POLL_SECONDS", 1.0))
    # The worker's own bookkeeping commits skip the WAL flush wait (see app/wechat/worker.py).
    PUSH_ASYNC_COMMIT = _env("PUSH_ASYNC_COMMIT", "1") not in ("0", "false", "no")
    RATELIMIT_PUSH_SUBSCRIBE = _env("RATELIMIT_PUSH_SUBSCRIBE", "30/minute")
    SMS_PROVIDER = _env("SMS_PROVIDER", "aliyun")  # aliyun | disabled
    SMS_API_BASE = _env("SMS_API_BASE", "https://dysmsapi.aliyuncs.com/")
    SMS_ACCESS_KEY_ID = _env("SMS_ACCESS_KEY_ID", "demo-sms-key-id")
    SMS_ACCESS_KEY_SECRET = _env("SMS_ACCESS_KEY_SECRET", DEMO_SMS_SECRET)
    SMS_SIGN_NAME = _env("SMS_SIGN_NAME", "内蒙古就业援助")
    SMS_TIMEOUT = float(_env("SMS_TIMEOUT", 5))
    SMS_TEMPLATE_CODES = _env("SMS_TEMPLATE_CODES")  # JSON {kind: template code}

    # Redis is optional: rate limits and the WeChat token cache use it when configured.
    REDIS_URL = _env("REDIS_URL")
    # Rate limits hold across all workers: counted in Redis when REDIS_URL is set, else in
    # the database (app/core/ratelimit.py, "sqldb://"). "memory://" would count per process.
    RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", _env("REDIS_URL", "sqldb://"))
    # Rendered person views (self overview, staff scan profile), keyed by the person's data
    # revision; the lifetime bounds what the key cannot see (new vacancies). 0 turns it off.
    VIEW_CACHE_SECONDS = int(_env("VIEW_CACHE_SECONDS", 300))
    VIEW_CACHE_ENTRIES = int(_env("VIEW_CACHE_ENTRIES", 20000))  # per worker, without Redis
    # `make bench` only: each worker counts its SQL statements into a file here (app/core/benchstats.py).
    BENCH_STATS_DIR = _env("BENCH_STATS_DIR")
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_LOGIN = _env("RATELIMIT_LOGIN", "20/minute")
    # Station registrations per staff member: each answer tells "registered or not" (README).
    RATELIMIT_PERSON_CREATE = _env("RATELIMIT_PERSON_CREATE", "60/minute")
    RATELIMIT_ENABLED = True
    # Staff scans of personal codes (issue 7): per staff member and per source address.
    RATELIMIT_CODE_RESOLVE_STAFF = _env("RATELIMIT_CODE_RESOLVE_STAFF", "60/minute")
    RATELIMIT_CODE_RESOLVE_IP = _env("RATELIMIT_CODE_RESOLVE_IP", "300/minute")
    # Printed cards hold `<CODES_BASE_URL>/c/P…` (default: the URL the request came in on).
    CODES_BASE_URL = _env("CODES_BASE_URL")
    CODES_WXA_PAGE = _env("CODES_WXA_PAGE")  # mini-program page opened by the WeChat code

    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    SUPPORTED_LOCALES = ["zh", "mn"]
    DISPLAY_TIMEZONE = "Asia/Shanghai"

    # flask-smorest / OpenAPI
    API_TITLE = "内蒙古就业援助“一人一码”服务 API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"

    PAGE_SIZE_MAX = 100

    # Certification (issue 4): rule data version, commitment text version, default working-
    # day deadlines per step (regions may override), public notice, yearly re-check.
    CERT_RULES_VERSION = _env("CERT_RULES_VERSION", "nm-2019.1")
    CERT_COMMITMENT_VERSION = _env("CERT_COMMITMENT_VERSION", "2025-01")
    CERT_STATION_DAYS = int(_env("CERT_STATION_DAYS", 2))
    CERT_TOWNSHIP_DAYS = int(_env("CERT_TOWNSHIP_DAYS", 3))
    CERT_COUNTY_DAYS = int(_env("CERT_COUNTY_DAYS", 3))
    CERT_NOTICE_ENABLED = _env("CERT_NOTICE_ENABLED", "0") == "1"
    CERT_NOTICE_DAYS = int(_env("CERT_NOTICE_DAYS", 3))
    CERT_RECHECK_MONTHS = int(_env("CERT_RECHECK_MONTHS", 12))
    # The help loop (issue 14, RULES.md "Tracking"): defaults that regions may override.
    TRACKING_ADAPTATION_MONTHS = int(_env("TRACKING_ADAPTATION_MONTHS", 1))
    TRACKING_STABILITY_MONTHS = int(_env("TRACKING_STABILITY_MONTHS", 6))
    TRACKING_EXPIRY_DAYS = int(_env("TRACKING_EXPIRY_DAYS", 60))
    TRACKING_RESPONSE_DAYS = int(_env("TRACKING_RESPONSE_DAYS", 2))
    TRACKING_SERVICES_REQUIRED = int(_env("TRACKING_SERVICES_REQUIRED", 3))
    TRACKING_OFFERS_PER_SERVICE = int(_env("TRACKING_OFFERS_PER_SERVICE", 3))
    TRACKING_REFUSALS_AS_NO_WISH = int(_env("TRACKING_REFUSALS_AS_NO_WISH", 3))
    # Evidence files: stored encrypted outside any served folder (default instance/evidence).
    EVIDENCE_DIR = _env("EVIDENCE_DIR")
    EVIDENCE_MAX_BYTES = int(_env("EVIDENCE_MAX_BYTES", 5 * 1024 * 1024))
    # A policy catalog's YAML text published from the console (the API allows 512 KB too).
    POLICY_PUBLISH_MAX_BYTES = int(_env("POLICY_PUBLISH_MAX_BYTES", 512 * 1024))
    # A partner department's list (issue 15): a million rows of CSV is about 120 MB.
    PARTNER_LIST_MAX_BYTES = int(_env("PARTNER_LIST_MAX_BYTES", 256 * 1024 * 1024))
    # Tax-relief proofs (§3.1): how long one stays valid, and how often staff may ask.
    TAX_PROOF_VALID_DAYS = int(_env("TAX_PROOF_VALID_DAYS", 365))
    RATELIMIT_TAX_CHECK_STAFF = _env("RATELIMIT_TAX_CHECK_STAFF", "30/hour")
    EVIDENCE_MAX_PIXELS = int(_env("EVIDENCE_MAX_PIXELS", 50_000_000))
    TRUSTED_PROXY_COUNT = int(_env("TRUSTED_PROXY_COUNT", 0))

    @classmethod
    def check(cls):
        """Raise when the configuration cannot run safely. Overridden for production."""


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    DEMO = True


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    DEMO = True
    SQLALCHEMY_DATABASE_URI = normalize_database_url(
        _env("TEST_DATABASE_URL", "sqlite:///" + str(BASE_DIR / "instance" / "test.db")))
    # Cheap hashing keeps the suite fast; production costs are tested by ProductionConfig.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", "sqldb://")  # shared, not per process
    IDENTITY_ANSWER_FLOOR = float(_env("IDENTITY_ANSWER_FLOOR", 0))  # tests that time set it
    WECHAT_TIMEOUT = 2.0
    SMS_TIMEOUT = 2.0


class ProductionConfig(Config):
    ENV_NAME = "production"
    DEMO = False
    SESSION_COOKIE_SECURE = True

    @classmethod
    def check(cls):
        in_use = [name for name in ("JWT_SECRET", "DATA_ENCRYPTION_KEYS", "BLIND_INDEX_KEY",
                                    "WECHAT_SECRET", "AUDIT_CHAIN_KEYS")
                  if getattr(cls, name) in DEMO_SECRETS]
        if in_use:
            raise RuntimeError("production refuses demo secrets: set " + ", ".join(in_use))
        if len(cls.JWT_SECRET) < 32:
            raise RuntimeError("JWT_SECRET must be at least 32 characters")
        if cls.SQLALCHEMY_DATABASE_URI.startswith("sqlite"):
            raise RuntimeError("production needs DATABASE_URL pointing at PostgreSQL")


CONFIGS = {"development": DevelopmentConfig, "testing": TestingConfig,
           "production": ProductionConfig}


def get_config(name=None):
    return CONFIGS[name or _env("APP_ENV", "development")]
