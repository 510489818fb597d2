"""A small HTTP/1.1 keep-alive WSGI server for the fakes under load (bench/push_bench.py).

Why: the push bench runs the fake WeChat on the same 2-core machine as the workers it
measures. gunicorn's gthread worker spends about 0.6 ms of CPU per request (its parser, the
poller, handing every request to a thread and the connection back), four times what the
fake's Flask view costs, and that CPU is taken from the workers. Here every connection has
its own thread, which reads a request, calls the WSGI app and writes the answer, keeping
the connection alive as api.weixin.qq.com does: about 0.25 ms per request.

Just enough HTTP for our clients (requests/urllib3): request bodies with Content-Length (no
chunked uploads, no `Expect: 100-continue`); keep-alive unless the client sends
`Connection: close` or speaks HTTP/1.0 without asking for keep-alive; a malformed request
gets 400 and the connection is closed. Nothing is logged (query strings carry secrets).
For the fakes only, never for the service.
"""
import io
import socket
import sys
import threading

MAX_LINE = 65536
MAX_HEADERS = 100


class BadRequest(Exception):
    pass


class KeepAliveServer:
    def __init__(self, app, host="127.0.0.1", port=0):
        self.app = app
        self.listener = socket.create_server((host, port), backlog=128)
        self.host, self.port = self.listener.getsockname()[:2]
        self.connections = 0  # accepted so far (tests check that connections are reused)

    def serve_forever(self):
        """Accept until close() is called (from another thread)."""
        while True:
            try:
                sock, address = self.listener.accept()
            except OSError:  # closed
                return
            self.connections += 1
            threading.Thread(target=self._serve_connection, args=(sock, address),
                             daemon=True).start()

    def close(self):
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        except OSError:
            pass
        self.listener.close()

    def _serve_connection(self, sock, address):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        rfile = sock.makefile("rb")
        try:
            while self._serve_request(sock, rfile, address):
                pass
        except (OSError, ValueError):
            pass  # the client went away
        finally:
            rfile.close()
            sock.close()

    def _serve_request(self, sock, rfile, address):
        """Serve one request; False when the connection is to be closed."""
        line = rfile.readline(MAX_LINE + 1)
        if not line:
            return False
        try:
            environ, keep_alive = self._environ(line, rfile, address)
        except BadRequest:
            sock.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
                         b"Connection: close\r\n\r\n")
            return False
        status, headers, body = self._call_app(environ)
        head = [f"HTTP/1.1 {status}"]
        head += [f"{name}: {value}" for name, value in headers
                 if name.lower() not in ("content-length", "connection")]
        head.append(f"Content-Length: {len(body)}")
        if not keep_alive:
            head.append("Connection: close")
        if environ["REQUEST_METHOD"] == "HEAD":
            body = b""
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        return keep_alive

    def _environ(self, line, rfile, address):
        try:
            method, target, version = line.decode("latin-1").rstrip("\r\n").split(" ")
        except ValueError:
            raise BadRequest from None
        if len(line) > MAX_LINE or not version.startswith("HTTP/1."):
            raise BadRequest
        headers = {}
        for _ in range(MAX_HEADERS):
            raw = rfile.readline(MAX_LINE + 1)
            if raw in (b"\r\n", b"\n", b""):
                break
            name, sep, value = raw.decode("latin-1").partition(":")
            if not sep or len(raw) > MAX_LINE:
                raise BadRequest
            headers[name.strip().upper().replace("-", "_")] = value.strip()
        else:
            raise BadRequest
        if "chunked" in headers.get("TRANSFER_ENCODING", "").lower():
            raise BadRequest
        try:
            length = int(headers.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise BadRequest from None
        body = rfile.read(length) if length > 0 else b""
        if len(body) != length:
            raise BadRequest
        path, _, query = target.partition("?")
        environ = {
            "REQUEST_METHOD": method, "SCRIPT_NAME": "", "PATH_INFO": path,
            "QUERY_STRING": query, "SERVER_NAME": self.host, "SERVER_PORT": str(self.port),
            "SERVER_PROTOCOL": version, "REMOTE_ADDR": address[0],
            "REMOTE_PORT": str(address[1]), "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr, "wsgi.multithread": True, "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for name, value in headers.items():
            environ[name if name in ("CONTENT_LENGTH", "CONTENT_TYPE") else
                    "HTTP_" + name] = value
        connection = headers.get("CONNECTION", "").lower()
        keep_alive = connection != "close" and (version != "HTTP/1.0" or
                                                connection == "keep-alive")
        return environ, keep_alive

    def _call_app(self, environ):
        answer = {}

        def start_response(status, headers, exc_info=None):
            answer["status"], answer["headers"] = status, headers

        result = self.app(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        return answer["status"], answer["headers"], body


def serve(app, host, port):
    """Serve `app` on host:port until the process ends."""
    KeepAliveServer(app, host, port).serve_forever()
