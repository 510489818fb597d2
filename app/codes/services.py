"""Issuing, showing, rotating, revoking and resolving personal codes.

When is a code issued? Layering puts codes above certification, so certification cannot
call us when it certifies someone. A code is therefore brought in line with the person's
certification *on demand* (`sync_code`): when the person asks for their code, when staff
print or rotate a card, when a code is resolved, and in bulk by `flask codes sync` (run
nightly), which issues codes for every certified person and revokes those of people who
exited. A person who returns (certified again) gets the code back with a new printed
version: the old card stays dead.

Every scan is checked against the live certification too, so an exit takes effect at the
next scan even before the nightly sync.
"""
import base64

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.audit.services import record
from app.certification.models import Certification
from app.certification.services import active_certification
from app.certification.workflow import CertificationStatus
from app.core.clock import local_today, utcnow
from app.core.concurrency import guarded_update
from app.core.errors import Conflict, NotFound, UpstreamError, ValidationFailed
from app.core.masking import mask_id_number, mask_name, mask_phone
from app.core.models import get_in_scope
from app.core.regions import get_region
from app.core.stations import stations_serving
from app.core.wechat import WeChatError
from app.extensions import db
from app.people.models import Person
from app.people.services import own_person

from . import dynamic, printed
from .images import qr_png, qr_svg
from .models import CodeDevice, PersonalCode, RetiredPrintedToken
from .scan import ScannedPerson, scan_row

# Why a staff member scans a code: stated with every resolve and kept in the audit trail.
PURPOSES = ("employment_service", "job_referral", "policy_handling", "certification_review",
            "follow_up")
MAX_APP_DEVICES = 3  # a new phone beyond this replaces the oldest one

REFUSALS = {
    "malformed": (ValidationFailed, _l("无法识别的就业服务码")),
    "forged": (ValidationFailed, _l("就业服务码校验失败，可能是伪造的")),
    "expired": (ValidationFailed, _l("就业服务码已过期，请让本人刷新后再扫")),
    "not_yet_valid": (ValidationFailed, _l("就业服务码时间异常，请让本人校准手机时间后刷新")),
    "rotated": (ValidationFailed, _l("该就业服务码已更换，旧码已作废")),
    "revoked": (ValidationFailed, _l("该就业服务码已停用")),
    "not_found": (NotFound, _l("就业服务码不存在")),
}


class CodeRefused(Exception):
    def __init__(self, reason, code_id=None):
        super().__init__(reason)
        self.reason, self.code_id = reason, code_id

    def error(self):
        cls, message = REFUSALS[self.reason]
        return cls(f"code.{self.reason}", message)


def now():
    """The services' clock: `CODES_CLOCK` (a function, set by tests) or the real UTC time."""
    clock = current_app.config.get("CODES_CLOCK") or utcnow
    return clock()


# ------------------------------------------------------------------ issuing

def _set_printed(code, version):
    card = printed.new_printed_code(version)
    code.printed_version = version
    code.printed_token_hash = card.token_hash
    code.printed_token_sealed = card.token
    code.wxa_image_sealed = None
    code.wxa_version = None


def _retire_printed(code, reason, at):
    db.session.add(RetiredPrintedToken(code_id=code.id, token_hash=code.printed_token_hash,
                                       version=code.printed_version, reason=reason,
                                       retired_at=at))


def _revoke_devices(code, reason, at):
    db.session.execute(update(CodeDevice).where(CodeDevice.code_id == code.id,
                                                CodeDevice.revoked_at.is_(None))
                       .values(revoked_at=at, revoked_reason=reason))


def code_of(person_id, for_update=False):
    query = select(PersonalCode).where(PersonalCode.person_id == person_id)
    if for_update:  # the row as it is once locked, not as this session saw it before
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(query)


def sync_code(person, certified=None, at=None):
    """Bring a person's code in line with their certification: issue it, reissue it (new
    printed version) after a return, or revoke it after an exit. Returns the code or None."""
    at = at or now()
    if certified is None:
        certified = active_certification(person.id) is not None
    code = code_of(person.id, for_update=True)
    if certified and code is None:
        code = PersonalCode(person_id=person.id, status="active", issued_at=at)
        _set_printed(code, 1)
        try:
            with db.session.begin_nested():
                db.session.add(code)
                db.session.flush()
        except IntegrityError:  # issued a moment ago by a concurrent request
            return code_of(person.id)
        record("code.issued", "person_code", code.id, details={"version": 1})
    elif certified and code.status == "revoked":
        _retire_printed(code, "revoked", at)
        _set_printed(code, code.printed_version + 1)
        code.status, code.revoked_at, code.issued_at = "active", None, at
        db.session.flush()
        record("code.reissued", "person_code", code.id, details={"version": code.printed_version})
    elif not certified and code is not None and code.status == "active":
        revoke_code(code, at)
    return code


