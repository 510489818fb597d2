#!/usr/bin/env bash
# The certification path over HTTP against `make run`, as README.md describes it:
# a job seeker applies through the mini-program API, the station checks, the township
# reviews, the county certifies; the applicant's notices are queued for push.
# Usage: scripts/demo_certification.sh [BASE_URL] [LOGIN_NAME]
set -euo pipefail
BASE=${1:-http://127.0.0.1:5000}
NAME=${2:-wangfang$RANDOM}
J='Content-Type: application/json'
py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
staff() { curl -s -X POST "$BASE/api/v1/auth/staff/login" -H "$J" \
            -d "{\"username\":\"$1\",\"password\":\"Demo@2025\"}" | py 'd["access_token"]'; }
# A valid ID number for a man (odd 17th digit) born in April 1968 in 新城区 (GB 11643 check
# character): a woman of that age is past retirement and not in the older category. The
# day and sequence are random (14,000 numbers), so repeated demos rarely meet a registered one.
ID=$(python3 -c "
import random; s='150102196804%02d%02d%d' % (random.randint(1, 28), random.randint(0, 99), random.randrange(1, 10, 2)); w=[7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2]
print(s + '10X98765432'[sum(int(a)*b for a,b in zip(s,w)) % 11])")

echo "== 1. job seeker logs in through WeChat and binds the phone WeChat vouches for"
TOKEN=$(curl -s -X POST "$BASE/api/v1/auth/wechat/login" -H "$J" -d "{\"code\":\"demo-$NAME\"}" | py 'd["access_token"]')
curl -s -X POST "$BASE/api/v1/auth/wechat/phone" -H "Authorization: Bearer $TOKEN" -H "$J" \
     -d '{"code":"demo-phone-13900000002","privacy_notice_version":"2025-01"}'; echo
echo "== 2. registers who they are (masked in every answer)"
curl -s -X PUT "$BASE/api/v1/people/me" -H "Authorization: Bearer $TOKEN" -H "$J" -d "{
  \"name\":\"王芳\", \"id_number\":\"$ID\", \"residence_region_code\":\"150102001001\",
  \"consent\":{\"notice_version\":\"2025-01\"},
  \"facts\":{\"urban_resident\":true,\"residence_since\":\"2010-01-01\",\"employment_status\":\"unemployed\",
    \"registered_unemployed\":true,\"unemployment_registered_on\":\"2026-01-05\",
    \"social_insurance_months\":60,\"education\":\"senior\",\"skills\":[\"电工\"],\"wants\":[\"job\"],
    \"ever_employed\":true}}" | py 'd["name"], d["id_number"]'
echo "== 3. sees which categories the facts support, then applies with the commitment"
curl -s "$BASE/api/v1/certification/my/assessment" -H "Authorization: Bearer $TOKEN" \
  | py '[(c["code"], c["status"]) for c in d["categories"]]'
APP=$(curl -s -X POST "$BASE/api/v1/certification/my/applications" -H "Authorization: Bearer $TOKEN" -H "$J" \
  -H "Idempotency-Key: demo-$NAME-1" \
  -d '{"categories":["older"],"commitment":{"accepted":true,"version":"2025-01"}}')
echo "$APP" | py 'd["id"], d["status"], d["current_step"]'
ID_APP=$(echo "$APP" | py 'd["id"]')
A="$BASE/api/v1/certification/applications/$ID_APP"
echo "== 4. station_xc accepts and checks; township_xc reviews; county_xc certifies"
S=$(staff station_xc); T=$(staff township_xc); C=$(staff county_xc)
curl -s -X POST "$A/accept" -H "Authorization: Bearer $S" -H "$J" -d '{}' | py 'd["status"]'
curl -s -X POST "$A/station-check" -H "Authorization: Bearer $S" -H "$J" -d '{"outcome":"pass","note":"材料齐全"}' | py 'd["status"]'
curl -s -X POST "$A/township-review" -H "Authorization: Bearer $T" -H "$J" -d '{"outcome":"pass"}' | py 'd["status"]'
curl -s -X POST "$A/county-decision" -H "Authorization: Bearer $C" -H "$J" -d '{"outcome":"certify","categories":["older"]}' | py 'd["status"]'
echo "== 5. the applicant sees the certification"
curl -s "$BASE/api/v1/certification/my/certifications" -H "Authorization: Bearer $TOKEN" | py '[(c["status"], c["categories"]) for c in d]'
