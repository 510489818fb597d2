"""The overview builder (app/codes/builder.py): a view built ahead when the person's data
changed is the very view a request would build, served with one statement, and never for an
older revision; on PostgreSQL a change of a signed-up person's data is announced on the
channel the builder listens to."""
import pytest
from sqlalchemy import text

from app.codes.builder import CHANNEL, build_ahead
from app.extensions import db
from tests.builders.codes import certified_seeker
from tests.builders.http import auth
from tests.codes.test_view_cache import Statements, _sql


def _build(app, person_id):
    with app.app_context():
        try:
            return build_ahead([person_id])
        finally:
            db.session.remove()


def test_a_view_built_ahead_is_the_inline_view_served_with_one_statement(client, fresh_app):
    token, person_id = certified_seeker(client)
    inline = client.get("/api/v1/me/overview", headers=auth(token))
    assert _build(fresh_app, person_id) == (0, 1)  # the request's own build is there
    fresh_app.extensions["view_cache"].clear()
    assert _build(fresh_app, person_id) == (1, 0)
    with Statements(fresh_app) as sql:
        served = client.get("/api/v1/me/overview", headers=auth(token))
    assert served.status_code == 200 and served.data == inline.data
    assert sql.count == 1


def test_after_a_change_the_old_build_is_never_served(client, fresh_app):
    token, person_id = certified_seeker(client)
    assert _build(fresh_app, person_id) == (1, 0)
    assert client.get("/api/v1/me/overview", headers=auth(token)).get_json()["state"] == \
        "certified"
    _sql(fresh_app, "UPDATE certifications SET status = 'exited', exited_on = CURRENT_DATE "
         "WHERE person_id = :p", p=person_id)
    assert client.get("/api/v1/me/overview", headers=auth(token)).get_json()["state"] == \
        "exited"  # built inline: the key names the new revision
    _sql(fresh_app, "UPDATE persons SET revision = revision WHERE id = :p", p=person_id)
    assert _build(fresh_app, person_id) == (1, 0)  # the builder's view of the next revision
    with Statements(fresh_app) as sql:
        assert client.get("/api/v1/me/overview", headers=auth(token)).get_json()["state"] == \
            "exited"
    assert sql.count == 1


def test_persons_without_an_account_are_not_built(client, fresh_app):
    with fresh_app.app_context():
        unsigned = db.session.execute(text(
            "SELECT id FROM persons WHERE person_account_id IS NULL LIMIT 1")).scalar()
    if unsigned is None:
        pytest.skip("the demo seed has no person without an account")
    assert _build(fresh_app, unsigned) == (0, 0)


def test_a_change_announces_the_signed_up_person_on_postgresql(client, fresh_app):
    with fresh_app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
        url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    import psycopg
    _, person_id = certified_seeker(client)
    with psycopg.connect(url, autocommit=True) as listener:
        listener.execute(f"LISTEN {CHANNEL}")
        # A child table's change (the trigger bumps the revision) and a direct one, each
        # committed: each announces the person once.
        _sql(fresh_app, "UPDATE certifications SET exited_on = NULL WHERE person_id = :p",
             p=person_id)
        _sql(fresh_app, "UPDATE persons SET revision = revision WHERE id = :p", p=person_id)
        heard = [n.payload for n in listener.notifies(timeout=2, stop_after=2)]
        assert heard == [str(person_id), str(person_id)]
        # A person without an account has no overview: nothing is announced.
        _sql(fresh_app, "UPDATE persons SET revision = revision WHERE person_account_id IS NULL")
        assert [n.payload for n in listener.notifies(timeout=0.5)] == []
