"""What a staff scan reads, in one statement.

A scan needs the code (by the printed token's hash or the dynamic code's device), the
person, whether a certification is live, whether the person lies in the scanning staff
member's subtree (region_closure), the catalog in force, and for the profile the person's
certifications, benefits, household with its members, open applications and open case.
`scan_row` reads all of it in one round trip: the person's own columns as columns (their
types decrypt them), the lists as JSON arrays of arrays (one correlated subquery each, at
most a few rows), which `ScannedPerson` turns into the shapes build_facts reads.

The statements are built once per (database kind, lookup) and executed with bound values:
building a select of this size per request would cost more than running it.
"""
import json
from datetime import date, datetime

from sqlalchemy import Date, bindparam, exists, func, literal_column, select

from app.accounts.models import StaffAccount
from app.certification.models import Application, Certification
from app.certification.workflow import OPEN, CertificationStatus
from app.core.clock import as_utc
from app.core.models import Region, RegionClosure
from app.core.stations import Station
from app.core.types import field_cipher
from app.extensions import db
from app.people.models import Household, HouseholdMember, Person
from app.policies.models import Benefit
from app.policies.services import catalog_in_force_columns
from app.tracking.cases import OPEN as CASE_OPEN
from app.tracking.models import Case, FollowUp, Task
from app.tracking.plans import load_plans, plan_of

from .models import CodeDevice, PersonalCode

# The person's columns a profile and build_facts read (not the identity indexes).
PERSON_COLUMNS = (
    "id", "revision", "name", "id_number", "phone", "gender", "birth_date",
    "residence_region_code", "household_id", "urban_resident", "residence_since",
    "employment_status", "registered_unemployed", "unemployment_registered_on",
    "social_insurance_months", "unemployment_insured", "sensitive_sealed", "land_lost",
    "land_compensation_monthly", "graduate_left_on", "ever_employed", "education", "skills",
    "trades_trained", "skill_certificates", "wants", "business_registered_on", "business_kind",
    "in_startup_training", "in_vocational_training", "passed_skill_evaluation_on",
    "public_welfare_placements")
# Rows of the lists, as JSON arrays in this column order.
CERTIFICATION_COLUMNS = ("id", "region_code", "categories", "status", "starts_on",
                         "next_recheck_on", "exited_on")
BENEFIT_COLUMNS = ("id", "policy", "starts_on", "ends_on")
MEMBER_COLUMNS = ("id", "person_id", "relation", "details_sealed", "employment_status",
                  "registered_unemployed", "able_to_work", "willing_to_work")
# The open case as its own view shows it (app.tracking.mine.case_view_of): the case with its
# staff member's name and station, its open help requests, the next follow-up.
CASE_COLUMNS = ("id", "staff_name", "station_id", "station_name", "station_phone", "needs")
TASK_COLUMNS = ("id", "case_id", "person_id", "region_code", "staff_id", "kind", "origin",
                "title", "status", "due_on", "deadline_estimated", "escalated_to", "outcome",
                "completed_at")
FOLLOW_UP_COLUMNS = ("id", "hire_id", "stage", "due_on", "status", "still_employed",
                     "difficulties")
JSON_COLUMNS = {"categories", "needs"}  # JSON-typed columns inside a row

_statements = {}


def _array(dialect, cols):
    """One row as a JSON array."""
    if dialect == "postgresql":
        return func.json_build_array(*cols)
    # SQLite: a JSON text column goes in as JSON, not as a string
    return func.json_array(*[func.json(c) if c.name in JSON_COLUMNS else c for c in cols])


def _rows(dialect, table, columns, where):
    """A correlated scalar subquery: the matching rows of `table` as a JSON array of arrays
    (NULL when none on PostgreSQL, '[]' on SQLite)."""
    row = _array(dialect, [table.c[name] for name in columns])
    agg = func.json_agg(row) if dialect == "postgresql" else func.json_group_array(row)
    return select(agg).where(where).scalar_subquery()


