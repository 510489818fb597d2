"""enqueue_message(): the outbox entry point other areas call in their own transaction."""
import threading
from datetime import date

import pytest
from sqlalchemy import func, select, text

from app.core.errors import ValidationFailed
from app.extensions import db
from app.wechat.models import PushMessage
from app.wechat.services import enqueue_message
from tests.support.database import is_sqlite

VALUES = {"item": "就业困难人员认定", "result": "已通过", "decided_on": date(2026, 11, 28)}


def count_messages(session):
    return session.scalar(select(func.count()).select_from(PushMessage))


def test_enqueue_only_inserts_and_dedupes(person, db_session, wechat):
    first = enqueue_message("application_result", person.account_id, VALUES,
                            dedupe_key="application:1:decided", page_query={"id": 1})
    db_session.commit()
    assert first.status == "queued" and first.channel == "wechat"
    assert first.template_id == "demo-tmpl-application-result"
    assert first.page == "pages/applications/detail?id=1"
    again = enqueue_message("application_result", person.account_id,
                            {**VALUES, "result": "未通过"}, dedupe_key="application:1:decided")
    db_session.commit()
    assert again.id == first.id and count_messages(db_session) == 1
    assert wechat.messages()["total"] == 0  # nothing is sent from inside the caller


def test_enqueue_joins_the_callers_transaction(person, db_session):
    enqueue_message("application_result", person.account_id, VALUES, dedupe_key="k-rollback")
    db_session.rollback()  # the business change failed: its message goes with it
    assert count_messages(db_session) == 0


def test_payload_is_encrypted_at_rest(person, db_session):
    enqueue_message("follow_up_reminder", person.account_id, {
        "item": "就业情况回访", "due_at": "2026-12-01T09:00:00+08:00", "station": "示范社区服务站",
        "contact_phone": "0471-6900001", "staff_name": "王站员"}, dedupe_key="followup:1")
    db_session.commit()
    raw = db_session.execute(text("SELECT payload FROM push_messages")).scalar()
    assert "王站员" not in raw and "回访" not in raw


@pytest.mark.parametrize("kind, values, code, details", [
    ("lottery_win", VALUES, "push.unknown_kind", {"kind": "lottery_win"}),
    ("application_result", {"item": "认定", "result": "已通过"}, "push.missing_field",
     {"kind": "application_result", "fields": ["decided_on"]}),
    ("application_result", {**VALUES, "id_number": "x"}, "push.unknown_field",
     {"kind": "application_result", "fields": ["id_number"]}),
    ("application_result", {**VALUES, "result": "approved"}, "push.invalid_field",
     {"kind": "application_result", "field": "result", "reason": "phrase_needs_chinese"}),
    ("application_result", {**VALUES, "decided_on": "someday"}, "push.invalid_field",
     {"kind": "application_result", "field": "decided_on", "reason": "not_a_date"}),
])
def test_bad_messages_are_refused_with_a_clear_422(person, fresh_app, db_session, kind, values,
                                                   code, details):
    with pytest.raises(ValidationFailed) as err:
        enqueue_message(kind, person.account_id, values, dedupe_key="bad-1")
    assert err.value.status == 422 and err.value.code == code
    assert err.value.details == details
    with fresh_app.test_request_context():
        assert str(err.value.message)  # a Chinese message for people
    assert count_messages(db_session) == 0


def test_bad_recipient_dedupe_key_and_page_query(person, db_session):
    for args, code in [
        (("application_result", 999999, VALUES, "k1"), "push.unknown_recipient"),
        (("application_result", person.account_id, VALUES, ""), "push.invalid_dedupe_key"),
        (("application_result", person.account_id, VALUES, "x" * 129), "push.invalid_dedupe_key"),
    ]:
        with pytest.raises(ValidationFailed) as err:
            enqueue_message(*args)
        assert err.value.code == code
    with pytest.raises(ValidationFailed) as err:
        enqueue_message("application_result", person.account_id, VALUES, "k2",
                        page_query={"id": {"nested": 1}})
    assert err.value.code == "push.invalid_page_query"


def test_concurrent_enqueues_with_one_key_make_one_message(person, fresh_app, db_session):
    """Two transactions racing on the same dedupe key: one row, both get it, no error."""
    if is_sqlite(fresh_app):
        pytest.skip("SQLite serialises writers: there is no concurrent insert to race")
    barrier, ids, errors = threading.Barrier(2), [], []

    def enqueue():
        with fresh_app.app_context():
            try:
                barrier.wait()
                ids.append(enqueue_message("application_result", person.account_id, VALUES,
                                           dedupe_key="race-1").id)
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)
    threads = [threading.Thread(target=enqueue) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert not errors and len(ids) == 2 and ids[0] == ids[1]
    assert count_messages(db_session) == 1
