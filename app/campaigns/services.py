"""Campaign operations: create (API), expand into the outbox (CLI), counts, holidays.

Expansion is set-based and resumable: each batch is one transaction that locks the
campaign row, bounds the next `batch_size` recipients by person id after the cursor,
INSERTs their messages with one INSERT ... SELECT (ON CONFLICT (dedupe_key) DO NOTHING),
and moves the cursor. A crash rolls back the open batch only; running again continues from
the cursor, and the dedupe keys `campaign:<id>:<person_account_id>` make a repeated batch
insert nothing.
"""
import json
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Integer, String, Text, cast, func, literal, select

from app.audit.services import record
from app.core.clock import utcnow
from app.core.errors import NotFound, ValidationFailed
from app.core.models import get_in_scope, is_within, subtree_codes
from app.core.types import UTCDateTime, field_cipher
from app.extensions import db
from app.wechat.models import MessageStatus, PushMessage
from app.wechat.services import ERROR_MESSAGES, PAYLOAD_VERSION, catalog
from app.wechat.sqlutil import dialect_insert
from app.wechat.templates import MessageDataError

from . import holidays
from .models import Campaign, CampaignStatus, PersonStatus
from .segment import PERSONS, recipients

CATEGORIES = ("older", "disabled", "zero_employment_household", "land_lost",
              "long_term_unemployed", "graduate")
WANTS = ("job", "startup", "training")
MAX_WINDOW = timedelta(days=92)
DEFAULT_BATCH = 5000
MESSAGES = PushMessage.__table__


def _render(kind, values, campaign_id):
    try:
        return catalog().render(kind, values, {"id": campaign_id})
    except MessageDataError as exc:
        raise ValidationFailed(exc.code, ERROR_MESSAGES[exc.code], exc.details) from None


def _check_segment(staff, region_code, person_status, category, wants):
    if not is_within(region_code, staff.region_code):
        # Outside the sender's subtree (or unknown): never confirm the region exists.
        raise NotFound("campaign.region_not_found", _l("地区不存在或不在您的管辖范围内"))
    if category is not None and person_status == PersonStatus.ANY:
        raise ValidationFailed("campaign.category_needs_status",
                               _l("按人员类别筛选时须选择认定状态"))


def create_campaign(staff, *, title, kind, values, region_code, not_before, not_after,
                    person_status=PersonStatus.CERTIFIED, category=None, wants=None,
                    holiday=None, now=None):
    """Create a campaign for the segment; the outbox is filled later by `expand_campaign`.

    Refuses (4xx): a region outside the caller's subtree (404), an unknown kind or values
    that do not fit its template (422, push.*), a window that is empty, already over or
    longer than MAX_WINDOW (422), a segment that matches nobody (422 campaign.empty_segment).
    """
    now = now or utcnow()
    _check_segment(staff, region_code, person_status, category, wants)
    if catalog().get(kind) is None:
        raise ValidationFailed("push.unknown_kind", ERROR_MESSAGES["push.unknown_kind"],
                               {"kind": kind})
    _render(kind, values, 1)  # values checked now, so the expansion cannot fail on them
    if not_after <= not_before or not_after <= now:
        raise ValidationFailed("campaign.invalid_window", _l("发送时间窗口不正确"))
    if not_after - not_before > MAX_WINDOW:
        raise ValidationFailed("campaign.window_too_long", _l("发送时间窗口过长"),
                               {"max_days": MAX_WINDOW.days})
    matched = db.session.scalar(select(func.count()).select_from(
        recipients(region_code, person_status, category, wants).subquery()))
    if not matched:
        raise ValidationFailed("campaign.empty_segment", _l("该条件下没有可以接收消息的人员"))
    campaign = Campaign(title=title, kind=kind, values=values, region_code=region_code,
                        category=category, wants=wants, person_status=person_status,
                        not_before=not_before, not_after=not_after, holiday=holiday,
                        status=CampaignStatus.SCHEDULED, cursor_person_id=0,
                        matched_at_creation=matched, enqueued=0,
                        created_by_staff_id=staff.id, created_at=now, updated_at=now)
    db.session.add(campaign)
    db.session.flush()
    record("campaign.created", "campaign", campaign.id, details={
        "kind": kind, "region_code": region_code, "person_status": str(person_status),
        "category": category, "wants": wants, "matched": matched,
        "not_before": not_before.isoformat(), "not_after": not_after.isoformat()})
    return campaign


def list_campaigns(staff, page=1, per_page=20):
    """Campaigns whose segment lies within the caller's subtree, newest first."""
    scope = Campaign.region_code.in_(subtree_codes(staff.region_code))
    total = db.session.scalar(select(func.count()).select_from(Campaign).where(scope))
    items = db.session.scalars(select(Campaign).where(scope)
                               .order_by(Campaign.id.desc())
                               .limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": [with_counts(c) for c in items], "total": total, "page": page,
            "per_page": per_page}


def get_campaign(staff, campaign_id):
    return with_counts(get_in_scope(Campaign, staff, campaign_id))


NO_QUOTA_REASONS = ("no_quota", "no_quota_no_phone", "wechat_43101")


