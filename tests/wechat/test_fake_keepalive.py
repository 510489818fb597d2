"""fakes/keepalive.py: the fake WeChat served with kept-alive connections (the push bench)."""
import json
import socket
import threading

import pytest

from app.core.wechat import WeChatGateway
from fakes.keepalive import KeepAliveServer
from fakes.wechat import create_app
from tests.support.servers import FakeWeChatControl

APPID, SECRET = "wx-keepalive-appid", "keepalive-secret"
OPENID = "oKeepAlive000000000000000001"
TEMPLATE = "tmpl-keepalive"


@pytest.fixture()
def server():
    server = KeepAliveServer(create_app(APPID, SECRET))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.close()
    thread.join(5)


def exchange(server, raw, responses=1):
    """Send raw bytes on a new connection; read until `responses` answers or EOF."""
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        sock.sendall(raw)
        data = b""
        while data.count(b"HTTP/1.1 ") < responses or not _complete(data):
            chunk = sock.recv(65536)
            if not chunk:
                return data, True
            data += chunk
        sock.settimeout(0.2)
        try:
            closed = sock.recv(1) == b""
        except socket.timeout:
            closed = False
        return data, closed


def _complete(data):
    head, sep, body = data.rpartition(b"\r\n\r\n")
    if not sep:
        return False
    length = [line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")]
    return bool(length) and len(body) >= int(length[-1].split(b":")[1])


def test_the_gateway_sends_through_one_kept_alive_connection(server):
    url = f"http://{server.host}:{server.port}/"
    control = FakeWeChatControl(url)
    control.register_template(TEMPLATE, {"thing1": "thing"})
    control.grant_subscription(OPENID, TEMPLATE, 5)
    gateway = WeChatGateway(APPID, SECRET, api_base_url=url, timeout=2.0)
    before = server.connections
    for n in range(5):  # the first also fetches the token
        answer = gateway.send_subscribe_message(OPENID, TEMPLATE, {"thing1": {"value": "保洁员"}},
                                                page=f"pages/jobs/detail?n={n}")
        assert answer["errcode"] == 0
    assert server.connections - before == 1
    pages = [m["page"] for m in control.messages()["messages"]]
    assert pages == [f"pages/jobs/detail?n={n}" for n in range(5)]


def test_two_requests_with_bodies_on_one_connection_are_both_answered(server):
    body = json.dumps({"grant_type": "client_credential", "appid": APPID,
                       "secret": SECRET}).encode()
    request = (b"POST /cgi-bin/stable_token HTTP/1.1\r\nHost: x\r\n"
               b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    data, closed = exchange(server, request + request, responses=2)
    assert data.count(b"HTTP/1.1 200 OK") == 2 and data.count(b'"access_token"') == 2
    assert not closed  # kept alive


@pytest.mark.parametrize("request_line, connection", [
    (b"GET /healthz HTTP/1.1", b"Connection: close\r\n"),
    (b"GET /healthz HTTP/1.0", b""),
])
def test_the_connection_is_closed_when_the_client_asks(server, request_line, connection):
    data, closed = exchange(server, request_line + b"\r\nHost: x\r\n" + connection + b"\r\n")
    assert data.startswith(b"HTTP/1.1 200 OK") and data.endswith(b"ok")
    assert b"Connection: close" in data and closed


@pytest.mark.parametrize("raw", [
    b"nonsense\r\n\r\n",
    b"POST /healthz HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    b"POST /healthz HTTP/1.1\r\nContent-Length: x\r\n\r\n",
])
def test_a_malformed_request_gets_400_and_the_connection_closes(server, raw):
    data, closed = exchange(server, raw)
    assert data.startswith(b"HTTP/1.1 400 Bad Request") and closed
