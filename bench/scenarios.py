"""What `make bench` measures. Each scenario is a wrk Lua script; the first is the baseline.

Tokens for authenticated endpoints are minted up front, straight through the app's own
session service, and handed to wrk in the Lua file, so the load itself is pure HTTP.
"""
import json
import os
import random
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import create_engine, text

DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/imjy_bench"
TOKENS = 200
CODE_PERSONS = 100  # certified persons with a personal code, for the code scenarios
MATCH_PERSONS = 100  # registered persons (with consent) whose job matches are asked for
# Application submit: every request files a new application of a distinct person, so the
# persons are prepared up front. By default enough for SUBMIT_RATE req/s over the whole run
# (well above what 2 cores reach), at most SUBMIT_MAX, and preparation stops after
# SUBMIT_PREPARE_SECONDS with what it has (a thread that runs out stops; see LUA_SUBMIT).
SUBMIT_RATE = 300
SUBMIT_MAX = 50_000
SUBMIT_PREPARE_SECONDS = float(os.environ.get("BENCH_SUBMIT_PREPARE_SECONDS", "120"))
# The two rows where every request is a different person (a station scans one person after
# another; a person opens the overview after their data changed): DISTINCT_RATE per second of
# the run, at most DISTINCT_MAX (BENCH_DISTINCT_PERSONS overrides). A thread that runs out
# starts its slice again, and the table then warns (those repeats may be cache hits).
DISTINCT_RATE = 600
DISTINCT_MAX = 30_000


@dataclass
class Scenario:
    name: str
    lua_file: Path
    baseline: bool = False
    # Requests sent once before the row (method, path, token, body): a "repeated" row then
    # measures views built before, by whichever worker, as its name says.
    warmup: tuple = ()
    # Run just before the row (after the warm-up): the first-view row changes its persons'
    # data here; bench.run then lets the overview builder catch up with those changes, as it
    # would between a change and the person's look.
    before: object = None


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


