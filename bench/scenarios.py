"""What `make bench` measures. Each scenario is a wrk Lua script; the first is the baseline.

Tokens for authenticated endpoints are minted up front, straight through the app's own
session service, and handed to wrk in the Lua file, so the load itself is pure HTTP.
"""
import json
import random
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text

DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/imjy_bench"
TOKENS = 200
CODE_PERSONS = 100  # certified persons with a personal code, for the code scenarios
MATCH_PERSONS = 100  # registered persons (with consent) whose job matches are asked for


@dataclass
class Scenario:
    name: str
    lua_file: Path
    baseline: bool = False


LUA_RANDOM_GET = """
math.randomseed(%(seed)d)
local paths = %(paths)s
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
"""

LUA_AUTH_GET = """
math.randomseed(%(seed)d)
local tokens = %(tokens)s
request = function()
  local headers = {}
  headers["Authorization"] = "Bearer " .. tokens[math.random(#tokens)]
  return wrk.format("GET", "%(path)s", headers)
end
"""


LUA_AUTH_POST = """
math.randomseed(%(seed)d)
local tokens = %(tokens)s
local bodies = %(bodies)s
request = function()
  local headers = {}
  headers["Authorization"] = "Bearer " .. tokens[math.random(#tokens)]
  headers["Content-Type"] = "application/json"
  return wrk.format("POST", "%(path)s", headers, bodies[math.random(#bodies)])
end
"""


def _lua_list(values):
    return "{" + ",".join(json.dumps(v) for v in values) + "}"


def _write(workdir, name, body):
    path = workdir / f"{name}.lua"
    path.write_text(body)
    return path


def _person_ids(conn, count):
    return [row[0] for row in conn.execute(text(
        "SELECT id FROM person_accounts TABLESAMPLE SYSTEM (1) LIMIT :n"), {"n": count})] or \
        [row[0] for row in conn.execute(text("SELECT id FROM person_accounts LIMIT :n"),
                                        {"n": count})]


