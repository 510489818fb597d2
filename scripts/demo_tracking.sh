#!/usr/bin/env bash
# The help loop (issue 14) over HTTP against `make run`, as README.md describes it: a person
# is certified and gets a case with station_xc responsible; asks for help and is answered;
# an unanswered request escalates to the township; station_xc logs a visit (the township's
# coverage changes); the person is hired through a recommendation; the adaptation follow-up
# opens a month later and is answered from the mini-program; a zero-employment household is
# listed, served and cleared when a member is hired; a benefit about to end opens an
# assessment and tells the person (policy_expiring); a person who moves takes their case to
# the new station at once; station_xc's daily digest reaches the WeChat they linked.
#
# The service has no clock to move: its days come from the machine. The daily job takes the
# day it runs for (`flask tracking daily --date D`), which stands for the days passing: what
# it opens (follow-ups, escalations, digests) is what that morning would open. Run it against
# the same database as the server (DATABASE_URL, as `make run` was started with).
# Usage: scripts/demo_tracking.sh [BASE_URL] [SMS_CONTROL_URL]
# (the fake SMS gateway of `make run` listens on the service's port + 3802)
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=${1:-http://127.0.0.1:5000}
PORT=${BASE##*:}
SMS=${2:-http://127.0.0.1:$((PORT + 3802))}
J='Content-Type: application/json'
FLASK=".venv/bin/flask --app wsgi"
# The daily job's per-step timings go to the log (stderr); the demo shows its counts.
daily() { $FLASK tracking daily "$@" 2>/dev/null; }
py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
staff() { curl -s -X POST "$BASE/api/v1/auth/staff/login" -H "$J" \
            -d "{\"username\":\"$1\",\"password\":\"Demo@2025\"}" | py 'd["access_token"]'; }
person() { curl -s -X POST "$BASE/api/v1/auth/wechat/login" -H "$J" -d "{\"code\":\"demo-$1\"}" | py 'd["access_token"]'; }
day() { python3 -c "import datetime,zoneinfo; print((datetime.datetime.now(zoneinfo.ZoneInfo('Asia/Shanghai')).date()+datetime.timedelta(days=$1)).isoformat())"; }
T=$BASE/api/v1/tracking
NAME=trk$RANDOM
TODAY=$(day 0)

echo "== 1. a person is certified (scripts/demo_certification.sh) and gets a case"
scripts/demo_certification.sh "$BASE" "$NAME" > /dev/null
P=$(person "$NAME"); S=$(staff station_xc); W=$(staff township_xc); C=$(staff county_xc)
curl -s "$T/my/case" -H "Authorization: Bearer $P" | py '"responsible:", d["staff_name"], "station phone:", d["station"]["phone"], "needs:", [n["code"] for n in d["needs"]]'
PID=$(curl -s "$BASE/api/v1/people/me" -H "Authorization: Bearer $P" | py 'd["id"]')
CASE=$(curl -s "$T/cases/mine?per_page=100" -H "Authorization: Bearer $S" | py "[c['id'] for c in d['items'] if c['person']['id'] == $PID][0]")
echo "station_xc's case $CASE for person $PID"

echo "== 2. the person asks for help (求助); station_xc answers within the deadline"
REQ=$(curl -s -X POST "$T/my/help-requests" -H "Authorization: Bearer $P" -H "$J" \
      -d '{"topic":"想找离家近的工作","detail":"腰不好，不能搬重物"}')
echo "$REQ" | py '"request", d["id"], "due", d["due_on"]'
curl -s "$T/tasks?kind=help_request" -H "Authorization: Bearer $S" | py '[(t["id"], t["title"], t["due_on"]) for t in d["items"]]'
curl -s -X POST "$T/tasks/$(echo "$REQ" | py 'd["id"]')/complete" -H "Authorization: Bearer $S" -H "$J" \
     -d '{"outcome":"已电话答复，推荐社区保洁岗位"}' | py '"answered:", d["status"], "overdue:", d["overdue"]'

echo "== 3. a second request nobody answers: ten days later the township sees it escalated"
curl -s -X POST "$T/my/help-requests" -H "Authorization: Bearer $P" -H "$J" -d '{"topic":"咨询社保补贴"}' | py '"request", d["id"], "due", d["due_on"]'
daily --date "$(day 10)" | grep -E "requests_escalated|digests"
curl -s "$T/tasks?escalated=true" -H "Authorization: Bearer $W" | py '[(t["id"], t["title"], t["escalated_to"]) for t in d["items"]]'

echo "== 4. station_xc logs a visit: the township's contact coverage for the round changes"
curl -s "$T/coverage?starts_on=$TODAY&ends_on=$TODAY" -H "Authorization: Bearer $W" | py '"before:", d["contacted"], "/", d["cases"], d["share"]'
curl -s -X POST "$T/cases/$CASE/contacts" -H "Authorization: Bearer $S" -H "$J" \
     -d "{\"channel\":\"visit\",\"contacted_on\":\"$TODAY\",\"outcome\":\"reached\",\"next_step\":\"推荐仓储岗位\",\"next_step_days\":3}" | py '"contact", d["id"], "next-step task", d["task_id"]'
curl -s "$T/coverage?starts_on=$TODAY&ends_on=$TODAY" -H "Authorization: Bearer $W" | py '"after: ", d["contacted"], "/", d["cases"], d["share"], [(c["name"], c["share"]) for c in d["children"]]'

echo "== 5. station_xc links the WeChat the daily digest goes to (one-time code from the console)"
CODE=$(curl -s -X POST "$T/digest/link-code" -H "Authorization: Bearer $S" | py 'd["code"]')
WX=$(person wang_station_xc)
curl -s -X POST "$BASE/api/v1/auth/wechat/phone" -H "Authorization: Bearer $WX" -H "$J" \
     -d '{"code":"demo-phone-13900000009","privacy_notice_version":"2025-01"}' > /dev/null
curl -s -X POST "$T/my/staff-link" -H "Authorization: Bearer $WX" -H "$J" -d "{\"code\":\"$CODE\"}" | py '"linked:", d["linked"], "SMS fallback:", d["sms_fallback"]'
curl -s -X POST "$T/my/staff-link" -H "Authorization: Bearer $WX" -H "$J" -d "{\"code\":\"$CODE\"}" | py '"the same code again:", d["error"]["code"], d["error"]["message"]'

echo "== 6. hired through a recommendation: follow-ups at +1 and +6 months"
VAC=$(curl -s "$BASE/api/v1/jobs/vacancies?status=open" -H "Authorization: Bearer $S" | py 'd["items"][0]["id"]')
REC=$(curl -s -X POST "$BASE/api/v1/jobs/recommendations" -H "Authorization: Bearer $S" -H "$J" -d "{\"person_id\":$PID,\"vacancy_id\":$VAC}" | py 'd["id"]')
curl -s "$BASE/api/v1/jobs/recommendations/mine/$REC" -H "Authorization: Bearer $P" > /dev/null
curl -s -X POST "$BASE/api/v1/jobs/recommendations/mine/$REC/apply" -H "Authorization: Bearer $P" | py '"applied:", d["status"]'
curl -s -X POST "$BASE/api/v1/jobs/recommendations/$REC/interview" -H "Authorization: Bearer $S" > /dev/null
curl -s -X POST "$BASE/api/v1/jobs/recommendations/$REC/hire" -H "Authorization: Bearer $S" | py '"recommendation:", d["status"]'
curl -s "$T/my/case" -H "Authorization: Bearer $P" | py '"next follow-up:", d["next_follow_up"]["stage"], d["next_follow_up"]["due_on"], d["next_follow_up"]["status"]'

echo "== 7. a month later the daily job opens the adaptation follow-up (twice: nothing twice)"
daily --date "$(day 32)" | grep -E "follow_ups_opened|follow_up_reminders|digests_pushed"
daily --date "$(day 32)" | grep -E "follow_ups_opened"
FU=$(curl -s "$T/my/case" -H "Authorization: Bearer $P" | py 'd["next_follow_up"]["id"]')
curl -s "$T/tasks?kind=follow_up" -H "Authorization: Bearer $S" | py '[(t["title"], t["due_on"]) for t in d["items"]]'
curl -s -X POST "$T/my/follow-ups/$FU" -H "Authorization: Bearer $P" -H "$J" \
     -d '{"still_employed":true,"difficulties":"通勤较远"}' | py '"answered:", d["stage"], d["status"], d["still_employed"]'

echo "== 8. a public-welfare post ending in 40 days: an assessment for station_xc, a policy_expiring notice for the person"
curl -s -X POST "$BASE/api/v1/people/$PID/benefits" -H "Authorization: Bearer $C" -H "$J" \
     -d "{\"policy\":\"public_welfare_post\",\"start\":\"$(day -300)\",\"end\":\"$(day 40)\"}" | py '"benefit", d["id"], "ends", d["end"]'
daily | grep -E "assessments_opened|expiry_notices"
daily | grep -E "assessments_opened|expiry_notices"
EXP=$(curl -s "$T/tasks?kind=expiry_assessment" -H "Authorization: Bearer $S" | py '[t["id"] for t in d["items"] if t["person_id"] == '"$PID"'][0]')
curl -s -X POST "$T/tasks/$EXP/complete" -H "Authorization: Bearer $S" -H "$J" \
     -d '{"outcome":"已评估：岗位期满后转入市场就业，推荐物业岗位"}' | py '"assessment:", d["title"], d["status"]'

echo "== 9. a zero-employment household: listed, served, cleared when a member is hired"
NAME2=zeh$RANDOM
scripts/demo_certification.sh "$BASE" "$NAME2" > /dev/null
P2=$(person "$NAME2")
curl -s -X PUT "$BASE/api/v1/people/me/household" -H "Authorization: Bearer $P2" -H "$J" -d '{"registered_size":2,"business_income":false,"members":[{"name":"李梅","relation":"spouse","birth_date":"1972-03-01","gender":"female","employment_status":"unemployed","registered_unemployed":true,"able_to_work":true,"willing_to_work":true}]}' | py '"zero-employment household:", d["zero_employment_household"]'
daily | grep -E "households_listed"
PID2=$(curl -s "$BASE/api/v1/people/me" -H "Authorization: Bearer $P2" | py 'd["id"]')
ZH=$(curl -s "$T/zero-households?cleared=false" -H "Authorization: Bearer $W" | py 'd["items"][-1]["id"]')
curl -s "$T/tasks?kind=job_help" -H "Authorization: Bearer $S" | py '[(t["title"], t["due_on"]) for t in d["items"]]'
curl -s -X POST "$T/zero-households/$ZH/services" -H "Authorization: Bearer $S" -H "$J" -d '{"offers":3,"note":"推荐保洁、仓储、保安岗位"}' | py '"services", d["services_given"], "offers", d["offers_given"], "rule met", d["rule_met"]'
curl -s -X POST "$T/hires" -H "Authorization: Bearer $S" -H "$J" -d "{\"person_id\":$PID2,\"employer\":\"某物流公司\",\"job_title\":\"分拣员\",\"starts_on\":\"$TODAY\"}" | py '"hired:", d["employer"], [f["due_on"] for f in d["follow_ups"]]'
curl -s "$T/zero-households?cleared=true" -H "Authorization: Bearer $C" | py '"cleared:", [(h["id"], h["cleared_on"], h["cleared_way"], h["days_on_list"]) for h in d["items"]], "average days to clear:", d["average_days_to_clear"]'

echo "== 10. the person moves to 海拉尔区: the case goes to station_hlr now, not at the next daily run"
H=$(staff station_hlr); R=$(staff region_admin)
curl -s -X POST "$BASE/api/v1/people/$PID2/residence" -H "Authorization: Bearer $C" -H "$J" -d '{"residence_region_code":"150702001001"}' | py '"county_xc may not send them out of 新城区:", d["error"]["code"]'
curl -s -X POST "$BASE/api/v1/people/$PID2/residence" -H "Authorization: Bearer $R" -H "$J" -d '{"residence_region_code":"150702001001"}' | py '"moved to", d["residence_region_code"]'
CASE2=$(curl -s "$T/cases/mine" -H "Authorization: Bearer $H" | py "[c['id'] for c in d['items'] if c['person']['id'] == $PID2][0]")
curl -s "$T/cases/$CASE2" -H "Authorization: Bearer $H" | py '"station_hlr has case", d["id"], "responsible:", d["staff"]["display_name"], "history:", [(h["why"], h["from_region_code"], h["to_region_code"]) for h in d["history"]]'
curl -s "$T/cases/$CASE2" -H "Authorization: Bearer $S" | py '"station_xc now:", d["error"]["code"]'

echo "== 11. station_xc's digest: today's runs above wrote it and queued it once (a run now adds nothing)"
daily | grep -E "digests_written|digests_pushed"
sleep 4  # the push worker of `make run` sends it (by SMS: no subscription was granted)
curl -s "$T/digest" -H "Authorization: Bearer $S" | py '"digest:", d["counts"], "push:", d["push_status"], d["push_channel"]'
curl -s "$SMS/_control/messages" | py '[m["content"] for m in d["messages"] if "帮扶待办" in (m.get("content") or "") or "到期" in (m.get("content") or "")]' 