def revoke_code(code, at=None):
    """Stop a code at once: its card and every device (the person exited)."""
    at = at or now()
    _revoke_devices(code, "revoked", at)
    code.status, code.revoked_at = "revoked", at
    db.session.flush()
    record("code.revoked", "person_code", code.id, details={"version": code.printed_version})
    return code


def sync_all(at=None):
    """Issue codes for every certified person without a live one; revoke codes of people
    without a live certification. Returns (issued, revoked)."""
    at = at or now()
    live = select(Certification.person_id).where(
        Certification.status == CertificationStatus.ACTIVE)
    missing = db.session.scalars(select(Person).where(
        Person.id.in_(live), ~Person.id.in_(select(PersonalCode.person_id).where(
            PersonalCode.status == "active")))).all()
    for person in missing:
        sync_code(person, certified=True, at=at)
    stale = db.session.scalars(select(PersonalCode).where(
        PersonalCode.status == "active", ~PersonalCode.person_id.in_(live))).all()
    for code in stale:
        revoke_code(code, at)
    return len(missing), len(stale)


def _require_active(person, at):
    code = sync_code(person, at=at)
    if code is None or code.status != "active":
        db.session.commit()  # a revocation found on the way stays done
        raise Conflict("code.not_certified", _l("通过就业困难人员认定后才有就业服务码"))
    return code


# ------------------------------------------------------------------ the person's own code

def own_code(account, at=None):
    at = at or now()
    return _require_active(own_person(account), at)


def register_device(account, at=None):
    """A new phone: its secret is returned ONCE (with the server time) so the mini-program
    can draw fresh codes without network. Beyond MAX_APP_DEVICES the oldest is replaced."""
    at = at or now()
    code = own_code(account, at)
    live = db.session.scalars(select(CodeDevice).where(
        CodeDevice.code_id == code.id, CodeDevice.kind == "app",
        CodeDevice.revoked_at.is_(None)).order_by(CodeDevice.id)).all()
    for old in live[:max(0, len(live) - MAX_APP_DEVICES + 1)]:
        old.revoked_at, old.revoked_reason = at, "replaced"
    device_id, secret = dynamic.new_device()
    device = CodeDevice(code_id=code.id, device_id=device_id, kind="app", secret=secret,
                        created_at=at)
    db.session.add(device)
    db.session.flush()
    record("code.device_registered", "person_code", code.id,
           details={"device": device_id, "replaced": len(live) - MAX_APP_DEVICES + 1
                    if len(live) >= MAX_APP_DEVICES else 0})
    return {"device_id": device_id, "secret": secret, "algorithm": "HMAC-SHA256",
            "format": "D1.<device_id>.<step>.<mac>", "mac_chars": dynamic.MAC_CHARS,
            "step_seconds": dynamic.STEP_SECONDS, "server_time": int(at.timestamp()),
            "step": dynamic.step_at(at.timestamp())}


def _server_device(code, at):
    device = db.session.scalar(select(CodeDevice).where(
        CodeDevice.code_id == code.id, CodeDevice.kind == "server",
        CodeDevice.revoked_at.is_(None)).limit(1))
    if device is None:
        device_id, secret = dynamic.new_device()
        device = CodeDevice(code_id=code.id, device_id=device_id, kind="server", secret=secret,
                            created_at=at)
        db.session.add(device)
        db.session.flush()
    return device


def current_code(account, device_id=None, at=None):
    """The dynamic code to show now: drawn with the given device's secret, or (for a
    mini-program that has not registered a device) with the server's own device."""
    at = at or now()
    code = own_code(account, at)
    if device_id is None:
        device = _server_device(code, at)
    else:
        device = db.session.scalar(select(CodeDevice).where(
            CodeDevice.device_id == device_id, CodeDevice.code_id == code.id,
            CodeDevice.revoked_at.is_(None)))
        if device is None:
            raise NotFound("code.device_not_found", _l("该设备未登记或已停用，请重新登记"))
    drawn = dynamic.draw_code(device.device_id, device.secret, at.timestamp())
    return {"content": str(drawn), "device_id": device.device_id,
            "expires_at": dynamic.expires_at(drawn), "refresh_at":
            (drawn.step + 1) * dynamic.STEP_SECONDS, "server_time": int(at.timestamp()),
            "step_seconds": dynamic.STEP_SECONDS, "printed_version": code.printed_version}


