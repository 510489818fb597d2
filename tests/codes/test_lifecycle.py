"""Codes follow the certification: revoked at exit, reissued (new card version) on return;
staff rotate a lost card and the old one dies at once; every refusal has its own code."""
import io
import re

import cairosvg
import zxingcpp
from PIL import Image
from sqlalchemy import select

from app.core.clock import local_today
from app.codes import dynamic, printed
from app.codes.models import PersonalCode
from app.codes.services import sync_all
from app.extensions import db
from tests.builders.services import certify_person
from tests.builders.codes import Clock, certified_seeker, resolve
from tests.builders.http import auth, error_code, staff_token

PERSONAL = re.compile(r"张三|\d{17}[\dX]|1\d{10}|1968")


def _decode_png(data):
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))]


def _card(client, staff, person_id):
    response = client.get(f"/api/v1/people/{person_id}/code/card.png", headers=auth(staff))
    assert response.status_code == 200 and response.mimetype == "image/png"
    [content] = _decode_png(response.data)
    return content


def test_printed_cards_decode_to_an_opaque_url(client, fresh_app):
    _, person_id = certified_seeker(client)
    staff = staff_token(client, "station_xc")
    content = _card(client, staff, person_id)
    assert re.fullmatch(r"http://localhost/c/P1\.[A-Za-z0-9_-]{22}", content)
    svg = client.get(f"/api/v1/people/{person_id}/code/card.svg", headers=auth(staff))
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    [svg_content] = _decode_png(cairosvg.svg2png(bytestring=svg.data, output_width=600,
                                                   background_color="white"))
    assert svg_content == content and not PERSONAL.search(content)
    assert resolve(client, staff, content).get_json()["view"] == "profile"
    # the anonymous landing page of the printed URL shows nothing personal
    page = client.get(content.replace("http://localhost", ""))
    assert page.status_code == 200 and not PERSONAL.search(page.get_data(as_text=True))
    # staff outside the person's subtree cannot print the card: 404, not 403
    other = client.get(f"/api/v1/people/{person_id}/code/card.png",
                       headers=auth(staff_token(client, "station_hlr")))
    assert other.status_code == 404


def test_wechat_code_is_generated_once_per_version_and_decodes(client, wechat):
    _, person_id = certified_seeker(client)
    staff = staff_token(client, "station_xc")
    url = f"/api/v1/people/{person_id}/code/wxacode.png"
    first = client.get(url, headers=auth(staff))
    assert first.status_code == 200, first.get_json()
    [scene] = _decode_png(first.data)
    assert re.fullmatch(r"P1\.[A-Za-z0-9_-]{22}", scene) and len(scene) <= 32
    calls = wechat.stats()
    second = client.get(url, headers=auth(staff))
    assert second.data == first.data and wechat.stats() == calls  # cached, no new call
    assert resolve(client, staff, scene).status_code == 200
    client.post(f"/api/v1/people/{person_id}/code/rotate", headers=auth(staff))
    [new_scene] = _decode_png(client.get(url, headers=auth(staff)).data)
    assert new_scene.startswith("P2.") and new_scene != scene


def test_rotation_kills_the_old_card_and_every_device(client, fresh_app):
    token, person_id = certified_seeker(client)
    staff = staff_token(client, "station_xc")
    old_card = _card(client, staff, person_id)
    device = client.post("/api/v1/me/code/devices", headers=auth(token)).get_json()
    drawn = str(dynamic.draw_code(device["device_id"], device["secret"], device["server_time"]))
    with Clock(fresh_app):
        assert resolve(client, staff, drawn).status_code == 200
        rotated = client.post(f"/api/v1/people/{person_id}/code/rotate", headers=auth(staff))
        assert rotated.status_code == 200 and rotated.get_json()["printed_version"] == 2
        refused = resolve(client, staff, old_card)
        assert refused.status_code == 422 and error_code(refused) == "code.rotated"
        assert error_code(resolve(client, staff, drawn)) == "code.rotated"
        new_card = _card(client, staff, person_id)
        assert "/c/P2." in new_card and resolve(client, staff, new_card).status_code == 200
        mine = client.get("/api/v1/me/code", headers=auth(token),
                          query_string={"device_id": device["device_id"]})
        assert mine.status_code == 404 and error_code(mine) == "code.device_not_found"


def test_a_device_draws_codes_offline_that_the_server_accepts(client, fresh_app):
    token, _ = certified_seeker(client)
    staff = staff_token(client, "station_xc")
    with Clock(fresh_app) as clock:
        device = client.post("/api/v1/me/code/devices", headers=auth(token))
        assert device.status_code == 201 and device.headers["Cache-Control"] == "no-store"
        device = device.get_json()
        clock.advance(600)  # ten minutes offline: the phone keeps drawing fresh codes
        drawn = dynamic.draw_code(device["device_id"], device["secret"], clock.now.timestamp())
        assert not PERSONAL.search(str(drawn))
        assert resolve(client, staff, str(drawn)).status_code == 200
        shown = client.get("/api/v1/me/code", headers=auth(token),
                           query_string={"device_id": device["device_id"]}).get_json()
        assert shown["content"] == str(drawn) and "secret" not in shown


