"""What `make bench` measures. Each scenario is a wrk Lua script; the first is the baseline.

Tokens for authenticated endpoints are minted up front, straight through the app's own
session service, and handed to wrk in the Lua file, so the load itself is pure HTTP.
"""
import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text

DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/imjy_bench"
TOKENS = 200


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


def prepare(database_url, workdir):
    engine = create_engine(database_url)
    with engine.connect() as conn:
        ids = _person_ids(conn, TOKENS)
        person_ids = _sample_ids(conn, "persons", 2000)
    if not ids:
        raise SystemExit("no generated data: run `python -m bench.generate` first")
    tokens = _person_tokens(database_url, ids)
    return [
        Scenario("baseline: 1 PK read", _write(workdir, "baseline", LUA_RANDOM_GET % {
            "seed": 1, "paths": _lua_list([f"/pk/{i}" for i in person_ids])}), baseline=True),
        Scenario("person: GET auth/wechat/me", _write(workdir, "person_me", LUA_AUTH_GET % {
            "seed": 2, "tokens": _lua_list(tokens), "path": "/api/v1/auth/wechat/me"})),
        Scenario("public: GET regions/150100", _write(workdir, "region", LUA_RANDOM_GET % {
            "seed": 3, "paths": _lua_list(["/api/v1/regions/150100"])})),
    ]


def has_dataset(database_url):
    with create_engine(database_url).connect() as conn:
        exists = conn.execute(text("SELECT to_regclass('public.person_accounts')")).scalar()
        return bool(exists) and conn.execute(
            text("SELECT EXISTS (SELECT 1 FROM person_accounts WHERE openid LIKE 'bench%')")).scalar()


def dataset_summary(database_url):
    with create_engine(database_url).connect() as conn:
        return {"person_accounts": conn.execute(text("SELECT count(*) FROM person_accounts")).scalar()}
