#!/usr/bin/env bash
# Partner-department lists (issue 15) over HTTP against a fresh `make run`, as README.md
# describes it, with the sample lists of scripts/samples/partners (regenerate them with
# `.venv/bin/python -m scripts.partner_samples`):
#  1. the partner accounts (civil affairs, disabled persons' federation, tax office) are
#     created by security_admin: the issue says region_admin, but accounts are the security
#     admin's duty alone (SECURITY.md 11, separation of duties; region_admin gets 403);
#  2. civil affairs uploads the dibao list (one bad ID number, one duplicate) and reads the
#     row report; the same file again changes nothing;
#  3. 李秀英 (seed, applied) is on the list: her dibao category needs no certificate (免证);
#  4. the other lists arrive (disability as XLSX, unemployment, social insurance, land-lost);
#  5. station_xc's discovery list: 刘芳 and 周强 (a dibao household where nobody contributes)
#     and the others, with reasons; 刘芳 is visited (a tracking contact) and applies at the
#     station in one step; 周强, who has the mini-program, is invited in a campaign round
#     (once, however often the button is pressed) and the invitation arrives by SMS;
#  6. the social-insurance list shows 张丽 (certified) contributing: the county's exit proposal;
#  7. a later dibao list no longer holds 周强: his phase-out information (低保渐退) is queued;
#  8. an employer gets a tax-relief proof for 赵刚 (consenting, registered unemployed since
#     March), the tax office verifies its serial, the QR on the PDF opens the verification page;
#  9. per-source figures: listed, matched, converted into applications.
# Usage: scripts/demo_partners.sh [BASE_URL]
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=${1:-http://127.0.0.1:5000}
P=$BASE/api/v1/partners
J='Content-Type: application/json'
SAMPLES=scripts/samples/partners
PY=.venv/bin/python
py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
login() { curl -s -X POST "$BASE/api/v1/auth/staff/login" -H "$J" \
            -d "{\"username\":\"$1\",\"password\":\"$2\"}" | py 'd["access_token"]'; }
staff() { login "$1" Demo@2025; }
day() { python3 -c "import datetime,zoneinfo; print((datetime.datetime.now(zoneinfo.ZoneInfo('Asia/Shanghai')).date()+datetime.timedelta(days=$1)).isoformat())"; }
upload() {  # token source file as_of
  curl -s -X POST "$P/imports" -H "Authorization: Bearer $1" -F "source=$2" -F "region_code=150102" \
       -F "as_of=$4" -F "file=@$3"; }
report() { py '"import", d["id"], d["source"], "rows", d["rows_total"], "failed", d["rows_failed"], "added", d["added"], "unchanged", d["unchanged"], "ended", d["ended"], "matched", d["matched"], "duplicate file:", d.get("duplicate"), "phase-outs:", d.get("phase_outs")'; }
SUFFIX=$RANDOM
PW='Partner#2026'

echo "== 1. the partner accounts of 新城区 (security_admin: separation of duties, SECURITY.md 11)"
R=$(staff region_admin)
curl -s -X POST "$BASE/api/v1/staff" -H "Authorization: Bearer $R" -H "$J" \
     -d '{"username":"nobody_x","display_name":"x","password":"Partner#2026","role":"tax","region_code":"150102"}' \
  | py '"region_admin:", d["error"]["code"]'
R=$(staff security_admin)
for spec in "civil_$SUFFIX 民政局低保科 civil_affairs" "cdpf_$SUFFIX 残联信息科 disabled_federation" "tax_$SUFFIX 税务局征管科 tax"; do
  set -- $spec
  curl -s -X POST "$BASE/api/v1/staff" -H "Authorization: Bearer $R" -H "$J" \
       -d "{\"username\":\"$1\",\"display_name\":\"$2\",\"password\":\"$PW\",\"role\":\"$3\",\"region_code\":\"150102\"}" \
    | py '"created", d["username"], d["role"], d["region_code"]'
done
CIVIL=$(login "civil_$SUFFIX" "$PW"); CDPF=$(login "cdpf_$SUFFIX" "$PW"); TAX=$(login "tax_$SUFFIX" "$PW")
S=$(staff station_xc); C=$(staff county_xc)

echo "== 2. civil affairs uploads the dibao list and reads the row report"
ASOF=$(day -30)
DIBAO=$(upload "$CIVIL" dibao $SAMPLES/dibao.csv "$ASOF")
echo "$DIBAO" | report
IMPORT=$(echo "$DIBAO" | py 'd["id"]')
curl -s "$P/imports/$IMPORT/problems" -H "Authorization: Bearer $CIVIL" \
  | py '"\n".join("  line %s [%s] %s: %s %s" % (p["line"], p["column"], p["code"], p["message"], p["details"] or "") for p in d["items"])'
echo "-- the same file again: nothing changes"
upload "$CIVIL" dibao $SAMPLES/dibao.csv "$ASOF" | report
echo "-- a department never reads persons:"
curl -s "$P/discoveries" -H "Authorization: Bearer $CIVIL" | py 'd["error"]["code"], d["error"]["message"]'
echo "-- a dibao list from the disabled persons' federation's account is refused:"
upload "$CDPF" dibao $SAMPLES/dibao.csv "$ASOF" | py 'd["error"]["code"], d["error"]["message"]'

echo "== 3. 李秀英 (applied, declared dibao): the list confirms it, no certificate needed (免证)"
LI=$(curl -s -X POST "$BASE/api/v1/people/lookup" -H "Authorization: Bearer $S" -H "$J" \
       -d "{\"id_number\":\"$($PY -c 'from scripts.partner_samples import LI_XIUYING; print(LI_XIUYING)')\"}" | py 'd["id"]')
curl -s "$P/people/$LI/comparison" -H "Authorization: Bearer $S" \
  | py '"comparison:", [(f["fact"], f["declared"], f["listed"], f["outcome"]) for f in d["findings"]], "confirmed:", d["confirmed_evidence"]'
APP=$(curl -s "$BASE/api/v1/certification/applications?per_page=100" -H "Authorization: Bearer $S" | py "[a['id'] for a in d['items'] if a['person']['id'] == $LI][0]")
curl -s "$BASE/api/v1/certification/applications/$APP/assessment" -H "Authorization: Bearer $S" \
  | py '"application '$APP' evidence:", [(e["kind"], e["provided"]) for c in d["categories"] if c["code"] == "long_term_unemployed" for e in c["evidence"]], "confirmed by lists:", d["confirmed_by_lists"]'

echo "== 4. the other lists: disability (XLSX), unemployment, social insurance, land-lost"
upload "$CDPF" disability $SAMPLES/disability.xlsx "$ASOF" | report
upload "$C" unemployment $SAMPLES/unemployment.csv "$ASOF" | report
upload "$C" social_insurance $SAMPLES/social_insurance.csv "$ASOF" | report
upload "$CIVIL" land_lost $SAMPLES/land_lost.csv "$ASOF" | report

echo "== 5. 周强 has the mini-program (registered himself, never applied)"
ZQ=$(curl -s -X POST "$BASE/api/v1/auth/wechat/login" -H "$J" -d "{\"code\":\"demo-zhouqiang$SUFFIX\"}" | py 'd["access_token"]')
curl -s -X POST "$BASE/api/v1/auth/wechat/phone" -H "Authorization: Bearer $ZQ" -H "$J" \
     -d '{"code":"demo-phone-13900000015","privacy_notice_version":"2025-01"}' > /dev/null
curl -s -X PUT "$BASE/api/v1/people/me" -H "Authorization: Bearer $ZQ" -H "$J" -d "{
  \"name\":\"周强\", \"id_number\":\"$($PY -c 'from scripts.partner_samples import ZHOU_QIANG; print(ZHOU_QIANG)')\",
  \"residence_region_code\":\"150102001001\", \"consent\":{\"notice_version\":\"2025-01\"}}" | py '"registered:", d["name"], d["id_number"]'
echo "-- station_xc's discovery list (主动发现), with the reasons"
LIST=$(curl -s "$P/discoveries?per_page=50" -H "Authorization: Bearer $S")
echo "$LIST" | py '"\n".join("  record %s %s %s %s: %s" % (i["record_id"], i["name"], i["id_number"], i["sources"], "；".join(r["text"] for r in i["reasons"])) for i in d["items"])'
echo "-- station_hlr (呼伦贝尔) sees none of them:"
curl -s "$P/discoveries" -H "Authorization: Bearer $(staff station_hlr)" | py '"total", d["total"]'
LIU=$(echo "$LIST" | py "[i['record_id'] for i in d['items'] if i['name'] == '刘*'][0]")
echo "-- station_xc visits 刘芳: a contact in the tracking area (her help case is opened)"
curl -s -X POST "$P/discoveries/$LIU/contacts" -H "Authorization: Bearer $S" -H "$J" \
     -d "{\"channel\":\"visit\",\"contacted_on\":\"$(day 0)\",\"outcome\":\"reached\",\"note\":\"愿意参加家政培训\"}" \
  | py '"contact", d["id"], d["channel"], d["outcome"], d["contacted_on"]'
echo "-- she applies at the station in one step (identity from the list, her signed consent)"
curl -s -X POST "$P/discoveries/$LIU/apply" -H "Authorization: Bearer $S" -H "$J" -d '{
  "consent":{"notice_version":"2025-01","channel":"station_paper"},
  "commitment":{"accepted":true,"version":"2025-01"},
  "facts":{"urban_resident":true,"residence_since":"2012-05-01","employment_status":"unemployed"}}' \
  | py '"application", d["id"], d["status"], d["channel"]'