def _case_columns(dialect, person):
    case, task, follow_up = Case.__table__, Task.__table__, FollowUp.__table__
    staff, station = StaffAccount.__table__, Station.__table__
    open_case = (case.c.person_id == person.c.id) & (case.c.status == CASE_OPEN)
    the_case = (select(_array(dialect, [
        case.c.id, staff.c.display_name.label("staff_name"), station.c.id.label("station_id"),
        station.c.name.label("station_name"), station.c.phone.label("station_phone"),
        case.c.needs]))
        .select_from(case.outerjoin(staff, staff.c.id == case.c.staff_id)
                     .outerjoin(station, station.c.id == case.c.station_id))
        .where(open_case).limit(1).scalar_subquery())
    requests = _rows(dialect, task, TASK_COLUMNS, (task.c.person_id == person.c.id)
                     & (task.c.kind == "help_request") & (task.c.status == "open")
                     & task.c.case_id.in_(select(case.c.id).where(open_case)))
    next_follow_up = (select(_array(dialect, [follow_up.c[n] for n in FOLLOW_UP_COLUMNS]))
                      .where(follow_up.c.person_id == person.c.id,
                             follow_up.c.status.in_(_constants(("scheduled", "due"))))
                      .order_by(follow_up.c.due_on, follow_up.c.id).limit(1).scalar_subquery())
    return [the_case.label("case_json"), requests.label("case_requests_json"),
            next_follow_up.label("case_follow_up_json")]


def _constants(values):
    """Our own constant strings as SQL literals: an IN list of bound values would be
    expanded into the statement's text again on every execution."""
    return [literal_column(f"'{value}'") for value in sorted(values)]


def _build(dialect, lookup):
    person = Person.__table__
    today = bindparam("today", type_=Date)
    live = exists().where(Certification.person_id == person.c.id,
                          Certification.status == CertificationStatus.ACTIVE)
    in_scope = exists().where(RegionClosure.ancestor_code == bindparam("staff_region"),
                              RegionClosure.descendant_code == person.c.residence_region_code)
    columns = [person.c[name] for name in PERSON_COLUMNS] + [
        Region.name.label("region_name"), Household.registered_size.label("household_size"),
        Household.business_income.label("household_business_income"),
        live.label("certified"), in_scope.label("in_scope"), *catalog_in_force_columns(today),
        _rows(dialect, Certification.__table__, CERTIFICATION_COLUMNS,
              Certification.person_id == person.c.id).label("certifications_json"),
        _rows(dialect, Benefit.__table__, BENEFIT_COLUMNS,
              Benefit.person_id == person.c.id).label("benefits_json"),
        _rows(dialect, HouseholdMember.__table__, MEMBER_COLUMNS,
              HouseholdMember.household_id == person.c.household_id).label("members_json"),
        _rows(dialect, Application.__table__, ("id", "status"),
              (Application.person_id == person.c.id)
              & Application.status.in_(_constants(s.value for s in OPEN))).label("open_apps_json"),
        *_case_columns(dialect, person)]
    joined = person.outerjoin(Region, Region.code == person.c.residence_region_code) \
        .outerjoin(Household, Household.id == person.c.household_id)
    if lookup == "person":
        return select(*columns).select_from(joined).where(person.c.id == bindparam("person_id"))
    code_columns = [PersonalCode.id.label("code_id"), PersonalCode.status.label("code_status"),
                    PersonalCode.printed_version]
    if lookup == "printed":
        return (select(*code_columns, *columns)
                .select_from(PersonalCode.__table__.join(joined, PersonalCode.person_id == person.c.id))
                .where(PersonalCode.printed_token_hash == bindparam("digest")))
    device = CodeDevice.__table__
    return (select(*code_columns, device.c.secret.label("device_secret"),
                   device.c.revoked_at.label("device_revoked_at"),
                   device.c.revoked_reason.label("device_revoked_reason"), *columns)
            .select_from(device.join(PersonalCode.__table__, PersonalCode.id == device.c.code_id)
                         .join(joined, PersonalCode.person_id == person.c.id))
            .where(device.c.device_id == bindparam("device_id")))


def scan_row(lookup, key, staff_region, today):
    """The row of a scan: `lookup` printed (key: the token's hash), dynamic (key: the device
    id) or person (key: the person id). None when nothing matches."""
    dialect = db.session.get_bind().dialect.name
    statement = _statements.get((dialect, lookup))
    if statement is None:
        statement = _statements[(dialect, lookup)] = _build(dialect, lookup)
    name = {"printed": "digest", "dynamic": "device_id", "person": "person_id"}[lookup]
    return db.session.execute(statement, {name: key, "staff_region": staff_region,
                                          "today": today}).first()


