"""Request logs with a request id, and a filter that keeps personal data out of every log."""
import logging
import re
import time
import uuid

from flask import g, has_request_context, request

# ID numbers, mobile numbers, JWTs and long hex/base64 secrets never reach a log line.
_REDACTIONS = [
    (re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])"), "[id-number]"),
    (re.compile(r"(?<!\d)\d{15}(?!\d)"), "[id-number]"),
    (re.compile(r"(?<!\d)1\d{10}(?!\d)"), "[phone]"),
    (re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+"), "[token]"),
    (re.compile(r"(session_key|access_token|refresh_token|secret)([\"']?\s*[:=]\s*[\"']?)[^\s\"'&,}]+",
                re.IGNORECASE), r"\1\2[redacted]"),
]
_REQUEST_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")


def redact(text):
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    # Escaped so that a value cannot forge a second log line.
    return text.replace("\r", "\\r").replace("\n", "\\n")


class RedactingFormatter(logging.Formatter):
    """Redacts the finished line (message and traceback) without touching the record."""

    def format(self, record):
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return redact(super().format(record))


def install_logging(app):
    root = logging.getLogger()
    if not any(isinstance(h.formatter, RedactingFormatter) for h in root.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(RedactingFormatter(
            "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
        root.addHandler(handler)
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    access_log = logging.getLogger("app.request")

    @app.before_request
    def start_request():
        incoming = request.headers.get("X-Request-Id", "")
        g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def log_request(response):
        elapsed = (time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000
        # The path only: query strings may carry values we must not log.
        access_log.info("%s %s %s %.1fms", request.method, request.path, response.status_code,
                        elapsed)
        response.headers["X-Request-Id"] = g.get("request_id", "")
        return response