echo "-- a campaign round (county_xc), and the invitations of the discovered who have the mini-program"
ROUND=$(curl -s -X POST "$BASE/api/v1/push/campaigns" -H "Authorization: Bearer $C" -H "$J" -d "{
  \"title\":\"春风行动第一轮联系对接\", \"kind\":\"campaign_invitation\", \"region_code\":\"150102\", \"person_status\":\"any\",
  \"values\":{\"campaign\":\"春风行动专场招聘会\",\"starts_at\":\"$(day 7)T09:00:00+08:00\",\"location\":\"新城区人社服务大厅\"},
  \"not_before\":\"$(day 0)T00:00:00+08:00\", \"not_after\":\"$(day 30)T00:00:00+08:00\"}" | py 'd["id"]')
for press in 1 2; do
  curl -s -X POST "$P/discoveries/invitations" -H "Authorization: Bearer $S" -H "$J" -d "{\"campaign_id\":$ROUND}" \
    | py '"press '$press': invited", d["invited"], "already invited", d["already_invited"], "to visit (no account)", d["without_account"]'
done
sleep 3
echo "-- what the fake SMS gateway received (no WeChat subscription: the outbox fell back to SMS)"
curl -s "http://127.0.0.1:$(( ${BASE##*:} + 3802 ))/_control/messages" \
  | py '"\n".join("  %s %s" % (m["template_code"], m["params"]) for m in d["messages"])'

