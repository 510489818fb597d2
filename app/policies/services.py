"""Catalog versions in the database, the compiled-catalog cache, and the operations the API
calls: which catalog is in force, publishing a version, showing and evaluating policies."""
from collections import OrderedDict
from threading import Lock

from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.accounts.roles import has_permission
from app.audit.services import record
from app.core.clock import local_today
from app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.core.i18n import N_, Text, render_all
from app.core.regions import get_region
from app.core.stations import StationKind, stations_serving
from app.extensions import db
from app.people.models import Household, Person
from app.rules.loader import SourceError, load_source

from .catalog import CatalogError, compile_document
from .engine import benefits_ending_within, evaluate, gives_text, show_amount
from .models import PolicyVersion
from .vocabulary import AMOUNT_BASES, BENEFICIARIES, CHANNELS, DEPARTMENTS, PLACES

# What build_facts reads of a person, loaded with the person in one statement: the household
# with its members, the certifications and the benefits come joined (a few rows each, so
# the joined product stays small) instead of a lazy statement per collection. Use with
# `.unique()` on the result. Lives here, the lowest area that sees all three relationships.
FACTS_LOADS = (joinedload(Person.household).joinedload(Household.members),
               joinedload(Person.certifications), joinedload(Person.benefits))

CACHE_SIZE = 8
_cache = OrderedDict()  # checksum -> Catalog: compiled once per version, not per request
_cache_lock = Lock()


def _compiled(row_id, checksum):
    with _cache_lock:
        catalog = _cache.get(checksum)
        if catalog is not None:
            _cache.move_to_end(checksum)
            return catalog
    document = db.session.scalar(select(PolicyVersion.document).where(PolicyVersion.id == row_id))
    catalog = compile_document(document)
    with _cache_lock:
        _cache[checksum] = catalog
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return catalog


def clear_cache():
    with _cache_lock:
        _cache.clear()


def _in_force(on):
    return (select(PolicyVersion.id, PolicyVersion.checksum, PolicyVersion.effective_to)
            .where(PolicyVersion.effective_from <= on)
            .order_by(PolicyVersion.effective_from.desc()).limit(1))


def compiled_catalog(row, on):
    """The compiled catalog of a row (id, checksum, effective_to) of the version in force on
    `on`, read by catalog_in_force or within a caller's own query (catalog_in_force_columns);
    404 policies.no_catalog when there is none."""
    if row is None or row[0] is None or (row[2] is not None and row[2] < on):
        raise NotFound("policies.no_catalog", _l("该日期没有生效的政策目录"), {"on": on.isoformat()})
    return _compiled(row[0], row[1])


def catalog_in_force(on=None):
    """The compiled catalog in force on `on` (default: today in Beijing time)."""
    on = on or local_today()
    return compiled_catalog(db.session.execute(_in_force(on)).first(), on)


def catalog_in_force_columns(on):
    """(id, checksum, effective_to) of the version in force on `on` as three labelled scalar
    subqueries, for a caller's own query: with compiled_catalog, no statement of its own.
    The id is a cache key part (published versions never change)."""
    query = _in_force(on)
    return (query.with_only_columns(PolicyVersion.id).scalar_subquery().label("catalog_id"),
            query.with_only_columns(PolicyVersion.checksum).scalar_subquery()
            .label("catalog_checksum"),
            query.with_only_columns(PolicyVersion.effective_to).scalar_subquery()
            .label("catalog_effective_to"))


def list_versions():
    return db.session.scalars(select(PolicyVersion).order_by(PolicyVersion.effective_from)).all()


def _refuse(version, issues):
    """Audit the refusal (committed, so it survives the error) and answer 422 with every
    issue, its message in the caller's language."""
    record("policy.version_publish", "policy_version", None, result="refused",
           details={"version": version[:32] if isinstance(version, str) else None,
                    "issues": len(issues), "codes": sorted({i["code"] for i in issues})})
    db.session.commit()
    raise ValidationFailed("policies.invalid_document", _l("政策规则文档有误，请按提示修改后重新发布"),
                           {"issues": render_all(issues, gettext)})


def _timeline_issues(catalog):
    """A new version may not start in the past, share a start day, or overlap a version
    with a declared end. An open-ended version simply ends where the next one starts."""
    issues = []
    if catalog.effective_from < local_today():
        issues.append({"path": "/effective_from", "line": None, "code": "rules.retroactive",
                       "message": Text(N_("生效日期不能早于今天：已作出的评估不能被追溯改变"))})
    new_end = catalog.effective_to
    rows = db.session.execute(select(PolicyVersion.version, PolicyVersion.effective_from,
                                     PolicyVersion.effective_to)).all()
    for row in rows:
        if row.version == catalog.version:
            issues.append({"path": "/version", "line": None, "code": "rules.duplicate_version",
                           "message": Text(N_("版本号“{version}”已经发布过"),
                                           version=row.version)})
        starts_inside_old = row.effective_from <= catalog.effective_from and \
            row.effective_to is not None and catalog.effective_from <= row.effective_to
        old_starts_inside = catalog.effective_from <= row.effective_from and \
            (new_end is None and row.effective_from == catalog.effective_from
             or new_end is not None and row.effective_from <= new_end)
        if starts_inside_old or old_starts_inside:
            issues.append({"path": "/effective_from", "line": None,
                           "code": "rules.overlapping_dates",
                           "message": Text(N_("生效期与已发布的版本“{version}”（{start} 至 {end}）重叠"),
                                           version=row.version, start=row.effective_from,
                                           end=row.effective_to or Text(N_("长期")))})
    return issues