def _person_tokens(database_url, ids):
    """Real sessions and tokens, minted by the service's own code."""
    from app import create_app
    from app.accounts.models import PersonAccount
    from app.accounts.sessions import start_session
    from app.extensions import db

    app = create_app("development", SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        tokens = [start_session("person", db.session.get(PersonAccount, i))["access_token"]
                  for i in ids]
        db.session.commit()
    return tokens


def _sample_ids(conn, table, count):
    return [row[0] for row in conn.execute(text(
        f"SELECT id FROM {table} TABLESAMPLE SYSTEM (1) LIMIT :n"), {"n": count})] or \
        [row[0] for row in conn.execute(text(f"SELECT id FROM {table} LIMIT :n"), {"n": count})]


OLDER_FACTS = {"urban_resident": True, "employment_status": "unemployed",
               "registered_unemployed": True, "social_insurance_months": 60,
               "education": "senior", "skills": ["电工"], "wants": ["job"], "ever_employed": True}


def _code_fixtures(database_url, count=CODE_PERSONS):
    """Certified persons with personal codes, made once through the app's own services
    (self registration, an application walked to certified, the code issued). Returns
    (person tokens, printed code contents, staff tokens of the persons' station)."""
    from datetime import date, timedelta

    from sqlalchemy import select

    from app import create_app
    from app.accounts.models import PersonAccount, StaffAccount
    from app.accounts.sessions import start_session
    from app.certification.certs import add_months, create_certification
    from app.certification.demo import PATHS, SEED
    from app.certification.services import submit_application, transition
    from app.certification.workflow import Status
    from app.certification.models import Certification
    from app.codes.models import PersonalCode
    from app.people.models import Person
    from app.codes.services import sync_code
    from app.core.clock import local_today
    from app.core.idnumber import check_char
    from app.extensions import db
    from app.people import services as people

    app = create_app("development", SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        today = local_today()
        staff = db.session.scalar(select(StaffAccount).where(StaffAccount.username == "station_xc"))
        consent = {"notice_version": app.config["PRIVACY_NOTICE_VERSION"],
                   "channel": "miniprogram"}
        commitment = {"accepted": True, "version": app.config["CERT_COMMITMENT_VERSION"]}
        # Persons with a live certification: a scan checks it, and others answer code.revoked.
        certified = select(Person.person_account_id).join(
            Certification, Certification.person_id == Person.id).where(
            Certification.status == "active", Person.person_account_id.is_not(None))
        accounts = db.session.scalars(select(PersonAccount).where(
            PersonAccount.openid.like("bench%"), PersonAccount.id.in_(certified))
            .order_by(PersonAccount.id).limit(count)).all()
        contents, tokens = [], []
        for i, account in enumerate(accounts):
            person = people.own_person(account, required=False)
            if person is None:
                first17 = f"150102{date(1970, 1, 1) + timedelta(days=i):%Y%m%d}031"
                facts = {**OLDER_FACTS, "residence_since": date(2010, 1, 1),
                         "unemployment_registered_on": add_months(today, -6)}
                person, _ = people.register_self(
                    account, name="测试", id_number=first17 + check_char(first17),
                    residence_region_code="150102001001", consent=consent, facts=facts)
                application = submit_application(staff, person, commitment=commitment,
                                                 categories=["older"])
                for action, target in PATHS[Status.CERTIFIED]:
                    values = {"decided_categories": ["older"]} \
                        if target == Status.CERTIFIED else None
                    transition(application, action, target, SEED, values=values)
                create_certification(application, today)
            code = sync_code(person, certified=True)
            contents.append(f"P{code.printed_version}.{code.printed_token_sealed}")
            tokens.append(start_session("person", account)["access_token"])
        staff_tokens = [start_session("staff", staff)["access_token"] for _ in range(4)]
        db.session.commit()
        assert db.session.scalar(select(db.func.count(PersonalCode.id))) >= len(contents)
        return tokens, contents, staff_tokens


def _registered_accounts(conn, count, seed=7):
    """Generated person accounts whose person is registered with a live consent (what job
    matching needs), spread over the counties: a sample of about 20,000 persons, then one
    account per county in turn."""
    from app.people.models import Purpose

    estimate = conn.execute(text(
        "SELECT reltuples FROM pg_class WHERE relname = 'persons'")).scalar() or 0
    percent = 100.0 if estimate <= 0 else min(100.0, max(0.1, 100.0 * 20_000 / estimate))
    rows = conn.execute(text(
        "SELECT p.person_account_id, left(p.residence_region_code, 6) "
        "FROM persons p TABLESAMPLE SYSTEM (:percent) REPEATABLE (:seed) "
        "JOIN person_accounts a ON a.id = p.person_account_id "
        "WHERE a.openid LIKE 'bench%' AND a.active AND EXISTS ("
        "  SELECT 1 FROM legal_bases b WHERE b.person_id = p.id AND b.purpose = :purpose"
        "  AND b.withdrawn_at IS NULL) ORDER BY p.id"),
        {"percent": percent, "seed": seed, "purpose": Purpose.CERTIFICATION.value}).all()
    by_county = defaultdict(list)
    for account_id, county in rows:
        by_county[county].append(account_id)
    rng = random.Random(seed)
    queues = [by_county[county] for county in sorted(by_county)]
    for queue in queues:
        rng.shuffle(queue)
    picked = []
    while queues and len(picked) < count:
        picked += [queue.pop() for queue in queues][: count - len(picked)]
        queues = [queue for queue in queues if queue]
    return picked


def _match_tokens(database_url, account_ids):
    """Sessions of persons the matching endpoint answers 200 for: each is checked with the
    endpoint's own guard (registered, consent not withdrawn) before its token is minted."""
    from app import create_app
    from app.accounts.models import PersonAccount
    from app.accounts.sessions import start_session
    from app.extensions import db
    from app.jobs.recommendations import registered_person

    app = create_app("development", SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        tokens = []
        for account_id in account_ids:
            account = db.session.get(PersonAccount, account_id)
            registered_person(account)  # raises 404/409 exactly as the endpoint would
            tokens.append(start_session("person", account)["access_token"])
        db.session.commit()
    return tokens


def prepare(database_url, workdir):
    engine = create_engine(database_url)
    with engine.connect() as conn:
        ids = _person_ids(conn, TOKENS)
        person_ids = _sample_ids(conn, "persons", 2000)
        match_ids = _registered_accounts(conn, MATCH_PERSONS)
    if not ids:
        raise SystemExit("no generated data: run `python -m bench.generate` first")
    tokens = _person_tokens(database_url, ids)
    code_tokens, printed, staff_tokens = _code_fixtures(database_url)
    match_tokens = _match_tokens(database_url, match_ids)
    resolve_bodies = [json.dumps({"content": c, "purpose": "employment_service"})
                      for c in printed]
    return [
        Scenario("baseline: 1 PK read", _write(workdir, "baseline", LUA_RANDOM_GET % {
            "seed": 1, "paths": _lua_list([f"/pk/{i}" for i in person_ids])}), baseline=True),
        Scenario("person: GET auth/wechat/me", _write(workdir, "person_me", LUA_AUTH_GET % {
            "seed": 2, "tokens": _lua_list(tokens), "path": "/api/v1/auth/wechat/me"})),
        Scenario("public: GET regions/150100", _write(workdir, "region", LUA_RANDOM_GET % {
            "seed": 3, "paths": _lua_list(["/api/v1/regions/150100"])})),
        Scenario("person: GET me/overview", _write(workdir, "me_overview", LUA_AUTH_GET % {
            "seed": 4, "tokens": _lua_list(code_tokens), "path": "/api/v1/me/overview"})),
        Scenario("staff: POST codes/resolve", _write(workdir, "codes_resolve", LUA_AUTH_POST % {
            "seed": 5, "tokens": _lua_list(staff_tokens), "bodies": _lua_list(resolve_bodies),
            "path": "/api/v1/codes/resolve"})),
        Scenario("person: GET matches/me", _write(workdir, "matches_me", LUA_AUTH_GET % {
            "seed": 6, "tokens": _lua_list(match_tokens), "path": "/api/v1/jobs/matches/me"})),
    ]


def has_dataset(database_url):
    with create_engine(database_url).connect() as conn:
        exists = conn.execute(text("SELECT to_regclass('public.person_accounts')")).scalar()
        return bool(exists) and conn.execute(
            text("SELECT EXISTS (SELECT 1 FROM person_accounts WHERE openid LIKE 'bench%')")).scalar()


def dataset_summary(database_url):
    with create_engine(database_url).connect() as conn:
        return {"person_accounts": conn.execute(text("SELECT count(*) FROM person_accounts")).scalar()}
