"""SECURITY.md 8-9: token attacks. Every forged, expired or misused token answers 401."""
import base64
import json
from datetime import datetime, timedelta, timezone

import jwt
import pytest

from app.accounts.tokens import AUD_CODE, AUD_REFRESH, AUD_STAFF, TokenError, TokenSettings, \
    decode_token, issue_token
from app.core.clock import utcnow
from tests.builders.http import (approve_grant, auth, error_code, person_login, staff_login,
                                 staff_token)

SETTINGS = TokenSettings("s" * 64, ("HS256",), "issuer")


def _b64(data):
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims_of(token):
    return jwt.decode(token, options={"verify_signature": False})


def _me(client, token):
    return client.get("/api/v1/auth/staff/me", headers=auth(token))


# Pure token module ----------------------------------------------------------------------

def test_round_trip_with_required_claims():
    token = issue_token(SETTINGS, AUD_STAFF, "staff:1", 60, sid="x", ver=1)
    claims = decode_token(SETTINGS, token, AUD_STAFF)
    assert claims["sub"] == "staff:1" and claims["iss"] == "issuer"


@pytest.mark.parametrize("missing", ["exp", "iat", "iss", "aud", "sub"])
def test_each_required_claim_is_enforced(missing):
    payload = {"iss": "issuer", "aud": AUD_STAFF, "sub": "staff:1",
               "iat": datetime.now(timezone.utc),
               "exp": datetime.now(timezone.utc) + timedelta(minutes=5)}
    del payload[missing]
    token = jwt.encode(payload, SETTINGS.secret, algorithm="HS256")
    with pytest.raises(TokenError):
        decode_token(SETTINGS, token, AUD_STAFF)


def test_algorithm_is_pinned_not_read_from_the_header():
    other = jwt.encode({"iss": "issuer", "aud": AUD_STAFF, "sub": "staff:1", "iat": 0,
                        "exp": 9999999999}, SETTINGS.secret, algorithm="HS512")
    with pytest.raises(TokenError):
        decode_token(SETTINGS, other, AUD_STAFF)


def test_a_token_from_a_clock_a_little_ahead_is_accepted_a_forged_future_one_is_not():
    """Another worker's clock may run a second or two ahead of the checker's; a token
    claiming to be issued a minute from now is refused all the same."""
    now = utcnow()
    slightly_ahead = issue_token(SETTINGS, AUD_STAFF, "staff:1", 60, now=now + timedelta(seconds=2),
                                 sid="x", ver=1)
    assert decode_token(SETTINGS, slightly_ahead, AUD_STAFF)["sub"] == "staff:1"
    from_the_future = issue_token(SETTINGS, AUD_STAFF, "staff:1", 600,
                                  now=now + timedelta(seconds=60), sid="x", ver=1)
    with pytest.raises(TokenError):
        decode_token(SETTINGS, from_the_future, AUD_STAFF)


def test_code_audience_is_separate():
    token = issue_token(SETTINGS, AUD_CODE, "person:1", 60)
    with pytest.raises(TokenError):
        decode_token(SETTINGS, token, AUD_STAFF)


# Against the running app -------------------------------------------------------------------

def test_alg_none_is_refused(client):
    real = staff_token(client, "station_xc")
    claims = _claims_of(real)
    forged = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
    response = _me(client, forged)
    assert response.status_code == 401 and error_code(response) == "auth.token_invalid"


def test_signature_with_another_key_is_refused(client):
    claims = _claims_of(staff_token(client, "station_xc"))
    claims["sub"] = "staff:5"  # try to become the region admin
    forged = jwt.encode(claims, "guessed-secret-" * 3, algorithm="HS256")
    assert _me(client, forged).status_code == 401


def test_algorithm_confusion_with_rs256_header_is_refused(client):
    claims = _claims_of(staff_token(client, "station_xc"))
    header = _b64({"alg": "RS256", "typ": "JWT"})
    body = _b64(claims)
    forged = f"{header}.{body}.{base64.urlsafe_b64encode(b'x' * 256).rstrip(b'=').decode()}"
    assert _me(client, forged).status_code == 401