LUA_PAIRED_POST = """
math.randomseed(%(seed)d)
local tokens = %(tokens)s
local bodies = %(bodies)s
request = function()
  local i = math.random(#tokens)
  local headers = {}
  headers["Authorization"] = "Bearer " .. tokens[i]
  headers["Content-Type"] = "application/json"
  return wrk.format("POST", "%(path)s", headers, bodies[i])
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


# Each request submits the application of a new person: thread k of `slices` takes the k-th
# slice of the prepared persons (set by setup) and never reuses one, since a second submit of
# the same person is rightly refused (409). Each carries its own Idempotency-Key, as a client
# that may retry sends it, so the key's claim and record are part of what is measured.
# The persons are sized not to run out (SUBMIT_RATE). If a thread's slice does run out, it
# stops itself (the few requests it may still send go to /healthz) and done() says so; the
# row is then worthless: besides the idle rest of the run, the stopped thread's open
# connections hold gunicorn's sync workers, which block reading them.
LUA_SUBMIT = """
local slices = %(slices)d
local tokens, bodies = {}, {}
for line in io.lines("%(data)s") do
  local token, body = line:match("^([^\\t]+)\\t(.+)$")
  tokens[#tokens + 1] = token
  bodies[#bodies + 1] = body
end
local threads, made = {}, 0
function setup(thread)
  local size = math.floor(#tokens / slices)
  thread:set("first", made * size + 1)
  thread:set("last", (made + 1) * size)
  made = made + 1
  threads[#threads + 1] = thread
end
function init(args)
  nxt = first
end
request = function()
  if nxt > last then
    if not exhausted then
      exhausted = true
      wrk.thread:stop()
    end
    return wrk.format("GET", "/healthz")
  end
  local i = nxt
  nxt = nxt + 1
  local headers = {}
  headers["Authorization"] = "Bearer " .. tokens[i]
  headers["Content-Type"] = "application/json"
  headers["Idempotency-Key"] = "%(run)s-" .. i
  return wrk.format("POST", "%(path)s", headers, bodies[i])
end
function done(summary, latency, requests)
  local dry = 0
  for _, thread in ipairs(threads) do
    if thread:get("exhausted") then dry = dry + 1 end
  end
  if dry > 0 then
    io.write(string.format("bench: prepared persons ran out in %%d of %%d threads\\n",
                           dry, #threads))
  end
end
"""


# Every request a different prepared person, in order: thread k of `slices` takes the k-th
# slice of the lines `token<TAB>body` (body empty for a GET). A thread that runs out begins
# its slice again and done() says so, so the row is not taken for what it is not.
LUA_SEQUENCE = """
local slices = %(slices)d
local tokens, bodies = {}, {}
for line in io.lines("%(data)s") do
  local token, body = line:match("^([^\\t]+)\\t(.*)$")
  tokens[#tokens + 1] = token
  bodies[#bodies + 1] = body
end
local threads, made = {}, 0
function setup(thread)
  local size = math.floor(#tokens / slices)
  thread:set("first", made * size + 1)
  thread:set("last", (made + 1) * size)
  made = made + 1
  threads[#threads + 1] = thread
end
function init(args)
  nxt = first
end
request = function()
  if nxt > last then
    nxt = first
    wrapped = true
  end
  local i = nxt
  nxt = nxt + 1
  local headers = {}
  headers["Authorization"] = "Bearer " .. tokens[i]
  if bodies[i] == "" then
    return wrk.format("GET", "%(path)s", headers)
  end
  headers["Content-Type"] = "application/json"
  return wrk.format("POST", "%(path)s", headers, bodies[i])
end
function done(summary, latency, requests)
  local dry = 0
  for _, thread in ipairs(threads) do
    if thread:get("wrapped") then dry = dry + 1 end
  end
  if dry > 0 then
    io.write(string.format("bench: prepared persons ran out in %%d of %%d threads (then repeated)\\n",
                           dry, #threads))
  end
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
    from app.core.months import add_months
    from app.certification.certs import create_certification
    from app.certification.demo import PATHS, SEED
    from app.certification.services import submit_application, transition
    from app.certification.workflow import Status
    from app.certification.models import Certification
    from app.codes.models import PersonalCode
    from app.core.models import RegionClosure
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
        contents, tokens, staff_tokens, scanners = [], [], [], {}

        def scanner_token(region):
            """Station staff of the person's own area scan the code: the in-scope profile
            (the heavier answer; a scan from elsewhere gets the short referral card)."""
            if region not in scanners:
                scanner = db.session.scalar(
                    select(StaffAccount).join(RegionClosure,
                                              RegionClosure.ancestor_code == StaffAccount.region_code)
                    .where(RegionClosure.descendant_code == region, StaffAccount.active,
                           StaffAccount.role == "station_staff")
                    .order_by(RegionClosure.depth, StaffAccount.id).limit(1))
                scanners[region] = start_session("staff", scanner)["access_token"]
            return scanners[region]

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
            staff_tokens.append(scanner_token(person.residence_region_code))
            tokens.append(start_session("person", account)["access_token"])
        db.session.commit()
        assert db.session.scalar(select(db.func.count(PersonalCode.id))) >= len(contents)
        return tokens, contents, staff_tokens


def distinct_count(duration):
    return int(os.environ.get("BENCH_DISTINCT_PERSONS", min(DISTINCT_MAX, DISTINCT_RATE * duration)))


def _sample_percent(conn, table, wanted):
    estimate = conn.execute(text(
        "SELECT reltuples FROM pg_class WHERE relname = :t"), {"t": table}).scalar() or 0
    return 100.0 if estimate <= 0 else min(100.0, max(0.05, 100.0 * wanted / estimate))


def scan_fixtures(database_url, count, seed=11):
    """Generated persons with a live certification, each with a personal code (issued through
    the app's own sync_code on first use; kept for later runs) and a session of the station
    staff member nearest their residence: a scan of one in-scope person after another.
    Returns [(staff token, resolve body)], one per person."""
    from app import create_app
    from app.accounts.models import StaffAccount
    from app.accounts.sessions import start_session
    from app.codes.services import sync_code
    from app.extensions import db
    from app.people.models import Person

    app = create_app("development", SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        conn = db.session.connection()
        rows = []
        for percent in (_sample_percent(conn, "persons", count * 4), 100.0):  # small data: all
            rows = conn.execute(text(
                "SELECT p.id, s.id FROM persons p TABLESAMPLE SYSTEM (:percent) REPEATABLE (:seed) "
                "CROSS JOIN LATERAL (SELECT st.id FROM region_closure rc "
                "  JOIN staff_accounts st ON st.region_code = rc.ancestor_code "
                "  WHERE rc.descendant_code = p.residence_region_code AND st.active "
                "  AND st.role = 'station_staff' ORDER BY rc.depth, st.id LIMIT 1) s "
                "WHERE EXISTS (SELECT 1 FROM certifications c WHERE c.person_id = p.id "
                "  AND c.status = 'active') ORDER BY p.id LIMIT :n"),
                {"percent": percent, "seed": seed, "n": count}).all()
            if len(rows) == count:
                break
        tokens, pairs = {}, []
        for n, (person_id, staff_id) in enumerate(rows, 1):
            code = sync_code(db.session.get(Person, person_id), certified=True)
            if staff_id not in tokens:
                tokens[staff_id] = start_session(
                    "staff", db.session.get(StaffAccount, staff_id))["access_token"]
            pairs.append((tokens[staff_id], json.dumps(
                {"content": f"P{code.printed_version}.{code.printed_token_sealed}",
                 "purpose": "employment_service"})))
            if n % 500 == 0:
                db.session.commit()
                db.session.expunge_all()
        db.session.commit()
    random.Random(seed).shuffle(pairs)  # persons of every area, not one county after another
    return pairs


def first_view_persons(database_url, count, seed=13):
    """Persons with an account, each with a session: (person ids, [(person token, "")])."""
    engine = create_engine(database_url)
    with engine.begin() as conn:
        rows = []
        for percent in (_sample_percent(conn, "persons", count * 3), 100.0):  # small data: all
            rows = conn.execute(text(
                "SELECT p.id, p.person_account_id FROM persons p "
                "TABLESAMPLE SYSTEM (:percent) REPEATABLE (:seed) JOIN person_accounts a "
                "ON a.id = p.person_account_id WHERE a.active ORDER BY p.id LIMIT :n"),
                {"percent": percent, "seed": seed, "n": count}).all()
            if len(rows) == count:
                break
    tokens = _person_tokens(database_url, [r[1] for r in rows])
    random.Random(seed).shuffle(tokens)
    return [r[0] for r in rows], [(t, "") for t in tokens]


def change_persons(database_url, person_ids):
    """A change of each person's own data (one UPDATE of their rows): the trigger bumps
    persons.revision, and every cached view of theirs is out of date."""
    with create_engine(database_url).begin() as conn:
        conn.execute(text("UPDATE persons SET revision = revision WHERE id = ANY(:ids)"),
                     {"ids": list(person_ids)})


def first_view_fixtures(database_url, count, seed=13):
    """Persons with an account, each with a session, whose data then changes: every overview
    asked is the first view after a change. Returns [(person token, "")]."""
    ids, pairs = first_view_persons(database_url, count, seed)
    change_persons(database_url, ids)
    return pairs


def _write_sequence(workdir, name, pairs, path, threads):
    data = workdir / f"{name}.tsv"
    data.write_text("".join(f"{t}\t{b}\n" for t, b in pairs))
    return _write(workdir, name, LUA_SEQUENCE % {"slices": threads, "data": data, "path": path})


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


def _submit_fixtures(database_url, count, seconds=SUBMIT_PREPARE_SECONDS, batch=500):
    """Generated persons who may file an application right now, with a token and a request
    body each: an active account, a live consent, no open application, no live
    certification, and facts that support at least one category (checked with the app's
    own assessment, the screen a person sees before applying).

    The bench itself files applications, so the dataset changes from run to run: the query
    runs afresh each time and skips everyone who already has an open application (the
    persons an earlier run used), so every run gets persons who have not applied yet.
    Walks the persons in id order (their regions are random, so every county comes up) and
    stops at `count` or after `seconds`. Returns (tokens, bodies)."""
    from sqlalchemy import exists, select
    from sqlalchemy.orm import selectinload

    from app import create_app
    from app.accounts.models import PersonAccount
    from app.accounts.sessions import start_session
    from app.certification.models import Application, Certification
    from app.certification.rules import MET, UNKNOWN
    from app.certification.services import assess
    from app.certification.workflow import OPEN
    from app.extensions import db
    from app.people.models import Household, LegalBasis, Person, Purpose

    app = create_app("development", SQLALCHEMY_DATABASE_URI=database_url)
    commitment = {"accepted": True, "version": app.config["CERT_COMMITMENT_VERSION"]}
    deadline = time.monotonic() + seconds
    tokens, bodies, after = [], [], 0
    with app.app_context():
        while len(tokens) < count and time.monotonic() < deadline:
            rows = db.session.execute(
                select(Person, PersonAccount)
                .join(PersonAccount, PersonAccount.id == Person.person_account_id)
                .options(selectinload(Person.household).selectinload(Household.members))
                .where(Person.id > after, PersonAccount.openid.like("bench%"),
                       PersonAccount.active.is_(True),
                       exists().where(LegalBasis.person_id == Person.id,
                                      LegalBasis.purpose == Purpose.CERTIFICATION,
                                      LegalBasis.withdrawn_at.is_(None)),
                       ~exists().where(Application.person_id == Person.id,
                                       Application.status.in_([s.value for s in OPEN])),
                       ~exists().where(Certification.person_id == Person.id,
                                       Certification.status == "active"))
                .order_by(Person.id).limit(batch)).all()
            if not rows:
                break
            after = rows[-1][0].id
            for person, account in rows:
                results = assess(person)["categories"]
                met = [r["code"] for r in results if r["status"] == MET]
                possible = [r["code"] for r in results if r["status"] in (MET, UNKNOWN)]
                if not possible:
                    continue  # the service would refuse: certification.no_category
                tokens.append(start_session("person", account)["access_token"])
                bodies.append(json.dumps({"categories": met or possible,
                                          "commitment": commitment}))
                if len(tokens) == count or time.monotonic() >= deadline:
                    break
            db.session.commit()
            db.session.expunge_all()
    return tokens, bodies


def prepare(database_url, workdir, threads=2, duration=10):
    engine = create_engine(database_url)
    with engine.connect() as conn:
        ids = _person_ids(conn, TOKENS)
        person_ids = _sample_ids(conn, "persons", 2000)
        match_ids = _registered_accounts(conn, MATCH_PERSONS)
    if not ids:
        raise SystemExit("no generated data: run `python -m bench.generate` first")
    tokens = _person_tokens(database_url, ids)
    code_tokens, printed, staff_tokens = _code_fixtures(database_url)
    started, distinct = time.monotonic(), distinct_count(duration)
    scan = scan_fixtures(database_url, distinct)
    first_view_ids, first_view = first_view_persons(database_url, distinct)
    print(f"distinct persons: {len(scan):,} scans and {len(first_view):,} first views of "
          f"{distinct:,} prepared in {time.monotonic() - started:.1f} s", flush=True)
    match_tokens = _match_tokens(database_url, match_ids)
    wanted = int(os.environ.get("BENCH_SUBMIT_PERSONS", min(SUBMIT_MAX, SUBMIT_RATE * duration)))
    started = time.monotonic()
    submit_tokens, submit_bodies = _submit_fixtures(database_url, wanted)
    print(f"application submit: {len(submit_tokens):,} of {wanted:,} persons prepared in "
          f"{time.monotonic() - started:.1f} s", flush=True)
    submit_data = workdir / "submit.tsv"
    submit_data.write_text("".join(f"{t}\t{b}\n" for t, b in zip(submit_tokens, submit_bodies)))
    run = datetime.now(timezone.utc).strftime("bench%Y%m%dT%H%M%S")
    resolve_bodies = [json.dumps({"content": c, "purpose": "employment_service"})
                      for c in printed]
    scenarios = [
        Scenario("baseline: 1 PK read", _write(workdir, "baseline", LUA_RANDOM_GET % {
            "seed": 1, "paths": _lua_list([f"/pk/{i}" for i in person_ids])}), baseline=True),
        Scenario("person: GET auth/wechat/me", _write(workdir, "person_me", LUA_AUTH_GET % {
            "seed": 2, "tokens": _lua_list(tokens), "path": "/api/v1/auth/wechat/me"})),
        Scenario("public: GET regions/150100", _write(workdir, "region", LUA_RANDOM_GET % {
            "seed": 3, "paths": _lua_list(["/api/v1/regions/150100"])})),
        Scenario("person: GET me/overview, repeated", _write(workdir, "me_overview", LUA_AUTH_GET % {
            "seed": 4, "tokens": _lua_list(code_tokens), "path": "/api/v1/me/overview"}),
            warmup=tuple(("GET", "/api/v1/me/overview", t, None) for t in code_tokens)),
        Scenario("person: GET me/overview, first view", _write_sequence(
            workdir, "first_view", first_view, "/api/v1/me/overview", threads),
            before=lambda: change_persons(database_url, first_view_ids)),
        Scenario("staff: POST codes/resolve, repeated", _write(workdir, "codes_resolve", LUA_PAIRED_POST % {
            "seed": 5, "tokens": _lua_list(staff_tokens), "bodies": _lua_list(resolve_bodies),
            "path": "/api/v1/codes/resolve"}),
            warmup=tuple(("POST", "/api/v1/codes/resolve", t, b)
                         for t, b in zip(staff_tokens, resolve_bodies))),
        # The headline scan figure: a station scans one person of its area after another.
        Scenario("staff: POST codes/resolve, each new", _write_sequence(
            workdir, "scan", scan, "/api/v1/codes/resolve", threads)),
        Scenario("person: GET matches/me", _write(workdir, "matches_me", LUA_AUTH_GET % {
            "seed": 6, "tokens": _lua_list(match_tokens), "path": "/api/v1/jobs/matches/me"})),
    ]
    if len(submit_tokens) < 2 * threads:
        print(f"application submit: skipped, {len(submit_tokens)} persons are too few for "
              f"{threads} wrk threads (BENCH_SUBMIT_PERSONS, or generate the dataset again)",
              flush=True)
        return scenarios
    # Last: it files applications, and nothing measured after it should see them.
    return scenarios + [
        Scenario("person: POST my/applications", _write(workdir, "my_applications", LUA_SUBMIT % {
            "slices": threads, "data": submit_data, "run": run,
            "path": "/api/v1/certification/my/applications"}))]


def has_dataset(database_url):
    with create_engine(database_url).connect() as conn:
        exists = conn.execute(text("SELECT to_regclass('public.person_accounts')")).scalar()
        return bool(exists) and conn.execute(
            text("SELECT EXISTS (SELECT 1 FROM person_accounts WHERE openid LIKE 'bench%')")).scalar()


def dataset_summary(database_url):
    with create_engine(database_url).connect() as conn:
        return {"person_accounts": conn.execute(text("SELECT count(*) FROM person_accounts")).scalar()}
