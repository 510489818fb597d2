#!/usr/bin/env bash
# Money that reaches people once (issue 16), over HTTP against `make run`:
# two job seekers are certified; one claims three months of the flexible-employment
# social-insurance subsidy, station_xc checks, county_xc approves (and may not approve a
# claim county_xc entered); finance_xc builds and exports a batch, a demo bank return file
# marks two lines paid and one failed; the failed line is corrected and paid in the next
# batch; a public-welfare post is developed, both persons placed, a quarter advanced and
# settled after one leaves early (a recovery). The fund balance is printed at each step,
# beside what it must be; the person's notices of each step are listed from the outbox;
# `flask audit verify` closes the run.
# Usage: scripts/demo_money.sh [BASE_URL]   (run from the checkout `make run` serves, with
# the same DATABASE_URL in the environment, for the outbox listing and the audit check)
set -euo pipefail
BASE=${1:-http://127.0.0.1:5000}
HERE=$(cd "$(dirname "$0")" && pwd)
RUN=$RANDOM
J='Content-Type: application/json'
py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
staff() { curl -s -X POST "$BASE/api/v1/auth/staff/login" -H "$J" \
            -d "{\"username\":\"$1\",\"password\":\"Demo@2025\"}" | py 'd["access_token"]'; }
S=$(staff station_xc); T=$(staff township_xc); C=$(staff county_xc); F=$(staff finance_xc)
F2=$(staff finance_xc2)
H() { echo "Authorization: Bearer $1"; }
id_number() { python3 -c "
import random; s='150102196804010%d%d' % (random.randint(1, 9), random.randrange(1, 10, 2)); w=[7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2]
print(s + '10X98765432'[sum(int(a)*b for a,b in zip(s,w)) % 11])"; }
FUND=$(curl -s "$BASE/api/v1/money/funds" -H "$(H $F)" | py '[f["id"] for f in d if f["region_code"]=="150102"][0]')
fen() { curl -s "$BASE/api/v1/money/funds/$FUND" -H "$(H $F)" | py 'd["balance_fen"]'; }
START=$(fen); EXPECT=$START
# balance DELTA_FEN: the fund must have moved by DELTA_FEN since the last check.
balance() {
  EXPECT=$((EXPECT + $1)); local now; now=$(fen)
  local mark="OK"; [ "$now" = "$EXPECT" ] || mark="WRONG (expected $EXPECT fen)"
  echo "   fund balance: $(python3 -c "print(f'{$now/100:.2f}')") yuan  [$mark]"
}
VENV_PY="$HERE/../.venv/bin/python"
JPEG=$(mktemp --suffix=.jpg)
"$VENV_PY" -c "from PIL import Image; Image.new('RGB', (60, 40), (200, 200, 200)).save('$JPEG', 'JPEG')"
material() {  # material PATH TOKEN: the contribution receipt, uploaded (PATH: my/claims/ID or claims/ID)
  curl -s -X POST "$BASE/api/v1/money/$1/evidence" -H "$(H $2)" \
       -F kind=contribution_receipt -F "file=@$JPEG;type=image/jpeg" | py '"   material:", d["kind"], d["content_type"], d["size"], "bytes (encrypted at rest)"'
}
notices() {  # the person's notices of a claim, from the push outbox
  (cd "$HERE/.." && "$VENV_PY" - "$1" <<'PYEOF'
import json, sys
from sqlalchemy import select
from app import create_app
from app.extensions import db
from app.wechat.models import PushMessage
with create_app().app_context():
    rows = db.session.scalars(select(PushMessage).where(
        PushMessage.dedupe_key.like(f"money:claim:{sys.argv[1]}:%")).order_by(PushMessage.id))
    for row in rows:
        data = json.loads(row.payload)["data"]
        print("   notice:", row.kind, "|", " | ".join(v["value"] for v in data.values()))
PYEOF
  ) 2>/dev/null || echo "   (notices: run from the served checkout with its DATABASE_URL)"
}

certify() {  # certify NAME DISPLAY -> prints "token person_id"
  local token app
  token=$(curl -s -X POST "$BASE/api/v1/auth/wechat/login" -H "$J" -d "{\"code\":\"demo-$1\"}" | py 'd["access_token"]')
  curl -s -X PUT "$BASE/api/v1/people/me" -H "$(H $token)" -H "$J" -d "{
    \"name\":\"$2\", \"id_number\":\"$(id_number)\", \"residence_region_code\":\"150102001001\",
    \"consent\":{\"notice_version\":\"2025-01\"},
    \"facts\":{\"urban_resident\":true,\"residence_since\":\"2010-01-01\",\"employment_status\":\"flexible\",
      \"registered_unemployed\":true,\"unemployment_registered_on\":\"2026-01-05\",
      \"social_insurance_months\":60,\"education\":\"senior\",\"wants\":[\"job\"],\"ever_employed\":true}}" >/dev/null
  app=$(curl -s -X POST "$BASE/api/v1/certification/my/applications" -H "$(H $token)" -H "$J" \
        -d '{"categories":["older"],"commitment":{"accepted":true,"version":"2025-01"}}' | py 'd["id"]')
  local A="$BASE/api/v1/certification/applications/$app"
  curl -s -X POST "$A/accept" -H "$(H $S)" -H "$J" -d '{}' >/dev/null
  curl -s -X POST "$A/station-check" -H "$(H $S)" -H "$J" -d '{"outcome":"pass"}' >/dev/null
  curl -s -X POST "$A/township-review" -H "$(H $T)" -H "$J" -d '{"outcome":"pass"}' >/dev/null
  curl -s -X POST "$A/county-decision" -H "$(H $C)" -H "$J" -d '{"outcome":"certify","categories":["older"]}' >/dev/null
  echo "$token $(curl -s "$BASE/api/v1/people/me" -H "$(H $token)" | py 'd["id"]')"
}

echo "== 0. two job seekers are certified (older category, in flexible employment)"
read -r TOKEN P1 <<<"$(certify money$RUN 王芳)"
read -r TOKEN2 P2 <<<"$(certify moneyb$RUN 李强)"
echo "   persons $P1 and $P2"; balance 0
# Dates are Beijing dates, as the service's.
today() { python3 -c "from datetime import datetime; from zoneinfo import ZoneInfo; print(datetime.now(ZoneInfo('Asia/Shanghai')).date())"; }
TODAY=$(today)
MONTHS=$(python3 -c "
from datetime import date; t=date.fromisoformat('$TODAY'); m=t.year*12+t.month-1-2
print(f'{m//12}-{m%12+1:02d}-01', t.replace(day=1).isoformat())")
read -r FROM TO <<<"$MONTHS"

echo "== 1. the person claims three months of the flexible-employment social-insurance subsidy"
CLAIM=$(curl -s -X POST "$BASE/api/v1/money/my/claims" -H "$(H $TOKEN)" -H "$J" -H "Idempotency-Key: demo-claim-$RUN" -d "{
  \"policy\":\"social_insurance_subsidy_flexible\",\"month_from\":\"$FROM\",\"month_to\":\"$TO\",
  \"account_number\":\"6217000010001234567\",\"account_bank\":\"中国银行呼和浩特新城支行\"}")
echo "$CLAIM" | py 'd["id"], d["status"], d["periods"], "months =", d["amount"], "yuan (catalog 480/month)", d["account"]'
CID=$(echo "$CLAIM" | py 'd["id"]')

balance 0

echo "== 2. station_xc checks (not before the material is there); county_xc approves: one payable line per month"
curl -s -X POST "$BASE/api/v1/money/claims/$CID/check" -H "$(H $S)" -H "$J" -d '{}' | py '"   without the receipt:", d["error"]["code"], d["error"]["message"], d["error"]["details"]["labels"]'
material "my/claims/$CID" "$TOKEN"
curl -s -X POST "$BASE/api/v1/money/claims/$CID/check" -H "$(H $S)" -H "$J" -d '{"note":"缴费凭证齐全"}' | py 'd["status"], d["current_step"], "due", d["step_due_on"], d["materials"]'
curl -s -X POST "$BASE/api/v1/money/claims/$CID/approve" -H "$(H $C)" -H "$J" -d '{}' | py 'd["status"], [(l["period"], l["amount"], l["status"]) for l in d["lines"]]'
notices "$CID"
balance 0

echo "== 3. county_xc enters a claim for the second person (signed consent) and may not approve it"
C2=$(curl -s -X POST "$BASE/api/v1/money/claims" -H "$(H $C)" -H "$J" -d "{\"person_id\":$P2,
  \"policy\":\"social_insurance_subsidy_flexible\",\"month_from\":\"$TO\",\"month_to\":\"$TO\",
  \"account_number\":\"6217000010007777888\",\"account_bank\":\"农业银行新城支行\",\"consent_channel\":\"station_paper\"}" | py 'd["id"]')
material "claims/$C2" "$S"
curl -s -X POST "$BASE/api/v1/money/claims/$C2/check" -H "$(H $S)" -H "$J" -d '{}' | py 'd["status"]'
curl -s -X POST "$BASE/api/v1/money/claims/$C2/approve" -H "$(H $C)" -H "$J" -d '{}' | py 'd["error"]["code"], d["error"]["message"]'
balance 0

echo "== 4. finance_xc builds the batch (the total leaves the fund); finance_xc2 approves it; finance_xc exports CSV and XLSX and sends it"
BATCH=$(curl -s -X POST "$BASE/api/v1/money/batches" -H "$(H $F)" -H "$J" \
  -d '{"region_code":"150102","fund_source":"employment_fund","payee_type":"person"}')
echo "$BATCH" | py 'd["batch_no"], d["line_count"], d["total"], d["checksum"][:20]'
BID=$(echo "$BATCH" | py 'd["id"]'); TOTAL1=$(echo "$BATCH" | py 'd["total_fen"]'); balance "-$TOTAL1"
curl -s -X POST "$BASE/api/v1/money/batches/$BID/approve" -H "$(H $F)" | py '"builder approving:", d["error"]["code"]'
curl -s -X POST "$BASE/api/v1/money/batches/$BID/approve" -H "$(H $F2)" | py 'd["status"]'
curl -s "$BASE/api/v1/money/batches/$BID/export?format=csv" -H "$(H $F)" | head -6
curl -s "$BASE/api/v1/money/batches/$BID/export?format=xlsx" -H "$(H $F)" -o "/tmp/batch-$BID.xlsx"
echo "   xlsx: /tmp/batch-$BID.xlsx"
curl -s -X POST "$BASE/api/v1/money/batches/$BID/send" -H "$(H $F)" | py 'd["status"]'

echo "== 5. the bank's return file (scripts/samples/bank_return_demo.csv): two paid, one failed"
read -r X1 X2 X3 <<<"$(curl -s "$BASE/api/v1/money/batches/$BID" -H "$(H $F)" | py '" ".join(str(p["id"]) for p in d["payments"])')"
CONTENT=$(sed -e "s/{P1}/$X1/" -e "s/{P2}/$X2/" -e "s/{P3}/$X3/" "$HERE/samples/bank_return_demo.csv" | python3 -c 'import json,sys; print(json.dumps({"content": sys.stdin.read()}))')
curl -s -X POST "$BASE/api/v1/money/batches/$BID/reconcile" -H "$(H $F)" -H "$J" -d "$CONTENT" | py '"paid", d["paid"], "failed", d["failed"], d["batch"]["status"], d["errors"]'
echo "   the failed line's 480.00 yuan goes back to the fund (支付退票)"; balance 48000
notices "$CID"

echo "== 6. station_xc corrects the failed payment's account; it is paid in the next batch"
curl -s -X POST "$BASE/api/v1/money/payments/$X3/correct" -H "$(H $S)" -H "$J" \
  -d '{"account_number":"6217000010009876543","account_bank":"中国银行呼和浩特新城支行"}' | py 'd["period"], d["status"]'
BATCH2=$(curl -s -X POST "$BASE/api/v1/money/batches" -H "$(H $F)" -H "$J" \
  -d '{"region_code":"150102","fund_source":"employment_fund","payee_type":"person"}')
B2=$(echo "$BATCH2" | py 'd["id"]'); echo "$BATCH2" | py 'd["batch_no"], d["line_count"], d["total"]'
balance "-$(echo "$BATCH2" | py 'd["total_fen"]')"
curl -s -X POST "$BASE/api/v1/money/batches/$B2/approve" -H "$(H $F2)" >/dev/null
curl -s -X POST "$BASE/api/v1/money/batches/$B2/send" -H "$(H $F)" >/dev/null
Y=$(curl -s "$BASE/api/v1/money/batches/$B2" -H "$(H $F)" | py 'd["payments"][0]["id"]')
curl -s -X POST "$BASE/api/v1/money/batches/$B2/reconcile" -H "$(H $F)" -H "$J" \
  -d "{\"content\":\"payment_id,status,amount,bank_ref,reason\\n$Y,paid,480.00,BOC20261203000009,\\n\"}" | py '"paid", d["paid"], d["batch"]["status"]'
balance 0
curl -s "$BASE/api/v1/money/my" -H "$(H $TOKEN)" | py '"the person sees:", [(p["amount_fen"], p["status"], p["account"]) for p in d["payments"]]'

echo "== 7. a public-welfare post: requested by station_xc, approved by county_xc"
EMP=$(curl -s "$BASE/api/v1/jobs/employers?per_page=50" -H "$(H $S)" | py '[e["id"] for e in d["items"] if e["region_code"]=="150102001001"][0]')
QUARTER=$(python3 -c "
from datetime import date; t=date.fromisoformat('$TODAY'); q=(t.month-1)//3*3+1; m=t.year*12+q-1-3
print(f'{m//12}-{m%12+1:02d}-01')")
TERM_TO=$(python3 -c "from datetime import date; d=date.fromisoformat('$QUARTER'); print(d.replace(year=d.year+1))")
POST=$(curl -s -X POST "$BASE/api/v1/money/posts" -H "$(H $S)" -H "$J" -d "{\"employer_id\":$EMP,
  \"title\":\"社区公共服务岗\",\"headcount\":2,\"term_from\":\"$QUARTER\",\"term_to\":\"$TERM_TO\"}" | py 'd["id"]')
curl -s -X POST "$BASE/api/v1/money/posts/$POST/approve" -H "$(H $C)" | py 'd["status"], "monthly standard", d["monthly_fen"], "fen per person"'
echo "== 8. both persons placed from the start of last quarter; the quarter is advanced"
PL1=$(curl -s -X POST "$BASE/api/v1/money/posts/$POST/placements" -H "$(H $S)" -H "$J" -d "{\"person_id\":$P1,\"starts_on\":\"$QUARTER\"}" | py 'd["id"]')
PL2=$(curl -s -X POST "$BASE/api/v1/money/posts/$POST/placements" -H "$(H $S)" -H "$J" -d "{\"person_id\":$P2,\"starts_on\":\"$QUARTER\"}" | py 'd["id"]')
ADV=$(curl -s -X POST "$BASE/api/v1/money/posts/$POST/advance" -H "$(H $F)" -H "$J" -d "{\"quarter\":\"$QUARTER\"}")
echo "$ADV" | py '"advance", d["headcount"], "persons", d["advance_fen"], "fen"'
balance "-$(echo "$ADV" | py 'd["advance_fen"]')"
curl -s -X POST "$BASE/api/v1/money/posts/$POST/advance" -H "$(H $F)" -H "$J" -d "{\"quarter\":\"$QUARTER\"}" | py '"   a second advance of the quarter:", d["error"]["code"]'
balance 0
echo "== 9. the second person left after one month; settlement recovers the difference from the unit"
LEFT=$(python3 -c "from datetime import date, timedelta; d=date.fromisoformat('$QUARTER'); print(d.replace(month=d.month+1) - timedelta(days=1))")
curl -s -X POST "$BASE/api/v1/money/placements/$PL2/leave" -H "$(H $S)" -H "$J" -d "{\"left_on\":\"$LEFT\",\"reason\":\"employed\"}" | py 'd["left_on"]'
SET=$(curl -s -X POST "$BASE/api/v1/money/posts/$POST/settle" -H "$(H $F)" -H "$J" -d "{\"quarter\":\"$QUARTER\"}")
echo "$SET" | py '"months worked", d["months_worked"], "due", d["due_fen"], "difference", d["difference_fen"], d["outcome"]'
balance "$(echo "$SET" | py '-d["difference_fen"]')"
curl -s "$BASE/api/v1/money/funds/$FUND" -H "$(H $F)" | py '[(e["kind"], e["from_account"], e["to_account"], e["amount_fen"]) for e in d["entries"][:6]]'
echo "== 10. the audit chain holds every step"
echo "   fund: started at $(python3 -c "print(f'{$START/100:.2f}')"), now $(python3 -c "print(f'{$(fen)/100:.2f}')") yuan"
if [ -x "$HERE/../.venv/bin/flask" ]; then (cd "$HERE/.." && .venv/bin/flask --app wsgi audit verify); fi
rm -f "$JPEG"
