"""`make run`: the fake WeChat server, the fake SMS gateway, the service, one push worker,
the overview builder and the audit checkpoint loop, side by side on loopback.

All are real processes talking real HTTP; the service and the worker reach the fakes
through the same clients they would use against WeChat and the SMS provider, by
configuration only. Ctrl-C stops everything.
"""
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

from app.wechat.templates import load_catalog
from fakes.wechat import demo_openid

HOST = "127.0.0.1"


def _wait_for(url, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def _post_json(url, payload):
    request = urllib.request.Request(url, data=json.dumps(payload).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5):
        pass


def _register_templates(env, wechat_port, sms_port):
    """What the WeChat console and the SMS provider hold in production: our templates."""
    catalog = load_catalog(template_ids=env.get("WECHAT_TEMPLATE_IDS"),
                           sms_codes=env.get("SMS_TEMPLATE_CODES"))
    for kind in catalog.kinds.values():
        _post_json(f"http://{HOST}:{wechat_port}/_control/templates",
                   {"template_id": kind.template_id, "fields": kind.wechat_fields()})
        _post_json(f"http://{HOST}:{sms_port}/_control/templates",
                   {"template_code": kind.sms_template_code, "text": kind.sms_text})


def _banner(port, wechat_port, sms_port, appid):
    base = f"http://{HOST}:{port}"
    wechat = f"http://{HOST}:{wechat_port}"
    sms = f"http://{HOST}:{sms_port}"
    return f"""
================ 内蒙古就业援助“一人一码”服务（演示） ================
Service         {base}      (health: {base}/healthz, ready: {base}/readyz)
OpenAPI         {base}/api/v1/openapi.json
Fake WeChat     {wechat}/   (control: /_control/...)
Fake SMS        {sms}/   (control: /_control/...)
Push worker     flask push worker (one, same settings as the service)
Campaigns       flask push campaigns run --loop (expands campaigns every 10 s)
Overviews       flask codes build-overviews (built when a person's data changes; PostgreSQL + REDIS_URL)
Audit anchor    flask audit checkpoint --loop (head -> instance/audit-checkpoints.jsonl)

Demo staff accounts (password for all: Demo@2025)
  station_xc      服务站工作人员   新城区海拉尔东路街道示范社区 (150102001001)
  township_xc     街道审核员       海拉尔东路街道 (150102001)
  county_xc       旗县区经办人员   呼和浩特市新城区 (150102)
  city_hhht       盟市管理员       呼和浩特市 (150100)
  region_admin    自治区管理员     内蒙古自治区 (150000)
  auditor         审计员           security_admin  安全管理员
  station_hlr     服务站工作人员   呼伦贝尔市海拉尔区 (150702001001)

Staff login:
  curl -s -X POST {base}/api/v1/auth/staff/login -H 'Content-Type: application/json' \\
       -d '{{"username":"station_xc","password":"Demo@2025"}}'

Job seeker login through the fake WeChat (any code "demo-<name>" works):
  curl -s -X POST {base}/api/v1/auth/wechat/login -H 'Content-Type: application/json' \\
       -d '{{"code":"demo-zhangsan"}}'
  # then, with the access_token: bind the phone WeChat vouches for
  curl -s -X POST {base}/api/v1/auth/wechat/phone -H "Authorization: Bearer $TOKEN" \\
       -H 'Content-Type: application/json' \\
       -d '{{"code":"demo-phone-13800000001","privacy_notice_version":"2025-01"}}'

Push: a subscribe message through the worker (ACCOUNT = "account.account_id" from the login answer)
  # 1. zhangsan taps "allow" in the mini-program: WeChat records the grant ...
  curl -s -X POST {wechat}/_control/subscriptions -H 'Content-Type: application/json' \\
       -d '{{"openid":"{demo_openid(appid, "zhangsan")}","template_id":"demo-tmpl-application-result"}}'
  # ... and the mini-program reports wx.requestSubscribeMessage's result
  curl -s -X POST {base}/api/v1/push/subscriptions -H "Authorization: Bearer $TOKEN" \\
       -H 'Content-Type: application/json' \\
       -d '{{"result":{{"errMsg":"requestSubscribeMessage:ok","demo-tmpl-application-result":"accept"}}}}'
  # 2. queue a message (other areas do this inside their own transactions)
  .venv/bin/flask --app wsgi push enqueue application_result --account $ACCOUNT \\
       --value item=就业困难人员认定 --value result=已通过 --value decided_on=2026-11-28 \\
       --page-query id=1 --dedupe-key demo-1
  # 3. the worker has sent it: see what WeChat received
  curl -s {wechat}/_control/messages
  # Queue another (--dedupe-key demo-2): no subscription left, so it goes by SMS to the
  # bound phone; see what the SMS gateway received, and the status with its attempts:
  curl -s {sms}/_control/messages
  curl -s {base}/api/v1/push/messages/2 -H "Authorization: Bearer $TOKEN"
  .venv/bin/flask --app wsgi push stats
Ctrl-C stops everything.
====================================================================="""


def main():
    port = int(os.environ.get("PORT", "5000"))
    wechat_port = int(os.environ.get("WECHAT_FAKE_PORT", str(port + 3801)))
    sms_port = int(os.environ.get("SMS_FAKE_PORT", str(port + 3802)))
    env = dict(os.environ)
    env.setdefault("WECHAT_APPID", "wx-demo-appid")
    env.setdefault("WECHAT_SECRET", "demo-wechat-secret")
    env["WECHAT_API_BASE"] = f"http://{HOST}:{wechat_port}/"
    env["SMS_API_BASE"] = f"http://{HOST}:{sms_port}/"
    env.setdefault("SMS_ACCESS_KEY_ID", "demo-sms-key-id")
    env.setdefault("SMS_ACCESS_KEY_SECRET", "demo-sms-secret")
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "fakes.wechat", "--host", HOST, "--port", str(wechat_port),
             "--appid", env["WECHAT_APPID"], "--secret", env["WECHAT_SECRET"]], env=env),
        subprocess.Popen(
            [sys.executable, "-m", "fakes.sms", "--host", HOST, "--port", str(sms_port),
             "--access-key-id", env["SMS_ACCESS_KEY_ID"],
             "--access-key-secret", env["SMS_ACCESS_KEY_SECRET"]], env=env),
    ]

    def give_up(message):
        for child in children:
            child.terminate()
        sys.exit(message)

    if not _wait_for(f"http://{HOST}:{wechat_port}/healthz"):
        give_up("fake WeChat server did not start")
    if not _wait_for(f"http://{HOST}:{sms_port}/healthz"):
        give_up("fake SMS gateway did not start")
    _register_templates(env, wechat_port, sms_port)
    children.append(subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"{HOST}:{port}", "--workers", "2",
         "wsgi:app"], env=env))
    if not _wait_for(f"http://{HOST}:{port}/healthz", 60):
        give_up("the service did not start")
    # One worker: the demo runs on SQLite (several workers need PostgreSQL).
    children.append(subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "push", "worker"], env=env))
    time.sleep(1)
    if children[-1].poll() is not None:
        give_up("the push worker did not start")
    # Campaigns created through the API are expanded into the outbox by this loop.
    children.append(subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "push", "campaigns", "run", "--loop",
         "--interval", "10"], env=env))
    # Overviews rendered into the shared view cache when a person's data changes, so a
    # person's first look after a change is a read (PostgreSQL and REDIS_URL; on the SQLite
    # demo it idles and each worker builds on demand).
    children.append(subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "codes", "build-overviews"], env=env))
    # The audit chain's head, anchored outside the database (README, "Audit trail").
    children.append(subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "audit", "checkpoint", "--loop",
         "--every", env.get("AUDIT_CHECKPOINT_SECONDS", "60")], env=env))
    time.sleep(1)
    if children[-1].poll() is not None:
        give_up("the audit checkpoint loop did not start (see `flask audit verify`)")
    print(_banner(port, wechat_port, sms_port, env["WECHAT_APPID"]), flush=True)

    def stop(*_):
        for child in children:
            child.terminate()
        for child in children:
            child.wait(timeout=10)
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while all(child.poll() is None for child in children):
        time.sleep(1)
    stop()


if __name__ == "__main__":
    main()
