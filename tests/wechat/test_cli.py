"""`flask push ...` operator commands."""
from sqlalchemy import select

from app.wechat.models import PushMessage


def test_enqueue_stats_and_bad_input(fresh_app, person, db_session, wechat):
    runner = fresh_app.test_cli_runner()
    result = runner.invoke(args=[
        "push", "enqueue", "application_result", "--account", str(person.account_id),
        "--value", "item=就业困难人员认定", "--value", "result=已通过",
        "--value", "decided_on=2026-11-28", "--page-query", "id=7", "--dedupe-key", "cli-1"])
    assert result.exit_code == 0, result.output
    message = db_session.scalar(select(PushMessage))
    assert message.page == "pages/applications/detail?id=7" and message.status == "queued"
    assert "queued   wechat  1" in runner.invoke(args=["push", "stats"]).output
    bad = runner.invoke(args=["push", "enqueue", "application_result", "--account",
                              str(person.account_id), "--value", "item=认定",
                              "--dedupe-key", "cli-2"])
    assert bad.exit_code != 0 and "push.missing_field" in bad.output
    bad = runner.invoke(args=["push", "enqueue", "application_result", "--account",
                              str(person.account_id), "--value", "no-equals-sign",
                              "--dedupe-key", "cli-3"])
    assert bad.exit_code != 0 and "name=value" in bad.output


def test_worker_once_and_requeue(fresh_app, person, db_session, wechat):
    runner = fresh_app.test_cli_runner()
    person.subscribe("demo-tmpl-application-result")
    runner.invoke(args=["push", "enqueue", "application_result", "--account",
                        str(person.account_id), "--value", "item=认定", "--value", "result=已通过",
                        "--value", "decided_on=2026-11-28", "--dedupe-key", "cli-1"])
    result = runner.invoke(args=["push", "worker", "--once", "--batch", "10"])
    assert result.exit_code == 0 and "'sent': 1" in result.output
    assert wechat.messages()["total"] == 1
    # a sent message is not requeued; nothing unknown means nothing to do
    refused = runner.invoke(args=["push", "requeue", "1"])
    assert refused.exit_code != 0 and "push.not_requeueable" in refused.output
    assert runner.invoke(args=["push", "requeue", "--unknown"]).exit_code != 0