# ------------------------------------------------------------------ staff: cards, rotation

def staff_code(staff, person_id, at=None):
    person = get_in_scope(Person, staff, person_id)
    return person, _require_active(person, at or now())


def _card(code):
    return printed.PrintedCode(code.printed_version, code.printed_token_sealed)


def base_url():
    return current_app.config.get("CODES_BASE_URL") or request.host_url


def card_image(staff, person_id, fmt):
    """The printed card's QR image (its content is a URL of this service); audited."""
    _, code = staff_code(staff, person_id)
    content = printed.code_url(base_url(), _card(code))
    record("code.card_printed", "person_code", code.id,
           details={"format": fmt, "version": code.printed_version})
    return qr_png(content) if fmt == "png" else qr_svg(content)


def wxa_image(staff, person_id, gateway):
    """The WeChat mini-program code of the card: fetched once per printed version, cached."""
    _, code = staff_code(staff, person_id)
    cached = code.wxa_version == code.printed_version and code.wxa_image_sealed
    if not cached:
        # Keep an issuance made on the way, and hold no row lock while WeChat answers.
        db.session.commit()
        try:
            image = gateway.get_wxa_code_unlimited(
                scene=printed.scene_of(_card(code)),
                page=current_app.config.get("CODES_WXA_PAGE"))
        except WeChatError:
            raise UpstreamError("code.wechat_unavailable", _l("微信小程序码暂时无法生成，请稍后再试"))
        code.wxa_image_sealed = base64.b64encode(image).decode()
        code.wxa_version = code.printed_version
        db.session.flush()
    record("code.card_printed", "person_code", code.id,
           details={"format": "wxa", "version": code.printed_version,
                    "cached": bool(cached)})
    return base64.b64decode(code.wxa_image_sealed)


def rotate_code(staff, person_id, version=None, at=None):
    """Lost card: a new printed version; the old card and every device stop at once.

    Compare-and-set on the printed version: `version` (the card being replaced, as the
    caller saw it), else the version read here. Of concurrent rotations of one card exactly
    one wins; the others get 409 code.state_changed and can look at the new card."""
    at = at or now()
    person, code = staff_code(staff, person_id, at)
    old, old_hash = code.printed_version, code.printed_token_hash
    if version is not None and version != old:
        raise _state_changed(old)
    card = printed.new_printed_code(old + 1)
    if not guarded_update(code, {"printed_version": old}, {
            "printed_version": old + 1, "printed_token_hash": card.token_hash,
            "printed_token_sealed": card.token, "wxa_image_sealed": None, "wxa_version": None}):
        raise _state_changed(old)
    db.session.add(RetiredPrintedToken(code_id=code.id, token_hash=old_hash, version=old,
                                       reason="rotated", retired_at=at))
    _revoke_devices(code, "rotated", at)
    db.session.flush()
    record("code.rotated", "person_code", code.id,
           details={"old_version": old, "version": code.printed_version})
    return code


def _state_changed(seen):
    return Conflict("code.state_changed", _l("就业服务码刚被更换过，请刷新后查看新卡片"),
                    {"version_seen": seen})


# ------------------------------------------------------------------ resolving a scan

def _verified_dynamic(text, at, staff_region, today):
    try:
        drawn = dynamic.parse_code(text)
    except dynamic.DynamicCodeError:
        raise CodeRefused("malformed")
    row = scan_row("dynamic", drawn.device_id, staff_region, today)
    if row is None:
        raise CodeRefused("not_found")
    try:
        dynamic.verify_code(drawn, row.device_secret, at.timestamp())
    except dynamic.DynamicCodeError as exc:
        if exc.reason == "forged":
            raise CodeRefused("forged", row.code_id)
        expired = exc.reason
    else:
        expired = None
    if row.device_revoked_at is not None:
        raise CodeRefused("rotated" if row.device_revoked_reason == "rotated" else "revoked",
                          row.code_id)
    if expired:
        raise CodeRefused(expired, row.code_id)
    return row