def campaign_counts(campaign_id):
    """Message counts of a campaign, from its outbox rows.

    queued (incl. being sent), sent (by any channel), sms_fallback (sent by SMS instead of
    WeChat), no_quota (had no WeChat subscription left, whatever happened next), failed,
    unknown (a worker died mid-send), expired (window closed before sending), total.
    """
    rows = db.session.execute(
        select(MESSAGES.c.status, MESSAGES.c.channel, MESSAGES.c.fallback_reason,
               MESSAGES.c.last_error, func.count())
        .where(MESSAGES.c.campaign_id == campaign_id)
        .group_by(MESSAGES.c.status, MESSAGES.c.channel, MESSAGES.c.fallback_reason,
                  MESSAGES.c.last_error)).all()
    counts = dict.fromkeys(("queued", "sent", "sms_fallback", "no_quota", "failed", "unknown",
                            "expired", "total"), 0)
    for status, channel, reason, error, n in rows:
        counts["total"] += n
        if status in (MessageStatus.QUEUED, MessageStatus.SENDING):
            counts["queued"] += n
        elif status in counts:
            counts[status] += n
        if status == MessageStatus.SENT and channel == "sms":
            counts["sms_fallback"] += n
        if reason in NO_QUOTA_REASONS or error in NO_QUOTA_REASONS:
            counts["no_quota"] += n
    return counts


def with_counts(campaign):
    campaign.counts = campaign_counts(campaign.id)
    return campaign


def holiday_nodes(year):
    try:
        return holidays.holiday_nodes(year)
    except ValueError:
        raise ValidationFailed("campaign.year_out_of_range", _l("年份超出范围"),
                               {"min": holidays.MIN_YEAR, "max": holidays.MAX_YEAR}) from None


# ---------------------------------------------------------------------- expansion


def due_campaigns(now=None):
    """Ids of campaigns to expand (window open) or to close (window over)."""
    now = now or utcnow()
    return db.session.scalars(
        select(Campaign.id)
        .where(Campaign.status.in_([CampaignStatus.SCHEDULED, CampaignStatus.EXPANDING]),
               Campaign.not_before <= now)
        .order_by(Campaign.id)).all()


def _payload(campaign):
    rendered = _render(campaign.kind, campaign.values, campaign.id)
    text = json.dumps({"v": PAYLOAD_VERSION, "data": rendered.data,
                       "sms": rendered.sms_params}, ensure_ascii=False)
    # Encrypted once: every message of the campaign carries the same (non-personal) text.
    return field_cipher().encrypt(text), rendered.page


def expand_batch(campaign_id, batch_size=DEFAULT_BATCH, now=None):
    """Queue the next batch of a campaign in one transaction; returns rows inserted, or
    None when the campaign is done (all queued, or its window closed). Commits."""
    now = now or utcnow()
    campaign = db.session.scalar(select(Campaign).where(Campaign.id == campaign_id)
                                 .with_for_update())
    if campaign is None or campaign.status not in (CampaignStatus.SCHEDULED,
                                                   CampaignStatus.EXPANDING):
        db.session.rollback()
        return None
    if now >= campaign.not_after:
        _finish(campaign, CampaignStatus.EXPIRED, now)
        return None
    segment = recipients(campaign.region_code, campaign.person_status, campaign.category,
                         campaign.wants)
    window = segment.where(PERSONS.c.id > campaign.cursor_person_id) \
        .order_by(PERSONS.c.id).limit(batch_size).subquery()
    upper = db.session.scalar(select(func.max(window.c.id)))
    if upper is None:
        _finish(campaign, CampaignStatus.QUEUED, now)
        return None
    payload, page = _payload(campaign)
    start = max(now, campaign.not_before)
    rows = segment.where(PERSONS.c.id > campaign.cursor_person_id, PERSONS.c.id <= upper) \
        .with_only_columns(
            literal(f"campaign:{campaign.id}:") + cast(PERSONS.c.person_account_id, String),
            literal(campaign.kind), PERSONS.c.person_account_id,
            literal(catalog().get(campaign.kind).template_id), literal(page, String),
            literal(payload, Text), literal(str(MessageStatus.QUEUED)), literal("wechat"),
            literal(False, Boolean), literal(0, Integer), literal(0, Integer),
            literal(start, UTCDateTime()), literal(campaign.not_after, UTCDateTime()),
            literal(campaign.id, Integer), literal(now, UTCDateTime()),
            literal(now, UTCDateTime()))
    columns = ["dedupe_key", "kind", "person_account_id", "template_id", "page", "payload",
               "status", "channel", "quota_held", "attempt_count", "channel_attempts",
               "next_attempt_at", "expires_at", "campaign_id", "created_at", "updated_at"]
    stmt = dialect_insert(db.session.get_bind(), MESSAGES).from_select(columns, rows) \
        .on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(MESSAGES.c.id)
    # RETURNING, not rowcount: drivers disagree on rowcount for INSERT ... SELECT.
    inserted = len(db.session.execute(stmt).all())
    first = campaign.status == CampaignStatus.SCHEDULED
    campaign.cursor_person_id = upper
    campaign.enqueued += inserted
    campaign.status = CampaignStatus.EXPANDING
    campaign.updated_at = now
    if first:
        record("campaign.expansion_started", "campaign", campaign.id,
               details={"batch_size": batch_size})
    db.session.commit()
    return inserted


def _finish(campaign, status, now):
    campaign.status = status
    campaign.expanded_at = now
    campaign.updated_at = now
    record("campaign.expanded" if status == CampaignStatus.QUEUED else "campaign.expired",
           "campaign", campaign.id,
           details={"enqueued": campaign.enqueued, "status": str(status)})
    db.session.commit()


def expand_campaign(campaign_id, batch_size=DEFAULT_BATCH, now=None):
    """Expand one campaign to the end (or until its window closes); returns rows inserted."""
    total = 0
    while True:
        inserted = expand_batch(campaign_id, batch_size, now=now)
        if inserted is None:
            return total
        total += inserted


def run_due(batch_size=DEFAULT_BATCH, now=None):
    """Expand every due campaign; returns {campaign id: rows inserted}."""
    return {cid: expand_campaign(cid, batch_size, now=now) for cid in due_campaigns(now)}