def test_forged_malformed_unknown_and_future_codes_are_told_apart(client, fresh_app):
    token, person_id = certified_seeker(client)
    staff = staff_token(client, "station_xc")
    card = printed.parse_printed(_card(client, staff, person_id))
    device = client.post("/api/v1/me/code/devices", headers=auth(token)).get_json()
    _, other_secret = dynamic.new_device()
    with Clock(fresh_app) as clock:
        now = clock.now.timestamp()
        cases = {
            "code.malformed": "hello",
            "code.forged": str(dynamic.draw_code(device["device_id"], other_secret, now)),
            "code.not_yet_valid": str(dynamic.draw_code(device["device_id"], device["secret"],
                                                        now + 300)),
            "code.not_found": str(dynamic.draw_code("A" * 16, other_secret, now)),
        }
        for expected, content in cases.items():
            assert error_code(resolve(client, staff, content)) == expected, expected
        assert error_code(resolve(client, staff, f"P7.{card.token}")) == "code.forged"
        unknown = resolve(client, staff, str(printed.new_printed_code(1)))
        assert unknown.status_code == 404 and error_code(unknown) == "code.not_found"
        bad_purpose = resolve(client, staff, str(card), purpose="curiosity")
        assert bad_purpose.status_code == 422 and error_code(bad_purpose) != "code.malformed"


def test_exit_revokes_and_a_return_reissues_a_new_version(client, fresh_app):
    token, person_id = certified_seeker(client)
    staff = staff_token(client, "station_xc")
    old_card = _card(client, staff, person_id)
    certification = client.get("/api/v1/certification/my/certifications",
                               headers=auth(token)).get_json()[0]
    county = staff_token(client, "county_xc")
    exited = client.post(f"/api/v1/certification/certifications/{certification['id']}/exit",
                         json={"reason": "employed", "exited_on": local_today().isoformat()},
                         headers=auth(county))
    assert exited.status_code == 200, exited.get_json()
    refused = resolve(client, staff, old_card)
    assert error_code(refused) == "code.revoked"
    assert error_code(client.get("/api/v1/me/code", headers=auth(token))) == "code.not_certified"

    certify_person(client.application, person_id, ["older"])
    assert client.get("/api/v1/me/code", headers=auth(token)).status_code == 200
    new_card = _card(client, staff, person_id)
    assert "/c/P2." in new_card
    assert error_code(resolve(client, staff, old_card)) == "code.revoked"
    assert resolve(client, staff, new_card).status_code == 200


def test_sync_issues_for_certified_and_revokes_for_exited(client, db_session):
    from app.certification.models import Certification
    issued, revoked = sync_all()
    db_session.commit()
    certified = db_session.scalars(select(Certification.person_id).where(
        Certification.status == "active")).all()
    assert issued == len(certified) >= 1 and revoked == 0
    assert sync_all() == (0, 0)
    row = db_session.scalar(select(Certification).where(Certification.status == "active"))
    row.status = "exited"
    db_session.flush()
    assert sync_all() == (0, 1)
    code = db_session.scalar(select(PersonalCode).where(PersonalCode.person_id == row.person_id))
    assert code.status == "revoked"


def test_resolve_is_rate_limited_per_staff_member(client, fresh_app):
    saved = fresh_app.config["RATELIMIT_CODE_RESOLVE_STAFF"]
    fresh_app.config["RATELIMIT_CODE_RESOLVE_STAFF"] = "3/minute"
    try:
        staff = staff_token(client, "station_xc")
        answers = [resolve(client, staff, "junk").status_code for _ in range(4)]
        assert answers == [422, 422, 422, 429]
        other = staff_token(client, "township_xc")  # someone else is not blocked
        assert resolve(client, other, "junk").status_code == 422
    finally:
        fresh_app.config["RATELIMIT_CODE_RESOLVE_STAFF"] = saved


def test_resolve_is_rate_limited_per_source_address(client, fresh_app):
    saved = fresh_app.config["RATELIMIT_CODE_RESOLVE_IP"]
    fresh_app.config["RATELIMIT_CODE_RESOLVE_IP"] = "3/minute"
    try:
        tokens = [staff_token(client, name) for name in ("station_xc", "township_xc",
                                                         "county_xc", "city_hhht")]
        answers = [resolve(client, t, "junk").status_code for t in tokens]
        assert answers == [422, 422, 422, 429]
        elsewhere = resolve(client, tokens[0], "junk",
                            environ_base={"REMOTE_ADDR": "10.9.8.7"})
        assert elsewhere.status_code == 422
    finally:
        fresh_app.config["RATELIMIT_CODE_RESOLVE_IP"] = saved


def test_anonymous_and_unauthorised_callers_cannot_resolve(client):
    assert client.post("/api/v1/codes/resolve",
                       json={"content": "x", "purpose": "follow_up"}).status_code == 401
    auditor = staff_token(client, "auditor")
    assert resolve(client, auditor, "x").status_code == 403


def test_a_wechat_failure_is_a_502_and_nothing_is_cached(client, wechat, fresh_app):
    _, person_id = certified_seeker(client)
    staff = staff_token(client, "station_xc")
    url = f"/api/v1/people/{person_id}/code/wxacode.png"
    wechat.inject_fault("/wxa/getwxacodeunlimit", 45009)
    failed = client.get(url, headers=auth(staff))
    assert failed.status_code == 502 and error_code(failed) == "code.wechat_unavailable"
    with fresh_app.app_context():
        code = db.session.scalar(select(PersonalCode).where(PersonalCode.person_id == person_id))
        assert code.wxa_image_sealed is None
    assert client.get(url, headers=auth(staff)).status_code == 200


def test_sync_command(client, fresh_app):
    result = fresh_app.test_cli_runner().invoke(args=["codes", "sync"])
    assert result.exit_code == 0 and "codes issued: 1, revoked: 0" in result.output