def publish_version(caller, document=None, source=None):
    """Validate a rule document (a JSON object, or YAML/JSON text) and store it as a new
    catalog version. Refusals list every problem with its path (and line for text)."""
    if not has_permission(caller.role, "policy.publish"):
        raise Forbidden("auth.forbidden", _l("没有权限执行此操作"), {"permission": "policy.publish"})
    lines = None
    try:
        if source is not None:
            document, lines = load_source(source)
        catalog = compile_document(document, lines)
    except SourceError as exc:
        _refuse(None, [exc.issue])
    except CatalogError as exc:
        _refuse(document.get("version") if isinstance(document, dict) else None, exc.issues)
    issues = _timeline_issues(catalog)
    if issues:
        _refuse(catalog.version, issues)
    row = PolicyVersion(version=catalog.version, effective_from=catalog.effective_from,
                        effective_to=catalog.effective_to, document=document,
                        checksum=catalog.checksum, published_by=f"staff:{caller.id}")
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        # Another admin published the same version or start day a moment ago.
        raise Conflict("policies.version_conflict", _l("同一版本号或生效日期已被发布，请刷新后重试"))
    record("policy.version_publish", "policy_version", row.id,
           details={"version": row.version, "checksum": row.checksum,
                    "effective_from": row.effective_from.isoformat(),
                    "policies": len(catalog.policies)})
    with _cache_lock:
        _cache[catalog.checksum] = catalog
    return row


def get_policy(catalog, code):
    policy = catalog.by_code.get(code)
    if policy is None:
        raise NotFound("policies.not_found", _l("政策不存在"), {"code": code})
    return policy


NEAR_KINDS = {"own_station": (StationKind.DOORSTEP, StationKind.POST),
              "township_hall": (StationKind.TOWNSHIP_HALL,),
              "county_hall": (StationKind.COUNTY_HALL,)}


def stations_by_place(stations):
    """{place: [Station]}: `stations` (nearest first) sorted into the places of NEAR_KINDS."""
    return {place: [s for s in stations if s.kind in kinds] for place, kinds in NEAR_KINDS.items()}


def stations_near(region_code):
    """{place: [Station]} for the places a person can be sent to, nearest first: the
    stations of the region itself, then of its township, then of its banner/county."""
    if not region_code:
        return {}
    get_region(region_code)
    return stations_by_place(stations_serving(region_code))


def evaluate_facts(facts):
    """Evaluate a facts document (FACTS.md) against the catalog in force on facts.today.
    The results' texts are app.core.i18n.Text: EvaluationSchema writes them in the caller's
    language."""
    facts = dict(facts)
    if facts.get("today") is None:
        facts["today"] = local_today()
    for key in ("skills", "trades_trained", "skill_certificates", "wants", "categories",
                "benefits"):
        if facts.get(key) is None:
            facts[key] = []
    catalog = catalog_in_force(facts["today"])
    return {"catalog_version": catalog.version, "evaluated_on": facts["today"],
            "results": evaluate(catalog, facts),
            "expiring": benefits_ending_within(catalog, facts)}


# ---------------------------------------------------------------- what a person reads


def _label(table, code):
    return {"code": code, "label": gettext(table[code])}


def describe_policy(catalog, policy, region_code=None, with_steps=False):
    """A policy as shown to people: amounts for their region, labels in their language (gives
    and amounts as Text, written by the response schema) and, with steps, the real stations
    near `region_code` (their own station first)."""
    amounts = catalog.amounts_for(policy.code, region_code)
    described = {
        "code": policy.code, "name": policy.name, "summary": policy.summary,
        "who": policy.who, "beneficiary": policy.beneficiary,
        "beneficiary_label": gettext(BENEFICIARIES[policy.beneficiary]),
        "notice_ref": policy.notice_ref, "department": _label(DEPARTMENTS, policy.department),
        "partners": [_label(DEPARTMENTS, p) for p in policy.partners],
        "gives": gives_text(catalog, policy, region_code),
        "amounts": [{"key": a.key, "label": a.label, "value": a.value, "unit": a.unit,
                     "display": show_amount(a),
                     "basis": a.basis, "basis_label": gettext(AMOUNT_BASES[a.basis]),
                     "note": a.note, "region": a.region} for a in amounts.values()],
        "duration": {"text": policy.duration.text, "months": policy.duration.months,
                     "clock": policy.duration.pool},
    }
    if with_steps:
        near = stations_near(region_code)
        described["catalog_version"] = catalog.version
        described["steps"] = describe_steps(policy, near)
    return described


def department_of(policy):
    return _label(DEPARTMENTS, policy.department)


def describe_steps(policy, near):
    """The policy's service steps, each place with the real stations of `near`
    (stations_near of the person's region: their own station first)."""
    return [{
        "number": n, "title": step.title, "materials": list(step.materials),
        "where": [{"place": place, "label": gettext(PLACES[place]),
                   "stations": near.get(place, [])} for place in step.where],
        "channel": step.channel, "channel_label": gettext(CHANNELS[step.channel]),
        "time_limit": step.time_limit} for n, step in enumerate(policy.steps, 1)]


def describe_catalog(catalog, region_code=None):
    if region_code:
        get_region(region_code)
    return {"version": catalog.version, "title": catalog.title,
            "effective_from": catalog.effective_from, "effective_to": catalog.effective_to,
            "policies": [describe_policy(catalog, p, region_code) for p in catalog.policies]}