def test_expired_token_is_refused(client, fresh_app):
    claims = _claims_of(staff_token(client, "station_xc"))
    settings = TokenSettings(fresh_app.config["JWT_SECRET"], ("HS256",),
                             fresh_app.config["JWT_ISSUER"])
    old = datetime.now(timezone.utc) - timedelta(hours=2)
    expired = issue_token(settings, AUD_STAFF, claims["sub"], 60, now=old, sid=claims["sid"],
                          ver=claims["ver"])
    response = _me(client, expired)
    assert response.status_code == 401 and error_code(response) == "auth.token_expired"


def test_missing_exp_is_refused_by_the_app(client, fresh_app):
    claims = _claims_of(staff_token(client, "station_xc"))
    del claims["exp"]
    token = jwt.encode(claims, fresh_app.config["JWT_SECRET"], algorithm="HS256")
    assert _me(client, token).status_code == 401


def test_person_token_is_not_a_staff_token(client):
    person = person_login(client)["access_token"]
    assert _me(client, person).status_code == 401


def test_staff_token_is_not_a_person_token(client):
    token = staff_token(client, "station_xc")
    assert client.get("/api/v1/auth/wechat/me", headers=auth(token)).status_code == 401


def test_refresh_token_is_not_an_access_token(client):
    refresh = staff_login(client, "station_xc")["refresh_token"]
    assert _me(client, refresh).status_code == 401


def test_access_token_is_not_a_refresh_token(client):
    access_token = staff_token(client, "station_xc")
    response = client.post("/api/v1/auth/refresh", json={"refresh_token": access_token})
    assert response.status_code == 401


def test_refresh_rotates_and_reuse_revokes_the_session(client):
    pair = staff_login(client, "station_xc")
    first = client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert first.status_code == 200
    new_pair = first.get_json()
    assert _me(client, new_pair["access_token"]).status_code == 200
    # The old refresh token again: someone copied it. The whole session dies.
    replay = client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert replay.status_code == 401 and error_code(replay) == "auth.refresh_reused"
    assert _me(client, new_pair["access_token"]).status_code == 401
    again = client.post("/api/v1/auth/refresh", json={"refresh_token": new_pair["refresh_token"]})
    assert again.status_code == 401


def test_logout_kills_access_and_refresh_tokens(client):
    pair = staff_login(client, "station_xc")
    assert client.post("/api/v1/auth/staff/logout",
                       headers=auth(pair["access_token"])).status_code == 204
    assert _me(client, pair["access_token"]).status_code == 401
    assert client.post("/api/v1/auth/refresh",
                       json={"refresh_token": pair["refresh_token"]}).status_code == 401


def test_person_logout_is_server_side(client):
    pair = person_login(client)
    headers = auth(pair["access_token"])
    assert client.post("/api/v1/auth/wechat/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/auth/wechat/me", headers=headers).status_code == 401


def test_role_change_invalidates_existing_tokens(client):
    victim = staff_login(client, "station_xc")
    admin = staff_token(client, "security_admin")
    response = client.patch(f"/api/v1/staff/{victim['staff']['id']}",
                            json={"role": "township_reviewer"}, headers=auth(admin))
    assert approve_grant(client, response)["role"] == "township_reviewer"
    assert _me(client, victim["access_token"]).status_code == 401
    assert client.post("/api/v1/auth/refresh",
                       json={"refresh_token": victim["refresh_token"]}).status_code == 401
    assert staff_login(client, "station_xc")["staff"]["role"] == "township_reviewer"


def test_region_change_invalidates_existing_tokens(client):
    victim = staff_login(client, "city_hhht")
    admin = staff_token(client, "security_admin")
    response = client.patch(f"/api/v1/staff/{victim['staff']['id']}",
                            json={"region_code": "150200"}, headers=auth(admin))
    approve_grant(client, response)
    assert _me(client, victim["access_token"]).status_code == 401


def test_missing_or_malformed_authorization_header(client):
    assert error_code(client.get("/api/v1/auth/staff/me")) == "auth.required"
    response = client.get("/api/v1/auth/staff/me", headers={"Authorization": "Basic abc"})
    assert response.status_code == 401


def test_idle_session_cannot_be_refreshed(client, fresh_app):
    from app.accounts.models import AuthSession
    from app.extensions import db
    pair = staff_login(client, "station_xc")
    with fresh_app.app_context():
        session = db.session.get(AuthSession, _claims_of(pair["access_token"])["sid"])
        session.idle_expires_at = session.idle_expires_at - timedelta(hours=1)
        db.session.commit()
    response = client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert response.status_code == 401
    assert _me(client, pair["access_token"]).status_code == 401