def _verified_printed(text, staff_region, today):
    try:
        card = printed.parse_printed(text)
    except printed.PrintedCodeError:
        raise CodeRefused("malformed")
    digest = card.token_hash
    row = scan_row("printed", digest, staff_region, today)
    if row is not None:
        if row.printed_version != card.version:
            raise CodeRefused("forged", row.code_id)
        return row
    retired = db.session.scalar(select(RetiredPrintedToken).where(
        RetiredPrintedToken.token_hash == digest))
    if retired is None:
        raise CodeRefused("not_found")
    if retired.version != card.version:
        raise CodeRefused("forged", retired.code_id)
    raise CodeRefused(retired.reason, retired.code_id)


def resolve(staff, content, purpose, profile=None, at=None):
    """A staff scan. Staff of the person's region subtree get the masked profile, made by
    `profile(row)` from the scan row (default: the `profile_of` dict); anyone else only the
    referral card. Every resolve, refusals included, is audited.

    One statement reads the code, the person, the live certification, the scope and what
    the profile shows (app.codes.scan); the checks run on that row, in the order of the
    refusals' precedence: the code's form and signature, the device's or card's rotation
    and revocation, the code's status, the live certification."""
    at = at or now()
    today = local_today()
    text = content.strip()
    form = "dynamic" if text.startswith(dynamic.PREFIX + ".") else "printed"
    try:
        if form == "dynamic":
            row = _verified_dynamic(text, at, staff.region_code, today)
        else:
            row = _verified_printed(text, staff.region_code, today)
        if row.code_status != "active":
            raise CodeRefused("revoked", row.code_id)
        if not row.certified:  # exited since the last sync: stop the code now
            revoke_code(db.session.get(PersonalCode, row.code_id), at)
            raise CodeRefused("revoked", row.code_id)
    except CodeRefused as refused:
        record("code.resolve", "person_code", refused.code_id, result="refused",
               details={"purpose": purpose, "form": form, "reason": refused.reason})
        db.session.commit()
        raise refused.error()
    result = {"form": form, "purpose": purpose}
    if row.in_scope:
        make = profile or (lambda r: profile_of(r.id, today, r))
        result.update(view="profile", profile=make(row))
    else:
        result.update(view="referral", referral=referral_card(row.residence_region_code))
    # Last: the audit chain's head row stays locked from here to the commit, so nothing
    # slow may run after it.
    record("code.resolve", "person_code", row.code_id,
           details={"purpose": purpose, "form": form, "view": result["view"]})
    return result


def referral_card(region_code):
    """Which station serves this person: public office data only, never the person's."""
    stations = stations_serving(region_code, limit=3)  # community, township, county
    return {"stations": stations,
            "message": _l("此人不在您的辖区，请引导其到以下服务站办理")}


def profile_of(person_id, today=None, row=None):
    """The masked profile a staff member of the person's subtree sees after a scan.
    `row`: the scan's row (app.codes.scan) when the scan has read it."""
    from .overview import person_policies  # the policy evaluation, shared with the self view
    today = today or local_today()
    if row is None:
        row = scan_row("person", person_id, None, today)
    person = ScannedPerson(row)
    # Live when the scan checked; should an exit land in between, show the latest one.
    certification = next((c for c in person.certifications
                          if c.status == CertificationStatus.ACTIVE),
                         person.certifications[-1])
    region_name = person.region_name
    if region_name is None:
        region_name = get_region(person.residence_region_code).name  # 404 region.not_found
    policies = person_policies(person, today, row)
    tasks = [{"kind": "application", "id": a.id, "status": a.status}
             for a in person.open_applications]
    if certification.next_recheck_on <= today:
        tasks.append({"kind": "recheck_due", "id": certification.id,
                      "status": certification.next_recheck_on.isoformat()})
    for clock in policies["expiring"]:
        tasks.append({"kind": "benefit_ending", "id": None, "status": clock["policy"]})
    return {
        "person_id": person.id, "name": mask_name(person.name),
        "id_number": mask_id_number(person.id_number), "gender": person.gender,
        "birth_year": person.birth_date.year,
        "residence_region_code": person.residence_region_code,
        "residence_region_name": region_name,
        "contacts": {"phone": mask_phone(person.phone)},
        "employment_status": person.employment_status, "education": person.education,
        "skills": list(person.skills or []), "wants": list(person.wants or []),
        "categories": sorted(certification.categories),
        "certification": certification,
        "recommendations": [r for r in policies["results"] if r["status"] == "eligible"],
        "open_tasks": tasks,
        "case": person.case,
    }
