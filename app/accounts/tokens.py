"""Our own JWTs (pyjwt). Pure: settings are passed in, nothing read from Flask.

Algorithms are pinned by configuration and never taken from a token's header; every token
must carry exp, iat, iss, aud and sub; each use has its own audience.
"""
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import jwt

AUD_PERSON = "person"
AUD_STAFF = "staff"
AUD_REFRESH = "refresh"
AUD_CODE = "code"
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub"]


class TokenError(Exception):
    """Any token that must not be accepted; `reason` is stable (expired, invalid)."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class TokenSettings:
    secret: str
    algorithms: tuple
    issuer: str

    @property
    def signing_algorithm(self):
        return self.algorithms[0]


# Tokens are issued by one process and checked by another (gunicorn workers, several
# servers): a clock a little behind the issuer's would call a fresh token "issued in the
# future" (iat) and refuse it. A few seconds of tolerance, on iat and exp alike.
CLOCK_SKEW_SECONDS = 5


def new_jti():
    return secrets.token_urlsafe(16)


def issue_token(settings, audience, subject, ttl_seconds, now=None, **claims):
    now = now or datetime.now(timezone.utc)
    payload = {"iss": settings.issuer, "aud": audience, "sub": subject, "iat": now,
               "exp": now + timedelta(seconds=ttl_seconds), **claims}
    return jwt.encode(payload, settings.secret, algorithm=settings.signing_algorithm)


def decode_token(settings, token, audience):
    try:
        return jwt.decode(token, settings.secret, algorithms=list(settings.algorithms),
                          audience=audience, issuer=settings.issuer, leeway=CLOCK_SKEW_SECONDS,
                          options={"require": REQUIRED_CLAIMS})
    except jwt.ExpiredSignatureError:
        raise TokenError("expired")
    except jwt.PyJWTError:
        raise TokenError("invalid")
