"""`make run`: the fake WeChat server and the service, side by side on loopback.

Both are real processes talking real HTTP; the service reaches the fake through the same
wechatpy client it would use against WeChat, by configuration only. Ctrl-C stops both.
"""
import os
import signal
import subprocess
import sys
import time
import urllib.request

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


def _banner(port, wechat_port):
    base = f"http://{HOST}:{port}"
    return f"""
================ 内蒙古就业援助“一人一码”服务（演示） ================
Service         {base}      (health: {base}/healthz, ready: {base}/readyz)
OpenAPI         {base}/api/v1/openapi.json
Fake WeChat     http://{HOST}:{wechat_port}/   (control: /_control/...)

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
Ctrl-C stops everything.
====================================================================="""


def main():
    port = int(os.environ.get("PORT", "5000"))
    wechat_port = int(os.environ.get("WECHAT_FAKE_PORT", str(port + 3801)))
    env = dict(os.environ)
    env.setdefault("WECHAT_APPID", "wx-demo-appid")
    env.setdefault("WECHAT_SECRET", "demo-wechat-secret")
    env["WECHAT_API_BASE"] = f"http://{HOST}:{wechat_port}/"
    children = [subprocess.Popen(
        [sys.executable, "-m", "fakes.wechat", "--host", HOST, "--port", str(wechat_port),
         "--appid", env["WECHAT_APPID"], "--secret", env["WECHAT_SECRET"]], env=env)]
    if not _wait_for(f"http://{HOST}:{wechat_port}/healthz"):
        sys.exit("fake WeChat server did not start")
    children.append(subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"{HOST}:{port}", "--workers", "2",
         "wsgi:app"], env=env))
    if not _wait_for(f"http://{HOST}:{port}/healthz", 60):
        for child in children:
            child.terminate()
        sys.exit("the service did not start")
    print(_banner(port, wechat_port), flush=True)

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