echo "== 6. social insurance shows 张丽 (certified, disabled) contributing: the county's exit proposal"
curl -s "$P/exit-proposals" -H "Authorization: Bearer $C" \
  | py '[(i["name"], i["reason"], i["employer"], i["last_month"]) for i in d["items"]]'

echo "== 7. a later dibao list no longer holds 周强: the phase-out information (低保渐退)"
upload "$CIVIL" dibao $SAMPLES/dibao_later.csv "$(day -1)" | report
curl -s "$P/dibao-phase-outs" -H "Authorization: Bearer $S" \
  | py '[(i["name"], i["ended_on"], "pushed" if i["notified"] else "station tells") for i in d["items"]]'

echo "== 8. the employers' tax-relief proof for 赵刚 (consent signed at the station)"
EMP=$(curl -s "$BASE/api/v1/jobs/employers?per_page=1" -H "Authorization: Bearer $S" | py 'd["items"][0]["id"]')
ZG=$($PY -c 'from scripts.partner_samples import ZHAO_GANG; print(ZHAO_GANG)')
WJ=$($PY -c 'from scripts.partner_samples import WANG_JIANGUO; print(WANG_JIANGUO)')
ask() { curl -s -X POST "$P/tax-relief/checks" -H "Authorization: Bearer $S" -H "$J" \
          -d "{\"employer_id\":$EMP,\"id_number\":\"$1\",\"name\":\"$2\",\"hired_on\":\"$(day 0)\",\"consent_channel\":\"station_paper\"}"; }
echo "-- 王建国 (registered 5 months) and an unknown person: the same answer"
ask "$WJ" 王建国; echo; ask "150102197001019996" 无此人; echo
PROOF=$(ask "$ZG" 赵刚)
echo "$PROOF" | py '"eligible", d["eligible"], d["proof"]["serial"], d["proof"]["basis_text"], "registered on", d["proof"]["registered_on"], d["proof"]["person_name"], d["proof"]["employer_name"]'
SERIAL=$(echo "$PROOF" | py 'd["proof"]["serial"]')
echo "-- the tax office verifies the serial"
curl -s "$P/tax-relief/proofs/$SERIAL" -H "Authorization: Bearer $TAX" | py '"serial", d["serial"], "valid", d["valid"], "until", d["valid_until"]'
echo "-- the QR code on the PDF opens the verification page"
URL=$(curl -s "$P/tax-relief/proofs/$SERIAL/pdf" -H "Authorization: Bearer $TAX" | $PY -m scripts.read_proof_qr)
echo "QR: $URL"
curl -s "$URL" | grep -o '此证明真实有效' | head -1

echo "== 9. per-source figures (listed, ended, matched, confirmed, discovered, converted into applications)"
curl -s "$P/figures" -H "Authorization: Bearer $CIVIL" | py '"\n".join("  %(source)s: listed %(listed)s, ended %(ended)s, matched %(matched)s, confirmed %(confirmed)s, discovered %(discovered)s, converted %(converted)s" % s for s in d["sources"])'
