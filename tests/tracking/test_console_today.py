"""The console's Today page shows the help loop: a station worker's open help requests and
follow-ups, and for the township the requests escalated because they were missed."""
from datetime import timedelta

from app.core.clock import local_today
from tests.builders.codes import certified_seeker
from tests.builders.console import console_login
from tests.builders.http import auth
from tests.builders.tracking import BASE, run_daily

TITLE = "我的帮扶待办（求助、回访、评估）"


def test_today_lists_my_help_loop_tasks_and_the_township_sees_the_escalated(client, fresh_app):
    token, person_id = certified_seeker(client)
    asked = client.post(f"{BASE}/my/help-requests", json={"topic": "想找离家近的工作"},
                        headers=auth(token))
    assert asked.status_code == 201
    console_login(client, "station_xc")
    page = client.get("/console/").get_data(as_text=True)
    assert TITLE in page and "想找离家近的工作" in page and "求助待答复" in page
    assert f"/console/people/{person_id}" in page

    console_login(client, "township_xc")
    assert "想找离家近的工作" not in client.get("/console/").get_data(as_text=True)
    run_daily(fresh_app, local_today() + timedelta(days=10))  # the deadline passed
    township = client.get("/console/").get_data(as_text=True)
    assert "想找离家近的工作" in township and "已提级督办" in township

    # Elsewhere, nothing of it; the auditor has no such section at all.
    console_login(client, "station_hlr")
    assert "想找离家近的工作" not in client.get("/console/").get_data(as_text=True)
    console_login(client, "auditor")
    assert TITLE not in client.get("/console/").get_data(as_text=True)