def _list(value):
    """A JSON array column: parsed by the driver (PostgreSQL) or text (SQLite); NULL is []."""
    if value is None:
        return []
    return json.loads(value) if isinstance(value, str) else value


def _day(value):
    return None if value is None else date.fromisoformat(value)


def _flag(value):
    return None if value is None else bool(value)


def _moment(value):
    return None if value is None else as_utc(datetime.fromisoformat(value))


def _plans():
    """The help plans in force (read from their file once per process)."""
    global _PLANS
    if _PLANS is None:
        _PLANS = load_plans()
    return _PLANS


_PLANS = None


def _case(values):
    """The open case as case_view_of gives it, or None."""
    case = _list(values["case_json"])
    if not case:
        return None
    case_id, staff_name, station_id, station_name, station_phone, needs = case
    requests = sorted((Record(**dict(zip(TASK_COLUMNS, t))) for t in
                       _list(values["case_requests_json"])), key=lambda t: t.id)
    for task in requests:
        task.due_on, task.completed_at = _day(task.due_on), _moment(task.completed_at)
        task.deadline_estimated = _flag(task.deadline_estimated)
    follow_up = _list(values["case_follow_up_json"])
    if follow_up:
        follow_up = Record(**dict(zip(FOLLOW_UP_COLUMNS, follow_up)))
        follow_up.due_on = _day(follow_up.due_on)
        follow_up.still_employed = _flag(follow_up.still_employed)
    return {"id": case_id, "staff_name": staff_name,
            "station": None if station_id is None else {
                "id": station_id, "name": station_name, "phone": station_phone},
            "needs": plan_of(_plans(), needs or []), "open_requests": requests,
            "next_follow_up": follow_up or None}


class Record:
    """A plain object with the given attributes (a certification, benefit, member)."""

    def __init__(self, **values):
        self.__dict__.update(values)


class ScannedHousehold:
    def __init__(self, registered_size, business_income, members):
        self.registered_size, self.business_income = registered_size, business_income
        self.members = members


class ScannedPerson:
    """The person of a scan row, shaped like a Person for build_facts and the profile:
    the person's columns, `certifications` (by id), `benefits` (by start), `household`
    (with `members`), plus `open_applications` and `case` (the open case's view)."""

    def __init__(self, row):
        values = row._mapping
        for name in PERSON_COLUMNS:
            setattr(self, name, values[name])
        self.region_name = values["region_name"]
        self.sensitive = json.loads(self.sensitive_sealed) if self.sensitive_sealed else {}
        self.certifications = sorted(
            (Record(id=c[0], region_code=c[1], categories=c[2], status=c[3],
                    starts_on=_day(c[4]), next_recheck_on=_day(c[5]), exited_on=_day(c[6]))
             for c in _list(values["certifications_json"])), key=lambda c: c.id)
        self.benefits = sorted(
            (Record(id=b[0], policy=b[1], start=_day(b[2]), end=_day(b[3]))
             for b in _list(values["benefits_json"])), key=lambda b: (b.start, b.id))
        self.household = None
        if self.household_id is not None:
            cipher = field_cipher()
            members = []
            for m in sorted(_list(values["members_json"]), key=lambda m: m[0]):
                details = json.loads(cipher.decrypt(m[3]))
                born = details.get("birth_date")
                members.append(Record(
                    id=m[0], person_id=m[1], relation=m[2], name=details.get("name"),
                    gender=details.get("gender"), birth_date=_day(born) if born else None,
                    employment_status=m[4], registered_unemployed=_flag(m[5]),
                    able_to_work=_flag(m[6]), willing_to_work=_flag(m[7])))
            self.household = ScannedHousehold(values["household_size"],
                                        values["household_business_income"], members)
        self.open_applications = sorted(
            (Record(id=a[0], status=a[1]) for a in _list(values["open_apps_json"])),
            key=lambda a: a.id)
        self.case = _case(values)

    dibao = property(lambda self: self.sensitive.get("dibao"))
    disability_certificate = property(lambda self: self.sensitive.get("disability_certificate"))
    disability_level = property(lambda self: self.sensitive.get("disability_level"))
    disability_type = property(lambda self: self.sensitive.get("disability_type"))
