#!/usr/bin/env bash
# The console's forms with curl against `make run` (what a browser does: a cookie session and
# the CSRF token of each page): station_xc signs in, sees Today, accepts and checks 刘洋's
# application (seeded by `flask seed demo`); township_xc and county_xc take their steps;
# station_xc records a contact (联系对接) on 刘洋's help case, sending the form twice: the
# second copy is answered with the first one's result and records nothing (the form key);
# city_hhht exports the statistics; the auditor finds the steps in the trail.
# Usage: scripts/demo_console.sh [BASE_URL]
set -euo pipefail
BASE=${1:-http://127.0.0.1:5000}
JAR=$(mktemp); trap 'rm -f "$JAR"' EXIT
csrf() { curl -s -b "$JAR" -c "$JAR" "$BASE$1" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | cut -d'"' -f4; }
login() {
  : > "$JAR"
  local token; token=$(csrf /console/login)
  curl -s -o /dev/null -w "sign in as $1: %{http_code} -> %{redirect_url}\n" -b "$JAR" -c "$JAR" \
       --data-urlencode "csrf_token=$token" --data-urlencode "username=$1" \
       --data-urlencode "password=Demo@2025" "$BASE/console/login"
}
step() {  # step APPLICATION_ID ACTION [extra form fields...]
  local token; token=$(csrf "/console/applications/$1")
  local id=$1 action=$2; shift 2
  curl -s -o /dev/null -w "$action: %{http_code} -> %{redirect_url}\n" -b "$JAR" -c "$JAR" \
       --data-urlencode "csrf_token=$token" --data-urlencode "action=$action" "$@" \
       "$BASE/console/applications/$id/step"
}

login station_xc
echo "== Today (今日待办): applications at the station"
APP=$(curl -s -b "$JAR" -c "$JAR" "$BASE/console/" | grep -o '/console/applications/[0-9]*' | sort -u \
      | while read -r path; do
          id=${path##*/}
          curl -s -b "$JAR" "$BASE$path" | grep -q 'name="action" value="accept"' && echo "$id" && break
        done)
echo "application station_xc may review: #$APP"
step "$APP" accept
step "$APP" station_pass --data-urlencode "note=材料齐全"
login township_xc
step "$APP" township_pass
login county_xc
step "$APP" county_certify --data-urlencode "categories=older"
curl -s -b "$JAR" "$BASE/console/applications/$APP" | grep -o '已认定' | head -1
login station_xc
echo "== a contact on the person's help case (联系对接), the same form sent twice"
PERSON=$(curl -s -b "$JAR" "$BASE/console/applications/$APP" | grep -o '/console/people/[0-9]*' | head -1)
PAGE=$(curl -s -b "$JAR" -c "$JAR" "$BASE$PERSON")
TOKEN=$(grep -o 'name="csrf_token" value="[^"]*"' <<<"$PAGE" | head -1 | cut -d'"' -f4)
KEY=$(sed -n '/id="contact-form"/,/<\/form>/p' <<<"$PAGE" | grep -o 'name="form_key" value="[^"]*"' \
      | head -1 | cut -d'"' -f4)
DAY=$(grep -o 'name="contacted_on" type="date" value="[^"]*"' <<<"$PAGE" | cut -d'"' -f6)  # service's today
for copy in first second; do
  curl -s -o /dev/null -w "$copy copy: %{http_code} -> %{redirect_url}\n" -b "$JAR" -c "$JAR" \
       --data-urlencode "csrf_token=$TOKEN" --data-urlencode "form_key=$KEY" \
       --data-urlencode "channel=phone" --data-urlencode "outcome=reached" \
       --data-urlencode "contacted_on=$DAY" \
       --data-urlencode "note=电话联系，有就业意愿" --data-urlencode "next_step=推荐保洁岗位" \
       --data-urlencode "next_step_days=2" "$BASE$PERSON/contacts"
done
curl -s -b "$JAR" "$BASE$PERSON?contact=1" | grep -o '联系记录已保存\|推荐保洁岗位' | sort -u
login city_hhht
echo "== statistics of 呼和浩特市, as CSV"
curl -s -b "$JAR" "$BASE/console/statistics/export.csv" | head -3
login auditor
echo "== the trail: certification steps"
curl -s -b "$JAR" "$BASE/console/trail?action=certification." | grep -o 'certification\.[a-z_]*' | sort | uniq -c
